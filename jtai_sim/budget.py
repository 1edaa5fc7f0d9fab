"""The size of a job before it starts: estimate it, and refuse what cannot finish here.

Every key of a scenario has its own range, but keys that are each in range can
still multiply into a job no machine finishes: a million children for a
century, a grid of ten thousand cells, replications by the billion. Before any
work starts, a command asks :func:`check` with its :class:`Job` and gets either
nothing or a :class:`~jtai_sim.errors.BudgetError` whose one line gives the
estimate and the limit.

The estimate is an upper bound, from the scenario alone:

* **visits**: new children a day from each demand stream, at its busiest
  (the largest of its term, holiday and weekend factors) and grown by its trend
  over the run, and by the injects that raise it (``factor - 1`` more for their share
  of the run), times the visits each child makes down the pathways (the
  traffic equations ``v = 1 + n + P v``, for each stream's profile, with the
  conditions a child keeps counted at their share of it and the others ignored,
  times the brothers and sisters a family referral brings, an agency's
  referrals counting at most one move between them and its notifications ``n``
  as visits that go no further); plus the children open on day 0; plus a
  review every interval for each place of an agency that holds reviews;
* **events**: :data:`EVENTS_PER_VISIT` logged rows a visit; on the built-in
  scenarios the estimate is 1.05 to 2.9 times the rows really logged
  (``tests/test_budget.py`` keeps it an upper bound);
* **memory**: :data:`BYTES_PER_EVENT` an estimated row plus
  :data:`BYTES_PER_PROCESS`, for each run held at once (one per process);
* **time**: :data:`EVENTS_PER_SECOND` estimated rows a second a process.

Two limits apply. A **hard** limit (the estimated memory beyond 80% of what this
machine has free, or more than :data:`HARD_EVENTS` estimated rows in one run)
refuses whatever flags are given. A **soft** limit (more than
:data:`SOFT_EVENTS` estimated rows in one run, :data:`SOFT_RUNS` runs, or
:data:`SOFT_HOURS` hours of work) refuses unless the command is given
``--allow-large``. The limits are our own: the soft ones sit well above the
built-in jobs (``midshire`` for ten years is about 6.4 million estimated rows;
its default comparison 40 runs).

>>> from jtai_sim.scenario.builtin import load_scenario
>>> job = Job(scenario=load_scenario("minimal"), days=365.0)
>>> 1 <= estimate(job).events_per_run / 10_290 < 4  # rows logged with seed 1
True
>>> check(job).runs
1
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from attrs import frozen

from jtai_sim.errors import BudgetError
from jtai_sim.scenario.model import (
    DAYS_PER_YEAR,
    ChildProfile,
    Demand,
    Scenario,
)
from jtai_sim.vocabulary import CHILD_FLAGS, HOUSEHOLD_FLAGS

#: Logged rows a visit makes, on average, at most (measured: 1.9 to 5.7 on the built-ins).
EVENTS_PER_VISIT = 6.0
#: Bytes a run holds at its peak for each estimated row, log, children, metrics and
#: files together (measured: ``run midshire --years 10`` peaked at 601 MB for 3.8
#: million rows logged, 6.4 million estimated: 94 bytes an estimated row).
BYTES_PER_EVENT = 150.0
#: Bytes a process holds before it simulates anything (measured: about 160 MB).
BYTES_PER_PROCESS = 200e6
#: Estimated rows a second one process simulates (measured on ``midshire`` for ten
#: years: 6.4 million estimated in 28.8 s with two other jobs sharing the machine's two
#: processors, 0.22 million a second; alone it runs about twice as fast).
EVENTS_PER_SECOND = 300_000.0
#: Soft limits: beyond these a command asks for ``--allow-large``.
SOFT_EVENTS = 50_000_000
SOFT_RUNS = 2_000
SOFT_HOURS = 2.0
#: Hard limit on one run, whatever the flags: about 30 GB held at once.
HARD_EVENTS = 200_000_000
#: The flag that lifts the soft limits.
FLAG = "--allow-large"


@frozen(kw_only=True)
class Job:
    """What a command is asked to do: ``runs`` runs of ``scenario`` for ``days`` each,
    ``at_once`` of them in memory together (one per process)."""

    scenario: Scenario
    days: float
    runs: int = 1
    at_once: int = 1


@frozen(kw_only=True)
class Estimate:
    """The estimated size of a :class:`Job`."""

    visits_per_run: float
    events_per_run: float
    runs: int
    at_once: int

    @property
    def events(self) -> float:
        """Logged rows over every run."""
        return self.events_per_run * self.runs

    @property
    def memory_bytes(self) -> float:
        """Memory held at once: a run's rows for each run in memory together."""
        return (self.events_per_run * BYTES_PER_EVENT + BYTES_PER_PROCESS) * self.at_once

    @property
    def hours(self) -> float:
        """Hours of simulation, spread over the processes."""
        return self.events / EVENTS_PER_SECOND / max(self.at_once, 1) / 3600


