"""Choosing the warm-up: MSER-5 on the data, and Welch's plot to see it.

A run starts empty, so early children wait less than they will once queues have
filled; statistics should leave that start-up period out. Here the output
series is the mean wait of the children arriving in each period (``bin_days``
wide) at one agency, averaged over replications (Welch's ensemble average),
up to the point where waits are still incomplete at the end of the run.

* :func:`mser5` (White's marginal standard error rule on batch means of 5) picks
  the truncation point that minimises the standard error of what remains,
  searching the first half of the series;
* :func:`suggest_warmup` runs the replications, applies MSER-5 and draws Welch's
  plot (the ensemble average and its moving average, with the suggested cut).

>>> import numpy as np
>>> series = np.r_[np.linspace(0.0, 5.0, 50), 5.0 + np.sin(np.arange(450))]
>>> abs(mser5(series) - 50) <= 5   # drops the ramp, to within a batch of five
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor

import attrs
import numpy as np

from jtai_sim.errors import ExperimentError
from jtai_sim.scenario.model import Scenario
from jtai_sim.simulation.run import simulate, with_length
from jtai_sim.vocabulary import EventKind

from .executors import open_executor, run_all
from .plots import welch_chart


def mser(series: Sequence[float] | np.ndarray, batch: int = 1) -> int:
    """MSER truncation point (in observations) on batch means of ``batch``; NaN skipped.

    >>> mser([9.0, 5.0] + [1.0, 1.2, 0.8, 1.1, 0.9] * 6)
    2
    """
    values = np.asarray(series, dtype=np.float64)
    values = values[~np.isnan(values)]
    m = len(values) // batch
    if m < 4:
        return 0
    z = values[: m * batch].reshape(m, batch).mean(axis=1)
    best, best_d = math.inf, 0
    for d in range(m // 2 + 1):
        tail = z[d:]
        score = float(((tail - tail.mean()) ** 2).sum()) / (len(tail) ** 2)
        if score < best - 1e-15:
            best, best_d = score, d
    return best_d * batch


def mser5(series: Sequence[float] | np.ndarray) -> int:
    """MSER-5: :func:`mser` on batch means of five observations."""
    return mser(series, batch=5)


@attrs.frozen
class WarmupSuggestion:
    """A suggested warm-up with the series behind it and Welch's plot."""

    agency: str
    warmup_days: float
    bin_days: float
    times: np.ndarray
    ensemble: np.ndarray
    smoothed: np.ndarray
    replications: int

    def svg(self) -> str:
        """Welch's plot with the suggested warm-up marked."""
        return welch_chart(
            self.times,
            self.ensemble,
            self.smoothed,
            self.warmup_days,
            title=f"Mean wait at {self.agency} by arrival ({self.replications} replications)",
            ylabel="mean wait (days)",
        )


@attrs.frozen
class _Task:
    scenario: Scenario
    seed: int
    replication: int
    agencies: tuple[str, ...]
    bin_days: float


