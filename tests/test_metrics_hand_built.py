"""Metrics on logs built by hand: each figure can be worked out on paper."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from jtai_sim import load_scenario
from jtai_sim.calendar import calendar_for
from jtai_sim.results.clocktime import handoff_due
from jtai_sim.results.metrics import clocks, handoffs, key_metrics, utilisation, waits
from jtai_sim.results.record import RunRecord
from jtai_sim.simulation.eventlog import EventLog
from jtai_sim.vocabulary import KIND_OF_MODE, Completeness, EventKind, Origin

K = EventKind
# minimal starts on Tuesday 1 April 2025: clock day 6 is Monday 7 April
MONDAY = 6.0


def record_of(rows: list[tuple[float, int, str, EventKind, str | None, int, float]]) -> RunRecord:
    scenario = attrs.evolve(load_scenario("minimal"), warmup_days=0.0)
    index = {k: i for i, k in enumerate(scenario.agency_ids)}
    log = EventLog(scenario.agency_ids)
    for time, child, agency, kind, other, detail, value in sorted(rows, key=lambda r: r[0]):
        code = index[other] if other in index else (int(Origin.NEW) if other is None else -1)
        log.add(time, child, index[agency], int(kind), code, detail, value)
    return RunRecord(scenario, calendar_for(scenario), log.records())


def test_the_one_working_day_decision_counts_whole_days_by_date() -> None:
    record = record_of(
        [
            # decided the next working day, late in the day: within one working day
            (MONDAY + 0.4, 1, "front_door", K.ARRIVE, None, 0, 0.0),
            (MONDAY + 0.4, 1, "front_door", K.START, None, 0, 0.0),
            (MONDAY + 1.7, 1, "front_door", K.END, None, 0, 1.3),
            # decided two working days later: breached
            (MONDAY + 0.5, 2, "front_door", K.ARRIVE, None, 0, 0.0),
            (MONDAY + 0.5, 2, "front_door", K.WAIT, None, 0, 0.0),
            (MONDAY + 1.0, 2, "front_door", K.START, None, 0, 0.5),
            (MONDAY + 2.2, 2, "front_door", K.END, None, 0, 1.2),
            # never decided and still at the front door when the run ends: breached
            (MONDAY + 0.6, 3, "front_door", K.ARRIVE, None, 0, 0.0),
        ]
    )
    clock = clocks(record).set_index("clock").loc["front_door_decision"]
    assert (clock["started"], clock["met"], clock["breached"]) == (3, 1, 2)
    assert clock["mean_elapsed"] == pytest.approx(1.5)  # 1 and 2 whole working days
    wait = waits(record).set_index("agency").loc["front_door"]
    assert (wait["children"], wait["mean_days"], wait["waited_share"]) == (2, 0.25, 0.5)


def test_late_information_is_judged_against_its_pathway() -> None:
    scenario = load_scenario("minimal")
    (key, due), *_ = handoff_due(scenario.pathways).items()
    source, mode, to = key
    kind = KIND_OF_MODE[mode]
    record = record_of(
        [
            (MONDAY, 1, source, kind, to, int(Completeness.COMPLETE), due + 1.0),
            (MONDAY, 2, source, kind, to, int(Completeness.PARTIAL), 0.0),
            (MONDAY, 3, source, kind, to, int(Completeness.LOST), due + 5.0),
            (MONDAY, 4, source, kind, to, int(Completeness.NOT_RECORDED), 0.0),
        ]
    )
    row = handoffs(record).iloc[0]
    assert row["handoffs"] == 3  # the one not recorded is left out
    assert (row["complete_share"], row["partial_share"], row["lost_share"]) == pytest.approx(
        (1 / 3, 1 / 3, 1 / 3)
    )
    assert row["late_share"] == pytest.approx(1 / 3)  # lost information is never "late"
    metrics = key_metrics(record)
    assert metrics[f"handoff.{row['pathway']}.late_share"] == pytest.approx(1 / 3)
    assert metrics["clock.front_door_decision.started"] == 0


def test_a_family_dealt_with_together_takes_one_place() -> None:
    """At an agency that deals with families together, two brothers log a start and an
    end each but share one place; a child of another household has their own."""
    scenario = attrs.evolve(load_scenario("minimal"), warmup_days=0.0)
    front_door = attrs.evolve(scenario.agencies["front_door"], per_family=True)
    scenario = attrs.evolve(scenario, agencies={**scenario.agencies, "front_door": front_door})
    index = scenario.agency_ids.index("front_door")
    log = EventLog(scenario.agency_ids)
    rows = [
        (MONDAY, 1, K.START, 0.0),
        (MONDAY, 2, K.START, 0.0),
        (MONDAY, 3, K.START, 0.0),
        (MONDAY + 1.0, 1, K.END, 1.0),
        (MONDAY + 1.0, 2, K.END, 1.0),
        (MONDAY + 1.0, 3, K.END, 1.0),
    ]
    for time, child, kind, value in rows:
        log.add(time, child, index, int(kind), -1, 0, value)
    households = np.array([1, 1, 3])  # children 1 and 2 are brothers
    record = RunRecord(scenario, calendar_for(scenario), log.records(), households=households)
    busy = utilisation(record).set_index("agency").loc["front_door", "mean_in_service"]
    alone = RunRecord(scenario, calendar_for(scenario), log.records())
    counted = utilisation(alone).set_index("agency").loc["front_door", "mean_in_service"]
    # two places busy for one working day, against three when each brother is counted
    assert busy / counted == pytest.approx(2 / 3)
