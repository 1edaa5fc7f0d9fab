"""The result store: resume after a real kill, nothing counted twice, bad input touches nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario
from jtai_sim.experiments import Experiment, Store, results_from_store
from jtai_sim.experiments.replicate import ReplicationTask, run_replication
from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent
JTAI = ROOT / ".venv" / "bin" / "jtai-sim"

EXPERIMENT = """
name = "Kill test"
scenario = "{scenario}"
replications = 6
days = 200
keep_events = true
metrics = ["wait.front_door.mean_days"]

[variants.more_front_door]
add = {{ "agencies.front_door.staff" = 1 }}

[variants.more_camhs]
add = {{ "agencies.camhs.staff" = 2 }}
"""


def write_experiment(folder: Path) -> Path:
    path = folder / "kill.toml"
    path.write_text(EXPERIMENT.format(scenario=ROOT / "scenarios" / "minimal.toml"))
    return path


def table(folder: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(folder / "results.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_sweep_killed_part_way_resumes_keeping_every_finished_run(tmp_path: Path) -> None:
    experiment = write_experiment(tmp_path)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-c",
        "from runner.cli import main; main()",
        "sweep",
        str(experiment),
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    events = out / "events"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if events.exists() and len(list(events.glob("*.parquet"))) >= 4:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    before = table(out, "SELECT run_key, seconds FROM runs WHERE finished")
    assert 3 <= len(before) < 18, len(before)

    rerun = CliRunner().invoke(cli, ["sweep", str(experiment), "--out", str(out), "-q"])
    assert rerun.exit_code == 0, rerun.output

    after = table(out, "SELECT run_key, seconds FROM runs WHERE finished")
    assert len(after) == 18 == after["run_key"].nunique()
    kept = before.merge(after, on="run_key", suffixes=("_before", "_after"))
    # every run finished before the kill is still there, untouched (same timing: not redone)
    assert len(kept) == len(before)
    assert (kept["seconds_before"] == kept["seconds_after"]).all()
    duplicates = table(
        out,
        "SELECT run_key, metric, count(*) AS n FROM metrics GROUP BY run_key, metric HAVING n > 1",
    )
    assert duplicates.empty
    orphans = table(
        out, "SELECT count(*) AS n FROM metrics WHERE run_key NOT IN (SELECT run_key FROM runs)"
    )
    assert orphans["n"].iloc[0] == 0

    # the resumed results equal an uninterrupted sweep's
    fresh = CliRunner().invoke(
        cli, ["sweep", str(experiment), "--out", str(tmp_path / "fresh"), "-q"]
    )
    assert fresh.exit_code == 0, fresh.output
    resumed = results_from_store(out).values.sort_values(["variant", "replication", "metric"])
    clean = results_from_store(tmp_path / "fresh").values.sort_values(
        ["variant", "replication", "metric"]
    )
    pd.testing.assert_frame_equal(
        resumed.reset_index(drop=True), clean.reset_index(drop=True), check_exact=True
    )
    assert len(list((out / "events").glob("*.parquet"))) == 18
    assert not list((out / "events").glob("*.partial"))


def test_a_run_written_half_way_is_never_read_as_finished(tmp_path: Path) -> None:
    task = ReplicationTask.make(
        load_scenario("scenarios/single_desk.toml"), seed=1, replication=0, days=150
    )
    result = run_replication(task)
    with Store(tmp_path) as store:
        # rows of a run whose transaction never committed
        store.con.execute("BEGIN TRANSACTION")
        store.con.execute(
            "INSERT INTO metrics VALUES (?, 'wait.desk.mean_days', 1.0)", [result.run_key]
        )
    with Store(tmp_path) as store:  # reopened: the open transaction was rolled back
        assert store.finished_keys() == set()
        assert store.con.execute("SELECT count(*) FROM metrics").fetchone() == (0,)
        # a committed leftover without its runs row is not a finished run either ...
        store.con.execute(
            "INSERT INTO metrics VALUES (?, 'wait.desk.mean_days', 1.0)", [result.run_key]
        )
        assert store.finished_keys() == set()
        assert store.metrics([result.run_key]).empty
        # ... and writing the run replaces it rather than counting it twice
        store.save_run(result)
        assert store.finished_keys() == {result.run_key}
        metrics = store.metrics([result.run_key])
        assert len(metrics) == len(result.metrics) == metrics["metric"].nunique()


def test_results_and_exports_read_the_store(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    Experiment(load_scenario("scenarios/single_desk.toml"), replications=3, days=200).run(out)
    csv, excel = tmp_path / "s.csv", tmp_path / "s.xlsx"
    result = CliRunner().invoke(
        cli, ["results", str(out), "--csv", str(csv), "--excel", str(excel)]
    )
    assert result.exit_code == 0, result.output
    assert "the mean wait for The desk (wait.desk.mean_days)" in result.output
    frame = pd.read_csv(csv)
    assert set(frame["variant"]) == {"base"}
    assert frame.loc[frame["metric"] == "wait.desk.mean_days", "n"].item() == 3
    sheets = pd.read_excel(excel, sheet_name=None)
    assert list(sheets) == ["summary", "differences", "replications", "run"]
    assert len(sheets["replications"]["Replication"].unique()) == 3


def test_results_of_a_folder_without_a_store_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["results", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"jtai-sim: error: {tmp_path}: no results here (expected results.duckdb)"
    ]


@pytest.fixture(scope="module")
def finished_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a finished compare of minimal (copied by each test that uses it)."""
    out = tmp_path_factory.mktemp("finished") / "out"
    ok = CliRunner().invoke(
        cli, ["compare", "minimal", "-r", "2", "--days", "150", "-q", "--out", str(out)]
    )
    assert ok.exit_code == 0, ok.output
    return out


