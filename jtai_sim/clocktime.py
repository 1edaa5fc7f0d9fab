"""Clock arithmetic shared by the metrics and the inspection findings.

How long a statutory or NHS clock ran (in its own unit), when it runs out, and
whether a child was still with the agencies a clock concerns at a given moment,
all on plain arrays so that a simulated run and a partnership's own case list
are judged by exactly the same rules.

>>> import datetime as dt
>>> import numpy as np
>>> from jtai_sim.calendar import WorkingCalendar
>>> cal = WorkingCalendar(dt.date(2025, 12, 22), horizon_days=30)   # a Monday
>>> float(deadline(cal, np.array([0.0]), 5.0, "working_days")[0])   # Christmas and Boxing Day
9.0
>>> float(elapsed(cal, np.array([0.0]), np.array([9.0]), "working_days")[0])
5.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jtai_sim.calendar import WorkingCalendar
from jtai_sim.vocabulary import EventKind, ExitReason

#: EXIT reasons of a child who leaves an agency without an END row
_UNSEEN = [float(ExitReason.TAKEN_OFF), float(ExitReason.MERGED)]
_SCALE_TO_DAYS = {"days": 1.0, "hours": 1 / 24, "weeks": 7.0}


def elapsed(cal: WorkingCalendar, t0: np.ndarray, t1: np.ndarray, unit: str) -> np.ndarray:
    """Time from ``t0`` to ``t1`` (clock days) in ``unit``."""
    if unit == "working_days":
        return np.asarray(cal.to_working_array(t1) - cal.to_working_array(t0))
    return np.asarray((t1 - t0) / _SCALE_TO_DAYS[unit])


def deadline(cal: WorkingCalendar, t0: np.ndarray, limit: float, unit: str) -> np.ndarray:
    """Clock time at which a clock of ``limit`` ``unit`` started at ``t0`` runs out."""
    if unit == "working_days":
        w = cal.to_working_array(t0) + limit
        return np.array([cal.from_working(float(x)) for x in w], dtype=np.float64)
    return np.asarray(t0 + limit * _SCALE_TO_DAYS[unit], dtype=np.float64)


def still_with(
    kinds: np.ndarray,
    agency: np.ndarray,
    child: np.ndarray,
    times: np.ndarray,
    values: np.ndarray,
    agencies: list[int],
    probe_child: np.ndarray,
    probe_time: np.ndarray,
) -> np.ndarray:
    """Whether each ``probe_child`` was with one of ``agencies`` just before ``probe_time``.

    The first five arrays are event-log columns. A child is with an agency from
    each arrival until the end of that service, or until taken off its list
    unseen (an EXIT row with a value, which has no END before it).
    """
    here = np.isin(agency, agencies)
    arrive = here & (kinds == int(EventKind.ARRIVE))
    depart = here & (
        (kinds == int(EventKind.END)) | ((kinds == int(EventKind.EXIT)) & np.isin(values, _UNSEEN))
    )
    sel = arrive | depart
    steps = pd.DataFrame(
        {
            "child": np.asarray(child[sel], dtype=np.int64),
            "time": times[sel],
            "step": np.where(arrive[sel], 1, -1),
        }
    ).sort_values(["child", "time"], kind="stable")
    steps["count"] = steps.groupby("child")["step"].cumsum()
    probe = pd.DataFrame(
        {
            "child": np.asarray(probe_child, dtype=np.int64),
            "bound": np.asarray(probe_time, dtype=np.float64),
            "order": np.arange(len(probe_child)),
        }
    ).sort_values("bound", kind="stable")
    found = pd.merge_asof(
        probe,
        steps.sort_values("time", kind="stable")[["child", "time", "count"]],
        left_on="bound",
        right_on="time",
        by="child",
        direction="backward",
        allow_exact_matches=False,
    ).sort_values("order")
    return np.asarray(found["count"].fillna(0).to_numpy() > 0)
