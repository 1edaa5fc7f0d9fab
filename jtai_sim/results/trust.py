"""Warnings about whether a run's figures can be judged: one plain line each.

A figure can be exact and still mislead: a clock whose limit is a sizeable part of
the run cannot show its breaches (clocks started late are still running at the
end); a wait measured when most of the cohort is still waiting says little; a list
that grows all through the run has no steady wait at all, so its figures depend on
the run's length. Each rule here turns into a line that the run report, the
comparison report and the command line (on standard error) show as they are:

* :func:`short_for_clocks`: the run after warm-up is shorter than
  :data:`CLOCK_TIMES` times a clock's limit;
* :func:`short_for_horizon`: the run after warm-up is shorter than the restricted
  mean wait's horizon (:data:`jtai_sim.results.censored.HORIZON_DAYS`);
* :func:`mostly_waiting`: more than :data:`MOSTLY` of an agency's cohort is still
  waiting at the end;
* :func:`growing_list`: an agency's list grew steadily over the run (Kendall's trend
  test on its length; :func:`jtai_sim.results.censored.growing`).

:func:`run_warnings` gathers them for one run. The thresholds are judgement, not
published rules: three times a clock's limit leaves each clock started in the first
two thirds of the window time to finish; half of the cohort is where a median stops
existing.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/single_desk.toml"), seed=1, days=150)
>>> run_warnings(run.record, run.table("censored_waits"))  # doctest: +NORMALIZE_WHITESPACE
['The run after warm-up (50 days) is shorter than the 365-day horizon of the restricted
  mean wait, which is restricted to 50 days instead']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from jtai_sim.results.censored import HORIZON_DAYS

if TYPE_CHECKING:
    from jtai_sim.results.record import RunRecord
    from jtai_sim.scenario.model import Scenario

#: A run after warm-up shorter than this many times a clock's limit is too short for it.
CLOCK_TIMES = 3.0
#: More than this share of a cohort still waiting at the end makes a wait hard to judge.
MOSTLY = 0.5
#: Days per unit of a clock's limit (a working day being 5 days in 7).
_DAYS_PER = {"days": 1.0, "working_days": 7 / 5, "weeks": 7.0, "hours": 1 / 24}


def _days(value: float) -> str:
    return f"{value:,.0f} days" if value >= 10 else f"{value:g} days"


def short_for_clocks(scenario: Scenario, window_days: float) -> list[str]:
    """A line for each clock whose limit, times :data:`CLOCK_TIMES`, exceeds the window.

    >>> from jtai_sim import load_scenario
    >>> short_for_clocks(load_scenario("scenarios/minimal.toml"), 60.0)[0][:40]
    'The run after warm-up (60 days) is too s'
    """
    out = []
    for clock in scenario.clocks.values():
        limit = clock.limit * _DAYS_PER.get(clock.unit, 1.0)
        if window_days < CLOCK_TIMES * limit:
            out.append(
                f"The run after warm-up ({_days(window_days)}) is too short to judge "
                f"'{clock.label}' ({clock.limit:g} {clock.unit.replace('_', ' ')}): clocks "
                f"started late are still running at the end; run at least "
                f"{_days(CLOCK_TIMES * limit)} after warm-up"
            )
    return out


def short_for_horizon(window_days: float) -> list[str]:
    """A line when the window is shorter than the restricted mean wait's horizon."""
    if window_days >= HORIZON_DAYS:
        return []
    return [
        f"The run after warm-up ({_days(window_days)}) is shorter than the "
        f"{HORIZON_DAYS:g}-day horizon of the restricted mean wait, which is restricted to "
        f"{_days(window_days)} instead"
    ]


def mostly_waiting(label: str, share: float) -> list[str]:
    """A line when more than :data:`MOSTLY` of an agency's cohort is still waiting.

    >>> mostly_waiting("CAMHS", 0.8)[0][:60]
    '80% of referrals to CAMHS after warm-up are still waiting at'
    >>> mostly_waiting("CAMHS", 0.3)
    []
    """
    if not share > MOSTLY:
        return []
    return [
        f"{share:.0%} of referrals to {label} after warm-up are still waiting at the end: "
        "its waits cannot be judged on a run this short (its median wait is not reached)"
    ]


def growing_list(label: str, share: float = 1.0) -> list[str]:
    """A line when an agency's list kept growing (in ``share`` of the runs).

    >>> growing_list("The desk", 0.6)[0][:73]
    "The desk's waiting list grew steadily over the run in 60% of replications"
    """
    if not share > 0:
        return []
    runs = "" if share >= 1 else f" in {share:.0%} of replications"
    return [
        f"{label}'s waiting list grew steadily over the run{runs} and does not settle: its "
        "waits depend on the run's length"
    ]


def agency_warnings(
    scenario: Scenario, values: Mapping[str, Mapping[str, float]], *, replications: bool = False
) -> list[str]:
    """The wait lines of every agency: ``values[agency]`` holds ``still_waiting_share`` and
    ``growing_list_share`` (one run's, or means over replications)."""
    out: list[str] = []
    for key, row in values.items():
        spec = scenario.agencies.get(key)
        label = spec.label if spec is not None and spec.label else key
        out += mostly_waiting(label, float(row.get("still_waiting_share", 0.0)))
        share = float(row.get("growing_list_share", 0.0))
        if replications:
            out += growing_list(label, share) if share >= 0.5 else []
        else:
            out += growing_list(label) if share > 0 else []
    return out


def run_warnings(record: RunRecord, censored: pd.DataFrame) -> list[str]:
    """Every warning about one run (``censored`` is its censored-waits table)."""
    window = record.duration_days - record.warmup_days
    out = short_for_clocks(record.scenario, window) + short_for_horizon(window)
    values = {
        str(r["agency"]): {
            "still_waiting_share": float(r["still_waiting_share"])
            if pd.notna(r["still_waiting_share"])
            else 0.0,
            "growing_list_share": float(r["growing_list_share"]),
        }
        for r in censored.to_dict("records")
    }
    return out + agency_warnings(record.scenario, values)


__all__ = [
    "CLOCK_TIMES",
    "MOSTLY",
    "agency_warnings",
    "growing_list",
    "mostly_waiting",
    "run_warnings",
    "short_for_clocks",
    "short_for_horizon",
]
