"""Outside the home: attendance at multi-agency meetings, missing episodes and return
home interviews, exploitation screening and meetings."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from jtai_sim import ScenarioError, load_scenario, simulate
from jtai_sim.inspection.casebook import casebook_from_run
from jtai_sim.inspection.findings import all_hits, evidence, findings_for
from jtai_sim.inspection.partners import PARTNERS
from jtai_sim.inspection.theme import load_theme
from jtai_sim.results.clocktime import LogColumns, clock_instances
from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.vocabulary import PARTNER_KEYS, EventKind, PartnerCode

MH = load_theme("mental-health-2019")

MEETING = """
name = "Strategy discussions"
duration_days = 200.0
start_date = 2025-04-01
[demand.concerns]
agency = "strategy"
rate_per_10k_per_year = 2000.0
profile = {{ at_risk = 1.0 }}
[agencies.strategy]
kind = "strategy"
label = "Strategy discussion"
staff = 10
service = {{ mean_days = 2.0 }}
{attendance}
[agencies.conference]
kind = "conference"
staff = 10
service = {{ mean_days = 5.0 }}
[[pathways]]
from = "strategy"
to = "conference"
probability = 0.5
"""


def meeting(attendance: str) -> str:
    return MEETING.format(attendance=attendance)


def _run(text: str, seed: int = 4):  # type: ignore[no-untyped-def]
    return simulate(scenario_from_toml(text), seed=seed)


def test_a_strategy_discussion_without_health_is_a_finding_citing_its_attend_rows() -> None:
    run = _run(meeting("attendance = { police = 1.0, health = 0.0 }"))
    book = casebook_from_run(run)
    day = dt.date(2025, 10, 1)
    hits = all_hits(book, day)
    meetings = hits[hits["kind"].isin(["partner_absent", "partners_present"])]
    assert len(meetings) > 50
    assert set(meetings["kind"]) == {"partner_absent"}
    assert set(meetings["subject"]) == {"Strategy discussion held without health"}
    kids = [int(c) for c in meetings["child"].unique()[:10]]
    found = [f for f in findings_for(book, kids, day, theme=MH) if f.kind == "partner_absent"]
    assert found
    for f in found:
        rows = book.events.loc[list(f.event_ids)]
        assert (rows["kind"] == "attend").all() and (rows["child"] == f.child).all()
        absent = rows[rows["value"] == 0.0]
        assert absent["detail"].tolist() == [int(PartnerCode.HEALTH)]
        assert set(f.criteria) >= {"joint_decisions", "information_sharing"}
        assert "health did not attend; the police attended" in f.evidence
        assert not f.strength


def test_every_partner_there_is_a_strength_and_no_absence() -> None:
    run = _run(meeting("attendance = { police = 1.0, health = 1.0, schools = 1.0 }"))
    book = casebook_from_run(run)
    hits = all_hits(book, dt.date(2025, 10, 1))
    meetings = hits[hits["kind"].isin(["partner_absent", "partners_present"])]
    assert len(meetings) > 50 and set(meetings["kind"]) == {"partners_present"}
    assert meetings["strength"].all()
    h = next(meetings.itertuples(index=False))
    assert "every partner invited attended (health, the police and education)" in evidence(book, h)


def test_attendance_follows_its_probabilities() -> None:
    chances = {"police": 0.9, "health": 0.3, "youth_justice": 0.6}
    table = ", ".join(f"{k} = {v}" for k, v in chances.items())
    ev = _run(meeting(f"attendance = {{ {table} }}")).events
    rows = ev[ev["kind"] == "attend"]
    starts = ev[(ev["kind"] == "start") & (ev["agency"] == "strategy")]
    # one row per invited partner per meeting, at the moment service starts
    assert len(rows) == len(chances) * len(starts)
    assert set(rows["time"]) == set(starts["time"])
    for key, p in chances.items():
        came = rows.loc[rows["detail"] == int(PartnerCode.from_key(key)), "value"]
        n = len(came)
        assert n > 500
        assert abs(came.mean() - p) < 4 * math.sqrt(p * (1 - p) / n), key


def test_no_attendance_key_means_no_draws_and_no_rows() -> None:
    without = _run(meeting("")).log.records()
    with_it = _run(meeting("attendance = { police = 0.5, health = 0.5 }")).log.records()
    assert not (without["kind"] == int(EventKind.ATTEND)).any()
    # the meeting draws from its own stream: every other row is exactly as before
    others = with_it[with_it["kind"] != int(EventKind.ATTEND)]
    assert others.tobytes() == without.tobytes()


def test_a_bad_attendance_table_is_refused_in_one_line() -> None:
    for table, words in (
        ("{ polic = 0.5 }", "partners are social_care, health, police"),
        ("{ police = 1.5 }", "must be a probability between 0 and 1, got 1.5"),
        ("{}", "needs at least one partner"),
    ):
        with pytest.raises(ScenarioError) as caught:
            scenario_from_toml(meeting(f"attendance = {table}"))
        message = str(caught.value)
        assert len(message.splitlines()) == 1 and "attendance" in message and words in message


def test_the_partner_codes_are_the_letters_partners() -> None:
    assert tuple(PARTNERS) == PARTNER_KEYS
    assert PartnerCode.HEALTH.word == "health" and PartnerCode.SCHOOLS.word == "education"


# ---------------------------------------------------------------- missing episodes

MISSING = """
name = "Missing episodes"
duration_days = 300.0
start_date = 2025-04-01
[demand.reports]
agency = "missing"
rate_per_10k_per_year = 500.0
profile = {{ missing = 1.0 }}
[agencies.missing]
kind = "missing_episode"
service = {{ kind = "exponential", mean_days = 1.0 }}
[agencies.rhi]
kind = "return_interview"
staff = 1
working = "office"
service = {{ kind = "exponential", mean_days = {rhi_days} }}
[[pathways]]
from = "missing"
to = "rhi"
mode = "parallel"
probability = {offered}
[clocks.rhi_72h]
label = "Return home interview within 72 hours"
start = {{ agency = "missing", event = "end" }}
stop = {{ agency = "rhi", event = "start" }}
limit = 72.0
unit = "hours"
owed_to_all = {owed}
"""


def outcomes(text: str) -> dict[str, int]:
    run = _run(text)
    s = run.scenario
    m = clock_instances(
        LogColumns.of_records(run.log.records()),
        run.calendar,
        s.clocks,
        {k: i for i, k in enumerate(s.agency_ids)},
        s.duration_days,
    )
    return {str(k): int(v) for k, v in m["outcome"].value_counts().items()}


def test_an_interview_never_offered_breaches_the_72_hour_clock_when_it_is_owed() -> None:
    owed = outcomes(MISSING.format(rhi_days=0.2, offered=0.0, owed="true"))
    assert owed.get("breached", 0) > 50 and not owed.get("met")
    # without owed_to_all the clock rule sees a child who never waited for one
    not_owed = outcomes(MISSING.format(rhi_days=0.2, offered=0.0, owed="false"))
    assert not not_owed.get("breached") and not_owed.get("not_reached", 0) > 50


def test_a_slow_interview_service_breaches_and_a_quick_one_mostly_meets() -> None:
    slow = outcomes(MISSING.format(rhi_days=10.0, offered=1.0, owed="true"))
    quick = outcomes(MISSING.format(rhi_days=0.05, offered=1.0, owed="true"))
    assert slow.get("breached", 0) > 3 * slow.get("met", 0)
    assert quick.get("met", 0) > 5 * quick.get("breached", 0)


def test_a_late_return_interview_is_a_finding() -> None:
    book = casebook_from_run(_run(MISSING.format(rhi_days=10.0, offered=1.0, owed="true")))
    day = dt.date(2026, 1, 15)
    hits = all_hits(book, day)
    late = hits[hits["kind"] == "late_return_interview"]
    assert len(late) > 10
    kids = [int(c) for c in late["child"].unique()[:5]]
    found = [
        f for f in findings_for(book, kids, day, theme=MH) if f.kind == "late_return_interview"
    ]
    assert found and all(set(f.criteria) == {"timely_help", "police"} for f in found)
    first = book.events.loc[found[0].event_ids[0]]
    assert first["kind"] == "end" and first["agency"] == "missing"


# ---------------------------------------------------------------- Midshire


@pytest.fixture(scope="module")
def midshire_run():  # type: ignore[no-untyped-def]
    return simulate(load_scenario("midshire"), seed=11, days=400)


def test_midshire_holds_strategy_meetings_missing_episodes_and_mace(midshire_run) -> None:  # type: ignore[no-untyped-def]
    ev = midshire_run.events
    arrivals = ev[ev["kind"] == "arrive"]["agency"].value_counts()
    for agency in (
        "missing_episode",
        "return_interview",
        "exploitation_screening",
        "exploitation_meeting",
    ):
        assert arrivals.get(agency, 0) > 10, agency
    rows = ev[ev["kind"] == "attend"]
    assert set(rows["agency"].astype(str)) == {"strategy", "exploitation_meeting"}
    health = rows[(rows["agency"] == "strategy") & (rows["detail"] == int(PartnerCode.HEALTH))]
    assert 0.5 < health["value"].mean() < 0.7
    assert "return_interview_72h" in midshire_run.scenario.clocks


def test_midshire_journeys_outside_the_home_all_close(midshire_run) -> None:  # type: ignore[no-untyped-def]
    """Conservation: every arrival at the new agencies leaves it or is still there."""
    rec = midshire_run.log.records()
    index = {k: i for i, k in enumerate(midshire_run.scenario.agency_ids)}
    for agency in ("missing_episode", "return_interview", "exploitation_screening"):
        here = rec["agency"] == index[agency]
        arrived = int(((rec["kind"] == int(EventKind.ARRIVE)) & here).sum())
        ended = int(((rec["kind"] == int(EventKind.END)) & here).sum())
        started = int(((rec["kind"] == int(EventKind.START)) & here).sum())
        assert arrived >= started >= ended and arrived - ended < 0.1 * arrived + 5, agency
    assert np.all(rec["detail"][rec["kind"] == int(EventKind.ATTEND)] < len(PartnerCode))


# ---------------------------------------------------------------- words and case lists


def test_every_event_kind_has_words_in_the_chronology() -> None:
    from runner.mockweek.chronology import describe_event

    for kind in EventKind:
        row = {"kind": kind.key, "agency": "strategy", "other": "police", "origin": "new"}
        row |= {"detail": 1, "value": 0.0}
        words = describe_event(row, {"strategy": "Strategy discussion", "police": "Police"})
        assert words != f"{kind.key} at Strategy discussion", kind
    row = {"kind": "attend", "agency": "strategy", "other": None, "detail": 1, "value": 0.0}
    assert describe_event(row, {"strategy": "Strategy discussion"}) == (
        "Health did not attend the meeting at Strategy discussion"
    )


def test_a_case_list_records_who_attended_and_it_gives_the_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jtai_sim.errors import CaseListError
    from jtai_sim.inspection.cases_csv import load_case_list

    (tmp_path / "children.csv").write_text("child,age,mental_health\nA1,12,none\n")
    (tmp_path / "agencies.csv").write_text("agency,kind,label\nsd,strategy,Strategy discussion\n")
    events = (
        "child,date,agency,kind,other,detail,value\n"
        "A1,2025-05-01 09:00,sd,arrive,,,\n"
        "A1,2025-05-01 10:00,sd,start,,,\n"
        "A1,2025-05-01 10:00,sd,attend,,police,1\n"
        "A1,2025-05-01 10:00,sd,attend,,health,0\n"
        "A1,2025-05-01 10:00,sd,attend,,education,1\n"
        "A1,2025-05-09 10:00,sd,end,,,\n"
    )
    (tmp_path / "events.csv").write_text(events)
    book = load_case_list(tmp_path)
    child = int(book.children["child"].iloc[0])
    found = findings_for(book, [child], dt.date(2025, 6, 2), theme=MH)
    absent = [f for f in found if f.kind == "partner_absent"]
    assert len(absent) == 1
    assert absent[0].subject == "Strategy discussion held without health"
    assert "the police and education attended" in absent[0].evidence
    (tmp_path / "events.csv").write_text(events.replace("health,0", "helth,0"))
    with pytest.raises(CaseListError, match="attend row needs the partner"):
        load_case_list(tmp_path)


def test_a_case_list_with_missing_episodes_is_held_to_the_72_hours(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jtai_sim.inspection.cases_csv import load_case_list

    (tmp_path / "children.csv").write_text("child,age,mental_health\nB1,14,none\nB2,15,none\n")
    (tmp_path / "agencies.csv").write_text(
        "agency,kind,label\nmp,missing_episode,Missing\nrhi,return_interview,Interviews\n"
    )
    (tmp_path / "events.csv").write_text(
        "child,date,agency,kind,other,detail,value\n"
        "B1,2025-05-01 20:00,mp,arrive,,,\nB1,2025-05-01 20:00,mp,start,,,\n"
        "B1,2025-05-02 08:00,mp,end,,,\n"
        "B2,2025-05-05 20:00,mp,arrive,,,\nB2,2025-05-05 20:00,mp,start,,,\n"
        "B2,2025-05-06 08:00,mp,end,,,\nB2,2025-05-06 09:00,rhi,arrive,,,\n"
        "B2,2025-05-07 10:00,rhi,start,,,\nB2,2025-05-07 11:00,rhi,end,,,\n"
    )
    book = load_case_list(tmp_path)
    assert book.clocks["return_interview_72h"].owed_to_all
    hits = all_hits(book, dt.date(2025, 6, 2))
    clock = hits[hits["key"] == "return_interview_72h"].set_index("child")["kind"]
    ids = dict(zip(book.children["reference"], book.children["child"], strict=True))
    assert clock[ids["B1"]] == "late_return_interview"  # never offered one
    assert clock[ids["B2"]] == "help_within_standard"  # 26 hours after the return
