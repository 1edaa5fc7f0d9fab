"""Reading scenario files: TOML text to a validated :class:`~jtai_sim.scenario.Scenario`.

Owns the cattrs converter (unknown keys are errors, types are strict: ``"3"`` is
not a number, ``2.0`` is not a whole number and ``1`` is not ``true``) and turns
every failure into a single :class:`~jtai_sim.errors.ScenarioError` line naming
file, line, key and value: ``file:line: key: message, got VALUE``, the value
written as it would be in TOML. When a file has several mistakes the one nearest
the top is reported. The partnership checks that need the whole graph live in
:mod:`jtai_sim.partnership`; :func:`jtai_sim.load_scenario` runs both.

>>> from jtai_sim.loading import scenario_from_toml
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

import bisect
import datetime as dt
import difflib
import json
import math
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from jtai_sim.errors import (
    FieldError,
    InputError,
    ScenarioError,
    ValueRejected,
    dotted,
    key_text,
)
from jtai_sim.scenario import ClockPoint, Pathway, Scenario

PathPart = str | int
Path_ = tuple[PathPart, ...]

#: Fields whose key in a scenario file differs from the attribute name.
FILE_KEYS: dict[type, dict[str, str]] = {Pathway: {"source": "from"}}
#: List fields that also accept a single text value (``agency = "a"`` for ``["a"]``).
SINGLE_OR_LIST: frozenset[tuple[type, str]] = frozenset({(ClockPoint, "agency")})


def file_key(cl: type, attribute: str) -> str:
    """The key that sets ``attribute`` of ``cl`` in a scenario file.

    >>> file_key(Pathway, "source"), file_key(Pathway, "to")
    ('from', 'to')
    """
    return FILE_KEYS.get(cl, {}).get(attribute, attribute)


def file_keys(cl: type) -> list[str]:
    """All keys a table of class ``cl`` accepts, in declaration order."""
    return [file_key(cl, f.name) for f in attrs.fields(cl)]


def strip_optional(hint: Any) -> Any:
    """The type ``X`` of an optional field's ``X | None`` (any other type as it is).

    >>> strip_optional(int | None), strip_optional(str), strip_optional(int | str)
    (<class 'int'>, <class 'str'>, int | str)
    """
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


# ---------------------------------------------------------------- values as TOML


def toml_value(value: Any, limit: int | None = 60) -> str:
    """``value`` written as in a TOML file (shortened past ``limit`` characters, if given).

    The one way jtai-sim writes a value for people to read: in error messages,
    and in the overrides an experiment lists.

    >>> toml_value("weekdays"), toml_value(True), toml_value([0.5, 2])
    ('"weekdays"', 'true', '[0.5, 2]')
    >>> toml_value(dt.date(2025, 4, 1)), toml_value(float("nan")), toml_value(-math.inf)
    ('2025-04-01', 'nan', '-inf')
    >>> toml_value({"kind": "fixed", "mean days": 1.0})
    '{ kind = "fixed", "mean days" = 1.0 }'
    >>> toml_value("x" * 70), len(toml_value("x" * 70, limit=None))
    ('"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...', 72)
    """
    text = _toml(value)
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = ", ".join(f"{key_text(str(k))} = {_toml(v)}" for k, v in value.items())
        return "{ " + items + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


# ---------------------------------------------------------------- the converter


def _strict(expected: type, name: str) -> Callable[[Any, type], Any]:
    def hook(value: Any, _: type) -> Any:
        if isinstance(value, bool) and expected is not bool:
            raise ValueRejected(f"must be {name}, not true or false")
        if expected is float and isinstance(value, int):
            try:
                return float(value)
            except OverflowError:
                raise ValueRejected("is too large") from None
        if not isinstance(value, expected):
            raise ValueRejected(f"must be {name}{_kind_hint(value)}")
        return value

    return hook


def _kind_hint(value: Any) -> str:
    """`` (text)``, `` (a list)``... saying what the value was instead."""
    if isinstance(value, str):
        return ", not text (leave out the quotes)" if _numberish(value) else ", not text"
    if isinstance(value, float):
        return ", not a decimal number"
    if isinstance(value, Mapping):
        return ", not a table"
    if isinstance(value, list):
        return ", not a list"
    return ""


def _numberish(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text.strip().lower() in {"true", "false"}
    return True


def _date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueRejected("must be a date written YYYY-MM-DD (no quotes)")


def _literal(value: Any, cl: Any) -> Any:
    choices = typing.get_args(cl)
    if value in choices and isinstance(value, str):
        return value
    if isinstance(value, str):
        close = suggest(value, [str(c) for c in choices])
        if close and len(choices) > 6:
            return _fail(
                f"is not one of the {len(choices)} allowed values "
                f"(did you mean {_toml(close[0])}? all are listed in scenarios/README.md)"
            )
        listed = ", ".join(_toml(c) for c in choices)
        hint = f" (did you mean {_toml(close[0])}?)" if close else ""
        return _fail(f"must be one of {listed}{hint}")
    return _fail("must be text, one of " + ", ".join(_toml(c) for c in choices))


def _fail(message: str) -> Any:
    raise ValueRejected(message)


class _KeyNote(str):
    """A note on an exception naming the table key it happened under."""

    key: str

    def __new__(cls, key: str) -> _KeyNote:
        note = super().__new__(cls, f"Structuring table key {key!r}")
        note.key = key
        return note


class _IndexNote(str):
    """A note on an exception naming the list position it happened at."""

    position: int

    def __new__(cls, position: int) -> _IndexNote:
        note = super().__new__(cls, f"Structuring item {position}")
        note.position = position
        return note


def _noted(exc: Exception, note: str) -> Exception:
    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
    return exc


def _origin(tp: Any) -> Any:
    return typing.get_origin(tp)


def make_converter() -> cattrs.Converter:
    """The converter for scenario classes: strict types, unknown keys rejected."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(float, _strict(float, "a number"))
    conv.register_structure_hook(int, _strict(int, "a whole number"))
    conv.register_structure_hook(str, _strict(str, "text in quotes"))
    conv.register_structure_hook(bool, _strict(bool, "true or false"))
    conv.register_structure_hook(dt.date, _date)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    conv.register_structure_hook_func(lambda t: _origin(t) is typing.Literal, _literal)

    def _mapping(value: Any, cl: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ValueRejected(f"must be a table{_kind_hint(value)}")
        item_type = typing.get_args(cl)[1]
        out: dict[str, Any] = {}
        errors: list[Exception] = []
        for key, item in value.items():
            try:
                out[key] = conv.structure(item, item_type)
            except Exception as exc:  # regrouped with the key as a note
                errors.append(_noted(exc, _KeyNote(key)))
        if errors:
            raise IterableValidationError("table", errors, cl)
        return out

    def _sequence(value: Any, cl: Any) -> tuple[Any, ...]:
        (item_type, *_) = typing.get_args(cl)
        if not isinstance(value, list | tuple):
            if attrs.has(item_type) and isinstance(value, Mapping):
                raise ValueRejected(
                    "must be a list of tables: start each one with a [[double]] header"
                )
            raise ValueRejected(f"must be a list in [brackets]{_kind_hint(value)}")
        out, errors = [], []
        for i, item in enumerate(value):
            try:
                out.append(conv.structure(item, item_type))
            except Exception as exc:  # regrouped with the index as a note
                errors.append(_noted(exc, _IndexNote(i)))
        if errors:
            raise IterableValidationError("list", errors, cl)
        return tuple(out)

    def _single_or_list(value: Any, cl: Any) -> tuple[Any, ...]:
        if isinstance(value, str):
            value = [value]
        elif not isinstance(value, list):
            raise ValueRejected(f"must be text or a list of text{_kind_hint(value)}")
        return _sequence(value, cl)

    conv.register_structure_hook_func(lambda t: _origin(t) is dict, _mapping)
    conv.register_structure_hook_func(lambda t: _origin(t) is tuple, _sequence)

    def _table_factory(cl: Any) -> Callable[[Any, Any], Any]:
        overrides: dict[str, Any] = {
            a: override(rename=k) for a, k in FILE_KEYS.get(cl, {}).items()
        }
        for owner, name in SINGLE_OR_LIST:
            if owner is cl:
                overrides[name] = override(struct_hook=_single_or_list)
        inner = make_dict_structure_fn(cl, conv, _cattrs_forbid_extra_keys=True, **overrides)

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, Mapping):
                raise ValueRejected(f"must be a table{_kind_hint(value)}")
            return inner(value, cl)

        return hook

    conv.register_structure_hook_factory(attrs.has, _table_factory)
    conv.register_unstructure_hook(
        Pathway, make_dict_unstructure_fn(Pathway, conv, source=override(rename="from"))
    )
    return conv


