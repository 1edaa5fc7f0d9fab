"""Speed and memory of jtai-sim on the Jackson network, against plain SimPy and Ciw.

Run with ``make bench`` (add ``--million`` or ``JTAI_BENCH_MILLION=1`` for the
10^6-customer case). Targets, from the issue:

* jtai-sim, event log on, takes no longer than the plain SimPy model
  (ratio <= 1) and at most a third of Ciw's time (ratio <= 1/3);
* its time per simulated customer stays flat from 10^4 to 10^6 customers
  (here: within 25% of the time per customer at 10^4);
* memory per logged event stays under 64 bytes.

The three models run in the same process, one after the other in each round,
so they share whatever else the machine is doing; ratios use each model's best
round. Every figure is per customer who arrived, as each model counts them,
in CPU time of this process (``time.process_time``: on a shared machine wall-clock
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
from reference_models import ciw_model, jtai_model, plain_simpy

from jtai_sim import load_scenario, simulate

pytestmark = pytest.mark.benchmark

FLAT_TOLERANCE = 0.25
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
    [jtai_model, plain_simpy, ciw_model],
    ids=["jtai-sim", "plain-simpy", "ciw"],
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
            record(f"jtai-sim / plain SimPy @ {label}", ratio, "x", target="<= 1", met=ratio <= 1)
        )
    if "ciw" in per:
        ratio = per["jtai-sim"] / per["ciw"]
        print(
            record(f"jtai-sim / Ciw @ {label}", ratio, "x", target="<= 0.333", met=ratio <= 1 / 3)
        )
    if "jtai-sim, log off" in per:
        share = 1 - per["jtai-sim, log off"] / per["jtai-sim"]
        print(record(f"share of jtai-sim time in logging @ {label}", share, "fraction"))


def test_ratios_at_100k(benchmark: Any) -> None:
    compare(
        benchmark,
        100_000,
        rounds=3,
        models={
            "jtai-sim": jtai_model,
            "jtai-sim, log off": partial(jtai_model, log_events=False),
            "plain-simpy": plain_simpy,
            "ciw": ciw_model,
        },
    )


def test_ratio_at_1m(benchmark: Any, request: pytest.FixtureRequest) -> None:
    if not million(request.config):
        pytest.skip("10^6 customers: run with --million or JTAI_BENCH_MILLION=1")
    compare(
        benchmark, 1_000_000, rounds=1, models={"jtai-sim": jtai_model, "plain-simpy": plain_simpy}
    )


# -- memory ---------------------------------------------------------------------------


def peak_bytes(customers: int, log_events: bool) -> tuple[int, int]:
    """Peak traced memory of one whole run (build, simulate, pack the log), and its events."""
    scenario = attrs.evolve(load_scenario("jackson"), warmup_days=0.0)
    gc.collect()
    tracemalloc.start()
    try:
        run = simulate(scenario, seed=1, days=customers / 10, log_events=log_events)
        run.log.records()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, len(run.log)


@pytest.mark.parametrize("customers", [20_000, 100_000], ids=["2e4", "1e5"])
def test_memory_per_event(customers: int) -> None:
    scenario = attrs.evolve(load_scenario("jackson"), warmup_days=0.0)
    log = simulate(scenario, seed=1, days=customers / 10).log
    packed = log.nbytes / len(log)
    label = f"{customers:.0e}"
    print(
        record(
            f"log bytes per event, packed @ {label}",
            packed,
            "B/event",
            target="< 64",
            met=packed < 64,
        )
    )
    with_log, events = peak_bytes(customers, True)
    without_log, _ = peak_bytes(customers, False)
    print(record(f"run peak bytes per event @ {label}", with_log / events, "B/event"))
    marginal = (with_log - without_log) / events
    print(
        record(
            f"peak bytes the log adds per event @ {label}",
            marginal,
            "B/event",
            target="< 64",
            met=marginal < 64,
            events=events,
        )
    )
