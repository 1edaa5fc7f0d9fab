"""Calibration: does a scenario reproduce the national figures it was built from?

:data:`NATIONAL_TARGETS` lists the national figures (with their sources) that
``scenarios/midshire.toml`` is calibrated to; :func:`calibration_table` runs
replications and sets the simulated mean and its 95% interval beside each.
``python -m jtai_sim.validation.calibration`` prints the table the README shows.

Flows are counted over the run after its warm-up; stocks (``stock.*``) are counted
on the run's last day, as the DfE counts them on one date (31 March), by
:func:`stocks_at`. *Children in need* follows the DfE census: every child with an
open episode of social care, that is whose recorded legal status is child in
need (being assessed or on a plan), child protection or looked after.

:data:`FURTHER_TARGETS` are national figures Midshire is not calibrated to: a profile may
give them (``jtai-sim new --profile``), and ``--further`` prints Midshire's value beside
them.

>>> [t.key for t in NATIONAL_TARGETS][:2]
['flow.referrals_per_10k_per_year', 'flow.contacts_per_10k_per_year']
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from attrs import frozen

from jtai_sim.calendar import DAYS_PER_YEAR
from jtai_sim.experiments.stats import bounded_interval
from jtai_sim.results.record import RunRecord
from jtai_sim.scenario.builtin import load_scenario
from jtai_sim.scenario.model import Scenario
from jtai_sim.simulation.run import Run, simulate
from jtai_sim.vocabulary import HOUSEHOLD_FLAGS, STATUS_CODE, EventKind


@frozen
class Target:
    """One national figure a scenario should reproduce."""

    key: str
    label: str
    value: float
    source: str
    #: how far the simulated mean may stray, as a share of the target; ``None`` for a figure
    #: that swings widely between replications: the target must lie inside its 95% interval
    tolerance: float | None = 0.15


NATIONAL_TARGETS: tuple[Target, ...] = (
    Target(
        "flow.referrals_per_10k_per_year",
        "Referrals to children's social care per 10,000 children a year",
        520.0,
        "DfE children in need census (national rate)",
    ),
    Target(
        "flow.contacts_per_10k_per_year",
        "Contacts to the front door per 10,000 children a year",
        2500.0,
        "ADCS Safeguarding Pressures phase 9 (about 3.0 million contacts in 2023/24)",
    ),
    Target(
        "flow.re_referral_share_within_12_months",
        "Share of referrals that are re-referrals within 12 months",
        0.22,
        "DfE children in need census 2023/24",
    ),
    Target(
        "flow.nfa_share_of_referrals",
        "Share of referrals with no further action",
        0.071,
        "DfE children in need census 2022/23",
    ),
    Target(
        "flow.not_in_need_share_of_referrals",
        "Share of referrals assessed as not in need",
        0.299,
        "DfE children in need census 2022/23",
    ),
    Target(
        "clock.icpc_15wd.met_share",
        "Initial conferences within 15 working days",
        0.80,
        "DfE children in need census 2022/23 to 2024/25 (78% to 81%)",
    ),
    Target(
        "clock.assessment_45wd.met_share",
        "Assessments completed within 45 working days of referral",
        0.857,
        "DfE Characteristics of children in need 2024/25, table C2: 555,820 of the 648,830 "
        "assessments completed in England took 45 working days or fewer [D]",
    ),
    Target(
        "clock.assessment_45wd.mean_elapsed",
        "Mean length of an assessment (working days)",
        33.0,
        "DfE children in need census 2022/23",
    ),
    Target(
        "flow.camhs_referrals_per_10k_per_year",
        "CAMHS referrals per 10,000 children a year",
        800.0,
        "Children's Commissioner 2024 (about 8% of children referred in 2022/23)",
    ),
    Target(
        "camhs.supported_share",
        "CAMHS referrals: support started",
        0.32,
        "Children's Commissioner 2024 (2022/23 referrals)",
    ),
    Target(
        "camhs.waiting_share",
        "CAMHS referrals: still waiting",
        0.28,
        "Children's Commissioner 2024 (2022/23 referrals)",
    ),
    Target(
        "camhs.closed_share",
        "CAMHS referrals: closed before support",
        0.39,
        "Children's Commissioner 2024 (2022/23 referrals)",
    ),
    Target(
        "household.parental_mental_health",
        "Assessments completed with parental mental health as a factor",
        161_250 / 655_540,
        "DfE children in need census 2022/23 (161,250 of 655,540 assessments)",
    ),
    Target(
        "household.domestic_abuse",
        "Assessments completed with domestic abuse as a factor",
        160_140 / 655_540,
        "DfE children in need census 2022/23 (160,140 of 655,540 assessments)",
    ),
    Target(
        "stock.children_in_need_per_10k",
        "Children in need on one day per 10,000 children (incl. protection plans and in care)",
        332.9,
        "DfE children in need census 2024 (332.9 per 10,000 on 31 March 2024)",
    ),
    Target(
        "stock.child_protection_per_10k",
        "Children on a child protection plan on one day per 10,000 children",
        42.0,
        "DfE children in need census 2022 to 2024 (41 to 43 per 10,000)",
    ),
    Target(
        "stock.looked_after_per_10k",
        "Children looked after on one day per 10,000 children",
        70.0,
        "DfE children looked after in England 2024 (70 per 10,000; 83,630 children)",
    ),
    Target(
        "clock.eating_disorder_urgent_1wk.met_share",
        "Urgent eating-disorder referrals starting treatment within 1 week",
        0.747,
        "NHS England CYP eating disorder waiting times, April to June 2018 (74.7%; via "
        "QualityWatch)",
        tolerance=None,  # about 12 urgent and 35 routine starts a run: judged by interval
    ),
    Target(
        "clock.eating_disorder_routine_4wk.met_share",
        "Routine eating-disorder referrals starting treatment within 4 weeks",
        0.812,
        "NHS England CYP eating disorder waiting times, April to June 2018 (81.2%; via "
        "QualityWatch)",
        tolerance=None,  # about 12 urgent and 35 routine starts a run: judged by interval
    ),
    Target(
        "camhs.mean_wait_to_support_days",
        "Mean wait from CAMHS referral to support (days)",
        35.0,
        "Children's Commissioner 2024 (2022/23; local means 4 to 147 days)",
        tolerance=None,
    ),
)


#: National figures Midshire is not calibrated to. A profile may give them, and its
#: calibration moves what drives them; ``python -m jtai_sim.validation.calibration
#: --further`` prints Midshire's value beside each.
FURTHER_TARGETS: tuple[Target, ...] = (
    # Midshire's youth justice service takes children on from prevention and out-of-court
    # disposals to orders, so its first arrivals are more than the YJB's first-time entrants
    # (children's first caution or court sentence): about 2.4 times the national rate.
    Target(
        "flow.youth_justice_first_time_entrants_per_100k_10_17",
        "Youth justice first-time entrants per 100,000 children aged 10 to 17 a year",
        135.0,
        "MoJ/YJB Youth Justice Statistics 2022/23 (just under 8,400 first-time entrants in "
        "England and Wales, about 6.2 million children aged 10 to 17) [D]",
    ),
)
#: Every target a profile's figure may be.
ALL_TARGETS: tuple[Target, ...] = NATIONAL_TARGETS + FURTHER_TARGETS

#: The youth-justice ages (the YJB counts first-time entrants aged 10 to 17).
YOUTH_JUSTICE_AGES = (10, 17)
#: The share of an area's children aged 0 to 17 who are 10 to 17. A scenario knows only
#: how many children aged 0 to 17 live in the area (``children``); its demand profiles give
#: the ages of the children who come to notice, not of those who live there. So each of the
#: 18 years of age is taken to hold as many children, 8 of them aged 10 to 17 (for Midshire's
#: 80,000, about 35,600, as the domain brief works it out). The area's real share (in the
#: ONS mid-year estimates) is not known to the model: where it differs, the rate is off by
#: the ratio of the two.
AGED_10_TO_17 = (YOUTH_JUSTICE_AGES[1] - YOUTH_JUSTICE_AGES[0] + 1) / 18


def youth_justice_first_time_entrants(record: RunRecord) -> float:
    """First-time entrants to youth justice a year per 100,000 children aged 10 to 17.

    The children whose first arrival at a youth justice agency (kind ``youth_justice``) in
    the whole log falls after the warm-up, and who were 10 to 17 then (their age on coming
    to notice plus the whole years since, as the engine ages them), per year of the window,
    per 100,000 of the area's children aged 10 to 17 (:data:`AGED_10_TO_17` of
    ``children``). Children open to youth justice on day 0 arrived before the window, so
    are not counted; nor is a child's second or later arrival. The model cannot tell a
    child's first caution or court sentence (what the YJB counts) from being taken on for
    prevention: every first arrival counts.

    >>> from jtai_sim import load_scenario, simulate
    >>> run = simulate(load_scenario("midshire"), seed=1, days=240)
    >>> youth_justice_first_time_entrants(run.record) > 0
    True
    """
    scenario = record.scenario
    kinds = [scenario.agencies[key].kind for key in record.agency_ids]
    codes = [i for i, kind in enumerate(kinds) if kind == "youth_justice"]
    years = record.window_days / DAYS_PER_YEAR
    population = scenario.children * AGED_10_TO_17
    if not codes or years <= 0:
        return math.nan
    rec = record.log
    arrivals = rec[(rec["kind"] == int(EventKind.ARRIVE)) & np.isin(rec["agency"], codes)]
    # the log is in time order: each child's first row is their first arrival
    child, first = np.unique(arrivals["child"], return_index=True)
    time = arrivals["time"][first].astype(np.float64)
    noticed = rec[rec["kind"] == int(EventKind.CHILD)]
    order = np.argsort(noticed["child"], kind="stable")
    ids = noticed["child"][order]
    pos = np.minimum(np.searchsorted(ids, child), max(len(ids) - 1, 0))
    known = (ids[pos] == child) if len(ids) else np.zeros(len(child), bool)
    # a child with no row saying when they came to notice has no age: not counted
    born = noticed["time"][order][pos].astype(np.float64)
    age = noticed["value"][order][pos].astype(np.float64) + np.floor((time - born) / DAYS_PER_YEAR)
    low, high = YOUTH_JUSTICE_AGES
    counted = known & (time >= record.warmup_days) & (age >= low) & (age <= high)
    return float(counted.sum() / years / population * 100_000)


STOCKS: dict[str, tuple[str, ...]] = {
    "children_in_need_per_10k": ("cin", "cp", "looked_after"),
    "child_protection_per_10k": ("cp",),
    "looked_after_per_10k": ("looked_after",),
}


def stocks_at(run: Run, day: float) -> dict[str, float]:
    """Children per 10,000 holding each :data:`STOCKS` status at the end of clock ``day``.

    A child holds the status of the last ``status`` event logged for them up to then.

    >>> from jtai_sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=120)
    >>> sorted(stocks_at(run, 60.0))
    ['child_protection_per_10k', 'children_in_need_per_10k', 'looked_after_per_10k']
    """
    rec = run.log.records()
    rows = rec[(rec["kind"] == int(EventKind.STATUS)) & (rec["time"] <= day)]
    # the last status of each child: the log is in time order, so the last row per child
    child = rows["child"][::-1]
    _, first = np.unique(child, return_index=True)
    code = rows["detail"][::-1][first]
    per_10k = 10_000 / run.scenario.children
    return {
        name: float(np.isin(code, [STATUS_CODE[s] for s in statuses]).sum() * per_10k)
        for name, statuses in STOCKS.items()
    }


def household_factors_at_assessment(run: Run) -> dict[str, float]:
    """Each household factor's share of the assessments completed after the warm-up.

    The DfE census records the factors identified at the end of an assessment; the model
    knows each household's factors, so this is the share an assessment that identified
    every factor would record.

    >>> from jtai_sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=120)
    >>> sorted(household_factors_at_assessment(run))[:2]
    ['domestic_abuse', 'parental_mental_health']
    """
    scenario = run.scenario
    rec = run.log.records()
    assessment = [scenario.agency_ids.index(a) for a in scenario.flow.assessment]
    ended = (
        (rec["kind"] == int(EventKind.END))
        & np.isin(rec["agency"], assessment)
        & (rec["time"] >= scenario.warmup_days)
    )
    kids = run.children.set_index("child")
    children = rec["child"][ended]
    return {
        f: float(kids.loc[children, f].mean()) if len(children) else math.nan
        for f in HOUSEHOLD_FLAGS
    }


def figure_lookup(run: Run) -> Callable[[str], float]:
    """The value of any target's key (``flow.``, ``camhs.``, ``stock.``, ``household.`` or a
    clock's ``clock.statistic``) in ``run``."""
    flow = dict(run.flow().itertuples(index=False, name=None))
    flow["youth_justice_first_time_entrants_per_100k_10_17"] = youth_justice_first_time_entrants(
        run.record
    )
    camhs = dict(run.camhs().itertuples(index=False, name=None))
    clocks = run.clocks().set_index("clock")
    stocks = stocks_at(run, run.scenario.duration_days)
    factors = household_factors_at_assessment(run)

    def value(key: str) -> float:
        group, rest = key.split(".", 1)
        if group == "household":
            return factors[rest]
        if group == "flow":
            return float(flow.get(rest, math.nan))
        if group == "camhs":
            return float(camhs.get(rest, math.nan))
        if group == "stock":
            return stocks[rest]
        clock, statistic = rest.split(".")
        return float(clocks.loc[clock, statistic])

    return value


