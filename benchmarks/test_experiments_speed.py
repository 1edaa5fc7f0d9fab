"""Speed of experiments: the --jobs 2 speed-up, the result store, Dask against the local pool.

Run with ``make bench`` (or ``pytest benchmarks/test_experiments_speed.py -m benchmark
--benchmark-enable``). These measure wall-clock time (work spread over processes
is invisible to the CPU clock of the parent), so they are only meaningful on an
otherwise quiet machine: each records the 1-minute load average at its start.

* **speed-up**: 12 replications of the Jackson network at 5,000 days (each takes
  a second or more, metrics included) serially and with ``jobs=2``, counting
  the start of the worker processes (what a user waits for) and with a warm
  pool; target at least 1.7x on two cores;
* **store overhead**: the time to write one replication of the minimal scenario
  (every metric and the wait quantiles, in one transaction) against the time
  the replication itself took;
* **Dask overhead**: the same 16 short replications on the local process pool and
  on a two-worker Dask ``LocalCluster`` (start-up counted separately).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

import pytest
from bench_results import record

from jtai_sim import load_scenario
from jtai_sim.experiments import Experiment, Store
from jtai_sim.experiments.executors import open_executor
from jtai_sim.experiments.replicate import ReplicationTask, run_replication

pytestmark = pytest.mark.benchmark


def wall(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def load() -> float:
    return round(os.getloadavg()[0], 2)


def test_jobs_2_speed_up_for_replications_of_a_second_or_more(benchmark: Any) -> None:
    jackson = load_scenario("jackson")
    experiment = Experiment(jackson, replications=12, days=5000, seed=1)
    busy = load()
    serial = wall(lambda: experiment.run(jobs=1))
    per_run = serial / 12
    parallel = benchmark.pedantic(
        lambda: wall(lambda: experiment.run(jobs=2)), rounds=1, iterations=1
    )
    with open_executor(jobs=2) as pool:
        experiment.run(executor=pool)  # workers started and warm
        warm = wall(lambda: experiment.run(executor=pool))
    speed_up = serial / parallel
    print(
        record(
            "experiments: --jobs 2 speed-up",
            speed_up,
            "x",
            target=">= 1.7",
            met=speed_up >= 1.7,
            seconds_per_replication=per_run,
            serial_seconds=serial,
            parallel_seconds=parallel,
            load_average=busy,
            cpus=os.cpu_count(),
        )
    )
    print(
        record(
            "experiments: --jobs 2 speed-up, warm pool",
            serial / warm,
            "x",
            target=">= 1.7",
            met=serial / warm >= 1.7,
            parallel_seconds=warm,
        )
    )
    assert per_run >= 1.0 or busy > 1.0, f"replications took {per_run:.2f} s, not a second"


def test_store_overhead_per_replication(benchmark: Any) -> None:
    task = ReplicationTask.make(load_scenario("minimal"), seed=1, replication=0, days=365)
    t0 = time.perf_counter()
    result = run_replication(task)
    run_seconds = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
        benchmark.pedantic(store.save_run, args=(result,), rounds=20, iterations=1, warmup_rounds=2)
        assert store.finished_keys() == {result.run_key}
    seconds = benchmark.stats.stats.mean
    print(
        record(
            "experiments: store write per replication",
            seconds * 1000,
            "ms",
            target="< 5% of a run",
            met=seconds < 0.05 * run_seconds,
            metrics=len(result.metrics),
            run_seconds=run_seconds,
            load_average=load(),
        )
    )


def test_dask_overhead_against_the_local_pool(benchmark: Any) -> None:
    pytest.importorskip("distributed")
    desk = load_scenario("single_desk")
    experiment = Experiment(desk, replications=16, days=400, seed=2)
    busy = load()
    with open_executor(jobs=2) as pool:
        experiment.run(executor=pool)  # start the workers
        local = wall(lambda: experiment.run(executor=pool))
    t0 = time.perf_counter()
    with open_executor(jobs=2, dask="local:2") as dask:
        started = time.perf_counter() - t0
        experiment.run(executor=dask)
        on_dask = benchmark.pedantic(
            lambda: wall(lambda: experiment.run(executor=dask)), rounds=1, iterations=1
        )
    per_task_ms = (on_dask - local) / 16 * 1000
    print(
        record(
            "experiments: Dask overhead per replication",
            per_task_ms,
            "ms",
            target="< 50",
            met=per_task_ms < 50,
            local_pool_seconds=local,
            dask_seconds=on_dask,
            cluster_start_seconds=started,
            load_average=busy,
        )
    )
    print(
        record("experiments: Dask LocalCluster start", started, "s", target="< 5", met=started < 5)
    )