CONVERTER = make_converter()


# ---------------------------------------------------------------- cattrs errors


def suggest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> list[str]:
    """The choice ``word`` most likely misspells or shortens (empty if none).

    Every "did you mean" of jtai-sim comes from here. ``cutoff`` is how alike
    (0 to 1, as :func:`difflib.get_close_matches` counts) a misspelling must be.

    >>> suggest("staf", ["staff", "caseload"]), suggest("first", ["first_after_days"])
    (['staff'], ['first_after_days'])
    """
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    if not close and len(word) >= 3:
        close = [c for c in choices if c.startswith(word)][:1]
    return close


@attrs.frozen
class Problem:
    """One mistake found while structuring: where (a key path) and what."""

    path: Path_
    message: str
    #: whether ``got VALUE`` should be added from the file (not for unknown keys)
    show_value: bool = True


def problems(exc: BaseException, path: Path_ = ()) -> list[Problem]:
    """Every leaf mistake in a cattrs exception tree, in the tree's order."""
    if isinstance(exc, ForbiddenExtraKeysError):
        allowed = file_keys(exc.cl)
        out = []
        for extra in sorted(exc.extra_fields):
            close = suggest(extra, allowed)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
            top = suggest(extra, file_keys(Scenario))
            if path and not close and top:
                hint = f"did you mean {top[0]!r}? it belongs at the top, before the first [table]"
                if top[0] == extra:
                    hint = f"{extra!r} belongs at the top of the file, before the first [table]"
            out.append(Problem((*path, extra), f"unknown key ({hint})", show_value=False))
        return out
    if isinstance(exc, ClassValidationError | IterableValidationError):
        owner = exc.cl if isinstance(exc, ClassValidationError) else None
        out = []
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", []):
                if isinstance(note, _KeyNote):
                    sub_path = (*path, note.key)
                elif isinstance(note, _IndexNote):
                    sub_path = (*path, note.position)
                elif hasattr(note, "name") and isinstance(note.name, str):
                    name = file_key(owner, note.name) if owner is not None else note.name
                    sub_path = (*path, name)
                elif hasattr(note, "index") and isinstance(note.index, int):
                    sub_path = (*path, note.index)
            if isinstance(sub, KeyError) and not isinstance(sub, ForbiddenExtraKeysError):
                out.append(Problem(sub_path, "is required", show_value=False))
            else:
                out.extend(problems(sub, sub_path))
        return out or [Problem(path, str(exc).split("\n")[0])]
    if isinstance(exc, FieldError):
        return [Problem((*path, exc.field), exc.message)]
    if isinstance(exc, ValueRejected):
        return [Problem(path, exc.message)]
    if isinstance(exc, RecursionError):
        return [Problem(path, "is nested too deeply")]
    # anything else a hook or a validator raised is a mistake in jtai-sim, not in the data
    raise exc


