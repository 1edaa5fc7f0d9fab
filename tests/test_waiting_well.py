"""Waiting well: interim support and re-triage for children on a waiting list."""

from __future__ import annotations

import numpy as np

from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.simulation.engine import Engine
from jtai_sim.vocabulary import EventKind

BASE = """
name = "Waiting well"
duration_days = 730.0
[demand.d]
agency = "camhs"
rate_per_10k_per_year = 1500.0
profile = {{ mental_health = [0.5, 0.5, 0.0] }}
[agencies.camhs]
staff = 2
caseload = 5
service = {{ mean_days = 60.0 }}
deterioration_while_waiting = true
support = true
{extra}
[agencies.crisis]
service = {{ mean_days = 2.0 }}
[mental_health]
deterioration_per_year_waiting = 2.0
crisis_per_year_waiting = 1.0
crisis_agency = "crisis"
"""


def _run(extra: str, seed: int = 5) -> Engine:
    engine = Engine(scenario_from_toml(BASE.format(extra=extra)), seed=seed)
    engine.run()
    return engine


def _kinds(engine: Engine) -> np.ndarray:
    return np.asarray(engine.log.arrays()["kind"])


def test_interim_support_means_less_worsening_while_waiting() -> None:
    supported = _run(
        "while_waiting = { interim_support = 1.0, interim_after_days = 7.0, "
        "deterioration_factor = 0.2, crisis_factor = 0.2 }"
    )
    unsupported = _run("while_waiting = { interim_support = 0.0 }")
    worse = [int((_kinds(e) == int(EventKind.DETERIORATE)).sum()) for e in (supported, unsupported)]
    crises = [int((_kinds(e) == int(EventKind.CRISIS)).sum()) for e in (supported, unsupported)]
    assert (_kinds(supported) == int(EventKind.INTERIM)).sum() > 50
    assert not (_kinds(unsupported) == int(EventKind.INTERIM)).any()
    assert worse[0] < 0.75 * worse[1], worse
    assert crises[0] < 0.75 * crises[1], crises


def test_interim_rows_only_for_children_still_waiting() -> None:
    engine = _run("while_waiting = { interim_support = 0.5, interim_after_days = 10.0 }")
    cols = engine.log.arrays()
    kind, child, time = (np.asarray(cols[k]) for k in ("kind", "child", "time"))
    interim = np.flatnonzero(kind == int(EventKind.INTERIM))
    assert len(interim) > 20
    for i in interim:
        rows = np.flatnonzero(child == child[i])
        waits = rows[kind[rows] == int(EventKind.WAIT)]
        joined = time[waits][time[waits] <= time[i]].max()
        assert abs(time[i] - joined - 10.0) < 1e-9 or time[i] - joined > 10.0 - 1e-9
        later = rows[(time[rows] >= joined) & (time[rows] < time[i])]
        stops = (int(EventKind.START), int(EventKind.EXIT))
        assert not np.isin(kind[later], stops).any(), "interim support after the wait ended"


def test_no_key_no_rows_and_same_log() -> None:
    before = _run("")
    again = _run("")
    off = _run("while_waiting = { interim_support = 0.0 }")
    a, b = before.log.arrays(), again.log.arrays()
    for key in a:
        assert np.array_equal(np.asarray(a[key]), np.asarray(b[key]))
    kinds = _kinds(before)
    assert not np.isin(kinds, [int(EventKind.INTERIM), int(EventKind.RETRIAGE)]).any()
    # a table with nothing switched on draws nothing from the old streams either
    c = off.log.arrays()
    for key in a:
        assert np.array_equal(np.asarray(a[key]), np.asarray(c[key]))


def test_retriage_moves_unwell_children_to_urgent() -> None:
    engine = _run("while_waiting = { retriage_every_days = 14.0 }")
    cols = engine.log.arrays()
    kind, detail = np.asarray(cols["kind"]), np.asarray(cols["detail"])
    retriage = kind == int(EventKind.RETRIAGE)
    assert retriage.sum() > 50
    assert (detail[retriage] == 1).sum() > 5
    # escalated children start before the routine ones who joined with them: urgent
    # starts exist though nothing arrives urgent
    starts = kind == int(EventKind.START)
    assert (detail[starts] == 1).any()
    arrivals = kind == int(EventKind.ARRIVE)
    assert not (detail[arrivals] == 1).any()


def test_findings_supported_and_unsupported_waits() -> None:
    import datetime as dt

    from jtai_sim import simulate
    from jtai_sim.inspection.casebook import casebook_from_run
    from jtai_sim.inspection.findings import all_hits

    scenario = scenario_from_toml(
        BASE.format(extra="while_waiting = { interim_support = 0.5, interim_after_days = 14.0 }")
    )
    book = casebook_from_run(simulate(scenario, seed=5))
    hits = all_hits(book, scenario.start_date + dt.timedelta(days=700))
    kinds = set(hits["kind"])
    assert {"supported_while_waiting", "waited_without_support"} <= kinds
    supported = hits[hits["kind"] == "supported_while_waiting"]
    assert supported["strength"].all()
    unsupported = hits[hits["kind"] == "waited_without_support"]
    assert not unsupported["strength"].any()
    assert (unsupported["x"] > 28.0).all()
    # a child with interim support in a wait is not also found waiting without it
    both = set(zip(supported["child"], supported["t2"], strict=True)) & set(
        zip(unsupported["child"], unsupported["t2"], strict=True)
    )
    assert not both


def test_a_child_moved_up_the_list_when_worse_is_a_strength() -> None:
    """Re-triage that finds a waiting child worse and makes them urgent is a finding
    (a strength), citing the arrival and the re-triage row; re-triage that changes
    nothing is not."""
    import datetime as dt

    from jtai_sim import simulate
    from jtai_sim.inspection.casebook import casebook_from_run
    from jtai_sim.inspection.findings import all_hits

    scenario = scenario_from_toml(
        BASE.format(extra="while_waiting = { retriage_every_days = 14.0 }")
    )
    run = simulate(scenario, seed=5)
    book = casebook_from_run(run)
    hits = all_hits(book, scenario.start_date + dt.timedelta(days=700))
    up = hits[hits["kind"] == "escalated_while_waiting"]
    assert len(up) > 5 and up["strength"].all()
    rows = book.events.loc[[i for ids in up["ids"] for i in ids]]
    assert set(rows["kind"]) == {"arrive", "retriage"}
    retriaged = rows[rows["kind"] == "retriage"]
    assert (retriaged["detail"] == 1).all()
    # without re-triage, no such finding
    plain = scenario_from_toml(BASE.format(extra=""))
    none = all_hits(
        casebook_from_run(simulate(plain, seed=5)), plain.start_date + dt.timedelta(days=700)
    )
    assert "escalated_while_waiting" not in set(none["kind"])
