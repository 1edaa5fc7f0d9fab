"""Annex A lists: a simulated area round-trips, and every kind of bad file is named by
row, column and value."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.errors import RecordsError
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.cases_csv import assemble_casebook
from jtai_sim.inspection.model import CaseBook
from jtai_sim.records import tables
from jtai_sim.records.annex_a import CARRIED, detect_annex_a, read_annex_a, write_annex_a
from jtai_sim.records.annex_a_lists import as_recorded
from jtai_sim.records.problems import MAX_LISTED, Problems
from jtai_sim.records.recorded import facts


@pytest.fixture(scope="module")
def midshire() -> CaseBook:
    return casebook_from_run(simulate(load_scenario("scenarios/midshire.toml"), seed=3, days=300))


def _expected(book: CaseBook) -> pd.DataFrame:
    """The facts of ``book`` as the lists hold them: a contact's source as its code's kind."""
    f = facts(book, CARRIED)
    at_door = f["agency_kind"] == "front_door"
    f.loc[at_door, "other_kind"] = f.loc[at_door, "other_kind"].map(as_recorded)
    return f.sort_values(list(f.columns), kind="stable").reset_index(drop=True)


def _back(folder: Path | str, **kw: object) -> CaseBook:
    r = read_annex_a(folder, **kw)  # type: ignore[arg-type]
    return assemble_casebook(r.children, r.events, r.agencies, source="Annex A")


@pytest.fixture(scope="module")
def written(midshire: CaseBook, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The lists of ``midshire`` at the default seed, written once for the tests that
    only read them."""
    return write_annex_a(midshire, tmp_path_factory.mktemp("annex_a"))


def test_a_simulated_area_round_trips(midshire: CaseBook, written: list[Path]) -> None:
    assert [p.name.split(" - ")[0] for p in written] == [f"List {n}" for n in range(1, 9)]
    back = _back(written[0].parent)
    pd.testing.assert_frame_equal(facts(back, CARRIED), _expected(midshire))
    # every list holds rows, and the clocks the lists can measure are there
    assert {k for k, _ in CARRIED.events} <= {a.kind for a in back.agencies.values()}
    assert {"assessment_45wd", "icpc_15wd"} <= set(back.clocks)


def test_writing_is_byte_identical(midshire: CaseBook, tmp_path: Path) -> None:
    a = [p.read_bytes() for p in write_annex_a(midshire, tmp_path / "a", seed=4)]
    b = [p.read_bytes() for p in write_annex_a(midshire, tmp_path / "b", seed=4)]
    assert a == b


def test_ages_and_dates_of_birth_agree(midshire: CaseBook, written: list[Path]) -> None:
    kids = read_annex_a(written[0].parent).children.set_index("reference")
    sim = midshire.children.set_index(midshire.children["reference"].astype(str))
    born = kids["dob"]
    arrived = sim.loc[born.index, "arrived_date"]
    age = [
        a.year - b.year - ((a.month, a.day) < (b.month, b.day))
        for a, b in zip(pd.to_datetime(arrived).dt.date, born, strict=True)
    ]
    # a drawn date of birth gives exactly the simulated age on arrival
    diff = pd.Series(age, index=born.index) - sim.loc[born.index, "age"]
    assert set(diff) == {0}


#: rows of each list a workbook test writes into its sheets
WORKBOOK_ROWS = 1500


def keep_first_rows(path: Path, rows: int) -> None:
    """Cut a written list to its header and first ``rows`` rows."""
    with path.open(newline="", encoding="utf-8") as fh:
        kept = list(itertools.islice(csv.reader(fh), rows + 1))
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(kept)


def test_a_workbook_reads_as_the_csv_files_do(midshire: CaseBook, tmp_path: Path) -> None:
    csvs = write_annex_a(midshire, tmp_path / "csv")
    for path in csvs:  # reading a sheet is what is tested, not a big one
        keep_first_rows(path, WORKBOOK_ROWS)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for path in csvs:
        sheet = book.create_sheet(path.stem.split(" - ")[0])  # "List 1"
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                sheet.append(row)
    (tmp_path / "xlsx").mkdir()
    book.save(tmp_path / "xlsx" / "Annex A.xlsx")
    assert len(detect_annex_a(tmp_path / "xlsx")) == 8
    pd.testing.assert_frame_equal(
        facts(_back(tmp_path / "xlsx" / "Annex A.xlsx"), CARRIED),
        facts(_back(tmp_path / "csv"), CARRIED),
    )


