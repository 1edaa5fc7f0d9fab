"""The on-site week timetabled with OR-Tools CP-SAT, and why it fails when it does.

The model is compact: one boolean per (session, inspector who may hold it, slot
when everyone it needs is in). Hard rules: every session happens once; nobody
(inspector, practitioner, leader) is in two places at once; rooms are not
double booked; absences are respected; inspectors only meet agencies their
inspectorate covers; daily limits for inspectors and practitioners; the
social worker is met before anyone else about a tracked child (the child and
family too); an observation is held on its meeting's day. The daily team
meeting and the final feedback meeting sit in fixed slots every inspector keeps
free (on the last day, the team meeting before the feedback). Soft preferences,
weighted in the objective: one inspector of each inspectorate follows each
tracked child (the one who meets the social worker leads), balanced loads within
each inspectorate, and practitioners needed on as few days as possible.

Solving is deterministic: one worker, a fixed random seed and a deterministic
time limit. When no timetable exists, :func:`solve_week` raises
:class:`~jtai_sim.errors.InfeasibleTimetable` whose ``reasons`` say which rules
clash: first from the counting checks of :mod:`runner.mockweek.prechecks`
(someone away all week, more sessions than free inspector time on some days),
otherwise from :func:`explain`, a deletion filter over named groups of rules
that keeps a set in which relaxing any one rule would allow a timetable.

Speed: the three preferences are each quick to optimise alone but slow to prove
optimal together, so each is first minimised alone and the sum of those minima
is added as a lower bound on the joint objective (sound, and it lets the search
stop as soon as it reaches it).
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from attrs import field, frozen
from ortools.sat.python import cp_model

from jtai_sim.errors import InfeasibleTimetable
from runner.mockweek.prechecks import article, days_words, plural, precheck
from runner.mockweek.settings import Solver
from runner.mockweek.week import Session, WeekPlan

Key = tuple[int, str, int, int]  # (session index, inspector, day, slot)

W_FOLLOW = 20
W_DAYS = 6
W_BALANCE = 3


@frozen(kw_only=True)
class Booking:
    """One session placed in the week."""

    session: str
    day: int
    slot: int
    inspector: str
    room: str | None = None


@frozen(kw_only=True)
class Timetable:
    """A solved week: the bookings, each tracked child's lead, and how the solve went."""

    plan: WeekPlan = field(eq=False)
    bookings: tuple[Booking, ...]
    leads: dict[int, str]
    status: str
    objective: float
    solve_seconds: float = field(eq=False, default=0.0)
    solve_cpu_seconds: float = field(eq=False, default=0.0)
    deterministic_time: float = field(eq=False, default=0.0)

    def session(self, session_id: str) -> Session:
        """The session called ``session_id``."""
        return next(s for s in self.plan.sessions if s.id == session_id)

    def at(self, day: int, slot: int) -> list[Booking]:
        """Bookings in one slot, by inspector order."""
        order = {i.name: n for n, i in enumerate(self.plan.inspectors)}
        return sorted(
            (b for b in self.bookings if (b.day, b.slot) == (day, slot)),
            key=lambda b: order[b.inspector],
        )

    def load(self) -> dict[str, int]:
        """Sessions per inspector (not counting the team and feedback meetings)."""
        out = {i.name: 0 for i in self.plan.inspectors}
        for b in self.bookings:
            out[b.inspector] += 1
        return out


