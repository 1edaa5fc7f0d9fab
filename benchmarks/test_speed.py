"""Speed and memory of jtai-sim on the Jackson network, against plain SimPy, Ciw and heapq.

Run with ``make bench`` (add ``--million`` or ``JTAI_BENCH_MILLION=1`` for the
10^6-customer cases). Targets:

* jtai-sim, event log on, takes at most half the plain SimPy model's time
  (ratio <= 0.5) and at most a third of Ciw's (ratio <= 1/3);
* its time per simulated customer stays flat from 10^4 to 10^6 customers
  (here: within 25% of the time per customer at 10^4);
* everything a run holds, the packed log, the child register and the rest of a
  finished ``Run``, stays under 48 bytes per logged row, both at the run's peak
  and after it (tracemalloc).

jtai-sim's time is also given as a multiple of the hand-written heapq loop
(:func:`reference_models.heapq_model`), the pure-Python floor; that ratio has no
target. The models run in the same process, one after the other in each round,
so they share whatever else the machine is doing; ratios use each model's best
round. Every figure is per customer who arrived, as each model counts them, in
CPU time of this process (``time.process_time``: on a shared machine wall-clock
time mostly measures the neighbours).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

import attrs
import pytest
from bench_results import RESULTS, million, record
from reference_models import ciw_model, heapq_model, jtai_model, plain_simpy

from jtai_sim import load_scenario, simulate
from jtai_sim.scenario.model import Scenario

pytestmark = pytest.mark.benchmark

FLAT_TOLERANCE = 0.25
SIMPY_TARGET = 0.5
CIW_TARGET = 1 / 3
BYTES_TARGET = 48
Model = Callable[[int], int]


def timed(model: Model, customers: int, times: list[float], counts: list[int]) -> Callable[[], int]:
    def run() -> int:
        gc.collect()
        t0 = time.process_time()
        n = model(customers)
        times.append(time.process_time() - t0)
        counts.append(n)
        return n

    return run


# -- time per customer as the run grows ------------------------------------------------

SIZES = [10_000, 100_000, 1_000_000]


@pytest.mark.parametrize("customers", SIZES, ids=["1e4", "1e5", "1e6"])
def test_jtai_time_per_customer(
    benchmark: Any, request: pytest.FixtureRequest, customers: int
) -> None:
    if customers >= 1_000_000 and not million(request.config):
        pytest.skip("10^6 customers: run with --million or JTAI_BENCH_MILLION=1")
    times: list[float] = []
    counts: list[int] = []
    rounds = {10_000: 5, 100_000: 2}.get(customers, 1)
    benchmark.pedantic(timed(jtai_model, customers, times, counts), rounds=rounds, iterations=1)
    per = min(t / n for t, n in zip(times, counts, strict=True))
    print(record(f"jtai-sim us per customer @ {customers:.0e}", per * 1e6, "us/cust"))


def test_time_per_customer_is_flat() -> None:
    sizes = [s for s in SIZES if f"jtai-sim us per customer @ {s:.0e}" in RESULTS]
    if len(sizes) < 2:
        pytest.skip("needs the per-customer benchmarks above in the same run")
    base = RESULTS[f"jtai-sim us per customer @ {sizes[0]:.0e}"]["value"]
    for size in sizes[1:]:
        ratio = RESULTS[f"jtai-sim us per customer @ {size:.0e}"]["value"] / base
        print(
            record(
                f"per-customer time {size:.0e} / 1e4",
                ratio,
                "x",
                target=f"<= {1 + FLAT_TOLERANCE:g}",
                met=ratio <= 1 + FLAT_TOLERANCE,
            )
        )


# -- each model at 10^4 customers, for pytest-benchmark's table ------------------------------


@pytest.mark.parametrize(
    "model",
    [jtai_model, plain_simpy, ciw_model, heapq_model],
    ids=["jtai-sim", "plain-simpy", "ciw", "heapq"],
)
def test_model_at_10k(benchmark: Any, model: Model) -> None:
    times: list[float] = []
    counts: list[int] = []
    benchmark.pedantic(timed(model, 10_000, times, counts), rounds=3, iterations=1)
    assert min(counts) > 9_000


# -- the ratios, interleaved in the same process -----------------------------------------


def compare(benchmark: Any, customers: int, rounds: int, models: dict[str, Model]) -> None:
    times: dict[str, list[float]] = {name: [] for name in models}
    counts: dict[str, list[int]] = {name: [] for name in models}

    def one_round() -> None:
        for name, model in models.items():
            timed(model, customers, times[name], counts[name])()

    benchmark.pedantic(one_round, rounds=rounds, iterations=1)
    per = {
        name: min(t / n for t, n in zip(times[name], counts[name], strict=True)) for name in models
    }
    label = f"{customers:.0e}"
    for name in models:
        print(record(f"[same rounds] {name} @ {label}", per[name] * 1e6, "us/cust"))
    if "plain-simpy" in per:
        ratio = per["jtai-sim"] / per["plain-simpy"]
        print(
            record(
                f"jtai-sim / plain SimPy @ {label}",
                ratio,
                "x",
                target=f"<= {SIMPY_TARGET:g}",
                met=ratio <= SIMPY_TARGET,
            )
        )
    if "ciw" in per:
        ratio = per["jtai-sim"] / per["ciw"]
        print(
            record(
                f"jtai-sim / Ciw @ {label}",
                ratio,
                "x",
                target=f"<= {CIW_TARGET:.3f}",
                met=ratio <= CIW_TARGET,
            )
        )
    if "heapq" in per:
        ratio = per["jtai-sim"] / per["heapq"]
        print(record(f"jtai-sim / heapq loop @ {label}", ratio, "x"))
    if "jtai-sim, log off" in per:
        share = 1 - per["jtai-sim, log off"] / per["jtai-sim"]
        print(record(f"share of jtai-sim time in logging @ {label}", share, "fraction"))


ALL_MODELS: dict[str, Model] = {
    "jtai-sim": jtai_model,
    "plain-simpy": plain_simpy,
    "ciw": ciw_model,
    "heapq": heapq_model,
}


def test_ratios_at_10k(benchmark: Any) -> None:
    compare(benchmark, 10_000, rounds=5, models=ALL_MODELS)


def test_ratios_at_100k(benchmark: Any) -> None:
    compare(
        benchmark,
        100_000,
        rounds=3,
        models=ALL_MODELS | {"jtai-sim, log off": partial(jtai_model, log_events=False)},
    )


def test_ratio_at_1m(benchmark: Any, request: pytest.FixtureRequest) -> None:
    if not million(request.config):
        pytest.skip("10^6 customers: run with --million or JTAI_BENCH_MILLION=1")
    compare(benchmark, 1_000_000, rounds=1, models=ALL_MODELS)


# -- memory ---------------------------------------------------------------------------


def run_bytes(scenario: Scenario, days: float | None, log_events: bool = True) -> dict[str, int]:
    """Traced bytes of one whole run (build, simulate, pack the log) and of the ``Run`` kept.

    ``peak`` is the most traced at any moment, ``retained`` what is still traced once
    the run is over and collected, with the ``Run`` (log, register, calendar, ...)
    still held; both exclude what was traced before the run began.
    """
    simulate(scenario, seed=1, days=7.0)  # imports and caches, which are not the run's
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run = simulate(scenario, seed=1, days=days, log_events=log_events)
        run.log.records()
        peak = tracemalloc.get_traced_memory()[1]
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return {"peak": peak - before, "retained": retained - before, "rows": len(run.log)}


def jackson() -> Scenario:
    return attrs.evolve(load_scenario("jackson"), warmup_days=0.0)


@pytest.mark.parametrize(
    ("name", "days"),
    [("jackson", 10_000.0), ("midshire", None)],
    ids=["jackson-1e5", "midshire"],
)
def test_bytes_per_logged_row(name: str, days: float | None) -> None:
    scenario = jackson() if name == "jackson" else load_scenario(name)
    measured = run_bytes(scenario, days)
    rows = measured["rows"]
    for what in ("peak", "retained"):
        per_row = measured[what] / rows
        print(
            record(
                f"run {what} bytes per logged row, {name}",
                per_row,
                "B/row",
                target=f"< {BYTES_TARGET}",
                met=per_row < BYTES_TARGET,
                rows=rows,
            )
        )


def test_log_bytes_per_row_packed() -> None:
    log = simulate(jackson(), seed=1, days=10_000.0).log
    print(record("log bytes per row, packed @ 1e+05", log.nbytes / len(log), "B/row"))


def traced_peak(model: Model, customers: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        model(customers)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_at_1m(request: pytest.FixtureRequest) -> None:
    """Peak traced memory of each model at 10^6 customers: the log and register are
    what jtai-sim keeps that the other models do not."""
    if not million(request.config):
        pytest.skip("10^6 customers: run with --million or JTAI_BENCH_MILLION=1")
    for name in ("jtai-sim", "plain-simpy", "heapq"):
        peak = traced_peak(ALL_MODELS[name], 1_000_000)
        print(record(f"peak traced memory @ 1e+06, {name}", peak / 2**20, "MiB"))