def test_a_list_is_told_by_its_name_when_its_header_cannot_tell(tmp_path: Path) -> None:
    # an early help list without the organisation column, and spelt as an export spells it
    _write(
        tmp_path / "List 2 - Early help.csv",
        ["CHILD_UNIQUE_ID", "gender", "DOB", "Early Help Start Date", "Early help end date"],
        [["E1", "b) Female", "2015-03-02", "01/04/2024", "30/06/2024"]],
    )
    back = _back(tmp_path)
    assert list(back.events["kind"].astype(str)) == ["start", "end"]
    assert bool(back.children["female"].iat[0])


def test_other_folders_files_are_left_alone(tmp_path: Path) -> None:
    _contacts(
        tmp_path / "List 1.csv", [["C1", "Male", "WBRI", "01/01/2015", "", "01/04/2024", "6"]]
    )
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    (tmp_path / "episodes.csv").write_text("CHILD,DECOM\n1,01/04/2024\n")
    assert [s.number for s, _, _ in detect_annex_a(tmp_path)] == [1]


def test_codes_are_read_in_the_forms_exports_write(tmp_path: Path) -> None:
    _contacts(
        tmp_path / "contacts.csv",
        [
            [
                "C1",
                "a) Male",
                "WBRI - White British",
                "01/01/2015",
                "",
                "01/04/2024",
                "q) 6: Police",
            ],
            ["C2", "F", "Caribbean", "", "9", "02/04/2024", "Schools"],
            ["C3", "2", "", "2010-05-06", "", "2024-04-03", "a) 1A: Individual"],
        ],
    )
    r = read_annex_a(tmp_path)
    kids = r.children.set_index("reference")
    assert kids.loc["C1", "ethnicity"] == "White" and kids.loc["C2", "ethnicity"] == "Black"
    assert kids.loc["C3", "ethnicity"] == "Not recorded"
    assert list(kids["female"]) == [False, True, True]
    assert kids.loc["C2", "age_given"] == 9
    assert list(r.events["other_key"]) == ["police", "school", ""]
    assert list(r.events["origin"]) == ["referral", "referral", "new"]


# ------------------------------------------------------------------ bad files, one kind each

CONTACT_HEADER = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Date of Contact",
    "Contact Source",
]
GOOD = ["C1", "Male", "WBRI", "01/01/2015", "", "01/04/2024", "6"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _contacts(path: Path, rows: list[list[str]]) -> Path:
    return _write(path, CONTACT_HEADER, rows)


ASSESS_HEADER = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "Continuous Assessment Start Date",
    "Continuous Assessment Date of Authorisation",
]


def _assessments(path: Path, rows: list[list[str]]) -> Path:
    return _write(path, ASSESS_HEADER, rows)


def _mistakes(folder: Path, **kw: object) -> list[str]:
    with pytest.raises(RecordsError) as err:
        read_annex_a(folder, **kw)  # type: ignore[arg-type]
    return list(err.value.lines)


def _one(cell: int, value: str, tmp_path: Path) -> list[str]:
    row = list(GOOD)
    row[cell] = value
    if cell == 3:  # a child born after their contact: another child than row 2's
        row[0] = "C2"
    f = _contacts(tmp_path / "contacts.csv", [GOOD, row])
    return [line.replace(str(f), "F") for line in _mistakes(tmp_path)]


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        (
            5,
            "2024/13/45",
            "F:3: column Date of Contact: must be a date DD/MM/YYYY, got '2024/13/45'",
        ),
        (
            5,
            "31/02/2024",
            "F:3: column Date of Contact: must be a date DD/MM/YYYY, got '31/02/2024'",
        ),
        (5, "01/04/1850", "F:3: column Date of Contact: must fall in the years 1900 to 2200, got"),
        (5, "", "F:3: column Date of Contact: is empty (a date is needed)"),
        (0, "", "F:3: column Child Unique ID: is empty"),
        (1, "Boy?", "F:3: column Gender: unknown gender"),
        (2, "XXXX", "F:3: column Ethnicity: unknown ethnicity code"),
        (6, "Carrier pigeon", "F:3: column Contact Source: unknown source; use a children in need"),
        (6, "", "F:3: column Contact Source: is empty (a source is needed)"),
        (4, "-3", "F:3: column Age of Child (Years): must be 0 or more, got '-3'"),
        (4, "7.5", "F:3: column Age of Child (Years): must be a whole number, got '7.5'"),
        (4, "40", "F:3: column Age of Child (Years): must be 25 or less, got '40'"),
        (
            3,
            "01/05/2024",
            "F:3: column Date of Contact: is before the child's date of birth (01/05/2024), "
            "got 01/04/2024",
        ),
    ],
)
def test_a_bad_cell_is_named_by_row_column_and_value(
    cell: int, value: str, expected: str, tmp_path: Path
) -> None:
    lines = _one(cell, value, tmp_path)
    assert any(line.startswith(expected) for line in lines), lines


