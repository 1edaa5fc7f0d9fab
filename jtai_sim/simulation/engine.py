"""The referral-flow engine: the only module that imports SimPy.

Children come to notice through demand streams and move through agencies as
*journeys*. An agency has a pool of caseload places (or none, for no queue) and
a waiting list (urgent children first, then first come first served). When a
child's service ends the agency's pathways decide what happens next: a
notification (information only), a parallel referral (a second journey while
the first goes on), a referral (the journey moves) or leaving the partnership.
Each hand-off can lose information or deliver it partial or late, and that is
visible to the receiving agency's decision through the ``information_*``
conditions. While a child waits on a list that allows it, their mental health
can worsen and crises can happen; a child closed without support may come back.

The engine is written on SimPy's environment and event queue with plain
callbacks (no process per child, no ``simpy.Resource``) and steps the queue in
its own loop with the garbage collector paused: the same discrete-event
semantics at a fraction of the cost (see ``docs/performance.md``). Every draw
comes from a named stream (:mod:`jtai_sim.randomness`).

>>> from jtai_sim.scenario.loading import scenario_from_toml
>>> s = scenario_from_toml('''
... name = "One desk"
... duration_days = 100.0
... [demand.d]
... agency = "desk"
... rate_per_10k_per_year = 365.25
... [agencies.desk]
... staff = 2
... service = { mean_days = 1.0 }
... ''')
>>> engine = Engine(s, seed=3)
>>> engine.run()
>>> 80 < engine.children_created < 120
True
"""

from __future__ import annotations

import gc
import heapq
import math
from collections import deque
from collections.abc import Callable
from heapq import heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from jtai_sim.calendar import DAYS_PER_YEAR, WorkingCalendar
from jtai_sim.randomness import Streams
from jtai_sim.scenario.model import (
    FLAGS,
    Agency,
    Backlog,
    ChildProfile,
    Demand,
    Pathway,
    Scenario,
)
from jtai_sim.scenario.partnership import Partnership
from jtai_sim.simulation.eventlog import EventLog
from jtai_sim.vocabulary import (
    SOCIAL_CARE_STATUSES,
    STATUS_CODE,
    Completeness,
    EventKind,
    ExitReason,
    Origin,
)

BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
_LOST = BIT["information_lost"]
_URGENT = BIT["urgent_referral"]

NOT_RECORDED = int(Completeness.NOT_RECORDED)
CHILD, HANDOFF, FORK, NOTIFY = (
    int(EventKind.CHILD),
    int(EventKind.HANDOFF),
    int(EventKind.FORK),
    int(EventKind.NOTIFY),
)
ARRIVE, WAIT, START, END, EXIT = (
    int(EventKind.ARRIVE),
    int(EventKind.WAIT),
    int(EventKind.START),
    int(EventKind.END),
    int(EventKind.EXIT),
)
FROM_DEMAND, FROM_CRISIS, FROM_RETURN, FROM_BACKLOG = (
    int(Origin.NEW),
    int(Origin.CRISIS),
    int(Origin.RETURN),
    int(Origin.INITIAL),
)
TAKEN_OFF, MERGED = float(ExitReason.TAKEN_OFF), float(ExitReason.MERGED)


class _Call:
    """The lightest thing SimPy's scheduler can process: callbacks and a payload.

    ``Environment.step`` only reads ``callbacks`` and ``_ok`` of what it pops, so
    the engine schedules these instead of full :class:`simpy.events.Event` objects.
    """

    __slots__ = ("_ok", "_value", "callbacks")

    def __init__(self, callback: Callable[[Any], None], payload: object) -> None:
        self.callbacks: list[Callable[[Any], None]] | None = [callback]
        self._ok = True
        self._value = payload


