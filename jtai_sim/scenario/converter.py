"""The scenario converter: TOML data to the frozen scenario classes, strictly.

Unknown keys are errors and types are strict (``"3"`` is not a number, ``2.0`` is
not a whole number and ``1`` is not ``true``); cattrs' nested errors are
flattened here into :class:`Problem` rows, each a key path and a message. Also
the spelling of keys in files (:func:`file_key`), values written as TOML
(:func:`toml_value`) and "did you mean" (:func:`suggest`).

>>> toml_value([1.0, "a"]), file_key(Pathway, "source")
('[1.0, "a"]', 'from')
>>> suggest("staf", ["staff", "service"])
['staff']
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from jtai_sim.errors import (
    FieldError,
    ValueRejected,
    key_text,
)
from jtai_sim.scenario.model import ClockPoint, Pathway, Scenario
from jtai_sim.scenario.toml_lines import Path_

#: Fields whose key in a scenario file differs from the attribute name.
FILE_KEYS: dict[type, dict[str, str]] = {Pathway: {"source": "from"}}
#: List fields that also accept a single text value (``agency = "a"`` for ``["a"]``).
SINGLE_OR_LIST: frozenset[tuple[type, str]] = frozenset(
    {(ClockPoint, "agency"), (ClockPoint, "event")}
)


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


def unknown_name(name: str, known: Iterable[str], what: str) -> str:
    """The message for a name that is not one of ``known``, with the nearest or the list.

    >>> unknown_name("ofstead", ["ofsted", "cqc"], "inspectorate")
    "unknown inspectorate 'ofstead' (did you mean 'ofsted'?)"
    """
    choices = list(known)
    close = suggest(name, choices, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(choices)
    return f"unknown {what} {name!r} ({hint})"


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


__all__ = [
    "CONVERTER",
    "FILE_KEYS",
    "SINGLE_OR_LIST",
    "Problem",
    "file_key",
    "file_keys",
    "make_converter",
    "problems",
    "strip_optional",
    "suggest",
    "toml_value",
]