BAD = [
    (
        '[variants.v]\nadd = { "agencies.camhs.stafff" = 3 }\n',
        "kill.toml:{line}: variants.v.add.agencies.camhs.stafff: agencies.camhs has no key "
        "'stafff' (did you mean 'staff'?)",
    ),
    ('[variants.v]\nset = { "agencies.camhs.staff" = "three" }\n', "must be a whole number"),
    (
        '[factors."agencies.camhs.staff"]\nset = [8, 0]\n',
        'factors."agencies.camhs.staff".set[1]: must be >= 1, got 0',
    ),
    ('replications = "ten"\n', "replications: must be a whole number, got 'ten'"),
    ('[variants.v]\nsett = { "agencies.camhs.staff" = 3 }\n', "unknown key (did you mean 'set'?)"),
]


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_bad_experiment_files_are_one_line_and_leave_the_store_untouched(
    tmp_path: Path, finished_store: Path, extra: str, message: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(finished_store, out)
    store = out / "results.duckdb"
    before = digest(store), store.stat().st_mtime_ns, sorted(p.name for p in out.iterdir())

    bad = tmp_path / "kill.toml"
    text = f'scenario = "{ROOT / "scenarios" / "minimal.toml"}"\nreplications = 2\ndays = 150\n'
    if extra.startswith("replications"):
        text = text.replace("replications = 2\n", "")
    bad.write_text(text + extra)
    result = CliRunner().invoke(cli, ["sweep", str(bad), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    line_no = text.count("\n") + 2
    assert message.format(line=line_no) in lines[0]
    assert lines[0].startswith(f"jtai-sim: error: {bad}:")
    assert (
        digest(store),
        store.stat().st_mtime_ns,
        sorted(p.name for p in out.iterdir()),
    ) == before


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ["agencies.camhz.staff=14"],
            "--set agencies.camhz.staff=14: no agencies key 'camhz' (did you mean 'camhs'?)",
        ),
        (
            ["agencies.camhs.staff=fourteen"],
            "--set agencies.camhs.staff=fourteen: must be a whole number, not text",
        ),
        (["agencies.camhs.staff=0"], "--set agencies.camhs.staff=0: must be >= 1, got 0"),
        (
            ["pathways[police->nowhere].probability=0.5"],
            "--set pathways[police->nowhere].probability=0.5: no pathways named 'police->nowhere'",
        ),
        (["agencies.camhs.staff"], "expected KEY=VALUE"),
    ],
)
def test_bad_overrides_are_one_line_and_leave_the_store_untouched(
    tmp_path: Path, finished_store: Path, sets: list[str], message: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(finished_store, out)
    store = out / "results.duckdb"
    before = digest(store), store.stat().st_mtime_ns
    args = ["compare", "minimal", "-r", "2", "--days", "150", "-q", "--out", str(out)]
    for s in sets:
        args += ["--set", s]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert (digest(store), store.stat().st_mtime_ns) == before


def refused(args: list[str]) -> str:
    """The one error line of a command refused with exit code 2, with no traceback."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


LARGEST_SEED = 10**15 - 1
SEED_BOUND = "must be at most 999,999,999,999,999 (15 digits, which result files record exactly)"


@pytest.mark.parametrize("seed", [str(LARGEST_SEED + 1), str(2**63), str(2**70)])
def test_a_seed_the_store_cannot_hold_is_refused_before_the_store_opens(
    tmp_path: Path, finished_store: Path, seed: str
) -> None:
    fresh = tmp_path / "fresh"
    line = refused(["compare", "minimal", "-r", "2", "-q", "--seed", seed, "--out", str(fresh)])
    assert line.startswith(f"jtai-sim: error: compare: Invalid value for '--seed': {SEED_BOUND}")
    assert f"got {seed}" in line
    assert not fresh.exists()
    out = tmp_path / "out"
    shutil.copytree(finished_store, out)
    before = digest(out / "results.duckdb")
    refused(["compare", "minimal", "-r", "2", "-q", "--seed", seed, "--out", str(out)])
    assert digest(out / "results.duckdb") == before
    assert refused(["warmup", "minimal", "--seed", seed]).startswith(
        f"jtai-sim: error: warmup: Invalid value for '--seed': {SEED_BOUND}"
    )


def test_a_negative_seed_is_refused(tmp_path: Path) -> None:
    line = refused(["compare", "minimal", "-q", "--seed", "-1", "--out", str(tmp_path / "o")])
    assert line.startswith("jtai-sim: error: compare: Invalid value for '--seed': must be >= 0")


def test_the_largest_seed_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["compare", "minimal", "-r", "2", "--days", "100", "-q", "--seed", str(LARGEST_SEED)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert results_from_store(out).settings["seed"] == LARGEST_SEED


def test_a_seed_too_big_in_an_experiment_file_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "big.toml"
    bad.write_text(f'scenario = "minimal"\nreplications = 2\nseed = {2**63}\n')
    out = tmp_path / "out"
    line = refused(["sweep", str(bad), "--out", str(out), "-q"])
    assert line == f"jtai-sim: error: {bad}:3: seed: {SEED_BOUND}, got {2**63}"
    assert not out.exists()


def test_two_grid_factors_on_one_key_are_refused_naming_both(tmp_path: Path) -> None:
    bad = tmp_path / "grid.toml"
    bad.write_text(
        'scenario = "minimal"\nreplications = 2\n'
        '[factors."agencies.camhs.staff"]\nadd = [0, 3]\n'
        '[factors."agencies.*.staff"]\nadd = [0, 1]\n'
    )
    out = tmp_path / "out"
    line = refused(["sweep", str(bad), "--out", str(out), "-q"])
    assert line == (
        f'jtai-sim: error: {bad}:5: factors."agencies.*.staff": factors '
        "'agencies.camhs.staff' and 'agencies.*.staff' both change agencies.camhs.staff; "
        "make them one factor"
    )
    assert not out.exists()


def test_a_factor_on_a_table_and_one_on_a_key_inside_it_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "grid.toml"
    bad.write_text(
        'scenario = "minimal"\nreplications = 2\n'
        '[factors."agencies.camhs.service.mean_days"]\nscale = [1.0, 1.2]\n'
        '[factors."agencies.camhs.service"]\nset = [{ mean_days = 3.0 }]\n'
    )
    line = refused(["sweep", str(bad), "--out", str(tmp_path / "out"), "-q"])
    assert "both change agencies.camhs.service;" in line


@pytest.mark.parametrize("command", ["results", "compare"])
def test_a_store_of_garbage_bytes_is_one_line_naming_the_file(tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    garbage = os.urandom(4096)
    (out / "results.duckdb").write_bytes(garbage)
    args = (
        ["results", str(out)]
        if command == "results"
        else ["compare", "minimal", "-r", "2", "--days", "100", "-q", "--out", str(out)]
    )
    line = refused(args)
    assert line.startswith(f"jtai-sim: error: {out / 'results.duckdb'}: cannot open the result")
    assert (out / "results.duckdb").read_bytes() == garbage
    assert sorted(p.name for p in out.iterdir()) == ["results.duckdb"]


@pytest.mark.parametrize("command", ["results", "compare"])
def test_a_duckdb_file_of_other_tables_is_not_taken_for_a_store(
    tmp_path: Path, command: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with duckdb.connect(str(out / "results.duckdb")) as con:
        con.execute("CREATE TABLE runs (x INTEGER)")
    before = digest(out / "results.duckdb")
    args = (
        ["results", str(out)]
        if command == "results"
        else ["compare", "minimal", "-r", "2", "--days", "100", "-q", "--out", str(out)]
    )
    assert refused(args) == (
        f"jtai-sim: error: {out / 'results.duckdb'}: is a DuckDB database but not a jtai-sim "
        "result store (its tables differ); choose another folder"
    )
    assert digest(out / "results.duckdb") == before


def test_a_store_locked_by_another_process_is_one_line(
    tmp_path: Path, finished_store: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(finished_store, out)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(out / 'results.duckdb')!r}); "
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for args in (
            ["results", str(out)],
            ["compare", "minimal", "-r", "2", "--days", "150", "-q", "--out", str(out)],
        ):
            assert refused(args) == (
                f"jtai-sim: error: {out / 'results.duckdb'}: cannot open the result store: "
                "in use by another jtai-sim process"
            )
    finally:
        holder.kill()
        holder.wait()


def test_an_event_log_that_cannot_be_written_is_one_line_and_rolls_nothing_in(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "events").write_text("a file where the events folder goes")
    args = ["compare", "minimal", "-r", "2", "--days", "100", "-q", "--keep-events"]
    line = refused([*args, "--out", str(out)])
    assert line == f"jtai-sim: error: {out / 'events'}: cannot write an event log: File exists"
    assert table(out, "SELECT count(*) AS n FROM runs")["n"].iloc[0] == 0
    assert table(out, "SELECT count(*) AS n FROM metrics")["n"].iloc[0] == 0


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to a read-only folder"
)
def test_a_read_only_store_folder_is_one_line_and_left_as_it_was(
    tmp_path: Path, finished_store: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(finished_store, out)
    before = digest(out / "results.duckdb")
    (out / "results.duckdb").chmod(0o444)
    out.chmod(0o555)
    try:
        args = ["compare", "minimal", "--set", "agencies.camhs.staff+=1", "-r", "2"]
        line = refused([*args, "--days", "150", "-q", "--out", str(out)])
        assert line.startswith(f"jtai-sim: error: {out}")
        assert "result store" in line
    finally:
        out.chmod(0o755)
        (out / "results.duckdb").chmod(0o644)
    assert digest(out / "results.duckdb") == before
