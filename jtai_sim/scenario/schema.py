"""The JSON Schema and the key reference of scenario files, both generated from the classes.

One walk over the attrs classes of :mod:`jtai_sim.scenario.model` (their fields, type
hints, validators and ``metadata["doc"]``/``metadata["unit"]``) produces:

* a JSON Schema (draft 2020-12), committed as ``scenarios/scenario.schema.json``,
  which editors with a TOML language server (taplo, tombi) use to check a file
  that starts with ``#:schema ./scenario.schema.json``;
* the key-by-key Markdown reference in ``scenarios/README.md`` (between two
  marker comments), with the conditions vocabulary and the list of built-in
  scenarios.

So the documentation cannot drift from the code: ``python -m jtai_sim.scenario.schema``
rewrites both, and ``python -m jtai_sim.scenario.schema --check`` exits 1 when either is
stale (the test suite runs the same check).

Decisions: every table has ``additionalProperties: false`` because unknown keys
are errors; a key with a default is optional; the range of every number (a
:class:`~jtai_sim.scenario.model.Range` validator) becomes ``minimum`` or
``exclusiveMinimum`` and ``maximum``, with the reason for its bounds in the
description (a date's range is in the description only: JSON has no dates);
units not given in the metadata are read from the key's name (``*_days`` is
days, ``*_per_year`` is per year). Rules between keys that a schema cannot say
(shares summing to 1, probabilities out of one agency, a triangular's mode
between its bounds) are checked by the loader only.

>>> schema = json_schema()
>>> schema["properties"]["agencies"]["additionalProperties"]
{'$ref': '#/$defs/Agency'}
>>> schema["$defs"]["Pathway"]["required"]
['from', 'to', 'probability']
>>> schema["$defs"]["Agency"]["properties"]["staff"]["minimum"]
1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tomllib
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs

from jtai_sim.scenario import model
from jtai_sim.scenario.converter import SINGLE_OR_LIST, file_key, strip_optional, toml_value
from jtai_sim.scenario.model import FLAGS, Scenario

#: The folder of built-in scenarios, where the schema and the reference live.
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SCHEMA_FILE = SCENARIOS / "scenario.schema.json"
README_FILE = SCENARIOS / "README.md"
BEGIN = (
    "<!-- BEGIN GENERATED REFERENCE: "
    "edit jtai_sim/scenario/model.py, then run python -m jtai_sim.scenario.schema -->"
)
END = "<!-- END GENERATED REFERENCE -->"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: What each condition means, as the engine (``Child.mask``, ``Journey.mask``) sets it.
CONDITIONS: dict[str, str] = {
    "at_risk": "the child was identified on arrival as at risk of abuse or neglect "
    "(demand profile `at_risk`)",
    "exploitation": "the child is at risk of exploitation (profile `exploitation`)",
    "missing": "the child has missing episodes (profile `missing`)",
    "mental_health_need": "the child has early signs of or lives with mental ill health "
    "(state 1 or 2), recognised or not",
    "mental_ill_health": "the child lives with mental ill health (state 2); implies "
    "`mental_health_need`",
    "mental_health_identified": "the child's mental-health need has been recognised (on "
    "arrival, profile `mental_health_identified`, or later by an agency with "
    "`identifies_mental_health`); only set while there is a need",
    "known_to_social_care": "the child currently has a child-in-need, child-protection or "
    "looked-after status (set by an agency's `legal_status`, ended when the journey that "
    "set it leaves the partnership)",
    "child_in_need": 'the child\'s current legal status is child in need (`legal_status = "cin"`)',
    "child_protection": 'the child\'s current legal status is child protection (`"cp"`)',
    "looked_after": 'the child is looked after (`"looked_after"`)',
    "in_crisis": "this journey is a crisis episode: it began at a demand stream with "
    "`crisis = true` or at the `mental_health.crisis_agency` after a crisis while waiting",
    "send": "the child has special educational needs or a disability-related need (profile `send`)",
    "disability": "the child is disabled (profile `disability`)",
    "deprived": "the child lives in one of the most deprived areas (profile `deprived`)",
    "information_partial": "the information on the hand-off that brought the child here "
    "arrived partial, or arrived later than its `due_within_days`",
    "information_lost": "the information on the hand-off that brought the child here never arrived",
    "re_referral": "this journey is a re-referral: the child was closed without support "
    "and came back (`mental_health.re_referral`)",
    "urgent_referral": "the referral that brought the child here was marked urgent "
    "(the pathway's `urgent`)",
    "parental_mental_health": "a parent or carer in the child's household has mental ill "
    "health (profile `parental_mental_health`; shared by brothers and sisters)",
    "domestic_abuse": "there is domestic abuse in the child's household (profile "
    "`domestic_abuse`; shared by brothers and sisters)",
    "parental_substance_misuse": "a parent or carer in the child's household misuses drugs or "
    "alcohol (profile `parental_substance_misuse`; shared by brothers and sisters)",
    "sexual_abuse_in_family": "there is child sexual abuse in the family environment (profile "
    "`sexual_abuse_in_family`; shared by brothers and sisters)",
    # --- children in care and equity
    "female": "the child is recorded as female (the profile's `female` share)",
    "out_of_area": "the child, in care, is placed outside the area (`placements`; it "
    "changes at each placement move and ends with care)",
}

#: Rules a type hint cannot carry, added to the class's schema.
_EXTRA: dict[type, dict[str, Any]] = {
    model.Distribution: {
        "allOf": [
            {
                "if": {
                    "properties": {"kind": {"enum": ["lognormal", "gamma"]}},
                    "required": ["kind"],
                },
                "then": {"required": ["sd_days"]},
            },
            {
                "if": {
                    "properties": {"kind": {"enum": ["uniform", "triangular"]}},
                    "required": ["kind"],
                },
                "then": {"required": ["min_days", "max_days"]},
            },
        ]
    },
}


# ---------------------------------------------------------------- the walk


@attrs.frozen
class Key:
    """One key of one table, with everything the schema and the reference say about it."""

    name: str
    hint: Any
    doc: str
    unit: str
    default: Any  # attrs.NOTHING when the key is required
    range: model.Range | None
    single_or_list: bool

    @property
    def ranges(self) -> dict[str, float]:
        """The JSON Schema bounds of one value of this key (none for a date: JSON has none)."""
        return {} if self.range is None else range_schema(self.range)

    @property
    def required(self) -> bool:
        """Whether a file must give this key."""
        return self.default is attrs.NOTHING


def _hints(cl: type) -> dict[str, Any]:
    return typing.get_type_hints(cl, vars(sys.modules[cl.__module__]))


def _validators(validator: Any) -> Iterator[Any]:
    """Each validator of a field (attrs joins a list of them into one)."""
    if validator is None:
        return
    inner = getattr(validator, "_validators", None)
    if inner is not None:
        for v in inner:
            yield from _validators(v)
    else:
        yield validator


def range_of(cl: type, attribute: str) -> model.Range | None:
    """The :class:`~jtai_sim.scenario.model.Range` of a field, if it has one.

    >>> range_of(model.Agency, "staff").text()
    '1 to 100,000'
    """
    field = attrs.fields_dict(cl)[attribute]
    found = [v for v in _validators(field.validator) if isinstance(v, model.Range)]
    return found[0] if found else None


def _json_number(value: float) -> float:
    """A bound as JSON writes it: ``1`` rather than ``1.0`` for a whole number."""
    return int(value) if float(value).is_integer() else value


def range_schema(bounds: model.Range) -> dict[str, float]:
    """``minimum``/``exclusiveMinimum`` and ``maximum`` of a numeric range (``{}`` for dates).

    >>> range_schema(model.POSITIVE_DAYS)
    {'exclusiveMinimum': 0, 'maximum': 36525}
    """
    if isinstance(bounds.low, dt.date) or isinstance(bounds.high, dt.date):
        return {}
    low = "exclusiveMinimum" if bounds.low_open else "minimum"
    return {low: _json_number(bounds.low), "maximum": _json_number(bounds.high)}


def _unit(name: str, given: str | None) -> str:
    if given:
        return given
    if name.endswith("_days"):
        return "days"
    if name == "rate_per_10k_per_year":
        return "per 10,000 children per year"
    if name.endswith("_per_year") or name.endswith("_per_year_waiting"):
        return "per year"
    return ""


def keys_of(cl: type) -> list[Key]:
    """The keys of the table for class ``cl``, in declaration order."""
    hints = _hints(cl)
    out = []
    for f in attrs.fields(cl):
        default = f.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        out.append(
            Key(
                name=file_key(cl, f.name),
                hint=hints[f.name],
                doc=str(f.metadata.get("doc", "")),
                unit=_unit(f.name, f.metadata.get("unit")),
                default=default,
                range=range_of(cl, f.name),
                single_or_list=(cl, f.name) in SINGLE_OR_LIST,
            )
        )
    return out


def _named_literals(modules: tuple[ModuleType, ...] = (model,)) -> dict[Any, str]:
    named: dict[Any, str] = {}
    for module in modules:
        for name, value in vars(module).items():
            if typing.get_origin(value) is typing.Literal and not name.startswith("_"):
                named.setdefault(value, name)
    return named


def classes(root: type = Scenario) -> list[type]:
    """Every class reachable from ``root`` (a scenario), in the order first met."""
    seen: list[type] = []

    def visit(hint: Any) -> None:
        hint = strip_optional(hint)
        if attrs.has(hint):
            if hint in seen:
                return
            seen.append(hint)
            for key in keys_of(hint):
                visit(key.hint)
        for arg in typing.get_args(hint):
            if typing.get_origin(hint) is not typing.Literal:
                visit(arg)

    visit(root)
    return seen


def places(root: type = Scenario) -> dict[type, list[str]]:
    """Where each table class appears in a file, as TOML headers (``[agencies.NAME]``)."""
    found: dict[type, list[str]] = {}

    def visit(cl: type, where: str) -> None:
        found.setdefault(cl, [])
        if where in found[cl]:
            return
        found[cl].append(where)
        for key in keys_of(cl):
            hint = strip_optional(key.hint)
            origin = typing.get_origin(hint)
            args = typing.get_args(hint)
            prefix = f"{where}." if where else ""
            if attrs.has(hint):
                visit(hint, f"{prefix}{key.name}")
            elif origin is dict and attrs.has(args[1]):
                visit(args[1], f"{prefix}{key.name}.NAME")
            elif origin is tuple and args and attrs.has(args[0]):
                visit(args[0], f"{prefix}{key.name}[]")

    visit(root, "")
    return found


# ---------------------------------------------------------------- JSON Schema


def _type_schema(hint: Any, named: dict[Any, str]) -> dict[str, Any]:
    hint = strip_optional(hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return {}
    if attrs.has(hint):
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if origin is typing.Literal:
        if hint in named:
            return {"$ref": f"#/$defs/{named[hint]}"}
        return {"type": "string", "enum": list(args)}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _type_schema(args[0], named)}
        if len(set(args)) == 1:  # plain ``items`` so that draft-07 tools (taplo) read it too
            return {
                "type": "array",
                "items": _type_schema(args[0], named),
                "minItems": len(args),
                "maxItems": len(args),
            }
        return {
            "type": "array",
            "prefixItems": [_type_schema(a, named) for a in args],
            "items": False,
            "minItems": len(args),
        }
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1], named)}
    simple: dict[Any, dict[str, Any]] = {
        bool: {"type": "boolean"},
        int: {"type": "integer"},
        float: {"type": "number"},
        str: {"type": "string"},
        dt.date: {"type": "string", "format": "date"},
    }
    if hint in simple:
        return dict(simple[hint])
    raise TypeError(f"no JSON Schema for type {hint!r}")


def _json_default(value: Any) -> Any:
    """The default as JSON, or ``None`` when it has no plain form (a table of defaults)."""
    if value is None or value is attrs.NOTHING or attrs.has(type(value)):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _description(key: Key) -> str:
    text = key.doc[:1].upper() + key.doc[1:] if key.doc else ""
    if text and not text.endswith("."):
        text += "."
    if key.unit:
        text += f" Unit: {key.unit}."
    if key.range is not None:
        reason = _range_reason(key)
        text += f" Range: {_range_text(key)}{f' ({reason})' if reason else ''}."
    if not key.required and not attrs.has(type(key.default)):
        text += f" Default: {_default_text(key.default)}."
    return text.strip()


def _add_range(prop: dict[str, Any], key: Key) -> None:
    """Put the key's bounds on its value, or on each item of a list or table of numbers."""
    if key.range is not None and key.range.each:
        inner = "items" if prop.get("type") == "array" else "additionalProperties"
        prop[inner] = {**prop[inner], **key.ranges}
    elif key.ranges:
        if "$ref" in prop:
            prop["allOf"] = [{"$ref": prop.pop("$ref")}]
        prop.update(key.ranges)


