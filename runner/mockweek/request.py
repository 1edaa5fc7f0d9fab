"""Week 1 of the inspection: the set-up discussion, the data request and planned meetings.

On notification day the lead inspector holds a set-up discussion with the
director of children's services and the partnership's leads, and the area is
asked for information in the parts the 2019 guidance's annex uses: lists of
children; other child-level lists and the multi-agency meetings planned during
the on-site week; case-file documents; other information; information from
individual agencies; arrangements to meet children, young people, parents and
carers; and the process and milestones. :func:`data_request` lists each item
with its due date from the inspection calendar and says whether the simulated
area could produce it from what its agencies have recorded (the case book), and
why not when it could not. A child's true mental-health state, for instance, is
not in any record: only a recognition event (``identify``) is.

:func:`planned_meetings` is the list the area would supply of meetings due while
the inspectors are on site, computed from the case book as it stood at the end
of notification day:

- a **review** for each child whose plan (child in need, child protection) or
  care episode is open: the plan starts when the team's service starts; the
  reviews are due on the statutory pattern for its kind (:data:`REVIEW_PATTERN`,
  in calendar days: first, second, then every), counted from the start; a
  review due on an on-site date is planned for that date, unless the records
  already show a review held from the day before it was due;
- an **initial child protection conference** for each child referred to the
  conference team and not yet seen there: due 15 working days after the
  strategy discussion's referral (the day the conference referral arrived is
  taken as the end of the strategy discussion). A conference due before the
  week is listed on the first on-site day when it is still outstanding.

Only open cases count: a child whose last event at the team is an end or an
exit is not planned for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from attrs import frozen

from jtai_sim.inspection.casebook import fmt_date
from jtai_sim.inspection.model import CaseBook, InspectionCalendar

#: Review pattern per plan kind in calendar days: (first, second, then every).
#: Children in need: every three months (local practice); child protection: within
#: three months of the conference, then six-monthly; children in care: 20 working
#: days (about 28 calendar days), three months after that, then six-monthly.
REVIEW_PATTERN: dict[str, tuple[float, float, float]] = {
    "cin_plan": (91.0, 91.0, 91.0),
    "cp_plan": (91.0, 182.0, 182.0),
    "looked_after": (28.0, 63.0, 182.0),
}

#: What each plan kind's review is called.
REVIEW_WORDS: dict[str, str] = {
    "cin_plan": "Child in need review",
    "cp_plan": "Child protection review conference",
    "looked_after": "Looked-after child review",
}

#: Working days from the strategy discussion to the initial conference.
CONFERENCE_WORKING_DAYS = 15


@frozen(kw_only=True)
class PlannedMeeting:
    """A multi-agency meeting due on an on-site date."""

    date: dt.date
    child: int
    agency: str
    kind: str  # an agency kind: cin_plan, cp_plan, looked_after or conference
    title: str
    basis: str


@frozen(kw_only=True)
class RequestItem:
    """One thing the area is asked for, when, and whether its records can give it."""

    part: str
    item: str
    due: dt.date
    producible: bool
    note: str


def _open_at(events: pd.DataFrame, agency: str) -> pd.DataFrame:
    """Per child, the start time of an open episode at ``agency`` (no end or exit after)."""
    here = events[events["agency"] == agency]
    if here.empty:
        return pd.DataFrame(columns=["child", "start"])
    starts = here[here["kind"] == "start"].groupby("child")["time"].max()
    closes = here[here["kind"].isin(["end", "exit"])].groupby("child")["time"].max()
    frame = pd.DataFrame({"start": starts}).join(pd.DataFrame({"close": closes}), how="left")
    frame = frame[frame["close"].isna() | (frame["close"] < frame["start"])]
    return frame.reset_index()[["child", "start"]]


def planned_meetings(
    book: CaseBook, notification: dt.date, dates: Sequence[dt.date]
) -> list[PlannedMeeting]:
    """Reviews and conferences due on the on-site ``dates``, from records up to notification."""
    if not dates:
        return []
    cal = book.calendar
    until = cal.day_of(notification) + 1.0
    events = book.events[book.events["time"] < until]
    on_site = set(dates)
    out: list[PlannedMeeting] = []
    for key, info in book.agencies.items():
        if info.kind in REVIEW_PATTERN:
            first, second, every = REVIEW_PATTERN[info.kind]
            reviews = events[(events["agency"] == key) & (events["kind"] == "review")]
            last_review = reviews.groupby("child")["time"].max()
            open_ = _open_at(events, key)
            for child, start in zip(open_["child"].tolist(), open_["start"].tolist(), strict=True):
                due, gap, n = start + first, second, 0
                began = fmt_date(cal.date_of(start))
                while cal.date_of(due) <= dates[-1]:
                    date = cal.date_of(due)
                    held = last_review.get(child)
                    if date in on_site and (held is None or held < due - 1.0):
                        out.append(
                            PlannedMeeting(
                                date=date,
                                child=int(child),
                                agency=key,
                                kind=info.kind,
                                title=REVIEW_WORDS[info.kind],
                                basis=f"review {n + 1} of the plan started {began}",
                            )
                        )
                    due += gap
                    gap, n = every, n + 1
        elif info.kind == "conference":
            here = events[events["agency"] == key]
            arrived = here[here["kind"] == "arrive"].groupby("child")["time"].max()
            seen_at = here[here["kind"].isin(["start", "end", "exit"])]
            started = seen_at.groupby("child")["time"].max()
            for child, at in arrived.items():
                seen = started.get(child)
                if seen is not None and seen >= at:
                    continue
                due = cal.add_working_days(cal.date_of(at), CONFERENCE_WORKING_DAYS)
                if due > dates[-1]:
                    continue
                date = due if due in on_site else dates[0]
                if due > date:
                    continue
                out.append(
                    PlannedMeeting(
                        date=date,
                        child=int(child),
                        agency=key,
                        kind="conference",
                        title="Initial child protection conference",
                        basis=(
                            f"strategy discussion ended {fmt_date(cal.date_of(at))}; conference "
                            f"due by {fmt_date(due)}"
                        ),
                    )
                )
    out.sort(key=lambda m: (m.date, m.kind, m.child))
    return out


def meetings_table(meetings: Sequence[PlannedMeeting], book: CaseBook) -> pd.DataFrame:
    """The planned meetings as the area would supply them (one row a meeting)."""
    rows = [
        {
            "date": m.date.isoformat(),
            "meeting": m.title,
            "child": m.child,
            "team": book.agency_label(m.agency),
            "basis": m.basis,
        }
        for m in meetings
    ]
    return pd.DataFrame(rows, columns=["date", "meeting", "child", "team", "basis"])


def _has(book: CaseBook, kinds: set[str], event: str | None = None) -> bool:
    keys = [k for k, a in book.agencies.items() if a.kind in kinds]
    ev = book.events
    sel = ev["agency"].isin(keys)
    if event is not None:
        sel &= ev["kind"] == event
    return bool(sel.any())


def data_request(
    book: CaseBook, calendar: InspectionCalendar, meetings: Sequence[PlannedMeeting]
) -> list[RequestItem]:
    """What the area is asked for in week 1, with due dates and whether it can produce it."""
    day1, lists, audits = calendar.notification, calendar.lists_due, calendar.audits_due
    cal = book.calendar
    day3 = calendar.selection_made
    identified = bool((book.events["kind"] == "identify").any())
    sc = {"assessment", "strategy", "conference", "cin_plan", "cp_plan", "looked_after"}
    reviews = _has(book, {"cin_plan", "cp_plan", "looked_after"}, "review")
    items = [
        (
            "1. Lists of children",
            "Children in need, on child protection plans and looked after, aged 10 to 15, "
            "with the date each status began",
            lists,
            _has(book, sc, "status") or _has(book, sc, "start"),
            "from legal-status and plan events",
        ),
        (
            "1. Lists of children",
            "Of those, the children recorded as having mental-health needs",
            lists,
            identified,
            "only where an agency recorded that it recognised the need; a need nobody "
            "recorded cannot be listed"
            if identified
            else "no agency records recognising a mental-health need",
        ),
        (
            "1. Lists of children",
            "Contacts and referrals to the front door in the last six months",
            lists,
            _has(book, {"front_door", "referral"}, "arrive"),
            "from front-door arrivals",
        ),
        (
            "2. Other child-level lists and planned meetings",
            "Referrals to CAMHS in the last six months, with the outcome (accepted, waiting, "
            "turned away)",
            lists,
            _has(book, {"camhs_spa"}, "arrive"),
            "from the CAMHS single point of access",
        ),
        (
            "2. Other child-level lists and planned meetings",
            "Children who entered youth justice in the last six months",
            lists,
            _has(book, {"youth_justice"}, "arrive"),
            "from youth justice arrivals",
        ),
        (
            "2. Other child-level lists and planned meetings",
            "Children reported missing, with return home interviews",
            lists,
            False,
            "missing episodes and return interviews are not recorded as events",
        ),
        (
            "2. Other child-level lists and planned meetings",
            f"Multi-agency meetings planned during the on-site week ({len(meetings)} found)",
            lists,
            reviews or bool(meetings),
            "from the last review or conference referral and each plan's review pattern",
        ),
        (
            "3. Case-file documents",
            "For each tracked child: the latest assessment, plan, review minutes and CAMHS letters",
            cal.add_working_days(day3, 2),
            False,
            "the records hold dated events, not documents; the case pack's chronology stands in",
        ),
        (
            "4. Other information",
            "The partnership's self-evaluation, its priorities and the latest audits of practice",
            cal.add_working_days(day1, 2),
            False,
            "not in the records: the partnership brings it",
        ),
        (
            "5. Information from individual agencies",
            "Each agency's waiting times and clock performance (assessment in 45 working "
            "days, CAMHS waits, health assessments for children in care)",
            lists,
            bool(book.clocks),
            "from the clocks the records measure",
        ),
        (
            "5. Information from individual agencies",
            "Staffing, vacancies, supervision and training",
            lists,
            False,
            "the workforce is not recorded",
        ),
        (
            "6. Meeting children, young people, parents and carers",
            "Contact details and consent for a conversation with each tracked child or their "
            "parent or carer",
            day3,
            False,
            "consent is sought by the child's social worker; not in the records",
        ),
        (
            "7. Process and milestones",
            "The multi-agency audits of the tracked children, with key documents",
            audits,
            True,
            "the audit templates in this pack",
        ),
    ]
    return [
        RequestItem(part=p, item=i, due=d, producible=bool(ok), note=n) for p, i, d, ok, n in items
    ]


__all__ = [
    "CONFERENCE_WORKING_DAYS",
    "REVIEW_PATTERN",
    "PlannedMeeting",
    "RequestItem",
    "data_request",
    "meetings_table",
    "planned_meetings",
]
