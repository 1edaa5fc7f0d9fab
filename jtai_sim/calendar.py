"""The simulation calendar: clock days to dates, working days and school days.

The clock counts days (float) from the scenario's ``start_date``. Working days are
Monday to Friday less England and Wales bank holidays (from the ``holidays``
package). School days are working days inside a term. Without terms in the
scenario an English pattern is used: autumn from the first weekday on or after
3 September to 19 December, spring from 5 January to the Thursday before Good
Friday, summer from the second Monday after Easter to 22 July, each with a
week's half term (the week holding 27 October, 16 February, and the late May
bank holiday).

An agency that works office hours measures service in *working time*: a day of
service is one working day, so ``to_working`` and ``from_working`` convert
between the clock and the running count of working days.

>>> import datetime as dt
>>> cal = WorkingCalendar(dt.date(2025, 12, 24), horizon_days=30)
>>> [cal.date_of(d).isoformat() for d in range(6) if cal.is_working_day(d)]
['2025-12-24', '2025-12-29']
>>> cal.add_working_days(dt.date(2025, 12, 24), 1)  # Wed 24 Dec: the next is Mon 29 Dec
datetime.date(2025, 12, 29)
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import holidays
import numpy as np
from dateutil.easter import easter

from jtai_sim.scenario.model import DAYS_PER_YEAR as DAYS_PER_YEAR  # the scenario's year
from jtai_sim.scenario.model import Term

if TYPE_CHECKING:
    from jtai_sim.scenario.model import Scenario

_MARGIN_DAYS = 3 * 365


def default_terms(first_year: int, last_year: int) -> list[Term]:
    """English-style school terms (with half terms split out) for academic years
    starting in ``first_year`` to ``last_year``.

    >>> [t.start.isoformat() for t in default_terms(2025, 2025)][:2]
    ['2025-09-03', '2025-11-03']
    """
    terms: list[Term] = []
    for year in range(first_year, last_year + 1):
        start = dt.date(year, 9, 3)
        while start.weekday() >= 5:
            start += dt.timedelta(days=1)
        terms += _split(start, dt.date(year, 12, 19), _week_of(dt.date(year, 10, 27)))
        good_friday = easter(year + 1) - dt.timedelta(days=2)
        terms += _split(
            dt.date(year + 1, 1, 5),
            good_friday - dt.timedelta(days=1),
            _week_of(dt.date(year + 1, 2, 16)),
        )
        may_bank = dt.date(year + 1, 5, 31)
        while may_bank.weekday() != 0:
            may_bank -= dt.timedelta(days=1)
        terms += _split(
            easter(year + 1) + dt.timedelta(days=15), dt.date(year + 1, 7, 22), may_bank
        )
    return terms


def _week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _split(start: dt.date, end: dt.date, half_term_monday: dt.date) -> list[Term]:
    before = half_term_monday - dt.timedelta(days=1)
    after = half_term_monday + dt.timedelta(days=7)
    return [Term(start=start, end=before), Term(start=after, end=end)]


class WorkingCalendar:
    """Working days and school days for a simulation that starts on ``start_date``."""

    def __init__(
        self,
        start_date: dt.date,
        horizon_days: float,
        *,
        bank_holidays: bool = True,
        terms: Iterable[Term] | None = None,
    ) -> None:
        self.start_date = start_date
        n = math.ceil(horizon_days) + _MARGIN_DAYS
        self.days = n
        dates = [start_date + dt.timedelta(days=i) for i in range(n)]
        years = range(start_date.year - 1, dates[-1].year + 2)
        self.uses_bank_holidays = bank_holidays
        closed = set().union(*(_bank_holidays(y) for y in years)) if bank_holidays else set()
        self.working = np.array([d.weekday() < 5 and d not in closed for d in dates], dtype=bool)
        term_list = list(terms) if terms is not None else default_terms(years[0], years[-1])
        in_term = np.zeros(n, dtype=bool)
        for term in term_list:
            a = (term.start - start_date).days
            b = (term.end - start_date).days + 1
            if b > 0 and a < n:
                in_term[max(a, 0) : min(b, n)] = True
        self.school = self.working & in_term
        # cum[i] = working days strictly before day i
        self.cum = np.concatenate([[0], np.cumsum(self.working)]).astype(np.float64)
        self._cum_list: list[float] = self.cum.tolist()
        self._working_list: list[bool] = self.working.tolist()
        self.bank_holidays = sorted(d for d in closed if start_date <= d <= dates[-1])

    # -- single values (used by the engine; plain Python for speed) --------------
    def is_working_day(self, day: float) -> bool:
        """True if the clock day holding ``day`` is a working day."""
        i = int(day)
        return (
            self._working_list[i] if 0 <= i < self.days else self.is_working_date(self.date_of(i))
        )

    def is_working_date(self, date: dt.date) -> bool:
        """True if ``date`` is a working day (also outside the calendar's range)."""
        day = self.day_of(date)
        if 0 <= day < self.days:
            return self._working_list[day]
        closed = self.uses_bank_holidays and date in _bank_holidays(date.year)
        return date.weekday() < 5 and not closed

    def is_school_day(self, day: float) -> bool:
        """True if the clock day holding ``day`` is a school day."""
        i = int(day)
        return bool(self.school[i]) if 0 <= i < self.days else False

    def to_working(self, t: float) -> float:
        """Working days elapsed from day 0 to clock time ``t``."""
        i = int(t)
        if i >= self.days:
            return self._cum_list[-1] + (t - self.days) * 5 / 7
        base = self._cum_list[i]
        return base + (t - i) if self._working_list[i] else base

    def from_working(self, w: float) -> float:
        """The earliest clock time at which ``w`` working days have elapsed."""
        cum = self._cum_list
        if w >= cum[-1]:
            return self.days + (w - cum[-1]) * 7 / 5
        i = bisect.bisect_right(cum, w) - 1  # cum[i] <= w < cum[i+1]: day i is working
        return i + (w - cum[i])

    def date_of(self, t: float) -> dt.date:
        """The date holding clock time ``t``."""
        return self.start_date + dt.timedelta(days=math.floor(t))

    def day_of(self, date: dt.date) -> int:
        """The clock day of ``date``."""
        return (date - self.start_date).days

    # -- arrays (used by metrics) ------------------------------------------------
    def to_working_array(self, t: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`to_working`."""
        t = np.asarray(t, dtype=np.float64)
        i = np.clip(np.floor(t).astype(np.int64), 0, self.days - 1)
        frac = np.where(self.working[i], t - i, 0.0)
        inside = self.cum[i] + frac
        beyond = self.cum[-1] + (t - self.days) * 5 / 7
        out: np.ndarray = np.where(t >= self.days, beyond, inside)
        return out

    def working_day_numbers(self, t: np.ndarray) -> np.ndarray:
        """Working days on or before the date holding each clock time ``t``.

        This is how statutory clocks count (Working Together 2023 and the DfE
        children-in-need census count whole working days by date): the
        working days from date ``a`` to date ``b`` are those after ``a`` up to and
        including ``b``, ``numbers(b) - numbers(a)``, whatever the time of day.

        >>> cal = WorkingCalendar(dt.date(2025, 12, 22), horizon_days=30)  # a Monday
        >>> cal.working_day_numbers(np.array([0.2, 0.9, 4.5, 5.5, 7.0])).tolist()
        [1, 1, 3, 3, 4]
        """
        day = np.floor(np.asarray(t, dtype=np.float64)).astype(np.int64)
        inside = self.cum[np.clip(day + 1, 0, self.days)]
        beyond = self.cum[-1] + np.floor((day + 1 - self.days) * 5 / 7)
        out: np.ndarray = np.where(day + 1 > self.days, beyond, inside).astype(np.int64)
        return out

    def start_of_working_day(self, n: np.ndarray) -> np.ndarray:
        """The clock time at which working day number ``n`` begins (numbered as
        :meth:`working_day_numbers` numbers them).

        >>> cal = WorkingCalendar(dt.date(2025, 12, 22), horizon_days=30)  # Mon 22 Dec
        >>> cal.start_of_working_day(np.array([1, 3, 4])).tolist()  # Mon, Wed, Mon 29 Dec
        [0.0, 2.0, 7.0]
        """
        n = np.asarray(n, dtype=np.float64)
        inside = np.searchsorted(self.cum, n, side="left") - 1.0
        beyond = self.days + np.ceil((n - self.cum[-1]) * 7 / 5) - 1.0
        out: np.ndarray = np.where(n > self.cum[-1], beyond, np.maximum(inside, 0.0))
        return out

    def dates_of(self, t: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`date_of` as ``datetime64[D]``."""
        base = np.datetime64(self.start_date, "D")
        out: np.ndarray = base + np.floor(np.asarray(t)).astype("timedelta64[D]")
        return out

    def add_working_days(self, date: dt.date, n: int) -> dt.date:
        """The working day ``n`` working days after ``date`` (``n`` >= 0; ``date``
        itself for 0)."""
        while n > 0:
            date += dt.timedelta(days=1)
            if self.is_working_date(date):
                n -= 1
        return date

    def working_day_number(self, start: dt.date, date: dt.date) -> int:
        """The working-day number of ``date``, counting working day ``start`` as day 1."""
        n, day = 1, start
        while day < date:
            day += dt.timedelta(days=1)
            if self.is_working_date(day):
                n += 1
        return n


def calendar_for(scenario: Scenario) -> WorkingCalendar:
    """The working-day and school calendar a scenario runs on (its start date, length,
    bank holidays and terms)."""
    return WorkingCalendar(
        scenario.start_date,
        scenario.duration_days,
        bank_holidays=scenario.calendar.bank_holidays,
        terms=scenario.calendar.terms,
    )


@functools.cache
def _bank_holidays(year: int) -> frozenset[dt.date]:
    """England and Wales bank holidays of ``year`` (from the ``holidays`` package)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))
