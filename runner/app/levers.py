"""The planner's levers on a scenario and the variant they make.

A lever is one number the planner may move: the staff of an agency that has a
queue, a factor on every demand stream's rate, or the mean delay of the
information on a pathway. Each lever's range is read from the scenario's own
validators (:func:`jtai_sim.scenario.schema.range_of`), so the app offers exactly
what a scenario file may hold.

:func:`variant_table` turns the values the planner chose into the data of a
variant file (``label`` and the tables ``set`` and ``scale``), :func:`variant_text`
writes it as TOML in the layout of ``scenarios/experiments/variants/``, and
:func:`to_variant` reads that data back through the experiments layer's own
loader, so what the app runs is what ``jtai-sim compare`` would run on the file.

>>> from jtai_sim import load_scenario
>>> levers = levers_of(load_scenario("minimal"))
>>> [lever.key for lever in levers if lever.kind == "staff"][:2]
['agencies.front_door.staff', 'agencies.assessment.staff']
>>> table = variant_table(levers, {"agencies.camhs.staff": 11}, label="More CAMHS")
>>> table
{'label': 'More CAMHS', 'set': {'agencies.camhs.staff': 11}}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from jtai_sim.errors import key_text
from jtai_sim.scenario import model
from jtai_sim.scenario.converter import toml_value
from jtai_sim.scenario.model import Scenario
from jtai_sim.scenario.schema import range_of
from jtai_sim.vocabulary import pathway_name

LeverKind = Literal["staff", "demand", "delay"]

#: The override path of the demand lever: every stream's rate, scaled together.
DEMAND_KEY = "demand.*.rate_per_10k_per_year"


@attrs.frozen
class Lever:
    """One number the planner may change: its override path, words, base value and range."""

    kind: LeverKind
    key: str
    label: str
    value: float
    low: float
    high: float
    step: float
    whole: bool = False

    @property
    def op(self) -> Literal["set", "scale"]:
        """How the lever's value changes the scenario: set outright, or scale."""
        return "scale" if self.kind == "demand" else "set"

    def holds(self, value: float) -> bool:
        """Whether ``value`` is within the lever's range (and whole, for a count)."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if not math.isfinite(value) or not self.low <= value <= self.high:
            return False
        return not self.whole or float(value).is_integer()


def _bounds(cls: type, attribute: str) -> tuple[float, float]:
    bounds = range_of(cls, attribute)
    if bounds is None:  # pragma: no cover - every lever's key has a range
        raise LookupError(f"{cls.__name__}.{attribute} has no range")
    return float(bounds.low), float(bounds.high)  # type: ignore[arg-type]


def levers_of(scenario: Scenario) -> list[Lever]:
    """Every lever of ``scenario``: staff per queued agency, demand, information delays."""
    levers: list[Lever] = []
    low, high = _bounds(model.Agency, "staff")
    for name, agency in scenario.agencies.items():
        if agency.staff is None:
            continue
        levers.append(
            Lever(
                "staff",
                f"agencies.{name}.staff",
                f"{agency.label or name}: staff",
                float(agency.staff),
                low,
                high,
                1.0,
                whole=True,
            )
        )
    rates = [d.rate_per_10k_per_year for d in scenario.demand.values()]
    if rates and max(rates) > 0:
        rate_low, rate_high = _bounds(model.Demand, "rate_per_10k_per_year")
        levers.append(
            Lever(
                "demand",
                DEMAND_KEY,
                "Demand: factor on every stream's rate (1 = as now)",
                1.0,
                rate_low / max(rates),
                rate_high / max(rates),
                0.05,
            )
        )
    delay_low, delay_high = _bounds(model.Information, "delay_mean_days")
    seen: set[str] = set()
    for pathway in scenario.pathways:
        if pathway.information is None:
            continue
        name = pathway_name(pathway.source, pathway.mode, pathway.to)
        if name in seen:
            continue
        seen.add(name)
        levers.append(
            Lever(
                "delay",
                f"pathways[{name}].information.delay_mean_days",
                f"{name}: mean information delay (days)",
                float(pathway.information.delay_mean_days),
                delay_low,
                delay_high,
                0.5,
            )
        )
    return levers


def check_values(levers: list[Lever], values: Mapping[str, Any]) -> list[str]:
    """One line for each chosen value that is not a number within its lever's range."""
    by_key = {lever.key: lever for lever in levers}
    problems = []
    for key, value in values.items():
        lever = by_key.get(key)
        if lever is None:
            problems.append(f"{key}: not a lever of this scenario")
        elif value is None or not lever.holds(value):
            kind = "a whole number" if lever.whole else "a number"
            problems.append(
                f"{lever.label}: must be {kind} from {lever.low:g} to {lever.high:g}, got {value!r}"
            )
    return problems


def variant_table(
    levers: list[Lever], values: Mapping[str, Any], *, label: str = ""
) -> dict[str, Any]:
    """The variant file's data for ``values``: only the levers moved from the base.

    Counts are written as whole numbers, so the file reads ``staff = 11``, not ``11.0``.
    Raises ``ValueError`` naming the first value out of range.
    """
    problems = check_values(levers, values)
    if problems:
        raise ValueError(problems[0])
    table: dict[str, Any] = {"label": label}
    for lever in levers:
        if lever.key not in values:
            continue
        value = values[lever.key]
        if value == lever.value:
            continue
        written: float | int = int(value) if lever.whole else float(value)
        table.setdefault(lever.op, {})[lever.key] = written
    return table


def variant_text(table: Mapping[str, Any]) -> str:
    """The variant as a TOML file like those in ``scenarios/experiments/variants/``."""
    lines = [
        "# A what-if from the jtai-sim app; run it again with",
        "#   jtai-sim compare BASE THIS_FILE.toml",
        f"label = {toml_value(str(table.get('label', '')), limit=None)}",
    ]
    for op in ("set", "add", "scale"):
        entries = table.get(op)
        if not entries:
            continue
        lines.append("")
        lines.append(f"[{op}]")
        for key, value in entries.items():
            lines.append(f"{key_text(key)} = {toml_value(value, limit=None)}")
    return "\n".join(lines) + "\n"


def to_variant(table: Mapping[str, Any], name: str = "whatif") -> Any:
    """The :class:`~jtai_sim.experiments.Variant` of ``table``, read as a variant file is."""
    from jtai_sim.experiments.variants import variant_from_dict

    return variant_from_dict(dict(table), name=name)


__all__ = [
    "DEMAND_KEY",
    "Lever",
    "check_values",
    "levers_of",
    "to_variant",
    "variant_table",
    "variant_text",
]
