"""Attendance at multi-agency meetings: who comes to a strategy discussion.

An agency with an ``attendance`` table holds a meeting as each child's service
starts; each invited partner attends with its chance, drawn from its own stream,
and the log has one ATTEND row per partner. A partner absent is the finding
``partner_absent`` for the child; a scenario without the table draws nothing and
logs nothing new.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from jtai_sim import EventKind, simulate
from jtai_sim.errors import ScenarioError
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.findings import all_hits
from jtai_sim.inspection.partners import PARTNERS
from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.vocabulary import PARTNER_KEYS, PartnerCode

BASE = """
name = "Strategy discussions"
duration_days = 400.0
children = 10000
seed = 11

[demand.concerns]
agency = "strategy"
rate_per_10k_per_year = 1000.0

[agencies.strategy]
kind = "strategy"
staff = 50
service = { mean_days = 5.0 }
ATTENDANCE
"""


def scenario(attendance: str | None) -> str:
    line = "" if attendance is None else f"attendance = {attendance}"
    return BASE.replace("ATTENDANCE", line)


def attend_rows(run):  # type: ignore[no-untyped-def]
    rec = run.log.records()
    return rec[rec["kind"] == int(EventKind.ATTEND)]


def test_partner_keys_are_the_partners_of_a_letter() -> None:
    assert tuple(PARTNERS) == PARTNER_KEYS


def test_attendance_rates_are_near_the_chances_set() -> None:
    chances = {"police": 0.9, "health": 0.55, "schools": 0.6}
    run = simulate(scenario_from_toml(scenario("{ police = 0.9, health = 0.55, schools = 0.6 }")))
    rows = attend_rows(run)
    starts = run.log.records()
    starts = starts[starts["kind"] == int(EventKind.START)]
    assert len(rows) == 3 * len(starts)  # one row per partner per meeting
    for key, p in chances.items():
        came = rows["value"][rows["detail"] == int(PartnerCode.from_key(key))]
        n = len(came)
        assert n > 500
        # within four standard errors of the chance set
        assert abs(came.mean() - p) < 4 * np.sqrt(p * (1 - p) / n), key


def test_a_partner_who_never_comes_gives_partner_absent() -> None:
    run = simulate(scenario_from_toml(scenario("{ police = 1.0, health = 0.0 }")))
    rows = attend_rows(run)
    health = rows[rows["detail"] == int(PartnerCode.HEALTH)]
    police = rows[rows["detail"] == int(PartnerCode.POLICE)]
    assert len(health) and (health["value"] == 0.0).all()
    assert (police["value"] == 1.0).all()
    book = casebook_from_run(run)
    day = book.calendar.start_date + dt.timedelta(days=390)
    child = int(health["child"][0])
    hits = all_hits(book, day, [child])
    absent = hits[hits["kind"] == "partner_absent"]
    assert len(absent) >= 1
    assert "without health" in absent["subject"].iloc[0]
    cited = book.events.loc[list(absent["ids"].iloc[0])]
    assert (cited["kind"].astype(str) == "attend").all()
    assert "partners_present" not in set(hits["kind"])


def test_without_the_key_no_rows_and_the_log_is_unchanged() -> None:
    plain = simulate(scenario_from_toml(scenario(None)))
    assert len(attend_rows(plain)) == 0
    again = simulate(scenario_from_toml(scenario(None)))
    assert plain.log.records().tobytes() == again.log.records().tobytes()
    # meetings add rows but take no draws from any other stream: removing the ATTEND
    # rows gives the log without them, byte for byte
    met = simulate(scenario_from_toml(scenario("{ police = 0.5 }")))
    rec = met.log.records()
    assert rec[rec["kind"] != int(EventKind.ATTEND)].tobytes() == plain.log.records().tobytes()


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("{ police = 1.5 }", "probability"),
        ("{ polise = 0.5 }", "partners are"),
        ("{}", "at least one partner"),
    ],
)
def test_bad_attendance_is_refused(table: str, says: str) -> None:
    with pytest.raises(ScenarioError, match=says):
        scenario_from_toml(scenario(table))
