"""The command line: compare, sweep, results; precision; the Python API's tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.experiments import compare, replicate, results_from_store, sweep
from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_compare_with_a_variant_file_and_set(tmp_path: Path) -> None:
    variant = tmp_path / "faster.toml"
    variant.write_text('label = "Faster desk"\nset = { "agencies.desk.service.mean_days" = 0.9 }\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            "single_desk",
            str(variant),
            "--set",
            "agencies.desk.staff=4",
            "--label",
            "Four staff",
            "-r",
            "4",
            "--days",
            "300",
            "--warmup",
            "30",
            "-m",
            "wait.desk.mean_days",
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "the mean wait for The desk (wait.desk.mean_days)" in result.output
    assert "- Four staff cuts the restricted mean wait for The desk " in result.output
    assert "- Faster desk " in result.output
    for name in ("results.duckdb", "report.html", "summary.csv"):
        assert (out / name).exists()
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["variant"]) == {"base", "faster", "set"}
    stored = results_from_store(out)
    assert [v.title for v in stored.variants] == ["Base", "Faster desk", "Four staff"]
    assert stored.replications() == 4


def test_rerunning_compare_reuses_finished_runs(tmp_path: Path) -> None:
    args = ["compare", "single_desk", "-r", "3", "--days", "200", "-q", "--out", str(tmp_path)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    first = (tmp_path / "report.html").read_bytes()
    more = CliRunner().invoke(cli, [*args[:2], "-r", "5", *args[4:]])
    assert more.exit_code == 0
    stored = results_from_store(tmp_path)
    assert stored.replications() == 5
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert (tmp_path / "report.html").read_bytes() == first


def test_precision_adds_replications_until_the_target(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            "single_desk",
            "-r",
            "3",
            "--days",
            "300",
            "--warmup",
            "30",
            "--precision",
            "0.1",
            "-m",
            "wait.desk.mean_days",
            "--max-replications",
            "60",
            "--out",
            str(tmp_path),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    stored = results_from_store(tmp_path)
    n = stored.replications()
    assert 3 < n <= 60
    row = stored.summary(["wait.desk.mean_days"]).iloc[0]
    assert row["half_width"] <= 0.1 * row["mean"] or n == 60


def test_sweep_command_on_an_example(tmp_path: Path) -> None:
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        f'name = "Grid"\nscenario = "{ROOT / "scenarios" / "single_desk.toml"}"\n'
        "replications = 3\ndays = 200\n"
        '[factors."agencies.desk.staff"]\nset = [3, 4]\n'
    )
    result = CliRunner().invoke(cli, ["sweep", str(experiment), "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 0, result.output
    assert "Grid: 3 variant(s), 3 replications each" in result.output
    # the staff=3 cell is the base itself: it shares the base's runs
    stored = results_from_store(tmp_path / "o")
    key = "wait.desk.mean_days"
    table = stored.table(key)
    assert table["base"].tolist() == table["staff=3"].tolist()


def test_python_api_returns_tables(tmp_path: Path) -> None:
    desk = load_scenario(ROOT / "scenarios" / "single_desk.toml")
    table = replicate(desk, replications=3, days=200, metrics=["wait.desk.mean_days"])
    assert list(table.index) == ["wait.desk.mean_days"]
    assert {"n", "mean", "low", "high"} <= set(table.columns)
    both = compare(
        desk,
        {"four": {"agencies.desk.staff": 4}},
        replications=3,
        days=200,
        metrics=["wait.desk.mean_days"],
        jobs=2,
    )
    assert list(both["variant"]) == ["base", "four"]
    assert both["difference"].iloc[1] < 0
    path = tmp_path / "e.toml"
    path.write_text(
        f'scenario = "{ROOT / "scenarios" / "single_desk.toml"}"\nreplications = 3\n'
        'days = 200\nmetrics = ["wait.desk.mean_days"]\n'
        '[variants.four]\nset = { "agencies.desk.staff" = 4 }\n'
    )
    swept = sweep(path, store=tmp_path / "store")
    pd.testing.assert_frame_equal(swept.reset_index(drop=True), both.reset_index(drop=True))


def test_compare_refuses_a_folder_holding_another_experiment(tmp_path: Path) -> None:
    """One experiment's results are never mixed with, or lost to, another's."""
    from click.testing import CliRunner

    from jtai_sim.experiments.store import Store
    from runner.cli import cli

    out = tmp_path / "exp"
    first = ["compare", "single_desk", "--replications", "2", "--days", "150", "-q"]
    assert CliRunner().invoke(cli, [*first, "--out", str(out)]).exit_code == 0
    with Store(out) as store:
        kept = store.finished_keys()
    other = ["compare", "minimal", "--replications", "2", "--days", "150", "-q"]
    result = CliRunner().invoke(cli, [*other, "--out", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "holds the results of another experiment" in lines[0]
    with Store(out) as store:
        assert store.finished_keys() == kept
    # the same experiment resumes; --replace starts the other one afresh
    assert CliRunner().invoke(cli, [*first, "--out", str(out)]).exit_code == 0
    result = CliRunner().invoke(cli, [*other, "--out", str(out), "--replace"])
    assert result.exit_code == 0, result.output
    with Store(out) as store:
        assert store.finished_keys().isdisjoint(kept) and len(store.finished_keys()) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["compare", "minimal", "--jobs", "x"],
            "compare: Invalid value for '--jobs' / '-j': 'x' is not a valid integer. "
            "(see jtai-sim compare --help)",
        ),
        (["sweep", "--nope"], "sweep: No such option '--nope'. (see jtai-sim sweep --help)"),
        (["results"], "results: Missing argument 'FOLDER'. (see jtai-sim results --help)"),
        (
            ["warmup", "minimal", "--seed", "-1"],
            "warmup: Invalid value for '--seed': must be >= 0, got -1 (see jtai-sim warmup --help)",
        ),
    ],
)
def test_usage_errors_of_the_experiment_commands_are_one_line(
    args: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"jtai-sim: error: {message}"]
