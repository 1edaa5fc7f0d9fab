"""Week 1: the meetings planned during the on-site week and the data request, from the records."""

from __future__ import annotations

import datetime as dt

import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.model import CaseBook
from jtai_sim.inspection.timeline import inspection_calendar
from runner.mockweek.request import REVIEW_PATTERN, data_request, planned_meetings

NOTIFY = dt.date(2025, 6, 3)


@pytest.fixture(scope="module")
def book() -> CaseBook:
    scenario = load_scenario("midshire")
    days = (NOTIFY - scenario.start_date).days + 1
    return casebook_from_run(simulate(scenario, seed=scenario.seed, days=days))


def test_planned_reviews_fall_on_site_for_open_plans_on_their_pattern(book: CaseBook) -> None:
    cal = inspection_calendar(NOTIFY, book.calendar)
    meetings = planned_meetings(book, NOTIFY, cal.on_site)
    assert meetings, "a partnership this size has reviews due in any week"
    assert meetings == sorted(meetings, key=lambda m: (m.date, m.kind, m.child))
    until = book.calendar.day_of(NOTIFY) + 1.0
    ev = book.events[book.events["time"] < until]
    for m in meetings:
        assert m.date in cal.on_site
        if m.kind not in REVIEW_PATTERN:
            continue
        mine = ev[(ev["child"] == m.child) & (ev["agency"] == m.agency)]
        start = float(mine.loc[mine["kind"] == "start", "time"].max())
        closes = mine.loc[mine["kind"].isin(["end", "exit"]), "time"]
        assert closes.empty or float(closes.max()) < start, "only open plans"
        first, second, every = REVIEW_PATTERN[m.kind]
        dues = [start + first, start + first + second]
        while dues[-1] < start + 3000:
            dues.append(dues[-1] + every)
        assert m.date in {book.calendar.date_of(d) for d in dues}


def test_nothing_is_planned_from_events_after_notification(book: CaseBook) -> None:
    cal = inspection_calendar(NOTIFY, book.calendar)
    early = planned_meetings(book, NOTIFY - dt.timedelta(days=35), cal.on_site)
    later = planned_meetings(book, NOTIFY, cal.on_site)
    assert {(m.child, m.agency) for m in early} != {(m.child, m.agency) for m in later}
    assert planned_meetings(book, NOTIFY, ()) == []


def test_the_request_says_what_the_records_cannot_give(book: CaseBook) -> None:
    cal = inspection_calendar(NOTIFY, book.calendar)
    items = data_request(book, cal, planned_meetings(book, NOTIFY, cal.on_site))
    assert {i.part[0] for i in items} == set("1234567")
    assert all(cal.notification <= i.due < cal.on_site[0] for i in items)
    cannot = [i.item for i in items if not i.producible]
    assert any("missing" in c for c in cannot)
    assert any("Staffing" in c for c in cannot)
    planned = next(i for i in items if "planned during the on-site week" in i.item)
    assert planned.producible
