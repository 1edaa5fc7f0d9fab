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
    assert len(sheets["replications"]["replication"].unique()) == 3


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
