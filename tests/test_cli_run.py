"""``jtai-sim run`` and ``jtai-sim graph``: result folders, atomicity, reproducibility, mistakes."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import jtai_sim.results.output
from jtai_sim import load_scenario
from jtai_sim.scenario.loading import scenario_to_dict
from runner.cli import cli

SHORT = ["minimal", "--days", "150"]
MINIMAL_FILE = Path(__file__).resolve().parent.parent / "scenarios" / "minimal.toml"
FILES = {
    "report.html",
    "summary.html",
    "summary.md",
    "run.json",
    "metrics.csv",
    "waits.csv",
    "clocks.csv",
    "handoffs.csv",
    "equity.csv",
    "children.csv",
    "events.parquet",
    "partnership.svg",
}


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def leftovers(folder: Path) -> list[str]:
    """Hidden partial or old folders a run might leave beside its result."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def result_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "minimal"
    result = invoke("run", *SHORT, "--seed", "3", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_run_writes_every_file(result_folder: Path) -> None:
    assert {p.name for p in result_folder.iterdir()} == FILES


def test_run_says_where_the_report_is(tmp_path: Path) -> None:
    out = tmp_path / "r"
    result = invoke("run", *SHORT, "--out", out)
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1] == f"report: {out / 'report.html'}"
    assert "\r" not in result.stderr  # no progress bar when stderr is not a terminal


