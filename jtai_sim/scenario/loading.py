"""Reading scenario files: TOML text to a validated :class:`~jtai_sim.scenario.model.Scenario`.

Owns the cattrs converter (unknown keys are errors, types are strict: ``"3"`` is
not a number, ``2.0`` is not a whole number and ``1`` is not ``true``) and turns
every failure into a single :class:`~jtai_sim.errors.ScenarioError` line naming
file, line, key and value: ``file:line: key: message, got VALUE``, the value
written as it would be in TOML. When a file has several mistakes the one nearest
the top is reported. The partnership checks that need the whole graph live in
:mod:`jtai_sim.scenario.partnership`; :func:`jtai_sim.load_scenario` runs both.

>>> from jtai_sim.scenario.loading import scenario_from_toml
>>> s = scenario_from_toml('name = "Tiny"\\n[agencies.a]\\nstaff = 2\\n'
...                        '[demand.d]\\nagency = "a"\\nrate_per_10k_per_year = 10.0\\n')
>>> s.agencies["a"].staff
2
>>> scenario_from_toml('name = "Tiny"\\n[agencies.a]\\nstaf = 2\\n', file="t.toml")
Traceback (most recent call last):
...
jtai_sim.errors.ScenarioError: t.toml:3: agencies.a.staf: unknown key (did you mean 'staff'?)
>>> scenario_from_toml('name = "Tiny"\\n[agencies.a]\\nworking = "weekdays"\\n', file="t.toml")
Traceback (most recent call last):
...
jtai_sim.errors.ScenarioError: t.toml:3: agencies.a.working: must be one of "always", "office", \
got "weekdays"
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from cattrs.errors import (
    BaseValidationError,
    ForbiddenExtraKeysError,
)

from jtai_sim.errors import (
    InputError,
    ScenarioError,
    dotted,
)
from jtai_sim.scenario.converter import (
    CONVERTER,
    Problem,
    problems,
    suggest,
    toml_value,
)
from jtai_sim.scenario.model import Scenario
from jtai_sim.scenario.toml_lines import (
    HEADER,
    Path_,
    line_index,
    locate,
    opened_at,
    split_key,
    table_before,
)


def _value_at(data: Any, path: Path_) -> tuple[bool, Any]:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, data


_GOT = re.compile(r",? got (?P<value>.*)$")


def _with_value(message: str, found: bool, value: Any) -> str:
    """Add (or rewrite in TOML) the ``got VALUE`` ending of ``message``."""
    match = _GOT.search(message)
    if not found:
        if match and match.group("value") == "None":
            return message[: match.start()] + ", but it is not set"
        return message
    if match:
        said = match.group("value")
        same = {repr(value)}
        if isinstance(value, list):
            same.add(repr(tuple(value)))
        if isinstance(value, int) and not isinstance(value, bool):
            same.add(repr(float(value)))
        if isinstance(value, dt.date):
            same.add(str(value))
        if said not in same:
            return message
        message = message[: match.start()]
    return f"{message}, got {toml_value(value)}"


def located_error(
    found: list[Problem], data: Any, *, text: str = "", file: str | None = None
) -> ScenarioError:
    """The ScenarioError for the problem nearest the top of the file."""

    index = line_index(text) if text else {}  # once: a file can hold thousands of mistakes

    def order(problem: Problem) -> tuple[int, int]:
        at = locate(text, problem.path, index) if text else None
        # on one line, a misspelt key explains a required one that seems missing
        rank = (
            0
            if problem.message.startswith("unknown key")
            else 2
            if problem.message == "is required"
            else 1
        )
        return (at if at is not None else 10**9, rank)

    problem = min(found, key=order)
    message = problem.message
    if problem.show_value:
        message = _with_value(message, *_value_at(data, problem.path))
    return ScenarioError(
        message,
        file=file,
        line=locate(text, problem.path, index) if text else None,
        key=dotted(problem.path) or None,
    )


def structure(
    data: dict[str, Any], cl: type[Any], *, text: str = "", file: str | None = None
) -> Any:
    """Build ``cl`` from parsed TOML ``data``, raising one located ScenarioError.

    Only mistakes in the data become a ScenarioError: cattrs' validation errors
    whose leaves are values the hooks or validators refused, required keys left
    out, unknown keys and nesting too deep. Any other exception (a bug in a hook
    or a validator) propagates as it is.
    """
    try:
        return CONVERTER.structure(data, cl)
    except (BaseValidationError, ForbiddenExtraKeysError, InputError, RecursionError) as exc:
        raise located_error(problems(exc), data, text=text, file=file) from None


# ---------------------------------------------------------------- TOML text


_TOML_WORDING = {
    r"Cannot overwrite a value": "this key is already set earlier in the file",
    r"Cannot declare .* twice": "this table is already declared earlier in the file",
    r"Cannot mutate immutable namespace .*": "this table was given whole (inline) earlier",
    r"Cannot redefine namespace .*": "this key already holds a value, not a table",
    r"Duplicate inline table key .*": "this key is given twice in the same { } table",
    "Invalid value": 'not a TOML value (text needs "quotes")',
    "Invalid statement": "expected 'key = value' or a [table] header",
    "Unclosed array": "list not closed with ]",
    "Unclosed inline table": "table not closed with }",
    "Unterminated string": "text not closed with its quote",
    "Invalid date or datetime": "not a real date (YYYY-MM-DD)",
    "Expected '=' after a key in a key/value pair": "expected '=' after the key",
}


#: The most parts a dotted key may have: our bound, far past the deepest key of any
#: jtai-sim file (``agencies.camhs.backlog.profile.mental_health``, five parts).
MAX_KEY_PARTS = 32
_PART = r"(?:[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*')"
_LONG_KEY = re.compile(rf"(?:{_PART}[ \t]*\.[ \t]*){{{MAX_KEY_PARTS},}}{_PART}")


def parse_toml(text: str, *, file: str | None = None) -> dict[str, Any]:
    """Parse TOML, turning a syntax error into a ScenarioError with its line, key and text.

    >>> parse_toml('name = "A"\\n[agencies.a]\\nlabel = Schools\\n', file="s.toml")
    Traceback (most recent call last):
    ...
    jtai_sim.errors.ScenarioError: s.toml:3: agencies.a.label: TOML syntax error: \
