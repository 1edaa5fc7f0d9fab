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
An agency's places can be shared with other areas (a regional pool of Tier 4 beds):
their admissions take places and wait on the same list but are not children of the
partnership, so they write no rows (:class:`_OtherArea`); a child waiting there can be
held somewhere (a ``held`` row), and a place can be far from home.

The engine is written on SimPy's environment and event queue with plain
callbacks (no process per child, no ``simpy.Resource``) and steps the queue in
its own loop with the garbage collector paused; timers due after the current
bucket of time wait in the engine's buckets until it comes, and timers whose
journey has moved on are dropped there. The same discrete-event semantics at a
fraction of the cost (see ``docs/performance.md``; the SimPy internals this uses
are pinned and checked by ``tests/test_simpy_contract.py``). Every draw comes
from a named stream (:mod:`jtai_sim.randomness`).

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
from array import array
from collections import deque
from collections.abc import Callable
from functools import partial
from heapq import heappush
from itertools import chain
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
    Placements,
    Scenario,
)
from jtai_sim.scenario.partnership import Partnership
from jtai_sim.simulation.eventlog import EventLog
from jtai_sim.vocabulary import (
    CHILD_COLUMNS,
    CHILD_FLAGS,
    HOUSEHOLD_FLAGS,
    LEGAL_STATUSES,
    SOCIAL_CARE_STATUSES,
    STATUS_CODE,
    Completeness,
    EventKind,
    ExitReason,
    HeldIn,
    Origin,
    PartnerCode,
)

BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
_LOST = BIT["information_lost"]
_PARTIAL = BIT["information_partial"]
_URGENT = BIT["urgent_referral"]
_AT_RISK = BIT["at_risk"]
_MH_NEED = BIT["mental_health_need"]
_MH_IDENTIFIED = BIT["mental_health_identified"]
_MH_ILL = BIT["mental_ill_health"]
_IN_CRISIS = BIT["in_crisis"]
_RE_REFERRAL = BIT["re_referral"]
#: the household factors' bits, which lie together: ``(fixed >> _HOUSEHOLD_SHIFT) & 15``
#: is a child's household code as the register keeps it
_HOUSEHOLD_SHIFT = FLAGS.index(HOUSEHOLD_FLAGS[0])
assert FLAGS[_HOUSEHOLD_SHIFT : _HOUSEHOLD_SHIFT + len(HOUSEHOLD_FLAGS)] == HOUSEHOLD_FLAGS
_OUT_OF_AREA = BIT["out_of_area"]
_IN_AREA = ~_OUT_OF_AREA  # clears the bit
_STATUS_BITS = {
    status: (
        BIT["known_to_social_care"]
        | BIT[{"cin": "child_in_need", "cp": "child_protection"}.get(status, status)]
        if status in SOCIAL_CARE_STATUSES
        else 0
    )
    for status in LEGAL_STATUSES
}
Callbacks = tuple[Callable[[Any], None], ...]

NOT_RECORDED = int(Completeness.NOT_RECORDED)
CHILD, HANDOFF, FORK, NOTIFY = (
    int(EventKind.CHILD),
    int(EventKind.HANDOFF),
    int(EventKind.FORK),
    int(EventKind.NOTIFY),
)
STATUS, IDENTIFY, IMPROVE, DETERIORATE, CRISIS, REVIEW = (
    int(EventKind.STATUS),
    int(EventKind.IDENTIFY),
    int(EventKind.IMPROVE),
    int(EventKind.DETERIORATE),
    int(EventKind.CRISIS),
    int(EventKind.REVIEW),
)
INTERIM, RETRIAGE = int(EventKind.INTERIM), int(EventKind.RETRIAGE)
SIGNPOST = int(EventKind.SIGNPOST)
ATTEND = int(EventKind.ATTEND)
_FLOAT = (0.0, 1.0)  # float(flag), by indexing
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
MOVED = float(ExitReason.MOVED)
PLACEMENT = int(EventKind.PLACEMENT)
HELD = int(EventKind.HELD)
FAR_FROM_HOME = int(HeldIn.FAR_FROM_HOME)


class _Timer:
    """What the engine puts on SimPy's queue: the lightest thing it can process.

    ``Environment.step`` reads only ``callbacks`` and ``_ok`` of what it pops, so
    the engine schedules these instead of full :class:`simpy.events.Event` objects.
    ``callbacks`` is a tuple the engine builds once per kind of timer and shares;
    the rest is what the callback needs: the journey and desk, the journey's token
    when the timer was set (for timers that matter only while it is unchanged) and
    one number.
    """

    __slots__ = ("callbacks", "desk", "journey", "token", "value")
    _ok = True

    def __init__(
        self, callbacks: Callbacks, journey: Any, desk: Any, token: int, value: float
    ) -> None:
        self.callbacks: Callbacks | None = callbacks
        self.journey: Journey = journey
        self.desk: Desk = desk
        self.token = token
        self.value = value


class Child:
    """One child known to the partnership.

    The conditions that never change after a child comes to notice are kept as
    bits (``fixed``); the ones that do (mental health, whether the need is
    identified, legal status) as attributes. The one exception is ``out_of_area``,
    a bit of ``fixed`` that placements set and clear (so the mask costs nothing more).
    """

    __slots__ = (
        "age",
        "fixed",
        "id",
        "identified",
        "mh",
        "open",
        "status",
        "status_owner",
        "supported",
        "waits",
    )

    def __init__(self, child_id: int, profile: tuple[float, int, bool, int]) -> None:
        self.id = child_id
        self.age, self.mh, self.identified, self.fixed = profile
        self.status = "none"
        self.status_owner: Journey | None = None
        self.open = 0
        self.supported = 0  # 1 once supported (an int: it is logged as it is)
        self.waits: list[Journey] | None = None  # journeys on a list, each at its ``at``

    def mask(self) -> int:
        """The child's conditions as a bit mask (see ``BIT``)."""
        m = self.fixed | _STATUS_BITS[self.status]
        if self.mh:
            m |= _MH_NEED
            if self.identified:
                m |= _MH_IDENTIFIED
            if self.mh >= 2:
                m |= _MH_ILL
        return m


class Journey:
    """A child's passage through agencies: one referral chain."""

    __slots__ = (
        "arrived",
        "at",
        "child",
        "crisis",
        "family",
        "info",
        "interim",
        "origin",
        "rereferral",
        "signposted",
        "token",
        "urgent",
    )

    def __init__(self, child: Child, origin: int) -> None:
        self.child = child
        self.origin = origin
        self.info = 0  # journey-level condition bits from the last hand-off
        self.crisis = False
        self.rereferral = False
        self.urgent = 0  # 1 if urgent at the desk it is at
        self.arrived = 0.0
        self.token = 0  # non-zero while waiting or in service; changes at each step
        self.at = -1  # the desk whose list it joined last
        #: the token of the wait in which interim support began (0: none); tokens
        #: never come back, so it needs no reset when the journey moves on
        self.interim = 0
        #: the same for signposting to a commissioned offer while waiting (0: none)
        self.signposted = 0
        #: the brothers and sisters travelling with the child as one family (see
        #: ``Engine.arrive``), or None: every child but those of a family referral
        self.family: list[Child] | None = None

    def mask(self) -> int:
        """Child conditions plus those of this journey."""
        m = self.child.mask() | self.info
        if self.crisis:
            m |= _IN_CRISIS
        if self.rereferral:
            m |= _RE_REFERRAL
        return m


class _OtherArea:
    """Another area's child taking or waiting for a shared place (see ``SharedPlaces``).

    The light stand-in for a :class:`Journey` on a shared agency's list: the list reads
    only ``token`` and ``urgent``, and ``child`` is None, which tells :meth:`Engine.start`
    that this is no child of the partnership (no rows, no register entry).
    """

    __slots__ = ("token", "urgent")
    child = None

    def __init__(self, urgent: int) -> None:
        self.token = 0
        self.urgent = urgent


