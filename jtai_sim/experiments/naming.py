"""What each metric key means in words, its unit, and which way is better.

The words themselves are the registry's (:mod:`jtai_sim.results.registry`); this module
fills in a scenario's agency and clock labels.

Metric keys are ``group.name.statistic`` (see :func:`jtai_sim.results.metrics.key_metrics`);
experiments add ``clock.NAME.breach_share``. This module turns a key into a
phrase for the report's plain-language summary and checks the keys a user asks
for before anything runs.

>>> from jtai_sim import load_scenario
>>> s = load_scenario("scenarios/minimal.toml")
>>> describe("wait.camhs.mean_days", s).phrase
'the mean wait for Community CAMHS'
>>> describe("clock.camhs_4_weeks.breach_share", s).unit
'share'
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

from jtai_sim.errors import ExperimentError
from jtai_sim.results.registry import AGENCY_GROUPS, GROUPS, STATISTICS, statistic
from jtai_sim.scenario.converter import suggest
from jtai_sim.scenario.model import Scenario


@attrs.frozen
class MetricInfo:
    """A metric in words: ``phrase``, ``unit`` and whether higher is better (None: neither)."""

    key: str
    phrase: str
    unit: str
    higher_is_better: bool | None


def describe(key: str, scenario: Scenario) -> MetricInfo:
    """Words, unit and direction for metric ``key`` of ``scenario`` (from the registry)."""
    group, name, stat = split(key)
    entry = statistic(group, stat)
    if entry is None:
        return MetricInfo(key, key, "", None)
    clock = scenario.clocks.get(name) if group == "clock" else None
    phrase = entry.phrase.format(
        a=_agency_label(scenario, name),
        c=clock.label if clock else name,
        p=name,
    )
    unit = entry.unit.format(u=clock.unit.replace("_", " ") if clock else "days")
    return MetricInfo(key, phrase, unit, entry.higher_is_better)


def split(key: str) -> tuple[str, str, str]:
    """``"handoff.police -> school.lost_share"`` as its group, name and statistic."""
    group, _, rest = key.partition(".")
    name, _, stat = rest.rpartition(".")
    return group, name, stat


def _agency_label(scenario: Scenario, name: str) -> str:
    agency = scenario.agencies.get(name)
    return agency.label if agency and agency.label else name


def check_metrics(keys: tuple[str, ...], scenario: Scenario, origin: str = "--metric") -> None:
    """Reject metric keys that cannot exist for ``scenario``, naming a close match.

    >>> from jtai_sim import load_scenario
    >>> minimal = load_scenario("scenarios/minimal.toml")
    >>> check_metrics(("wait.camhz.mean_days",), minimal)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jtai_sim.errors.ExperimentError: --metric: wait.camhz.mean_days: no agency 'camhz' (did you ...
    """
    for key in keys:
        group, name, stat = split(key)
        problem = None
        if group not in GROUPS or not name or not stat:
            problem = (
                f"not a metric key (group.name.statistic with group one of {', '.join(GROUPS)})"
            )
        elif group in AGENCY_GROUPS:
            if name not in scenario.agencies:
                problem = f"no agency {name!r}{_close(name, scenario.agencies)}"
        elif group == "clock" and name not in scenario.clocks:
            problem = f"no clock {name!r}{_close(name, scenario.clocks)}"
        if problem is None and group != "flow" and stat not in STATISTICS[group]:
            problem = f"no statistic {stat!r}{_close(stat, STATISTICS[group])}"
        if problem:
            raise ExperimentError(f"{key}: {problem}", key=origin)


def _close(word: str, options: Iterable[str]) -> str:
    close = suggest(word, [str(o) for o in options])
    return f" (did you mean {close[0]!r}?)" if close else ""


def format_value(value: float, unit: str) -> str:
    """A value for a sentence: shares as percentages, others to three significant figures.

    >>> format_value(0.1234, "share"), format_value(41.26, "days"), format_value(3.0, "children")
    ('12.3%', '41.3 days', '3 children')
    """
    if math.isnan(value):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.1f}%"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if "e" in text:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def format_range(low: float, high: float, unit: str) -> str:
    """An interval for a sentence, the unit said once.

    >>> format_range(3.351, 5.19, "days"), format_range(0.011, 0.023, "share")
    ('3.35 to 5.19 days', '1.1% to 2.3%')
    """
    first = format_value(low, unit)
    if unit != "share" and unit and first.endswith(" " + unit):
        first = first[: -len(unit) - 1]
    return f"{first} to {format_value(high, unit)}"


def format_change(value: float, unit: str) -> str:
    """The size of a change: shares in percentage points.

    >>> format_change(-0.052, "share"), format_change(-12.0, "days")
    ('5.2 percentage points', '12 days')
    """
    if unit == "share":
        return f"{100 * abs(value):.1f} percentage points"
    return format_value(abs(value), unit)


__all__ = [
    "MetricInfo",
    "check_metrics",
    "describe",
    "format_change",
    "format_range",
    "format_value",
    "split",
]
