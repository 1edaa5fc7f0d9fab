"""What the animated flows cost on Midshire: the frames, the page and its size.

One two-year run of ``scenarios/midshire.toml`` (seed 20240401) is simulated, then
its frames (:func:`jtai_sim.results.flows.flow_frames`) and ``flows.html``
(:func:`jtai_sim.results.flows_page.flows_page`) are made five times each and the
best CPU time (``time.process_time``) kept. The targets: the two together take at
most a tenth of the simulation's CPU, and the page is at most 3 MB.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from bench_results import record

from jtai_sim import load_scenario, simulate
from jtai_sim.results.flows import flow_frames
from jtai_sim.results.flows_page import flows_page

pytestmark = pytest.mark.benchmark


def test_flows_cost_a_tenth_of_the_simulation_at_most(benchmark: Any) -> None:
    t0 = time.process_time()
    run = simulate(load_scenario("midshire"), seed=20240401, days=2 * 365.25)
    simulating = time.process_time() - t0
    parts: dict[str, list[float]] = {"frames": [], "page": []}
    pages: list[str] = []

    def one_round() -> None:
        t1 = time.process_time()
        frames = flow_frames(run.record)
        t2 = time.process_time()
        pages.append(flows_page(run.record, frames, seed=run.seed))
        t3 = time.process_time()
        parts["frames"].append(t2 - t1)
        parts["page"].append(t3 - t2)

    benchmark.pedantic(one_round, rounds=5, iterations=1)
    best = {k: min(v) for k, v in parts.items()}
    ratio = (best["frames"] + best["page"]) / simulating
    size = len(pages[-1].encode("utf-8")) / 1e6
    benchmark.extra_info.update({**{f"{k}_cpu_s": v for k, v in best.items()}, "ratio": ratio})
    print(record("Midshire 2y: simulate (flows run)", simulating, "s CPU"))
    print(record("Midshire 2y: flow frames", best["frames"], "s CPU"))
    print(record("Midshire 2y: flows.html", best["page"], "s CPU"))
    print(record("Midshire 2y: flows / simulating", ratio, "x", target="<= 0.1", met=ratio <= 0.1))
    print(record("Midshire 2y: flows.html size", size, "MB", target="<= 3", met=size <= 3))
    assert len(run.log) > 600_000