class _Route:
    """A compiled pathway."""

    __slots__ = (
        "delay",
        "delay_factors",
        "every",
        "factors",
        "first",
        "info",
        "info_delay",
        "info_u",
        "max_age",
        "min_age",
        "p",
        "pathway",
        "recognise",
        "target",
        "to",
        "u",
        "unless",
        "urgent",
        "urgent_u",
        "when",
    )

    def __init__(
        self,
        pathway: Pathway,
        number: int,
        to: int,
        streams: Streams,
        group_bits: dict[str, int] | None = None,
    ) -> None:
        self.pathway = pathway
        purpose = ("pathway", str(number), pathway.source, pathway.to, pathway.mode)
        self.u = streams.uniform(*purpose)
        self.info_u = streams.uniform(*purpose, "information")
        self.info_delay = streams.exponential(*purpose, "information delay")
        self.to = to
        self.target: Desk  # set once the desks exist
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
        #: the equity gradient: (bit, multiplier) for each condition, and each ethnic group
        #: (its bit from ``group_bits``), that changes the chance
        self.factors = tuple((BIT[f], m) for f, m in pathway.factors.items()) + tuple(
            (group_bits[g], m) for g, m in pathway.ethnicity_factors.items() if group_bits
        )
        #: the gradient in delay: (bit, multiplier) for each condition that changes it
        self.delay_factors = tuple((BIT[f], m) for f, m in pathway.delay_factors.items())
        self.first = pathway.first_after_days or 0.0
        self.every = pathway.every_days or 0.0

    @property
    def conditional(self) -> bool:
        return (
            bool(self.when or self.unless or self.factors)
            or self.min_age >= 0
            or self.max_age < 999
        )

    def stretch(self, mask: int) -> float:
        """How many times its delays the pathway takes for a child with ``mask``."""
        m = 1.0
        for bit, multiplier in self.delay_factors:
            if mask & bit:
                m *= multiplier
        return m

    def chance(self, mask: int) -> float:
        """The pathway's chance for a child with ``mask``: its probability times the
        multiplier of each of its ``factors`` the child has, capped at 1."""
        p = self.p
        for bit, multiplier in self.factors:
            if mask & bit:
                p *= multiplier
        return p if p < 1.0 else 1.0

    def applies(self, mask: int, age: float) -> bool:
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
        #: interim support and re-triage (None: neither, and nothing drawn)
        self.while_waiting = spec.while_waiting
        if spec.while_waiting is not None:
            self.interim_u = engine.streams.uniform("while_waiting", key, "interim")
            self.interim_hazard = engine.streams.exponential("while_waiting", key, "hazard")
            if spec.while_waiting.signposting > 0:
                self.signpost_u = engine.streams.uniform("while_waiting", key, "signposting")
                self.signpost_hazard = engine.streams.exponential(
                    "while_waiting", key, "signposted hazard"
                )
        #: the offer children on this list are signposted to (set once the desks exist)
        self.signpost_to: Desk | None = None
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
        self.periodic: list[_Route] = []  # ... made every so often while in service
        self.on_placement: list[_Route] = []  # ... made at each placement
        self.placements = spec.placements
        self.identify_factors = tuple((BIT[f], m) for f, m in spec.identifies_factors.items())
        #: the children waiting or in service here whose place a placement move can end
        #: (child id -> journey -> service start, -1 while waiting), or ``None`` if none can
        self.holding: dict[int, dict[Journey, float]] | None = None
        self.kept: list[Desk] = []  # placements: the services a move can end
        self.re_refer: Desk | None = None  # ... and where a child who lost one goes again
        self.move_rate = 0.0
        if spec.placements is not None:
            self.place_u = engine.streams.uniform("placements", key)
            self.move_gap = engine.streams.exponential("placements", key, "moves")
            self.lose_u = engine.streams.uniform("placements", key, "continuity")
            self.move_rate = spec.placements.moves_per_year / DAYS_PER_YEAR
        self.graded = False  # a referral out of here has an equity gradient
        self.timed = False  # periodic pathways or placements run while in service here
        self.extra = False  # timed, or holding: work at the start of service
        self.cumulative: list[tuple[float, _Route]] = []  # unconditional referrals' chances
        self.side: list[_Route] = []  # notifications, then parallel referrals, at the end
        self.conditional = False
        self.needs_mask = self.priority
        self.legal_status = spec.legal_status
        self.per_family = spec.per_family
        #: the partners invited to the meeting held when service starts, as
        #: ``(PartnerCode, chance of attending)`` in code order, or None: no meeting, and
        #: no draws from the attendance stream
        self.attendance: list[tuple[int, float, Callable[[], float]]] | None = None
        if spec.attendance is not None:
            # one stream per partner, so adding a partner leaves the others' draws alone
            self.attendance = sorted(
                (int(PartnerCode.from_key(k)), p, engine.streams.uniform("attendance", key, k))
                for k, p in spec.attendance.items()
            )
        #: places shared with other areas (None: the area's alone, and nothing drawn)
        self.shared = spec.shared
        if spec.shared is not None:
            self.other_rate = spec.shared.other_areas_per_year / DAYS_PER_YEAR
            self.other_gap = engine.streams.exponential("shared", key, "arrivals")
            self.other_draw = engine.streams.durations(spec.service, "shared", key, "service")
            self.other_urgent = spec.shared.urgent
            if spec.shared.urgent > 0:
                self.other_urgent_u = engine.streams.uniform("shared", key, "urgency")
        #: where a waiting child is held, as (cumulative chance, HeldIn code), or None
        self.held: list[tuple[float, int]] | None = None
        if spec.held_in is not None:
            self.held_u = engine.streams.uniform("held_in", key)
            total = 0.0
            self.held = []
            for setting, p in spec.held_in.items():
                total += p
                self.held.append((total, int(HeldIn.from_key(setting))))
        #: the chance a place that starts is far from home (0: never, and nothing drawn)
        self.far = spec.far_from_home
        if self.far > 0:
            self.far_u = engine.streams.uniform("far_from_home", key)

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
            self.cumulative.append((total, route))
        self.side = self.notify + self.parallel
        self.graded = any(r.factors for r in self.refer)
        self.timed = bool(self.periodic) or self.placements is not None
        self.extra = self.timed or self.holding is not None or self.far > 0

    def next_waiting(self) -> Journey | None:
        """Take the next child off the list (skipping children already taken off)."""
        while True:
            if self.priority:
                if not self.heap:
                    return None
                entry = heapq.heappop(self.heap)
                journey = entry[2]
                if entry[1] != journey.token or entry[0] != 1 - journey.urgent:
                    continue  # taken off, or left behind by a re-triage (Engine._retriage)
            else:
                if not self.fifo:
                    return None
                journey = self.fifo.popleft()
            if journey.token > 0:
                self.waiting -= 1
                return journey


def arrivals_per_day(scenario: Scenario, demand: Demand) -> float:
    """Children a day a demand stream brings, before seasons, weekends and trend."""
    return demand.rate_per_10k_per_year * scenario.children / 10_000 / DAYS_PER_YEAR


#: The engine keeps a bucket of time on SimPy's heap; a bucket is short enough for
#: about this many arrivals to fall in it.
ARRIVALS_PER_BUCKET = 50.0


def buckets_per_day(arrivals: float) -> int:
    """Buckets a day for ``arrivals`` a day: a power of two from 1 to 64, so a timer's
    bucket (``int(time * buckets)``) and a bucket's end are exact in floating point.

    >>> buckets_per_day(10.0), buckets_per_day(76.0), buckets_per_day(765.0)
    (1, 2, 16)
    """
    per_day = 1
    while per_day < 64 and arrivals / per_day > ARRIVALS_PER_BUCKET:
        per_day *= 2
    return per_day


