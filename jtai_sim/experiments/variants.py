"""Variants: a base scenario plus overrides, checked exactly like a scenario file.

An override names a key of the scenario by its dotted path and either sets it
(``=``), adds to it (``+=``) or scales it (``*=``):

* ``agencies.camhs.staff=14`` sets a value (the value is read as TOML, so
  ``14`` is a whole number, ``14.0`` a number, ``gamma`` or ``"gamma"`` text);
* ``agencies.camhs.staff+=3`` adds three clinicians to whatever the base has;
* ``demand.*.rate_per_10k_per_year*=1.15`` raises every demand stream by 15%
  (``*`` stands for every key of a table);
* ``pathways[3].probability=0.5`` or ``pathways[police~>school].information.delay_mean_days=1``
  picks pathways by position or by name (``from -> to``, ``from => to`` for a
  parallel referral, ``from ~> to`` for a notification; a name may match several).

A variant file is a small TOML file with optional ``name``, ``label`` and
``description`` and tables ``set``, ``add`` and ``scale`` of such paths; in
Python, a mapping of paths (or nested tables) to values sets them. The result is
rebuilt through the scenario converter and the partnership checks, and any error
is one line naming the override that caused it. Only the experiment sets the
root seed, so ``seed`` cannot be overridden.

>>> from jtai_sim import load_scenario
>>> base = load_scenario("scenarios/minimal.toml")
>>> more = Variant.from_sets("more_camhs", ["agencies.camhs.staff+=3"])
>>> more.apply(base).agencies["camhs"].staff
11
>>> Variant.from_sets("bad", ["agencies.camhs.staff=0"]).apply(base)
Traceback (most recent call last):
...
jtai_sim.errors.ExperimentError: --set agencies.camhs.staff=0: must be >= 1, got 0
>>> Variant.from_sets("typo", ["agencies.camhz.staff=14"]).apply(base)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
jtai_sim.errors.ExperimentError: --set agencies.camhz.staff=14: no agencies key 'camhz' (did you ...
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import tomllib
import typing
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import attrs

from jtai_sim.errors import ExperimentError, ScenarioError
from jtai_sim.scenario.builtin import check
from jtai_sim.scenario.converter import file_key, strip_optional, suggest, toml_value
from jtai_sim.scenario.loading import parse_toml, read_text, scenario_to_dict, structure
from jtai_sim.scenario.model import Scenario
from jtai_sim.scenario.toml_lines import line_index
from jtai_sim.vocabulary import ARROW, pathway_name, pathways_named

Op = Literal["set", "add", "scale"]
_OP_SIGN = {"set": "=", "add": "+=", "scale": "*="}
_MISSING: Any = object()


@attrs.frozen
class Origin:
    """Where an override was written: a file and line, or a command-line option."""

    key: str
    file: str | None = None
    line: int | None = None

    def error(self, message: str) -> ExperimentError:
        """An :class:`ExperimentError` located at this origin."""
        return ExperimentError(message, file=self.file, line=self.line, key=self.key)


@attrs.frozen
class Override:
    """One change to a scenario: ``path``, how (``op``) and the ``value``."""

    path: str
    op: Op
    value: Any
    origin: Origin

    @property
    def text(self) -> str:
        """The override as one would type it after ``--set``.

        >>> Override("agencies.camhs.staff", "add", 3, Origin("x")).text
        'agencies.camhs.staff+=3'
        """
        return f"{self.path}{_OP_SIGN[self.op]}{toml_value(self.value, limit=None)}"


_SET = re.compile(r"^\s*([^=]+?)\s*(\+=|\*=|=)\s*(.*?)\s*$", re.S)


def parse_set(text: str) -> Override:
    """Read ``KEY=VALUE``, ``KEY+=VALUE`` or ``KEY*=VALUE`` as typed on the command line.

    >>> parse_set("agencies.camhs.service.kind=gamma").value
    'gamma'
    >>> parse_set("demand.*.rate_per_10k_per_year*=1.15").op
    'scale'
    >>> parse_set("staff 14")
    Traceback (most recent call last):
    ...
    jtai_sim.errors.ExperimentError: --set staff 14: expected KEY=VALUE, KEY+=VALUE or KEY*=VALUE
    """
    origin = Origin(f"--set {text}")
    match = _SET.match(text)
    if not match or not match.group(3):
        raise origin.error("expected KEY=VALUE, KEY+=VALUE or KEY*=VALUE")
    path, sign, raw = match.groups()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip("\"'")
    op: Op = {"=": "set", "+=": "add", "*=": "scale"}[sign]  # type: ignore[assignment]
    split_path(path, origin)
    return Override(path=path.strip(), op=op, value=value, origin=origin)


_SEGMENT = re.compile(r'"([^"]*)"|\[([^\]]*)\]|([^.\[\]"]+)')


def split_path(path: str, origin: Origin) -> list[str | int | tuple[str]]:
    """Path parts: keys as text, list positions as ints, pathway names as 1-tuples."""
    parts: list[str | int | tuple[str]] = []
    pos = 0
    text = path.strip()
    while pos < len(text):
        if text[pos] == "." and parts:
            pos += 1
        match = _SEGMENT.match(text, pos)
        if not match:
            raise origin.error(f"cannot read the key {path!r}")
        quoted, bracket, bare = match.groups()
        if bracket is not None:
            inner = bracket.strip().strip("\"'")
            parts.append(int(inner) if re.fullmatch(r"-?\d+", inner) else (inner,))
        else:
            parts.append(quoted if quoted is not None else bare.strip())
        pos = match.end()
    if not parts:
        raise origin.error("empty key")
    return parts


@cache
def _fields(cls: type) -> dict[str, Any]:
    """Data key -> type of each field of an attrs class (``from`` for ``Pathway.source``)."""
    hints = typing.get_type_hints(cls)
    return {file_key(cls, f.name): hints[f.name] for f in attrs.fields(cls)}


def _hint(options: Iterable[str], wanted: str) -> str:
    options = list(options)
    close = suggest(wanted, options)
    if close:
        return f"did you mean {close[0]!r}?"
    return "there are: " + ", ".join(options) if options else "the table is empty"


def _pathway_name(item: Mapping[str, Any]) -> str:
    mode = item.get("mode", "refer")
    return pathway_name(
        str(item.get("from")), mode if mode in ARROW else "refer", str(item.get("to"))
    )


class _Applier:
    """Applies one override to scenario data, recording the concrete paths it touched."""

    def __init__(self, override: Override) -> None:
        self.ov = override
        self.touched: list[str] = []

    def fail(self, message: str) -> ExperimentError:
        return self.ov.origin.error(message)

    def apply(self, data: dict[str, Any]) -> None:
        parts = split_path(self.ov.path, self.ov.origin)
        if parts[0] == "seed":
            raise self.fail("the root seed is set for the whole experiment (use --seed)")
        self._walk(data, Scenario, parts, "")

    def _walk(self, node: Any, tp: Any, parts: list[Any], where: str) -> Any:
        tp = strip_optional(tp)
        if not parts:
            self.touched.append(where)
            return self._leaf(node, tp, where)
        part, rest = parts[0], parts[1:]
        origin = typing.get_origin(tp)
        if attrs.has(tp):
            fields = _fields(tp)
            if not isinstance(part, str) or part not in fields:
                raise self.fail(
                    f"{where or 'the scenario'} has no key {part!r} ({_hint(fields, str(part))})"
                )
            node = {} if node is _MISSING or node is None else node
            node[part] = self._walk(
                node.get(part, _MISSING), fields[part], rest, _join(where, part)
            )
            return node
        if origin is dict:
            item_tp = typing.get_args(tp)[1]
            if node is _MISSING or node is None:
                node = {}
            if part == "*":
                if not node:
                    raise self.fail(f"{where} is empty: '*' matches nothing")
                for key in node:
                    node[key] = self._walk(node[key], item_tp, rest, _join(where, key))
                return node
            if not isinstance(part, str) or part not in node:
                raise self.fail(f"no {where} key {part!r} ({_hint(node, str(part))})")
            node[part] = self._walk(node[part], item_tp, rest, _join(where, part))
            return node
        if origin is tuple and isinstance(node, list):
            item_tp = typing.get_args(tp)[0]
            for index in self._positions(node, part, where):
                node[index] = self._walk(node[index], item_tp, rest, f"{where}[{index}]")
            return node
        raise self.fail(f"{where} is a single value, it has no key {part!r}")

    def _positions(self, items: list[Any], part: Any, where: str) -> list[int]:
        if isinstance(part, int):
            if part < 0:  # positions count from 0, as the scenario's errors name them
                raise self.fail(
                    f"positions count from 0, so there is no [{part}]; "
                    f"name the entry as [from -> to] or give its position"
                )
            if part >= len(items):
                raise self.fail(f"{where} has {len(items)} entries, there is no [{part}]")
            return [part]
        if part == "*":
            return list(range(len(items)))
        if isinstance(part, tuple):
            wanted = re.sub(r"\s+", "", part[0])
            found = pathways_named(
                [_pathway_name(item) if isinstance(item, Mapping) else None for item in items],
                part[0],
            )
            if not found:
                names = sorted({_pathway_name(i) for i in items if isinstance(i, Mapping)})
                raise self.fail(f"no {where} named {part[0]!r} ({_hint(names, wanted)})")
            return found
        raise self.fail(f"{where} is a list: use [position] or [from -> to]")

    def _leaf(self, current: Any, tp: Any, where: str) -> Any:
        value = self.ov.value
        if self.ov.op == "set":
            return self._set(current, tp, value, where)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{self.ov.op} needs a number, got {value!r}")
        if current is _MISSING or current is None:
            raise self.fail(f"{where} has no value to {self.ov.op} (set it instead)")
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise self.fail(f"{where} is {current!r}, not a number")
        result = current + value if self.ov.op == "add" else current * value
        if isinstance(current, int):
            if not float(result).is_integer():
                raise self.fail(
                    f"{where} is a whole number, and {current} "
                    f"{_OP_SIGN[self.ov.op][0]} {value} is {result:g}"
                )
            return int(result)
        return float(result)

    def _set(self, current: Any, tp: Any, value: Any, where: str) -> Any:
        tp = strip_optional(tp)
        if isinstance(value, Mapping) and isinstance(current, dict):
            if attrs.has(tp):
                fields = _fields(tp)
                for key, item in value.items():
                    if key not in fields:
                        raise self.fail(f"{where} has no key {key!r} ({_hint(fields, key)})")
                    current[key] = self._set(
                        current.get(key, _MISSING), fields[key], item, _join(where, key)
                    )
                return current
            if typing.get_origin(tp) is dict and attrs.has(strip_optional(typing.get_args(tp)[1])):
                item_tp = typing.get_args(tp)[1]
                for key, item in value.items():
                    if key not in current:
                        raise self.fail(f"no {where} key {key!r} ({_hint(current, key)})")
                    current[key] = self._set(
                        current.get(key, _MISSING), item_tp, item, _join(where, key)
                    )
                return current
        if isinstance(value, float) and math.isnan(value):
            raise self.fail(f"{where}: nan is not allowed")
        return copy.deepcopy(value)


def touched_keys(override: Override, base: Scenario) -> list[str]:
    """The concrete scenario keys ``override`` changes in ``base`` (a ``*`` or a pathway
    name stands for several), in the spelling of :func:`jtai_sim.errors.dotted`.

    >>> from jtai_sim import load_scenario
    >>> base = load_scenario("scenarios/minimal.toml")
    >>> touched_keys(parse_set("agencies.*.staff+=1"), base)[:2]
    ['agencies.school.staff', 'agencies.police.staff']
    """
    applier = _Applier(attrs.evolve(override, op="set"))  # where, whatever the value
    applier.apply(scenario_to_dict(base))
    return applier.touched


def overlap(first: str, second: str) -> bool:
    """Whether two concrete keys are the same value, or one holds the other.

    >>> overlap("agencies.camhs", "agencies.camhs.staff"), overlap("a.b", "a.bc")
    (True, False)
    """
    return (
        first == second
        or second.startswith((first + ".", first + "["))
        or (first.startswith((second + ".", second + "[")))
    )


def _join(where: str, key: str) -> str:
    key_text = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'
    return f"{where}.{key_text}" if where else key_text


def _overrides(values: Iterable[Override]) -> tuple[Override, ...]:
    return tuple(values)


#: The longest a variant's name, label and description may be, in characters: our
#: bounds, far past any real one (a grid cell's name, made of its levels, grows by
#: about 25 characters a factor), so that a mistaken paste cannot stall the report.
TEXT_LIMITS = {"name": 1_000, "label": 1_000, "description": 5_000}


def text_too_long(key: str, value: str) -> str | None:
    """Why ``value`` is too long for the variant's ``key``, or ``None``.

    >>> text_too_long("label", "x" * 1001)
    'is 1,001 characters long; a label may have at most 1,000'
    """
    most = TEXT_LIMITS[key]
    return (
        f"is {len(value):,} characters long; a {key} may have at most {most:,}"
        if len(value) > most
        else None
    )


@attrs.frozen
class Variant:
    """A named set of overrides of a base scenario."""

    name: str
    overrides: tuple[Override, ...] = attrs.field(default=(), converter=_overrides)
    label: str = ""
    description: str = ""

    def __attrs_post_init__(self) -> None:
        for key in TEXT_LIMITS:
            problem = text_too_long(key, getattr(self, key))
            if problem:
                raise ExperimentError(problem, key=key)

    @property
    def title(self) -> str:
        """The label, or the name when there is none."""
        return self.label or self.name

    @classmethod
    def from_sets(cls, name: str, sets: Iterable[str], label: str = "") -> Variant:
        """A variant from command-line ``--set`` texts."""
        return cls(name, tuple(parse_set(s) for s in sets), label=label)

    @classmethod
    def from_mapping(
        cls,
        name: str,
        mapping: Mapping[str, Any],
        *,
        op: Op = "set",
        label: str = "",
        file: str | None = None,
        text: str = "",
        prefix: str = "",
    ) -> Variant:
        """A variant from ``{path: value}`` (paths dotted, or nested tables)."""
        return cls(
            name,
            tuple(overrides_from_mapping(mapping, op, file=file, text=text, prefix=prefix)),
            label=label,
        )

    def apply(self, base: Scenario) -> Scenario:
        """The base scenario with these overrides, validated; one-line error naming the override."""
        data = scenario_to_dict(base)
        appliers = []
        for override in self.overrides:
            applier = _Applier(override)
            applier.apply(data)
            appliers.append(applier)
        try:
            scenario: Scenario = structure(data, Scenario)
            check(scenario)
        except ScenarioError as exc:
            raise self._blame(exc, appliers) from None
        return scenario

    def _blame(self, exc: ScenarioError, appliers: list[_Applier]) -> ExperimentError:
        key = exc.key or ""
        for applier in reversed(appliers):
            for path in applier.touched:
                if overlap(path, key):
                    extra = "" if key == path else f"{key}: "
                    return applier.ov.origin.error(f"{extra}{exc.message}")
        where = f"{key}: " if key else ""
        return ExperimentError(f"{where}{exc.message}", key=f"variant {self.name}")


def overrides_from_mapping(
    mapping: Mapping[str, Any],
    op: Op = "set",
    *,
    file: str | None = None,
    text: str = "",
    prefix: str = "",
) -> list[Override]:
    """Overrides from a mapping: dotted keys, or nested tables of keys, to values.

    A nested table whose keys are not paths of their own (``service = {kind = ...}``)
    is kept whole and merged into the scenario when applied.

    >>> [o.text for o in overrides_from_mapping({"agencies": {"camhs": {"staff": 9}}})]
    ['agencies.camhs.staff=9']
    """
    lines = line_index(text) if text else {}
    out: list[Override] = []

    def line_of(keys: tuple[str, ...]) -> int | None:
        for end in range(len(keys), 0, -1):
            if keys[:end] in lines:
                return lines[keys[:end]]
        return None

    def visit(node: Mapping[str, Any], path: str, keys: tuple[str, ...], tp: Any) -> None:
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            sub_keys = (*keys, str(key))
            sub_tp = _type_at(sub)
            descend = (
                isinstance(value, Mapping)
                and value
                and sub_tp is not None
                and (attrs.has(sub_tp) or typing.get_origin(sub_tp) is dict)
                and not _leaf_table(sub_tp)
            )
            if descend:
                visit(value, sub, sub_keys, sub_tp)
            else:
                origin = Origin(
                    f"{prefix}{sub}" if prefix else sub, file=file, line=line_of(sub_keys)
                )
                out.append(Override(path=sub, op=op, value=value, origin=origin))

    visit(mapping, "", tuple(prefix.rstrip(".").split(".")) if prefix else (), Scenario)
    return out


def _leaf_table(tp: Any) -> bool:
    """Tables that are values in their own right (ethnicity shares), not paths."""
    return typing.get_origin(tp) is dict and not attrs.has(strip_optional(typing.get_args(tp)[1]))


def _type_at(path: str) -> Any:
    """The type of the scenario key at ``path`` (``None`` if it is not a plain key path)."""
    tp: Any = Scenario
    try:
        parts = split_path(path, Origin(path))
    except ExperimentError:
        return None
    for part in parts:
        tp = strip_optional(tp)
        if attrs.has(tp):
            if not isinstance(part, str) or part not in _fields(tp):
                return None
            tp = _fields(tp)[part]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        elif typing.get_origin(tp) is tuple:
            tp = typing.get_args(tp)[0]
        else:
            return None
    return strip_optional(tp)


_VARIANT_KEYS = ("name", "label", "description", "set", "add", "scale")


def variant_from_dict(
    data: Mapping[str, Any],
    *,
    name: str,
    file: str | None = None,
    text: str = "",
    prefix: str = "",
) -> Variant:
    """A variant from parsed TOML: ``name``, ``label``, ``description`` and the tables
    ``set``, ``add`` and ``scale``."""
    lines = line_index(text) if text else {}
    base_keys = tuple(p for p in prefix.rstrip(".").split(".") if p) if prefix else ()
    for key in data:
        if key not in _VARIANT_KEYS:
            line = lines.get((*base_keys, key))
            raise ExperimentError(
                f"unknown key ({_hint(_VARIANT_KEYS, key)})",
                file=file,
                line=line,
                key=f"{prefix}{key}",
            )
    for key in ("name", "label", "description"):
        if key in data and not isinstance(data[key], str):
            raise ExperimentError(
                f"must be text, got {data[key]!r}",
                file=file,
                line=lines.get((*base_keys, key)),
                key=f"{prefix}{key}",
            )
        problem = text_too_long(key, data.get(key, ""))
        if problem:
            raise ExperimentError(
                problem, file=file, line=lines.get((*base_keys, key)), key=f"{prefix}{key}"
            )
    overrides: list[Override] = []
    for op in ("set", "add", "scale"):
        table = data.get(op, {})
        if not isinstance(table, Mapping):
            raise ExperimentError(
                f"must be a table of KEY = VALUE, got {table!r}",
                file=file,
                line=lines.get((*base_keys, op)),
                key=f"{prefix}{op}",
            )
        overrides += overrides_from_mapping(
            table, op, file=file, text=text, prefix=f"{prefix}{op}."
        )
    return Variant(
        name=str(data.get("name", name)),
        overrides=tuple(overrides),
        label=str(data.get("label", "")),
        description=str(data.get("description", "")),
    )


def load_variant(path: str | Path) -> Variant:
    """Read a variant file (TOML with ``set``, ``add`` and ``scale`` tables).

    The variant is named after the file unless it has a ``name``.
    """
    text = _read(path)
    try:
        data = parse_toml(text, file=str(path))
    except ScenarioError as exc:
        raise ExperimentError(exc.message, file=exc.file, line=exc.line) from None
    return variant_from_dict(data, name=Path(path).stem, file=str(path), text=text)


def _read(path: str | Path) -> str:
    try:
        return read_text(path, what="a variant file")
    except ScenarioError as exc:
        raise ExperimentError(exc.message, file=exc.file) from None


def as_variant(name: str, spec: Variant | Mapping[str, Any] | str | Path) -> Variant:
    """Accept a :class:`Variant`, a ``{path: value}`` mapping or a variant file path."""
    if isinstance(spec, Variant):
        return spec
    if isinstance(spec, Mapping):
        if set(spec) & {"set", "add", "scale"} and set(spec) <= set(_VARIANT_KEYS):
            return variant_from_dict(spec, name=name)
        return Variant.from_mapping(name, spec)
    return load_variant(spec)


def scenario_hash(scenario: Scenario) -> str:
    """A stable fingerprint of a resolved scenario (hex SHA-256 of its canonical JSON).

    >>> from jtai_sim import load_scenario
    >>> len(scenario_hash(load_scenario("scenarios/minimal.toml")))
    64
    """
    return hashlib.sha256(scenario_json(scenario).encode()).hexdigest()


def scenario_json(scenario: Scenario) -> str:
    """The resolved scenario as canonical JSON (sorted keys, no spaces)."""
    return json.dumps(scenario_to_dict(scenario), sort_keys=True, separators=(",", ":"))


BASE = "base"

__all__ = [
    "BASE",
    "Origin",
    "Override",
    "Variant",
    "as_variant",
    "load_variant",
    "overrides_from_mapping",
    "parse_set",
    "scenario_hash",
    "scenario_json",
    "split_path",
    "touched_keys",
    "variant_from_dict",
]
