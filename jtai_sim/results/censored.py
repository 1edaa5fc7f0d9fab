"""Waits that count the children still waiting: Kaplan-Meier estimates from the event log.

A mean of the waits of children whose help started leaves out every child still on
the list when the run ends, so the longer the list grows the more it understates the
wait (and a variant that clears its list faster is judged on other children). Here
the cohort is every referral to an agency with a waiting list that arrived after the
warm-up, whatever became of it: a child whose service started has a wait; a child
still waiting at the end, or taken off the list unseen (or moved out of the area) is
*censored*, known only to have waited at least that long. The survival function of
the wait is the Kaplan-Meier estimate (``scipy.stats.ecdf`` on
``scipy.stats.CensoredData``), from which come

* the median wait (the first wait at which half the cohort has started; *not reached*
  when more than half are still waiting);
* the restricted mean wait to :data:`HORIZON_DAYS` (the area under the survival
  curve up to 365 days, or up to the length of the run after warm-up if that is
  shorter: nothing can be known of longer waits);
* the share still waiting after :data:`OVER_WEEKS` weeks (the NHS Constitution's
  18-week referral-to-treatment standard), when the run is long enough to see it.

A child referred twice to the same list whose help starts through one referral has
the other closed as merged: both count as started then (help began). A prioritised
list is also split by the urgency the referral had on arrival.

Every step is vectorised over the log (one ``merge_asof`` per table, one
Kaplan-Meier fit per agency and priority); nothing loops over children.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/single_desk.toml"), seed=1, days=300)
>>> row = censored_waits(run.record).iloc[0]
>>> row["agency"], bool(0 < row["restricted_mean_days"] < 5), float(row["horizon_days"])
('desk', True, 200.0)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jtai_sim.vocabulary import EventKind, ExitReason, Origin

if TYPE_CHECKING:
    from jtai_sim.results.record import RunRecord

#: The restricted mean wait's horizon, in days (shortened to the run after warm-up).
HORIZON_DAYS = 365.0
#: The share still waiting after this many weeks is reported (NHS Constitution for
#: England, referral to treatment within 18 weeks).
OVER_WEEKS = 18
#: The method, in the words every report uses.
METHOD = (
    "Kaplan-Meier estimate over every referral that arrived after the warm-up: a child "
    "still waiting at the end of the run, or taken off the list unseen, counts as censored "
    "(known to have waited at least that long), not as a short wait or a missing one"
)
#: The short name of the method, for a table heading or a line on the command line.
METHOD_SHORT = "Kaplan-Meier, still-waiting children censored"

#: Columns of :func:`episodes`.
EPISODE_COLUMNS = ("agency", "child", "urgent", "arrived", "waited", "started", "initial")
#: Columns of :func:`censored_waits`.
COLUMNS = (
    "agency",
    "cohort",
    "started",
    "still_waiting",
    "still_waiting_share",
    "km_median_days",
    "restricted_mean_days",
    "over_18_weeks_share",
    "urgent_km_median_days",
    "routine_km_median_days",
    "urgent_restricted_mean_days",
    "routine_restricted_mean_days",
    "growing_list_share",
    "horizon_days",
    "method",
)

_ARRIVE, _START, _EXIT = (int(k) for k in (EventKind.ARRIVE, EventKind.START, EventKind.EXIT))
_LEFT = float(ExitReason.LEFT)
_INITIAL = int(Origin.INITIAL)


def episodes(record: RunRecord) -> pd.DataFrame:
    """One row per arrival at an agency with a waiting list, whenever it arrived.

    ``waited`` is the days from arrival to the start of service (``started``) or, for a
    child whose service had not started, to leaving the list unseen or to the end of the
    run (censored). ``initial`` marks children already on the books when the run began.

    The log does not say which of a child's referrals an event belongs to, so each arrival
    is matched with the child's next start, and next leaving unseen, at the same agency:
    exact unless a child holds two places on one list at once and the later one is taken
    off first (the earlier then counts as censored there).
    """
    rec = record.log
    queued = np.array(
        [record.scenario.agencies[k].servers is not None for k in record.agency_ids], dtype=bool
    )
    kind, agency = rec["kind"], rec["agency"]
    here = (agency >= 0) & queued[np.maximum(agency, 0)]
    size = len(record.agency_ids)

    def frame(mask: np.ndarray) -> pd.DataFrame:
        sel = rec[mask & here]
        return pd.DataFrame(
            {
                "key": sel["child"].astype(np.int64) * size + sel["agency"].astype(np.int64),
                "time": sel["time"].astype(np.float64),
            }
        )

    arr_sel = rec[(kind == _ARRIVE) & here]
    arrivals = pd.DataFrame(
        {
            "key": arr_sel["child"].astype(np.int64) * size + arr_sel["agency"].astype(np.int64),
            "time": arr_sel["time"].astype(np.float64),
            "agency": arr_sel["agency"].astype(np.int64),
            "child": arr_sel["child"].astype(np.int64),
            "urgent": arr_sel["detail"] == 1,
            "initial": arr_sel["other"] == _INITIAL,
        }
    )
    starts = frame(kind == _START).rename(columns={"time": "start"})
    offs = frame((kind == _EXIT) & (rec["value"] != _LEFT)).rename(columns={"time": "off"})
    arrivals = arrivals.sort_values("time", kind="stable")
    m = pd.merge_asof(
        arrivals,
        starts.sort_values("start", kind="stable"),
        left_on="time",
        right_on="start",
        by="key",
        direction="forward",
    )
    m = pd.merge_asof(
        m,
        offs.sort_values("off", kind="stable"),
        left_on="time",
        right_on="off",
        by="key",
        direction="forward",
    )
    start = m["start"].to_numpy(np.float64)
    off = m["off"].to_numpy(np.float64)
    started = ~np.isnan(start) & (np.isnan(off) | (start <= off))
    end = np.where(np.isnan(off), record.duration_days, np.minimum(off, record.duration_days))
    stop = np.where(started, start, end)
    return pd.DataFrame(
        {
            "agency": m["agency"].to_numpy(),
            "child": m["child"].to_numpy(),
            "urgent": m["urgent"].to_numpy(bool),
            "arrived": m["time"].to_numpy(np.float64),
            "waited": np.maximum(stop - m["time"].to_numpy(np.float64), 0.0),
            "started": started,
            "initial": m["initial"].to_numpy(bool),
        },
        columns=list(EPISODE_COLUMNS),
    )


def kaplan_meier(waited: np.ndarray, started: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier survival curve of waits: its step times and values after each.

    ``started`` is False for a censored wait. Uses ``scipy.stats.ecdf``.

    >>> t, s = kaplan_meier(np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, False, True, True]))
    >>> t.tolist(), s.round(3).tolist()
    ([1.0, 2.0, 3.0, 4.0], [0.75, 0.75, 0.375, 0.0])
    """
    from scipy import stats

    censored = ~np.asarray(started, dtype=bool)
    if censored.all():
        times = np.unique(waited)
        return times, np.ones(len(times))
    sample = stats.CensoredData.right_censored(np.asarray(waited, np.float64), censored)
    sf = stats.ecdf(sample).sf
    return np.asarray(sf.quantiles, np.float64), np.asarray(sf.probabilities, np.float64)


