"""The one rule for statutory and NHS clocks, and for late hand-offs.

Metrics (over a whole run), inspection findings (over what the records show on
a notification date) and case lists all judge a clock here, with
:func:`clock_instances`, and a hand-off's lateness with :func:`handoff_due` and
:func:`is_late`, so a simulated run and a partnership's own records are judged
by exactly the same rules.

How clocks count:

* ``working_days``: whole working days by date, as Working Together 2023 and
  the DfE children-in-need census count them. The working days from one event
  to another are those after the start date up to and including the stop date,
  whatever the time of day: an assessment finished on the 45th working day after
  the referral is on time even late in that day. A 1-working-day decision made
  the next working day is on time.
* ``days``, ``weeks`` and ``hours``: elapsed clock time (an NHS waiting time, a
  24-hour detention limit), as those rules are written.

A child already open at an agency when the records begin (arrival origin
``initial``: a simulation's day-0 caseload) was referred, came into care or
began their plan before then. No clock starts from that arrival, nor from the
start of that service carried over from before: when it truly started is not
in the records, so its timescale cannot be judged (a child in care for two
years has no initial health assessment due). The rows are ``carried`` in
:class:`LogColumns` (a log that does not say takes the arrivals at clock time 0, the
first instant of the records, as carried over); clocks that start later in such a
child's journey (a new referral, a plan ending and a conference) are judged as for anyone.

>>> import datetime as dt
>>> import numpy as np
>>> from jtai_sim.calendar import WorkingCalendar
>>> cal = WorkingCalendar(dt.date(2025, 12, 22), horizon_days=30)   # a Monday
>>> # 5 working days after Monday 22 December are the 23rd, 24th, 29th, 30th and
>>> # 31st (Christmas, Boxing Day and New Year's Day are closed): the clock runs
>>> # out at the start of Friday 2 January, day 11
>>> float(deadline(cal, np.array([0.4]), 5.0, "working_days")[0])
11.0
>>> elapsed(cal, np.array([0.4]), np.array([9.9, 11.1]), "working_days").tolist()
[5.0, 6.0]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import attrs
import numpy as np
import pandas as pd
from attrs import frozen

from jtai_sim.calendar import WorkingCalendar
from jtai_sim.scenario.model import Clock, Pathway
from jtai_sim.vocabulary import Completeness, EventKind, ExitReason, Origin

#: EXIT reasons of a child who leaves an agency without an END row
_UNSEEN = [float(ExitReason.TAKEN_OFF), float(ExitReason.MERGED)]
_SCALE_TO_DAYS = {"days": 1.0, "hours": 1 / 24, "weeks": 7.0}
#: The row kind of each clock event. ``interim`` and ``signpost`` are help given to a
#: child while they wait (interim support, signposting to a commissioned offer): the
#: proposed four-week CYPMH measure counts them as help (NHS England, consultation
#: response on the proposed mental health access standards, February 2022).
_EVENT = {
    "arrive": EventKind.ARRIVE,
    "start": EventKind.START,
    "end": EventKind.END,
    "interim": EventKind.INTERIM,
    "signpost": EventKind.SIGNPOST,
}
#: The kinds of row a clock reads: its start and stop events, and leaving a list unseen.
CLOCK_KINDS = [int(k) for k in (*_EVENT.values(), EventKind.EXIT)]

#: Columns of :func:`clock_instances`.
INSTANCE_COLUMNS = (
    "clock",
    "child",
    "start",
    "stop",
    "start_id",
    "stop_id",
    "start_agency",
    "stop_agency",
    "elapsed",
    "stopped",
    "deadline",
    "outcome",
)


def elapsed(cal: WorkingCalendar, t0: np.ndarray, t1: np.ndarray, unit: str) -> np.ndarray:
    """How long a clock ran from ``t0`` to ``t1`` (clock days), in ``unit``."""
    if unit == "working_days":
        n0, n1 = cal.working_day_numbers(t0), cal.working_day_numbers(t1)
        return np.asarray(n1 - n0, dtype=np.float64)
    return np.asarray((t1 - t0) / _SCALE_TO_DAYS[unit], dtype=np.float64)


def deadline(cal: WorkingCalendar, t0: np.ndarray, limit: float, unit: str) -> np.ndarray:
    """The clock time at which a clock of ``limit`` ``unit`` started at ``t0`` runs out.

    A stop before it is within the limit, a stop at or after it is not.
    """
    if unit == "working_days":
        first_late = cal.working_day_numbers(t0) + math.floor(limit) + 1
        return np.asarray(cal.start_of_working_day(first_late), dtype=np.float64)
    return np.asarray(t0 + limit * _SCALE_TO_DAYS[unit], dtype=np.float64)


@frozen
class LogColumns:
    """The event-log columns a clock reads, as plain arrays of one length.

    ``ids`` names each row (its position in a run's log, or a case book's
    ``event_id``), so a clock can cite the rows that started and stopped it.
    """

    time: np.ndarray
    child: np.ndarray
    agency: np.ndarray
    kind: np.ndarray
    value: np.ndarray
    ids: np.ndarray
    #: rows of episodes open before the records began (no clock starts on them), or
    #: ``None`` when there are none
    carried: np.ndarray | None = None
    #: each row's ``detail`` (on an arrival, 1 if the referral was urgent), or ``None``
    #: when the log does not say: a clock split by urgency then counts every arrival
    #: as routine
    detail: np.ndarray | None = None

    def only(self, kinds: list[int]) -> LogColumns:
        """The rows of the given kinds."""
        keep = np.isin(self.kind, kinds)
        if keep.all():
            return self
        return LogColumns(
            time=self.time[keep],
            child=self.child[keep],
            agency=self.agency[keep],
            kind=self.kind[keep],
            value=self.value[keep],
            ids=self.ids[keep],
            carried=None if self.carried is None else self.carried[keep],
            detail=None if self.detail is None else self.detail[keep],
        )

    @classmethod
    def of_records(cls, rec: np.ndarray, kinds: list[int] | None = None) -> LogColumns:
        """The columns of a run's packed log records (ids are row positions), only the
        rows of ``kinds`` if given."""
        ids = np.arange(len(rec)) if kinds is None else np.flatnonzero(_member(rec["kind"], kinds))
        sub = rec if kinds is None else rec[ids]
        initial = (sub["kind"] == int(EventKind.ARRIVE)) & (sub["other"] == int(Origin.INITIAL))
        return cls(
            time=sub["time"].astype(np.float64),
            child=sub["child"].astype(np.int64),
            agency=sub["agency"].astype(np.int64),
            kind=sub["kind"].astype(np.int64),
            value=sub["value"].astype(np.float64),
            ids=ids.astype(np.int64),
            carried=carried_rows(sub["time"], sub["child"], sub["agency"], sub["kind"], initial)
            if initial.any()
            else None,
            detail=sub["detail"].astype(np.int64),
        )


def carried_rows(
    time: np.ndarray, child: np.ndarray, agency: np.ndarray, kind: np.ndarray, initial: np.ndarray
) -> np.ndarray:
    """Rows of episodes carried over from before the records: each ``initial`` arrival,
    and the start of service at that agency at that same moment (a child already in
    service then; one still on the list starts later, within the records).

    >>> kinds = np.array([int(EventKind.ARRIVE), int(EventKind.START), int(EventKind.START)])
    >>> carried_rows(np.array([0.0, 0.0, 5.0]), np.array([1, 1, 2]), np.array([3, 3, 3]),
    ...     kinds, np.array([True, False, False])).tolist()
    [True, True, False]
    """
    key = np.asarray(child, dtype=np.int64) * 65_536 + np.asarray(agency, dtype=np.int64)
    t = np.asarray(time, dtype=np.float64)
    first = pd.DataFrame({"key": key[initial], "time": t[initial]})
    started = np.asarray(kind) == int(EventKind.START)
    probe = pd.DataFrame({"key": key[started], "time": t[started]})
    hit = probe.merge(first.drop_duplicates(), on=["key", "time"], how="left", indicator=True)
    out = np.asarray(initial, dtype=bool).copy()
    out[np.flatnonzero(started)] = (hit["_merge"] == "both").to_numpy()
    return out


def clock_instances(
    log: LogColumns,
    cal: WorkingCalendar,
    clocks: Mapping[str, Clock],
    agency_index: Mapping[str, int],
    t_end: float,
    since: float = 0.0,
) -> pd.DataFrame:
    """One row per clock started at or after ``since``, judged at ``t_end``.

    A clock runs from a ``start`` event to the same child's first ``stop`` event (any
    of the stop's events at any of its agencies) before the clock starts again (a new
    strategy discussion restarts the conference clock, as Working Together says). Its
    ``outcome``:

    * ``met``: stopped within its limit (before its :func:`deadline`);
    * ``breached``: stopped beyond it, or not stopped by the deadline while
      the child was still with one of its start or stop agencies then (still
      waiting for what the clock measures, even if taken off the list later), or
      at all for a clock whose stop is ``owed_to_all`` (a return home interview is
      owed after every missing episode, whether or not one was arranged);
    * ``pending``: not stopped, the deadline still ahead at ``t_end``, and the
      child still waiting;
    * ``not_reached``: the child moved on without needing the stop (no conference
      was needed, the referral was turned down).

    A clock with an ``urgency`` starts only at the arrivals of that urgency (an
    arrival row's ``detail`` is 1 if the referral was urgent); the rest is the same.

    Columns are :data:`INSTANCE_COLUMNS`; ``stop``, ``stop_id`` and
    ``stop_agency`` are missing where the clock did not stop.

    Rows ``log.carried`` marks start no clock. A log that does not say (``carried`` is
    ``None``, as when built from a case book's columns) is read by the same rule with
    the arrivals at the first instant of the records (clock time 0) taken as carried
    over: an episode open the moment the records begin began before them.
    """
    if log.carried is None:
        first = (log.kind == int(EventKind.ARRIVE)) & (log.time <= 0.0)
        if first.any():
            log = attrs.evolve(
                log, carried=carried_rows(log.time, log.child, log.agency, log.kind, first)
            )
    log = log.only(CLOCK_KINDS)
    frames = []
    names = pd.Index(list(clocks))
    for code, clock in enumerate(clocks.values()):
        a_ids = [agency_index[a] for a in clock.start.agency if a in agency_index]
        b_ids = [agency_index[a] for a in clock.stop.agency if a in agency_index]
        if not a_ids or not b_ids:
            continue
        skip = log.carried
        if clock.urgency != "any":  # only the arrivals of that urgency start the clock
            urgent = np.zeros(len(log.kind), dtype=bool) if log.detail is None else log.detail == 1
            other = ~urgent if clock.urgency == "urgent" else urgent
            skip = other if skip is None else skip | other
        start = _points(log, a_ids, clock.start.event, "start", skip=skip)
        start = start.sort_values(["child", "start"], kind="stable")
        start["bound"] = start.groupby("child")["start"].shift(-1).fillna(t_end)
        start = start[start["start"] >= since]
        if start.empty:
            continue
        stop = _points(log, b_ids, clock.stop.event, "stop").sort_values("stop", kind="stable")
        m = pd.merge_asof(
            start.sort_values("start", kind="stable"),
            stop,
            left_on="start",
            right_on="stop",
            by="child",
            direction="forward",
        )
        late = m["stop"] >= m["bound"]
        m.loc[late, ["stop", "stop_id", "stop_agency"]] = np.nan
        stopped = m["stop"].notna().to_numpy()
        s_t = m["start"].to_numpy(np.float64)
        bound = m["bound"].to_numpy(np.float64)
        ran = elapsed(
            cal, s_t, np.where(stopped, m["stop"].to_numpy(np.float64), bound), clock.unit
        )
        runs_out = deadline(cal, s_t, clock.limit, clock.unit)
        over = ran > _allowed(clock) + 1e-9
        present = still_with(
            log, sorted(set(a_ids) | set(b_ids)), m["child"].to_numpy(), np.minimum(runs_out, bound)
        )
        if clock.owed_to_all:  # owed whether or not the child was referred on for it
            present[:] = True
        due = runs_out <= bound
        outcome = np.select(
            [
                stopped & ~over,
                stopped & over,
                ~stopped & due & present,
                ~stopped & ~due & (bound >= t_end) & present,
            ],
            ["met", "breached", "breached", "pending"],
            "not_reached",
        )
        m["clock"] = pd.Categorical.from_codes(np.full(len(m), code), categories=names)
        m["elapsed"] = ran
        m["stopped"] = stopped
        m["deadline"] = runs_out
        m["outcome"] = outcome
        frames.append(m[list(INSTANCE_COLUMNS)])
    if not frames:
        return pd.DataFrame({c: [] for c in INSTANCE_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def _member(codes: np.ndarray, wanted: list[int]) -> np.ndarray:
    """``np.isin(codes, wanted)`` for small non-negative codes (-1 is never wanted), by
    table look-up: a tenth of the time on a long log."""
    table = np.zeros(max([*wanted, int(codes.max(initial=0))]) + 2, dtype=bool)
    table[wanted] = True
    return np.asarray(table[codes])  # code -1 reads the last entry, always False


def _allowed(clock: Clock) -> float:
    """The longest elapsed time within a clock's limit (whole days for working days)."""
    return float(math.floor(clock.limit)) if clock.unit == "working_days" else clock.limit


def _points(
    log: LogColumns,
    agencies: list[int],
    events: tuple[str, ...],
    name: str,
    skip: np.ndarray | None = None,
) -> pd.DataFrame:
    """The rows of any of ``events`` at any of ``agencies``: a clock's start or stop points."""
    if len(events) == 1:
        sel = log.kind == int(_EVENT[events[0]])
    else:
        sel = np.isin(log.kind, [int(_EVENT[e]) for e in events])
    sel &= _member(log.agency, agencies)
    if skip is not None:
        sel &= ~skip
    return pd.DataFrame(
        {
            "child": log.child[sel],
            name: log.time[sel],
            f"{name}_id": log.ids[sel],
            f"{name}_agency": log.agency[sel],
        }
    )


def still_with(
    log: LogColumns, agencies: list[int], probe_child: np.ndarray, probe_time: np.ndarray
) -> np.ndarray:
    """Whether each ``probe_child`` was with one of ``agencies`` just before ``probe_time``.

    A child is with an agency from each arrival until the end of that service,
    or until taken off its list unseen (an EXIT row that no END precedes).
    """
    here = _member(log.agency, agencies)
    arrive = here & (log.kind == int(EventKind.ARRIVE))
    depart = here & (
        (log.kind == int(EventKind.END))
        | ((log.kind == int(EventKind.EXIT)) & np.isin(log.value, _UNSEEN))
    )
    sel = arrive | depart
    return (
        _sum_before(
            np.asarray(log.child[sel], dtype=np.int64),
            log.time[sel],
            np.where(arrive[sel], 1, -1),
            np.asarray(probe_child, dtype=np.int64),
            np.asarray(probe_time, dtype=np.float64),
        )
        > 0
    )


def _sum_before(
    child: np.ndarray,
    time: np.ndarray,
    step: np.ndarray,
    probe_child: np.ndarray,
    probe_time: np.ndarray,
) -> np.ndarray:
    """For each probe, the sum of ``step`` over that child's rows strictly before its time.

    Rows and probes are sorted together by child, then time, a probe before a row at
    the same time (so a row at the probe's very moment does not count); the running
    sum of steps at a probe, less the sum before its child's first entry, is the
    answer. Exact (no keys made of floats), and no table is built.

    >>> _sum_before(np.array([1, 1, 2]), np.array([0.0, 2.0, 1.0]), np.array([1, -1, 1]),
    ...             np.array([1, 1, 1, 2, 3]), np.array([0.0, 1.0, 2.5, 9.0, 1.0])).tolist()
    [0, 1, 0, 1, 0]
    """
    n = len(child)
    kids = np.concatenate([child, probe_child])
    times = np.concatenate([np.asarray(time, dtype=np.float64), probe_time])
    is_row = np.concatenate([np.ones(n, dtype=np.int8), np.zeros(len(probe_child), dtype=np.int8)])
    order = np.lexsort((is_row, times, kids))
    steps = np.concatenate([np.asarray(step, dtype=np.int64), np.zeros(len(probe_child), np.int64)])
    running = np.cumsum(steps[order])
    sorted_kids = kids[order]
    where = np.empty(len(order), dtype=np.int64)
    where[order] = np.arange(len(order))
    at = where[n:]
    first = np.searchsorted(sorted_kids, probe_child, side="left")
    before = np.where(first > 0, running[np.maximum(first - 1, 0)], 0)
    return np.asarray(running[at] - before)


def handoff_due(pathways: Iterable[Pathway]) -> dict[tuple[str, str, str], float]:
    """Days each hand-off may take before its information is late, by
    ``(from, mode, to)``.

    The log records a hand-off's agencies and mode, not which pathway carried
    it, so where several pathways share all three (say one for children at
    risk, one for the rest) and allow different times, the longest applies: a
    hand-off is called late only if it was late whichever of them it took.

    >>> from jtai_sim.scenario.model import Information, Pathway
    >>> def path(days, mode="refer"):
    ...     info = Information(complete=1.0, due_within_days=days)
    ...     return Pathway(source="a", to="b", probability=0.5, mode=mode, information=info)
    >>> handoff_due([path(2.0), path(5.0), path(1.0, "notify")])
    {('a', 'refer', 'b'): 5.0, ('a', 'notify', 'b'): 1.0}
    """
    due: dict[tuple[str, str, str], float] = {}
    for p in pathways:
        if p.information is not None:
            key = (p.source, p.mode, p.to)
            due[key] = max(due.get(key, 0.0), p.information.due_within_days)
    return due


def is_late(completeness: np.ndarray, delay: np.ndarray, due: np.ndarray | float) -> np.ndarray:
    """Whether information that arrived (complete or partial) came after its due time.

    Lost information is never late (it never came), and so is information whose
    arrival was not recorded.
    """
    arrived = np.isin(completeness, [int(Completeness.COMPLETE), int(Completeness.PARTIAL)])
    return np.asarray(arrived & (np.asarray(delay, dtype=np.float64) > due))