def _range_text(key: Key) -> str:
    """The allowed range in words: ``1 to 100,000``, ``each 0 to 1`` (empty if none)."""
    if key.range is None:
        return ""
    return ("each " if key.range.each else "") + key.range.text()


def _range_reason(key: Key) -> str:
    """Where the key's bounds come from, when the model says (empty if it does not)."""
    bounds = key.range
    if bounds is None:
        return ""
    low, high = model.bound_text(bounds.low), model.bound_text(bounds.high)
    parts = [f"at least {low}: {bounds.why_low}"] if bounds.why_low else []
    if bounds.why:
        parts.append(f"at most {high}: {bounds.why}")
    return "; ".join(parts)


def _class_schema(cl: type, named: dict[Any, str]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required = []
    for key in keys_of(cl):
        prop = _type_schema(key.hint, named)
        if key.single_or_list:
            prop = {"anyOf": [{"type": "string"}, {**prop, "minItems": 1}]}
        _add_range(prop, key)
        prop["description"] = _description(key)
        default = _json_default(key.default)
        if default is not None and not key.required:
            prop["default"] = default
        properties[key.name] = prop
        if key.required:
            required.append(key.name)
    schema: dict[str, Any] = {
        "type": "object",
        "title": cl.__name__,
        "description": _class_doc(cl),
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    for rule, value in _EXTRA.get(cl, {}).items():
        if rule == "required":
            schema["required"] = list(dict.fromkeys([*schema.get("required", []), *value]))
        else:
            schema[rule] = value
    return schema


def file_schema(
    root: type, title: str, description: str, modules: tuple[ModuleType, ...]
) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a TOML file whose top level is class ``root``."""
    named = _named_literals(modules)
    defs = {cl.__name__: _class_schema(cl, named) for cl in classes(root) if cl is not root}
    for literal, name in sorted(named.items(), key=lambda item: item[1]):
        if any(_uses(cl, literal) for cl in classes(root)):
            defs[name] = {"type": "string", "enum": list(typing.get_args(literal))}
    top = _class_schema(root, named)
    top["properties"] = {
        "$schema": {"type": "string", "description": "Schema of this file (for editors)."},
        **top["properties"],
    }
    return {
        "$schema": DIALECT,
        "title": title,
        "description": description,
        **{k: v for k, v in top.items() if k not in ("title", "description")},
        "$defs": defs,
    }


def _uses(cl: type, literal: Any) -> bool:
    def inside(hint: Any) -> bool:
        hint = strip_optional(hint)
        return hint == literal or any(inside(a) for a in typing.get_args(hint))

    return any(inside(key.hint) for key in keys_of(cl))


def file_reference(root: type, top_title: str, modules: tuple[ModuleType, ...]) -> list[str]:
    """The Markdown key tables of every class reachable from ``root``."""
    named = _named_literals(modules)
    where = places(root)
    out: list[str] = []
    for cl in classes(root):
        title = top_title if cl is root else cl.__name__
        out += ["", f'<a id="{_anchor(cl)}"></a>', "", f"### {title}", ""]
        out.append(f"{_class_doc(cl)} Appears at {_where_text(where.get(cl, []))}.")
        out += ["", "| key | type | unit | default | meaning |", "|---|---|---|---|---|"]
        for key in keys_of(cl):
            default = _default_text(key.default)
            default = (
                default
                if default in {"required", "not set", "none", "its keys' defaults"}
                else f"`{default}`"
            )
            out.append(
                f"| `{key.name}` | {_cell(_type_text(key, named))} | {_cell(key.unit)} | "
                f"{_cell(default)} | {_cell(_meaning(key))} |"
            )
    return out


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    named = _named_literals()
    defs: dict[str, Any] = {}
    for cl in classes():
        if cl is not Scenario:
            defs[cl.__name__] = _class_schema(cl, named)
    for literal, name in sorted(named.items(), key=lambda item: item[1]):
        values = list(typing.get_args(literal))
        definition: dict[str, Any] = {"type": "string", "enum": values}
        if name == "Flag":
            definition["description"] = "A condition on the child or the hand-off: " + "; ".join(
                f"{flag}: {CONDITIONS[flag]}" for flag in values
            )
        defs[name] = definition
    top = _class_schema(Scenario, named)
    top["properties"] = {
        "$schema": {"type": "string", "description": "Schema of this file (for editors)."},
        **top["properties"],
    }
    top["required"] = list(dict.fromkeys([*top.get("required", []), "agencies", "demand"]))
    top["properties"]["agencies"]["minProperties"] = 1
    top["properties"]["demand"]["minProperties"] = 1
    return {
        "$schema": DIALECT,
        "title": "jtai-sim scenario",
        "description": "A scenario file for jtai-sim (TOML). Generated from "
        "jtai_sim/scenario/model.py by python -m jtai_sim.scenario.schema; the key reference "
        "is scenarios/README.md.",
        **{k: v for k, v in top.items() if k != "title"},
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as the committed file holds it (sorted-free, two-space indent)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- Markdown reference


def _default_text(value: Any) -> str:
    if value is attrs.NOTHING:
        return "required"
    if value is None:
        return "not set"
    if attrs.has(type(value)):
        return "its keys' defaults"
    if value in ((), {}):
        return "none"
    return toml_value(value, limit=200)


def _class_doc(cl: type) -> str:
    """The first line of a class's docstring, with reStructuredText quotes made Markdown."""
    return (cl.__doc__ or "").strip().split("\n")[0].replace("``", "`")


def _anchor(cl: type) -> str:
    return cl.__name__.lower()


def _type_text(key: Key, named: dict[Any, str]) -> str:
    hint = strip_optional(key.hint)
    text = _hint_text(hint, named)
    if key.single_or_list:
        text = "text, or " + text
    if key.range is not None:
        text += f", {_range_text(key)}"
    return text


def _meaning(key: Key) -> str:
    """The meaning column: the key's documentation, and why its range is what it is."""
    reason = _range_reason(key)
    return f"{key.doc} ({reason})" if reason else key.doc


def _hint_text(hint: Any, named: dict[Any, str]) -> str:
    hint = strip_optional(hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return "any value"
    if attrs.has(hint):
        return f"table ([{hint.__name__}](#{_anchor(hint)}))"
    if origin is typing.Literal:
        if named.get(hint) == "Flag":
            return "[condition](#conditions)"
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            inner = _hint_text(args[0], named)
            if inner == "[condition](#conditions)":
                return "list of [conditions](#conditions)"
            return f"list of {inner}"
        return f"list of {len(args)} {_hint_text(args[0], named)}s"
    if origin is dict:
        return f"table of NAME = {_hint_text(args[1], named)}"
    return {
        bool: "true/false",
        int: "whole number",
        float: "number",
        str: "text",
        dt.date: "date",
    }.get(hint, str(hint))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where_text(headers: list[str]) -> str:
    shown = []
    for header in headers:
        if not header:
            shown.append("the top level of the file")
        elif header.endswith("[]"):
            shown.append(f"`[[{header[:-2]}]]`")
        else:
            shown.append(f"`[{header.replace('[]', '')}]`")
    return ", ".join(shown)


def key_reference() -> str:
    """The generated part of ``scenarios/README.md``: every key, the conditions, the scenarios."""
    out = ["## Key reference", ""]
    out.append(
        "Generated from `jtai_sim/scenario/model.py` by `python -m jtai_sim.scenario.schema`; "
        "do not edit by hand. Each table lists its keys with type (and allowed range), unit, "
        "default and meaning. A key whose default is *required* must be given."
    )
    out += file_reference(Scenario, "Top level", (model,))
    out += ["", '<a id="conditions"></a>', "", "### Conditions", ""]
    out.append(
        "The words allowed in `when`, `unless` and `urgent_if`. A pathway applies when all "
        "its `when` conditions hold and none of its `unless` conditions, tested when the "
        "pathway would be taken (when service at its `from` agency ends, or starts for "
        '`at = "start"`, when due for `at = "every"`, at each placement for '
        '`at = "placement"`); `urgent_if` is tested when the child arrives at the agency.'
    )
    out += ["", "| condition | holds when |", "|---|---|"]
    for flag in FLAGS:
        out.append(f"| `{flag}` | {_cell(CONDITIONS[flag])} |")
    out += ["", "### Built-in scenarios", ""]
    out.append("Give the name instead of a path to any command (`jtai-sim validate minimal`).")
    out += ["", "| name | file | what it is |", "|---|---|---|"]
    for name, file, title, description in builtin_scenarios():
        out.append(f"| `{name}` | [{file}]({file}) | {_cell(title)}: {_cell(description)} |")
    return "\n".join(out) + "\n"


def builtin_scenarios(folder: Path = SCENARIOS) -> list[tuple[str, str, str, str]]:
    """``(name, file, title, description)`` of each built-in scenario (read, not checked)."""
    rows = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        title, description = str(data.get("name", "")), str(data.get("description", ""))
        rows.append((path.stem, path.name, title, description))
    return rows


def readme_with_reference(readme: str, reference: str | None = None) -> str:
    """``readme`` with the text between the markers replaced by the reference.

    >>> text = readme_with_reference(f"intro\\n{BEGIN}\\nold\\n{END}\\nend\\n", "new\\n")
    >>> "new" in text, "old" in text, text.startswith("intro") and text.endswith("end\\n")
    (True, False, True)
    """
    reference = key_reference() if reference is None else reference
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    block = f"{BEGIN}\n{reference}{END}"
    if not pattern.search(readme):
        raise ValueError(f"README has no {BEGIN!r} ... {END!r} markers")
    return pattern.sub(lambda _: block, readme, count=1)


# ---------------------------------------------------------------- command line


def stale(schema_file: Path = SCHEMA_FILE, readme_file: Path = README_FILE) -> list[str]:
    """The generated files that differ from what the classes give (empty when up to date)."""
    out = []
    if not schema_file.exists() or schema_file.read_text(encoding="utf-8") != schema_text():
        out.append(str(schema_file))
    readme = readme_file.read_text(encoding="utf-8") if readme_file.exists() else ""
    try:
        if readme != readme_with_reference(readme):
            out.append(str(readme_file))
    except ValueError:
        out.append(str(readme_file))
    return out


def write(schema_file: Path = SCHEMA_FILE, readme_file: Path = README_FILE) -> list[str]:
    """Rewrite the schema and the README reference; return the files that changed."""
    changed = stale(schema_file, readme_file)
    schema_file.write_text(schema_text(), encoding="utf-8")
    readme = (
        readme_file.read_text(encoding="utf-8") if readme_file.exists() else f"{BEGIN}\n{END}\n"
    )
    readme_file.write_text(readme_with_reference(readme), encoding="utf-8")
    return changed


def main(argv: list[str] | None = None, echo: Callable[[str], None] = print) -> int:
    """``python -m jtai_sim.scenario.schema [--check]``: rewrite or check the generated files."""
    parser = argparse.ArgumentParser(
        prog="python -m jtai_sim.scenario.schema",
        description="Rewrite or check the generated scenario schema and key reference.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale()
        for name in out_of_date:
            echo(f"{name}: out of date; run python -m jtai_sim.scenario.schema")
        return 1 if out_of_date else 0
    for name in write():
        echo(f"rewrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
