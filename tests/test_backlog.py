"""Children open on day 0: a steady caseload, and no replay of how their episode began.

The flat-stock test is an M/G/infinity check. With Poisson arrivals at rate ``lam`` and no
queue, the expected number in service is ``lam * mean`` at every moment once the children
present at the start have the equilibrium residual life of the service time. So an agency
started with that many children must show the same mean caseload early in the run as
late. Had the children on day 0 each kept a uniform share of a *fresh* service time
instead, the caseload would first fall, by an amount the test computes and requires to
be well beyond its own noise.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest

from jtai_sim.results.clocktime import LogColumns, clock_instances
from jtai_sim.scenario.builtin import load_text
from jtai_sim.scenario.model import AgeBand, ChildProfile
from jtai_sim.simulation.engine import ChildProfiles, Engine
from jtai_sim.vocabulary import STATUS_CODE, EventKind, Origin

MEAN, SD, PER_DAY = 100.0, 150.0, 1.0  # a long-tailed service: residual mean 162.5 days
STOCK = int(PER_DAY * MEAN)  # the equilibrium caseload, lam * mean

FLAT = f"""
name = "M/G/infinity"
children = 10000
duration_days = 400.0
[demand.d]
agency = "service"
rate_per_10k_per_year = {PER_DAY * 365.25}
[agencies.service]
service = {{ kind = "gamma", mean_days = {MEAN}, sd_days = {SD} }}
backlog = {{ in_service = {STOCK} }}
"""

EARLY, LATE = (0.0, 100.0), (300.0, 400.0)
GRID = np.arange(0.5, 400.0, 1.0)


def caseload(engine: Engine) -> np.ndarray:
    """Children in service at each point of ``GRID``."""
    rec = engine.log.records()
    arrive = np.sort(rec["time"][rec["kind"] == int(EventKind.ARRIVE)])
    end = np.sort(rec["time"][rec["kind"] == int(EventKind.END)])
    return np.searchsorted(arrive, GRID, "right") - np.searchsorted(end, GRID, "right")


def window(values: np.ndarray, bounds: tuple[float, float]) -> float:
    return float(values[(bounds[0] <= GRID) & (bounds[1] > GRID)].mean())


def old_rule_deficit() -> float:
    """Expected shortfall of the early window's mean caseload had the day-0 children kept a
    uniform share of a fresh service time: their survival falls faster than the
    equilibrium one, and the new arrivals make up only for the latter."""
    rng = np.random.default_rng(0)
    shape, scale = (MEAN / SD) ** 2, SD * SD / MEAN
    fresh = rng.gamma(shape, scale, 400_000)
    old = rng.random(len(fresh)) * fresh
    biased = rng.gamma(shape + 1, scale, len(fresh))
    new = rng.random(len(fresh)) * biased
    t = GRID[EARLY[1] > GRID]
    survive_old = (old[:, None] > t[None, ::10]).mean(axis=0)
    survive_new = (new[:, None] > t[None, ::10]).mean(axis=0)
    return float(STOCK * (survive_new - survive_old).mean())


def test_a_caseload_started_at_equilibrium_stays_level() -> None:
    scenario = load_text(FLAT, "flat.toml")
    diffs = []
    for r in range(24):
        engine = Engine(scenario, seed=11, replication=r)
        engine.run()
        load = caseload(engine)
        rec = engine.log.records()
        assert ((rec["kind"] == int(EventKind.ARRIVE)) & (rec["time"] == 0.0)).sum() == STOCK
        diffs.append(window(load, EARLY) - window(load, LATE))
    mean = float(np.mean(diffs))
    se = float(np.std(diffs, ddof=1) / math.sqrt(len(diffs)))
    # no drift: the early and late means agree within their noise (about 3 standard errors)
    assert abs(mean) < 3.5 * se, (mean, se)
    # and the test can see the old rule's fault: its expected dip is far beyond that noise
    deficit = old_rule_deficit()
    assert deficit > 6 * se, (deficit, se)


def test_the_equilibrium_residual_has_the_right_mean() -> None:
    scenario = load_text(FLAT, "flat.toml")
    engine = Engine(scenario, seed=5)
    draw = engine.streams.length_biased(scenario.agencies["service"].service, "t")
    left = np.array([np.random.default_rng(i).random() * draw() for i in range(20_000)])
    residual = (MEAN**2 + SD**2) / (2 * MEAN)  # E[S^2] / (2 E[S])
    assert left.mean() == pytest.approx(residual, rel=0.03)


CARE = """
name = "Care"
children = 10000
duration_days = 400.0
start_date = 2025-04-07
[demand.d]
agency = "care"
rate_per_10k_per_year = 30.0
[agencies.care]
staff = 20
caseload = 10
working = "office"
legal_status = "looked_after"
service = { kind = "exponential", mean_days = 600.0 }
reviews = { first_after_days = 28.0, second_after_days = 63.0, then_every_days = 182.0 }
backlog = { in_service = 150, waiting = 3, profile = { min_age = 0, max_age = 17 } }
[agencies.health]
staff = 2
service = { kind = "fixed", mean_days = 5.0 }
[[pathways]]
from = "care"
to = "health"
mode = "parallel"
at = "start"
probability = 1.0
[clocks.iha]
label = "Initial health assessment within 20 working days"
start = { agency = "care", event = "arrive" }
stop = { agency = "health", event = "end" }
limit = 20.0
"""


@pytest.fixture(scope="module")
def care() -> Engine:
    engine = Engine(load_text(CARE, "care.toml"), seed=3)
    engine.run()
    return engine


def test_children_open_on_day_0_have_their_status_recorded_then(care: Engine) -> None:
    rec = care.log.records()
    status = rec[(rec["kind"] == int(EventKind.STATUS)) & (rec["time"] == 0.0)]
    assert (status["detail"] == STATUS_CODE["looked_after"]).sum() == 153


def test_no_start_of_episode_pathway_for_children_already_in_care(care: Engine) -> None:
    rec = care.log.records()
    initial = set(
        rec["child"][(rec["kind"] == int(EventKind.ARRIVE)) & (rec["other"] == Origin.INITIAL)]
    )
    health = care.index["health"]
    referred = rec["child"][(rec["kind"] == int(EventKind.ARRIVE)) & (rec["agency"] == health)]
    from_backlog = [c for c in referred.tolist() if c in initial]
    # only the three on the list start their care in the run, and are referred then
    assert len(from_backlog) <= 3
    assert len(referred) > len(from_backlog)  # children who come into care later are


def test_no_clock_starts_on_an_episode_carried_over(care: Engine) -> None:
    scenario = care.scenario
    log = LogColumns.of_records(care.log.records())
    # places are free, so the three "waiting" start on day 0 too: 153 arrivals, 153 starts
    assert log.carried is not None and log.carried.sum() == 2 * 153
    frame = clock_instances(log, care.calendar, scenario.clocks, care.index, 400.0)
    assert (frame["start"] > 0).all()
    assert (frame["outcome"] == "met").mean() > 0.9
    # a log that does not say which rows are carried over (a case book's columns) is read
    # the same way, from the arrivals at the first instant of the records
    unsaid = attrs.evolve(log, carried=None)
    again = clock_instances(unsaid, care.calendar, scenario.clocks, care.index, 400.0)
    assert again["start"].tolist() == frame["start"].tolist()


def test_reviews_carry_on_the_schedule(care: Engine) -> None:
    rec = care.log.records()
    reviews = rec[rec["kind"] == int(EventKind.REVIEW)]
    initial = rec["child"][
        (rec["kind"] == int(EventKind.ARRIVE)) & (rec["other"] == Origin.INITIAL)
    ]
    theirs = reviews[np.isin(reviews["child"], initial)]
    first = {}
    for c, t in zip(theirs["child"].tolist(), theirs["time"].tolist(), strict=True):
        first.setdefault(c, t)
    times = np.array(list(first.values()))
    # spread over the review cycle, not all due at once; none only 28 days in for everyone
    assert len(times) > 100
    assert times.std() > 30.0
    assert (times > 63.0).mean() > 0.3


def test_mental_health_by_age_band() -> None:
    profile = ChildProfile(
        min_age=0,
        max_age=17,
        mental_health=(0.5, 0.2, 0.3),
        mental_health_by_age=[AgeBand(min_age=0, max_age=4, mental_health=(1.0, 0.0, 0.0))],
    )
    profiles = ChildProfiles(np.random.default_rng(2), profile)
    drawn = [profiles.next() for _ in range(5000)]
    babies = [mh for age, mh, _, _ in drawn if age <= 4]
    older = [mh for age, mh, _, _ in drawn if age > 4]
    assert babies and set(babies) == {0}
    assert np.mean([mh == 2 for mh in older]) == pytest.approx(0.3, abs=0.03)


RETURNING = """
name = "Coming back"
children = 10000
duration_days = 2000.0
[mental_health.re_referral]
probability = [0.0, 0.0, 0.0]
mean_delay_days = 80.0
[demand.d]
agency = "service"
rate_per_10k_per_year = 1.0
[agencies.service]
staff = 5
service = { kind = "exponential", mean_days = 1.0 }
backlog = { in_service = 0, returning = 4000 }
"""


def test_children_closed_before_day_0_come_back_after_the_delay() -> None:
    """Each comes back once, as a return, after an exponential delay of the rule's mean
    (so about e^-1 of them are still away after one mean)."""
    engine = Engine(load_text(RETURNING, "returning.toml"), seed=3)
    engine.run()
    rec = engine.log.records()
    back = (rec["kind"] == int(EventKind.ARRIVE)) & (rec["other"] == Origin.RETURN)
    times = rec["time"][back]
    assert len(times) == 4000 and len(set(rec["child"][back])) == 4000
    assert abs(times.mean() - 80.0) < 3 * 80.0 / math.sqrt(4000)
    assert abs((times > 80.0).mean() - math.exp(-1)) < 0.03
