"""Reading scenario files: TOML text to a validated :class:`~jtai_sim.scenario.Scenario`.

Owns the cattrs converter (unknown keys are errors, types are strict: ``"3"`` is
not a number and ``1`` is not ``true``) and turns every failure into a single
:class:`~jtai_sim.errors.ScenarioError` line naming file, line, key and value.
The partnership checks that need the whole graph live in
:mod:`jtai_sim.partnership`; :func:`load_scenario` runs both.

>>> from jtai_sim.loading import scenario_from_toml
>>> s = scenario_from_toml('name = "Tiny"\\n[agencies.a]\\nstaff = 2\\n'
...                        '[demand.d]\\nagency = "a"\\nrate_per_10k_per_year = 10.0\\n')
>>> s.agencies["a"].staff
2
>>> scenario_from_toml('name = "Tiny"\\n[agencies.a]\\nstaf = 2\\n', file="t.toml")
Traceback (most recent call last):
...
jtai_sim.errors.ScenarioError: t.toml:3: agencies.a.staf: unknown key (did you mean 'staff'?)
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from jtai_sim.errors import ScenarioError
from jtai_sim.scenario import ClockPoint, FieldError, Pathway, Scenario

PathPart = str | int


def _strict(expected: type, name: str) -> Any:
    def hook(value: Any, _: type) -> Any:
        if isinstance(value, bool) and expected is not bool:
            raise TypeError(f"must be {name}, got {value!r}")
        if expected is float and isinstance(value, int):
            return float(value)
        if not isinstance(value, expected):
            raise TypeError(f"must be {name}, got {value!r}")
        return value

    return hook


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
    raise TypeError(f"must be a date (YYYY-MM-DD), got {value!r}")


def make_converter() -> cattrs.Converter:
    """The converter for scenario classes: strict types, unknown keys rejected."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(float, _strict(float, "a number"))
    conv.register_structure_hook(int, _strict(int, "a whole number"))
    conv.register_structure_hook(str, _strict(str, "text"))
    conv.register_structure_hook(bool, _strict(bool, "true or false"))
    conv.register_structure_hook(dt.date, _date)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())

    def _mapping(value: Any, cl: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise TypeError(f"must be a table, got {value!r}")
        item_type = typing.get_args(cl)[1]
        out: dict[str, Any] = {}
        errors: list[Exception] = []
        for key, item in value.items():
            try:
                out[key] = conv.structure(item, item_type)
            except Exception as exc:  # noqa: BLE001 - regrouped with the key as a note
                exc.__notes__ = [*getattr(exc, "__notes__", []), _KeyNote(key)]
                errors.append(exc)
        if errors:
            raise IterableValidationError("table", errors, cl)
        return out

    conv.register_structure_hook_func(
        lambda t: typing.get_origin(t) is dict, _mapping
    )
    def _sequence(value: Any, cl: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise TypeError(f"must be a list, got {value!r}")
        (item_type, *_) = typing.get_args(cl)
        out, errors = [], []
        for i, item in enumerate(value):
            try:
                out.append(conv.structure(item, item_type))
            except Exception as exc:  # noqa: BLE001 - regrouped with the index as a note
                exc.__notes__ = [*getattr(exc, "__notes__", []), _IndexNote(i)]
                errors.append(exc)
        if errors:
            raise IterableValidationError("list", errors, cl)
        return tuple(out)

    conv.register_structure_hook_func(lambda t: typing.get_origin(t) is tuple, _sequence)
    point = make_dict_structure_fn(ClockPoint, conv, _cattrs_forbid_extra_keys=True)

    def _clock_point(value: Any, cl: Any) -> ClockPoint:
        if isinstance(value, Mapping) and isinstance(value.get("agency"), str):
            value = {**value, "agency": [value["agency"]]}
        return point(value, cl)

    conv.register_structure_hook(ClockPoint, _clock_point)
    conv.register_structure_hook(
        Pathway,
        make_dict_structure_fn(
            Pathway, conv, source=override(rename="from"), _cattrs_forbid_extra_keys=True
        ),
    )
    conv.register_unstructure_hook(
        Pathway, make_dict_unstructure_fn(Pathway, conv, source=override(rename="from"))
    )
    return conv


class _KeyNote(str):
    """A note on an exception naming the table key it happened under."""

    key: str

    def __new__(cls, key: str) -> _KeyNote:
        note = super().__new__(cls, f"Structuring table key {key!r}")
        note.key = key
        return note


class _IndexNote(str):
    """A note on an exception naming the list position it happened at."""

    index: int

    def __new__(cls, index: int) -> _IndexNote:
        note = super().__new__(cls, f"Structuring item {index}")
        note.index = index
        return note


CONVERTER = make_converter()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FieldError):
        return exc.message
    text = str(exc)
    literal = re.search(r"not in literal (?:typing\.Literal)?\[?([^\]]*)\]?", text)
    if literal:
        choices = ", ".join(c.strip().strip("'\"") for c in literal.group(1).split(","))
        return f"must be one of {choices}"
    if isinstance(exc, KeyError):
        return "is required"
    return text.split("\n")[0]


def first_error(exc: BaseException, path: tuple[PathPart, ...] = ()) -> tuple[tuple[PathPart, ...], str]:
    """The path and message of the first leaf error in a cattrs exception tree."""
    if isinstance(exc, ForbiddenExtraKeysError):
        allowed = sorted(f.name for f in attrs.fields(exc.cl))
        if exc.cl is Pathway:
            allowed = sorted({*allowed, "from"} - {"source"})
        extra = sorted(exc.extra_fields)[0]
        close = difflib.get_close_matches(extra, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
        return (*path, extra), f"unknown key ({hint})"
    if isinstance(exc, ClassValidationError | IterableValidationError):
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", []):
                if isinstance(note, _KeyNote):
                    sub_path = (*path, note.key)
                elif hasattr(note, "name"):
                    sub_path = (*path, note.name)
                elif hasattr(note, "index"):
                    sub_path = (*path, note.index)
            if isinstance(sub, KeyError) and not isinstance(sub, ForbiddenExtraKeysError):
                return sub_path, "is required"
            return first_error(sub, sub_path)
        return path, str(exc)
    if isinstance(exc, FieldError):
        return (*path, exc.field), exc.message
    if isinstance(exc, TypeError) and "missing" in str(exc) and "argument" in str(exc):
        name = re.findall(r"'(\w+)'", str(exc))
        return ((*path, name[0]) if name else path), "is required"
    return path, _describe(exc)


def dotted(path: tuple[PathPart, ...]) -> str:
    """``("pathways", 3, "probability")`` as ``pathways[3].probability``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"'
            out += f".{key}" if out else key
    return out


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*("[^"]*"|[A-Za-z0-9_.\-]+)\s*=')


def _split_key(text: str) -> list[str]:
    return [p.strip().strip('"') for p in re.findall(r'"[^"]*"|[^.]+', text)]


def line_index(text: str) -> dict[tuple[PathPart, ...], int]:
    """Map each table and key path in TOML ``text`` to its line number (1-based)."""
    index: dict[tuple[PathPart, ...], int] = {}
    counts: dict[tuple[PathPart, ...], int] = {}
    table: tuple[PathPart, ...] = ()
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


def locate(text: str, path: tuple[PathPart, ...]) -> int | None:
    """The line of the deepest part of ``path`` that appears in ``text``."""
    index = line_index(text)
    for end in range(len(path), 0, -1):
        if path[:end] in index:
            return index[path[:end]]
    return None


def _value_at(data: Any, path: tuple[PathPart, ...]) -> tuple[bool, Any]:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, data


def structure(data: dict[str, Any], cl: type[Any], *, text: str = "", file: str | None = None) -> Any:
    """Build ``cl`` from parsed TOML ``data``, raising one located ScenarioError."""
    try:
        return CONVERTER.structure(data, cl)
    except (ClassValidationError, IterableValidationError, FieldError, TypeError, ValueError) as exc:
        path, message = first_error(exc)
        found, value = _value_at(data, path)
        if found and not isinstance(value, dict | list) and "got" not in message and "unknown" not in message:
            message = f"{message}, got {value!r}"
        raise ScenarioError(
            message, file=file, line=locate(text, path) if text else None, key=dotted(path) or None
        ) from None


def parse_toml(text: str, *, file: str | None = None) -> dict[str, Any]:
    """Parse TOML, turning a syntax error into a ScenarioError with its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line.*\)", "", str(exc))
        line = int(match.group(1)) if match else None
        raise ScenarioError(f"TOML syntax: {message}", file=file, line=line) from None


def scenario_from_toml(text: str, *, file: str | None = None) -> Scenario:
    """Parse and structure one scenario from TOML text (no partnership checks)."""
    data = parse_toml(text, file=file)
    data.pop("$schema", None)
    scenario: Scenario = structure(data, Scenario, text=text, file=file)
    return scenario


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data (dates as ISO text), the inverse of structuring."""
    raw: dict[str, Any] = CONVERTER.unstructure(scenario)
    return _drop_none(raw)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


def read_text(path: str | Path) -> str:
    """Read a scenario file, reporting a missing or unreadable file as a ScenarioError."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise ScenarioError("is a folder, not a scenario file", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", file=str(path)) from None


__all__ = [
    "CONVERTER",
    "dotted",
    "first_error",
    "line_index",
    "locate",
    "parse_toml",
    "read_text",
    "scenario_from_toml",
    "scenario_to_dict",
    "structure",
]
