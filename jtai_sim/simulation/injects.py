"""Injects: what the engine changes, and when, for a scenario's ``[[injects]]``.

A facilitator's "what if, mid-run" (two screeners off sick from day 200, a surge of
referrals for a fortnight, police not sharing with schools for a month) is a period of
the run in which one thing is different. Each period is two timers on the engine's own
queue, one at its start and one at its end; between them the engine runs as ever.

Nothing here is built for a scenario without injects, and the paths every child takes
gain no checks: the engine swaps in the code that needs them (:class:`InjectPlan`
sets up only what the scenario's injects use).

What each kind models:

* ``staff``: sickness absence, vacancies or agency staff change the agency's caseload
  places (staff times caseload) for the period. Children already in service finish;
  new starts wait while the places in use are at or above the reduced number; when
  places come back, the children waiting take them at once. Working Together 2023 sets
  no staffing levels; the places are the scenario's.
* ``demand``: a demand stream's arrival rate is multiplied for the period. Above 1, the
  extra children are a second Poisson stream of rate ``(factor - 1)`` times the base
  (superposition), with its own random streams (purpose ``injects``): the base stream's
  children arrive at the times and with the profiles they had without the inject.
  Below 1, the base stream's children are thinned: each is kept with chance ``factor``
  (one uniform of its own purpose each); a child not kept still has their profile drawn
  and thrown away, so the children after them are the same children as without it.
* ``sharing``: a pathway's information is lost for a share of its hand-offs. The same
  uniform decides each hand-off as without the inject (complete, partial or lost), read
  against the period's shares, so a hand-off outside the period is decided exactly as
  before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jtai_sim.scenario.model import Demand, Information, Inject
from jtai_sim.scenario.partnership import inject_pathways
from jtai_sim.simulation.engine import (
    Callbacks,
    ChildProfiles,
    DemandStream,
    HouseholdDraws,
    _Timer,
)

if TYPE_CHECKING:
    from jtai_sim.simulation.engine import Engine


class InjectPlan:
    """The injects of one run: their timers, and the engine parts they change."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.injects = engine.scenario.injects
        #: the demand streams, by key (filled as the engine builds them)
        self.streams: dict[str, DemandStream] = {}
        #: each route's information as the scenario gives it, and the sharing injects on
        #: it now, in the order they began
        self.shared: dict[int, tuple[Information | None, list[Inject]]] = {}
        self._on_start = (self._start,)
        self._on_end = (self._end,)
        self._on_fill = (self._fill,)
        if any(i.kind == "staff" for i in self.injects):
            engine._on_finish = (engine._finish_capped,)

    def demand_stream(self, index: int, key: str, demand: Demand) -> DemandStream:
        """The engine's demand stream ``key``: thinned if an inject lowers its rate."""
        lowered = any(
            i.kind == "demand" and (i.factor or 1.0) < 1.0 and self._names(i, key)
            for i in self.injects
        )
        kind = ThinnedStream if lowered else DemandStream
        stream = kind(self.engine, index, key, demand)
        self.streams[key] = stream
        return stream

    @staticmethod
    def _names(inject: Inject, key: str) -> bool:
        return inject.streams is None or key in inject.streams

    def schedule(self) -> None:
        """Put each inject's start and end on the engine's queue (an end at the end of
        the run is never reached, which is what it means)."""
        at = self.engine._at
        for number, inject in enumerate(self.injects):
            at(inject.from_day, self._on_start, None, None, float(number))
            at(inject.until_day, self._on_end, None, None, float(number))

    def _start(self, timer: _Timer) -> None:
        self._apply(self.injects[int(timer.value)], int(timer.value), begin=True)

    def _end(self, timer: _Timer) -> None:
        self._apply(self.injects[int(timer.value)], int(timer.value), begin=False)

    def _apply(self, inject: Inject, number: int, *, begin: bool) -> None:
        """Begin or end one inject's period."""
        if inject.kind == "staff":
            self._staff(inject, begin)
        elif inject.kind == "demand":
            self._demand(inject, number, begin)
        else:
            self._sharing(inject, begin)

    # -- staff --------------------------------------------------------------------------
    def _staff(self, inject: Inject, begin: bool) -> None:
        """Change the agency's places; children waiting take any places that are free."""
        engine = self.engine
        desk = engine.desks[engine.index[inject.agency or ""]]
        assert desk.servers is not None and inject.change is not None
        places = inject.change * desk.spec.caseload
        desk.servers += places if begin else -places
        # fill the places once every change due at this moment is made (two injects ending
        # together must not start children into places the second one takes away)
        engine._at(0.0, self._on_fill, None, desk)

    def _fill(self, timer: _Timer) -> None:
        """Start the children waiting at the timer's desk while it has free places."""
        engine = self.engine
        desk = timer.desk
        servers = desk.servers or 0
        while desk.waiting and desk.busy < servers:
            journey = desk.next_waiting()
            if journey is None:
                break
            engine.start(journey, desk)

    # -- demand -------------------------------------------------------------------------
    def _demand(self, inject: Inject, number: int, begin: bool) -> None:
        """A surge starts a second stream of arrivals; a fall lowers the share kept."""
        factor = inject.factor or 1.0
        for key, stream in self.streams.items():
            if not self._names(inject, key):
                continue
            if factor > 1.0:
                if begin:
                    SurgeArrivals(self.engine, stream, number, factor - 1.0, inject.until_day)
            else:
                assert isinstance(stream, ThinnedStream)
                stream.keep = stream.keep * factor if begin else self._kept(key)

    def _kept(self, key: str) -> float:
        """The share of a stream's children kept by the lowering injects still on (worked
        out afresh when one ends, so no rounding builds up)."""
        now = self.engine.env._now
        keep = 1.0
        for inject in self.injects:
            if (
                inject.kind == "demand"
                and (inject.factor or 1.0) < 1.0
                and self._names(inject, key)
                and inject.from_day <= now < inject.until_day
            ):
                keep *= inject.factor or 1.0
        return keep

    # -- sharing ------------------------------------------------------------------------
    def _sharing(self, inject: Inject, begin: bool) -> None:
        """Give each route of the pathway the information of the injects on it now."""
        engine = self.engine
        for number in inject_pathways(engine.scenario, inject):
            route = engine.routes[number]
            base, active = self.shared.setdefault(number, (route.info, []))
            if begin:
                active.append(inject)
            else:
                active.remove(inject)
            info = base
            for on in active:
                info = withheld(info, on.lost_share, on.delay_mean_days)
            route.info = info


