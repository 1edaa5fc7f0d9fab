"""The budget: an upper bound on a job's size, and the limits it is held to.

The estimate must stay above what a run really logs (else a job the budget lets
through could still exhaust the machine) without being so far above it that
ordinary jobs are refused; the built-in scenarios pin both sides.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from jtai_sim import simulate
from jtai_sim.budget import SOFT_EVENTS, SOFT_RUNS, Job, check, estimate
from jtai_sim.errors import BudgetError
from jtai_sim.experiments import Variant
from jtai_sim.scenario.builtin import load_scenario
from runner.cli import cli


@pytest.mark.parametrize(
    ("name", "days"),
    [("minimal", 365.0), ("jackson", 365.0), ("single_desk", 365.0), ("midshire", 120.0)],
)
def test_the_estimate_is_an_upper_bound_within_four_times(name: str, days: float) -> None:
    scenario = load_scenario(name)
    logged = len(simulate(scenario, seed=11, days=days).log)
    estimated = estimate(Job(scenario=scenario, days=days)).events_per_run
    assert logged <= estimated <= 4 * logged


def test_every_built_in_job_passes_without_the_flag() -> None:
    for name in ("minimal", "jackson", "single_desk", "midshire"):
        scenario = load_scenario(name)
        check(Job(scenario=scenario, days=scenario.duration_days, runs=40, at_once=2))


def test_a_century_of_a_big_partnership_needs_the_flag() -> None:
    big = attrs.evolve(load_scenario("midshire"), children=1_000_000)
    job = Job(scenario=big, days=36_525.0)
    with pytest.raises(BudgetError) as refused:
        check(job, allow_large=True)  # beyond the hard limit: the flag does not help
    assert "more than" in str(refused.value)
    shorter = Job(scenario=big, days=10 * 365.25)
    assert estimate(shorter).events_per_run > SOFT_EVENTS
    with pytest.raises(BudgetError, match="--allow-large"):
        check(shorter)


def test_runs_beyond_the_soft_limit_need_the_flag() -> None:
    job = Job(scenario=load_scenario("minimal"), days=30.0, runs=SOFT_RUNS + 1)
    with pytest.raises(BudgetError, match=f"{SOFT_RUNS + 1:,} runs asked for"):
        check(job)
    assert check(job, allow_large=True).runs == SOFT_RUNS + 1


def test_growth_cannot_overflow_the_estimate() -> None:
    minimal = load_scenario("minimal")
    # the fastest growth a scenario may have, doubling every year, for a century
    demand = {k: attrs.evolve(d, trend_per_year=1.0) for k, d in minimal.demand.items()}
    fast = attrs.evolve(minimal, demand=demand)
    with pytest.raises(BudgetError):
        check(Job(scenario=fast, days=36_525.0), allow_large=True)


def test_run_refuses_before_it_simulates_or_writes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", "midshire", "--years", "100", "--out", str(out)])
    assert result.exit_code == 2
    assert "--allow-large" in result.output and "simulated" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "minimal", "--set", "agencies.camhs.staff+=1", "-r", "100000000000"],
        ["warmup", "minimal", "-r", "100000000000"],
        ["mock-week", "minimal", "--notify", "2025-06-03", "--detect", "100000"],
    ],
    ids=["compare", "warmup", "mock-week"],
)
def test_every_command_that_replicates_refuses_before_it_starts(
    tmp_path: Path, args: list[str]
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "runs asked for, more than 2,000; give --allow-large" in result.output
    assert not out.exists()


def test_an_experiment_counts_the_replications_a_precision_target_may_add() -> None:
    from jtai_sim.experiments import Experiment, parse_set

    scenario = load_scenario("minimal")
    variant = Variant("more", (parse_set("agencies.camhs.staff+=1"),))
    experiment = Experiment(
        scenario,
        (variant,),
        replications=5,
        precision=0.05,
        max_replications=40,
        metrics=("wait.camhs.mean_days",),
    )
    assert experiment.budget(experiment.resolve()).runs == 2 * 40
