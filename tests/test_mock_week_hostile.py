"""``jtai-sim mock-week`` refuses hostile and careless input with one line and exit 2.

Each bad settings file, theme, absence CSV or case list is refused quickly, on one
line of stderr that names the key (or column) and the value, and ``--out`` is
never created. Names with control characters or spreadsheet formulas are written
safely (the drawing's test shows the SVG side).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result

from jtai_sim.inspection.cases_csv import MAX_FILE_BYTES, load_case_list, write_case_list
from runner.cli import cli
from runner.mockweek.absences import read_absences
from runner.mockweek.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = str(ROOT / "scenarios" / "minimal.toml")
CASES = ROOT / "scenarios" / "cases"
NOTIFY = "2026-02-03"
CASES_NOTIFY = "2025-11-04"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["mock-week", *args], catch_exceptions=False)


def refused(out: Path, *args: str) -> str:
    """The one error line of a run that must be refused, checked: exit 2, one line on
    stderr, no traceback, ``out`` not created, and all of it within 15 seconds."""
    began = time.monotonic()
    result = run(*args, "--out", str(out), "-q")
    assert time.monotonic() - began < 15
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jtai-sim: error: ")
    assert "Traceback" not in result.output
    assert not out.exists()
    return lines[0]


# ---------------------------------------------------------------- settings files


@pytest.mark.parametrize(
    ("toml", "key", "value"),
    [
        ("[offsets]\non_site_days = 50\n", "offsets.on_site_days", "got 50"),
        ("[offsets]\non_site_day = 1000000000\n", "offsets.on_site_day", "got 1000000000"),
        ("[offsets]\nlists_due_day = 1000000000\n", "offsets.lists_due_day", "got 1000000000"),
        ("[offsets]\naudits_due_day = 99\n", "offsets.audits_due_day", "got 99"),
        ("[offsets]\ndraft_letter_after = 1000000000\n", "offsets.draft_letter_after", "got"),
        ("[offsets]\npublication_after = 10000\n", "offsets.publication_after", "got 10000"),
        (
            "[offsets]\naction_statement_after = 10000\n",
            "offsets.action_statement_after",
            "got 10000",
        ),
        ("[solver]\ndeterministic_time = 0\n", "solver.deterministic_time", "got 0"),
        ("[solver]\ndeterministic_time = -1.0\n", "solver.deterministic_time", "got -1"),
        ("[solver]\ndeterministic_time = inf\n", "solver.deterministic_time", "got inf"),
        ("[solver]\ndeterministic_time = nan\n", "solver.deterministic_time", "got nan"),
        ("[solver]\ndeterministic_time = 1e300\n", "solver.deterministic_time", "got 1e+300"),
        ("[solver]\nrelative_gap = nan\n", "solver.relative_gap", "got nan"),
        ("[solver]\nrelative_gap = -0.5\n", "solver.relative_gap", "got -0.5"),
        ("[solver]\nrandom_seed = 2147483648\n", "solver.random_seed", "got 2147483648"),
        ("[solver]\nrandom_seed = -1\n", "solver.random_seed", "got -1"),
        ("[day]\nsession_minutes = 100000\n", "day.session_minutes", "got 100000"),
        ("[day]\ninspector_limit = 1000\n", "day.inspector_limit", "got 1000"),
        ("[day]\npractitioner_limit = 0\n", "day.practitioner_limit", "got 0"),
        ("tracked = 1000000\n", "tracked", "got 1000000"),
        ("sample = 1000000\n", "sample", "got 1000000"),
        ("reads_per_session = 1000\n", "reads_per_session", "got 1000"),
        ("sessions_per_audit_lead = 1000\n", "sessions_per_audit_lead", "got 1000"),
        ("observe = 1000\n", "observe", "got 1000"),
        ("child_conversation_age = 99\n", "child_conversation_age", "got 99"),
        (
            "rooms = [" + ", ".join(f'"Room {n}"' for n in range(21)) + "]\n",
            "rooms",
            "holds 21 entries",
        ),
        (
            "".join(f'[[team]]\nname = "I{n}"\ninspectorate = "cqc"\n' for n in range(21)),
            "team",
            "holds 21 entries",
        ),
        (
            '[[standing]]\ntitle = "x"\ninspectorates = ["hmicfrs"]\ndays = [7]\n',
            "standing[0].days",
            "got 7",
        ),
    ],
)
def test_a_settings_value_out_of_range_is_one_line(
    tmp_path: Path, toml: str, key: str, value: str
) -> None:
    settings = tmp_path / "s.toml"
    settings.write_text(toml, encoding="utf-8")
    out = tmp_path / "out"
    line = refused(out, MINIMAL, "--notify", NOTIFY, "--settings", str(settings))
    assert f"{settings}:" in line
    assert f": {key}: " in line
    assert value in line


def test_the_published_shape_is_inside_every_range(tmp_path: Path) -> None:
    """The bounds refuse nothing the published timeline or team needs."""
    settings = tmp_path / "s.toml"
    settings.write_text(
        "[offsets]\non_site_day = 10\non_site_days = 5\ndraft_letter_after = 15\n"
        "publication_after = 30\naction_statement_after = 70\n"
        "[solver]\nrandom_seed = 2147483647\ndeterministic_time = 600\n",
        encoding="utf-8",
    )
    loaded = load_settings(settings)
    assert loaded.offsets.on_site_days == 5
    assert loaded.solver.random_seed == 2**31 - 1


def test_a_settings_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    settings = tmp_path / "s.toml"
    settings.write_bytes(b"\xef\xbb\xbftracked = 5\n")
    assert load_settings(settings).tracked == 5


@pytest.mark.parametrize("option", ["--settings", "--absences", "--theme"])
def test_a_device_or_a_folder_is_refused_before_it_is_read(tmp_path: Path, option: str) -> None:
    for path, words in (("/dev/zero", "is a character device"), (str(tmp_path), "is a folder")):
        line = refused(tmp_path / "out", MINIMAL, "--notify", NOTIFY, option, path)
        assert f"{path}: {words}" in line


@pytest.mark.parametrize(
    ("option", "name"),
    [("--settings", "s.toml"), ("--absences", "a.csv"), ("--theme", "t.toml")],
)
def test_a_file_too_large_is_refused_before_it_is_read(
    tmp_path: Path, option: str, name: str
) -> None:
    big = tmp_path / name
    with big.open("wb") as handle:
        handle.truncate(2**20 + 1)  # sparse: the size is checked, not the bytes
    line = refused(tmp_path / "out", MINIMAL, "--notify", NOTIFY, option, str(big))
    assert f"{big}: is larger than the " in line and "got 1,048,577 bytes" in line


def test_a_theme_value_out_of_range_is_one_line(tmp_path: Path) -> None:
    text = (ROOT / "jtai_sim" / "data" / "themes" / "front-door.toml").read_text("utf-8")
    theme = tmp_path / "t.toml"
    theme.write_text(text.replace("draws = ", "draws = 1000 # was ", 1), encoding="utf-8")
    assert theme.read_text("utf-8") != text, "the theme has a draws key to change"
    line = refused(tmp_path / "out", MINIMAL, "--notify", NOTIFY, "--theme", str(theme))
    assert "draws: must be at most 20 (beyond any published letter's lists), got 1000" in line
    week = tmp_path / "w.toml"
    spoilt = text.replace("[week]\ntracked = 6\nsample = 40\n", "[week]\nsample = 100000\n")
    assert spoilt != text, "the theme's [week] sets the sample"
    week.write_text(spoilt, encoding="utf-8")
    line = refused(tmp_path / "out", MINIMAL, "--notify", NOTIFY, "--theme", str(week))
    assert (
        "week.sample: must be at most 200 (our bound: more records than a team can read), "
        + "got 100000"
    ) in line


# ---------------------------------------------------------------- absence files


@pytest.mark.parametrize(
    ("rows", "key", "value"),
    [
        ("who,date\neveryone,0001-01-01\n", "date", "'0001-01-01'"),
        ("who,date,until\neveryone,2026-02-16,9999-12-31\n", "until", "'9999-12-31'"),
        ("who,date\neveryone,10000-01-01\n", "date", "'10000-01-01'"),
    ],
)
def test_an_absurd_absence_date_is_one_line(
    tmp_path: Path, rows: str, key: str, value: str
) -> None:
    absences = tmp_path / "a.csv"
    absences.write_text(rows, encoding="utf-8")
    line = refused(tmp_path / "out", MINIMAL, "--notify", NOTIFY, "--absences", str(absences))
    assert f"{absences}:2: {key}: " in line
    assert value in line


def test_an_absence_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    absences = tmp_path / "a.csv"
    absences.write_bytes(b"\xef\xbb\xbfwho,date\neveryone,2026-02-16\n")
    rows = read_absences(absences)
    assert [(r.who, r.first.isoformat()) for r in rows] == [("everyone", "2026-02-16")]


# ---------------------------------------------------------------- case lists


def case_list(tmp_path: Path) -> Path:
    """A copy of the shipped case list to spoil."""
    folder = tmp_path / "cases"
    shutil.copytree(CASES, folder)
    return folder


def replace_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set ``column`` of data row ``row`` (1 is the first after the header)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[row - 1][column] = value
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def cases_refused(tmp_path: Path, folder: Path) -> str:
    return refused(tmp_path / "out", "--cases", str(folder), "--notify", CASES_NOTIFY)


def test_a_cell_over_the_csv_modules_limit_names_file_row_and_column(tmp_path: Path) -> None:
    folder = case_list(tmp_path)
    replace_cell(folder / "events.csv", 3, "detail", "x" * 200_000)
    line = cases_refused(tmp_path, folder)
    assert f"{folder / 'events.csv'}:4: column detail: is 200,000 characters long" in line
    assert "'xxxxxxxx" in line
    assert len(line) < 300


def test_a_case_list_file_that_is_a_device_or_too_large_is_refused(tmp_path: Path) -> None:
    folder = case_list(tmp_path)
    events = folder / "events.csv"
    events.unlink()
    events.symlink_to("/dev/zero")
    line = cases_refused(tmp_path, folder)
    assert f"{events}: is a character device, not a file" in line
    events.unlink()
    with events.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    line = cases_refused(tmp_path, folder)
    assert f"{events}: is larger than the {MAX_FILE_BYTES:,} bytes jtai-sim reads" in line


def test_a_birth_after_the_childs_first_event_is_refused(tmp_path: Path) -> None:
    folder = case_list(tmp_path)
    replace_cell(folder / "children.csv", 1, "date_of_birth", "2030-01-01")
    line = cases_refused(tmp_path, folder)
    assert f"{folder / 'children.csv'}:2: column date_of_birth: is after the child's first" in line
    assert "got '2030-01-01'" in line


def test_a_birth_that_makes_the_child_too_old_is_refused(tmp_path: Path) -> None:
    folder = case_list(tmp_path)
    replace_cell(folder / "children.csv", 1, "date_of_birth", "1950-01-01")
    line = cases_refused(tmp_path, folder)
    assert f"{folder / 'children.csv'}:2: column date_of_birth: makes the child 74" in line
    assert "got '1950-01-01'" in line


@pytest.mark.parametrize(
    ("file", "column", "value"),
    [
        ("events.csv", "date", "1850-01-01"),
        ("events.csv", "date", "2300-01-01 10:00"),
        ("children.csv", "date_of_birth", "1850-01-01"),
    ],
)
def test_a_date_outside_1900_to_2200_is_refused(
    tmp_path: Path, file: str, column: str, value: str
) -> None:
    folder = case_list(tmp_path)
    replace_cell(folder / file, 2, column, value)
    line = cases_refused(tmp_path, folder)
    assert f"{folder / file}:3: column {column}: must fall in the years 1900 to 2200" in line
    assert repr(value) in line


def test_an_end_before_its_start_is_refused(tmp_path: Path) -> None:
    folder = case_list(tmp_path)
    # data row 4 is police's end for MS004375 at 04:35; its start (row 3) is at 00:07
    replace_cell(folder / "events.csv", 4, "date", "2024-04-14 10:00")
    line = cases_refused(tmp_path, folder)
    assert f"{folder / 'events.csv'}:5: column date: an end at 'police' before" in line
    assert "got 2024-04-14" in line


def test_a_negative_duration_is_refused(tmp_path: Path) -> None:
    folder = case_list(tmp_path)
    replace_cell(folder / "events.csv", 4, "value", "-3")
    line = cases_refused(tmp_path, folder)
    assert f"{folder / 'events.csv'}:5: column value: must be 0 or more" in line
    assert "got '-3'" in line


def test_the_case_list_writer_writes_formulas_as_text(tmp_path: Path) -> None:
    book = load_case_list(CASES)
    evil = '=HYPERLINK("http://x","y")'
    children = book.children.copy()
    children.loc[0, "label"] = evil
    children.loc[1, "reference"] = "+cmd"
    agencies = dict(book.agencies)
    police = agencies["police"]
    agencies["police"] = attrs.evolve(police, label="@SUM(A1)")
    spoilt = attrs.evolve(book, children=children, agencies=agencies)
    folder = write_case_list(spoilt, tmp_path / "written")
    with (folder / "children.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["name"] == "'" + evil
    assert rows[1]["child"] == "'+cmd"
    assert not any(v.startswith(("=", "+", "@")) for row in rows for v in row.values())
    with (folder / "agencies.csv").open(encoding="utf-8", newline="") as handle:
        labels = {r["agency"]: r["label"] for r in csv.DictReader(handle)}
    assert labels["police"] == "'@SUM(A1)"
    again = load_case_list(folder)
    assert again.children["label"].iloc[0] == evil
    assert again.children["reference"].iloc[1] == "+cmd"
    assert again.agencies["police"].label == "@SUM(A1)"


# ---------------------------------------------------------------- control characters


def test_a_pack_has_no_raw_control_characters(tmp_path: Path) -> None:
    folder = case_list(tmp_path)
    for row in range(1, 49):
        replace_cell(folder / "children.csv", row, "name", f"Child\x1b[31m{row}\x01")
    replace_cell(folder / "agencies.csv", 1, "label", "Pol\x07i\x0bce")
    out = tmp_path / "out"
    # names show only with --real-ids (by default a pack names children by pseudonyms)
    result = run(
        "--cases", str(folder), "--notify", CASES_NOTIFY, "--out", str(out), "-q", "--real-ids"
    )
    assert result.exit_code == 0, result.output
    for name in ("index.html", "pack.md"):
        text = (out / name).read_text(encoding="utf-8")
        unfit = sorted({hex(ord(c)) for c in text if ord(c) < 32 and c not in "\t\n\r"})
        assert unfit == [], name
        assert "Child\\x1b" in text, f"{name} shows the escape, not the character"
    assert "Pol\\x07i\\x0bce" in (out / "index.html").read_text(encoding="utf-8")
    assert os.path.isfile(out / "children-list.csv")
