"""The back-test of a learned scenario: learn on the first two thirds of the records,
simulate the last third from the state at the cut, and set the two side by side.

A learned scenario fits arrivals and activity, never the waits; whether it reproduces
the waits the area saw is the test of it. :func:`back_test`:

1. cuts the records at two thirds of the days they cover (the **cut**: the first day of
   the last third);
2. learns a scenario from the days before the cut (:func:`~jtai_sim.learning.learn_scenario`
   with ``until``);
3. starts that scenario on the cut day with the area's state that day, each agency's
   waiting list and the children in service there (as the backlog of the agency, placed
   no more than its learned places; an agency without a limit of places, such as a
   plan, takes all its children), and the children closed before the cut who will come
   back re-referred after it (as many as the learned re-referral rule expects of the
   closures not yet back); a backlog's children have the flags of the children it stands
   for (the largest demand stream's ages and mental-health mix), and the run simulates
   the days after the cut, ``replications`` times;
4. measures the same things in the records' last third and in each replication, per
   agency with places or a legal status: the **mean wait** of children who arrived
   after the cut and started before the end (days from arrival to start, where there
   are places to wait for), the **arrivals**, and the children **in service** on the
   last day (for a plan or care, the stock the children in need census counts); and per
   statutory clock of the records
   (:func:`~jtai_sim.inspection.casebook.clock_outcomes`, the rule findings and metrics
   use), the **share met in time** of the clocks that started after the cut and were
   met or breached by the end (a clock still running at the end is left out of both).

Each row gives the records' figure with its 95% interval (for the waits, a t interval of
the means of :data:`BATCHES` batches of children in order of arrival; for a share met,
the same over batches of clocks in order of starting, since clocks that start close
together meet or breach together; the exact Poisson interval of a count) and the
simulated mean over the replications with its 95% t interval, and says whether the
simulated mean lies inside the records' interval. A stock
is one day's count and has no interval of its own: its row asks instead whether the
records' count lies inside the 95% prediction interval of the replications. A
disagreement is said plainly: the model waits longer or less than the area did, sees more
or fewer children, holds more or fewer, or meets more or fewer clocks in time.

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection import casebook_from_run
>>> book = casebook_from_run(simulate(load_scenario("single_desk"), seed=1, days=300))
>>> check = back_test(book, children=10000, replications=3)
>>> check.table.loc[check.table["measure"] == "mean wait (days)", "agency"].tolist()
['desk']
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import attrs
import numpy as np
import pandas as pd
from attrs import field, frozen
from scipy import stats

from jtai_sim.errors import LearningError
from jtai_sim.inspection.casebook import clock_outcomes
from jtai_sim.inspection.model import CaseBook
from jtai_sim.learning.learn import Learned, learn_scenario
from jtai_sim.learning.returns import closures
from jtai_sim.learning.routing import plain_text
from jtai_sim.learning.state import (
    arrivals_of,
    coming_back,
    flag_shares,
    lists_and_caseloads,
    open_children,
    returns_to,
)
from jtai_sim.scenario.model import Backlog, Clock, Scenario
from jtai_sim.vocabulary import EventKind

#: Share of the records' days learned from; the rest is simulated and compared.
LEARN_SHARE = 2 / 3
#: Batches the records' waits are cut into, in order of arrival, for their interval: the
#: waits of children who arrive close together are alike, so an interval that took them
#: as independent would be far too narrow (the method of batch means; 10 is our choice).
BATCHES = 10
#: Mean waits this close to the records' interval agree: a list nobody waits on gives an
#: interval of zero width, and seconds of difference there are no disagreement (a
#: quarter of an hour is our choice; dated records cannot tell a shorter wait anyway).
WAIT_TOLERANCE_DAYS = 1 / 96
WAIT = "mean wait (days)"
ARRIVALS = "arrivals"
IN_SERVICE = "in service at the end"
#: the measure of a clock's row; its ``agency`` column holds the clock's key
CLOCKS_MET = "clocks met in time (share)"
_COLUMNS = [
    "measure",
    "agency",
    "records",
    "records_low",
    "records_high",
    "records_n",
    "simulated",
    "simulated_low",
    "simulated_high",
    "verdict",
]


@frozen(kw_only=True)
class BackTest:
    """A back-test: the cut, the scenario learned before it, and the comparison."""

    cut: dt.date
    end: dt.date
    learned: Learned
    #: the scenario simulated: the learned one started on the cut day with its state
    scenario: Scenario
    replications: int
    #: one row per measure and agency (columns in the module doc)
    table: pd.DataFrame = field(eq=False)

    @property
    def disagreements(self) -> pd.DataFrame:
        """The rows where the simulated mean lies outside the records' interval."""
        return self.table[~self.table["verdict"].isin(["agrees", "no interval"])]


