"""Counting checks that find why a week cannot be timetabled, in a facilitator's words.

:func:`precheck` runs before the solver. Each reason it returns is a proof that
no timetable exists (so the solver is not asked): a session nobody in the team
may hold; someone away all week; a social worker who is only in after another
practitioner of the same child has gone; more sessions that only some
inspectors can hold, on some days, than those inspectors have free sessions
then (checked for every set of days); someone needed for more sessions than
their days in allow; more conversations than room-sessions. Each reason ends
with what would fix it. No solver is used here.

>>> plural(1, "session"), plural(3, "session")
('1 session', '3 sessions')
>>> article("CQC"), article("Ofsted (schools)"), article("HMICFRS")
('a CQC', 'an Ofsted (schools)', 'an HMICFRS')
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable

from runner.mockweek.week import Session, WeekPlan


def article(need: str) -> str:
    """``need`` with its article: "a CQC", "an Ofsted (schools)", "an HMICFRS"."""
    return f"an {need}" if need[:1] in "AEIOUHaeiou" else f"a {need}"


def plural(count: int, noun: str) -> str:
    """``3 sessions``, ``1 session``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _possible_days(plan: WeekPlan, session: Session) -> list[int]:
    return [
        d
        for d in range(plan.days)
        if not any(plan.is_away(p, d) for p in session.people)
        and any(not plan.is_away(i, d) for i in session.candidates)
    ]


def _free(plan: WeekPlan, inspector: str, day: int) -> int:
    if plan.is_away(inspector, day):
        return 0
    cap = plan.inspector_limit - (1 if day == plan.days - 1 else 0)
    return max(0, min(cap, len(plan.work_slots(day))))


