"""Where the CPU of a Midshire run goes: simulating, metrics, report and files.

One two-year run of ``scenarios/midshire.toml`` (seed 20240401) is simulated,
then written as ``jtai-sim run`` writes it; every part is timed in CPU seconds
(``time.process_time``) in this process. The target (issue: writing no slower
than simulating) is that metrics, report and files together take no more CPU
than the simulation: the ratio of the two is the figure to read.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from bench_results import record

from jtai_sim import load_scenario, simulate
from jtai_sim.results.output import write_run
from jtai_sim.results.report import RunTables

pytestmark = pytest.mark.benchmark


def test_writing_no_slower_than_simulating(benchmark: Any, tmp_path: Path) -> None:
    scenario = load_scenario("midshire")
    parts: dict[str, list[float]] = {"simulate": [], "metrics": [], "write": []}

    def one_round() -> None:
        t0 = time.process_time()
        run = simulate(scenario, seed=20240401, days=2 * 365.25)
        t1 = time.process_time()
        RunTables.of(run)
        _ = run.metrics
        t2 = time.process_time()
        out = tmp_path / "run"
        shutil.rmtree(out, ignore_errors=True)
        write_run(run, out)  # the report, the drawing and the files (tables are kept)
        t3 = time.process_time()
        parts["simulate"].append(t1 - t0)
        parts["metrics"].append(t2 - t1)
        parts["write"].append(t3 - t2)

    benchmark.pedantic(one_round, rounds=3, iterations=1)
    best = {k: min(v) for k, v in parts.items()}
    writing = best["metrics"] + best["write"]
    ratio = writing / best["simulate"]
    benchmark.extra_info.update({**{f"{k}_cpu_s": v for k, v in best.items()}, "ratio": ratio})
    print(record("Midshire 2y: simulate", best["simulate"], "s CPU"))
    print(record("Midshire 2y: metrics", best["metrics"], "s CPU"))
    print(record("Midshire 2y: report, drawing and files", best["write"], "s CPU"))
    print(record("Midshire 2y: writing / simulating", ratio, "x", target="<= 1", met=ratio <= 1))