class Child:
    """One child known to the partnership."""

    __slots__ = (
        "age",
        "at_risk",
        "deprived",
        "disability",
        "exploitation",
        "id",
        "identified",
        "lists",
        "mh",
        "missing",
        "open",
        "send",
        "status",
        "status_owner",
        "supported",
    )

    def __init__(self, child_id: int, age: int) -> None:
        self.id = child_id
        self.age = age
        self.mh = 0
        self.identified = False
        self.at_risk = self.exploitation = self.missing = False
        self.send = self.disability = self.deprived = False
        self.status = "none"
        self.status_owner: Journey | None = None
        self.open = 0
        self.supported = False
        self.lists: dict[int, list[Journey]] | None = None  # waiting entries by desk

    def mask(self) -> int:
        """The child's conditions as a bit mask (see ``BIT``)."""
        m = 0
        if self.at_risk:
            m |= BIT["at_risk"]
        if self.exploitation:
            m |= BIT["exploitation"]
        if self.missing:
            m |= BIT["missing"]
        if self.mh >= 1:
            m |= BIT["mental_health_need"]
            if self.identified:
                m |= BIT["mental_health_identified"]
        if self.mh >= 2:
            m |= BIT["mental_ill_health"]
        if self.status in SOCIAL_CARE_STATUSES:
            m |= BIT["known_to_social_care"]
            m |= BIT[
                {"cin": "child_in_need", "cp": "child_protection", "looked_after": "looked_after"}[
                    self.status
                ]
            ]
        if self.send:
            m |= BIT["send"]
        if self.disability:
            m |= BIT["disability"]
        if self.deprived:
            m |= BIT["deprived"]
        return m


class Journey:
    """A child's passage through agencies: one referral chain."""

    __slots__ = ("arrived", "child", "crisis", "info", "origin", "rereferral", "token", "urgent")

    def __init__(self, child: Child, origin: int) -> None:
        self.child = child
        self.origin = origin
        self.info = 0  # journey-level condition bits from the last hand-off
        self.crisis = False
        self.rereferral = False
        self.urgent = False
        self.arrived = 0.0
        self.token = 0  # non-zero while waiting or in service; changes at each step

    def mask(self) -> int:
        """Child conditions plus those of this journey."""
        m = self.child.mask() | self.info
        if self.crisis:
            m |= BIT["in_crisis"]
        if self.rereferral:
            m |= BIT["re_referral"]
        return m


class _Route:
    """A compiled pathway."""

    __slots__ = (
        "delay",
        "info",
        "info_delay",
        "info_u",
        "max_age",
        "min_age",
        "p",
        "pathway",
        "recognise",
        "to",
        "u",
        "unless",
        "urgent",
        "urgent_u",
        "when",
    )

    def __init__(self, pathway: Pathway, number: int, to: int, streams: Streams) -> None:
        self.pathway = pathway
        purpose = ("pathway", str(number), pathway.source, pathway.to, pathway.mode)
        self.u = streams.uniform(*purpose)
        self.info_u = streams.uniform(*purpose, "information")
        self.info_delay = streams.exponential(*purpose, "information delay")
        self.to = to
        self.p = pathway.probability
        self.when = sum(BIT[f] for f in pathway.when)
        self.unless = sum(BIT[f] for f in pathway.unless)
        self.min_age = pathway.min_age if pathway.min_age is not None else -1
        self.max_age = pathway.max_age if pathway.max_age is not None else 999
        self.delay = (
            streams.durations(pathway.delay, "delay", pathway.source, pathway.to, pathway.mode)
            if pathway.delay is not None
            else None
        )
        self.info = pathway.information
        self.recognise = pathway.recognise_need
        self.urgent = pathway.urgent
        self.urgent_u = streams.uniform(*purpose, "urgency") if pathway.urgent else None

    @property
    def conditional(self) -> bool:
        return bool(self.when or self.unless) or self.min_age >= 0 or self.max_age < 999

    def applies(self, mask: int, age: int) -> bool:
        return (
            mask & self.when == self.when
            and not mask & self.unless
            and self.min_age <= age <= self.max_age
        )


