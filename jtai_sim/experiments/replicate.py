"""One replication as a unit of work: the task sent to a worker and the result it returns.

A :class:`ReplicationTask` carries everything a worker needs (the resolved
scenario, the root seed and the replication number), so any process on any
machine rebuilds exactly the same random streams from it; the worker function
:func:`run_replication` is a plain module-level function, so it pickles for a
process pool and for Dask alike. What comes back is small: the flat metric
mapping of :meth:`jtai_sim.simulation.run.Run.summary`, the quantiles of the waits at every
agency with a queue (for the waiting-time distributions), and, only when asked,
the event log as Parquet bytes.

>>> from jtai_sim import load_scenario
>>> task = ReplicationTask.make(load_scenario("scenarios/single_desk.toml"), seed=3,
...                             replication=0, days=200)
>>> result = run_replication(task)
>>> result.run_key == task.run_key, "wait.desk.mean_days" in result.metrics
(True, True)
"""

from __future__ import annotations

import hashlib
import io
import time

import attrs
import numpy as np

from jtai_sim.results.registry import STATISTICS
from jtai_sim.scenario.model import Scenario
from jtai_sim.simulation.run import Run, package_version, simulate, with_length
from jtai_sim.vocabulary import EventKind

from .equity import equity_metrics
from .variants import scenario_hash

#: Quantiles of the wait kept per agency and replication (0, 2%, ..., 100%).
QUANTILES: tuple[float, ...] = tuple(round(q, 2) for q in np.linspace(0.0, 1.0, 51))


def run_key(scenario_hash_hex: str, seed: int, replication: int, version: str) -> str:
    """The identity of one run: scenario, root seed, replication and jtai-sim version.

    >>> run_key("ab" * 32, 1, 0, "0.1.0") == run_key("ab" * 32, 1, 0, "0.1.0")
    True
    """
    text = f"{scenario_hash_hex}:{seed}:{replication}:{version}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@attrs.frozen
class ReplicationTask:
    """Replication ``replication`` of ``scenario`` on root seed ``seed``."""

    scenario: Scenario
    scenario_hash: str
    seed: int
    replication: int
    version: str
    keep_events: bool = False
    #: metric groups to compute; empty for every metric (see :func:`measure`)
    groups: tuple[str, ...] = ()
    #: also measure each group of children (``equity.*`` metrics, see :func:`measure`)
    equity: bool = False

    @classmethod
    def make(
        cls,
        scenario: Scenario,
        *,
        seed: int,
        replication: int,
        days: float | None = None,
        keep_events: bool = False,
    ) -> ReplicationTask:
        """A task for ``scenario`` (``days`` shortens or lengthens it, keeping its warm-up)."""
        if days is not None:
            scenario = with_length(scenario, days)
        return cls(
            scenario, scenario_hash(scenario), seed, replication, package_version(), keep_events
        )

    @property
    def run_key(self) -> str:
        """See :func:`run_key` (a run measuring only some groups has a key of its own)."""
        version = key_version(self.version, self.groups, self.equity)
        return run_key(self.scenario_hash, self.seed, self.replication, version)


def key_version(version: str, groups: tuple[str, ...] = (), equity: bool = False) -> str:
    """The version part of a run key: a run measuring only some groups, or measuring the
    groups of children too, has a key of its own.

    >>> key_version("0.1.0"), key_version("0.1.0", ("wait",), equity=True)
    ('0.1.0', '0.1.0|wait|equity')
    """
    return version + ("|" + ",".join(groups) if groups else "") + ("|equity" if equity else "")


@attrs.frozen
class ReplicationResult:
    """What one replication returns to the process that stores and summarises it."""

    run_key: str
    scenario_hash: str
    seed: int
    replication: int
    version: str
    metrics: dict[str, float]
    waits: dict[str, list[float]]
    children: int
    events: int
    seconds: float
    event_log: bytes | None = None


def wait_quantiles(run: Run) -> dict[str, list[float]]:
    """Quantiles (:data:`QUANTILES`) of the wait at each agency with a queue, in days.

    Waits of children who arrived in the observation window and started service.
    """
    rec = run.log.records()
    starts = rec[rec["kind"] == int(EventKind.START)]
    wait = starts["value"].astype(np.float64)
    arrived = starts["time"].astype(np.float64) - wait
    keep = arrived >= run.warmup_days
    out: dict[str, list[float]] = {}
    for index, key in enumerate(run.agency_ids):
        if run.scenario.agencies[key].servers is None:
            continue
        here = np.maximum(wait[keep & (starts["agency"] == index)], 0.0)
        if len(here):
            out[key] = [float(v) for v in np.quantile(here, QUANTILES)]
    return out


def measure(run: Run, groups: tuple[str, ...] = (), *, equity: bool = False) -> dict[str, float]:
    """The run's metrics: all of them, or (faster) only the ``wait`` group when that is all
    that ``groups`` asks for; with ``equity``, also each measure of the equity tables for
    each group of children (:func:`jtai_sim.experiments.equity.equity_metrics`).

    >>> from jtai_sim import load_scenario, simulate
    >>> run = simulate(load_scenario("scenarios/single_desk.toml"), seed=1, days=150)
    >>> fast = measure(run, ("wait",))
    >>> all(run.summary()[k] == v for k, v in fast.items()), len(fast) < len(run.summary())
    (True, True)
    """
    extra = equity_metrics(run) if equity else {}
    if not groups or set(groups) - {"wait"}:
        return run.summary() | extra
    out: dict[str, float] = dict(extra)
    rows = run.waits().to_dict("records") + run.table("censored_waits").to_dict("records")
    for row in rows:
        for stat in STATISTICS["wait"]:
            value = row.get(stat)
            if value is not None and value == value:  # present and not NaN
                out[f"wait.{row['agency']}.{stat}"] = float(value)
    return out


def run_replication(task: ReplicationTask) -> ReplicationResult:
    """Simulate one replication and return its metrics (runs in any worker process)."""
    t0 = time.perf_counter()
    run = simulate(task.scenario, seed=task.seed, replication=task.replication)
    metrics = measure(run, task.groups, equity=task.equity)
    waits = wait_quantiles(run)
    log: bytes | None = None
    if task.keep_events:
        buffer = io.BytesIO()
        run.events.to_parquet(buffer, index=False)
        log = buffer.getvalue()
    return ReplicationResult(
        run_key=task.run_key,
        scenario_hash=task.scenario_hash,
        seed=task.seed,
        replication=task.replication,
        version=task.version,
        metrics=metrics,
        waits=waits,
        children=int(run.describe()["children"]),
        events=len(run.log),
        seconds=time.perf_counter() - t0,
        event_log=log,
    )


__all__ = [
    "QUANTILES",
    "ReplicationResult",
    "ReplicationTask",
    "key_version",
    "measure",
    "run_key",
    "run_replication",
    "wait_quantiles",
]