def days_words(plan: WeekPlan, days: Iterable[int]) -> str:
    names = [f"{plan.dates[d]:%A}" for d in sorted(days)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def precheck(plan: WeekPlan) -> list[str]:
    """Clashes found by counting, in a facilitator's words (empty: none found)."""
    reasons: list[str] = []
    fb_day = plan.feedback[0]
    if all(plan.is_away(i.name, fb_day) for i in plan.inspectors):
        reasons.append(
            f"the final feedback meeting on {plan.day_name(fb_day)} has no inspector to hold it"
        )
    blocked: set[str] = set()
    unheld: dict[str, list[str]] = defaultdict(list)
    for session in plan.sessions:
        if not session.candidates:
            unheld[session.need].append(session.title)
    for need, titles in unheld.items():
        example = f"'{titles[0]}'" + (
            f" and {plural(len(titles) - 1, 'other')}" if titles[1:] else ""
        )
        reasons.append(
            f"nobody in the team can hold {example}: "
            f"{'it needs' if len(titles) == 1 else 'they need'} {article(need)} inspector and the "
            "team has none"
        )
    for session in plan.sessions:
        if not session.candidates:
            continue
        for person in session.people:
            if all(plan.is_away(person, d) for d in range(plan.days)):
                reasons.append(
                    f"{plan.describe(person)} is away all week, so '{session.title}' cannot "
                    "happen; name someone else from the agency or give them a day in"
                )
                blocked.add(session.id)
        if session.id in blocked:
            continue
        if all(all(plan.is_away(i, d) for d in range(plan.days)) for i in session.candidates):
            reasons.append(
                f"every {session.need} inspector is away all week, so '{session.title}' "
                "cannot happen"
            )
            blocked.add(session.id)
        elif not _possible_days(plan, session):
            who = ", ".join(plan.describe(p) for p in session.people)
            reasons.append(
                f"'{session.title}' has no possible day: on the days {who} is in, no "
                f"{session.need} inspector is"
            )
            blocked.add(session.id)
    if reasons:
        return _unique(reasons)
    return _unique(
        _first_order(plan) + _capacity(plan) + _people_capacity(plan) + _room_capacity(plan)
    )


def _first_order(plan: WeekPlan) -> list[str]:
    """A tracked child's social worker who is only in after someone else has gone."""
    out: list[str] = []
    for first in plan.sessions:
        if not first.first:
            continue
        first_days = _possible_days(plan, first)
        for other in plan.sessions:
            if other.kind != "tracking" or other.child != first.child or other.first:
                continue
            other_days = _possible_days(plan, other)
            if first_days and other_days and min(first_days) > max(other_days):
                who = plan.describe(first.people[0]) if first.people else first.title
                them = plan.describe(other.people[0]) if other.people else other.title
                out.append(
                    f"{who} can be met only from {plan.day_name(min(first_days))}, but "
                    f"{them} only up to {plan.day_name(max(other_days))}, so the social "
                    "worker cannot be met first"
                )
    return out


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _capacity(plan: WeekPlan) -> list[str]:
    """Sessions that only some inspectors can hold, on some days, against their free time."""
    out: list[str] = []
    possible = {s.id: frozenset(_possible_days(plan, s)) for s in plan.sessions}
    groups = sorted({frozenset(s.candidates) for s in plan.sessions}, key=sorted)
    subsets = [
        frozenset(c)
        for r in range(1, plan.days + 1)
        for c in itertools.combinations(range(plan.days), r)
    ]
    for group in groups:
        needs = {s.need for s in plan.sessions if frozenset(s.candidates) == group}
        need = " or ".join(sorted(needs))
        for days in subsets:
            sessions = [
                s for s in plan.sessions if set(s.candidates) <= group and possible[s.id] <= days
            ]
            free = sum(_free(plan, i, d) for i in group for d in days)
            if len(sessions) > free:
                out.append(_capacity_words(plan, group, need, days, len(sessions), free))
                break
    return out


def _capacity_words(
    plan: WeekPlan, group: frozenset[str], need: str, days: frozenset[int], n: int, free: int
) -> str:
    outside = [d for d in range(plan.days) if d not in days]
    present = [i for i in sorted(group) if any(not plan.is_away(i, d) for d in days)]
    if all(plan.is_away(i, d) for i in group for d in outside):
        head = f"the week: {n} sessions need {article(need)} inspector"
    else:
        head = (
            f"{days_words(plan, days)}: {n} sessions need {article(need)} inspector and can "
            f"only happen then (the people they need are away on "
            f"{days_words(plan, outside)})"
        )
    many = len(present) != 1
    gone_by = [
        f"{i} on {days_words(plan, [d for d in range(plan.days) if plan.is_away(i, d)])}"
        for i in sorted(group)
        if any(plan.is_away(i, d) for d in range(plan.days))
    ]
    away = f"; away: {', '.join(gone_by)}" if gone_by else ""
    return (
        f"{head}, but the {len(present)} {need} inspector{'s' if many else ''} "
        f"{'have' if many else 'has'} only {free} free session{'s' if free != 1 else ''} "
        f"then (at most {plan.inspector_limit} a day each{away}); add {article(need)} "
        "inspector, change the absences or raise day.inspector_limit"
    )


def _people_capacity(plan: WeekPlan) -> list[str]:
    out: list[str] = []
    count: dict[str, int] = defaultdict(int)
    for session in plan.sessions:
        for person in session.people:
            count[person] += 1
    for person, n in sorted(count.items()):
        days = [d for d in range(plan.days) if not plan.is_away(person, d)]
        cap = sum(min(plan.practitioner_limit, len(plan.work_slots(d))) for d in days)
        if n > cap:
            out.append(
                f"{plan.describe(person)} is needed for {n} sessions but is in on only "
                f"{len(days)} day{'s' if len(days) != 1 else ''}, at most "
                f"{plan.practitioner_limit} a day; "
                + ("lower sessions_per_audit_lead, " if person.startswith("audit:") else "")
                + "raise day.practitioner_limit or change the absences"
            )
    return out


def _room_capacity(plan: WeekPlan) -> list[str]:
    need = [s for s in plan.sessions if s.room]
    cap = sum(len(plan.work_slots(d)) for d in range(plan.days)) * len(plan.rooms)
    if len(need) > cap:
        rooms = f"{len(plan.rooms)} room{'s' if len(plan.rooms) != 1 else ''}"
        return [
            f"{len(need)} conversations need a room but {rooms} give only {cap} "
            "room-sessions in the week"
        ]
    return []


__all__ = ["article", "days_words", "plural", "precheck"]
