"""Serial, local processes and a Dask LocalCluster give identical numbers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.errors import ExperimentError
from jtai_sim.experiments import Experiment, Variant, results_from_store
from runner.cli import cli


def experiment() -> Experiment:
    more = Variant.from_sets("more", ["agencies.front_door.staff+=1"])
    return Experiment(
        load_scenario("scenarios/minimal.toml"), (more,), replications=4, days=200, seed=3
    )


def values(results: object) -> pd.DataFrame:
    frame: pd.DataFrame = results.values  # type: ignore[attr-defined]
    return frame.sort_values(["variant", "replication", "metric"]).reset_index(drop=True)


def test_serial_jobs_2_dask_and_any_executor_give_identical_numbers() -> None:
    serial = values(experiment().run(jobs=1))
    pooled = values(experiment().run(jobs=2))
    dask = values(experiment().run(jobs=2, dask="local:2"))
    with ThreadPoolExecutor(2) as threads:
        threaded = values(experiment().run(executor=threads))
    assert len(serial) > 100
    pd.testing.assert_frame_equal(serial, pooled, check_exact=True)
    pd.testing.assert_frame_equal(serial, dask, check_exact=True)
    pd.testing.assert_frame_equal(serial, threaded, check_exact=True)


def test_command_line_jobs_give_identical_stores(tmp_path: Path) -> None:
    args = [
        "compare",
        "minimal",
        "--set",
        "agencies.front_door.staff+=1",
        "-r",
        "3",
        "--days",
        "200",
        "-q",
    ]
    for name, extra in (("serial", []), ("pool", ["--jobs", "2"])):
        result = CliRunner().invoke(cli, [*args, *extra, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    serial = values(results_from_store(tmp_path / "serial"))
    pooled = values(results_from_store(tmp_path / "pool"))
    pd.testing.assert_frame_equal(serial, pooled, check_exact=True)
    assert (tmp_path / "serial" / "report.html").read_bytes() == (
        tmp_path / "pool" / "report.html"
    ).read_bytes()


def test_bad_executor_settings_are_one_line() -> None:
    with pytest.raises(ExperimentError, match="--jobs: must be >= 1, got 0"):
        experiment().run(jobs=0)