not a TOML value (text needs "quotes"), got Schools
    """
    too_long = _LONG_KEY.search(text)
    if too_long:  # tomllib takes memory growing with the square of a key's parts
        parts = too_long.group(0).count(".") + 1
        raise ScenarioError(
            f"TOML syntax error: a key of {parts:,} dotted parts; keys have at most "
            f"{MAX_KEY_PARTS}",
            file=file,
            line=text.count("\n", 0, too_long.start()) + 1,
        )
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(text, str(exc), file) from None
    except RecursionError:
        raise ScenarioError("TOML syntax error: nested too deeply", file=file, line=1) from None
    return data


def _syntax_error(text: str, raw: str, file: str | None) -> ScenarioError:
    match = re.search(r"\(at line (\d+), column (\d+)\)", raw)
    reason = re.sub(r"\s*\(at (line|end of document).*\)$", "", raw)
    for original, wording in _TOML_WORDING.items():
        if re.fullmatch(original, reason):
            reason = wording
            break
    else:
        reason = reason[:1].lower() + reason[1:]
    lines = text.splitlines() or [""]
    line = int(match.group(1)) if match else len(lines)
    line = min(max(line, 1), len(lines))
    if raw.startswith(("Unclosed array", "Unclosed inline table")):
        line = opened_at(lines, line, "[" if raw.startswith("Unclosed array") else "{")
    source = lines[line - 1]
    key = None
    got = source.strip()
    pair = re.match(r'^\s*("[^"]*"|\'[^\']*\'|[A-Za-z0-9_.\- ]+?)\s*=(.*)$', source)
    header = HEADER.match(source)
    if pair and not source.lstrip().startswith("["):
        table = table_before(lines, line)
        key = dotted((*table, *split_key(pair.group(1).replace("'", '"'))))
        got = re.sub(r"\s+#[^\"']*$", "", pair.group(2)).strip()
    elif header:
        key = dotted(tuple(split_key(header.group(2))))
    message = f"TOML syntax error: {reason}"
    if got:
        message += f", got {got[:60]}{'...' if len(got) > 60 else ''}"
    return ScenarioError(message, file=file, line=line, key=key)


def scenario_from_toml(text: str, *, file: str | None = None) -> Scenario:
    """Parse and structure one scenario from TOML text (no partnership checks)."""
    data = parse_toml(text, file=file)
    data.pop("$schema", None)
    if not data:
        raise ScenarioError(
            "the file holds no settings: a scenario needs at least name, "
            "[agencies.NAME] and [demand.NAME] (see scenarios/README.md)",
            file=file,
            line=1,
        )
    scenario: Scenario = structure(data, Scenario, text=text, file=file)
    return scenario


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data (dates as ISO text), the inverse of structuring."""
    raw: dict[str, Any] = _drop_none(CONVERTER.unstructure(scenario))
    return raw


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