class Desk:
    """Runtime state of one agency: caseload places in use and the waiting list."""

    def __init__(self, engine: Engine, index: int, key: str, spec: Agency) -> None:
        self.index = index
        self.key = key
        self.spec = spec
        self.servers = spec.servers
        self.busy = 0
        self.office = spec.working == "office"
        self.priority = engine.scenario.prioritises(key)
        self.urgent_mask = sum(BIT[f] for f in spec.urgent_if) | BIT["urgent_referral"]
        self.fifo: deque[Journey] = deque()
        self.heap: list[tuple[int, int, Journey]] = []
        self.waiting = 0  # children on the list (lazily removed ones excluded)
        self.renege_rate = spec.leave_list_per_year / DAYS_PER_YEAR
        self.support = spec.support
        self.reviews = spec.reviews
        self.identifies = spec.identifies_mental_health
        self.improves = spec.improves_mental_health
        self.watch = spec.deterioration_while_waiting
        self.route_u = engine.streams.uniform("routing", key)
        self.outcome_u = engine.streams.uniform("outcomes", key)
        self.hazard = engine.streams.exponential("mental_health", key)
        self.review_u = engine.streams.uniform("reviews", key)
        self.review_late = engine.streams.exponential("reviews", key, "lateness")
        self.return_delay = engine.streams.exponential("re_referral", key)
        self.draw = engine.streams.durations(spec.service, "service", key)
        self.refer: list[_Route] = []
        self.parallel: list[_Route] = []
        self.notify: list[_Route] = []
        self.on_start: list[_Route] = []  # parallel referrals and notifications made at start
        self.cumulative: list[float] = []  # fast path: unconditional referral chances
        self.conditional = False
        self.needs_mask = self.priority

    def compile_routes(self) -> None:
        self.conditional = any(r.conditional for r in self.refer)
        self.needs_mask = (
            self.priority
            or self.conditional
            or any(r.conditional for r in self.parallel + self.notify + self.on_start)
        )
        total = 0.0
        self.cumulative = []
        for route in self.refer:
            total += route.p
            self.cumulative.append(total)

    def next_waiting(self) -> Journey | None:
        """Take the next child off the list (skipping children already taken off)."""
        while True:
            if self.priority:
                if not self.heap:
                    return None
                journey = heapq.heappop(self.heap)[2]
            else:
                if not self.fifo:
                    return None
                journey = self.fifo.popleft()
            if journey.token > 0:
                self.waiting -= 1
                return journey


