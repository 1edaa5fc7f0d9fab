"""Serial, local processes and a Dask LocalCluster give identical numbers."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.errors import ExperimentError
from jtai_sim.experiments import Experiment, Variant, executors, results_from_store
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


COMPARE = ["compare", "minimal", "--set", "agencies.front_door.staff+=1", "-r", "2", "--days"]


def one_line(args: list[str]) -> str:
    """The single error line of a refused command (exit code 2)."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.output
    return lines[0]


def test_jobs_beyond_four_per_processor_are_refused_naming_jobs(tmp_path: Path) -> None:
    too_many = 4 * (os.cpu_count() or 1) + 1
    out = tmp_path / "out"
    line = one_line([*COMPARE, "100", "-q", "--jobs", str(too_many), "--out", str(out)])
    assert line == (
        f"jtai-sim: error: --jobs: must be at most {too_many - 1} (4 per processor, and this "
        f"machine has {os.cpu_count() or 1}), got {too_many}"
    )
    assert not out.exists()
    for command in ("compare", "sweep", "warmup"):
        shown = " ".join(CliRunner().invoke(cli, [command, "--help"]).output.split())
        assert "at most 4 per processor of this machine" in shown, command


def test_jobs_1000_is_refused_before_anything_forks(tmp_path: Path) -> None:
    line = one_line([*COMPARE, "100", "-q", "--jobs", "1000", "--out", str(tmp_path / "o")])
    assert line.startswith("jtai-sim: error: --jobs: must be at most ")
    assert line.endswith("got 1000")
    assert one_line(["warmup", "minimal", "--jobs", "1000"]).endswith("got 1000")


def test_no_more_workers_start_than_there_are_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    real = executors.ProcessPoolExecutor

    def counting(*args: object, **kwargs: object) -> object:
        started.append(int(kwargs["max_workers"]))  # type: ignore[call-overload]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(executors, "ProcessPoolExecutor", counting)
    jobs = min(executors.max_jobs(), 8)
    # two variants x two replications: four runs, whatever --jobs says
    Experiment(
        load_scenario("scenarios/minimal.toml"),
        (Variant.from_sets("more", ["agencies.front_door.staff+=1"]),),
        replications=2,
        days=100,
    ).run(jobs=jobs)
    assert started == [min(jobs, 4)] if jobs > 1 else started == []
    with executors.open_executor(jobs=jobs, runs=1) as ex:
        assert ex is None  # one run: serial, no worker at all


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("local:0", "--dask: 'local:0': workers must be >= 1, got 0"),
        (
            "local:abc",
            "--dask: 'local:abc': the number of workers after 'local:' must be a whole number, "
            "got 'abc'",
        ),
        ("local:100000", "--dask: 'local:100000': workers must be at most "),
        ("not an address", "--dask: 'not an address' is not a scheduler address"),
    ],
)
def test_bad_dask_local_forms_are_one_line(tmp_path: Path, address: str, message: str) -> None:
    out = tmp_path / "out"
    line = one_line([*COMPARE, "100", "-q", "--dask", address, "--out", str(out)])
    assert line.startswith(f"jtai-sim: error: {message}"), line
    assert not out.exists()


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "tcp://10.255.255.1:8786"])
def test_an_unreachable_dask_scheduler_fails_within_seconds(tmp_path: Path, address: str) -> None:
    out = tmp_path / "out"
    t0 = time.monotonic()
    line = one_line([*COMPARE, "100", "-q", "--dask", address, "--out", str(out)])
    assert time.monotonic() - t0 < 15
    assert line.startswith(f"jtai-sim: error: --dask: cannot reach a Dask scheduler at {address!r}")
    assert not out.exists()
