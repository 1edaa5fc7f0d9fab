"""Warm-up: MSER-5 on series with a known start-up, and a suggestion from real runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.errors import ExperimentError
from jtai_sim.experiments import mser5, suggest_warmup
from runner.cli import cli


@pytest.mark.parametrize("start", [0, 40, 100, 200])
def test_mser5_finds_a_known_start_up(start: int) -> None:
    rng = np.random.default_rng(start)
    ramp = np.linspace(0.0, 10.0, start) if start else np.array([])
    series = np.r_[ramp, 10.0 + rng.normal(0.0, 1.0, 600)]
    cut = mser5(series)
    assert cut % 5 == 0
    assert start - 20 <= cut <= start + 25


def test_mser5_on_a_short_series_keeps_everything() -> None:
    assert mser5([1.0, 2.0, 3.0]) == 0


def test_warmup_from_runs_of_a_queue_that_starts_empty() -> None:
    desk = load_scenario("scenarios/single_desk.toml")
    suggestion = suggest_warmup(desk, replications=4, days=300, bin_days=5.0)
    assert suggestion.agency == "desk"
    assert 0 <= suggestion.warmup_days <= 150
    assert 30 <= len(suggestion.times) <= 60
    svg = suggestion.svg()
    assert svg.startswith("<svg") and "suggested warm-up" in svg
    assert svg == suggest_warmup(desk, replications=4, days=300, bin_days=5.0).svg()


def test_warmup_command(tmp_path: Path) -> None:
    out = tmp_path / "w.svg"
    result = CliRunner().invoke(
        cli, ["warmup", "single_desk", "-r", "2", "--days", "200", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("suggested warm-up: ")
    assert out.read_text().startswith("<svg")
    bad = CliRunner().invoke(cli, ["warmup", "minimal", "--agency", "police", "--days", "100"])
    assert bad.exit_code == 2
    assert "--agency: no agency with a queue called 'police'" in bad.output


def test_unknown_agency() -> None:
    with pytest.raises(ExperimentError, match="no agency with a queue"):
        suggest_warmup(load_scenario("scenarios/single_desk.toml"), agency="nope")