def estimate(job: Job) -> Estimate:
    """The estimated size of ``job`` (see the module's docstring for how)."""
    scenario = job.scenario
    total = 0.0
    for key, demand in scenario.demand.items():
        visits = _visits_per_child(scenario, demand.profile)
        total += (
            _children(scenario, demand, job.days)
            * _surge(scenario, key, job.days)
            * _family(demand.profile)
            * visits[demand.agency]
        )
    for key, agency in scenario.agencies.items():
        if agency.backlog is not None:
            visits = _visits_per_child(scenario, agency.backlog.profile)
            total += _open_on_day_0(scenario, key) * visits[key]
    total += _reviews(scenario, job.days)
    return Estimate(
        visits_per_run=total,
        events_per_run=total * EVENTS_PER_VISIT,
        runs=job.runs,
        at_once=min(job.at_once, job.runs),
    )


def _surge(scenario: Scenario, key: str, days: float) -> float:
    """How many times its children stream ``key`` brings with the injects that raise it:
    each adds ``factor - 1`` times the stream for its share of the run, as if the
    stream's rate were the same all through it (injects that lower a rate are left out)."""
    extra = sum(
        ((i.factor or 1.0) - 1.0) * min(i.days, days) / days
        for i in scenario.injects
        if i.kind == "demand"
        and (i.factor or 1.0) > 1.0
        and (i.streams is None or key in i.streams)
    )
    return 1.0 + extra


def _children(scenario: Scenario, demand: Demand, days: float) -> float:
    """Children a stream brings over ``days`` at most: its busiest factor, grown by trend."""
    per_day = demand.rate_per_10k_per_year * scenario.children / 10_000 / DAYS_PER_YEAR
    busiest = max(
        1.0,
        demand.term_factor,
        demand.holiday_factor,
        demand.weekend_factor,
        demand.weekend_factor * demand.holiday_factor,
    )
    growth = demand.trend_per_year
    if growth <= 0:  # flat or falling: never above the first day's rate
        return per_day * busiest * days
    log_growth = math.log1p(growth)
    exponent = min(days / DAYS_PER_YEAR * log_growth, 700.0)  # past e^700 nothing fits anyway
    return per_day * busiest * DAYS_PER_YEAR * math.expm1(exponent) / log_growth


#: Conditions drawn with the child's profile that never change: the register's yes/no
#: columns but whether a need is identified (which can change), and the household's
#: factors (its siblings share them). Each is a share of the profile of the same name.
FIXED_CONDITIONS = (*(f for f in CHILD_FLAGS if f != "identified"), *HOUSEHOLD_FLAGS)


def _family(profile: ChildProfile) -> float:
    """Children a referral from ``profile`` brings, on average: the child and, for a family
    referral, the brothers and sisters."""
    siblings = sum(n * p for n, p in enumerate(profile.siblings))
    return 1.0 + profile.family_referral * siblings


def _visits_per_child(scenario: Scenario, profile: ChildProfile) -> dict[str, float]:
    """Visits a child of ``profile`` arriving at each agency makes there and downstream.

    A child referred on moves to one place, so an agency's referrals count at most
    once between them (and so do its parallel referrals); a notification is a
    visit that goes no further. Conditions are ignored, which can only add visits, except
    the ones a child comes to notice with and keeps (:data:`FIXED_CONDITIONS`): a pathway
    that tests them counts at most at the share of ``profile``'s children who meet each
    (no more of them than the share of the scarcest condition it needs).
    A network whose pathways would multiply children without end counts as 10^6.
    """
    ids = scenario.agency_ids
    index = {a: i for i, a in enumerate(ids)}
    moves = {mode: np.zeros((len(ids), len(ids))) for mode in ("refer", "parallel", "notify")}
    shares = {f: getattr(profile, f) for f in FIXED_CONDITIONS}
    for pathway in scenario.pathways:
        share = min(
            [1.0]
            + [shares[f] for f in pathway.when if f in shares]
            + [1.0 - shares[f] for f in pathway.unless if f in shares]
        )
        moves[pathway.mode][index[pathway.source], index[pathway.to]] += (
            pathway.highest_chance() * share
        )
    onward = np.zeros((len(ids), len(ids)))
    for mode in ("refer", "parallel"):
        share = moves[mode].sum(axis=1, keepdims=True)
        onward += moves[mode] / np.maximum(share, 1.0)
    notified = moves["notify"].sum(axis=1)
    try:
        # v_i = 1 + notified_i + sum_j P[i, j] v_j: visits from agency i onwards
        v = np.linalg.solve(np.eye(len(ids)) - onward, 1.0 + notified)
    except np.linalg.LinAlgError:
        v = np.full(len(ids), _ENDLESS)
    v = np.where((v < 1) | ~np.isfinite(v), _ENDLESS, np.minimum(v, _ENDLESS))
    return {a: float(v[index[a]]) for a in ids}