class Engine:
    """One replication of a scenario: build with a seed, then :meth:`run`."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        replication: int = 0,
        log_events: bool = True,
        calendar: WorkingCalendar | None = None,
        partnership: Partnership | None = None,
    ) -> None:
        self.scenario = scenario
        self.partnership = partnership or Partnership(scenario)
        self.seed = scenario.seed if seed is None else seed
        self.replication = replication
        self.streams = Streams(self.seed, replication)
        self.calendar = calendar or WorkingCalendar(
            scenario.start_date,
            scenario.duration_days,
            bank_holidays=scenario.calendar.bank_holidays,
            terms=scenario.calendar.terms,
        )
        self.env = simpy.Environment()
        self.log = EventLog(scenario.agency_ids, enabled=log_events)
        self._log = self.log.append
        self.children: list[tuple[Any, ...]] = []
        self.children_created = 0
        self._seq = 0
        self.index = {key: i for i, key in enumerate(scenario.agency_ids)}
        self.desks = [Desk(self, i, k, a) for i, (k, a) in enumerate(scenario.agencies.items())]
        for number, pathway in enumerate(scenario.pathways):
            desk = self.desks[self.index[pathway.source]]
            route = _Route(pathway, number, self.index[pathway.to], self.streams)
            if pathway.at == "start":
                desk.on_start.append(route)
            else:
                getattr(desk, pathway.mode).append(route)
        for desk in self.desks:
            desk.compile_routes()
        mh = scenario.mental_health
        self.deteriorate_rate = mh.deterioration_per_year_waiting / DAYS_PER_YEAR
        self.crisis_rate = mh.crisis_per_year_waiting / DAYS_PER_YEAR
        self.crisis_desk = self.index[mh.crisis_agency] if mh.crisis_agency else None
        # a child can be on one list twice only through a parallel referral or a crisis
        self.journeys_overlap = self.crisis_desk is not None or any(
            p.mode == "parallel" for p in scenario.pathways
        )

    # -- scheduling ------------------------------------------------------------
    def _at(self, delay: float, callback: Callable[[Any], None], payload: object) -> None:
        """Call ``callback`` with an event carrying ``payload`` after ``delay`` days."""
        env: Any = self.env
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), _Call(callback, payload)))

    def run(self, progress: Callable[[float], None] | None = None, step_days: float = 7.0) -> None:
        """Simulate from day 0 to the scenario's ``duration_days``.

        ``progress`` is called with the clock after each ``step_days`` slice.
        """
        for desk in self.desks:
            if desk.spec.backlog is not None:
                self._backlog(desk, desk.spec.backlog)
        for i, (key, demand) in enumerate(self.scenario.demand.items()):
            DemandStream(self, i, key, demand).start()
        # the engine makes few reference cycles; the cyclic collector would walk every
        # live child and journey again and again as the run grows
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._loop(progress, step_days)
        finally:
            if collecting:
                gc.enable()

    def _loop(self, progress: Callable[[float], None] | None, step_days: float) -> None:
        horizon = self.scenario.duration_days
        env = self.env
        queue: list[Any] = env._queue
        pop = heapq.heappop
        t = 0.0
        while t < horizon:
            t = min(t + step_days, horizon)
            # Environment.run(until=t) without its per-event step() call: events at
            # exactly t wait for the next slice, as they do behind SimPy's urgent stop
            while queue and queue[0][0] < t:
                env._now, _, _, event = pop(queue)
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:
                    callback(event)
            env._now = t
            self.log.flush()
            if progress is not None:
                progress(t)

    def _backlog(self, desk: Desk, backlog: Backlog) -> None:
        """Fill ``desk`` as it stands on day 0: children part-way through service
        (each with a uniform fraction of a fresh service time left), then the list."""
        profiles = ChildProfiles(self.streams.generator("backlog", desk.key), backlog.profile)
        left = self.streams.uniform("backlog", desk.key, "remaining")
        stream = f"backlog:{desk.key}"
        in_service = backlog.in_service
        if in_service is None:
            in_service = desk.servers or 0
        if desk.servers is not None:
            in_service = min(in_service, desk.servers)
        for i in range(in_service + backlog.waiting):
            row = profiles.next()
            child = self.new_child(row[0], -1)
            child.mh, child.identified, child.at_risk, child.exploitation = row[1:5]
            child.missing, child.send, child.disability, child.deprived = row[5:9]
            self.children.append((child.id, stream, 0.0, *row))
            journey = Journey(child, desk.index)
            self.arrive(journey, desk, FROM_BACKLOG, part_done=left() if i < in_service else None)

    # -- children ----------------------------------------------------------------
    def new_child(self, age: int, stream: int) -> Child:
        self.children_created += 1
        child = Child(self.children_created, age)
        self._log((self.env._now, child.id, -1, CHILD, -1, stream, float(age)))
        return child

    # -- the life of a journey at a desk ----------------------------------------
    def arrive(
        self, journey: Journey, desk: Desk, source: int, part_done: float | None = None
    ) -> None:
        now = self.env._now
        child = journey.child
        child.open += 1
        journey.arrived = now
        self._seq += 1
        journey.token = self._seq
        spec = desk.spec
        urgent = 0
        if desk.priority and journey.mask() & desk.urgent_mask:
            urgent = 1
        journey.urgent = bool(urgent)
        self._log((now, child.id, desk.index, ARRIVE, source, urgent, float(journey.rereferral)))
        if spec.legal_status is not None and child.status != spec.legal_status:
            child.status = spec.legal_status
            child.status_owner = journey
            self._log(
                (
                    now,
                    child.id,
                    desk.index,
                    int(EventKind.STATUS),
                    -1,
                    STATUS_CODE[spec.legal_status],
                    0.0,
                )
            )
        servers = desk.servers
        if servers is None or desk.busy < servers:
            self.start(journey, desk, part_done)
            return
        self._log((now, child.id, desk.index, WAIT, -1, urgent, float(desk.waiting)))
        desk.waiting += 1
        if self.journeys_overlap:
            if child.lists is None:
                child.lists = {}
            child.lists.setdefault(desk.index, []).append(journey)
        if desk.priority:
            heapq.heappush(desk.heap, (1 - urgent, journey.token, journey))
        else:
            desk.fifo.append(journey)
        if desk.watch:
            self._watch(journey, desk)
        if desk.renege_rate > 0:
            self._at(
                desk.hazard() / desk.renege_rate, self._taken_off, (journey, desk, journey.token)
            )

    def start(self, journey: Journey, desk: Desk, remaining: float | None = None) -> None:
        """Give the child a caseload place; service begins now, or at an office agency
        at the next working moment (a referral on Saturday is picked up on Monday)."""
        now = self.env._now
        desk.busy += 1
        length = desk.draw()
        if remaining is not None:
            length *= remaining
        self._seq += 1
        journey.token = self._seq
        if desk.office:
            cal = self.calendar
            w = cal.to_working(now)
            begin = cal.from_working(w)
            finish = cal.from_working(w + length)
            if begin > now:
                self._at(begin - now, self._begin, (journey, desk, finish))
                return
        else:
            finish = now + length
        self._begin_service(journey, desk, now, finish)

    def _begin(self, event: Any) -> None:
        journey, desk, finish = event._value
        self._begin_service(journey, desk, self.env._now, finish)

    def _begin_service(self, journey: Journey, desk: Desk, begin: float, finish: float) -> None:
        child = journey.child
        if child.lists is not None and desk.index in child.lists:
            self._merge_waiting(journey, desk)
        token = journey.token
        self._log(
            (begin, child.id, desk.index, START, -1, int(journey.urgent), begin - journey.arrived)
        )
        if desk.support:
            child.supported = True
        if desk.on_start:
            self._side_routes(journey, desk, desk.on_start)
        if desk.reviews is not None:
            self._at(desk.reviews.first_after_days, self._review_due, (journey, desk, token, 0))
        self._at(finish - begin, self._finish, (journey, desk, begin))

    def _finish(self, event: Any) -> None:
        journey, desk, begin = event._value
        now = self.env._now
        child = journey.child
        self._log((now, child.id, desk.index, END, -1, 0, now - begin))
        desk.busy -= 1
        if desk.waiting:
            waiting = desk.next_waiting()
            if waiting is not None:
                self.start(waiting, desk)
        if (
            desk.identifies
            and child.mh
            and not child.identified
            and desk.outcome_u() < desk.identifies
        ):
            child.identified = True
            self._log((now, child.id, desk.index, int(EventKind.IDENTIFY), -1, child.mh, 0.0))
        if desk.improves and child.mh and desk.outcome_u() < desk.improves:
            child.mh -= 1
            self._log((now, child.id, desk.index, int(EventKind.IMPROVE), -1, child.mh, 0.0))
        child.open -= 1
        journey.token = 0
        self.route(journey, desk)

    # -- routing -------------------------------------------------------------------
    def _side_routes(self, journey: Journey, desk: Desk, routes: list[_Route]) -> None:
        """Notifications and parallel referrals: the journey itself stays where it is."""
        child = journey.child
        mask = journey.mask()
        for route in routes:
            if route.applies(mask, child.age) and route.u() < route.p:
                if route.pathway.mode == "notify":
                    self._send(journey, desk, route, NOTIFY)
                else:
                    fork = Journey(child, journey.origin)
                    fork.crisis = journey.crisis
                    self._send(fork, desk, route, FORK)

    def route(self, journey: Journey, desk: Desk) -> None:
        child = journey.child
        mask = journey.mask() if desk.needs_mask else 0
        if desk.notify or desk.parallel:
            self._side_routes(journey, desk, desk.notify + desk.parallel)
        u = desk.route_u()
        chosen: _Route | None = None
        if desk.conditional:
            total = 0.0
            for route in desk.refer:
                if route.applies(mask, child.age):
                    total += route.p
                    if u < total:
                        chosen = route
                        break
        else:
            for route, cum in zip(desk.refer, desk.cumulative, strict=True):
                if u < cum:
                    chosen = route
                    break
        if chosen is not None:
            self._send(journey, desk, chosen, HANDOFF)
        else:
            self.leave(journey, desk)

    def _send(self, journey: Journey, desk: Desk, route: _Route, kind: int) -> None:
        """Hand a journey (or, for a notification, information only) to ``route.to``."""
        now = self.env._now
        child = journey.child
        info = route.info
        if info is not None:
            u = route.info_u()
            if u < info.complete:
                completeness, bits = Completeness.COMPLETE, 0
            elif u < info.complete + info.partial:
                completeness, bits = Completeness.PARTIAL, BIT["information_partial"]
            else:
                completeness, bits = Completeness.LOST, BIT["information_lost"]
            delay = 0.0
            if completeness != Completeness.LOST and info.delay_mean_days > 0:
                delay = route.info_delay() * info.delay_mean_days
                if delay > info.due_within_days:
                    bits = BIT["information_partial"]
            self._log((now, child.id, desk.index, kind, route.to, int(completeness), delay))
        else:
            bits = 0
            self._log((now, child.id, desk.index, kind, route.to, NOT_RECORDED, 0.0))
        if route.recognise and child.mh and not child.identified:
            self._recognise(journey, route, bits)
        if kind == NOTIFY:
            return
        if route.urgent_u is not None and not bits & _LOST and route.urgent_u() < route.urgent:
            bits |= _URGENT
        journey.info = bits
        target = self.desks[route.to]
        if route.delay is not None:
            child.open += 1  # in transit
            self._at(route.delay(), self._deliver, (journey, target, desk.index))
        else:
            self.arrive(journey, target, desk.index)

    def _recognise(self, journey: Journey, route: _Route, bits: int) -> None:
        """The receiver may recognise the child's mental-health need from what it was told."""
        if bits & BIT["information_lost"]:
            return
        p = route.recognise * (0.5 if bits & BIT["information_partial"] else 1.0)
        if route.u() < p:
            child = journey.child
            child.identified = True
            self._log(
                (self.env._now, child.id, route.to, int(EventKind.IDENTIFY), -1, child.mh, 0.0)
            )

    def _deliver(self, event: Any) -> None:
        journey, target, source = event._value
        journey.child.open -= 1
        self.arrive(journey, target, source)

    def leave(self, journey: Journey, desk: Desk, taken_off: float = 0.0) -> None:
        now = self.env._now
        child = journey.child
        self._log((now, child.id, desk.index, EXIT, -1, int(child.supported), taken_off))
        if child.status_owner is journey:
            child.status = "none"
            child.status_owner = None
            self._log((now, child.id, desk.index, int(EventKind.STATUS), -1, 0, 0.0))
        if child.open == 0 and not child.supported:
            rr = self.scenario.mental_health.re_referral
            p = rr.probability[child.mh]
            if child.at_risk:
                p = max(p, rr.at_risk_probability)
            if p > 0 and desk.outcome_u() < p:
                back = Journey(child, journey.origin)
                back.rereferral = True
                child.open += 1  # away, but coming back
                self._at(desk.return_delay() * rr.mean_delay_days, self._return, back)

    def _return(self, event: Any) -> None:
        journey: Journey = event._value
        journey.child.open -= 1
        self.arrive(journey, self.desks[journey.origin], FROM_RETURN)

    def _taken_off(self, event: Any) -> None:
        """A waiting child is taken off the list unseen: their referral is closed."""
        journey, desk, token = event._value
        if journey.token != token:
            return
        self._off_list(journey, desk, TAKEN_OFF)

    def _off_list(self, journey: Journey, desk: Desk, reason: float) -> None:
        """Take a waiting journey off ``desk``'s list and close it (EXIT value ``reason``)."""
        journey.token = -1  # the list skips it when it comes to the front
        desk.waiting -= 1
        child = journey.child
        child.open -= 1
        if child.lists is not None:
            waiting = child.lists.get(desk.index, [])
            if journey in waiting:
                waiting.remove(journey)
        self.leave(journey, desk, taken_off=reason)

    def _merge_waiting(self, journey: Journey, desk: Desk) -> None:
        """Help starting through one referral ends the child's other waits on this list."""
        assert journey.child.lists is not None
        waiting = journey.child.lists.pop(desk.index)
        for other in waiting:
            if other is not journey and other.token > 0:
                self._off_list(other, desk, MERGED)

    # -- mental health while waiting --------------------------------------------------
    def _watch(self, journey: Journey, desk: Desk) -> None:
        child = journey.child
        token = journey.token
        if self.deteriorate_rate > 0 and child.mh < 2:
            self._at(
                desk.hazard() / self.deteriorate_rate, self._deteriorate, (journey, desk, token)
            )
        if self.crisis_rate > 0 and child.mh >= 2 and self.crisis_desk is not None:
            self._at(desk.hazard() / self.crisis_rate, self._crisis, (journey, desk, token))

    def _deteriorate(self, event: Any) -> None:
        journey, desk, token = event._value
        if journey.token != token:
            return
        child = journey.child
        child.mh += 1
        self._log(
            (self.env._now, child.id, desk.index, int(EventKind.DETERIORATE), -1, child.mh, 0.0)
        )
        if child.mh < 2:
            self._at(
                desk.hazard() / self.deteriorate_rate, self._deteriorate, (journey, desk, token)
            )
        elif self.crisis_rate > 0 and self.crisis_desk is not None:
            self._at(desk.hazard() / self.crisis_rate, self._crisis, (journey, desk, token))

    def _crisis(self, event: Any) -> None:
        journey, desk, token = event._value
        if journey.token != token or self.crisis_desk is None:
            return
        child = journey.child
        self._log((self.env._now, child.id, desk.index, int(EventKind.CRISIS), -1, child.mh, 0.0))
        episode = Journey(child, journey.origin)
        episode.crisis = True
        self.arrive(episode, self.desks[self.crisis_desk], FROM_CRISIS)
        self._at(desk.hazard() / self.crisis_rate, self._crisis, (journey, desk, token))

    # -- reviews ----------------------------------------------------------------------
    def _review_due(self, event: Any) -> None:
        journey, desk, token, _ = event._value
        if journey.token != token:
            return
        reviews = desk.spec.reviews
        late = 0.0
        if desk.review_u() >= reviews.on_time_probability:
            late = desk.review_late() * reviews.late_mean_days
        self._at(late, self._review_held, (journey, desk, token, late))
        count = event._value[3] + 1
        gap = reviews.then_every_days
        if count == 1 and reviews.second_after_days is not None:
            gap = reviews.second_after_days
        self._at(gap, self._review_due, (journey, desk, token, count))

    def _review_held(self, event: Any) -> None:
        journey, desk, token, late = event._value
        if journey.token != token:
            return
        self._log((self.env._now, journey.child.id, desk.index, int(EventKind.REVIEW), -1, 0, late))