class Engine:
    """One replication of a scenario: build with a seed, then :meth:`run`."""

    #: the log's tuple rows are packed at the end of a bucket of time that left this many
    FLUSH_ROWS = 4096
    #: the buckets are swept of dead timers no more often than every this many new ones
    SWEEP_MIN = 4096

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
        # SimPy's queue holds the timers due before ``_near`` (the end of the current
        # bucket of time); later ones wait in buckets and join it a bucket at a time,
        # so the heap stays small however many timers are pending and however long.
        # Timers due at or after the end of the run are never kept: they could not fire.
        self._horizon = scenario.duration_days
        self._queue: list[Any] = self.env._queue
        self._eid = self.env._eid
        self._per_day = buckets_per_day(
            sum(arrivals_per_day(scenario, d) for d in scenario.demand.values())
        )
        self._near = 1.0 / self._per_day
        buckets = int(self._horizon * self._per_day) + 1
        self._far: list[list[Any]] = [[] for _ in range(buckets)]
        self._far_while: list[list[Any]] = [[] for _ in range(buckets)]
        self._while_added = 0
        self._while_kept = self.SWEEP_MIN
        self.log = EventLog(scenario.agency_ids, enabled=log_events)
        self._log = self.log.append
        self.children = ChildRegister()
        self._register_id = self.children.ids.append
        self._register_source = self.children.sources.append
        self._register_arrived = self.children.arrived.append
        self.children_created = 0
        self._seq = 0
        self.index = {key: i for i, key in enumerate(scenario.agency_ids)}
        #: a bit of ``Child.fixed`` for each ethnic group, above the conditions' bits, when
        #: an equity gradient names an ethnic group (None otherwise: no bits to set)
        self.group_bits: dict[str, int] | None = None
        if any(p.ethnicity_factors for p in scenario.pathways):
            self.group_bits = {
                g: 1 << (len(FLAGS) + i) for i, g in enumerate(scenario.ethnic_groups)
            }
        self.desks = [Desk(self, i, k, a) for i, (k, a) in enumerate(scenario.agencies.items())]
        #: every pathway's route, in the scenario's order (for the injects that name one)
        self.routes: list[_Route] = []
        for number, pathway in enumerate(scenario.pathways):
            desk = self.desks[self.index[pathway.source]]
            route = _Route(pathway, number, self.index[pathway.to], self.streams, self.group_bits)
            route.target = self.desks[route.to]
            self.routes.append(route)
            if pathway.at == "start":
                desk.on_start.append(route)
            elif pathway.at == "every":
                desk.periodic.append(route)
            elif pathway.at == "placement":
                desk.on_placement.append(route)
            else:
                getattr(desk, pathway.mode).append(route)
        for desk in self.desks:
            if desk.placements is not None:
                self._placements_desk(desk, desk.placements)
            ww = desk.while_waiting
            if ww is not None and ww.signposting > 0 and ww.signpost_to is not None:
                desk.signpost_to = self.desks[self.index[ww.signpost_to]]
        for desk in self.desks:
            desk.compile_routes()
        # the callbacks of each kind of timer, built once (see _Timer)
        self._on_begin = (self._begin,)
        self._on_review_due = (self._review_due,)
        self._on_finish = (self._finish,)
        self._on_deliver = (self._deliver,)
        self._on_return = (self._return,)
        self._on_taken_off = (self._taken_off,)
        self._on_deteriorate = (self._deteriorate,)
        self._on_crisis = (self._crisis,)
        self._on_review_held = (self._review_held,)
        self._on_interim = (self._interim,)
        self._on_retriage = (self._retriage,)
        self._on_signpost = (self._signpost,)
        self._on_periodic = (self._periodic,)
        self._on_move = (self._move,)
        self._on_other_arrive = (self._other_arrive,)
        self._on_other_finish = (self._other_finish,)
        mh = scenario.mental_health
        self._re_referral = mh.re_referral
        self._comes_back = any(mh.re_referral.probability) or mh.re_referral.at_risk_probability > 0
        self.deteriorate_rate = mh.deterioration_per_year_waiting / DAYS_PER_YEAR
        self.crisis_rate = mh.crisis_per_year_waiting / DAYS_PER_YEAR
        self.crisis_desk = self.index[mh.crisis_agency] if mh.crisis_agency else None
        # a child can be on one list twice only through a parallel referral or a crisis
        self.journeys_overlap = (
            self.crisis_desk is not None
            or any(p.mode == "parallel" for p in scenario.pathways)
            or any(d.re_refer is not None for d in self.desks)
            or any(d.signpost_to is not None for d in self.desks)
        )

    # -- scheduling ------------------------------------------------------------
    def _at(
        self,
        delay: float,
        callbacks: Callbacks,
        journey: Journey | None = None,
        desk: Desk | None = None,
        value: float = 0.0,
    ) -> None:
        """Call ``callbacks`` with a :class:`_Timer` carrying the rest after ``delay`` days.

        The entry is SimPy's, ``(time, priority, event id, event)``, pushed the way
        ``Environment.schedule`` pushes it (see docs/performance.md for why not
        through it).
        """
        when = self.env._now + delay
        if when < self._near:
            timer = _Timer(callbacks, journey, desk, 0, value)
            heappush(self._queue, (when, NORMAL, next(self._eid), timer))
        elif when < self._horizon:
            timer = _Timer(callbacks, journey, desk, 0, value)
            self._far[int(when * self._per_day)].append((when, NORMAL, next(self._eid), timer))

    def _at_while(
        self,
        delay: float,
        callbacks: Callbacks,
        journey: Journey,
        desk: Desk,
        token: int,
        value: float = 0.0,
    ) -> None:
        """:meth:`_at` for a timer that matters only while ``journey.token`` is still
        ``token`` (tokens never come back, so once changed the timer is dead)."""
        when = self.env._now + delay
        if when < self._near:
            timer = _Timer(callbacks, journey, desk, token, value)
            heappush(self._queue, (when, NORMAL, next(self._eid), timer))
        elif when < self._horizon:
            timer = _Timer(callbacks, journey, desk, token, value)
            self._far_while[int(when * self._per_day)].append(
                (when, NORMAL, next(self._eid), timer)
            )
            self._while_added += 1

    def _advance(self) -> None:
        """Move the next bucket's timers onto SimPy's queue, leaving out the dead ones."""
        if self._while_added > self._while_kept:
            self._sweep()
        day = int(self._near * self._per_day)
        self._near = (day + 1) / self._per_day
        queue = self.env._queue
        entries, self._far[day] = self._far[day], []
        for entry in entries:
            heappush(queue, entry)
        entries, self._far_while[day] = self._far_while[day], []
        for entry in entries:
            timer = entry[3]
            if timer.journey.token == timer.token:
                heappush(queue, entry)

    def _sweep(self) -> None:
        """Drop the dead timers from the buckets, and the children only they kept.

        Run whenever as many timers have been added as were kept the last time, so its
        cost stays in proportion to the timers scheduled.
        """
        kept = 0
        for day in range(int(self._near * self._per_day), len(self._far_while)):
            bucket = self._far_while[day]
            if bucket:
                bucket[:] = [e for e in bucket if e[3].journey.token == e[3].token]
                kept += len(bucket)
        self._while_kept = max(kept, self.SWEEP_MIN)
        self._while_added = 0

    def run(self, progress: Callable[[float], None] | None = None, step_days: float = 7.0) -> None:
        """Simulate from day 0 to the scenario's ``duration_days``.

        ``progress`` is called with the clock after each ``step_days`` slice.
        """
        plan = None
        if self.scenario.injects:  # their timers first: a change takes effect at its moment
            from jtai_sim.simulation.injects import InjectPlan

            plan = InjectPlan(self)
            plan.schedule()
        for desk in self.desks:
            if desk.spec.backlog is not None:
                self._backlog(desk, desk.spec.backlog)
        for i, (key, demand) in enumerate(self.scenario.demand.items()):
            if plan is None:
                DemandStream(self, i, key, demand).start()
            else:
                plan.demand_stream(i, key, demand).start()
        for desk in self.desks:
            if desk.shared is not None:
                self._other_areas_at_start(desk)
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
        pending = self.log.rows
        pop = heapq.heappop
        t = 0.0
        while t < horizon:
            t = min(t + step_days, horizon)
            # Environment.run(until=t) without its per-event step() call: events at
            # exactly t wait for the next slice, as they do behind SimPy's urgent stop
            while True:
                bound = t if t < self._near else self._near
                while queue and queue[0][0] < bound:
                    env._now, _, _, event = pop(queue)
                    callbacks, event.callbacks = event.callbacks, None
                    for callback in callbacks:
                        callback(event)
                if self._near >= t:
                    break
                self._advance()
                if len(pending) >= self.FLUSH_ROWS:
                    self.log.flush()  # pack while the rows are still in the processor's cache
            env._now = t
            self.log.flush()
            if progress is not None:
                progress(t)

    def _backlog(self, desk: Desk, backlog: Backlog) -> None:
        """Fill ``desk`` as it stands on day 0: children part-way through service, then
        the list.

        A child in service on day 0 is on an episode of length ``L`` drawn from the
        length-biased service time (density ``x f(x) / mean``: a long episode is
        more likely to be the one found in progress), a uniform share ``U`` of which
        has already gone; ``U * L`` is left. That is the equilibrium residual life of
        the service time (density ``(1 - F(x)) / mean``), so a caseload started at
        its steady-state size stays there. A uniform share of a *fresh* draw would
        leave on average half a mean (the equilibrium residual of an exponential is
        a whole mean) and the caseload would drain at first.

        Their episode began before the run: their service starts on day 0 with what
        has gone already known (see :meth:`start`), so no start-of-service pathway
        fires and reviews carry on from where the plan has got to. Their legal status
        is recorded on day 0 (in :meth:`arrive`), so the records show it.
        """
        profiles = ChildProfiles(
            self.streams.generator("backlog", desk.key), backlog.profile, self.group_bits
        )
        episode = self.streams.length_biased(desk.spec.service, "backlog", desk.key, "episode")
        gone = self.streams.uniform("backlog", desk.key, "remaining")
        source = self.children.source(f"backlog:{desk.key}", profiles)
        back = desk.index if backlog.returns_to is None else self.index[backlog.returns_to]
        in_service = backlog.in_service
        if in_service is None:
            in_service = desk.servers or 0
        if desk.servers is not None:
            in_service = min(in_service, desk.servers)
        draws = (
            HouseholdDraws(self.streams, f"backlog:{desk.key}", backlog.profile, siblings=False)
            if backlog.profile.households
            else None
        )
        for i in range(in_service + backlog.waiting):
            if draws is None:
                journey = Journey(self.new_child(profiles.next(), -1, source), back)
            else:  # their household factors (brothers and sisters are not followed here)
                journey = self.new_household(draws, profiles, -1, source, back)
            carried = None
            if i < in_service:
                length = episode()
                done = gone() * length
                carried = (done, length - done)
            self.arrive(journey, desk, FROM_BACKLOG, carried=carried)
        if backlog.returning:
            self._returning(desk, backlog.returning, profiles, source)

    def _returning(self, desk: Desk, count: int, profiles: ChildProfiles, source: int) -> None:
        """``count`` children closed before day 0 who come back to ``desk`` re-referred,
        each after an exponential delay of the re-referral mean (memoryless: the time
        they have been away already leaves the same to run)."""
        delay = self.streams.exponential("backlog", desk.key, "returning")
        mean = self._re_referral.mean_delay_days
        for _ in range(count):
            back = Journey(self.new_child(profiles.next(), -1, source), desk.index)
            back.rereferral = True
            back.child.open += 1  # away, but coming back
            self._at(delay() * mean, self._on_return, back)

    # -- children ----------------------------------------------------------------
    def new_child(self, profile: tuple[float, int, bool, int], stream: int, source: int) -> Child:
        """A child who has just come to notice, with ``profile`` from :class:`ChildProfiles`
        (``stream`` is logged, ``source`` is the register's)."""
        self.children_created += 1
        child = Child(self.children_created, profile)
        now = self.env._now
        self._log((now, child.id, -1, CHILD, -1, stream, child.age))
        # self.children.add(child.id, source, now), inlined
        self._register_id(child.id)
        self._register_source(source)
        self._register_arrived(now)
        return child

    def new_household(
        self,
        draws: HouseholdDraws,
        profiles: ChildProfiles,
        stream: int,
        source: int,
        home: int,
    ) -> Journey:
        """A child of a profile that has households, as a journey starting at desk
        ``home``: their household factors drawn, and for a referral that concerns the
        family their brothers and sisters created with them (same stream, same moment,
        their own age and mental health, the household's factors) to travel with them."""
        factors = draws.factors()
        age, mh, identified, fixed = profiles.next()
        child = self.new_child((age, mh, identified, fixed | factors), stream, source)
        code = factors >> _HOUSEHOLD_SHIFT
        register = self.children.households
        register[child.id] = (child.id, code)
        journey = Journey(child, home)
        siblings = draws.siblings()
        if siblings:
            family = []
            for _ in range(siblings):
                age, mh, identified, fixed = profiles.next()
                sibling = self.new_child((age, mh, identified, fixed | factors), stream, source)
                register[sibling.id] = (child.id, code)
                family.append(sibling)
            journey.family = family
        return journey

    # -- the life of a journey at a desk ----------------------------------------
    def arrive(
        self,
        journey: Journey,
        desk: Desk,
        source: int,
        carried: tuple[float, float] | None = None,
    ) -> None:
        family = journey.family
        if family is not None and not desk.per_family:
            self._split(journey, family, desk, source)
            return
        now = self.env._now
        child = journey.child
        child.open += 1
        journey.arrived = now
        urgent = 1 if desk.priority and journey.mask() & desk.urgent_mask else 0
        journey.urgent = urgent
        log = self._log
        log((now, child.id, desk.index, ARRIVE, source, urgent, _FLOAT[journey.rereferral]))
        if desk.holding is not None:
            desk.holding.setdefault(child.id, {})[journey] = -1.0
        status = desk.legal_status
        if status is not None and child.status != status:
            child.fixed &= _IN_AREA  # a placement out of the area ends with care
            child.status = status
            child.status_owner = journey
            log((now, child.id, desk.index, STATUS, -1, STATUS_CODE[status], 0.0))
        if family is not None:
            for sibling in family:
                sibling.open += 1
                log((now, sibling.id, desk.index, ARRIVE, source, urgent, 0.0))
                if status is not None and sibling.status != status:
                    sibling.status = status
                    sibling.status_owner = journey
                    log((now, sibling.id, desk.index, STATUS, -1, STATUS_CODE[status], 0.0))
        servers = desk.servers
        if servers is None or desk.busy < servers:
            self.start(journey, desk, carried)
            return
        self._seq += 1
        journey.token = self._seq
        log((now, child.id, desk.index, WAIT, -1, urgent, float(desk.waiting)))
        if family is not None:
            for sibling in family:
                log((now, sibling.id, desk.index, WAIT, -1, urgent, float(desk.waiting)))
        if desk.held is not None:
            self._held(journey, desk)
        desk.waiting += 1
        if self.journeys_overlap:
            journey.at = desk.index
            if child.waits is None:
                child.waits = [journey]
            else:
                child.waits.append(journey)
        if desk.priority:
            heapq.heappush(desk.heap, (1 - urgent, journey.token, journey))
        else:
            desk.fifo.append(journey)
        if desk.watch:
            self._watch(journey, desk)
        if desk.while_waiting is not None:
            self._while_waiting(journey, desk)
        if desk.renege_rate > 0:
            self._at_while(
                desk.hazard() / desk.renege_rate, self._on_taken_off, journey, desk, journey.token
            )

    def start(
        self, journey: Journey, desk: Desk, carried: tuple[float, float] | None = None
    ) -> None:
        """Give the child a caseload place; service begins now, or at an office agency
        at the next working moment (a referral on Saturday is picked up on Monday).

        ``carried`` is ``(gone, left)`` for a child already in service when the run
        began (see :meth:`_backlog`): the service goes on now, ``left`` of it to run.
        """
        if desk.shared is not None and journey.child is None:
            self._other_start(journey, desk)
            return
        now = self.env._now
        desk.busy += 1
        self._seq += 1
        journey.token = self._seq
        if carried is not None:
            length = carried[1]
            if desk.office:
                cal = self.calendar
                finish = cal.from_working(cal.to_working(now) + length)
            else:
                finish = now + length
            self._begin_service(journey, desk, now, finish, carried[0])
            return
        length = desk.draw()
        if desk.office:
            cal = self.calendar
            w = cal.to_working(now)
            begin = cal.from_working(w)
            finish = cal.from_working(w + length)
            if begin > now:
                self._at(begin - now, self._on_begin, journey, desk, finish)
                return
        else:
            finish = now + length
        self._begin_service(journey, desk, now, finish)

    def _begin(self, timer: _Timer) -> None:
        self._begin_service(timer.journey, timer.desk, self.env._now, timer.value)

    def _begin_service(
        self, journey: Journey, desk: Desk, begin: float, finish: float, gone: float = -1.0
    ) -> None:
        """Service begins (``gone`` >= 0: it began ``gone`` days of service before the run,
        so its start-of-service pathways were made then, not now)."""
        child = journey.child
        if child.waits is not None:
            self._merge_waiting(journey, desk)
        token = journey.token
        self._log((begin, child.id, desk.index, START, -1, journey.urgent, begin - journey.arrived))
        if desk.support:
            child.supported = 1
        family = journey.family
        if family is not None:
            waited = begin - journey.arrived
            for sibling in family:
                self._log((begin, sibling.id, desk.index, START, -1, journey.urgent, waited))
                if desk.support:
                    sibling.supported = 1
        if desk.extra:
            self._extra_begin(journey, desk, token, begin, gone)
        if gone < 0:
            if desk.attendance is not None:
                self._attend(journey, desk, begin)
            if desk.on_start:
                self._side_routes(journey, desk, desk.on_start)
                if family is not None:
                    self._family_side_routes(journey, family, desk, desk.on_start)
            if desk.reviews is not None:
                self._at_while(
                    desk.reviews.first_after_days, self._on_review_due, journey, desk, token
                )
        elif desk.reviews is not None:
            due, number = self._next_review(desk, gone)
            self._at_while(due, self._on_review_due, journey, desk, token, number)
        # self._at(finish - begin, self._on_finish, journey, desk, begin), inlined: every
        # service ends this way
        when = self.env._now + (finish - begin)
        if when < self._near:
            timer = _Timer(self._on_finish, journey, desk, 0, begin)
            heappush(self._queue, (when, NORMAL, next(self._eid), timer))
        elif when < self._horizon:
            timer = _Timer(self._on_finish, journey, desk, 0, begin)
            self._far[int(when * self._per_day)].append((when, NORMAL, next(self._eid), timer))

    def _attend(self, journey: Journey, desk: Desk, begin: float) -> None:
        """The multi-agency meeting held as service starts: each invited partner attends
        or not (one ATTEND row each, on every record of a family the meeting is about).

        Working Together 2023 expects social care, police and health at a strategy
        discussion, with the referrer and education where relevant; who comes is drawn
        afresh for each meeting.
        """
        child = journey.child
        family = journey.family
        log = self._log
        for code, p, u in desk.attendance or ():
            came = 1.0 if u() < p else 0.0
            log((begin, child.id, desk.index, ATTEND, -1, code, came))
            if family is not None:
                for sibling in family:
                    log((begin, sibling.id, desk.index, ATTEND, -1, code, came))

    @staticmethod
    def _next_review(desk: Desk, gone: float) -> tuple[float, int]:
        """Days until the next review of a plan that began ``gone`` days of service ago,
        and that review's number (from 0), on the agency's review schedule.

        Reviews are due on the simulation clock (calendar days); at an office agency
        ``gone`` counts working days, taken as five in every seven calendar days.
        """
        reviews = desk.reviews
        assert reviews is not None
        elapsed = gone * 7.0 / 5.0 if desk.office else gone
        due, number = reviews.first_after_days, 0
        while due <= elapsed:
            gap = reviews.then_every_days
            if number == 0 and reviews.second_after_days is not None:
                gap = reviews.second_after_days
            due += gap
            number += 1
        return due - elapsed, number

    def _finish(self, timer: _Timer) -> None:
        journey, desk, begin = timer.journey, timer.desk, timer.value
        if desk.holding is not None and self._released(journey, desk):
            return  # the service was cut short by a placement move (see _lose_places)
        now = self.env._now
        child = journey.child
        self._log((now, child.id, desk.index, END, -1, 0, now - begin))
        desk.busy -= 1
        if desk.waiting:
            if desk.priority:
                waiting = desk.next_waiting()
            else:  # Desk.next_waiting inlined: someone is waiting, so the list holds them
                fifo = desk.fifo
                waiting = fifo.popleft()
                while waiting.token <= 0:  # taken off the list already
                    waiting = fifo.popleft()
                desk.waiting -= 1
            if waiting is not None:
                self.start(waiting, desk)
        if (
            desk.identifies
            and child.mh
            and not child.identified
            and desk.outcome_u()
            < (desk.identifies if not desk.identify_factors else self._identifies(desk, journey))
        ):
            child.identified = True
            self._log((now, child.id, desk.index, IDENTIFY, -1, child.mh, 0.0))
        if desk.improves and child.mh and desk.outcome_u() < desk.improves:
            child.mh -= 1
            self._log((now, child.id, desk.index, IMPROVE, -1, child.mh, 0.0))
        child.open -= 1
        journey.token = 0
        if journey.family is not None:
            self._family_finish(journey.family, desk, now - begin)
        self.route(journey, desk)

    def _finish_capped(self, timer: _Timer) -> None:
        """:meth:`_finish` for a run whose staff injects can leave an agency with more
        children in service than places: then the place this service frees is one the
        inject took away, and nobody waiting takes it.

        Swapped in for ``_finish`` only when a staff inject exists, so a run without
        one pays nothing. The list is hidden from ``_finish`` by setting its count to 0
        and adding back what it held; counts are only ever moved by one up or down, so
        what happens to the list meanwhile (a child routed back to it, taken off it as
        they start elsewhere) comes out right. Only the list length a WAIT row records
        for a child joining this same list in this same moment leaves out the children
        hidden.
        """
        desk = timer.desk
        servers = desk.servers
        if servers is None or not desk.waiting or desk.busy <= servers:
            self._finish(timer)
            return
        hidden, desk.waiting = desk.waiting, 0
        try:
            self._finish(timer)
        finally:
            desk.waiting += hidden

    # -- families ------------------------------------------------------------------
    def _split(self, journey: Journey, family: list[Child], desk: Desk, source: int) -> None:
        """A family reaching an agency that is not per-family: each child goes on alone.

        The child whose referral it is keeps the journey; each brother or sister takes a
        journey of their own from here (with what the hand-off told, and the legal status
        the family's journey gave them), arriving at ``desk`` at the same moment.
        """
        journey.family = None
        self.arrive(journey, desk, source)
        for sibling in family:
            own = Journey(sibling, journey.origin)
            own.info = journey.info
            own.crisis = journey.crisis
            if sibling.status_owner is journey:
                sibling.status_owner = own
            self.arrive(own, desk, source)

    def _family_finish(self, family: list[Child], desk: Desk, length: float) -> None:
        """The family's service ends: each brother or sister's record shows it, and the
        agency may recognise each one's own mental-health need."""
        now = self.env._now
        log = self._log
        for sibling in family:
            log((now, sibling.id, desk.index, END, -1, 0, length))
            if (
                desk.identifies
                and sibling.mh
                and not sibling.identified
                and desk.outcome_u() < desk.identifies
            ):
                sibling.identified = True
                log((now, sibling.id, desk.index, IDENTIFY, -1, sibling.mh, 0.0))
            if desk.improves and sibling.mh and desk.outcome_u() < desk.improves:
                sibling.mh -= 1
                log((now, sibling.id, desk.index, IMPROVE, -1, sibling.mh, 0.0))
            sibling.open -= 1

    def _family_side_routes(
        self, journey: Journey, family: list[Child], desk: Desk, routes: list[_Route]
    ) -> None:
        """Notifications and parallel referrals for each brother or sister, on their own
        conditions (each has their own school, GP and mental health)."""
        for sibling in family:
            member = Journey(sibling, journey.origin)
            member.info = journey.info
            member.crisis = journey.crisis
            self._side_routes(member, desk, routes)

    # -- routing -------------------------------------------------------------------
    def _side_routes(self, journey: Journey, desk: Desk, routes: list[_Route]) -> None:
        """Notifications and parallel referrals: the journey itself stays where it is."""
        child = journey.child
        mask = journey.mask()
        for route in routes:
            if route.applies(mask, child.age) and route.u() < (
                route.chance(mask) if route.factors else route.p
            ):
                if route.pathway.mode == "notify":
                    self._send(journey, desk, route, NOTIFY)
                else:
                    fork = Journey(child, journey.origin)
                    fork.crisis = journey.crisis
                    self._send(fork, desk, route, FORK)

    def route(self, journey: Journey, desk: Desk) -> None:
        # the referral is chosen on the conditions as they were before any notification
        mask = journey.mask() if desk.conditional else 0
        if desk.side:
            self._side_routes(journey, desk, desk.side)
            if journey.family is not None:
                self._family_side_routes(journey, journey.family, desk, desk.side)
        u = desk.route_u()
        chosen: _Route | None = None
        if desk.graded:  # an equity gradient: the chances depend on the child
            age = journey.child.age
            total = 0.0
            for route in desk.refer:
                if route.applies(mask, age):
                    total += route.chance(mask)
                    if u < total:
                        chosen = route
                        break
        elif desk.conditional:
            age = journey.child.age
            total = 0.0
            for route in desk.refer:
                if route.applies(mask, age):
                    total += route.chance(mask) if route.factors else route.p
                    if u < total:
                        chosen = route
                        break
        else:
            for cum, route in desk.cumulative:
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
                if route.delay_factors:
                    delay *= route.stretch(journey.mask())
                if delay > info.due_within_days:
                    bits = BIT["information_partial"]
            self._log((now, child.id, desk.index, kind, route.to, int(completeness), delay))
            row = (int(completeness), delay)
        else:
            bits = 0
            self._log((now, child.id, desk.index, kind, route.to, NOT_RECORDED, 0.0))
            row = (NOT_RECORDED, 0.0)
        family = journey.family if kind == HANDOFF else None
        if family is not None:  # one referral of the family: each child's record shows it
            for sibling in family:
                self._log((now, sibling.id, desk.index, kind, route.to, *row))
        if route.recognise and child.mh and not child.identified:
            self._recognise(journey, route, bits)
        if kind == NOTIFY:
            return
        if route.urgent_u is not None and not bits & _LOST and route.urgent_u() < route.urgent:
            bits |= _URGENT
        journey.info = bits
        target = route.target
        if route.delay is not None:
            child.open += 1  # in transit
            if family is not None:
                for sibling in family:
                    sibling.open += 1
            transit = route.delay()
            if route.delay_factors:
                transit *= route.stretch(journey.mask())
            self._at(transit, self._on_deliver, journey, target, desk.index)
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
            self._log((self.env._now, child.id, route.to, IDENTIFY, -1, child.mh, 0.0))

    def _deliver(self, timer: _Timer) -> None:
        journey = timer.journey
        journey.child.open -= 1
        if journey.family is not None:
            for sibling in journey.family:
                sibling.open -= 1
        self.arrive(journey, timer.desk, int(timer.value))

    def leave(self, journey: Journey, desk: Desk, taken_off: float = 0.0) -> None:
        now = self.env._now
        members = (journey.child,) if journey.family is None else (journey.child, *journey.family)
        for child in members:
            self._log((now, child.id, desk.index, EXIT, -1, child.supported, taken_off))
            if child.status_owner is journey:
                child.fixed &= _IN_AREA  # a placement out of the area ends with care
                child.status = "none"
                child.status_owner = None
                self._log((now, child.id, desk.index, STATUS, -1, 0, 0.0))
            if child.open == 0 and not child.supported and self._comes_back:
                rr = self._re_referral
                p = rr.probability[child.mh]
                if child.fixed & _AT_RISK:
                    p = max(p, rr.at_risk_probability)
                if p > 0 and desk.outcome_u() < p:
                    back = Journey(child, journey.origin)  # each child comes back alone
                    back.rereferral = True
                    child.open += 1  # away, but coming back
                    self._at(desk.return_delay() * rr.mean_delay_days, self._on_return, back)

    def _return(self, timer: _Timer) -> None:
        journey = timer.journey
        journey.child.open -= 1
        self.arrive(journey, self.desks[journey.origin], FROM_RETURN)

    def _taken_off(self, timer: _Timer) -> None:
        """A waiting child is taken off the list unseen: their referral is closed."""
        if timer.journey.token == timer.token:
            self._off_list(timer.journey, timer.desk, TAKEN_OFF)

    def _off_list(self, journey: Journey, desk: Desk, reason: float) -> None:
        """Take a waiting journey off ``desk``'s list and close it (EXIT value ``reason``)."""
        journey.token = -1  # the list skips it when it comes to the front
        desk.waiting -= 1
        child = journey.child
        if desk.holding is not None:
            self._released(journey, desk)
        child.open -= 1
        if journey.family is not None:
            for sibling in journey.family:
                sibling.open -= 1
        waits = child.waits
        if waits is not None and journey in waits:
            waits.remove(journey)
            if not waits:
                child.waits = None
        self.leave(journey, desk, taken_off=reason)

    def _merge_waiting(self, journey: Journey, desk: Desk) -> None:
        """Help starting through one referral ends the child's other waits on this list."""
        child = journey.child
        assert child.waits is not None
        here = desk.index
        waiting = [j for j in child.waits if j.at == here]
        if not waiting:
            return
        child.waits = [j for j in child.waits if j.at != here] or None
        for other in waiting:
            if other is not journey and other.token > 0:
                self._off_list(other, desk, MERGED)

    # -- mental health while waiting --------------------------------------------------
    def _watch(self, journey: Journey, desk: Desk) -> None:
        """Set a waiting child's next worsening or crisis at the rates of their wait."""
        child = journey.child
        token = journey.token
        if self.deteriorate_rate > 0 and child.mh < 2:
            self._hazard_timer(journey, desk, token, crisis=False)
        if self.crisis_rate > 0 and child.mh >= 2 and self.crisis_desk is not None:
            self._hazard_timer(journey, desk, token, crisis=True)

    def _deteriorate(self, timer: _Timer) -> None:
        journey, desk, token = timer.journey, timer.desk, timer.token
        if journey.token != token:
            return
        if (journey.interim == token or journey.signposted == token) and timer.value != (
            self._support(journey, token)
        ):
            return  # set before interim support or signposting began, which drew it again
        child = journey.child
        if child.mh < 2:  # waiting on another list may already have made the child unwell
            child.mh += 1
            self._log((self.env._now, child.id, desk.index, DETERIORATE, -1, child.mh, 0.0))
        if child.mh < 2:
            self._hazard_timer(journey, desk, token, crisis=False)
        elif self.crisis_rate > 0 and self.crisis_desk is not None:
            self._hazard_timer(journey, desk, token, crisis=True)

    def _crisis(self, timer: _Timer) -> None:
        journey, desk, token = timer.journey, timer.desk, timer.token
        if journey.token != token or self.crisis_desk is None:
            return
        if (journey.interim == token or journey.signposted == token) and timer.value != (
            self._support(journey, token)
        ):
            return  # set before interim support or signposting began, which drew it again
        child = journey.child
        self._log((self.env._now, child.id, desk.index, CRISIS, -1, child.mh, 0.0))
        episode = Journey(child, journey.origin)
        episode.crisis = True
        self.arrive(episode, self.desks[self.crisis_desk], FROM_CRISIS)
        self._hazard_timer(journey, desk, token, crisis=True)

    def _hazard_timer(self, journey: Journey, desk: Desk, token: int, *, crisis: bool) -> None:
        """The next worsening (or, with ``crisis``, the next crisis) of a waiting child.

        A child with interim support on this list has the supported rate (the rate times
        the agency's factor) and its own stream, and the timer carries 1.0 to say it was
        drawn at that rate; a child signposted while waiting has the signposted factor
        too, the signposting stream, and 2.0 added (:meth:`_support`); without either,
        the plain rate and stream.
        """
        callbacks = self._on_crisis if crisis else self._on_deteriorate
        rate = self.crisis_rate if crisis else self.deteriorate_rate
        if journey.interim != token and journey.signposted != token:
            self._at_while(desk.hazard() / rate, callbacks, journey, desk, token)
            return
        ww = desk.while_waiting
        assert ww is not None
        drawn = 0.0
        draw = desk.interim_hazard
        if journey.interim == token:
            rate *= ww.crisis_factor if crisis else ww.deterioration_factor
            drawn = 1.0
        if journey.signposted == token:
            rate *= ww.signposted_crisis_factor if crisis else ww.signposted_deterioration_factor
            drawn += 2.0
            draw = desk.signpost_hazard
        if rate > 0:
            self._at_while(draw() / rate, callbacks, journey, desk, token, drawn)

    @staticmethod
    def _support(journey: Journey, token: int) -> float:
        """What a waiting child has had in the wait ``token``: 1.0 interim support, 2.0
        signposting, 3.0 both (the value a hazard timer drawn now carries)."""
        return _FLOAT[journey.interim == token] + 2.0 * _FLOAT[journey.signposted == token]

    # -- shared places: other areas' admissions, and where a waiting child is held ----
    def _held(self, journey: Journey, desk: Desk) -> None:
        """A child joining ``desk``'s list is held somewhere until a place is free: a
        ``held`` row of the setting drawn (the family's records show the same)."""
        assert desk.held is not None
        u = desk.held_u()
        code = desk.held[-1][1]
        for cum, setting in desk.held:
            if u < cum:
                code = setting
                break
        self._log_held(journey, desk, self.env._now, code)

    def _log_held(self, journey: Journey, desk: Desk, when: float, code: int) -> None:
        log = self._log
        log((when, journey.child.id, desk.index, HELD, -1, code, 0.0))
        if journey.family is not None:
            for sibling in journey.family:
                log((when, sibling.id, desk.index, HELD, -1, code, 0.0))

    def _other_areas_at_start(self, desk: Desk) -> None:
        """Other areas' children in ``desk``'s places on day 0 (each with the equilibrium
        residual of a stay left, as a backlog's children have; see :meth:`_backlog`), in
        the places the area's own children left free, and the first admission of the
        stream."""
        spec = desk.spec.shared
        assert spec is not None and desk.servers is not None
        count = min(spec.in_place_at_start, desk.servers - desk.busy)
        if count > 0:
            key = desk.key
            episode = self.streams.length_biased(desk.spec.service, "shared", key, "episode")
            gone = self.streams.uniform("shared", key, "remaining")
            for _ in range(count):
                length = episode()
                self._other_start(_OtherArea(0), desk, length - gone() * length)
        if desk.other_rate > 0:
            self._at(desk.other_gap() / desk.other_rate, self._on_other_arrive, None, desk)

    def _other_arrive(self, timer: _Timer) -> None:
        """Another area's admission to a shared agency: a place now, or the list; and the
        next admission of the Poisson stream."""
        desk = timer.desk
        self._at(desk.other_gap() / desk.other_rate, self._on_other_arrive, None, desk)
        urgent = 0
        if desk.other_urgent > 0 and desk.priority:
            urgent = 1 if desk.other_urgent_u() < desk.other_urgent else 0
        other = _OtherArea(urgent)
        servers = desk.servers
        assert servers is not None
        if desk.busy < servers:
            self._other_start(other, desk)
            return
        self._seq += 1
        other.token = self._seq
        desk.waiting += 1
        if desk.priority:
            heapq.heappush(desk.heap, (1 - urgent, other.token, other))  # type: ignore[misc]
        else:
            desk.fifo.append(other)  # type: ignore[arg-type]

    def _other_start(self, other: _OtherArea, desk: Desk, length: float = -1.0) -> None:
        """Another area's child takes a place for a time drawn from the agency's service
        (in working days at an office agency, as for the area's own children), or for
        ``length`` if given."""
        now = self.env._now
        desk.busy += 1
        self._seq += 1
        other.token = self._seq
        if length < 0:
            length = desk.other_draw()
        if desk.office:
            cal = self.calendar
            finish = cal.from_working(cal.to_working(now) + length)
        else:
            finish = now + length
        self._at(finish - now, self._on_other_finish, other, desk)  # type: ignore[arg-type]

    def _other_finish(self, timer: _Timer) -> None:
        """Another area's child leaves their place: the next on the list takes it."""
        desk = timer.desk
        timer.journey.token = 0
        desk.busy -= 1
        if desk.waiting and desk.busy < (desk.servers or 0):  # not beyond a staff inject's
            waiting = desk.next_waiting()
            if waiting is not None:
                self.start(waiting, desk)

    # -- while waiting: interim support and re-triage ----------------------------------
    def _while_waiting(self, journey: Journey, desk: Desk) -> None:
        """A child has joined ``desk``'s list: set their interim support (by chance) and
        re-triage timers, both for this wait only."""
        ww = desk.while_waiting
        assert ww is not None
        token = journey.token
        if ww.interim_support > 0 and desk.interim_u() < ww.interim_support:
            self._at_while(ww.interim_after_days, self._on_interim, journey, desk, token)
        if ww.signposting > 0 and desk.signpost_u() < ww.signposting:
            self._at_while(ww.signpost_after_days, self._on_signpost, journey, desk, token)
        if ww.retriage_every_days:
            self._at_while(ww.retriage_every_days, self._on_retriage, journey, desk, token)

    def _interim(self, timer: _Timer) -> None:
        """Interim support begins for a child still waiting (an INTERIM row each).

        From now on the child's hazards of worsening and of crisis on this list are
        the supported ones. The timers already set were drawn at the old rates; they
        are left to die (``journey.interim`` marks them stale) and the time left is
        drawn again at the new rates. The hazards are exponential, so memoryless: the
        time left to an event is exponential at the rate in force whatever has gone
        before, and drawing it again at the new rate is exact, not an approximation.
        """
        journey, desk, token = timer.journey, timer.desk, timer.token
        if journey.token != token:
            return
        journey.interim = token
        now = self.env._now
        waited = now - journey.arrived
        self._log((now, journey.child.id, desk.index, INTERIM, -1, 0, waited))
        for sibling in journey.family or ():
            self._log((now, sibling.id, desk.index, INTERIM, -1, 0, waited))
        if desk.watch:
            self._watch(journey, desk)  # now at the supported rates

    def _signpost(self, timer: _Timer) -> None:
        """A child still waiting is signposted to the agency's commissioned offer.

        Each child of the journey gets a SIGNPOST row here and a parallel referral to
        the offer (a FORK row, then the arrival there) while keeping their place on this
        list. From now on the child's hazards of worsening and of crisis on this list
        have the signposted factors; as for interim support (:meth:`_interim`) the
        timers already set are left to die and the time left is drawn again, which is
        exact because the hazards are exponential.
        """
        journey, desk, token = timer.journey, timer.desk, timer.token
        if journey.token != token:
            return
        target = desk.signpost_to
        assert target is not None
        journey.signposted = token
        now = self.env._now
        waited = now - journey.arrived
        log = self._log
        for child in (journey.child, *(journey.family or ())):
            log((now, child.id, desk.index, SIGNPOST, target.index, journey.urgent, waited))
            log((now, child.id, desk.index, FORK, target.index, NOT_RECORDED, 0.0))
            fork = Journey(child, journey.origin)
            self.arrive(fork, target, desk.index)
        if desk.watch:
            self._watch(journey, desk)  # now at the signposted rates

    def _retriage(self, timer: _Timer) -> None:
        """A waiting child is looked at again (a RETRIAGE row each): a routine child now
        unwell (mental ill health) moves to urgent on a list that puts urgent first.

        The child goes onto the list again with the urgent key and the token of their
        wait, so they keep their place among the urgent by the time they joined; the
        routine entry left behind no longer matches ``1 - journey.urgent`` and the list
        skips it (:meth:`Desk.next_waiting`).
        """
        journey, desk, token = timer.journey, timer.desk, timer.token
        if journey.token != token:
            return
        escalate = 1 if desk.priority and not journey.urgent and journey.child.mh >= 2 else 0
        now = self.env._now
        waited = now - journey.arrived
        self._log((now, journey.child.id, desk.index, RETRIAGE, -1, escalate, waited))
        for sibling in journey.family or ():
            self._log((now, sibling.id, desk.index, RETRIAGE, -1, escalate, waited))
        if escalate:
            journey.urgent = 1
            heapq.heappush(desk.heap, (0, token, journey))
        ww = desk.while_waiting
        assert ww is not None and ww.retriage_every_days is not None
        self._at_while(ww.retriage_every_days, self._on_retriage, journey, desk, token)

    # -- reviews ----------------------------------------------------------------------
    def _review_due(self, timer: _Timer) -> None:
        """Review number ``timer.value`` (from 0) is due: it is held on time or late."""
        journey, desk, token = timer.journey, timer.desk, timer.token
        if journey.token != token:
            return
        reviews = desk.reviews
        assert reviews is not None
        late = 0.0
        if desk.review_u() >= reviews.on_time_probability:
            late = desk.review_late() * reviews.late_mean_days
        self._at_while(late, self._on_review_held, journey, desk, token, late)
        count = int(timer.value) + 1
        gap = reviews.then_every_days
        if count == 1 and reviews.second_after_days is not None:
            gap = reviews.second_after_days
        self._at_while(gap, self._on_review_due, journey, desk, token, count)

    def _review_held(self, timer: _Timer) -> None:
        journey = timer.journey
        if journey.token == timer.token:
            self._log(
                (self.env._now, journey.child.id, timer.desk.index, REVIEW, -1, 0, timer.value)
            )
            for sibling in journey.family or ():
                self._log((self.env._now, sibling.id, timer.desk.index, REVIEW, -1, 0, timer.value))

    # -- periodic pathways, placements and equity gradients ----------------------------
    def _placements_desk(self, desk: Desk, spec: Placements) -> None:
        """Link an agency with placements to the services a move can end."""
        desk.kept = [self.desks[self.index[k]] for k in spec.services]
        if spec.re_refer_to is not None:
            desk.re_refer = self.desks[self.index[spec.re_refer_to]]
        for service in desk.kept:
            if service.holding is None:
                service.holding = {}

    def _extra_begin(
        self, journey: Journey, desk: Desk, token: int, begin: float, gone: float
    ) -> None:
        """What starts with service at an agency with periodic pathways, placements, or
        places a placement move can end (``gone`` as in :meth:`_begin_service`)."""
        if desk.holding is not None:
            held = desk.holding.get(journey.child.id)
            if held is not None and journey in held:
                held[journey] = begin
        if desk.far > 0 and desk.far_u() < desk.far:
            self._log_held(journey, desk, begin, FAR_FROM_HOME)
        if not desk.timed:
            return
        elapsed = -1.0 if gone < 0 else (gone * 7.0 / 5.0 if desk.office else gone)
        for number, route in enumerate(desk.periodic):
            due = route.first if elapsed < 0 else self._next_due(route, elapsed)
            self._at_while(due, self._on_periodic, journey, desk, token, number)
        if desk.placements is not None:
            self._place(journey, desk, token, 0, carried=gone >= 0)

    @staticmethod
    def _next_due(route: _Route, elapsed: float) -> float:
        """Days until a periodic pathway is next due for a child ``elapsed`` calendar days
        into service (a child in service on day 0 carries on the schedule)."""
        if elapsed < route.first:
            return route.first - elapsed
        return route.every - (elapsed - route.first) % route.every

    def _periodic(self, timer: _Timer) -> None:
        """A periodic pathway is due: made if it applies now, and due again later.

        Its conditions are tested as they are now, and its ages on the child's age now
        (their age on coming to notice plus the whole years since), so a child who
        turns five in care moves from one schedule to the other.
        """
        journey, desk, token = timer.journey, timer.desk, timer.token
        if journey.token != token:
            return
        route = desk.periodic[int(timer.value)]
        self._at_while(route.every, self._on_periodic, journey, desk, token, timer.value)
        child = journey.child
        years = (self.env._now - self.children.arrived[child.id - 1]) / DAYS_PER_YEAR
        mask = journey.mask()
        if route.applies(mask, child.age + int(years)) and route.u() < route.chance(mask):
            if route.pathway.mode == "notify":
                self._send(journey, desk, route, NOTIFY)
            else:
                fork = Journey(child, journey.origin)
                fork.crisis = journey.crisis
                self._send(fork, desk, route, FORK)

    def _move(self, timer: _Timer) -> None:
        """A child in care moves placement."""
        if timer.journey.token == timer.token:
            self._place(timer.journey, timer.desk, timer.token, int(timer.value), carried=False)

    def _place(self, journey: Journey, desk: Desk, token: int, moves: int, carried: bool) -> None:
        """Place the child (``moves`` moves into this episode of care), in the area or out
        of it, and set the time of the next move.

        The pathways made at a placement (the notification to the commissioners of both
        areas) come first, so their rows precede the placement's; a child placed out of
        the area may lose their place at the services it names. A child in care on day 0
        (``carried``) is recorded in the placement they are in, and nothing else happens.
        """
        spec = desk.placements
        assert spec is not None
        child = journey.child
        out = 1 if desk.place_u() < spec.out_of_area else 0
        if out:
            child.fixed |= _OUT_OF_AREA
        else:
            child.fixed &= _IN_AREA
        if not carried and desk.on_placement:
            self._side_routes(journey, desk, desk.on_placement)
        self._log((self.env._now, child.id, desk.index, PLACEMENT, -1, out, float(moves)))
        if out and not carried and desk.kept and spec.lose_place > 0:
            self._lose_places(journey, desk, spec)
        if desk.move_rate > 0:
            gap = desk.move_gap() / desk.move_rate
            self._at_while(gap, self._on_move, journey, desk, token, moves + 1)

    def _lose_places(self, journey: Journey, desk: Desk, spec: Placements) -> None:
        """A child placed out of the area may lose each wait or service they have at
        ``desk.kept``; if any is lost, they are referred again to ``desk.re_refer``."""
        child = journey.child
        lost = False
        for service in desk.kept:
            assert service.holding is not None
            held = service.holding.get(child.id)
            if not held:
                continue
            for other, began in list(held.items()):
                if desk.lose_u() >= spec.lose_place:
                    continue  # the service carries on across the move
                if began >= 0:
                    self._cut(other, service, began)
                    lost = True
                elif other.token > 0 and self._on_list(other, service):
                    self._off_list(other, service, MOVED)
                    lost = True
                # else: a place taken but not yet begun (an office agency's weekend) is kept
        if lost and desk.re_refer is not None:
            target = desk.re_refer
            fork = Journey(child, journey.origin)
            self._log((self.env._now, child.id, desk.index, FORK, target.index, NOT_RECORDED, 0.0))
            self.arrive(fork, target, desk.index)

    @staticmethod
    def _on_list(journey: Journey, desk: Desk) -> bool:
        """Whether ``journey`` is on ``desk``'s waiting list (a scan: placement moves are rare)."""
        if desk.priority:
            return any(entry[2] is journey for entry in desk.heap)
        return any(j is journey for j in desk.fifo)

    def _cut(self, journey: Journey, desk: Desk, began: float) -> None:
        """End a service early (its END row, then the EXIT with reason ``moved``); the
        finish timer still pending finds the journey gone and does nothing."""
        now = self.env._now
        child = journey.child
        self._released(journey, desk)
        self._log((now, child.id, desk.index, END, -1, 0, now - began))
        desk.busy -= 1
        if desk.waiting and desk.busy < (desk.servers or 0):  # not beyond a staff inject's
            waiting = desk.next_waiting()
            if waiting is not None:
                self.start(waiting, desk)
        child.open -= 1
        journey.token = -2  # its reviews and other timers die
        self.leave(journey, desk, taken_off=MOVED)

    @staticmethod
    def _released(journey: Journey, desk: Desk) -> bool:
        """Stop holding ``journey`` at ``desk``; whether it was no longer held (cut short)."""
        holding = desk.holding
        assert holding is not None
        held = holding.get(journey.child.id)
        if held is None or journey not in held:
            return True
        del held[journey]
        if not held:
            del holding[journey.child.id]
        return False

    @staticmethod
    def _identifies(desk: Desk, journey: Journey) -> float:
        """``desk``'s chance of recognising the child's need, with its equity gradient."""
        mask = journey.mask()
        p = desk.identifies
        for bit, multiplier in desk.identify_factors:
            if mask & bit:
                p *= multiplier
        return p if p < 1.0 else 1.0