def back_test(
    book: CaseBook,
    *,
    children: int,
    staff: dict[str, int] | None = None,
    replications: int = 10,
    seed: int = 1,
) -> BackTest:
    """Learn on the first two thirds of ``book`` and compare the last third with
    ``replications`` simulations of it (see the module doc)."""
    if replications < 2:
        raise LearningError(f"must be at least 2, got {replications}", key="replications")
    events = book.events
    last_day = math.floor(float(events["time"].max())) if len(events) else 0
    cut_day = math.floor(last_day * LEARN_SHARE)
    if last_day - cut_day < 14:
        raise LearningError(
            f"the records cover {last_day} days; a back-test needs at least 42 (two thirds "
            "to learn from, and two weeks to compare)"
        )
    cal = book.calendar
    learned = learn_scenario(book, children=children, until=cal.date_of(cut_day - 1), staff=staff)
    scenario = _from_the_cut(learned.scenario, book, cut_day, last_day, cal.date_of(cut_day))
    runs = []
    for r in range(replications):
        run = _simulated(scenario, seed, r)
        met = _clocks_met(run, book.clocks, float(last_day - cut_day), since=0.0)
        runs.append(_measures(_window(run.events, 0), scenario) | met)
    records = _measures(_window(events, cut_day), scenario) | _clocks_met(
        book, book.clocks, float(last_day), since=float(cut_day)
    )
    table = _compare(records, runs)
    return BackTest(
        cut=cal.date_of(cut_day),
        end=cal.date_of(last_day - 1),
        learned=learned,
        scenario=scenario,
        replications=replications,
        table=table,
    )


def _window(events: pd.DataFrame, cut_day: int) -> pd.DataFrame:
    """A case book's events with time counted from ``cut_day``, in the columns the
    measures read."""
    return pd.DataFrame(
        {
            "time": events["time"].to_numpy(np.float64) - cut_day,
            "agency": events["agency"].astype(str).to_numpy(),
            "kind": events["kind"].astype(str).to_numpy(),
            "value": events["value"].to_numpy(np.float64),
            "origin": events["origin"].astype(str).to_numpy(),
        }
    )