def withheld(info: Information | None, lost: float, delay_mean_days: float | None) -> Information:
    """A pathway's information with ``lost`` of it lost: what still arrives is complete
    or partial in the pathway's own proportions (complete, for a pathway that records
    none), after ``delay_mean_days`` if given.

    >>> round(withheld(Information(complete=0.6, partial=0.2, lost=0.2), 0.5, None).complete, 9)
    0.375
    >>> withheld(None, 1.0, None).lost
    1.0
    """
    base = info if info is not None else Information(complete=1.0)
    arrives = base.complete + base.partial
    kept = 1.0 - lost
    if arrives > 0:
        complete, partial = base.complete * kept / arrives, base.partial * kept / arrives
    else:
        complete, partial = kept, 0.0
    return Information(
        complete=complete,
        partial=partial,
        lost=max(0.0, 1.0 - complete - partial),
        delay_mean_days=base.delay_mean_days if delay_mean_days is None else delay_mean_days,
        due_within_days=base.due_within_days,
    )


class ThinnedStream(DemandStream):
    """A demand stream some injects lower: each child who comes is kept with chance
    ``keep`` (1 outside the injects' periods, when nothing is drawn for it)."""

    def __init__(self, engine: Engine, index: int, key: str, demand: Demand) -> None:
        super().__init__(engine, index, key, demand)
        self.keep = 1.0
        self.kept_u = engine.streams.uniform("injects", key, "thinning")
        self._on_arrival: Callbacks = (self._arrival_thinned,)
        #: profiles drawn so far, so the register can be told which belong to no child
        self.drawn = 0
        draw = self.profiles.next

        def counted() -> tuple[float, int, bool, int]:
            self.drawn += 1
            return draw()

        self.profiles.next = counted

    def _arrival_thinned(self, timer: _Timer) -> None:
        """:meth:`DemandStream._arrival`, with the child kept or not while ``keep`` < 1
        (the base stream's draws are made in the same order as there)."""
        if self.keep >= 1.0:
            self._arrival(timer)
            return
        engine = self.engine
        if self.modulated and self.thin() * self.peak >= self.factor(engine.env.now):
            self._schedule()  # thinned away by the stream's own seasons, as ever
            return
        engine._at(self.gap() / self.peak_rate, self._on_arrival)  # the next one
        if self.kept_u() >= self.keep:
            self._discard()
            return
        self.comes_to_notice(self.profiles, self.households, self.source)

    def _discard(self) -> None:
        """Draw the profile (and household) a child not kept would have had, so that the
        children after them are the ones they would have been."""
        skipped = self.engine.children.skipped.setdefault(self.source, [])
        skipped.append(self.drawn)
        self.profiles.next()
        if self.households is not None:
            self.households.factors()
            for _ in range(self.households.siblings()):
                skipped.append(self.drawn)
                self.profiles.next()


class SurgeArrivals:
    """The extra children of a demand surge: a Poisson stream of ``extra`` times the base
    stream's rate (following its seasons, weekends and trend) until ``until``, with random
    streams of its own, so the base stream is untouched."""

    def __init__(
        self, engine: Engine, base: DemandStream, number: int, extra: float, until: float
    ) -> None:
        self.engine = engine
        self.base = base
        self.until = until
        self.peak_rate = base.peak_rate * extra
        streams = engine.streams
        purpose = ("injects", str(number), base.key)
        self.gap = streams.exponential(*purpose, "arrivals")
        self.thin = streams.uniform(*purpose, "thinning")
        self.profiles = ChildProfiles(
            streams.generator(*purpose, "children"), base.demand.profile, engine.group_bits
        )
        self.source = engine.children.source(f"{base.key} (inject {number})", self.profiles)
        self.households = (
            HouseholdDraws(streams, f"{base.key} (inject {number})", base.demand.profile)
            if base.demand.profile.households
            else None
        )
        self._on_arrival = (self._arrival,)
        if self.peak_rate > 0:
            self._next()

    def _next(self) -> None:
        delay = self.gap() / self.peak_rate
        if self.engine.env._now + delay < self.until:
            self.engine._at(delay, self._on_arrival)

    def _arrival(self, _: _Timer) -> None:
        engine = self.engine
        base = self.base
        self._next()
        if base.modulated and self.thin() * base.peak >= base.factor(engine.env.now):
            return
        base.comes_to_notice(self.profiles, self.households, self.source)