#: Visits counted for a child whose pathways never end (a bound, not a measure).
_ENDLESS = 1e6


def _open_on_day_0(scenario: Scenario, agency: str) -> float:
    """Children waiting or in service at ``agency`` on day 0."""
    backlog = scenario.agencies[agency].backlog
    if backlog is None:
        return 0.0
    in_service = backlog.in_service
    if in_service is None:
        in_service = scenario.agencies[agency].servers or 0
    return float(backlog.waiting + in_service)


def _reviews(scenario: Scenario, days: float) -> float:
    """Reviews held over the run: every place of a review-holding agency, one an interval."""
    total = 0.0
    for agency in scenario.agencies.values():
        if agency.reviews is None or agency.servers is None:
            continue  # unlimited places: bounded by the visits already counted
        interval = min(agency.reviews.first_after_days, agency.reviews.then_every_days)
        total += agency.servers * days / interval
    return total


def available_memory() -> float:
    """Bytes of memory this machine has free now (Linux ``MemAvailable``), else all of it."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (OSError, ValueError):  # pragma: no cover - not a POSIX machine
        return math.inf


def _size(value: float) -> str:
    """A count in words a reader takes in at a glance: 3.2 million, 45,000."""
    if value >= 1e9:
        return f"{value / 1e9:,.1f} billion"
    if value >= 1e6:
        return f"{value / 1e6:,.1f} million"
    return f"{value:,.0f}"


def _gigabytes(value: float) -> str:
    return f"{value / 1e9:,.1f} GB"


def check_runs(runs: int, *, allow_large: bool = False, file: str | None = None) -> None:
    """:class:`BudgetError` if ``runs`` passes the soft limit on runs (unless ``allow_large``):
    the count alone, for a caller that would otherwise build every run's scenario first."""
    if runs > SOFT_RUNS and not allow_large:
        raise BudgetError(
            f"{runs:,} runs asked for, more than {SOFT_RUNS:,}; give {FLAG} to run them",
            file=file,
        )


def check(job: Job, *, allow_large: bool = False) -> Estimate:
    """The estimate of ``job``, or :class:`BudgetError` if it cannot or should not start.

    The message gives the estimate, the limit and, for a soft limit, the flag.
    """
    found = estimate(job)
    free = available_memory()
    if found.events_per_run > HARD_EVENTS:
        raise BudgetError(
            f"one run could log up to about {_size(found.events_per_run)} events, more than the "
            f"{_size(HARD_EVENTS)} a run can hold; shorten the run or shrink the partnership"
        )
    if found.memory_bytes > 0.8 * free:
        raise BudgetError(
            f"{found.at_once} run(s) at once would hold about {_gigabytes(found.memory_bytes)}, "
            f"more than the {_gigabytes(0.8 * free)} this machine has free; "
            "use fewer processes, a shorter run or a smaller partnership"
        )
    if allow_large:
        return found
    if found.events_per_run > SOFT_EVENTS:
        raise BudgetError(
            f"one run could log up to about {_size(found.events_per_run)} events, more than "
            f"{_size(SOFT_EVENTS)}; give {FLAG} to run it anyway"
        )
    check_runs(found.runs)
    if found.hours > SOFT_HOURS:
        raise BudgetError(
            f"about {found.hours:,.1f} hours of simulation estimated ({_size(found.events)} "
            f"events), more than {SOFT_HOURS:g}; give {FLAG} to run it anyway"
        )
    return found


__all__ = [
    "FLAG",
    "BudgetError",
    "Estimate",
    "Job",
    "available_memory",
    "check",
    "check_runs",
    "estimate",
]
