"""What each agency's records show about its service: working pattern, durations, capacity.

* **Working pattern.** An agency that works office hours starts and ends service only
  on working days (the engine moves an out-of-hours start to the next working day and
  counts service in working days). An agency is learned as ``"office"`` when at least
  100 of its ``end`` rows are seen and fewer than 0.5% of its starts and ends fall on
  a weekend or bank holiday; otherwise ``"always"``.
* **Durations.** From each ``end`` row back to its ``start`` (the ``value`` of an
  ``end`` row is the service length in clock days); for an office agency converted to
  working days, the unit its ``mean_days`` is written in. Services still open when the
  records stop are not seen, which would bias long services short, so only services
  started early enough to have ended (before the last day less three times the 95th
  percentile of the durations) are fitted.
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


def service_seen(
    calendar: WorkingCalendar,
    start_t: np.ndarray,
    end_t: np.ndarray,
    end_length: np.ndarray,
    waits: int,
    last_day: float,
) -> ServiceSeen:
    """The service of one agency from its start times, end times and end lengths."""
    stamps = np.concatenate([start_t, end_t])
    off = ~calendar.working[np.clip(np.floor(stamps).astype(np.int64), 0, calendar.days - 1)]
    share = float(off.mean()) if len(stamps) else 0.0
    office = len(end_t) >= MIN_ENDS_FOR_PATTERN and share < OFFICE_SHARE
    began = end_t - end_length
    if office:
        length = calendar.to_working_array(end_t) - calendar.to_working_array(began)
    else:
        length = end_length.copy()
    fit = None
    if len(length):
        horizon = 3 * float(np.quantile(length, 0.95))
        if office:
            horizon *= 7 / 5
        early = began <= last_day - horizon
        chosen = length[early] if early.sum() >= max(30, len(length) // 2) else length
        fit = fit_durations(chosen)
    return ServiceSeen(
        working="office" if office else "always",
        out_of_hours_share=share,
        fit=fit,
        places_used=in_service_at_most(start_t, end_t),
        waited=waits > 0,
        starts=len(start_t),
    )