class DemandStream:
    """Arrivals of children at one identifying agency (a non-homogeneous Poisson process)."""

    def __init__(self, engine: Engine, index: int, key: str, demand: Demand) -> None:
        self.engine = engine
        self.index = index
        self.key = key
        self.demand = demand
        scenario = engine.scenario
        self.rate = arrivals_per_day(scenario, demand)
        self.desk = engine.desks[engine.index[demand.agency]]
        self.gap = engine.streams.exponential("arrivals", key)
        self.thin = engine.streams.uniform("arrivals", key, "thinning")
        self.profiles = ChildProfiles(
            engine.streams.generator("children", key), demand.profile, engine.group_bits
        )
        self.source = engine.children.source(key, self.profiles)
        self.modulated = (
            demand.seasonality != "none"
            or demand.weekend_factor != 1.0
            or demand.trend_per_year != 0.0
        )
        self.peak = self._peak() if self.modulated else 1.0
        self.peak_rate = self.rate * self.peak
        self.crisis = demand.crisis
        self.households = (
            HouseholdDraws(engine.streams, key, demand.profile)
            if demand.profile.households
            else None
        )
        self._on_arrival: Callbacks = (self._arrival,)

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
        self.engine._at(self.gap() / self.peak_rate, self._on_arrival)

    def _arrival(self, _: _Timer) -> None:
        engine = self.engine
        if self.modulated and self.thin() * self.peak >= self.factor(engine.env.now):
            self._schedule()
            return
        engine._at(self.gap() / self.peak_rate, self._on_arrival)  # the next one
        self.comes_to_notice(self.profiles, self.households, self.source)

    def comes_to_notice(
        self, profiles: ChildProfiles, households: HouseholdDraws | None, source: int
    ) -> None:
        """A child of this stream (or a household, drawing from ``households``) comes to
        notice and arrives at its agency, with ``profiles`` and the register's
        ``source``: the stream's own, or a demand surge's (``jtai_sim.simulation.injects``)."""
        engine = self.engine
        if households is None:
            child = engine.new_child(profiles.next(), self.index, source)
            journey = Journey(child, self.desk.index)
        else:
            journey = engine.new_household(
                households, profiles, self.index, source, self.desk.index
            )
        journey.crisis = self.crisis
        engine.arrive(journey, self.desk, FROM_DEMAND)


