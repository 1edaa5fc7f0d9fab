"""The facilitator's tab without a browser: the form to the command's options, the error
lines, the same pack as ``jtai-sim mock-week``, Cancel, and the browser session's folder."""

from __future__ import annotations

import shutil
import time
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.app.packfolder import PackFolder, zip_pack
from runner.app.weekform import WeekRequest, theme_choices, week_request
from runner.app.weekrun import BackgroundWeek, error_line, run_week
from runner.cli import cli
from runner.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
NOTIFY = "2026-02-03"  # minimal's first front-door week the command-line tests use


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    """A workspace with a scenario, a case list, a team and absences in it, and a file
    outside it."""
    ws = tmp_path / "workspace"
    ws.mkdir()
    shutil.copy(ROOT / "scenarios" / "minimal.toml", ws / "mine.toml")
    shutil.copytree(ROOT / "scenarios" / "cases", ws / "cases")
    shutil.copy(ROOT / "scenarios" / "inspection" / "team-2019.toml", ws / "team.toml")
    (ws / "away.csv").write_text("who,date\ninspector:CQC 2,2026-02-18\n")
    (tmp_path / "outside.toml").write_text("name = 'Elsewhere'\n")
    return ws


def cli_line(*args: str) -> str:
    """The one error line ``jtai-sim mock-week`` prints, without its prefix."""
    result = CliRunner().invoke(cli, ["mock-week", *args], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("jtai-sim: error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0].removeprefix("jtai-sim: error: ")


def refusal(workspace: Path, **form: str) -> str:
    with pytest.raises(UserError) as caught:
        week_request(workspace, **{"source": "builtin", "scenario": "minimal", **form})
    line = caught.value.format_message()
    assert "\n" not in line and "Traceback" not in line
    return line


# ---- the form to the command's options ----------------------------------------------


def test_a_built_in_scenario_gives_the_commands_options(workspace: Path) -> None:
    request = week_request(
        workspace, source="builtin", scenario="midshire", notify=" 2025-06-03 ", seed=""
    )
    assert request == WeekRequest(
        workspace=workspace.resolve(),
        scenario="midshire",
        cases=None,
        notification=__import__("datetime").date(2025, 6, 3),
        theme="front-door",
    )
    assert request.cli_args() == [
        "mock-week", "midshire", "--notify", "2025-06-03", "--theme", "front-door",
    ]  # fmt: skip


def test_every_option_of_the_form_reaches_the_command(workspace: Path) -> None:
    request = week_request(
        workspace,
        source="file",
        scenario="midshire",  # ignored: the source is the file
        scenario_file="mine.toml",
        notify=NOTIFY,
        theme="mental-health-2019",
        seed="7",
        settings_file="team.toml",
        absences_file="./away.csv",
    )
    assert request.cli_args() == [
        "mock-week", "mine.toml", "--notify", NOTIFY, "--theme", "mental-health-2019",
        "--seed", "7", "--settings", "team.toml", "--absences", "away.csv",
    ]  # fmt: skip
    cases = week_request(workspace, source="cases", cases="cases", notify="2025-06-03")
    assert cases.scenario is None
    assert cases.cli_args()[:3] == ["mock-week", "--cases", "cases"]


def test_the_theme_list_is_the_commands() -> None:
    from jtai_sim.inspection.theme import theme_names

    choices = theme_choices()
    assert list(choices) == theme_names()
    assert choices["front-door"].startswith("front-door: ")


# ---- one line for each mistake, the command's own ---------------------------------------


@pytest.mark.parametrize("date", ["2025-13-01", "next Tuesday", ""])
def test_a_bad_date_is_the_commands_line(workspace: Path, date: str) -> None:
    assert refusal(workspace, notify=date) == cli_line("minimal", "--notify", date)


def test_an_unknown_theme_is_the_commands_line(workspace: Path) -> None:
    line = refusal(workspace, notify=NOTIFY, theme="front-dor")
    assert line == cli_line("minimal", "--notify", NOTIFY, "--theme", "front-dor")
    assert "did you mean 'front-door'" in line


def test_a_theme_is_never_read_from_a_path(workspace: Path) -> None:
    line = refusal(workspace, notify=NOTIFY, theme="../outside.toml")
    assert "unknown theme" in line


@pytest.mark.parametrize(
    "field", ["scenario_file", "cases", "settings_file", "absences_file"]
)  # fmt: skip
@pytest.mark.parametrize("path", ["../outside.toml", "/etc/passwd", "~/x.toml"])
def test_a_path_outside_the_workspace_is_refused(workspace: Path, field: str, path: str) -> None:
    source = {"scenario_file": "file", "cases": "cases"}.get(field, "builtin")
    line = refusal(workspace, source=source, notify=NOTIFY, **{field: path})
    assert "outside the workspace" in line


def test_a_link_out_of_the_workspace_is_refused(workspace: Path) -> None:
    (workspace / "link.toml").symlink_to(workspace.parent / "outside.toml")
    line = refusal(workspace, source="file", scenario_file="link.toml", notify=NOTIFY)
    assert line.startswith("link.toml: outside the workspace")


def test_a_broken_settings_or_absence_file_is_the_commands_line(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (workspace / "team.toml").write_text('[[team]]\nname = "A"\ninspectorate = "ofstead"\n')
    (workspace / "bad-date.csv").write_text("who,date\neveryone,18/02/2026\n")
    (workspace / "bad-who.csv").write_text("who,date\nleader:head_of_camhz,2026-02-18\n")
    monkeypatch.chdir(workspace)
    for field, file, option in [
        ("settings_file", "team.toml", "--settings"),
        ("absences_file", "bad-date.csv", "--absences"),
    ]:
        line = refusal(workspace, notify=NOTIFY, **{field: file})
        assert line == cli_line("minimal", "--notify", NOTIFY, option, file, "--out", "o")
    # a name no one on the team has shows once the week is planned, in the worker
    request = week_request(
        workspace, source="builtin", scenario="minimal", notify=NOTIFY, absences_file="bad-who.csv"
    )
    with pytest.raises(Exception) as caught:
        run_week(request, tmp_path / "pack", lambda _: None)
    expected = cli_line("minimal", "--notify", NOTIFY, "--absences", "bad-who.csv", "--out", "o")
    assert error_line(caught.value, request.workspace) == expected


def test_a_bad_seed_and_an_unknown_scenario_are_one_line(workspace: Path) -> None:
    assert (
        refusal(workspace, notify=NOTIFY, seed="soon")
        == "--seed: must be a whole number, got 'soon'"
    )
    assert "got -1" in refusal(workspace, notify=NOTIFY, seed="-1")
    assert "not a built-in scenario" in refusal(workspace, scenario="nowhere", notify=NOTIFY)
    (workspace / "broken.toml").write_text('name = "Broken"\nagencies = 3\n')
    assert "broken.toml" in refusal(
        workspace, source="file", scenario_file="broken.toml", notify=NOTIFY
    )


def test_a_broken_case_list_is_the_commands_line(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    events = workspace / "cases" / "events.csv"
    rows = [line.split(",") for line in events.read_text().splitlines()]
    drop = rows[0].index("kind")
    events.write_text("\n".join(",".join(r[:drop] + r[drop + 1 :]) for r in rows) + "\n")
    request = week_request(workspace, source="cases", cases="cases", notify="2025-06-03")
    with pytest.raises(Exception) as caught:
        run_week(request, tmp_path / "pack", lambda _: None)
    line = error_line(caught.value, request.workspace)
    monkeypatch.chdir(workspace)
    assert line == cli_line("--cases", "cases", "--notify", "2025-06-03", "--out", "o")
    assert "events.csv" in line and "\n" not in line


def test_an_unexpected_failure_is_one_line_too() -> None:
    assert error_line(RuntimeError("first\nsecond")) == "the mock week stopped: RuntimeError: first"


# ---- the same pack as the command line ------------------------------------------------


def _pack(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_same_options_give_the_commands_pack(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    request = week_request(
        workspace,
        source="file",
        scenario_file="mine.toml",
        notify=NOTIFY,
        seed="5",
        absences_file="away.csv",
    )
    steps: list[str] = []
    view = run_week(request, tmp_path / "app-pack", steps.append)
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(
        cli, [*request.cli_args(), "--out", str(tmp_path / "cli-pack"), "-q"]
    )
    assert result.exit_code == 0, result.output
    app, command = _pack(tmp_path / "app-pack"), _pack(tmp_path / "cli-pack")
    assert list(app) == list(command) == list(view.files)
    for name in app:
        assert app[name] == command[name], name
    html = command["index.html"].decode()
    for child in view.chosen:
        assert child.label in html
    assert view.headline and view.headline[0] in html  # the letter's headline
    assert [c.role for c in view.chosen].count("tracked") == len(view.cases) == len(view.audits)
    assert any(s.startswith("simulated") for s in steps) and steps[-1] == "writing the pack"


# ---- the worker, Cancel, and the browser session's folder -------------------------------


def test_cancel_ends_the_worker_at_once(workspace: Path, tmp_path: Path) -> None:
    request = week_request(workspace, source="builtin", scenario="midshire", notify="2025-06-03")
    week = BackgroundWeek(request, tmp_path / "pack")
    time.sleep(1.0)
    assert week.snapshot().state == "running"
    started = time.monotonic()
    week.cancel()
    week.join(10)
    snap = week.snapshot()
    assert snap.state == "cancelled" and snap.view is None
    assert time.monotonic() - started < 5
    assert not week._process.is_alive()
    assert not (tmp_path / "pack").exists()


def test_the_folder_serves_only_the_packs_own_files(tmp_path: Path) -> None:
    folder = PackFolder()
    assert folder.file("index.html") is None
    out = folder.next_out()
    out.mkdir()
    (out / "index.html").write_text("<p>pack</p>")
    assert folder.file("index.html") == out / "index.html"
    for name in ("../index.html", "secret.txt", "/etc/passwd", "chronology.csv"):
        assert folder.file(name) is None
    names = zipfile.ZipFile(BytesIO(zip_pack(out))).namelist()
    assert names == ["index.html"]
    second = folder.next_out()
    assert not out.exists() and second != out
    root = out.parent
    folder.remove()
    assert not root.exists()
