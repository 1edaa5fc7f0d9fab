"""The inspection calendar: from notification to the written statement of action.

Days are counted in working days (Monday to Friday less England and Wales bank
holidays, as the scenario's calendar knows them), with the notification day as
day 1, as the JTAI framework numbers it since 2019; a theme that notifies on the
Monday numbers that day 0 (``notification_day = 0``), and every offset then
counts from it. With the defaults (:class:`Offsets`):

* day 1: notification; the partnership is asked for its lists of children;
* day 2: lists of children due;
* day 3: inspectors choose the tracked children and the sample, and agencies
  are asked to audit them (the audits run from day 4);
* on site: five working days starting on working day 10. If day 10 is not the
  first working day of its week (a notification on a day other than Tuesday,
  or a bank holiday in between), the start moves forward to the first working
  day of the next week, so inspectors are always on site from the start of a
  week (Monday, or Tuesday after a bank-holiday Monday). A Tuesday notification
  thus gives on site Monday to Friday of the third week. Five working days are
  always kept, running into the next week if a bank holiday falls inside;
* audits due on the last working day before on site;
* draft letter 15 working days after the last day on site; publication 30
  working days after it; the partnership's written statement of action 70
  working days after publication.

>>> import datetime as dt
>>> from jtai_sim.calendar import WorkingCalendar
>>> cal = WorkingCalendar(dt.date(2026, 1, 1), 800)
>>> ic = inspection_calendar(dt.date(2027, 3, 2), cal)
>>> [d.isoformat() for d in (ic.lists_due, ic.selection_made, ic.audits_due)]
['2027-03-03', '2027-03-04', '2027-03-12']
>>> ic.on_site[0].isoformat(), ic.on_site[-1].isoformat()
('2027-03-15', '2027-03-19')
"""

from __future__ import annotations

import datetime as dt

from attrs import frozen

from jtai_sim.calendar import WorkingCalendar
from jtai_sim.errors import InputError
from jtai_sim.inspection.casebook import fmt_date
from jtai_sim.inspection.model import InspectionCalendar, Milestone

#: Working days in a year in England (52 weeks less 8 bank holidays, about 253).
WORKING_DAYS_A_YEAR = 253

#: The range of each offset, in working days. The on-site fieldwork of a JTAI is one
#: week, five working days (the framework's published shape: notification on day 1,
#: fieldwork from day 10 for five days; docs/mock-week.md). The other bounds are our
#: own, wide enough for any published timeline and small enough that the whole
#: inspection, from notification to the written statement of action, fits within a
#: year of working days (40 + 5 + 90 + 100 = 235 < 253), so every date can be placed
#: and the week stays small enough to timetable:
#:
#: * the steps before fieldwork fall within 8 weeks of notification (published: day
#:   2, 3 and 10);
#: * the draft letter within 60 working days of the last day on site (published: 15);
#: * publication within 90 (published: 30; Haringey's took about 33);
#: * the written statement of action within 100 of publication (published: 70).
OFFSET_RANGES: dict[str, tuple[int, int]] = {
    "lists_due_day": (1, 40),
    "selection_day": (1, 40),
    "on_site_day": (1, 40),
    "on_site_days": (1, 5),
    "audits_due_day": (1, 40),
    "draft_letter_after": (1, 60),
    "publication_after": (1, 90),
    "action_statement_after": (1, 100),
}
#: The longest on-site fieldwork, in working days (one week).
MAX_ON_SITE_DAYS = OFFSET_RANGES["on_site_days"][1]


@frozen(kw_only=True)
class Offsets:
    """When each step falls, in working days (notification = day ``notification_day``).

    Each offset must lie in its range of :data:`OFFSET_RANGES`; a mistake raises
    an :class:`InputError` whose key is ``offsets.NAME``.
    """

    #: the number the notification day carries: 1 (Tuesday notification) or 0 (brought
    #: forward to the Monday, as the framework allows for some themes)
    notification_day: int = 1

    #: working day on which the lists of children are due
    lists_due_day: int = 2
    #: working day on which inspectors choose the children
    selection_day: int = 3
    #: earliest working day of the on-site week
    on_site_day: int = 10
    #: working days on site
    on_site_days: int = 5
    #: move the on-site start to the first working day of a week
    on_site_from_week_start: bool = True
    #: working day on which audits are due (``None``: the last working day before on site)
    audits_due_day: int | None = None
    #: working days from the last day on site to the draft letter
    draft_letter_after: int = 15
    #: working days from the last day on site to publication
    publication_after: int = 30
    #: working days from publication to the written statement of action
    action_statement_after: int = 70

    def __attrs_post_init__(self) -> None:
        for name, (lo, hi) in OFFSET_RANGES.items():
            value = getattr(self, name)
            if value is not None and not lo <= value <= hi:
                raise InputError(
                    f"must be from {lo} to {hi} working days, got {value!r}", key=f"offsets.{name}"
                )
        if self.notification_day not in (0, 1):
            raise InputError(
                f"must be 0 or 1, got {self.notification_day}", key="offsets.notification_day"
            )
        if self.selection_day < self.lists_due_day:
            raise InputError(
                f"must be on or after lists_due_day ({self.lists_due_day}), "
                f"got {self.selection_day}",
                key="offsets.selection_day",
            )
        if self.on_site_day <= self.selection_day:
            raise InputError(
                f"must be after selection_day ({self.selection_day}), got {self.on_site_day}",
                key="offsets.on_site_day",
            )
        if self.audits_due_day is not None and not (
            self.selection_day < self.audits_due_day < self.on_site_day
        ):
            raise InputError(
                f"must fall between selection_day ({self.selection_day}) and on_site_day "
                f"({self.on_site_day}), got {self.audits_due_day}",
                key="offsets.audits_due_day",
            )
        if self.publication_after < self.draft_letter_after:
            raise InputError(
                f"must be at least draft_letter_after ({self.draft_letter_after}), "
                f"got {self.publication_after}",
                key="offsets.publication_after",
            )