class DemandStream:
    """Arrivals of children at one identifying agency (a non-homogeneous Poisson process)."""

    def __init__(self, engine: Engine, index: int, key: str, demand: Demand) -> None:
        self.engine = engine
        self.index = index
        self.key = key
        self.demand = demand
        scenario = engine.scenario
        self.rate = demand.rate_per_10k_per_year * scenario.children / 10_000 / DAYS_PER_YEAR
        self.desk = engine.desks[engine.index[demand.agency]]
        self.gap = engine.streams.exponential("arrivals", key)
        self.thin = engine.streams.uniform("arrivals", key, "thinning")
        self.profiles = ChildProfiles(engine.streams.generator("children", key), demand.profile)
        self.modulated = (
            demand.seasonality != "none"
            or demand.weekend_factor != 1.0
            or demand.trend_per_year != 0.0
        )
        self.peak = self._peak() if self.modulated else 1.0

    def factor(self, t: float) -> float:
        """Rate multiplier at clock time ``t`` (season, weekend, trend)."""
        d = self.demand
        cal = self.engine.calendar
        f = 1.0
        if d.seasonality == "school_terms":
            if cal.is_school_day(t):
                f = d.term_factor
            elif cal.is_working_day(t):
                f = d.holiday_factor
            else:
                f = d.weekend_factor * d.holiday_factor
        elif not cal.is_working_day(t):
            f = d.weekend_factor
        if d.trend_per_year:
            f *= (1 + d.trend_per_year) ** (t / DAYS_PER_YEAR)
        return f

    def _peak(self) -> float:
        horizon = self.engine.scenario.duration_days
        peak = max(self.factor(float(day)) for day in range(math.ceil(horizon) + 1))
        return max(peak, 1e-12)

    def start(self) -> None:
        if self.rate > 0:
            self._schedule()

    def _schedule(self) -> None:
        self.engine._at(self.gap() / (self.rate * self.peak), self._arrival, None)

    def _arrival(self, _: Any) -> None:
        if self.modulated and self.thin() * self.peak >= self.factor(self.engine.env.now):
            self._schedule()
            return
        self._schedule()
        engine = self.engine
        row = self.profiles.next()
        age, mh, identified, at_risk, exploitation, missing, send, disability, deprived = row[:9]
        child = engine.new_child(age, self.index)
        child.mh = mh
        child.identified = identified
        child.at_risk = at_risk
        child.exploitation = exploitation
        child.missing = missing
        child.send = send
        child.disability = disability
        child.deprived = deprived
        engine.children.append((child.id, self.key, engine.env.now, *row))
        journey = Journey(child, self.desk.index)
        journey.crisis = self.demand.crisis
        engine.arrive(journey, self.desk, FROM_DEMAND)