def binned_waits(task: _Task) -> dict[str, np.ndarray]:
    """Per agency, the mean wait of the children arriving in each bin (NaN where none).

    Children still waiting at the end have no wait yet, so the last periods would
    look better than they are: bins after ``duration - w99`` (``w99`` the 99th
    percentile of the waits of children who arrived in the first half of the run)
    are left out (NaN), as the statistics by arrival leave those children out too.
    """
    scenario = attrs.evolve(task.scenario, warmup_days=0.0)
    run = simulate(scenario, seed=task.seed, replication=task.replication)
    rec = run.log.records()
    bins = math.ceil(scenario.duration_days / task.bin_days)
    out = {}
    for agency in task.agencies:
        index = run.agency_ids.index(agency)
        starts = rec[(rec["kind"] == int(EventKind.START)) & (rec["agency"] == index)]
        wait = np.maximum(starts["value"].astype(np.float64), 0.0)
        arrived = starts["time"].astype(np.float64) - wait
        which = np.clip((arrived // task.bin_days).astype(np.int64), 0, bins - 1)
        total = np.bincount(which, weights=wait, minlength=bins)
        count = np.bincount(which, minlength=bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            series = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        early = wait[arrived < scenario.duration_days / 2]
        w99 = float(np.quantile(early, 0.99)) if len(early) else 0.0
        complete = int((scenario.duration_days - w99) // task.bin_days)
        series[max(complete, 1) :] = np.nan
        out[agency] = series
    return out


#: The shortest period whose mean waits form the series: our bound (a tenth of a day),
#: which keeps a century's series under 400,000 periods.
MIN_BIN_DAYS = 0.1


def suggest_warmup(
    scenario: Scenario,
    *,
    agency: str | None = None,
    replications: int = 5,
    seed: int | None = None,
    days: float | None = None,
    bin_days: float = 7.0,
    window: int = 5,
    jobs: int = 1,
    executor: Executor | None = None,
) -> WarmupSuggestion:
    """Run ``replications`` from empty and suggest a warm-up for ``agency``'s waits.

    ``agency`` defaults to the agency with a queue whose staff are busiest
    relative to their places; ``window`` is the half-width (in bins) of Welch's
    moving average.
    """
    if days is not None:
        scenario = with_length(scenario, days, keep_warmup=False)
    queues = tuple(k for k, a in scenario.agencies.items() if a.servers is not None)
    if not queues:
        raise ExperimentError("the scenario has no agency with a queue", key="--agency")
    if agency is not None and agency not in queues:
        raise ExperimentError(
            f"no agency with a queue called {agency!r} (there are: {', '.join(queues)})",
            key="--agency",
        )
    if replications < 1:
        raise ExperimentError(f"must be >= 1, got {replications}", key="--replications")
    longest = scenario.duration_days / 10  # MSER-5 needs two batches of five periods
    if not MIN_BIN_DAYS <= bin_days <= longest:
        raise ExperimentError(
            f"must be from {MIN_BIN_DAYS:g} days to a tenth of the run ({longest:g} days), "
            f"got {bin_days:g}",
            key="--bin-days",
        )
    root = scenario.seed if seed is None else seed
    tasks = [_Task(scenario, root, r, queues, bin_days) for r in range(replications)]
    with open_executor(jobs=jobs, executor=executor, runs=len(tasks)) as ex:
        done = {t.replication: s for t, s in run_all(binned_waits, tasks, ex)}
    if agency is None:  # the queue with the longest waits
        agency = max(
            queues,
            key=lambda k: float(
                np.nan_to_num(np.nanmean(np.r_[[np.nan], *[done[r][k] for r in done]]))
            ),
        )
    series = np.vstack([done[r][agency] for r in range(replications)])
    with np.errstate(invalid="ignore"):
        counts = (~np.isnan(series)).sum(axis=0)
        ensemble = np.where(counts > 0, np.nansum(series, axis=0) / np.maximum(counts, 1), np.nan)
    last = int(np.flatnonzero(~np.isnan(ensemble))[-1]) + 1 if (~np.isnan(ensemble)).any() else 0
    ensemble = ensemble[:last]
    cut = mser5(_filled(ensemble))
    smoothed = _moving_average(ensemble, window)
    times = (np.arange(len(ensemble)) + 0.5) * bin_days
    return WarmupSuggestion(
        agency, float(cut * bin_days), bin_days, times, ensemble, smoothed, replications
    )


def _filled(values: np.ndarray) -> np.ndarray:
    """Periods with no child (NaN) take the value before them (or the first value), so
    positions in the series stay positions in time."""
    out = values.copy()
    valid = ~np.isnan(out)
    if not valid.any():
        return np.zeros_like(out)
    index = np.where(valid, np.arange(len(out)), 0)
    np.maximum.accumulate(index, out=index)
    out = out[index]
    first = int(np.argmax(valid))
    out[:first] = values[first]
    return out


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Welch's moving average: a centred window of ``2w + 1``, shorter near the start."""
    out = np.full(len(values), np.nan)
    for i in range(len(values)):
        w = min(window, i)
        part = values[i - w : i + w + 1]
        part = part[~np.isnan(part)]
        if len(part):
            out[i] = part.mean()
    return out


__all__ = ["WarmupSuggestion", "binned_waits", "mser", "mser5", "suggest_warmup"]