def _pending_returns(
    book: CaseBook, scenario: Scenario, cut_day: int, back: pd.Series
) -> pd.DataFrame:
    """The children closed before ``cut_day`` who may come back re-referred after it,
    one row each: ``child``, ``agency`` (where ``back`` says they would come back to)
    and ``chance``, the chance the learned re-referral rule leaves for a closure not
    seen back by the cut (Bayes: ``p e^(-h/d) / (1 - p + p e^(-h/d))`` after ``h`` days
    away with mean delay ``d``). A learned rule gives every mental-health state one
    chance, so the first serves."""
    none = pd.DataFrame({"child": [], "agency": [], "chance": []})
    rule = scenario.mental_health.re_referral
    if not (any(rule.probability) or rule.at_risk_probability):
        return none
    events = book.events[book.events["time"].to_numpy(np.float64) < cut_day]
    support = {k for k, a in book.agencies.items() if a.support}
    kinds = events["kind"].astype(str).to_numpy()
    closed = closures(events, kinds, plain_text(events["agency"]), support)
    away = closed[closed["gap"].isna()]
    if away.empty:
        return none
    kids = book.children.set_index("child")
    risk = kids["at_risk"].reindex(away["child"]).fillna(False).to_numpy(bool)
    chance = np.where(risk, max(rule.probability[0], rule.at_risk_probability), rule.probability[0])
    still = np.exp(-(cut_day - away["time"].to_numpy(np.float64)) / rule.mean_delay_days)
    return pd.DataFrame(
        {
            "child": away["child"].to_numpy(),
            "agency": back.reindex(away["child"]).to_numpy(object),
            "chance": chance * still / (1.0 - chance + chance * still),
        }
    )


def _from_the_cut(
    scenario: Scenario,
    book: CaseBook,
    cut_day: int,
    last_day: int,
    start: dt.date,
) -> Scenario:
    """``scenario`` started on the cut day with the records' state that day: each
    agency's list and children in service (coming back, if closed and re-referred, where
    the records' children there did), and the children closed before it who will come
    back after it."""
    open_now = open_children(book.events, cut_day)
    state = lists_and_caseloads(open_now)
    arrivals = arrivals_of(book.events[book.events["time"].to_numpy(np.float64) < cut_day])
    back = coming_back(arrivals)
    pending = _pending_returns(book, scenario, cut_day, back)
    expected = pending.groupby("agency")["chance"].sum()
    returning = {str(k): round(float(v)) for k, v in expected.items() if round(float(v)) > 0}
    back_to = returns_to(arrivals, back, scenario.agencies)
    kids = book.children.set_index("child")
    largest = max(scenario.demand.values(), key=lambda d: d.rate_per_10k_per_year)
    agencies = dict(scenario.agencies)
    for key, spec in agencies.items():
        if key not in state and key not in returning:
            agencies[key] = attrs.evolve(spec, backlog=None)  # not the first day's
            continue
        waiting, in_service = state.get(key, (0, 0))
        if spec.servers is not None:
            in_service = min(in_service, spec.servers)
        here = open_now.loc[open_now["agency"] == key, "child"].to_numpy()
        coming = pending[pending["agency"] == key]
        who = np.concatenate([np.asarray(here), coming["child"].to_numpy()])
        weight = np.concatenate([np.ones(len(here)), coming["chance"].to_numpy(np.float64)])
        shares: dict[str, Any] = flag_shares(kids, who, weight)
        agencies[key] = attrs.evolve(
            spec,
            backlog=Backlog(
                waiting=waiting,
                in_service=in_service,
                # the flags of the children it stands for: children closed at risk of
                # harm come back about twice as often as others (in Midshire), and a
                # plan's children are not like a new arrival
                profile=attrs.evolve(largest.profile, **shares),
                returns_to=back_to.get(key),
                returning=returning.get(key, 0),
            ),
        )
    return attrs.evolve(
        scenario,
        start_date=start,
        duration_days=float(last_day - cut_day),
        warmup_days=0.0,
        agencies=agencies,
    )


def _simulated(scenario: Scenario, seed: int, replication: int) -> CaseBook:
    """One replication as its case book holds it (the records' own form)."""
    from jtai_sim.inspection import casebook_from_run
    from jtai_sim.simulation.run import simulate

    return casebook_from_run(simulate(scenario, seed=seed, replication=replication))


def _clocks_met(
    book: CaseBook, clocks: dict[str, Clock], t_end: float, *, since: float
) -> dict[tuple[str, str], np.ndarray]:
    """Per clock of ``clocks``: 1 for each clock started at or after ``since`` and met by
    ``t_end``, 0 for each breached (those still running are left out)."""
    m = clock_outcomes(book, t_end, clocks=clocks, since=since)
    judged = m[m["outcome"].isin(["met", "breached"])].sort_values("start", kind="stable")
    met = (judged["outcome"] == "met").to_numpy(np.float64)
    keys = judged["clock"].astype(str).to_numpy()
    return {(CLOCKS_MET, key): met[keys == key] for key in clocks}