def _week_start(calendar: WorkingCalendar, date: dt.date) -> bool:
    """True if no working day precedes ``date`` in its week."""
    d = date - dt.timedelta(days=date.weekday())
    while d < date:
        if calendar.is_working_date(d):
            return False
        d += dt.timedelta(days=1)
    return True


def check_notification(calendar: WorkingCalendar, notification: dt.date) -> None:
    """Raise :class:`InputError` unless ``notification`` is a working day."""
    if calendar.is_working_date(notification):
        return
    before = notification - dt.timedelta(days=1)
    while not calendar.is_working_date(before):
        before -= dt.timedelta(days=1)
    after = calendar.add_working_days(before, 1)
    why = "a bank holiday" if notification.weekday() < 5 else f"a {notification:%A}"
    raise InputError(
        f"{notification.isoformat()} is {why}, not a working day; the working days either "
        f"side are {fmt_date(before)} and {fmt_date(after)}",
        key="notification",
    )


def inspection_calendar(
    notification: dt.date, calendar: WorkingCalendar, offsets: Offsets | None = None
) -> InspectionCalendar:
    """The dates of the inspection notified on ``notification`` (see the module doc)."""
    o = offsets or Offsets()
    check_notification(calendar, notification)

    def day(n: int) -> dt.date:
        return calendar.add_working_days(notification, n - o.notification_day)

    start = day(o.on_site_day)
    if o.on_site_from_week_start:
        while not _week_start(calendar, start):
            start = calendar.add_working_days(start, 1)
    on_site = tuple(calendar.add_working_days(start, i) for i in range(o.on_site_days))
    audits_due = (
        day(o.audits_due_day)
        if o.audits_due_day is not None
        else _previous_working_day(calendar, start)
    )
    lists_due, selection = day(o.lists_due_day), day(o.selection_day)
    last = on_site[-1]
    draft = calendar.add_working_days(last, o.draft_letter_after)
    publication = calendar.add_working_days(last, o.publication_after)
    action = calendar.add_working_days(publication, o.action_statement_after)

    def number(d: dt.date) -> int:
        return calendar.working_day_number(notification, d) - 1 + o.notification_day

    steps: list[tuple[dt.date, str, str]] = [
        (
            notification,
            "Notification",
            "The lead inspector notifies the partnership and asks for its lists of children "
            "and data.",
        ),
        (
            lists_due,
            "Lists of children due",
            "The partnership sends its lists of children for the theme and its front-door data.",
        ),
        (
            selection,
            "Children chosen",
            "Inspectors name the tracked children; the partnership is asked to audit them "
            "together, agency by agency.",
        ),
        (
            audits_due,
            "Audits due",
            "The partnership returns its multi-agency audits of the tracked children and key "
            "case documents.",
        ),
    ]
    for i, d in enumerate(on_site):
        steps.append(
            (
                d,
                f"On site, day {i + 1} of {len(on_site)}",
                "Tracking conversations, sample reads, interviews and observation."
                if i < len(on_site) - 1
                else "Final day on site, ending with feedback to leaders.",
            )
        )
    steps += [
        (draft, "Draft letter", "The draft letter goes to partners to check its accuracy."),
        (publication, "Letter published", "The findings letter is published."),
        (
            action,
            "Written statement of action due",
            "Partners send their written statement of proposed action.",
        ),
    ]
    milestones = tuple(
        Milestone(date=d, day=number(d), label=label, detail=detail)
        for d, label, detail in sorted(steps, key=lambda s: s[0])
    )
    return InspectionCalendar(
        notification=notification,
        lists_due=lists_due,
        selection_made=selection,
        audits_due=audits_due,
        on_site=on_site,
        draft_letter=draft,
        publication=publication,
        action_statement=action,
        milestones=milestones,
    )


def _previous_working_day(calendar: WorkingCalendar, date: dt.date) -> dt.date:
    date -= dt.timedelta(days=1)
    while not calendar.is_working_date(date):
        date -= dt.timedelta(days=1)
    return date
