"""The animation's frames: lists, caseloads and hand-offs per step, checked by hand."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.calendar import calendar_for
from jtai_sim.results.clocktime import handoff_due
from jtai_sim.results.flows import HANDOFF_COLUMNS, LATE, Route, flow_frames, step_for
from jtai_sim.results.record import RunRecord
from jtai_sim.simulation.eventlog import EventLog
from jtai_sim.vocabulary import KIND_OF_MODE, Completeness, EventKind, ExitReason, Origin

K = EventKind


def record_of(
    rows: list[tuple[float, int, str, EventKind, str | None, int, float]], days: float = 10.0
) -> RunRecord:
    scenario = attrs.evolve(load_scenario("minimal"), warmup_days=0.0, duration_days=days)
    index = {k: i for i, k in enumerate(scenario.agency_ids)}
    log = EventLog(scenario.agency_ids)
    for time, child, agency, kind, other, detail, value in sorted(rows, key=lambda r: r[0]):
        code = index[other] if other in index else (int(Origin.NEW) if other is None else -1)
        log.add(time, child, index[agency], int(kind), code, detail, value)
    return RunRecord(scenario, calendar_for(scenario), log.records())


def test_lists_and_caseloads_at_the_end_of_each_day_are_counted_by_hand() -> None:
    taken_off, merged, moved = (
        float(ExitReason.TAKEN_OFF),
        float(ExitReason.MERGED),
        float(ExitReason.MOVED),
    )
    record = record_of(
        [
            # seen at once on day 0, ends on day 2
            (0.2, 1, "front_door", K.ARRIVE, None, 0, 0.0),
            (0.2, 1, "front_door", K.START, None, 0, 0.0),
            (2.5, 1, "front_door", K.END, None, 0, 2.3),
            # waits from day 0 to day 3, in service until day 5, then leaves
            (0.4, 2, "front_door", K.ARRIVE, None, 0, 0.0),
            (0.4, 2, "front_door", K.WAIT, None, 0, 0.0),
            (3.1, 2, "front_door", K.START, None, 0, 2.7),
            (5.0, 2, "front_door", K.END, None, 0, 1.9),
            (5.0, 2, "front_door", K.EXIT, None, 1, float(ExitReason.LEFT)),
            # waits from day 1 and is taken off unseen on day 4
            (1.5, 3, "front_door", K.ARRIVE, None, 0, 0.0),
            (1.5, 3, "front_door", K.WAIT, None, 0, 1.0),
            (4.2, 3, "front_door", K.EXIT, None, 0, taken_off),
            # two referrals on one list: one starts on day 2, the other is merged then
            (1.0, 4, "front_door", K.ARRIVE, None, 0, 0.0),
            (1.0, 4, "front_door", K.WAIT, None, 0, 2.0),
            (1.2, 4, "front_door", K.ARRIVE, None, 0, 0.0),
            (1.2, 4, "front_door", K.WAIT, None, 0, 3.0),
            (2.0, 4, "front_door", K.START, None, 0, 1.0),
            (2.0, 4, "front_door", K.EXIT, None, 0, merged),
            # moved out of the area on day 6: one while waiting, one in service
            (0.5, 5, "front_door", K.ARRIVE, None, 0, 0.0),
            (0.5, 5, "front_door", K.WAIT, None, 0, 1.0),
            (6.5, 5, "front_door", K.EXIT, None, 0, moved),
            (0.6, 6, "front_door", K.ARRIVE, None, 0, 0.0),
            (0.6, 6, "front_door", K.START, None, 0, 0.0),
            (6.5, 6, "front_door", K.END, None, 0, 5.9),
            (6.5, 6, "front_door", K.EXIT, None, 0, moved),
        ]
    )
    frames = flow_frames(record)
    at = frames.agencies.index("front_door")
    assert frames.step_days == 1 and len(frames) == 10
    # by hand, at the end of days 0 to 9
    assert frames.waiting[:, at].tolist() == [2, 5, 3, 2, 1, 1, 0, 0, 0, 0]
    assert frames.in_service[:, at].tolist() == [2, 2, 2, 3, 3, 2, 1, 1, 1, 1]
    assert frames.arrivals[:, at].tolist() == [4, 3, 0, 0, 0, 0, 0, 0, 0, 0]
    assert frames.departures[:, at].tolist() == [0, 0, 2, 0, 1, 1, 2, 0, 0, 0]
    others = np.delete(frames.waiting + frames.in_service, at, axis=1)
    assert not others.any()


def test_a_step_of_several_days_keeps_the_state_at_its_end() -> None:
    rows: list[tuple[float, int, str, EventKind, str | None, int, float]] = [
        (0.5, 1, "front_door", K.ARRIVE, None, 0, 0.0),
        (0.5, 1, "front_door", K.WAIT, None, 0, 0.0),
        (8.5, 1, "front_door", K.START, None, 0, 8.0),
    ]
    frames = flow_frames(record_of(rows, days=20.0), step_days=7)
    at = frames.agencies.index("front_door")
    assert frames.day.tolist() == [0, 7, 14]
    assert frames.waiting[:, at].tolist() == [1, 0, 0]
    assert frames.in_service[:, at].tolist() == [0, 1, 1]
    assert str(frames.date_of(1)) == "2025-04-08"


def test_hand_offs_are_counted_by_completeness_and_lateness() -> None:
    scenario = load_scenario("minimal")
    (key, due), *_ = handoff_due(scenario.pathways).items()
    source, mode, to = key
    kind = KIND_OF_MODE[mode]
    record = record_of(
        [
            (1.0, 1, source, kind, to, int(Completeness.COMPLETE), due + 1.0),  # late
            (1.5, 2, source, kind, to, int(Completeness.COMPLETE), 0.0),
            (1.9, 3, source, kind, to, int(Completeness.PARTIAL), due + 0.5),  # late
            (3.0, 4, source, kind, to, int(Completeness.LOST), due + 5.0),  # never late
            (3.0, 5, source, kind, to, int(Completeness.NOT_RECORDED), 0.0),
        ]
    )
    frames = flow_frames(record)
    r = frames.routes.index(Route(source, mode, to))
    assert HANDOFF_COLUMNS == ("complete", "partial", "lost", "not_recorded", "late")
    assert frames.handoffs[1, r].tolist() == [2, 1, 0, 0, 2]
    assert frames.handoffs[3, r].tolist() == [0, 0, 1, 1, 0]
    assert frames.handoffs[:, r, LATE].sum() == 2
    assert frames.handoffs.sum() == 5 + 2  # every hand-off once, the late ones again


def naive_states(record: RunRecord, step: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Lists and caseloads at the end of each step, walking the log a row at a time."""
    size = len(record.agency_ids)
    waiting, serving = np.zeros(size, int), np.zeros(size, int)
    out_w, out_s = np.zeros((n, size), int), np.zeros((n, size), int)
    ended: set[tuple[int, int, float]] = set()
    rows = record.log.tolist()
    for time, child, agency, kind, _other, _detail, _value in rows:
        if kind == K.END:
            ended.add((child, agency, time))
    f = 0
    for time, child, agency, kind, _other, _detail, value in rows:
        while time >= (f + 1) * step and f < n - 1:
            out_w[f], out_s[f] = waiting, serving
            f += 1
        if kind == K.ARRIVE:
            waiting[agency] += 1
        elif kind == K.START:
            waiting[agency] -= 1
            serving[agency] += 1
        elif kind == K.END:
            serving[agency] -= 1
        elif kind == K.EXIT and value != ExitReason.LEFT:
            cut_short = value == ExitReason.MOVED and (child, agency, time) in ended
            waiting[agency] -= 0 if cut_short else 1
    out_w[f:], out_s[f:] = waiting, serving
    return out_w, out_s