def _measures(ev: pd.DataFrame, scenario: Scenario) -> dict[tuple[str, str], np.ndarray]:
    """Per (measure, agency) with places or a legal status (a plan or care, whose stock the
    children in need census counts): the waits (days) of children who arrived on or
    after day 0 and started before the end (where there are places to wait for); the new
    arrivals on or after day 0 (one number); the children in service at the end (one
    number)."""
    end = scenario.duration_days
    inside = (ev["time"] >= 0) & (ev["time"] < end)
    out: dict[tuple[str, str], np.ndarray] = {}
    for key, spec in scenario.agencies.items():
        if spec.servers is None and spec.legal_status is None:
            continue
        here = ev["agency"] == key
        start = here & inside & (ev["kind"] == EventKind.START.key)
        arrived_at = ev["time"] - ev["value"]
        took = start & (arrived_at > 1e-9)
        waits = ev["value"][took].to_numpy(np.float64)[np.argsort(arrived_at[took], kind="stable")]
        # the children on a list at the cut arrived before it (the run logs them at 0)
        new = ev["origin"] != "initial"
        arrivals = int((here & inside & new & (ev["kind"] == EventKind.ARRIVE.key)).sum())
        started = int((here & (ev["time"] < end) & (ev["kind"] == EventKind.START.key)).sum())
        ended = int((here & (ev["time"] < end) & (ev["kind"] == EventKind.END.key)).sum())
        if spec.servers is not None:
            out[(WAIT, key)] = waits
        out[(ARRIVALS, key)] = np.array([arrivals], dtype=np.float64)
        out[(IN_SERVICE, key)] = np.array([started - ended], dtype=np.float64)
    return out


def _records_interval(measure: str, values: np.ndarray) -> tuple[float, float, float]:
    """The records' figure and its 95% interval (waits and shares met: batch means, see the
    module doc)."""
    if measure in (WAIT, CLOCKS_MET):
        n = len(values)
        mean = float(values.mean()) if n else math.nan
        if n < 2 * BATCHES:
            return mean, math.nan, math.nan
        batches = np.array([b.mean() for b in np.array_split(values, BATCHES)])
        half = float(stats.t.ppf(0.975, BATCHES - 1)) * float(batches.std(ddof=1))
        half /= math.sqrt(BATCHES)
        return mean, mean - half, mean + half
    count = float(values[0])
    if measure == ARRIVALS:
        n = int(count)
        low = 0.0 if n == 0 else float(stats.chi2.ppf(0.025, 2 * n)) / 2
        return count, low, float(stats.chi2.ppf(0.975, 2 * n + 2)) / 2
    return count, math.nan, math.nan


