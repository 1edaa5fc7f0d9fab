"""Tier 4 beds as a pool shared with other areas, and where a child waits for one.

* other areas' admissions take places and wait on the same list, so the area's children
  wait longer (same seed), yet they write no rows: the register, conservation and the
  area's arrivals are untouched;
* every child who joins the list has a ``held`` row, the settings in about their shares,
  and about the chance of starts are far from home;
* the findings for waiting on a ward or in A&E and for a bed far from home fire;
* a scenario without the keys (or with a pool that admits no one) is byte-identical;
* bad values are one-line errors naming the key;
* with the area's children a small share, the pool is an M/M/c queue: its mean number
  present matches Erlang C.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats
from test_conservation import busy_problems, conservation_problems, order_problems

from jtai_sim import EventKind, Run, simulate
from jtai_sim.errors import ScenarioError
from jtai_sim.experiments.stats import t_interval
from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.scenario.model import Scenario
from jtai_sim.simulation.engine import Engine
from jtai_sim.validation.theory import erlang_c
from jtai_sim.vocabulary import UNSUITABLE_SETTINGS, WAITING_SETTINGS, HeldIn

K = EventKind
BASE = """
name = "Regional beds"
duration_days = {days}
warmup_days = 200.0
children = 500000
[demand.crisis]
agency = "beds"
rate_per_10k_per_year = {own}
[agencies.beds]
kind = "inpatient"
label = "Tier 4 beds"
staff = 40
service = {{ mean_days = 72.0 }}
support = true
{extra}
"""
SHARES = {"paediatric_ward": 0.5, "adult_ward": 0.05, "emergency_department": 0.15, "home": 0.3}
HELD_IN = "held_in = { " + ", ".join(f"{k} = {v}" for k, v in SHARES.items()) + " }"
POOL = "shared = { other_areas_per_year = 90.0, in_place_at_start = 17 }"


def scenario(extra: str = "", days: float = 3000.0, own: float = 2.0) -> Scenario:
    return scenario_from_toml(BASE.format(days=days, own=own, extra=extra))


def digest(run: Run) -> str:
    return hashlib.sha256(run.log.records().tobytes()).hexdigest()


def rows(run: Run, kind: EventKind) -> np.ndarray:
    rec = run.log.records()
    return rec[rec["kind"] == int(kind)]


@pytest.fixture(scope="module")
def alone() -> Run:
    return simulate(scenario(HELD_IN + "\nfar_from_home = 0.3"), seed=4)


@pytest.fixture(scope="module")
def pooled() -> Run:
    return simulate(scenario(HELD_IN + "\nfar_from_home = 0.3\n" + POOL), seed=4)


# ------------------------------------------------------------------ the shared pool


def test_other_areas_make_the_area_children_wait_longer(alone: Run, pooled: Run) -> None:
    wait_alone = rows(alone, K.START)["value"].mean()
    wait_pooled = rows(pooled, K.START)["value"].mean()
    assert wait_alone < 1.0  # 100 admissions a year need 20 of the 40 beds
    assert wait_pooled > wait_alone + 3.0  # 190 a year need 37 of them
    assert len(rows(pooled, K.WAIT)) > 3 * len(rows(alone, K.WAIT))


def test_same_seed_same_output(pooled: Run) -> None:
    again = simulate(pooled.scenario, seed=4)
    assert digest(again) == digest(pooled)
    assert digest(simulate(pooled.scenario, seed=5)) != digest(pooled)


def test_other_areas_write_no_rows(alone: Run, pooled: Run) -> None:
    # the area's children are the same children, arriving at the same moments
    assert np.array_equal(rows(alone, K.CHILD), rows(pooled, K.CHILD))
    assert np.array_equal(rows(alone, K.ARRIVE), rows(pooled, K.ARRIVE))
    rec = pooled.log.records()
    created = len(rows(pooled, K.CHILD))
    assert len(pooled.children) == created
    assert rec["child"].min() >= 1 and rec["child"].max() <= created
    # every journey is accounted for; at the end, the log shows children still waiting
    # with places free: other areas' children hold them
    problems = conservation_problems(pooled)
    assert all(p.startswith("beds: ") and " waiting, " in p for p in problems), problems
    assert conservation_problems(alone) == []
    assert order_problems(pooled) == []
    # served in arrival order still; but the area's children join the list while the
    # log shows a place free: other areas' children hold it
    assert busy_problems(pooled) == ["beds: a child joined the list with a place free"]
    assert busy_problems(alone) == []


def test_other_areas_urgent_admissions_go_ahead_on_a_prioritised_list() -> None:
    def wait(urgent: float) -> float:
        pool = POOL.replace("}", f", urgent = {urgent} }}")
        run = simulate(scenario('urgent_if = ["in_crisis"]\n' + pool), seed=4)
        return float(rows(run, K.START)["value"].mean())

    # the area's children here are all routine: other areas' urgent admissions pass them
    assert wait(1.0) > 1.5 * wait(0.0)


def test_other_areas_fill_places_from_day_0() -> None:
    engine = Engine(scenario(POOL, days=300.0, own=0.0), seed=1)
    busy: list[int] = []
    engine.run(progress=lambda t: busy.append(engine.desks[0].busy), step_days=0.001)
    assert busy[0] == 17  # in places from day 0; no one has yet left or come
    assert 10 < np.mean(busy[len(busy) // 2 :]) < 30  # 90 a year staying 72 days: about 18
    assert engine.children_created == 0 and len(engine.log.records()) == 0


# --------------------------------------------------------- held while waiting, far from home


def test_every_waiting_child_is_held_somewhere(pooled: Run) -> None:
    waits = rows(pooled, K.WAIT)
    held = rows(pooled, K.HELD)
    waiting = held[held["detail"] != int(HeldIn.FAR_FROM_HOME)]
    assert len(waits) > 300
    assert np.array_equal(waits[["time", "child", "agency"]], waiting[["time", "child", "agency"]])
    assert (waiting["value"] == 0).all()
    n = len(waiting)
    for key, share in SHARES.items():
        got = int((waiting["detail"] == int(HeldIn.from_key(key))).sum())
        assert stats.binomtest(got, n, share).pvalue > 0.001, (key, got, n)


def test_about_the_chance_of_beds_are_far_from_home(pooled: Run, alone: Run) -> None:
    starts = rows(pooled, K.START)
    held = rows(pooled, K.HELD)
    far = held[held["detail"] == int(HeldIn.FAR_FROM_HOME)]
    # each row is written as a start: same child, same moment
    start_at = set(zip(starts["child"].tolist(), starts["time"].tolist(), strict=True))
    assert set(zip(far["child"].tolist(), far["time"].tolist(), strict=True)) <= start_at
    assert stats.binomtest(len(far), len(starts), 0.3).pvalue > 0.001
    assert len(rows(alone, K.HELD)) > 0  # far from home does not need a shared pool


# --------------------------------------------------------------------------- findings


def test_the_findings_fire(pooled: Run) -> None:
    from jtai_sim.inspection.casebook import casebook_from_run
    from jtai_sim.inspection.findings import all_hits, findings_for
    from jtai_sim.inspection.theme import load_theme

    book = casebook_from_run(pooled)
    notification = pooled.scenario.start_date + dt.timedelta(days=2500)
    hits = all_hits(book, notification)
    held = hits[hits["kind"] == "held_waiting_for_bed"]
    far = hits[hits["kind"] == "admitted_far_from_home"]
    assert len(held) > 100 and len(far) > 100
    assert not held["strength"].any() and not far["strength"].any()
    # one finding for each wait on a ward or in A&E, none for a wait at home
    ev = book.events[book.events["time"] < book.calendar.day_of(notification) + 1]
    unsuitable = (ev["kind"] == "held") & ev["detail"].isin(list(UNSUITABLE_SETTINGS))
    assert len(held) == int(unsuitable.sum())
    assert (held["x"] >= 0).all() and held["x"].mean() > 5.0
    children = [int(c) for c in held["child"][:20]]
    theme = load_theme("mental-health-2019")
    found = [
        f
        for f in findings_for(book, children, notification, theme=theme)
        if f.kind == "held_waiting_for_bed"
    ]
    assert found
    for f in found:
        assert f.criteria[0] == "crisis_response" and "specialist_help" in f.criteria
        assert set(book.events.loc[list(f.event_ids), "kind"]) <= {"held", "start"}
        assert "for a place at Tier 4 beds" in f.evidence


def test_a_child_taken_off_the_list_is_not_still_waiting() -> None:
    from jtai_sim.inspection.casebook import casebook_from_run
    from jtai_sim.inspection.findings import all_hits

    run = simulate(scenario(HELD_IN + "\nleave_list_per_year = 20.0\n" + POOL), seed=4)
    book = casebook_from_run(run)
    hits = all_hits(book, run.scenario.start_date + dt.timedelta(days=2500))
    held = hits[hits["kind"] == "held_waiting_for_bed"]
    left = held[held["y"] == 2]
    assert len(left) > 10 and (held["y"] == 1).sum() > 10
    for ids in left["ids"]:
        assert list(book.events.loc[list(ids), "kind"]) == ["held", "exit"]


def test_a_case_list_records_where_a_child_waited(tmp_path: Path) -> None:
    from jtai_sim.errors import CaseListError
    from jtai_sim.inspection.cases_csv import load_case_list
    from jtai_sim.inspection.findings import findings_for
    from jtai_sim.inspection.theme import load_theme

    (tmp_path / "children.csv").write_text("child,age,mental_health\nA1,14,ill\n")
    (tmp_path / "agencies.csv").write_text("agency,kind,label\nt4,inpatient,Tier 4 beds\n")
    events = (
        "child,date,agency,kind,other,detail,value\n"
        "A1,2025-05-01 09:00,t4,arrive,,,\n"
        "A1,2025-05-01 09:00,t4,wait,,,\n"
        "A1,2025-05-01 09:00,t4,held,,paediatric_ward,\n"
        "A1,2025-05-05 09:00,t4,start,,,\n"
        "A1,2025-05-05 09:00,t4,held,,far_from_home,\n"
    )
    (tmp_path / "events.csv").write_text(events)
    book = load_case_list(tmp_path)
    found = findings_for(
        book,
        [int(book.children["child"].iloc[0])],
        dt.date(2025, 6, 2),
        theme=load_theme("mental-health-2019"),
    )
    kinds = {f.kind: f for f in found}
    assert {"held_waiting_for_bed", "admitted_far_from_home"} <= set(kinds)
    assert kinds["held_waiting_for_bed"].evidence == (
        "Waited on a paediatric ward from Thu 1 May 2025 for a place at Tier 4 beds, which came "
        "on Mon 5 May 2025, 4 days later."
    )
    (tmp_path / "events.csv").write_text(events.replace("paediatric_ward", "corridor"))
    with pytest.raises(CaseListError, match="held row needs the setting"):
        load_case_list(tmp_path)


# ------------------------------------------------------------------- old scenarios, bad values


def test_no_key_no_draws_and_the_same_log() -> None:
    plain = digest(simulate(scenario(), seed=2))
    idle = "shared = { other_areas_per_year = 0.0 }\nfar_from_home = 0.0"
    assert digest(simulate(scenario(idle), seed=2)) == plain
    assert len(rows(simulate(scenario(), seed=2), K.HELD)) == 0


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ("shared = { other_areas_per_year = -1.0 }", "shared.other_areas_per_year", ">= 0"),
        ("shared = { other_areas_per_year = 1.0, urgent = 2.0 }", "shared.urgent", "probability"),
        (
            "shared = { other_areas_per_year = 1.0, in_place_at_start = 41 }",
            "in_place_at_start",
            "40",
        ),
        ("held_in = { paediatric_ward = 0.5, home = 0.3 }", "held_in", "sum to 1"),
        ("held_in = { paediatric_ward = 0.5, corridor = 0.5 }", "held_in", "'corridor'"),
        ("held_in = { home = 1.5 }", "held_in", "probability"),
        ("far_from_home = -0.1", "far_from_home", "probability"),
    ],
)
def test_bad_values_are_one_line_errors_naming_the_key(extra: str, key: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario(extra)
    message = str(caught.value)
    assert "\n" not in message.strip()
    assert key in message and words in message, message


def test_a_pool_needs_places() -> None:
    with pytest.raises(ScenarioError, match="shared: needs places"):
        scenario_from_toml(BASE.format(days=10.0, own=1.0, extra=POOL).replace("staff = 40\n", ""))


def test_the_settings_are_the_vocabulary() -> None:
    assert set(SHARES) == set(WAITING_SETTINGS)
    assert int(HeldIn.HOME) not in UNSUITABLE_SETTINGS


# ------------------------------------------------------------------------ queueing theory

OTHERS_PER_YEAR = 180.0
QUEUE_DAYS = 10200.0  # 10,000 days after the warm-up
REPLICATIONS = 20


def test_a_pool_of_other_areas_matches_erlang_c() -> None:
    """With the area's children a negligible share (about 1 in 1,800 admissions), the pool
    is M/M/40 with arrivals at 180 a year and stays of 72 days: the time-average number
    waiting is Erlang C's ``C * rho / (1 - rho)`` and the number in beds the offered load
    (read from the engine once a day, as other areas' children write no rows)."""
    s = scenario(
        f"shared = {{ other_areas_per_year = {OTHERS_PER_YEAR}, in_place_at_start = 35 }}",
        days=QUEUE_DAYS,
        own=0.002,
    )
    rate = (OTHERS_PER_YEAR + 0.002 * 500000 / 10_000) / 365.25
    load = rate * 72.0

    def queue(servers: int) -> float:
        rho = load / servers
        return erlang_c(servers, load) * rho / (1 - rho)

    waiting, busy = [], []
    for replication in range(REPLICATIONS):
        engine = Engine(s, seed=11, replication=replication, log_events=False)
        desk = engine.desks[0]
        samples: list[tuple[int, int]] = []

        def sample(t: float, desk: Any = desk, samples: list[tuple[int, int]] = samples) -> None:
            if t > s.warmup_days:
                samples.append((desk.waiting, desk.busy))

        engine.run(progress=sample, step_days=1.0)
        w, b = np.mean(samples, axis=0)
        waiting.append(float(w))
        busy.append(float(b))
    lq = t_interval(waiting, 0.99)
    assert abs(lq.mean - queue(40)) <= lq.half_width, (lq, queue(40))
    assert abs(lq.mean - queue(39)) > lq.half_width  # one bed fewer would show
    in_beds = t_interval(busy, 0.99)
    assert abs(in_beds.mean - load) <= in_beds.half_width, (in_beds, load)