def test_a_missing_column_is_named_with_a_likely_misspelling(tmp_path: Path) -> None:
    header = [h if h != "Contact Source" else "Contact Sauce" for h in CONTACT_HEADER]
    f = _write(tmp_path / "List 1.csv", header, [GOOD])
    assert _mistakes(tmp_path) == [
        f"{f}:1: missing column 'Contact Source' (is 'Contact Sauce' meant to be it?)"
    ]


def test_an_end_before_its_start(tmp_path: Path) -> None:
    f = _assessments(
        tmp_path / "a.csv",
        [["A1", "Male", "WBRI", "01/01/2015", "", "No", "10/04/2024", "09/04/2024"]],
    )
    assert _mistakes(tmp_path) == [
        f"{f}:2: column Continuous Assessment Date of Authorisation: is before Continuous "
        "Assessment Start Date (10/04/2024), got '09/04/2024'"
    ]


def test_two_episodes_starting_on_one_day_are_both_read(tmp_path: Path) -> None:
    # two agencies can refer one child to a service on one day: both rows are kept
    row = ["A1", "Male", "WBRI", "01/01/2015", "", "No", "10/04/2024", ""]
    _assessments(tmp_path / "a.csv", [row, row])
    assert list(read_annex_a(tmp_path).events["kind"]) == [3, 3]


def test_a_date_after_the_lists_were_produced(tmp_path: Path) -> None:
    f = _contacts(tmp_path / "c.csv", [GOOD])
    assert _mistakes(tmp_path, until=dt.date(2024, 3, 31)) == [
        f"{f}:2: column Date of Contact: is after the date the lists were produced "
        "(31/03/2024), got '01/04/2024'"
    ]


def test_a_date_of_birth_that_differs_between_lists(tmp_path: Path) -> None:
    c = _contacts(tmp_path / "c.csv", [GOOD])
    a = _assessments(
        tmp_path / "a.csv", [["C1", "Male", "WBRI", "02/01/2015", "", "No", "10/04/2024", ""]]
    )
    assert _mistakes(tmp_path) == [
        f"{a}:2: child 'C1': date of birth 02/01/2015 differs from 01/01/2015 in {c}:2"
    ]


def test_a_child_with_neither_age_nor_date_of_birth(tmp_path: Path) -> None:
    f = _contacts(tmp_path / "c.csv", [["C9", "Male", "WBRI", "", "", "01/04/2024", "6"]])
    assert _mistakes(tmp_path) == [
        f"{f}:2: child 'C9': needs a date of birth or an age in at least one list"
    ]


def test_a_conference_before_its_enquiry(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "s47.csv",
        [
            "Child Unique ID",
            "Date of Birth",
            "Strategy discussion initiating Section 47 Enquiry Start Date",
            "Date of Initial Child Protection Conference",
        ],
        [["S1", "01/01/2015", "10/04/2024", "01/04/2024"]],
    )
    assert _mistakes(tmp_path) == [
        f"{f}:2: column Date of Initial Child Protection Conference: is before Strategy "
        "discussion initiating Section 47 Enquiry Start Date (10/04/2024), got '01/04/2024'"
    ]


def test_a_yes_no_column_with_another_word(tmp_path: Path) -> None:
    f = _assessments(
        tmp_path / "a.csv",
        [["A1", "Male", "WBRI", "01/01/2015", "", "Sometimes", "10/04/2024", ""]],
    )
    (line,) = _mistakes(tmp_path)
    assert line.startswith(
        f"{f}:2: column Does the Child have a Disability: unknown yes or no"
    ) and line.endswith("got 'Sometimes'")


def test_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "List 1.csv").write_text("")
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(RecordsError, match="holds no Annex A list"):
        read_annex_a(tmp_path / "List 1.csv")


def test_a_workbook_that_is_not_a_workbook(tmp_path: Path) -> None:
    (tmp_path / "Annex A.xlsx").write_text("Child Unique ID,Date of Contact\n")
    with pytest.raises(RecordsError, match=r"Annex A.xlsx: is not an Excel workbook"):
        read_annex_a(tmp_path)