@pytest.mark.parametrize(("name", "days"), [("minimal", 120.0), ("midshire", 40.0)])
def test_a_simulated_run_matches_a_walk_through_its_log(name: str, days: float) -> None:
    run = simulate(load_scenario(name), seed=4, days=days)
    frames = flow_frames(run.record, step_days=3)
    waiting, serving = naive_states(run.record, 3, len(frames))
    assert (frames.waiting == waiting).all()
    assert (frames.in_service == serving).all()
    assert frames.waiting.min() >= 0 and frames.in_service.min() >= 0
    # conservation: what is open is what arrived less what left
    opened = (frames.arrivals - frames.departures).cumsum(axis=0)
    assert (frames.waiting + frames.in_service == opened).all()
    # every hand-off row of a known pathway is counted once
    rec = run.record.log
    sent = np.isin(rec["kind"], [int(k) for k in KIND_OF_MODE.values()]).sum()
    assert frames.handoffs[:, :, :LATE].sum() == sent


def test_long_runs_are_played_in_longer_steps() -> None:
    assert step_for(800) == 1 and step_for(801) == 2
    assert step_for(3 * 365) == 2 and step_for(10 * 365) == 7
    assert step_for(100 * 365) == 56
    for days in (1, 799, 5_000, 50_000):
        assert days / step_for(days) <= 800
