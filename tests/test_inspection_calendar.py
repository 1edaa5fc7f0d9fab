"""The inspection calendar: working days from notification (day 1) to the action statement."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtai_sim.calendar import WorkingCalendar
from jtai_sim.errors import InputError
from jtai_sim.inspection import Offsets, inspection_calendar
from jtai_sim.inspection.timeline import MAX_ON_SITE_DAYS

CAL = WorkingCalendar(dt.date(2017, 1, 1), 365 * 12)


def test_tuesday_notification_gives_monday_to_friday_of_week_three() -> None:
    ic = inspection_calendar(dt.date(2026, 3, 3), CAL)  # a Tuesday
    assert ic.lists_due == dt.date(2026, 3, 4)
    assert ic.selection_made == dt.date(2026, 3, 5)
    assert ic.audits_due == dt.date(2026, 3, 13)  # Friday of week 2
    assert ic.on_site == tuple(dt.date(2026, 3, d) for d in range(16, 21))
    assert [d.weekday() for d in ic.on_site] == [0, 1, 2, 3, 4]
    assert ic.milestones[0].day == 1 and ic.milestones[0].label == "Notification"
    on_site_days = [m.day for m in ic.milestones if m.label.startswith("On site")]
    assert on_site_days == [10, 11, 12, 13, 14]


def test_the_haringey_dates_are_reproduced_with_its_publication_gap() -> None:
    # notified Tue 21 Nov 2017, on site 4-8 Dec, draft letter 3 Jan 2018,
    # published 30 Jan 2018, action plan due 11 May 2018 (domain brief, section 1.4)
    ic = inspection_calendar(dt.date(2017, 11, 21), CAL, Offsets(publication_after=34))
    assert ic.on_site[0] == dt.date(2017, 12, 4) and ic.on_site[-1] == dt.date(2017, 12, 8)
    assert ic.draft_letter == dt.date(2018, 1, 3)
    assert ic.publication == dt.date(2018, 1, 30)
    assert ic.action_statement == dt.date(2018, 5, 11)


def test_monday_notification_still_starts_on_site_on_a_monday() -> None:
    ic = inspection_calendar(dt.date(2026, 3, 2), CAL)
    assert ic.on_site[0] == dt.date(2026, 3, 16)
    assert ic.on_site[0].weekday() == 0


def test_bank_holiday_monday_starts_on_site_on_tuesday_and_keeps_five_days() -> None:
    ic = inspection_calendar(dt.date(2025, 5, 13), CAL)  # 26 May 2025 is a bank holiday
    assert ic.on_site[0] == dt.date(2025, 5, 27)
    assert len(ic.on_site) == 5 and ic.on_site[-1] == dt.date(2025, 6, 2)


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (dt.date(2026, 3, 7), "is a Saturday, not a working day"),
        (dt.date(2026, 12, 25), "is a bank holiday, not a working day"),
    ],
)
def test_notification_on_a_closed_day_is_one_clear_line(day: dt.date, words: str) -> None:
    with pytest.raises(InputError) as err:
        inspection_calendar(day, CAL)
    assert words in str(err.value)
    assert str(err.value).startswith("notification: ")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"lists_due_day": 0}, "offsets.lists_due_day"),
        ({"selection_day": 1, "lists_due_day": 2}, "offsets.selection_day"),
        ({"on_site_day": 3}, "offsets.on_site_day"),
        ({"audits_due_day": 12}, "offsets.audits_due_day"),
        ({"publication_after": 5}, "offsets.publication_after"),
    ],
)
def test_bad_offsets_name_the_offset(kwargs: dict[str, int], key: str) -> None:
    with pytest.raises(InputError) as err:
        Offsets(**kwargs)  # type: ignore[arg-type]
    assert err.value.key == key


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(dt.date(2018, 1, 1), dt.date(2027, 12, 1)),
    on_site_day=st.integers(6, 15),
    days=st.integers(1, MAX_ON_SITE_DAYS),
)
def test_every_date_is_a_working_day_in_order(day: dt.date, on_site_day: int, days: int) -> None:
    while not CAL.is_working_date(day):
        day += dt.timedelta(days=1)
    ic = inspection_calendar(day, CAL, Offsets(on_site_day=on_site_day, on_site_days=days))
    dates = [m.date for m in ic.milestones]
    assert dates == sorted(dates)
    assert all(CAL.is_working_date(d) for d in dates)
    assert ic.notification < ic.lists_due <= ic.selection_made < ic.audits_due < ic.on_site[0]
    # on site starts no earlier than working day `on_site_day`, at the start of a week
    assert ic.on_site[0] >= CAL.add_working_days(day, on_site_day - 1)
    first = ic.on_site[0]
    monday = first - dt.timedelta(days=first.weekday())
    assert not any(
        CAL.is_working_date(monday + dt.timedelta(days=i)) for i in range(first.weekday())
    )
    assert len(ic.on_site) == days
    assert [m.day for m in ic.milestones] == sorted(m.day for m in ic.milestones)


def test_a_monday_notification_is_day_0_and_on_site_starts_on_day_10() -> None:
    """The framework lets some themes notify on the Monday, numbered day 0."""
    import datetime as dt

    from jtai_sim.calendar import WorkingCalendar
    from jtai_sim.inspection.timeline import Offsets, inspection_calendar

    cal = WorkingCalendar(dt.date(2026, 1, 1), 800)
    monday = inspection_calendar(dt.date(2027, 3, 1), cal, Offsets(notification_day=0))
    tuesday = inspection_calendar(dt.date(2027, 3, 2), cal)
    assert monday.on_site == tuesday.on_site
    days = {m.label: m.day for m in monday.milestones}
    assert days["Notification"] == 0 and days["On site, day 1 of 5"] == 10
    assert monday.lists_due == dt.date(2027, 3, 3)  # day 2 counts from day 0


def test_notification_day_must_be_0_or_1() -> None:
    import pytest

    from jtai_sim.errors import InputError
    from jtai_sim.inspection.timeline import Offsets

    with pytest.raises(InputError, match="must be 0 or 1"):
        Offsets(notification_day=2)
