"""What happens to children on an agency's waiting list, from the records: how often one
is taken off unseen, and how often the list is re-triaged.

The engine's rule (``leave_list_per_year``): each waiting child is taken off at a constant
rate while they wait, closed without being seen. In the records that is an ``exit`` of
reason ``taken off`` (:class:`~jtai_sim.vocabulary.ExitReason`) before any ``start``
since the child's arrival there. The rate is the count of those over the time children
spent waiting, the area under the list's length: each child joins at an ``arrive`` and
leaves at a ``start`` or an exit before one, or is still waiting when the records end.
The interval is the exact Poisson interval of the count over that time.

The engine re-triages each waiting child at a fixed interval after they joined
(``while_waiting.retriage_every_days``), writing a ``retriage`` row whose ``value`` is
the days on the list so far: the interval is the median over children of the first such
value (:func:`retriage_interval`).

>>> import numpy as np
>>> rate = taken_off_per_year(
...     arrive=np.array([0.0, 0.0, 10.0]), start=np.array([20.0]),
...     exit_before_start=np.array([5.0]), taken_off=1, last_day=30.0)
>>> rate is not None and round(rate.estimate, 2)  # one in 20 + 5 + 20 days of waiting
8.12
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jtai_sim.learning.demand import poisson_interval
from jtai_sim.learning.estimate import Estimate
from jtai_sim.scenario.model import DAYS_PER_YEAR
from jtai_sim.vocabulary import ExitReason


def taken_off_per_year(
    *,
    arrive: np.ndarray,
    start: np.ndarray,
    exit_before_start: np.ndarray,
    taken_off: int,
    last_day: float,
) -> Estimate | None:
    """The rate a year at which waiting children are taken off, from the times children
    joined the list, started, or left it unseen, and how many of those were taken off
    (``None`` if children waited less than a day in all: nothing to learn from)."""
    still = max(len(arrive) - len(start) - len(exit_before_start), 0)
    days = float(start.sum() + exit_before_start.sum() + still * last_day - arrive.sum())
    if days < 1.0:
        return None
    years = days / DAYS_PER_YEAR
    low, high = poisson_interval(taken_off)
    return Estimate(
        estimate=taken_off / years,
        n=taken_off,
        low=low / years,
        high=high / years,
        note=f"{taken_off} taken off the list unseen in {days:,.0f} days of waiting",
    )


def exits_before_start(rows: pd.DataFrame) -> pd.DataFrame:
    """The ``exit`` rows of one agency's ``rows`` (in time order; columns ``child``,
    ``kind``, ``time``, ``value``) that come before any ``start`` since the child's
    last arrival there: children who left the list unseen."""
    kind = rows["kind"].astype(str).to_numpy()
    child = rows["child"].to_numpy(np.int64)
    order = np.lexsort((np.arange(len(rows)), child))
    frame = pd.DataFrame({"child": child[order], "kind": kind[order]})
    frame["mark"] = frame["kind"].where(frame["kind"].isin(["arrive", "start"]))
    # within each child, the last arrive or start before each row
    frame["mark"] = frame.groupby("child")["mark"].ffill()
    before = frame.groupby("child")["mark"].shift(1).to_numpy(object)
    unseen = (frame["kind"].to_numpy(object) == "exit") & (before == "arrive")
    return rows.iloc[np.sort(order[unseen])]


def taken_off(rows: pd.DataFrame, last_day: float) -> Estimate | None:
    """:func:`taken_off_per_year` of one agency's rows (see :func:`exits_before_start`)."""
    kind = rows["kind"].astype(str).to_numpy()
    time = rows["time"].to_numpy(np.float64)
    unseen = exits_before_start(rows)
    off = int((unseen["value"].to_numpy(np.float64) == int(ExitReason.TAKEN_OFF)).sum())
    return taken_off_per_year(
        arrive=time[kind == "arrive"],
        start=time[kind == "start"],
        exit_before_start=unseen["time"].to_numpy(np.float64),
        taken_off=off,
        last_day=last_day,
    )


def retriage_interval(rows: pd.DataFrame) -> Estimate | None:
    """The days between re-triages of a waiting child, from one agency's ``retriage`` rows
    (columns ``child``, ``value``: days on the list so far): the median of each child's
    first, with the distribution-free 95% interval of a median (order statistics), or
    ``None`` when the list was never re-triaged.

    >>> rows = pd.DataFrame({"child": [1, 1, 2, 3], "value": [182.0, 364.0, 182.0, 180.0]})
    >>> e = retriage_interval(rows)
    >>> e is not None and (e.estimate, e.n)
    (182.0, 3)
    """
    first = np.sort(rows.groupby("child")["value"].min().to_numpy(np.float64))
    n = len(first)
    if n == 0:
        return None
    half = 1.959963984540054 * np.sqrt(n) / 2
    low = first[max(int(np.floor(n / 2 - half)), 0)]
    high = first[min(int(np.ceil(n / 2 + half)), n - 1)]
    return Estimate(
        estimate=float(np.median(first)),
        n=n,
        low=float(low),
        high=float(high),
        note=f"the first re-triage of {n} waiting children, days after joining the list",
    )


__all__ = ["exits_before_start", "retriage_interval", "taken_off", "taken_off_per_year"]