class HouseholdDraws:
    """A demand stream's (or backlog's) household draws: each child's household factors
    and, for a referral that concerns the whole family, how many brothers and sisters
    come to notice with them.

    Only profiles with household keys have one (``ChildProfile.households``), and it
    draws from streams of its own, so a scenario without them draws what it drew before.
    """

    def __init__(
        self, streams: Streams, key: str, profile: ChildProfile, *, siblings: bool = True
    ) -> None:
        self.u = streams.uniform("households", key)
        self.shares = [
            (BIT[name], getattr(profile, name))
            for name in HOUSEHOLD_FLAGS
            if getattr(profile, name) > 0
        ]
        self.family = profile.family_referral if siblings else 0.0
        self.cumulative = np.cumsum(profile.siblings)[:-1].tolist()

    def factors(self) -> int:
        """The bits of the next household's factors (one draw for each factor in use)."""
        bits = 0
        u = self.u
        for bit, share in self.shares:
            if u() < share:
                bits |= bit
        return bits

    def siblings(self) -> int:
        """How many brothers and sisters come to notice with the next child (0 unless the
        referral concerns the family)."""
        if not self.family or self.u() >= self.family:
            return 0
        u = self.u()
        return sum(1 for edge in self.cumulative if u >= edge)


class ChildProfiles:
    """Who the next child of a demand stream is, drawn a block of children at a time.

    Every block drawn is also kept in compact form (``blocks``, records of
    ``PROFILE_ROW``, 13 bytes a child), which is where :class:`ChildRegister` finds
    who each child is.
    """

    BLOCK = 1024

    def __init__(
        self, gen: Any, profile: ChildProfile, group_bits: dict[str, int] | None = None
    ) -> None:
        self.gen = gen
        self.profile = profile
        self.groups = list(self.profile.ethnicity)
        #: each of this profile's ethnic groups' bit in ``fixed`` (see ``Engine.group_bits``)
        self.group_bits = (
            None
            if group_bits is None
            else np.array([group_bits[g] for g in self.groups], dtype=np.int64)
        )
        self.blocks: list[np.ndarray] = []
        #: The next child's ``(age, mental health, identified, fixed)``: ``fixed`` is
        #: the bit mask of the conditions that stay as they are (see ``Child``).
        self.next: Callable[[], tuple[float, int, bool, int]] = partial(
            next, chain.from_iterable(iter(self._block, None))
        )

    def _block(self) -> list[tuple[float, int, bool, int]]:
        p = self.profile
        n = self.BLOCK
        u = self.gen.random((12, n))
        age = p.min_age + np.minimum(
            (u[0] * (p.max_age - p.min_age + 1)).astype(int), p.max_age - p.min_age
        )
        mh = np.searchsorted(np.cumsum(p.mental_health)[:-1], u[1], side="right")
        for band in p.mental_health_by_age:
            here = (age >= band.min_age) & (age <= band.max_age)
            mh[here] = np.searchsorted(np.cumsum(band.mental_health)[:-1], u[1][here], "right")
        identified = (mh > 0) & (u[2] < p.mental_health_identified)
        shares = np.cumsum(list(p.ethnicity.values()))
        group = np.minimum(np.searchsorted(shares, u[11], side="right"), len(shares) - 1)
        flags = [
            u[3] < p.at_risk,
            u[4] < p.exploitation,
            u[5] < p.missing,
            u[6] < p.send,
            u[7] < p.disability,
            u[8] < p.deprived,
        ]
        fixed = np.zeros(n, dtype=np.int64)
        for flag, name in zip(flags, CHILD_FLAGS[1:7], strict=True):
            fixed |= flag * BIT[name]
        female = u[9] < p.female
        fixed |= female * BIT["female"]
        if self.group_bits is not None:
            fixed |= self.group_bits[group]
        block = np.empty(n, dtype=PROFILE_ROW)
        columns = [age, mh, identified, *flags, female, group]
        for name, column in zip(_PROFILE_FIELDS, columns, strict=True):
            block[name] = column
        self.blocks.append(block)
        return list(
            zip(
                age.astype(float).tolist(),  # a float: it is logged as it is
                mh.tolist(),
                identified.tolist(),
                fixed.tolist(),
                strict=True,
            )
        )