def km_median(times: np.ndarray, survival: np.ndarray) -> float:
    """The first wait at which the survival curve is at or below a half (NaN: not reached).

    >>> km_median(np.array([1.0, 2.0, 3.0]), np.array([0.8, 0.5, 0.2]))
    2.0
    """
    below = np.flatnonzero(survival <= 0.5 + 1e-12)
    return float(times[below[0]]) if len(below) else math.nan


def restricted_mean(times: np.ndarray, survival: np.ndarray, horizon: float) -> float:
    """The area under the survival curve from 0 to ``horizon`` (the restricted mean wait).

    >>> restricted_mean(np.array([1.0, 3.0]), np.array([0.5, 0.0]), 10.0)
    2.0
    """
    inside = times < horizon
    knots = np.concatenate(([0.0], times[inside], [horizon]))
    values = np.concatenate(([1.0], survival[inside]))
    return float((values * np.diff(knots)).sum())


def survival_at(times: np.ndarray, survival: np.ndarray, t: float) -> float:
    """The survival curve's value at ``t`` (the share still waiting after ``t``).

    >>> survival_at(np.array([1.0, 3.0]), np.array([0.5, 0.0]), 2.0)
    0.5
    """
    i = int(np.searchsorted(times, t, side="right"))
    return 1.0 if i == 0 else float(survival[i - 1])


