"""A run's flows step by step: each agency's list and caseload, each pathway's hand-offs.

Owns the frames the animated partnership (:mod:`jtai_sim.results.flows_page`) plays.
The run is cut into steps of :attr:`Frames.step_days` whole days (one day when the run
has at most :data:`MAX_FRAMES` days, else the smallest of :data:`STEPS` that gives at most
that many frames), and for each step and agency the frames hold

* ``waiting``: children on the agency's list at the end of the step: arrived and neither
  started nor taken off the list unseen (merged, moved out of the area), so a child
  referred to an office agency on a Saturday waits until Monday's start;
* ``in_service``: children whose service has started and not ended, at the end of the step;
* ``arrivals`` and ``departures`` in the step (a departure: a service ended, or a child
  left the list unseen), so that ``waiting + in_service`` is the running sum of
  arrivals less departures, which the tests hold the frames to;

and for each pathway (source, mode and destination, as the log records a hand-off, a
parallel referral or a notification) the hand-offs sent in the step by how their
information arrived (:class:`~jtai_sim.vocabulary.Completeness`), with those that came
late (:func:`jtai_sim.results.clocktime.is_late`) counted again in :data:`LATE`.

Every count is one ``np.bincount`` over the log's columns: nothing loops over events.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/jackson.toml"), seed=2, days=30)
>>> frames = flow_frames(run.record)
>>> frames.step_days, len(frames), frames.waiting.shape == (30, len(frames.agencies))
(1, 30, True)
>>> open_now = frames.waiting + frames.in_service
>>> bool((open_now == (frames.arrivals - frames.departures).cumsum(axis=0)).all())
True
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from attrs import frozen

from jtai_sim.results import clocktime
from jtai_sim.results.record import RunRecord
from jtai_sim.vocabulary import MODE_OF_KIND, Completeness, EventKind, ExitReason

#: At most this many frames: a longer run is played in steps of several days.
MAX_FRAMES = 800
#: The step lengths (days) a long run may be played in, shortest first; beyond the last,
#: whole multiples of it.
STEPS = (1, 2, 7, 14, 28)
#: The column of :attr:`Frames.handoffs` counting hand-offs whose information came late
#: (the others are the :class:`~jtai_sim.vocabulary.Completeness` codes).
LATE = len(Completeness)
#: What each column of :attr:`Frames.handoffs` counts, in order.
HANDOFF_COLUMNS: tuple[str, ...] = (*(c.key for c in Completeness), "late")

_ARRIVE, _START, _END, _EXIT = (
    int(k) for k in (EventKind.ARRIVE, EventKind.START, EventKind.END, EventKind.EXIT)
)
_UNSEEN = np.array([float(ExitReason.TAKEN_OFF), float(ExitReason.MERGED)], dtype=np.float32)
_MOVED = np.float32(float(ExitReason.MOVED))
_HANDOFF_KINDS = np.array(sorted(MODE_OF_KIND), dtype=np.int8)


@frozen
class Route:
    """A pathway as the log records its hand-offs: from ``source`` by ``mode`` to ``to``."""

    source: str
    mode: str
    to: str


@frozen(eq=False)
class Frames:
    """A run's counts per step (rows) and agency or pathway (columns); ints throughout."""

    agencies: tuple[str, ...]
    routes: tuple[Route, ...]
    start_date: dt.date
    step_days: int
    #: the clock day each step starts on
    day: np.ndarray
    waiting: np.ndarray
    in_service: np.ndarray
    arrivals: np.ndarray
    departures: np.ndarray
    #: steps x routes x :data:`HANDOFF_COLUMNS`
    handoffs: np.ndarray
    warmup_days: float

    def __len__(self) -> int:
        return len(self.day)

    def date_of(self, frame: int) -> dt.date:
        """The date step ``frame`` starts on."""
        return self.start_date + dt.timedelta(days=int(self.day[frame]))


def step_for(days: float, max_frames: int = MAX_FRAMES) -> int:
    """The step (whole days) a run of ``days`` is played in: at most ``max_frames`` frames.

    >>> step_for(731), step_for(1095), step_for(30 * 365)
    (1, 2, 14)
    """
    for step in STEPS:
        if math.ceil(days / step) <= max_frames:
            return step
    return STEPS[-1] * math.ceil(days / (STEPS[-1] * max_frames))


def routes_of(record: RunRecord) -> tuple[Route, ...]:
    """The routes hand-offs took: the scenario's pathways as the log tells them apart, in
    file order, each once; then any the log holds that no pathway names (a signposting
    offer's parallel referral), in code order.
    """
    seen = dict.fromkeys(Route(p.source, p.mode, p.to) for p in record.scenario.pathways)
    rec = record.log
    ids = record.agency_ids
    size = len(ids)
    sent = np.isin(rec["kind"], _HANDOFF_KINDS) & (rec["agency"] >= 0) & (rec["other"] >= 0)
    mode = np.searchsorted(_HANDOFF_KINDS, rec["kind"][sent]).astype(np.int64)
    codes = np.unique((mode * size + rec["agency"][sent]) * size + rec["other"][sent])
    for code in codes.tolist():
        rest, to = divmod(code, size)
        m, source = divmod(rest, size)
        seen.setdefault(Route(ids[source], MODE_OF_KIND[int(_HANDOFF_KINDS[m])], ids[to]))
    return tuple(seen)