_PROFILE_FIELDS = ("age", "mental_health", *CHILD_FLAGS, "ethnicity")
#: A child's profile as the register keeps it (``ethnicity`` is the group's position).
PROFILE_ROW = np.dtype(
    [
        (name, {"age": "i2", "mental_health": "i1", "ethnicity": "i2"}.get(name, "?"))
        for name in _PROFILE_FIELDS
    ]
)


class ChildRegister:
    """Who the children are: one row per child (``vocabulary.CHILD_COLUMNS``), in columns.

    A child costs 14 bytes here (id, source, the day they came to notice) and the
    13 of their profile in the blocks of the :class:`ChildProfiles` they came from;
    a tuple a child cost about 230.

    >>> from jtai_sim.scenario.model import ChildProfile
    >>> register = ChildRegister()
    >>> profiles = ChildProfiles(np.random.default_rng(1), ChildProfile())
    >>> code = register.source("d", profiles)
    >>> for child in (1, 2):
    ...     _ = profiles.next()
    ...     register.add(child, code, 0.5 * child)
    >>> len(register), register.columns()["arrived"].tolist()
    (2, [0.5, 1.0])
    """

    def __init__(self) -> None:
        self.ids = array("i")
        self.sources = array("h")
        self.arrived = array("d")
        #: ``child: (household, factors code)`` for the children of profiles with
        #: households; every other child is a household of their own with no factors
        self.households: dict[int, tuple[int, int]] = {}
        self._streams: list[str] = []
        # each source's profile blocks (the list ChildProfiles keeps adding to) and the
        # names of its ethnic groups; not the ChildProfiles, which holds a block of tuples
        self._profiles: list[tuple[list[np.ndarray], list[str]]] = []
        #: by source, the positions of profiles drawn for no child (a child an inject
        #: thinned away, drawn so the children after them are the same children)
        self.skipped: dict[int, list[int]] = {}

    def source(self, stream: str, profiles: ChildProfiles) -> int:
        """Register where children come from (a demand stream, a backlog); returns its code."""
        self._streams.append(stream)
        self._profiles.append((profiles.blocks, profiles.groups))
        return len(self._streams) - 1

    def add(self, child: int, source: int, arrived: float) -> None:
        """The next child of ``source``: their profile is that source's next one."""
        self.ids.append(child)
        self.sources.append(source)
        self.arrived.append(arrived)

    def __len__(self) -> int:
        return len(self.ids)

    def columns(self) -> dict[str, np.ndarray]:
        """The register as columns, in ``vocabulary.CHILD_COLUMNS`` order."""
        source = np.array(self.sources, dtype=np.int16)
        profile = np.zeros(len(source), dtype=PROFILE_ROW)
        ethnicity = np.empty(len(source), dtype=object)
        for code, (blocks, groups) in enumerate(self._profiles):
            mine = source == code
            drawn = np.concatenate(blocks) if blocks else profile[:0]
            if code in self.skipped:
                drawn = np.delete(drawn, self.skipped[code])
            drawn = drawn[: int(mine.sum())]
            profile[mine] = drawn
            ethnicity[mine] = np.asarray(groups, dtype=object)[drawn["ethnicity"]]
        ids = np.array(self.ids, dtype=np.int64)
        household = ids.copy()
        factor_codes = np.zeros(len(ids), dtype=np.int64)
        if self.households:
            position = {int(child): i for i, child in enumerate(ids.tolist())}
            for child, (home, factors) in self.households.items():
                household[position[child]] = home
                factor_codes[position[child]] = factors
        columns: dict[str, np.ndarray] = {
            "child": ids,
            "stream": np.asarray(self._streams, dtype=object)[source],
            "arrived": np.array(self.arrived, dtype=np.float64),
            "household": household,
            "age": profile["age"].astype(np.int64),
            "mental_health": profile["mental_health"].astype(np.int64),
        }
        for flag in CHILD_FLAGS:
            columns[flag] = profile[flag]
        for i, flag in enumerate(HOUSEHOLD_FLAGS):
            columns[flag] = ((factor_codes >> i) & 1).astype(bool)
        columns["ethnicity"] = ethnicity
        assert tuple(columns) == CHILD_COLUMNS
        return columns