def calibration_table(
    scenario: Scenario,
    *,
    replications: int = 3,
    days: float | None = 730.0,
    seed: int | None = None,
    targets: tuple[Target, ...] = NATIONAL_TARGETS,
) -> pd.DataFrame:
    """Simulated value (mean of ``replications``, with a 95% interval that keeps to the
    figure's bounds: log-scale t for rates, stocks and waits, logit-scale t for shares)
    beside each target.

    ``within_tolerance`` says whether the value meets the target's ``tolerance``.
    """
    values = np.empty((replications, len(targets)))
    for r in range(replications):
        run = simulate(scenario, seed=seed, replication=r, days=days)
        lookup = figure_lookup(run)
        values[r] = [lookup(t.key) for t in targets]
    rows = []
    for i, t in enumerate(targets):
        # the interval keeps to the figure's bounds: a share within 0 and 1, a rate, stock
        # or wait above 0 (the method of the comparison reports)
        iv = bounded_interval(values[:, i], "share" if t.key.endswith("share") else "positive")
        low, high = (iv.low, iv.high) if replications > 1 else (math.nan, math.nan)
        mean = iv.mean
        error = (mean - t.value) / t.value
        rows.append(
            {
                "measure": t.label,
                "key": t.key,
                "target": t.value,
                "simulated": mean,
                "ci_low": low,
                "ci_high": high,
                "relative_error": error,
                "within_tolerance": bool(
                    abs(error) <= t.tolerance if t.tolerance is not None else low <= t.value <= high
                ),
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def markdown(
    table: pd.DataFrame, *, target: str = "target", last: tuple[str, str] = ("source", "source")
) -> str:
    """The table as Markdown, as the README shows it: ``target`` heads the target's column,
    and ``last`` is the (column, heading) of the last."""

    def fmt(x: float) -> str:
        return f"{x:.1%}" if abs(x) < 1.5 else f"{x:.1f}"

    column, heading = last
    lines = [
        f"| measure | {target} | simulated (95% CI) | difference | {heading} |",
        "|---|---|---|---|---|",
    ]
    for r in table.to_dict("records"):
        lines.append(
            f"| {r['measure']} | {fmt(r['target'])} | {fmt(r['simulated'])} "
            f"({fmt(r['ci_low'])} to {fmt(r['ci_high'])}) | {r['relative_error']:+.1%} | "
            f"{r[column]} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the calibration table of a scenario (default: midshire)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("scenario", nargs="?", default="midshire")
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--days", type=float, default=730.0)
    parser.add_argument(
        "--further",
        action="store_true",
        help="the national figures the scenario is not calibrated to (FURTHER_TARGETS)",
    )
    args = parser.parse_args(argv)
    table = calibration_table(
        load_scenario(args.scenario),
        replications=args.replications,
        days=args.days,
        targets=FURTHER_TARGETS if args.further else NATIONAL_TARGETS,
    )
    print(markdown(table))


if __name__ == "__main__":  # pragma: no cover
    main()