# ---------------------------------------------------------------- where keys are


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?"
    r"|[^\s,\]\}#]+"
)


class _Scanner:
    """Walks valid TOML text and notes the line of every key, table and list item."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.index: dict[Path_, int] = {}
        self.arrays: dict[Path_, int] = {}

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos)

    def record(self, path: Path_, pos: int) -> None:
        line = self.line(pos)
        for end in range(1, len(path) + 1):
            self.index.setdefault(path[:end], line)

    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def blank(self, newlines: bool) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#":
                end = s.find("\n", self.i)
                self.i = n if end < 0 else (end + 1 if newlines else end)
            else:
                return

    def scan(self) -> dict[Path_, int]:
        table: Path_ = ()
        while True:
            self.blank(newlines=True)
            if self.i >= len(self.s):
                return self.index
            start = self.i
            if self.peek() == "[":
                many = self.peek(2) == "[["
                self.i += 2 if many else 1
                parts = self.key()
                self.blank(newlines=False)
                self.i += 2 if many else 1
                table = self.resolve(parts, many)
                self.record(table, start)
            else:
                self.keyval(table)
            if self.i == start:  # no progress: not TOML we understand
                raise ValueError("scanner stuck")

    def resolve(self, parts: list[str], many: bool) -> Path_:
        path: Path_ = ()
        for j, part in enumerate(parts):
            path = (*path, part)
            if many and j == len(parts) - 1:
                count = self.arrays.get(path, -1) + 1
                self.arrays[path] = count
                path = (*path, count)
            elif path in self.arrays:
                path = (*path, self.arrays[path])
        return path

    def key(self) -> list[str]:
        parts = []
        while True:
            self.blank(newlines=False)
            c = self.peek()
            if c in "\"'":
                start = self.i
                self.string()
                raw = self.s[start + 1 : self.i - 1]
                parts.append(_unquote(raw) if c == '"' else raw)
            else:
                match = _BARE.match(self.s, self.i)
                if not match:
                    raise ValueError("bad key")
                parts.append(match.group())
                self.i = match.end()
            self.blank(newlines=False)
            if self.peek() != ".":
                return parts
            self.i += 1

    def keyval(self, base: Path_) -> None:
        start = self.i
        path = (*base, *self.key())
        if self.peek() != "=":
            raise ValueError("expected =")
        self.i += 1
        self.blank(newlines=False)
        self.record(path, start)
        self.value(path)

    def value(self, path: Path_) -> None:
        c = self.peek()
        if c == "{":
            self.i += 1
            while True:
                self.blank(newlines=True)
                if self.peek() == "}":
                    self.i += 1
                    return
                self.keyval(path)
                self.blank(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        elif c == "[":
            self.i += 1
            item = 0
            while True:
                self.blank(newlines=True)
                if self.peek() == "]":
                    self.i += 1
                    return
                self.record((*path, item), self.i)
                self.value((*path, item))
                item += 1
                self.blank(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        elif c in "\"'":
            self.string()
        else:
            match = _SCALAR.match(self.s, self.i)
            if not match:
                raise ValueError("bad value")
            self.i = match.end()

    def string(self) -> None:
        s = self.s
        quote = s[self.i]
        multi = s.startswith(quote * 3, self.i)
        self.i += 3 if multi else 1
        while self.i < len(s):
            c = s[self.i]
            if c == "\\" and quote == '"':
                self.i += 2
            elif c == quote and (not multi or s.startswith(quote * 3, self.i)):
                run = 1
                while multi and s.startswith(quote, self.i + run) and run < 5:
                    run += 1
                self.i += run
                return
            else:
                self.i += 1
        raise ValueError("unterminated string")


def _unquote(raw: str) -> str:
    try:
        text = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return text if isinstance(text, str) else raw


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*("[^"]*"|[A-Za-z0-9_.\-]+)\s*=')


def _split_key(text: str) -> list[str]:
    return [p.strip().strip('"') for p in re.findall(r'"[^"]*"|[^.]+', text)]


def _rough_index(text: str) -> dict[Path_, int]:
    """Line by line: tables and ``key =`` lines only (for text the scanner refuses)."""
    index: dict[Path_, int] = {}
    counts: dict[Path_, int] = {}
    table: Path_ = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            parts = tuple(_split_key(header.group(2)))
            if header.group(1) == "[[":
                n = counts.get(parts, -1) + 1
                counts[parts] = n
                table = (*parts, n)
            else:
                table = parts
            index.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            index.setdefault((*table, *_split_key(key.group(1))), number)
    return index


def line_index(text: str) -> dict[Path_, int]:
    """Map each table, key and list item path in TOML ``text`` to its line (1-based).

    >>> idx = line_index('[[p]]\\nx = 1\\n[[p]]\\nq = { a = 1, b = [1,\\n 2] }\\n')
    >>> idx[("p", 1, "q", "b", 1)], idx[("p", 1, "q", "b", 0)], idx[("p", 0, "x")]
    (5, 4, 2)
    """
    try:
        return _Scanner(text).scan()
    except (ValueError, IndexError):
        return _rough_index(text)


def locate(text: str, path: Path_) -> int | None:
    """The line of the deepest part of ``path`` that appears in ``text``.

    A key that is not in the file at all (a required key left out) is placed at
    its table, or at line 1 when even the top-level key is missing.
    """
    index = line_index(text)
    for end in range(len(path), 0, -1):
        if path[:end] in index:
            return index[path[:end]]
    return 1 if text.strip() else None


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

    def order(problem: Problem) -> tuple[int, int]:
        at = locate(text, problem.path) if text else None
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
        line=locate(text, problem.path) if text else None,
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


def parse_toml(text: str, *, file: str | None = None) -> dict[str, Any]:
    """Parse TOML, turning a syntax error into a ScenarioError with its line, key and text.

    >>> parse_toml('name = "A"\\n[agencies.a]\\nlabel = Schools\\n', file="s.toml")
    Traceback (most recent call last):
    ...
    jtai_sim.errors.ScenarioError: s.toml:3: agencies.a.label: TOML syntax error: \