class WeekModel:
    """The CP-SAT model of one week, leaving out the rule groups named in ``relaxed``."""

    def __init__(self, plan: WeekPlan, *, relaxed: Iterable[str] = ()) -> None:
        self.plan = plan
        self.model = cp_model.CpModel()
        self.words: dict[str, str] = {}
        self.relaxed = set(relaxed)
        self.w: dict[Key, cp_model.IntVar] = {}
        self._variables()
        self._rules()

    def keep(self, name: str, words: str) -> bool:
        """Record rule group ``name`` (in ``words``); True unless it is relaxed."""
        self.words.setdefault(name, words)
        return name not in self.relaxed

    def _variables(self) -> None:
        plan = self.plan
        for s_index, session in enumerate(plan.sessions):
            for inspector in session.candidates:
                for day in range(plan.days):
                    if session.day is not None and day != session.day:
                        continue
                    away = [w for w in (inspector, *session.people) if plan.is_away(w, day)]
                    if away and self.keep(f"away:{day}", f"the absences on {plan.day_name(day)}"):
                        continue
                    for slot in plan.work_slots(day):
                        var = self.model.new_bool_var(f"w{s_index}_{inspector}_{day}_{slot}")
                        self.w[(s_index, inspector, day, slot)] = var

    def _rules(self) -> None:
        plan, m = self.plan, self.model
        by_session: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        by_inspector_slot: dict[tuple[str, int, int], list[cp_model.IntVar]] = defaultdict(list)
        by_inspector_day: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        by_person_slot: dict[tuple[str, int, int], list[cp_model.IntVar]] = defaultdict(list)
        by_person_day: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        by_room_slot: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        for (s, inspector, day, slot), var in self.w.items():
            session = plan.sessions[s]
            by_session[s].append(var)
            by_inspector_slot[(inspector, day, slot)].append(var)
            by_inspector_day[(inspector, day)].append(var)
            for person in session.people:
                by_person_slot[(person, day, slot)].append(var)
                by_person_day[(person, day)].append(var)
            if session.room:
                by_room_slot[(day, slot)].append(var)

        needs: dict[str, int] = defaultdict(int)
        for session in plan.sessions:
            needs[session.need] += 1
        for s, session in enumerate(plan.sessions):
            vars_ = by_session.get(s, [])
            words = (
                f"all {needs[session.need]} sessions that need {article(session.need)} "
                "inspector take place"
            )
            if self.keep(f"need:{session.need}", words):
                m.add_exactly_one(vars_)
            else:
                m.add_at_most_one(vars_)
        for vars_ in by_inspector_slot.values():
            m.add_at_most_one(vars_)
        for vars_ in by_person_slot.values():
            m.add_at_most_one(vars_)
        last = plan.days - 1
        limit_words = f"at most {plural(plan.inspector_limit, 'session')} a day for each inspector"
        if self.keep("inspector_limit", limit_words):
            for (_, day), vars_ in by_inspector_day.items():
                cap = plan.inspector_limit - (1 if day == last else 0)
                if len(vars_) > cap:
                    m.add(sum(vars_) <= cap)
        p_words = (
            f"at most {plural(plan.practitioner_limit, 'session')} a day for each practitioner"
        )
        if self.keep("practitioner_limit", p_words):
            for vars_ in by_person_day.values():
                if len(vars_) > plan.practitioner_limit:
                    m.add(sum(vars_) <= plan.practitioner_limit)
        rooms = len(plan.rooms)
        if self.keep("rooms", f"only {rooms} room{'s' if rooms != 1 else ''} for conversations"):
            for vars_ in by_room_slot.values():
                if len(vars_) > rooms:
                    m.add(sum(vars_) <= rooms)
        self._social_worker_first()

    def slot_index(self, s: int) -> cp_model.LinearExpr:
        """The global slot number of session ``s`` (day * slots + slot)."""
        width = len(self.plan.slots)
        return cp_model.LinearExpr.weighted_sum(
            [self.w[k] for k in self.session_keys(s)],
            [k[2] * width + k[3] for k in self.session_keys(s)],
        )

    def session_keys(self, s: int) -> list[Key]:
        """The (session, inspector, day, slot) keys of session ``s``'s variables."""
        if not hasattr(self, "_key_index"):
            index: dict[int, list[Key]] = defaultdict(list)
            for key in self.w:
                index[key[0]].append(key)
            self._key_index = index
        return self._key_index.get(s, [])

    def _social_worker_first(self) -> None:
        plan = self.plan
        by_child: dict[int, list[int]] = defaultdict(list)
        for s, session in enumerate(plan.sessions):
            if session.kind in ("tracking", "family") and session.child is not None:
                by_child[session.child].append(s)
        for child, indices in by_child.items():
            first = [s for s in indices if plan.sessions[s].first]
            if not first:
                continue
            words = f"the social worker is met first for {plan.child_labels.get(child, child)}"
            if not self.keep(f"first:{child}", words):
                continue
            for s in indices:
                if s != first[0] and self.session_keys(s) and self.session_keys(first[0]):
                    rule = self.model.add(self.slot_index(first[0]) + 1 <= self.slot_index(s))
                    optional = [
                        x for x in (first[0], s) if f"need:{plan.sessions[x].need}" in self.relaxed
                    ]
                    if optional:  # only when both happen (a rule group left out)
                        rule.only_enforce_if([self._held(x) for x in optional])

    def _held(self, s: int) -> cp_model.IntVar:
        """A literal true when session ``s`` is held (for models with optional sessions)."""
        held = self.model.new_bool_var(f"held_{s}")
        self.model.add(sum(self.w[k] for k in self.session_keys(s)) == held)
        return held

    def objective(self) -> dict[str, cp_model.LinearExprT]:
        """Soft preferences: following children, practitioners' days, balanced loads."""
        plan, m = self.plan, self.model
        follow_terms: list[cp_model.LinearExprT] = []
        day_terms: list[cp_model.LinearExprT] = []
        balance_terms: list[cp_model.LinearExprT] = []
        groups: dict[tuple[int, tuple[str, ...]], list[int]] = defaultdict(list)
        for s, session in enumerate(plan.sessions):
            if session.kind == "tracking" and session.child is not None:
                groups[(session.child, session.candidates)].append(s)
        for (child, candidates), indices in sorted(groups.items()):
            if len(candidates) < 2:
                continue
            follows = []
            for inspector in candidates:
                follow = m.new_bool_var(f"follow_{child}_{inspector}")
                for s in indices:
                    held = [self.w[k] for k in self.session_keys(s) if k[1] == inspector]
                    if held:
                        m.add(sum(held) <= follow)
                follows.append(follow)
                follow_terms.append(W_FOLLOW * follow)
            m.add(sum(follows) >= 1)  # redundant, for a tighter bound
        people_sessions: dict[str, list[int]] = defaultdict(list)
        for s, session in enumerate(plan.sessions):
            for person in session.people:
                people_sessions[person].append(s)
        for person, indices in sorted(people_sessions.items()):
            if len(indices) < 2:
                continue
            cap = plan.practitioner_limit
            needed_days = []
            for day in range(plan.days):
                on_day = [self.w[k] for s in indices for k in self.session_keys(s) if k[2] == day]
                if on_day:
                    needed = m.new_bool_var(f"day_{person}_{day}")
                    for var in on_day:
                        m.add_implication(var, needed)
                    m.add(sum(on_day) <= cap * needed)
                    needed_days.append(needed)
                    day_terms.append(W_DAYS * needed)
            # redundant, for a tighter bound: at most ``cap`` sessions fit in a day
            m.add(sum(needed_days) >= -(-len(indices) // cap))
        loads: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for (_, inspector, _, _), var in self.w.items():
            loads[inspector].append(var)
        by_inspectorate: dict[str, list[str]] = defaultdict(list)
        for member in plan.inspectors:
            by_inspectorate[member.inspectorate].append(member.name)
        top = len(plan.sessions)
        for key, names in sorted(by_inspectorate.items()):
            if len(names) < 2:
                continue
            # the busiest inspector's load: with the sessions of an inspectorate to share,
            # lowering it evens the loads out (a max-minus-min range proved ~3x slower)
            high = m.new_int_var(0, top, f"busiest_{key}")
            for name in names:
                m.add(high >= sum(loads.get(name, [])))
            # redundant, for a tighter bound: sessions only this inspectorate can hold
            own = sum(1 for x in plan.sessions if x.candidates and set(x.candidates) <= set(names))
            m.add(high * len(names) >= own)
            balance_terms.append(W_BALANCE * high)
        parts = {"follow": sum(follow_terms), "days": sum(day_terms), "balance": sum(balance_terms)}
        m.minimize(sum(parts.values()))
        return parts


def week_solver(settings: Solver, time_limit: float | None = None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    # measured on midshire's week: these halve the deterministic time and change no optimum
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.random_seed = settings.random_seed
    solver.parameters.max_deterministic_time = (
        settings.deterministic_time if time_limit is None else time_limit
    )
    solver.parameters.relative_gap_limit = settings.relative_gap
    return solver


def solve_week(plan: WeekPlan, settings: Solver | None = None) -> Timetable:
    """The best timetable for ``plan``, or :class:`InfeasibleTimetable` with reasons."""
    settings = settings or Solver()
    reasons = precheck(plan)
    if reasons:
        raise InfeasibleTimetable(reasons)
    t0, c0 = time.perf_counter(), time.process_time()
    built = WeekModel(plan)
    parts = built.objective()
    dettime = 0.0
    if len(plan.sessions) > 0:
        # The three preferences are easy one at a time and hard to prove together:
        # the sum of their separate minima is a sound lower bound that lets the
        # joint search stop as soon as it meets it.
        floor = 0.0
        for part in parts.values():
            built.model.minimize(part)
            alone = week_solver(settings, settings.deterministic_time / 5)
            result = alone.solve(built.model)
            dettime += alone.deterministic_time
            if result == cp_model.INFEASIBLE:
                raise InfeasibleTimetable(explain(plan, settings))
            if result in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                floor += alone.best_objective_bound
        total = sum(parts.values())
        built.model.add(total >= math.ceil(floor - 1e-6))
        built.model.minimize(total)
    solver = week_solver(settings)
    status = solver.solve(built.model)
    dettime += solver.deterministic_time
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    chosen = chosen_keys(built, solver, status, settings, advice=" or make the week less crowded")
    bookings = _rooms(plan, chosen)
    leads = leads_of(plan, bookings)
    return Timetable(
        plan=plan,
        bookings=tuple(bookings),
        leads=leads,
        status=status_words(solver),
        objective=float(solver.objective_value),
        solve_seconds=seconds,
        solve_cpu_seconds=cpu,
        deterministic_time=dettime,
    )


def chosen_keys(
    built: WeekModel,
    solver: cp_model.CpSolver,
    status: Any,
    settings: Solver,
    *,
    what: str = "timetable",
    advice: str = "",
) -> list[Key]:
    """The bookings ``solver`` chose in ``built``, by day, slot and session; or
    :class:`InfeasibleTimetable` (with the rules that clash, or the time limit, ending
    ``advice``) when it found no ``what``."""
    plan = built.plan
    if status == cp_model.INFEASIBLE:
        raise InfeasibleTimetable(explain(plan, settings))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InfeasibleTimetable(
            [
                f"no {what} was found within the solver's time limit "
                f"(solver.deterministic_time = {settings.deterministic_time:g}); raise it in the "
                f"settings file{advice}"
            ]
        )
    return sorted(
        (key for key, var in built.w.items() if solver.value(var)),
        key=lambda k: (k[2], k[3], plan.sessions[k[0]].id),
    )


def status_words(solver: cp_model.CpSolver) -> str:
    """``optimal``, or how close to the best possible the timetable is proved to be."""
    value, bound = solver.objective_value, solver.best_objective_bound
    if value - bound < 0.5:
        return "optimal"
    gap = (value - bound) / max(value, 1.0)
    return f"within {max(gap * 100, 0.1):.1f}% of the best possible"


def _rooms(plan: WeekPlan, chosen: list[Key]) -> list[Booking]:
    """Give each conversation in a slot a room, keeping an inspector's room where possible."""
    out: list[Booking] = []
    previous: dict[str, str] = {}
    for (day, slot), group in itertools.groupby(chosen, key=lambda k: (k[2], k[3])):
        keys = list(group)
        free = list(plan.rooms)
        wants = {k: previous.get(k[1]) for k in keys if plan.sessions[k[0]].room}
        given: dict[Key, str] = {}
        for key, room in wants.items():
            if room in free:
                given[key] = room
                free.remove(room)
        for key in wants:
            if key not in given:
                given[key] = free.pop(0)
        for key in keys:
            room = given.get(key)
            if room is not None:
                previous[key[1]] = room
            out.append(
                Booking(
                    session=plan.sessions[key[0]].id,
                    day=day,
                    slot=slot,
                    inspector=key[1],
                    room=room,
                )
            )
    return out


def leads_of(plan: WeekPlan, bookings: list[Booking]) -> dict[int, str]:
    """Each tracked child's lead: who meets the social worker (else their first meeting)."""
    by_id = {s.id: s for s in plan.sessions}
    leads: dict[int, str] = {}
    ordered = sorted(bookings, key=lambda b: (not by_id[b.session].first, b.day, b.slot))
    for booking in ordered:
        session = by_id[booking.session]
        if session.kind == "tracking" and session.child is not None:
            leads.setdefault(session.child, booking.inspector)
    return dict(sorted(leads.items()))


#: Rule groups are tried for removal in this order, so the explanation keeps the
#: absences and limits a facilitator can change, and drops what they cannot.
_DROP_ORDER = ("first:", "need:", "rooms", "practitioner_limit", "inspector_limit", "away:")


def explain(plan: WeekPlan, settings: Solver | None = None) -> list[str]:
    """Why no timetable exists: a small set of named rules that cannot all hold.

    A deletion filter over the rule groups: a group is left out when the others
    still admit no timetable, so (when every solve finishes within its limit)
    relaxing any one group that remains would allow a timetable.
    """
    settings = settings or Solver()
    limit = max(0.5, settings.deterministic_time / 10)
    words = WeekModel(plan).words
    order = sorted(
        words,
        key=lambda n: next(
            (i for i, p in enumerate(_DROP_ORDER) if n.startswith(p)), len(_DROP_ORDER)
        ),
    )

    def infeasible(kept: list[str]) -> bool:
        built = WeekModel(plan, relaxed=set(words) - set(kept))
        status = week_solver(settings, limit).solve(built.model)
        return bool(status == cp_model.INFEASIBLE)

    needed = list(order)
    for name in order:
        trial = [n for n in needed if n != name]
        if infeasible(trial):
            needed = trial
    needed.sort(key=lambda n: order.index(n))
    days = sorted(int(n.split(":")[1]) for n in needed if n.startswith("away:"))
    phrases = [words[n] for n in reversed(needed) if not n.startswith("away:")]
    if days:
        phrases.insert(0, f"the absences on {days_words(plan, days)}")
    rules = "; ".join(phrases)
    if len(phrases) == 1:
        return [f"this rule cannot be kept: {rules}"]
    return [
        f"these rules cannot all hold at once: {rules} (relax any one of them and a "
        "timetable exists)"
    ]


__all__ = [
    "Booking",
    "Timetable",
    "WeekModel",
    "chosen_keys",
    "explain",
    "leads_of",
    "precheck",
    "solve_week",
    "status_words",
    "week_solver",
]
