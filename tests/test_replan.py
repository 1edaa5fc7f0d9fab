"""Re-planning the on-site week when someone drops out: the past stays, the rest moves as
little as the rules allow, every rule still holds (the independent checker), and the
changes name who must be told."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.inspection import casebook_from_run, eligible_cohort, select
from runner.mockweek.checker import check_timetable
from runner.mockweek.replan import Replan, changes_words, replan_week
from runner.mockweek.settings import default_settings
from runner.mockweek.timetable import Timetable, solve_week
from runner.mockweek.week import plan_week

NOTIFY = dt.date(2026, 2, 3)
WEEK = tuple(dt.date(2026, 2, 16) + dt.timedelta(days=i) for i in range(5))
WEDNESDAY = 2


@pytest.fixture(scope="module")
def week() -> Timetable:
    book = casebook_from_run(simulate(load_scenario("minimal"), seed=3))
    selection = select(book, eligible_cohort(book, NOTIFY), NOTIFY, seed=1)
    settings = attrs.evolve(default_settings(), absence_rate=0.0)
    return solve_week(plan_week(book, selection, settings, WEEK, seed=1))


def _busiest(week: Timetable, from_day: int) -> str:
    later = [b.inspector for b in week.bookings if b.day >= from_day]
    return max(sorted(set(later)), key=later.count)


@pytest.fixture(scope="module")
def ill(week: Timetable) -> tuple[str, Replan]:
    """The busiest inspector from Wednesday falls ill on Wednesday morning."""
    who = _busiest(week, WEDNESDAY)
    away = frozenset(range(WEDNESDAY, week.plan.days))
    return who, replan_week(week, {who: away}, from_day=WEDNESDAY)


def test_the_re_planned_week_keeps_every_rule_and_the_past(
    week: Timetable, ill: tuple[str, Replan]
) -> None:
    who, replan = ill
    new = replan.timetable
    check_timetable(new)
    assert len(new.bookings) == len(week.bookings)
    past = {b for b in week.bookings if b.day < WEDNESDAY}
    assert past <= set(new.bookings)
    # nothing still to come moves into the days already gone
    assert {b for b in new.bookings if b.day < WEDNESDAY} == past
    assert not [b for b in new.bookings if b.inspector == who and b.day >= WEDNESDAY]
    assert new.plan.is_away(who, WEDNESDAY) and not new.plan.is_away(who, WEDNESDAY - 1)


def test_it_changes_far_fewer_sessions_than_a_new_timetable(
    week: Timetable, ill: tuple[str, Replan]
) -> None:
    who, replan = ill
    theirs = [b for b in week.bookings if b.inspector == who and b.day >= WEDNESDAY]
    assert theirs, "the inspector had sessions to lose"
    # every session the ill inspector held must change; little else need
    changed = {c.session for c in replan.changes}
    assert {b.session for b in theirs} <= changed
    fresh = solve_week(replan.timetable.plan)
    before = {b.session: b for b in week.bookings}
    moved_fresh = sum(1 for b in fresh.bookings if before[b.session] != b)
    assert len(replan.changes) < moved_fresh / 2
    assert len(replan.changes) <= len(theirs) + 4


def test_each_change_says_what_moved_and_who_to_tell(ill: tuple[str, Replan]) -> None:
    who, replan = ill
    plan = replan.timetable.plan
    words = changes_words(plan, replan.changes)
    assert len(words) == len(replan.changes)
    for change, line in zip(replan.changes, words, strict=True):
        assert change.before.inspector in change.tell and change.after.inspector in change.tell
        assert line.startswith(f"{change.session}: {change.what}")
        session = next(s for s in plan.sessions if s.id == change.session)
        assert set(session.people) <= set(change.tell)
    assert any(who in line for line in words)


def test_the_same_drop_out_gives_the_same_re_plan(week: Timetable, ill: tuple[str, Replan]) -> None:
    who, replan = ill
    again = replan_week(week, {who: frozenset(range(WEDNESDAY, 5))}, from_day=WEDNESDAY)
    assert again.timetable.bookings == replan.timetable.bookings


def test_a_practitioner_called_away_moves_only_their_sessions_and_what_they_touch(
    week: Timetable,
) -> None:
    later = [b for b in week.bookings if b.day >= WEDNESDAY]
    people: dict[str, int] = {}
    by_id: dict[str, Any] = {s.id: s for s in week.plan.sessions}
    for b in later:
        for p in by_id[b.session].people:
            if p.startswith("practitioner:"):
                people[p] = people.get(p, 0) + 1
    who = max(sorted(people), key=lambda p: people[p])
    days = frozenset({b.day for b in later if who in by_id[b.session].people})
    replan = replan_week(week, {who: days}, from_day=WEDNESDAY)
    check_timetable(replan.timetable)
    for b in replan.timetable.bookings:
        if who in by_id[b.session].people:
            assert b.day not in days
    assert len(replan.changes) >= people[who]


def test_sessions_with_no_time_left_are_cancelled_and_the_rest_re_planned(
    week: Timetable,
) -> None:
    """Every inspector away from Wednesday: nothing still to come can be held, so each
    such session is listed as cancelled (with who to tell), and the days before stay."""
    everyone = {i.name: frozenset(range(WEDNESDAY, 5)) for i in week.plan.inspectors}
    replan = replan_week(week, everyone, from_day=WEDNESDAY)
    to_come = {b.session for b in week.bookings if b.day >= WEDNESDAY}
    cancelled = {c.session for c in replan.changes if c.what == "cancelled"}
    assert cancelled == to_come
    assert all(c.after is None for c in replan.changes)
    check_timetable(replan.timetable)  # the sessions left are a sound week
    assert {b.session for b in replan.timetable.bookings} == {
        b.session for b in week.bookings if b.day < WEDNESDAY
    }
    words = changes_words(week.plan, replan.changes)
    assert all(": cancelled: was " in line for line in words)


def test_mock_week_re_plans_for_the_drop_outs_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from runner.cli import cli

    drop = tmp_path / "drop.csv"
    drop.write_text("who,date,until\ninspector:HMICFRS 2,2026-02-18,2026-02-20\n")
    out = tmp_path / "pack"
    args = ["mock-week", "minimal", "--notify", "2026-02-03", "--seed", "3", "-q"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--drop-outs", str(drop)])
    assert result.exit_code == 0, result.output
    changes = pd.read_csv(out / "changes.csv")
    assert len(changes) > 0
    assert (changes["inspector_after"] != "HMICFRS 2").all()
    assert set(changes["change"]) <= {
        "moved",
        "another inspector",
        "moved, another inspector",
        "room",
        "cancelled",
    }
    replanned = pd.read_csv(out / "timetable-replanned.csv")
    late = replanned[replanned["date"] >= "2026-02-18"]
    assert not late["inspector"].eq("HMICFRS 2").any()
    page = (out / "index.html").read_text()
    assert "Re-planned after a drop-out" in page and "Away from Wednesday 18 February" in page
    # a name nobody has: one line, exit 2, no pack
    drop.write_text("who,date\ninspector:Nobody,2026-02-18\n")
    bad = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "bad"), "--drop-outs", str(drop)])
    assert bad.exit_code == 2
    assert "drop.csv:2: who: nobody called 'inspector:Nobody'" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    assert not (tmp_path / "bad").exists()


def test_a_day_outside_the_week_is_refused(week: Timetable) -> None:
    with pytest.raises(ValueError, match="from_day must be an on-site day"):
        replan_week(week, {}, from_day=5)
