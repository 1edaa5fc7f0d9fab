"""What each metric key means in words, its unit, and which way is better.

Metric keys are ``group.name.statistic`` (see :func:`jtai_sim.metrics.key_metrics`);
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
from jtai_sim.loading import suggest
from jtai_sim.scenario import Scenario

_Table = dict[str, tuple[str, str, bool | None]]

_WAIT: _Table = {
    "children": ("children who started {a}", "children", True),
    "mean_days": ("the mean wait for {a}", "days", False),
    "median_days": ("the median wait for {a}", "days", False),
    "p90_days": ("the 90th-percentile wait for {a}", "days", False),
    "mean_working_days": ("the mean wait for {a} in working days", "working days", False),
    "waited_share": ("the share of children who waited for {a}", "share", False),
    "urgent_mean_days": ("the mean wait of urgent referrals for {a}", "days", False),
    "routine_mean_days": ("the mean wait of routine referrals for {a}", "days", False),
}
_CLOCK: _Table = {
    "started": ("clocks started for '{c}'", "clocks", None),
    "met": ("'{c}' met", "clocks", True),
    "breached": ("'{c}' breached", "clocks", False),
    "pending": ("'{c}' still running at the end", "clocks", None),
    "not_reached": ("'{c}' not reached", "clocks", None),
    "met_share": ("the share meeting '{c}'", "share", True),
    "breach_share": ("the share breaching '{c}'", "share", False),
    "mean_elapsed": ("the mean time to '{c}'", "{u}", False),
    "median_elapsed": ("the median time to '{c}'", "{u}", False),
}
_CAMHS: _Table = {
    "referrals": ("CAMHS referrals", "referrals", None),
    "supported_share": ("the share of CAMHS referrals supported", "share", True),
    "closed_share": ("the share of CAMHS referrals closed without support", "share", False),
    "waiting_share": ("the share of CAMHS referrals still waiting", "share", False),
    "mean_wait_to_support_days": ("the mean wait from CAMHS referral to support", "days", False),
    "p90_wait_to_support_days": (
        "the 90th-percentile wait from CAMHS referral to support",
        "days",
        False,
    ),
}
_MENTAL: _Table = {
    "identifications_per_year": ("mental-health needs recognised at {a}", "per year", True),
    "deteriorations_per_year": ("children deteriorating while waiting for {a}", "per year", False),
    "crises_per_year": ("crises while waiting for {a}", "per year", False),
}
_HANDOFF: _Table = {
    "handoffs": ("hand-offs on {p}", "hand-offs", None),
    "complete_share": ("the share of hand-offs on {p} arriving complete", "share", True),
    "partial_share": ("the share of hand-offs on {p} arriving partial", "share", False),
    "lost_share": ("the share of hand-offs on {p} lost", "share", False),
    "late_share": ("the share of hand-offs on {p} arriving late", "share", False),
}
_GROUPS = ("wait", "clock", "flow", "camhs", "handoff", "mental_health", "utilisation", "review")


@attrs.frozen
class MetricInfo:
    """A metric in words: ``phrase``, ``unit`` and whether higher is better (None: neither)."""

    key: str
    phrase: str
    unit: str
    higher_is_better: bool | None


def describe(key: str, scenario: Scenario) -> MetricInfo:
    """Words, unit and direction for metric ``key`` of ``scenario``."""
    group, name, stat = split(key)
    label = _agency_label(scenario, name)
    if group == "wait" and stat in _WAIT:
        phrase, unit, better = _WAIT[stat]
        return MetricInfo(key, phrase.format(a=label), unit, better)
    if group == "clock" and stat in _CLOCK:
        clock = scenario.clocks.get(name)
        title = clock.label if clock else name
        phrase, unit, better = _CLOCK[stat]
        unit = unit.format(u=(clock.unit.replace("_", " ") if clock else "days"))
        return MetricInfo(key, phrase.format(c=title), unit, better)
    if group == "camhs" and stat in _CAMHS:
        return MetricInfo(key, *_CAMHS[stat])
    if group == "mental_health" and stat in _MENTAL:
        phrase, unit, better = _MENTAL[stat]
        return MetricInfo(key, phrase.format(a=label), unit, better)
    if group == "handoff" and stat in _HANDOFF:
        phrase, unit, better = _HANDOFF[stat]
        return MetricInfo(key, phrase.format(p=name), unit, better)
    if group == "utilisation":
        return MetricInfo(key, f"the utilisation of {label}", "share", None)
    if group == "review":
        return MetricInfo(key, f"the share of reviews on time at {label}", "share", True)
    if group == "flow":
        words = stat.replace("_per_10k_per_year", "").replace("_", " ")
        unit = "share" if "share" in stat else "per 10k children per year"
        return MetricInfo(key, words, unit, None)
    return MetricInfo(key, key, "", None)


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
        if group not in _GROUPS or not name or not stat:
            problem = (
                f"not a metric key (group.name.statistic with group one of {', '.join(_GROUPS)})"
            )
        elif group in ("wait", "utilisation", "mental_health", "review"):
            if name not in scenario.agencies:
                problem = f"no agency {name!r}{_close(name, scenario.agencies)}"
        elif group == "clock" and name not in scenario.clocks:
            problem = f"no clock {name!r}{_close(name, scenario.clocks)}"
        if problem is None:
            table = {
                "wait": _WAIT,
                "clock": _CLOCK,
                "camhs": _CAMHS,
                "mental_health": _MENTAL,
                "handoff": _HANDOFF,
            }.get(group)
            if table is not None and stat not in table:
                problem = f"no statistic {stat!r}{_close(stat, table)}"
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