# ---------------------------------------------------------------- files


#: The largest file jtai-sim reads as a scenario (or an experiment, theme or settings
#: file): 512 KiB, our bound, about 16 times the largest built-in one
#: (scenarios/midshire.toml, 33 KB: 22 agencies, 58 pathways), so that a
#: file named by mistake (a log, a data dump, /dev/zero) is refused at once instead of
#: read whole, and a file that size holding a mistake in every table (some 18,000 of
#: them) is still parsed, checked and located in a few seconds.
MAX_FILE_BYTES = 512 * 1024

_KINDS = {
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISFIFO: "a pipe (FIFO)",
    stat.S_ISSOCK: "a socket",
}


def _not_a_file(mode: int, what: str) -> str:
    """What a path that is not a regular file or a folder is, in words."""
    kind = next((name for test, name in _KINDS.items() if test(mode)), "not a regular file")
    return f"is {kind}, not a file: give the path of {what} saved on disk"


def _too_large(size: int, limit: int, what: str) -> str:
    return f"is larger than the {limit:,} bytes jtai-sim reads from {what}, got {size:,} bytes"


def read_bytes(
    path: Path,
    *,
    limit: int = MAX_FILE_BYTES,
    error: type[InputError] = ScenarioError,
    what: str = "a TOML file",
) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them: the one way
    jtai-sim reads an input file (scenarios, experiments, settings, themes, case lists,
    absences). Anything else is one ``error`` naming the file; ``what`` says what
    kind of file was wanted.

    Devices, pipes and sockets are refused before they are opened (opening a pipe
    would wait for a writer), and a file is read no further than one byte past the
    limit, so even one that grows while it is read cannot be read whole.
    """
    name = str(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise error(_folder_message(path, what), file=name)
        if not stat.S_ISREG(mode):
            raise error(_not_a_file(mode, what), file=name)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(handle.fileno())
            if not stat.S_ISREG(opened.st_mode):  # replaced since it was looked at
                raise error(_not_a_file(opened.st_mode, what), file=name)
            if opened.st_size > limit:
                raise error(_too_large(opened.st_size, limit, what), file=name)
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise error(f"no such file{_nearby(path)}", file=name) from None
    except IsADirectoryError:
        raise error(_folder_message(path, what), file=name) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", file=name) from None
    if len(data) > limit:
        raise error(_too_large(len(data), limit, what), file=name)
    return data


def read_text(path: str | Path, *, what: str = "a scenario file") -> str:
    """Read a scenario file, reporting a missing, unreadable or oversized file as a ScenarioError.

    A byte-order mark at the start (as some Windows editors write) is dropped.
    Every input file of jtai-sim in TOML is read here (see ``MAX_FILE_BYTES``).
    """
    path = Path(path)
    data = read_bytes(path, what=what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end]
        raise ScenarioError(
            f"not UTF-8 text (save the file as UTF-8), got byte {bad.hex(' ')}",
            file=str(path),
            line=line,
        ) from None
    return text.removeprefix("\ufeff")


def _folder_message(path: Path, what: str = "a scenario file") -> str:
    inside = sorted(p.name for p in path.glob("*.toml"))[:5]
    hint = f" (it holds {', '.join(inside)})" if inside else ""
    return f"is a folder, not {what}{hint}"


def _nearby(path: Path) -> str:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        names = sorted(p.name for p in folder.glob("*.toml"))
    except OSError:
        return ""
    close = suggest(path.name, names)
    return f" (did you mean {str(folder / close[0])!r}?)" if close else ""


__all__ = [
    "MAX_FILE_BYTES",
    "located_error",
    "parse_toml",
    "read_bytes",
    "read_text",
    "scenario_from_toml",
    "scenario_to_dict",
    "structure",
]
