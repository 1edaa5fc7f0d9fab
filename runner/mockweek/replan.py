"""The on-site week re-planned when someone drops out, with the fewest changes to what
people were told.

An inspector falls ill on Wednesday, or a social worker is called to court: the week's
timetable (:func:`~runner.mockweek.timetable.solve_week`) has been sent out, and a new
one from scratch could move every session. :func:`replan_week` solves the same CP-SAT
model with the late absences added, keeps every session before the day the news came
exactly as it was (it has happened), starts the search from the old timetable (a hint),
and adds a cost for each session that changes: :data:`W_TIME` when it moves to another
day or slot (the practitioners and families it needs must be told again),
:data:`W_INSPECTOR` when another inspector holds it, and :data:`W_CANCEL` when no day,
slot and inspector is left for it this week (it is listed as cancelled, and the rest of
the week is still re-planned). Both are far above the week's
preferences (following a child, practitioners' days, balanced loads), so the week keeps
what it can and only then improves. Rooms stay as they were for sessions that do not
move. The changes are listed, each with who has to hear of it.

The weights are our choice: no published guidance says how a JTAI team re-plans, only
that the timetable is agreed with the partnership before the week (Joint targeted area
inspection framework, 2023).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping

import attrs
from attrs import frozen
from ortools.sat.python import cp_model

from jtai_sim.errors import InfeasibleTimetable
from runner.mockweek.settings import Solver
from runner.mockweek.timetable import (
    Booking,
    Key,
    Timetable,
    WeekModel,
    chosen_keys,
    leads_of,
    status_words,
    week_solver,
)
from runner.mockweek.week import WeekPlan

#: cost of a session moved to another day or slot (everyone it needs is told again)
W_TIME = 100
#: cost of a session given to another inspector at the same time
W_INSPECTOR = 40
#: cost of a session that can no longer be held this week (no day, slot and inspector
#: left for it): far above any move, so a session is dropped only when it cannot move
W_CANCEL = 1000


@frozen(kw_only=True)
class Change:
    """One session that changed: where it was, where it is now, and who must be told."""

    session: str
    before: Booking
    #: where it is held now (none: it cannot be held this week)
    after: Booking | None
    #: the people and inspectors who have to hear of it
    tell: tuple[str, ...]

    @property
    def what(self) -> str:
        """``moved``, ``another inspector``, ``moved, another inspector``, ``room`` or
        ``cancelled``."""
        if self.after is None:
            return "cancelled"
        moved = (self.before.day, self.before.slot) != (self.after.day, self.after.slot)
        other = self.before.inspector != self.after.inspector
        if moved and other:
            return "moved, another inspector"
        if moved:
            return "moved"
        return "another inspector" if other else "room"


@frozen(kw_only=True)
class Replan:
    """The re-planned week, the changes from the old one, and from which day."""

    timetable: Timetable
    changes: tuple[Change, ...]
    from_day: int


def replan_week(
    old: Timetable,
    late: Mapping[str, frozenset[int]],
    *,
    from_day: int,
    settings: Solver | None = None,
) -> Replan:
    """``old`` re-planned for the ``late`` absences (days away per person or inspector),
    heard of on on-site day ``from_day``: the sessions before it stay as they were; the
    rest stay on or after it and change as little as the rules allow (see the module doc). Raises
    :class:`InfeasibleTimetable`, with the rules that clash, when no week fits."""
    settings = settings or Solver()
    plan = old.plan
    if not 0 <= from_day < plan.days:
        raise ValueError(f"from_day must be an on-site day (0 to {plan.days - 1}), got {from_day}")
    away = {k: set(v) for k, v in plan.away.items()}
    for who, days in late.items():
        away.setdefault(who, set()).update(d for d in days if d >= from_day)
    plan = attrs.evolve(plan, away={k: frozenset(v) for k, v in sorted(away.items()) if v})
    t0, c0 = time.perf_counter(), time.process_time()
    # every session optional, so that one with no time left is cancelled (at a cost) and
    # the rest of the week still re-planned, rather than no week at all
    built = WeekModel(plan, relaxed={f"need:{x.need}" for x in plan.sessions})
    parts = built.objective()
    index = {s.id: n for n, s in enumerate(plan.sessions)}
    before = {b.session: b for b in old.bookings}
    moves: list[cp_model.LinearExprT] = []
    for booking in old.bookings:
        s = index[booking.session]
        keys = built.session_keys(s)
        kept: Key = (s, booking.inspector, booking.day, booking.slot)
        if booking.day < from_day:
            if kept not in built.w:
                raise InfeasibleTimetable(
                    [f"{booking.session} was held on {plan.day_name(booking.day)} and cannot move"]
                )
            built.model.add(built.w[kept] == 1)
            continue
        for key in keys:  # nor can a session still to come move into the past
            if key[2] < from_day:
                built.model.add(built.w[key] == 0)
        if kept in built.w:
            built.model.add_hint(built.w[kept], 1)
        held = [built.w[k] for k in keys]
        same_time = [built.w[k] for k in keys if (k[2], k[3]) == (booking.day, booking.slot)]
        same_inspector = [built.w[k] for k in keys if k[1] == booking.inspector]
        # a cancelled session pays W_CANCEL and neither move cost
        moves.append(
            W_CANCEL * (1 - sum(held))
            + W_TIME * (sum(held) - sum(same_time))
            + W_INSPECTOR * (sum(held) - sum(same_inspector))
        )
    built.model.minimize(cp_model.LinearExpr.sum([*moves, *parts.values()]))
    solver = week_solver(settings)
    status = solver.solve(built.model)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    chosen = chosen_keys(built, solver, status, settings, what="re-planned timetable")
    bookings = _rooms_kept(plan, chosen, before)
    full = plan  # the sessions that cannot be held now leave the week's plan
    held_now = {b.session for b in bookings}
    plan = attrs.evolve(plan, sessions=tuple(x for x in plan.sessions if x.id in held_now))
    timetable = Timetable(
        plan=plan,
        bookings=tuple(bookings),
        leads=leads_of(plan, bookings),
        status=status_words(solver),
        objective=float(solver.objective_value),
        solve_seconds=seconds,
        solve_cpu_seconds=cpu,
        deterministic_time=solver.deterministic_time,
    )
    return Replan(timetable=timetable, changes=_changes(full, before, bookings), from_day=from_day)


def _rooms_kept(plan: WeekPlan, chosen: list[Key], before: Mapping[str, Booking]) -> list[Booking]:
    """Bookings for ``chosen`` with rooms: a session held when it was keeps its room, the
    others take the rooms left free in their slot."""
    out: list[Booking] = []
    for _, group in itertools.groupby(chosen, key=lambda k: (k[2], k[3])):
        keys = list(group)
        free = list(plan.rooms)
        given: dict[Key, str | None] = {}
        for key in keys:
            was = before.get(plan.sessions[key[0]].id)
            stays = was is not None and (was.day, was.slot) == (key[2], key[3])
            if plan.sessions[key[0]].room and stays and was is not None and was.room in free:
                given[key] = was.room
                free.remove(was.room)
        for key in keys:
            if key not in given:
                given[key] = free.pop(0) if plan.sessions[key[0]].room else None
        out += [
            Booking(
                session=plan.sessions[k[0]].id, day=k[2], slot=k[3], inspector=k[1], room=given[k]
            )
            for k in keys
        ]
    return out


def _changes(
    plan: WeekPlan, before: Mapping[str, Booking], after: list[Booking]
) -> tuple[Change, ...]:
    """Each session whose day, slot, inspector or room changed, with who must be told:
    the inspectors before and after and the people it needs."""
    by_id = {s.id: s for s in plan.sessions}
    now = {b.session: b for b in after}
    out = []
    for session, was in before.items():
        booking = now.get(session)
        if was == booking:
            continue
        inspectors = dict.fromkeys((was.inspector, *([booking.inspector] if booking else [])))
        out.append(
            Change(
                session=session,
                before=was,
                after=booking,
                tell=(*inspectors, *by_id[session].people),
            )
        )
    return tuple(sorted(out, key=lambda c: (c.before.day, c.before.slot, c.session)))


def changes_words(plan: WeekPlan, changes: tuple[Change, ...]) -> list[str]:
    """One line per change, as a facilitator reads it out."""

    def when(b: Booking) -> str:
        return f"{plan.day_name(b.day)} {plan.slots[b.slot]}"

    lines = []
    for c in changes:
        what = c.what
        if c.after is None:
            detail = f"was {when(c.before)} with {c.before.inspector}; no time is left for it"
        elif what == "room":
            detail = f"room {c.before.room} -> {c.after.room}"
        else:
            detail = (
                f"{when(c.before)} with {c.before.inspector} -> "
                f"{when(c.after)} with {c.after.inspector}"
            )
        tell = ", ".join(plan.describe(w) for w in c.tell)
        lines.append(f"{c.session}: {what}: {detail} (tell {tell})")
    return lines


__all__ = [
    "W_CANCEL",
    "W_INSPECTOR",
    "W_TIME",
    "Change",
    "Replan",
    "changes_words",
    "replan_week",
]