class ChildProfiles:
    """Who the next child of a demand stream is, drawn a block of children at a time."""

    BLOCK = 1024

    def __init__(self, gen: Any, profile: ChildProfile) -> None:
        self.gen = gen
        self.profile = profile
        self.groups = list(self.profile.ethnicity)
        self.buffer: list[tuple[Any, ...]] = []

    def next(self) -> tuple[Any, ...]:
        """The next child's attributes, in ``vocabulary.CHILD_COLUMNS`` order from ``age``."""
        if not self.buffer:
            self.buffer = self._block()
            self.buffer.reverse()
        return self.buffer.pop()

    def _block(self) -> list[tuple[Any, ...]]:
        p = self.profile
        n = self.BLOCK
        u = self.gen.random((12, n))
        age = p.min_age + np.minimum(
            (u[0] * (p.max_age - p.min_age + 1)).astype(int), p.max_age - p.min_age
        )
        mh = np.searchsorted(np.cumsum(p.mental_health)[:-1], u[1], side="right")
        identified = (mh > 0) & (u[2] < p.mental_health_identified)
        shares = np.cumsum(list(p.ethnicity.values()))
        group = np.asarray(self.groups, dtype=object)[
            np.minimum(np.searchsorted(shares, u[11], side="right"), len(shares) - 1)
        ]
        columns = [
            age,
            mh,
            identified,
            u[3] < p.at_risk,
            u[4] < p.exploitation,
            u[5] < p.missing,
            u[6] < p.send,
            u[7] < p.disability,
            u[8] < p.deprived,
            u[9] < p.female,
            group,
        ]
        return list(zip(*(c.tolist() for c in columns), strict=True))
