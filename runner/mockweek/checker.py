"""An independent check of every hard rule on a timetable, in plain Python.

It shares nothing with the CP-SAT model but the :class:`~runner.mockweek.week.WeekPlan`
it was built from, so a fault in the model shows up here as a broken rule.
:func:`violations` lists every broken rule in words (empty: the timetable is
sound); :func:`check_timetable` raises if there is any.

Rules: every session happens exactly once, in a slot that exists and is not the
daily team meeting or the final feedback meeting; the inspector's inspectorate
meets the agency the session is about (or the inspector is one the session
allows); nobody is in two places at once; no room holds two sessions and every
conversation has a room; nobody meets anyone on a day they are away; no inspector
or practitioner goes over the daily limit (the feedback meeting counts on the last
day); each tracked child's social worker is met before anyone else about them,
the child and family included; a session tied to a day (the observation of a
planned meeting) is held on that day; on the last day the team meeting comes
before the final feedback meeting.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from runner.mockweek.timetable import Timetable


def violations(timetable: Timetable) -> list[str]:
    """Every hard rule the timetable breaks, one line each."""
    plan = timetable.plan
    out: list[str] = []
    sessions = {s.id: s for s in plan.sessions}
    inspectorate = {i.name: i.inspectorate for i in plan.inspectors}
    counts = Counter(b.session for b in timetable.bookings)
    for sid in sessions:
        if counts[sid] != 1:
            out.append(f"session {sid} is booked {counts[sid]} times")
    for sid in counts:
        if sid not in sessions:
            out.append(f"booking of unknown session {sid}")
    inspector_slot: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    person_slot: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    room_slot: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    inspector_day: Counter[tuple[str, int]] = Counter()
    person_day: Counter[tuple[str, int]] = Counter()
    when: dict[str, tuple[int, int]] = {}
    for b in timetable.bookings:
        session = sessions.get(b.session)
        if session is None:
            continue
        when[b.session] = (b.day, b.slot)
        if not (0 <= b.day < plan.days and 0 <= b.slot < len(plan.slots)):
            out.append(f"{b.session} is at day {b.day} slot {b.slot}, outside the week")
            continue
        if b.slot == plan.meeting_slot(b.day):
            out.append(f"{b.session} clashes with the team meeting on {plan.day_name(b.day)}")
        if (b.day, b.slot) == plan.feedback:
            out.append(f"{b.session} clashes with the final feedback meeting")
        if session.day is not None and b.day != session.day:
            out.append(
                f"{b.session} is on {plan.day_name(b.day)}, not on the day of the meeting "
                f"({plan.day_name(session.day)})"
            )
        if b.inspector not in inspectorate:
            out.append(f"{b.session} is held by {b.inspector}, who is not in the team")
            continue
        if session.agency is not None and session.kind in ("tracking", "sample_reads"):
            kind = plan.agency_kinds.get(session.agency, "generic")
            if kind not in plan.meets.get(inspectorate[b.inspector], ()):
                out.append(
                    f"{b.inspector} ({inspectorate[b.inspector]}) may not meet "
                    f"{session.agency} ({kind}) in {b.session}"
                )
        if b.inspector not in session.candidates:
            out.append(f"{b.inspector} is not allowed to hold {b.session}")
        inspector_slot[(b.inspector, b.day, b.slot)].append(b.session)
        inspector_day[(b.inspector, b.day)] += 1
        if plan.is_away(b.inspector, b.day):
            out.append(f"{b.inspector} holds {b.session} on a day they are away")
        for person in session.people:
            person_slot[(person, b.day, b.slot)].append(b.session)
            person_day[(person, b.day)] += 1
            if plan.is_away(person, b.day):
                out.append(f"{person} is needed for {b.session} on a day they are away")
        if session.room:
            if b.room is None:
                out.append(f"{b.session} needs a room and has none")
            elif b.room not in plan.rooms:
                out.append(f"{b.session} is in {b.room}, which is not one of the rooms")
            else:
                room_slot[(b.room, b.day, b.slot)].append(b.session)
    for table, what in (
        (inspector_slot, "inspector"),
        (person_slot, "person"),
        (room_slot, "room"),
    ):
        for (who, day, slot), booked in sorted(table.items()):
            if len(booked) > 1:
                out.append(
                    f"{what} {who} is double booked on day {day} slot {slot}: {', '.join(booked)}"
                )
    for (inspector, day), n in sorted(inspector_day.items()):
        limit = plan.inspector_limit - (1 if day == plan.days - 1 else 0)
        if n > limit:
            out.append(f"{inspector} has {n} sessions on day {day}, over the limit of {limit}")
    for (person, day), n in sorted(person_day.items()):
        if n > plan.practitioner_limit:
            out.append(
                f"{person} has {n} sessions on day {day}, over the limit of "
                f"{plan.practitioner_limit}"
            )
    fb_day, fb_slot = plan.feedback
    if plan.meeting_slot(fb_day) >= fb_slot:
        out.append(
            f"the team meeting on {plan.day_name(fb_day)} is after the final feedback meeting"
        )
    firsts = {s.child: s.id for s in plan.sessions if s.kind == "tracking" and s.first}
    for s in plan.sessions:
        if s.kind not in ("tracking", "family") or s.first or s.child not in firsts:
            continue
        first = firsts[s.child]
        if first in when and s.id in when and not when[first] < when[s.id]:
            out.append(f"{s.id} is not after the social worker's conversation {first}")
    return out


def check_timetable(timetable: Timetable) -> None:
    """Raise ``AssertionError`` listing every broken rule, if any."""
    broken = violations(timetable)
    if broken:
        raise AssertionError("timetable breaks hard rules:\n" + "\n".join(broken))


__all__ = ["check_timetable", "violations"]
