"""Coverage of the replication intervals against the exact Erlang C answer.

The single desk (scenarios/single_desk.toml) is one M/M/c agency whose mean
wait is known exactly (Erlang C, :mod:`jtai_sim.validation.theory`). Many independent
experiments of R replications each, each on its own root seed, give a nominal
95% interval for the mean wait; the share of intervals covering the exact value
must lie between 90% and 99%. With 200 experiments the standard error of the
observed coverage is about 1.5 percentage points, so a correct procedure lands
inside the band, and one that misses by several points (too narrow intervals,
replications that are not independent, a biased estimator) does not.

Both are slow (``make test-slow``). The first runs the desk with four staff
(utilisation 0.6), where a run of 450 days already gives replication means close
enough to normal for R = 10;
at the file's utilisation of 0.8, replication means over short runs are
strongly skewed (busy periods are long), which costs t intervals a few points
of coverage, so the second runs that case three times longer.
"""

from __future__ import annotations

import pytest

from jtai_sim import load_scenario
from jtai_sim.experiments import Experiment, Variant
from jtai_sim.experiments.executors import open_executor
from jtai_sim.scenario.model import Scenario
from jtai_sim.validation.theory import mmc_mean_wait

METRIC = "wait.desk.mean_days"


def exact_mean_wait(desk: Scenario) -> float:
    spec = desk.agencies["desk"]
    rate = next(iter(desk.demand.values())).rate_per_10k_per_year * desk.children / 1e4 / 365.25
    return mmc_mean_wait(
        arrival_rate=rate, mean_service_days=spec.service.mean_days, servers=spec.servers or 0
    )


def coverage(staff: int, days: float, experiments: int, replications: int) -> float:
    """Share of experiments whose 95% interval covers the exact mean wait."""
    base = load_scenario("scenarios/single_desk.toml")
    desk = Variant.from_sets("desk", [f"agencies.desk.staff={staff}"]).apply(base)
    exact = exact_mean_wait(desk)
    covered = 0
    with open_executor(jobs=2) as pool:
        for k in range(experiments):
            results = Experiment(
                desk,
                replications=replications,
                seed=10_000 + k,
                days=days,
                warmup_days=30,
                metrics=(METRIC,),
                all_metrics=False,
            ).run(executor=pool)
            row = results.summary([METRIC]).iloc[0]
            assert row["n"] == replications
            covered += bool(row["low"] <= exact <= row["high"])
    return covered / experiments


def test_the_exact_answer_is_erlang_c() -> None:
    desk = load_scenario("scenarios/single_desk.toml")
    assert exact_mean_wait(desk) == pytest.approx(0.6472 / 0.6, abs=1e-3)


@pytest.mark.slow
def test_nominal_95_percent_intervals_cover_the_erlang_c_mean_wait() -> None:
    share = coverage(staff=4, days=480, experiments=200, replications=10)
    assert 0.90 <= share <= 0.99, f"coverage {share:.3f}"


@pytest.mark.slow
def test_coverage_at_80_percent_utilisation_with_long_runs() -> None:
    share = coverage(staff=3, days=1030, experiments=300, replications=10)
    assert 0.90 <= share <= 0.99, f"coverage {share:.3f}"
