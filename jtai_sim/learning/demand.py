"""Demand learned from arrivals: rate, school-term and weekend pattern per entry agency.

A child's first ``arrive`` row is where they came to notice (their entry agency; an
``initial`` arrival, a child already open on the first day, is not demand). Days are
of three types on the scenario's calendar (school terms and bank holidays as
:class:`~jtai_sim.calendar.WorkingCalendar` keeps them): school days, working days in
the school holidays, and weekends and bank holidays. The engine's rate on each is
``rate x term_factor``, ``rate x holiday_factor`` and ``rate x weekend_factor x
holiday_factor`` (``rate x weekend_factor`` on non-working days without seasonality).

Four numbers for three day types cannot all be known, so learn fixes the meaning of
``rate_per_10k_per_year``: it is the rate on an average **working day** of the observed
window, a year of them, per 10,000 children. With ``seasonality = "school_terms"`` the
term and holiday factors then average 1 over the working days observed. Seasonality is
written when the school-day and holiday rates differ clearly (a Poisson rate-ratio test
with |z| > 3 and a ratio outside 0.95 to 1.05). Each count is Poisson, so a rate's 95%
interval is the exact (Garwood) interval of its count; a factor's comes from the log
rate ratio.

>>> import numpy as np
>>> d = day_rates(np.array([0, 0, 1, 5]), np.array([True] * 5 + [False] * 2),
...               np.array([True] * 5 + [False] * 2))
>>> d.school.n, d.weekend.n
(3, 1)
"""

from __future__ import annotations

import math

import numpy as np
from attrs import frozen
from scipy import stats

from jtai_sim.learning.estimate import Estimate
from jtai_sim.scenario.model import DAYS_PER_YEAR

#: |z| of the rate-ratio test above which term and holiday rates are taken to differ
SEASONALITY_Z = 3.0
Z95 = 1.959963984540054


@frozen(kw_only=True)
class Count:
    """Arrivals on ``days`` days of one type."""

    n: int
    days: int

    @property
    def rate(self) -> float:
        """Arrivals a day (0 for no days)."""
        return self.n / self.days if self.days else 0.0


@frozen(kw_only=True)
class DayRates:
    """Arrivals on school days, holiday working days and non-working days."""

    school: Count
    holiday: Count
    weekend: Count

    @property
    def working(self) -> Count:
        """Arrivals on every working day."""
        return Count(n=self.school.n + self.holiday.n, days=self.school.days + self.holiday.days)


def day_rates(days: np.ndarray, working: np.ndarray, school: np.ndarray) -> DayRates:
    """Counts per day type from arrival ``days`` (whole clock days, inside the window) and
    the window's ``working`` and ``school`` day flags."""
    n_days = len(working)
    hits = np.bincount(days, minlength=n_days)[:n_days]
    holiday = working & ~school
    rest = ~working
    return DayRates(
        school=Count(n=int(hits[school].sum()), days=int(school.sum())),
        holiday=Count(n=int(hits[holiday].sum()), days=int(holiday.sum())),
        weekend=Count(n=int(hits[rest].sum()), days=int(rest.sum())),
    )


def poisson_interval(n: int) -> tuple[float, float]:
    """The exact (Garwood) 95% interval of a Poisson count ``n``."""
    low = 0.0 if n == 0 else float(stats.chi2.ppf(0.025, 2 * n)) / 2
    high = float(stats.chi2.ppf(0.975, 2 * n + 2)) / 2
    return low, high


def _ratio(a: Count, b: Count, scale: float = 1.0, note: str = "") -> Estimate:
    """The factor a.rate / b.rate (times ``scale``) with its interval."""
    if a.days == 0 or b.n == 0 or b.days == 0:
        return Estimate(estimate=1.0, source="default", note=note or "no days of this type seen")
    value = a.rate / b.rate * scale
    if a.n == 0:
        return Estimate(estimate=0.0, n=a.n + b.n, low=0.0, high=poisson_interval(0)[1] / a.days)
    half = Z95 * math.sqrt(1 / a.n + 1 / b.n)
    return Estimate(
        estimate=value,
        n=a.n + b.n,
        low=value * math.exp(-half),
        high=value * math.exp(half),
        note=note,
    )


@frozen(kw_only=True)
class DemandSeen:
    """One learned stream: its rate and factors, each with provenance."""

    rates: DayRates
    seasonal: bool
    rate: Estimate
    term_factor: Estimate | None
    holiday_factor: Estimate | None
    weekend_factor: Estimate


def learn_demand(rates: DayRates, children: int) -> DemandSeen:
    """Rate per 10,000 children a year and the factors, from the day counts."""
    per = DAYS_PER_YEAR * 10_000 / children
    work = rates.working
    low, high = poisson_interval(work.n)
    rate = Estimate(
        estimate=work.rate * per,
        n=work.n,
        low=low / max(work.days, 1) * per,
        high=high / max(work.days, 1) * per,
        note=f"arrivals on {work.days} working days",
    )
    s, h = rates.school, rates.holiday
    seasonal = False
    if s.n and h.n and s.days and h.days:
        z = (math.log(s.rate) - math.log(h.rate)) / math.sqrt(1 / s.n + 1 / h.n)
        seasonal = abs(z) > SEASONALITY_Z and not 0.95 < s.rate / h.rate < 1.05
    elif s.days and h.days and (s.n or h.n):
        seasonal = max(s.n, h.n) >= 10  # one type of day never sees an arrival
    if seasonal:
        term = _ratio(s, work, note="school days against all working days")
        holiday = _ratio(h, work, note="holiday working days against all working days")
        weekend = _ratio(rates.weekend, h, note="weekends and bank holidays against holidays")
        if h.n == 0:
            weekend = Estimate(
                estimate=1.0, source="default", note="no holiday arrivals to compare with"
            )
        return DemandSeen(
            rates=rates,
            seasonal=True,
            rate=rate,
            term_factor=term,
            holiday_factor=holiday,
            weekend_factor=weekend,
        )
    weekend = _ratio(rates.weekend, work, note="weekends and bank holidays against working days")
    return DemandSeen(
        rates=rates,
        seasonal=False,
        rate=rate,
        term_factor=None,
        holiday_factor=None,
        weekend_factor=weekend,
    )
