"""What each agency's records show about its service: working pattern, durations, capacity.

* **Working pattern.** An agency that works office hours starts and ends service only
  on working days (the engine moves an out-of-hours start to the next working day and
  counts service in working days). An agency is learned as ``"office"`` when at least
  100 of its ``end`` rows are seen and fewer than 0.5% of its starts and ends fall on
  a weekend or bank holiday; otherwise ``"always"``. Services open when the records
  begin (started at their first instant) are left out of this and of the durations.
* **Durations.** From each ``end`` row back to its ``start`` (the ``value`` of an
  ``end`` row is the service length in clock days); for an office agency converted to
  working days, the unit its ``mean_days`` is written in. Services still open when the
  records stop (:func:`open_at_the_end`) have lasted at least until then; leaving them
  out would bias long services short, so they are fitted as right-censored
  (:func:`~jtai_sim.learning.fit_service.fit_durations`).
* **Capacity.** Children in service at once, counted from ``start`` (+1) and ``end``
  (-1) rows, an end before a start at the same moment. An agency whose list ever held
  a child (``wait`` rows) was full then, so its most children in service at once is its
  number of caseload places, ``staff x caseload``. With no one ever waiting, capacity
  cannot be seen, and the agency is written without ``staff`` (no queue).

>>> import numpy as np
>>> in_service_at_most(np.array([0.0, 1.0, 2.0, 2.0]), np.array([2.0, 3.0]))
3
"""

from __future__ import annotations

import numpy as np
from attrs import frozen

from jtai_sim.calendar import WorkingCalendar
from jtai_sim.learning.fit_service import ServiceFit, fit_durations

#: fewest end rows from which the working pattern is judged
MIN_ENDS_FOR_PATTERN = 100
#: the share of starts and ends out of hours below which an agency works office hours
OFFICE_SHARE = 0.005


@frozen(kw_only=True)
class ServiceSeen:
    """One agency's learned service."""

    working: str
    out_of_hours_share: float
    fit: ServiceFit | None
    #: most children in service at once, and whether the list ever held a child
    places_used: int
    waited: bool
    starts: int


def in_service_at_most(starts: np.ndarray, ends: np.ndarray) -> int:
    """The most children in service at once, from start and end times."""
    times = np.concatenate([starts, ends])
    step = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((step, times))  # at one moment, ends (-1) before starts
    if len(order) == 0:
        return 0
    return int(np.cumsum(step[order]).max())


def open_at_the_end(
    start_child: np.ndarray, start_t: np.ndarray, end_child: np.ndarray
) -> np.ndarray:
    """The start times of the services still open when the records end: a child's n-th
    start at an agency is ended by its n-th end there, so its starts beyond its ends are
    open.

    >>> open_at_the_end(np.array([1, 1, 2]), np.array([0.5, 3.0, 1.0]), np.array([1])).tolist()
    [3.0, 1.0]
    """
    order = np.lexsort((start_t, start_child))
    child, t = start_child[order], start_t[order]
    first = np.ones(len(child), dtype=bool)
    first[1:] = child[1:] != child[:-1]
    rank = np.arange(len(child)) - np.flatnonzero(first)[np.cumsum(first) - 1]
    ends, counts = np.unique(end_child, return_counts=True)
    at = np.minimum(np.searchsorted(ends, child), max(len(ends) - 1, 0))
    ended = np.zeros(len(child), dtype=np.int64)
    if len(ends):
        ended = np.where(ends[at] == child, counts[at], 0)
    return np.asarray(t[rank >= ended], dtype=np.float64)


def service_seen(
    calendar: WorkingCalendar,
    start_t: np.ndarray,
    end_t: np.ndarray,
    end_length: np.ndarray,
    waits: int,
    last_day: float,
    open_t: np.ndarray | None = None,
) -> ServiceSeen:
    """The service of one agency from its start times, end times and end lengths, and
    the start times of its services still open at ``last_day`` (censored)."""
    ends_all = end_t
    began = end_t - end_length
    # a service open when the records begin is logged as starting at their first instant,
    # whatever day that is (a bank holiday, say): it says nothing of the working pattern,
    # and its length is what was left of it, not a service time
    stamps = np.concatenate([start_t[start_t > 1e-9], end_t])
    off = ~calendar.working[np.clip(np.floor(stamps).astype(np.int64), 0, calendar.days - 1)]
    share = float(off.mean()) if len(stamps) else 0.0
    office = len(end_t) >= MIN_ENDS_FOR_PATTERN and share < OFFICE_SHARE
    whole = began > 1e-9
    end_t, end_length, began = end_t[whole], end_length[whole], began[whole]
    opened = np.zeros(0) if open_t is None else open_t[open_t > 1e-9]
    ends_at = np.full(len(opened), last_day)
    if office:
        length = calendar.to_working_array(end_t) - calendar.to_working_array(began)
        so_far = calendar.to_working_array(ends_at) - calendar.to_working_array(opened)
    else:
        length = end_length.copy()
        so_far = ends_at - opened
    fit = fit_durations(length, so_far) if len(length) else None
    return ServiceSeen(
        working="office" if office else "always",
        out_of_hours_share=share,
        fit=fit,
        places_used=in_service_at_most(start_t, ends_all),
        waited=waits > 0,
        starts=len(start_t),
    )