def _compare(
    records: dict[tuple[str, str], np.ndarray], runs: list[dict[tuple[str, str], np.ndarray]]
) -> pd.DataFrame:
    rows = []
    for (measure, key), values in records.items():
        if measure in (WAIT, CLOCKS_MET) and len(values) == 0:
            continue  # no child of the records' last third started there, or no clock
        figure, low, high = _records_interval(measure, values)
        per_run = np.array(
            [float(r[(measure, key)].mean()) if len(r[(measure, key)]) else math.nan for r in runs]
        )
        per_run = per_run[np.isfinite(per_run)]
        mean = float(per_run.mean()) if len(per_run) else math.nan
        if len(per_run) >= 2:
            half = (
                float(stats.t.ppf(0.975, len(per_run) - 1))
                * float(per_run.std(ddof=1))
                / math.sqrt(len(per_run))
            )
        else:
            half = math.nan
        if measure == IN_SERVICE and len(per_run) >= 2:
            # one day's count has no interval of its own: ask whether it falls where the
            # model's would (a 95% prediction interval of one more replication)
            spread = half * math.sqrt(len(per_run) + 1)
            verdict = _verdict(measure, figure, mean - spread, mean + spread, model_side=False)
            sim_low, sim_high = mean - spread, mean + spread
        else:
            verdict = _verdict(measure, mean, low, high)
            sim_low, sim_high = mean - half, mean + half
        rows.append(
            {
                "measure": measure,
                "agency": key,
                "records": figure,
                "records_low": low,
                "records_high": high,
                "records_n": len(values) if measure in (WAIT, CLOCKS_MET) else int(figure),
                "simulated": mean,
                "simulated_low": sim_low,
                "simulated_high": sim_high,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows, columns=_COLUMNS)


def _verdict(
    measure: str, value: float, low: float, high: float, *, model_side: bool = True
) -> str:
    """Whether ``value`` lies in ``[low, high]``, and if not which way the model is off
    (``value`` is the model's figure, or with ``model_side`` false the records')."""
    if math.isnan(low) or math.isnan(value):
        return "no interval"
    if low <= value <= high:
        return "agrees"
    if measure == WAIT and low - WAIT_TOLERANCE_DAYS <= value <= high + WAIT_TOLERANCE_DAYS:
        return "agrees"
    more = value > high if model_side else value < low
    if measure == WAIT:
        return "the model waits longer" if more else "the model waits less"
    if measure == ARRIVALS:
        return "the model sees more children" if more else "the model sees fewer children"
    if measure == CLOCKS_MET:
        return "the model meets more in time" if more else "the model meets fewer in time"
    return "the model holds more" if more else "the model holds fewer"


def _figure(value: float, measure: str) -> str:
    if math.isnan(value):
        return "–"
    if measure == CLOCKS_MET:
        return f"{value:.0%}"
    return f"{value:.2f}" if measure == WAIT else f"{value:,.0f}"


def _interval(low: float, high: float, measure: str) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    top = min(high, 1.0) if measure == CLOCKS_MET else high
    return f"{_figure(max(low, 0.0), measure)} to {_figure(top, measure)}"


def back_test_page(check: BackTest, title: str) -> str:
    """The back-test as an HTML page (self-contained: nothing loads from the network)."""
    from pathlib import Path

    from jtai_sim.results.report import environment

    rows = [
        {
            "measure": r.measure,
            "agency": r.agency,
            "records": _figure(r.records, r.measure),
            "records_interval": _interval(r.records_low, r.records_high, r.measure),
            "simulated": _figure(r.simulated, r.measure),
            "simulated_interval": _interval(r.simulated_low, r.simulated_high, r.measure),
            "verdict": r.verdict,
            "off": r.verdict not in ("agrees", "no interval"),
        }
        for r in check.table.itertuples(index=False)
    ]
    off = check.disagreements
    summary = (
        "The learned model and the records agree on every row."
        if off.empty
        else f"They disagree on {len(off)} of {len(check.table)} rows: "
        + "; ".join(f"{r.agency}, {r.measure}: {r.verdict}" for r in off.itertuples())
        + "."
    )
    page = environment(Path(__file__).parent / "templates").get_template("backtest.html.j2")
    return page.render(
        title=title,
        cut=f"{check.cut:%d %B %Y}",
        cut_before=f"{check.cut - dt.timedelta(days=1):%d %B %Y}",
        end=f"{check.end:%d %B %Y}",
        replications=check.replications,
        summary=summary,
        rows=rows,
    )


__all__ = [
    "ARRIVALS",
    "BATCHES",
    "CLOCKS_MET",
    "IN_SERVICE",
    "LEARN_SHARE",
    "WAIT",
    "BackTest",
    "back_test",
    "back_test_page",
]
