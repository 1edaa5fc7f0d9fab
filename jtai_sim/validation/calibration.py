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

from jtai_sim.experiments.stats import bounded_interval
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


#: The legal statuses each stock counts (``stocks_at``).
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
    args = parser.parse_args(argv)
    table = calibration_table(
        load_scenario(args.scenario), replications=args.replications, days=args.days
    )
    print(markdown(table))


if __name__ == "__main__":  # pragma: no cover
    main()