not a TOML value (text needs "quotes"), got Schools
    """
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
        line = _opened_at(lines, line, "[" if raw.startswith("Unclosed array") else "{")
    source = lines[line - 1]
    key = None
    got = source.strip()
    pair = re.match(r'^\s*("[^"]*"|\'[^\']*\'|[A-Za-z0-9_.\- ]+?)\s*=(.*)$', source)
    header = _HEADER.match(source)
    if pair and not source.lstrip().startswith("["):
        table = _table_before(lines, line)
        key = dotted((*table, *_split_key(pair.group(1).replace("'", '"'))))
        got = re.sub(r"\s+#[^\"']*$", "", pair.group(2)).strip()
    elif header:
        key = dotted(tuple(_split_key(header.group(2))))
    message = f"TOML syntax error: {reason}"
    if got:
        message += f", got {got[:60]}{'...' if len(got) > 60 else ''}"
    return ScenarioError(message, file=file, line=line, key=key)


def _opened_at(lines: list[str], line: int, bracket: str) -> int:
    """The line of the ``key = [`` (or ``{``) left open that ``line`` was found inside."""
    close = {"[": "]", "{": "}"}[bracket]
    for number in range(line, 0, -1):
        source = re.sub(r'"[^"]*"|\'[^\']*\'|#.*$', "", lines[number - 1])
        if _KEY.match(source) and source.count(bracket) > source.count(close):
            return number
    return line


def _table_before(lines: list[str], line: int) -> Path_:
    counts: dict[Path_, int] = {}
    table: Path_ = ()
    for source in lines[: line - 1]:
        header = _HEADER.match(source)
        if header:
            parts = tuple(_split_key(header.group(2)))
            if header.group(1) == "[[":
                counts[parts] = counts.get(parts, -1) + 1
                table = (*parts, counts[parts])
            else:
                table = parts
    return table


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


def read_text(path: str | Path) -> str:
    """Read a scenario file, reporting a missing or unreadable file as a ScenarioError.

    A byte-order mark at the start (as some Windows editors write) is dropped.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"no such file{_nearby(path)}", file=str(path)) from None
    except IsADirectoryError:
        raise ScenarioError(_folder_message(path), file=str(path)) from None
    except OSError as exc:
        if path.is_dir():
            raise ScenarioError(_folder_message(path), file=str(path)) from None
        raise ScenarioError(f"cannot read: {exc.strerror}", file=str(path)) from None
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


def _folder_message(path: Path) -> str:
    inside = sorted(p.name for p in path.glob("*.toml"))[:5]
    hint = f" (it holds {', '.join(inside)})" if inside else ""
    return f"is a folder, not a scenario file{hint}"


def _nearby(path: Path) -> str:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        names = sorted(p.name for p in folder.glob("*.toml"))
    except OSError:
        return ""
    close = suggest(path.name, names)
    return f" (did you mean {str(folder / close[0])!r}?)" if close else ""


__all__ = [
    "CONVERTER",
    "FILE_KEYS",
    "SINGLE_OR_LIST",
    "PathPart",
    "Problem",
    "dotted",
    "file_key",
    "file_keys",
    "line_index",
    "locate",
    "parse_toml",
    "problems",
    "read_text",
    "scenario_from_toml",
    "scenario_to_dict",
    "strip_optional",
    "structure",
    "suggest",
    "toml_value",
]