def list_lengths(frame: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """The number on one agency's list at each time of ``at`` (from its :func:`episodes`)."""
    arrived = frame["arrived"].to_numpy(np.float64)
    waited = frame["waited"].to_numpy(np.float64)
    # children seen at once never join the list; a child still waiting leaves at the end
    joined = waited > 0
    arrived, gone = np.sort(arrived[joined]), np.sort(arrived[joined] + waited[joined])
    return np.searchsorted(arrived, at, side="right") - np.searchsorted(gone, at, side="right")


def growing(lengths: np.ndarray) -> bool:
    """Whether a list's lengths, sampled evenly over the run, grow steadily.

    Steadily: Kendall's rank correlation with time above 0.6 at p < 0.01, and the last
    quarter's mean list at least half as long again as the first quarter's and at least
    ten children longer. A list that settles, however noisy, does not pass all three.

    >>> growing(np.arange(24.0) * 3), growing(np.array([5.0, 9.0, 4.0, 8.0] * 6))
    (True, False)
    """
    from scipy import stats

    n = len(lengths)
    if n < 8 or np.ptp(lengths) == 0:
        return False
    tau, p = stats.kendalltau(np.arange(n), lengths)
    q = max(n // 4, 1)
    first, last = float(lengths[:q].mean()), float(lengths[-q:].mean())
    return bool(tau > 0.6 and p < 0.01 and last >= 1.5 * first and last - first >= 10)


#: Points at which a list's length is sampled for :func:`growing`.
SAMPLES = 24


def censored_waits(record: RunRecord, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per agency with a waiting list: the censoring-aware waits of the cohort.

    Columns: :data:`COLUMNS`. ``cohort``: referrals that arrived after the warm-up;
    ``started``: those whose service started by the end; ``still_waiting``: those on the
    list at the end; the Kaplan-Meier median and restricted mean waits (to
    ``horizon_days``), by urgency on arrival for a prioritised list; the share still
    waiting after 18 weeks (NaN when the run after warm-up is shorter); and
    ``growing_list_share``, 1 when the list grew steadily over the run (see
    :func:`growing`), else 0. ``frame`` is :func:`episodes`, if already made.
    """
    eps = episodes(record) if frame is None else frame
    window = record.duration_days - record.warmup_days
    horizon = min(HORIZON_DAYS, window)
    weeks = OVER_WEEKS * 7.0
    at = record.warmup_days + window * (np.arange(SAMPLES) + 0.5) / SAMPLES
    by_agency = dict(tuple(eps.groupby("agency", sort=True)))
    out: list[dict[str, object]] = []
    for index, key in enumerate(record.agency_ids):
        if record.scenario.agencies[key].servers is None:
            continue
        rows = by_agency.get(index)
        if rows is None:
            rows = eps.iloc[0:0]
        cohort = rows[(rows["arrived"] >= record.warmup_days) & ~rows["initial"]]
        n = len(cohort)
        started = cohort["started"].to_numpy(bool)
        waited = cohort["waited"].to_numpy(np.float64)
        still = int(
            (~started & (cohort["arrived"] + cohort["waited"] >= record.duration_days)).sum()
        )
        row: dict[str, object] = {
            "agency": key,
            "cohort": n,
            "started": int(started.sum()),
            "still_waiting": still,
            "still_waiting_share": still / n if n else math.nan,
            "horizon_days": horizon,
            "method": METHOD_SHORT,
            "growing_list_share": float(growing(list_lengths(rows, at))) if window > 0 else 0.0,
        }
        if n:
            t, s = kaplan_meier(waited, started)
            row["km_median_days"] = km_median(t, s)
            row["restricted_mean_days"] = restricted_mean(t, s, horizon)
            row["over_18_weeks_share"] = survival_at(t, s, weeks) if window >= weeks else math.nan
            if record.scenario.prioritises(key):
                urgent = cohort["urgent"].to_numpy(bool)
                for name, part in (("urgent", urgent), ("routine", ~urgent)):
                    if part.any():
                        t, s = kaplan_meier(waited[part], started[part])
                        row[f"{name}_km_median_days"] = km_median(t, s)
                        row[f"{name}_restricted_mean_days"] = restricted_mean(t, s, horizon)
        out.append(row)
    return pd.DataFrame(out, columns=list(COLUMNS))


__all__ = [
    "COLUMNS",
    "EPISODE_COLUMNS",
    "HORIZON_DAYS",
    "METHOD",
    "METHOD_SHORT",
    "OVER_WEEKS",
    "censored_waits",
    "episodes",
    "growing",
    "kaplan_meier",
    "km_median",
    "list_lengths",
    "restricted_mean",
    "survival_at",
]