def test_a_file_in_windows_1252_is_read(tmp_path: Path) -> None:
    header = ",".join(CONTACT_HEADER)
    (tmp_path / "c.csv").write_bytes(
        f"{header}\nZo\xeb1,Female,WBRI,01/01/2015,,01/04/2024,6\n".encode("cp1252")
    )
    assert list(read_annex_a(tmp_path).children["reference"]) == ["Zoë1"]


def test_a_file_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = _contacts(tmp_path / "c.csv", [GOOD] * 20)
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 100)
    (line,) = _mistakes(tmp_path)
    assert (
        line == f"{f}: is larger than the 100 bytes jtai-sim reads from a CSV file, got 880 bytes"
    )


def test_a_row_with_more_cells_than_the_header(tmp_path: Path) -> None:
    f = _contacts(tmp_path / "c.csv", [GOOD, [*GOOD, "stray"]])
    assert _mistakes(tmp_path) == [f"{f}:3: has more values than the header has columns (7)"]


def test_a_folder_with_no_lists(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n")
    (line,) = _mistakes(tmp_path)
    assert line.startswith(f"{tmp_path}: holds no Annex A list")


def test_every_mistake_in_every_file_is_listed_together(tmp_path: Path) -> None:
    c = _contacts(
        tmp_path / "c.csv",
        [
            ["C1", "Male", "WBRI", "01/01/2015", "", "31/02/2024", "6"],
            ["", "Male", "WBRI", "01/01/2015", "", "01/04/2024", "Pigeon"],
        ],
    )
    a = _assessments(
        tmp_path / "a.csv", [["A1", "Male", "WBRX", "01/01/2015", "", "No", "10/04/2024", "x"]]
    )
    lines = _mistakes(tmp_path)
    assert [line.split(": ")[0] + ": " + line.split(": ")[1] for line in lines] == [
        f"{a}:2: column Ethnicity",
        f"{a}:2: column Continuous Assessment Date of Authorisation",
        f"{c}:2: column Date of Contact",
        f"{c}:3: column Child Unique ID",
        f"{c}:3: column Contact Source",
    ]


def test_a_file_with_many_mistakes_lists_the_first_ones_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    bad = ["C1", "Male", "WBRI", "01/01/2015", "", "not a date", "6"]
    _contacts(tmp_path / "c.csv", [bad] * (MAX_LISTED + 7))
    lines = _mistakes(tmp_path)
    assert len(lines) == MAX_LISTED + 1
    assert lines[-1].endswith(f"and 7 more mistakes like these (the first {MAX_LISTED} are listed)")


def test_a_missing_sheet_is_named(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "List 1"
    book.active.append(CONTACT_HEADER)
    book.save(tmp_path / "a.xlsx")
    with pytest.raises(RecordsError, match=r"has no sheet 'List 9' \(its sheets: 'List 1'\)"):
        tables.read_table(tmp_path / "a.xlsx", (), Problems("a.xlsx"), sheet="List 9")


def test_a_run_writes_lists_a_mock_week_and_learn_then_read(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from runner.cli import cli

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    out = tmp_path / "run"
    invoke(
        "run",
        "scenarios/midshire.toml",
        "--days",
        "120",
        "--export",
        "annex-a,xes",
        "--out",
        str(out),
    )
    assert len(list((out / "annex_a").glob("List *.csv"))) == 8
    assert (out / "events.xes").exists()
    week = invoke(
        "mock-week",
        "--cases",
        str(out / "annex_a"),
        "--notify",
        "2024-07-09",
        "--out",
        str(tmp_path / "week"),
        "-q",
    )
    assert "6 tracked" in week
    learned = invoke("learn", str(out / "annex_a"), "--out", str(tmp_path / "s.toml"))
    assert "1 demand streams" in learned


def test_the_example_lists_read() -> None:
    book = _back(Path("scenarios/records/annex_a"))
    assert {a.kind for a in book.agencies.values()} >= {k for k, _ in CARRIED.events}
    assert book.children["reference"].str.startswith("MS").all()


def test_a_list_with_a_header_and_no_rows_is_read(tmp_path: Path) -> None:
    _contacts(tmp_path / "c.csv", [GOOD])
    _assessments(tmp_path / "a.csv", [])
    assert len(read_annex_a(tmp_path).events) == 1
