"""``jtai-sim mock-week`` end to end: the pack, determinism, and one-line errors with exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = str(ROOT / "scenarios" / "minimal.toml")
CASES = ROOT / "scenarios" / "cases"
NOTIFY = "2026-02-03"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["mock-week", *args], catch_exceptions=False)


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("jtai-sim:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_writes_the_pack_and_same_seed_gives_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    result = run(MINIMAL, "--notify", NOTIFY, "--seed", "5", "--out", str(first))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"wrote {first}: children-list.csv, chronology.csv, index.html, pack.md, people.csv, "
        "planned-meetings.csv"
    )
    assert "mock-week: timetabled" in result.stderr
    assert (
        run(MINIMAL, "--notify", NOTIFY, "--seed", "5", "--out", str(second), "-q").exit_code == 0
    )
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    other = tmp_path / "c"
    assert run(MINIMAL, "--notify", NOTIFY, "--seed", "6", "--out", str(other), "-q").exit_code == 0
    assert (other / "index.html").read_bytes() != (first / "index.html").read_bytes()


def test_refuses_a_folder_with_something_in_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    line = one_error_line(run(MINIMAL, "--notify", NOTIFY, "--out", str(out)))
    assert "--out: folder exists and is not empty (use --force to replace it)" in line
    assert (out / "keep.txt").read_text() == "mine"
    # --force replaces only the tool's own results: keep.txt is the user's
    line = one_error_line(run(MINIMAL, "--notify", NOTIFY, "--out", str(out), "--force"))
    assert "did not write (keep.txt)" in line
    assert (out / "keep.txt").read_text() == "mine"
    (out / "keep.txt").unlink()
    (out / "index.html").write_text("an older pack")
    result = run(MINIMAL, "--notify", NOTIFY, "--out", str(out), "--force", "-q")
    assert result.exit_code == 0
    assert (out / "index.html").read_text() != "an older pack"
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "no temporary folder left behind"


def test_case_list(tmp_path: Path) -> None:
    result = run("--cases", str(CASES), "--notify", "2025-06-03", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert "read" in result.stderr and "children" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--notify", "2026-02-07"], "--notify: 2026-02-07 is a Saturday, not a working day"),
        (["--notify", "2025-12-25"], "is a bank holiday"),
        (["--notify", "2024-02-06"], "--notify: 2024-02-06 is not after the scenario starts"),
        (["--notify", "3 Feb"], "--notify: must be a date (YYYY-MM-DD), got '3 Feb'"),
    ],
)
def test_bad_dates(tmp_path: Path, args: list[str], expected: str) -> None:
    line = one_error_line(run(MINIMAL, *args, "--out", str(tmp_path / "o")))
    assert expected in line
    assert not (tmp_path / "o").exists()


def test_unknown_inspectorate(tmp_path: Path) -> None:
    settings = tmp_path / "team.toml"
    settings.write_text(
        '[[team]]\nname = "A"\ninspectorate = "cqc"\n'
        '[[team]]\nname = "B"\ninspectorate = "hmicfr"\n'
    )
    line = one_error_line(
        run(MINIMAL, "--notify", NOTIFY, "--settings", str(settings), "--out", str(tmp_path / "o"))
    )
    assert line == (
        f"jtai-sim: error: {settings}:6: team[1].inspectorate: unknown "
        "inspectorate 'hmicfr' (did you mean 'hmicfrs'?)"
    )


def test_unknown_agency_kind_in_settings(tmp_path: Path) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text('[inspectorates.cqc]\nmeets = ["camhs", "gp"]\n')
    line = one_error_line(
        run(MINIMAL, "--notify", NOTIFY, "--settings", str(settings), "--out", str(tmp_path / "o"))
    )
    assert f"{settings}:2: inspectorates.cqc.meets[0]:" in line and "camhs" in line


def test_case_list_missing_a_column(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(CASES, cases)
    events = cases / "events.csv"
    rows = [line.split(",") for line in events.read_text().splitlines()]
    drop = rows[0].index("kind")
    events.write_text("\n".join(",".join(r[:drop] + r[drop + 1 :]) for r in rows) + "\n")
    line = one_error_line(
        run("--cases", str(cases), "--notify", "2025-06-03", "--out", str(tmp_path / "o"))
    )
    assert "events.csv" in line and "kind" in line


def test_bad_absences_file(tmp_path: Path) -> None:
    absences = tmp_path / "away.csv"
    absences.write_text("who,date\nleader:head_of_camhz,2026-02-18\n")
    line = one_error_line(
        run(MINIMAL, "--notify", NOTIFY, "--absences", str(absences), "--out", str(tmp_path / "o"))
    )
    assert line.endswith(
        f"{absences}:2: who: nobody called 'leader:head_of_camhz' "
        "(did you mean 'leader:head_of_camhs'?)"
    )


def test_impossible_week_is_explained_not_a_traceback(tmp_path: Path) -> None:
    settings = tmp_path / "team.toml"
    settings.write_text(
        '[[team]]\nname = "Ofsted 1"\ninspectorate = "ofsted_social_care"\nlead = true\n'
        '[[team]]\nname = "CQC 1"\ninspectorate = "cqc"\n'
        '[[team]]\nname = "Police 1"\ninspectorate = "hmicfrs"\n'
        '[[team]]\nname = "Schools 1"\ninspectorate = "ofsted_schools"\n'
    )
    absences = tmp_path / "away.csv"
    absences.write_text(
        "who,date,note\neveryone,2026-02-17,Tuesday: a training day\n"
        "everyone,2026-02-18,Wednesday: a training day\n"
        "everyone,2026-02-19,Thursday: a training day\n"
    )
    out = tmp_path / "o"
    result = run(
        MINIMAL,
        "--notify",
        NOTIFY,
        "--settings",
        str(settings),
        "--absences",
        str(absences),
        "--out",
        str(out),
    )
    line = one_error_line(result)  # the reasons joined by semicolons
    assert line.startswith("jtai-sim: error: no timetable fits this week: ")
    assert "Wednesday" in line
    assert not out.exists()


def test_needs_a_scenario_or_cases(tmp_path: Path) -> None:
    line = one_error_line(run("--notify", NOTIFY, "--out", str(tmp_path / "o")))
    assert "give a SCENARIO" in line
    line = one_error_line(run(MINIMAL, "--cases", str(CASES), "--notify", NOTIFY))
    assert "not both" in line


def test_example_settings_files_load() -> None:
    from runner.mockweek.absences import read_absences
    from runner.mockweek.settings import default_settings, load_settings

    folder = ROOT / "scenarios" / "inspection"
    # default.toml spells out the built-in settings exactly
    assert load_settings(folder / "default.toml") == default_settings()
    team = load_settings(folder / "team-2019.toml")
    assert len(team.team) == 10 and team.tracked == 7
    rows = read_absences(folder / "absences-example.csv")
    assert [r.who for r in rows] == ["leader:head_of_camhs", "agency:police", "inspector:CQC 2"]


def test_detection_table_in_the_pack(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = run(MINIMAL, "--notify", NOTIFY, "--detect", "2", "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text()
    assert 'id="detection"' in html and "Seen by inspectors" in html
    assert "## Would the inspectors see it?" in (out / "pack.md").read_text()
    line = one_error_line(
        run(
            "--cases",
            str(CASES),
            "--notify",
            "2025-06-03",
            "--detect",
            "2",
            "--out",
            str(tmp_path / "p"),
        )
    )
    assert "--detect: needs a SCENARIO" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tracked = 20\n",
            "s.toml:1: tracked: must be at most 12 (our bound: more than a team can track "
            + "in a week), got 20",
        ),
        ("absence_rate = 1.5\n", "s.toml:1: absence_rate: must be a share between 0 and 1"),
        ("trackd = 6\n", "s.toml:1: trackd: unknown key (did you mean 'tracked'?)"),
        ('[day]\nslots = ["9am"]\n', "s.toml:2: day.slots: times must look like 09:30"),
        ('[day]\nteam_meeting = "17:00"\n', "s.toml:2: day.team_meeting: must be one of"),
        (
            '[[team]]\nname = "A"\ninspectorate = "cqc"\n[[team]]\nname = "A"\n'
            'inspectorate = "cqc"\n',
            "s.toml:5: team[1].name: two inspectors are called 'A'",
        ),
        ("[offsets]\non_site_day = 2\n", "s.toml:2: offsets.on_site_day: must be after"),
        (
            '[leaders.dcs]\ninspectorates = ["ofsted"]\n',
            "s.toml:2: leaders.dcs.inspectorates: unknown inspectorate 'ofsted'",
        ),
    ],
)
def test_settings_mistakes_are_one_located_line(tmp_path: Path, text: str, expected: str) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text(text)
    line = one_error_line(
        run(MINIMAL, "--notify", NOTIFY, "--settings", str(settings), "--out", str(tmp_path / "o"))
    )
    assert line.startswith("jtai-sim: error: " + str(tmp_path / expected.split(":")[0]))
    assert expected.split(":", 1)[1] in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "away.csv: the file is empty (expected a header: who,date)"),
        ("who,day\n", "away.csv:1: date: missing column (the header has: who, day)"),
        ("who,date,why\n", "away.csv:1: why: unknown column"),
        ("who,date\neveryone,18/02/2026\n", "away.csv:2: date: must be a date (YYYY-MM-DD)"),
        (
            "who,date,until\neveryone,2026-02-18,2026-02-17\n",
            "away.csv:2: until: is before date 2026-02-18",
        ),
        ("who,date\neveryone\n", "away.csv:2: has 1 values but the header has 2 columns"),
        ("who,date\n,2026-02-18\n", "away.csv:2: who: is empty"),
    ],
)
def test_absence_file_mistakes(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "away.csv").write_text(text)
    line = one_error_line(
        run(
            MINIMAL,
            "--notify",
            NOTIFY,
            "--absences",
            str(tmp_path / "away.csv"),
            "--out",
            str(tmp_path / "o"),
        )
    )
    assert line.startswith(f"jtai-sim: error: {tmp_path}/{expected}")


def test_force_never_replaces_a_folder_holding_the_users_files(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "settings.toml").write_text("tracked = 6\n")
    line = one_error_line(run(MINIMAL, "--notify", NOTIFY, "--out", str(out), "--force"))
    assert "did not write (settings.toml)" in line
    assert sorted(p.name for p in out.iterdir()) == ["settings.toml"]


def test_the_pack_writes_exactly_the_files_force_may_replace(tmp_path: Path) -> None:
    from runner.mockweek.pipeline import PACK_FILES

    out = tmp_path / "o"
    assert run(MINIMAL, "--notify", NOTIFY, "--out", str(out), "-q").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(PACK_FILES)
    again = run(MINIMAL, "--notify", NOTIFY, "--out", str(out), "--force", "-q")
    assert again.exit_code == 0


def test_settings_and_absence_files_may_start_with_a_byte_order_mark(tmp_path: Path) -> None:
    """As some Windows editors save them; scenarios already accept one."""
    settings = tmp_path / "s.toml"
    settings.write_bytes(b"\xef\xbb\xbftracked = 5\n")
    absences = tmp_path / "a.csv"
    absences.write_bytes(b"\xef\xbb\xbfwho,date\ninspector:CQC 1,2026-02-18\n")
    out = tmp_path / "o"
    args = ["--settings", str(settings), "--absences", str(absences), "--out", str(out), "-q"]
    result = run(MINIMAL, "--notify", NOTIFY, *args)
    assert result.exit_code == 0, result.output
    assert "(5 tracked" in result.stdout


def test_a_team_with_two_lead_inspectors_is_one_located_line(tmp_path: Path) -> None:
    settings = tmp_path / "team.toml"
    settings.write_text(
        '[[team]]\nname = "A"\ninspectorate = "ofsted_social_care"\nlead = true\n'
        '[[team]]\nname = "B"\ninspectorate = "cqc"\nlead = true\n'
    )
    line = one_error_line(
        run(MINIMAL, "--notify", NOTIFY, "--settings", str(settings), "--out", str(tmp_path / "o"))
    )
    assert f"{settings}:8: team[1].lead: only one inspector leads; 'A' is already the lead" in line


def test_a_notification_beyond_any_run_names_the_date_not_an_internal_key(tmp_path: Path) -> None:
    line = one_error_line(run(MINIMAL, "--notify", "9999-12-31", "--out", str(tmp_path / "o")))
    assert "--notify: 9999-12-31 is more than 100 years after the scenario starts" in line


def test_a_standing_meeting_after_the_last_on_site_day_is_one_located_line(
    tmp_path: Path,
) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text(
        '[[standing]]\ntitle = "MASH screening"\ninspectorates = ["hmicfrs"]\ndays = [2, 7]\n'
    )
    line = one_error_line(
        run(MINIMAL, "--notify", NOTIFY, "--settings", str(settings), "--out", str(tmp_path / "o"))
    )
    assert "standing[0].days: on-site days run from 1 to 5, got 7" in line


def test_a_pack_from_records_names_no_child_by_their_real_id(tmp_path: Path) -> None:
    import csv

    with (CASES / "children.csv").open(newline="", encoding="utf-8") as fh:
        real = [row["child"] for row in csv.DictReader(fh)]
    out = tmp_path / "o"
    result = run("--cases", str(CASES), "--notify", "2025-06-03", "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    text = "".join(
        p.read_text(encoding="utf-8")
        for p in out.rglob("*")
        if p.suffix in (".html", ".md", ".csv")
    )
    assert not [ref for ref in real if ref in text]
    shown = run(
        "--cases",
        str(CASES),
        "--notify",
        "2025-06-03",
        "--out",
        str(tmp_path / "r"),
        "-q",
        "--real-ids",
    )
    assert shown.exit_code == 0, shown.output
    text = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert any(ref in text for ref in real)