def on_a_terminal(args: list[str], cwd: Path) -> str:
    """Run ``args`` with a 100-column pseudo-terminal as stdout and stderr; return what it shows."""
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(args, stdin=child, stdout=child, stderr=child, cwd=cwd)
    os.close(child)
    shown = b""
    while True:
        ready, _, _ = select.select([parent], [], [], 0.2)
        if ready:
            try:
                data = os.read(parent, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            shown += data
        elif process.poll() is not None:
            break
    process.wait(timeout=120)
    os.close(parent)
    return shown.decode(errors="replace")


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("jtai-sim")
    shown = on_a_terminal([str(script), "run", "minimal", "--days", "300", "--out", "r"], tmp_path)
    frames = [line for line in shown.split("\r") if "simulating Minimal" in line]
    assert frames, shown
    assert any("300/300" in frame or "day/s" in frame for frame in frames)
    assert "report: r/report.html" in shown


def test_run_json_records_what_was_run(result_folder: Path) -> None:
    record = json.loads((result_folder / "run.json").read_text())
    assert record["seed"] == 3
    assert record["scenario_file"] == "minimal.toml"
    assert len(record["scenario_sha256"]) == 64
    assert record["command"] == f"jtai-sim run minimal --days 150 --seed 3 --out {result_folder}"
    assert record["duration_days"] == 150.0
    resolved = scenario_to_dict(load_scenario("minimal"))
    resolved["duration_days"] = 150.0
    assert record["scenario"] == resolved
    timings = record["timings_seconds"]
    assert {"simulate", "metrics", "report", "write_total"} <= set(timings)
    assert all(isinstance(v, float) and v >= 0 for v in timings.values())
    # timings are the only non-reproducible field: nothing else looks like a time
    assert not any("time" in key for key in record if key != "timings_seconds")


def test_tables_agree_with_each_other(result_folder: Path) -> None:
    record = json.loads((result_folder / "run.json").read_text())
    events = pd.read_parquet(result_folder / "events.parquet")
    children = pd.read_csv(result_folder / "children.csv")
    assert len(events) == record["events"] > 0
    assert len(children) == record["children"] > 0
    assert set(events["child"]) == set(children["child"])
    metrics = pd.read_csv(result_folder / "metrics.csv")
    assert list(metrics.columns) == ["group", "name", "statistic", "value", "unit"]
    waits = pd.read_csv(result_folder / "waits.csv").set_index("agency")
    from_metrics = metrics[(metrics["group"] == "wait") & (metrics["statistic"] == "children")]
    for agency, value in from_metrics.set_index("name")["value"].items():
        assert waits.loc[agency, "children"] == value
    clocks = pd.read_csv(result_folder / "clocks.csv")
    assert set(clocks["clock"]) == set(load_scenario("minimal").clocks)
    assert {"pathway", "complete_share", "lost_share"} <= set(
        pd.read_csv(result_folder / "handoffs.csv").columns
    )
    # the equity table as published: small counts suppressed (shown as "c"), no child ids
    equity = pd.read_csv(result_folder / "equity.csv", dtype=str)
    assert {"characteristic", "group", "measure", "ratio"} <= set(equity.columns)
    assert "child" not in equity.columns


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        assert invoke("run", *SHORT, "--seed", seed, "--out", tmp_path / name).exit_code == 0
    a, b, c = (tmp_path / n for n in "abc")
    for name in FILES - {"run.json"}:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for name in ("events.parquet", "report.html", "children.csv", "metrics.csv"):
        assert (a / name).read_bytes() != (c / name).read_bytes(), name
    ra, rb = (json.loads((f / "run.json").read_text()) for f in (a, b))
    for record in (ra, rb):
        del record["timings_seconds"], record["command"]  # command names the folder
    assert ra == rb
    pd.testing.assert_frame_equal(
        pd.read_parquet(a / "events.parquet"), pd.read_parquet(b / "events.parquet")
    )


def test_refuses_a_folder_with_files(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = invoke("run", *SHORT, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert leftovers(tmp_path) == []


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert invoke("run", *SHORT, "--out", out).exit_code == 0
    assert {p.name for p in out.iterdir()} == FILES


def test_force_replaces_a_folder_of_its_own_results(tmp_path: Path) -> None:
    out = tmp_path / "old"
    assert invoke("run", *SHORT, "--out", out).exit_code == 0
    (out / "report.html").write_text("an older report")
    result = invoke("run", *SHORT, "--out", out, "--force")
    assert result.exit_code == 0
    assert {p.name for p in out.iterdir()} == FILES
    assert (out / "report.html").read_text() != "an older report"
    assert leftovers(tmp_path) == []


def test_force_never_replaces_a_folder_holding_the_users_files(tmp_path: Path) -> None:
    """--force replaces results it wrote, never a folder of inputs: the scenario survives."""
    out = tmp_path / "scenarios"
    out.mkdir()
    scenario = out / "minimal.toml"
    scenario.write_text(MINIMAL_FILE.read_text())
    (out / "report.html").write_text("a report beside it")
    result = invoke("run", str(scenario), "--days", "30", "--out", out, "--force")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert "did not write (minimal.toml)" in result.stderr
    assert scenario.read_text() == MINIMAL_FILE.read_text()
    assert sorted(p.name for p in out.iterdir()) == ["minimal.toml", "report.html"]
    assert leftovers(tmp_path) == []


def test_failure_part_way_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("report rendering failed")

    monkeypatch.setattr(jtai_sim.results.output, "render_report", broken)
    out = tmp_path / "new" / "deeper" / "result"
    with pytest.raises(RuntimeError, match="report rendering failed"):
        invoke("run", *SHORT, "--out", out)
    assert list(tmp_path.iterdir()) == []  # not even the parent folders it made


def test_failure_with_force_keeps_the_old_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "previous"
    out.mkdir()
    (out / "report.html").write_text("the previous report")

    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(jtai_sim.results.output, "render_report", broken)
    with pytest.raises(RuntimeError):
        invoke("run", *SHORT, "--out", out, "--force")
    assert [p.name for p in out.iterdir()] == ["report.html"]
    assert (out / "report.html").read_text() == "the previous report"
    assert leftovers(tmp_path) == []


def test_default_folder_is_named_after_file_and_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("run", "minimal", "--days", "70").exit_code == 0
    assert (tmp_path / "runs" / "minimal-seed42" / "report.html").exists()


def test_no_events_and_events_csv(tmp_path: Path) -> None:
    assert invoke("run", *SHORT, "--out", tmp_path / "quiet", "--no-events").exit_code == 0
    assert {p.name for p in (tmp_path / "quiet").iterdir()} == FILES - {"events.parquet"}
    assert invoke("run", *SHORT, "--out", tmp_path / "csv", "--events-csv").exit_code == 0
    csv = pd.read_csv(tmp_path / "csv" / "events.csv")
    parquet = pd.read_parquet(tmp_path / "csv" / "events.parquet")
    assert len(csv) == len(parquet)
    assert list(csv.columns) == list(parquet.columns)


def test_years_are_julian_years(tmp_path: Path) -> None:
    assert invoke("run", "jackson", "--years", "0.1", "--out", tmp_path / "j").exit_code == 0
    record = json.loads((tmp_path / "j" / "run.json").read_text())
    assert record["duration_days"] == pytest.approx(36.525)
    assert "--years 0.1" in record["command"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--years", "-1"], "--years: must be more than 0 and at most 100, got -1"),
        (["--days", "0"], "--days: must be more than 0 and at most 36,525, got 0"),
        (["--days", "inf"], "--days: must be more than 0 and at most 36,525, got inf"),
        (["--days", "nan"], "--days: must be more than 0 and at most 36,525, got nan"),
        (["--years", "1e308"], "--years: must be more than 0 and at most 100, got 1e+308"),
        (["--years", "100", "--days", "10"], "give one or the other"),
        (["--years", "1", "--days", "10"], "give one or the other"),
        (["--seed", "-3"], "--seed"),
        (["--years", "two"], "--years"),
        (["--no-events", "--events-csv"], "give one or the other"),
        (["--colour"], "--colour"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    out = tmp_path / "never"
    result = invoke("run", "minimal", *args, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.startswith("jtai-sim: error: ")
    assert result.stderr.count("\n") == 1
    assert says in result.stderr
    assert not out.exists()


def test_bad_scenario_gives_one_line_and_no_folder(tmp_path: Path) -> None:
    text = (Path("scenarios") / "minimal.toml").read_text().replace("staff = 4", "staf = 4")
    scenario = tmp_path / "broken.toml"
    scenario.write_text(text)
    result = invoke("run", scenario, "--days", "30")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.count("\n") == 0
    assert f"{scenario}:" in line and "staf" in line and "did you mean 'staff'" in line
    assert not (tmp_path / "runs").exists() and not Path("runs/broken-seed42").exists()


def test_out_under_a_file_gives_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text("not a folder")
    result = invoke("run", *SHORT, "--out", tmp_path / "plain.txt" / "result")
    assert result.exit_code == 2
    assert "cannot create the folder" in result.stderr and "is a file" in result.stderr
    assert result.stderr.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["plain.txt"]


def test_missing_scenario_gives_one_line(tmp_path: Path) -> None:
    result = invoke("run", tmp_path / "nowhere.toml", "--out", tmp_path / "x")
    assert result.exit_code == 2
    assert "no such file" in result.stderr and result.stderr.count("\n") == 1


# -- graph -----------------------------------------------------------------------------


def test_graph_writes_valid_svg(tmp_path: Path) -> None:
    out = tmp_path / "p.svg"
    result = invoke("graph", "minimal", "--out", out)
    assert result.exit_code == 0
    assert result.stdout == f"wrote {out} (7 agencies, 11 pathways)\n"
    root = ET.fromstring(out.read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for agency in load_scenario("minimal").agencies.values():
        assert agency.label.split()[0] in texts
    again = tmp_path / "q.svg"
    invoke("graph", "minimal", "--out", again)
    assert out.read_bytes() == again.read_bytes()


def test_graph_to_stdout_and_default_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke("graph", "jackson", "--out", "-")
    assert result.stdout.startswith("<?xml") and result.stdout.rstrip().endswith("</svg>")
    monkeypatch.chdir(tmp_path)
    assert invoke("graph", "jackson").exit_code == 0
    assert (tmp_path / "jackson-partnership.svg").read_text() == result.stdout


def test_graph_mistakes(tmp_path: Path) -> None:
    result = invoke("graph", "minimal", "--out", tmp_path / "no" / "such" / "p.svg")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = invoke("graph", "minimal", "--out", tmp_path)
    assert result.exit_code == 2 and "is a folder" in result.stderr
    assert list(tmp_path.iterdir()) == []