def flow_frames(
    record: RunRecord, *, step_days: int | None = None, max_frames: int = MAX_FRAMES
) -> Frames:
    """The frames of ``record``'s run: see the module's description.

    ``step_days`` fixes the step; by default it is :func:`step_for` the run's length.
    """
    rec = record.log
    step = step_days if step_days is not None else step_for(record.duration_days, max_frames)
    if step < 1:
        raise ValueError(f"step_days must be a whole number of days, 1 or more, got {step}")
    n = max(math.ceil(record.duration_days / step), 1)
    agencies = record.agency_ids
    size = len(agencies)
    kind, agency, time = rec["kind"], rec["agency"], rec["time"]
    frame = np.clip((time // step).astype(np.int64), 0, n - 1)
    here = agency >= 0
    cell = frame * size + agency.astype(np.int64)

    def count(mask: np.ndarray) -> np.ndarray:
        chosen = mask & here
        return np.bincount(cell[chosen], minlength=n * size).reshape(n, size)

    exits = kind == _EXIT
    unseen = exits & np.isin(rec["value"], _UNSEEN)
    unseen |= _moved_while_waiting(rec, exits, size)
    arrivals, starts = count(kind == _ARRIVE), count(kind == _START)
    ends, gone = count(kind == _END), count(unseen)
    waiting = np.cumsum(arrivals - starts - gone, axis=0)
    in_service = np.cumsum(starts - ends, axis=0)
    return Frames(
        agencies=agencies,
        routes=(routes := routes_of(record)),
        start_date=record.calendar.start_date,
        step_days=step,
        day=np.arange(n, dtype=np.int64) * step,
        waiting=waiting,
        in_service=in_service,
        arrivals=arrivals,
        departures=ends + gone,
        handoffs=_handoffs(record, routes, frame, n),
        warmup_days=record.warmup_days,
    )


def _moved_while_waiting(rec: np.ndarray, exits: np.ndarray, size: int) -> np.ndarray:
    """EXIT rows with reason ``moved`` for a child who was waiting: no END row for the same
    child at the same agency at the same moment (a service cut short has one)."""
    moved = exits & (rec["value"] == _MOVED)
    out = np.zeros(len(rec), dtype=bool)
    rows = np.flatnonzero(moved)
    if not len(rows):
        return out
    times = np.unique(rec["time"][rows])
    key = rec["child"].astype(np.int64) * size + rec["agency"].astype(np.int64)
    ends = np.flatnonzero((rec["kind"] == _END) & np.isin(rec["time"], times))
    slot = len(times)

    def stamp(at: np.ndarray) -> np.ndarray:
        return np.asarray(key[at] * slot + np.searchsorted(times, rec["time"][at]))

    out[rows] = ~np.isin(stamp(rows), stamp(ends))
    return out


def _handoffs(
    record: RunRecord, routes: tuple[Route, ...], frame: np.ndarray, n: int
) -> np.ndarray:
    """Hand-offs per step and route by completeness, and those late (steps x routes x 5)."""
    rec = record.log
    size = len(record.agency_ids)
    kinds = _HANDOFF_KINDS
    # each route's number, looked up by (mode, source, to) codes; -1 for none
    index = {key: i for i, key in enumerate(record.agency_ids)}
    lookup = np.full((len(kinds), size, size), -1, dtype=np.int64)
    due = np.full(len(routes), np.inf)
    limits = clocktime.handoff_due(record.scenario.pathways)
    for r, route in enumerate(routes):
        mode = next(i for i, k in enumerate(kinds) if MODE_OF_KIND[int(k)] == route.mode)
        lookup[mode, index[route.source], index[route.to]] = r
        due[r] = limits.get((route.source, route.mode, route.to), np.inf)
    sel = np.flatnonzero(np.isin(rec["kind"], kinds) & (rec["agency"] >= 0) & (rec["other"] >= 0))
    mode_of = np.searchsorted(kinds, rec["kind"][sel])
    route = lookup[mode_of, rec["agency"][sel], rec["other"][sel]]
    completeness = rec["detail"][sel].astype(np.int64)
    known = (route >= 0) & (completeness >= 0) & (completeness < LATE)
    sel, route, completeness = sel[known], route[known], completeness[known]
    columns = len(HANDOFF_COLUMNS)
    base = (frame[sel] * len(routes) + route) * columns
    out = np.bincount(base + completeness, minlength=n * len(routes) * columns)
    late = clocktime.is_late(completeness, rec["value"][sel], due[route])
    out += np.bincount(base[late] + LATE, minlength=n * len(routes) * columns)
    return out.reshape(n, len(routes), columns)


__all__ = [
    "HANDOFF_COLUMNS",
    "LATE",
    "MAX_FRAMES",
    "STEPS",
    "Frames",
    "Route",
    "flow_frames",
    "routes_of",
    "step_for",
]
