"""Option mistakes on any command: one line on stderr, exit code 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from jtai_sim import ScenarioError, load_scenario, simulate
from runner.cli import cli

MISTAKES = [
    (["run", "minimal", "--days", "-2"], "--days"),
    (["warmup", "minimal", "--days", "-5"], "--days: must be more than 0 and at most 36,525"),
    (["compare", "minimal", "--days", "-5"], "--days: must be more than 0 and at most 36,525"),
    (["mock-week", "minimal", "--notify", "2025-06-03", "--seed", "-3"], "'--seed': must be >= 0"),
    (["compare", "minimal", "--set", "agencies.camhs.staf=3"], "did you mean 'staff'?"),
]


@pytest.mark.parametrize(("argv", "says"), MISTAKES, ids=lambda v: " ".join(v[:2]))
def test_one_line_exit_2_nothing_written(tmp_path: Path, argv: list[str], says: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [*argv, "--out", str(out)])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("jtai-sim: error: "), lines
    assert says in lines[0]
    assert not out.exists()


def test_simulate_refuses_a_bad_length_or_seed() -> None:
    scenario = load_scenario("minimal")
    with pytest.raises(ScenarioError, match=r"^days: must be > 0, got -5.0$"):
        simulate(scenario, days=-5)
    with pytest.raises(ScenarioError, match=r"^seed: must be >= 0, got -1$"):
        simulate(scenario, seed=-1)


USAGE = [
    ["mock-week", "minimal"],  # --notify missing
    ["mock-week", "minimal", "--notify", "2025-06-03", "--detect", "many"],
    ["compare", "minimal", "--bogus"],
    ["sweep"],
    ["results"],
    ["warmup", "minimal", "--replications", "x"],
    ["themes", "extra"],
    ["run", "minimal", "--yeers", "2"],
]


@pytest.mark.parametrize("argv", USAGE, ids=lambda v: " ".join(v))
def test_usage_mistakes_are_one_line_on_every_command(argv: list[str]) -> None:
    """click's own usage errors (a missing option, a bad type) run to three lines; ours, one."""
    result = CliRunner().invoke(cli, argv)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith(f"jtai-sim: error: {argv[0]}: "), lines
    assert f"(see jtai-sim {argv[0]} --help)" in lines[0]
