"""CAMHS referral extract: a simulated area round-trips, the extract is told from the other
formats, and every kind of bad file is named by row, column and value."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_records_annex_a import WORKBOOK_ROWS, keep_first_rows

from jtai_sim import load_scenario, simulate
from jtai_sim.errors import RecordsError
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.cases_csv import assemble_casebook
from jtai_sim.inspection.model import CaseBook
from jtai_sim.records.annex_a import detect_annex_a, read_annex_a, write_annex_a
from jtai_sim.records.camhs_extract import (
    CARRIED,
    FILE_NAME,
    as_recorded,
    detect_camhs_extract,
    read_camhs_extract,
    write_camhs_extract,
)
from jtai_sim.records.recorded import facts
from jtai_sim.vocabulary import ExitReason


@pytest.fixture(scope="module")
def midshire() -> CaseBook:
    return casebook_from_run(simulate(load_scenario("scenarios/midshire.toml"), seed=1, days=300))


def _expected(book: CaseBook) -> pd.DataFrame:
    """The facts of ``book`` as the extract holds them: a referral's source as its code's
    kind (an arrival from the single point of access is known as such)."""
    f = facts(book, CARRIED)
    sourced = (f["kind"] == "arrive") & (f["other_kind"] != "camhs_spa")
    f.loc[sourced, "other_kind"] = f.loc[sourced, "other_kind"].map(as_recorded)
    return f.sort_values(list(f.columns), kind="stable").reset_index(drop=True)


def _back(path: Path | str, **kw: object) -> CaseBook:
    r = read_camhs_extract(path, **kw)  # type: ignore[arg-type]
    return assemble_casebook(r.children, r.events, r.agencies, source="CAMHS extract")


@pytest.fixture(scope="module")
def written(midshire: CaseBook, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extract of ``midshire`` at the default seed, written once for the tests that
    only read it."""
    (path,) = write_camhs_extract(midshire, tmp_path_factory.mktemp("camhs"))
    return path


@pytest.fixture(scope="module")
def back(written: Path) -> CaseBook:
    """That extract read back."""
    return _back(written.parent)


def test_a_simulated_area_round_trips(midshire: CaseBook, written: Path, back: CaseBook) -> None:
    assert written.name == FILE_NAME
    pd.testing.assert_frame_equal(facts(back, CARRIED), _expected(midshire))
    # every team, and every way a referral leaves triage in Midshire, is in the extract
    assert {"camhs_spa", "camhs_community", "mhst"} <= {a.kind for a in back.agencies.values()}
    handed = facts(back, CARRIED).query("kind == 'handoff'")["other_kind"]
    assert {"camhs_community", "voluntary", "neurodevelopmental"} <= set(handed)


def _exits(book: CaseBook) -> list[tuple[str, str, float]]:
    """Each discharge from community CAMHS: child, day and exit reason."""
    kinds = {k: a.kind for k, a in book.agencies.items()}
    ev = book.events
    at = ev["agency"].astype(object).map(kinds).eq("camhs_community") & ev["kind"].eq("exit")
    refs = book.children.set_index("child")["reference"].astype(str)
    days = pd.to_datetime(ev["date"][at]).dt.strftime("%Y-%m-%d")
    return sorted(zip(ev["child"][at].map(refs), days, ev["value"][at].astype(float), strict=True))


def test_discharge_reasons_round_trip(midshire: CaseBook, back: CaseBook) -> None:
    exits = _exits(back)
    assert exits == _exits(midshire)
    assert {v for _, _, v in exits} >= {float(ExitReason.LEFT), float(ExitReason.TAKEN_OFF)}


def test_writing_is_byte_identical(midshire: CaseBook, tmp_path: Path) -> None:
    (a,) = write_camhs_extract(midshire, tmp_path / "a", seed=4)
    (b,) = write_camhs_extract(midshire, tmp_path / "b", seed=4)
    assert a.read_bytes() == b.read_bytes()


def test_the_layout_is_the_annex_a_readers(midshire: CaseBook, tmp_path: Path) -> None:
    book = midshire
    write_annex_a(book, tmp_path / "annex_a")
    write_camhs_extract(book, tmp_path / "camhs")
    lists = read_annex_a(tmp_path / "annex_a")
    extract = read_camhs_extract(tmp_path / "camhs")
    for ours, theirs in ((extract.children, lists.children), (extract.events, lists.events)):
        assert list(ours.columns) == list(theirs.columns)
        for column in ours.columns:
            a, b = ours[column], theirs[column]
            if pd.api.types.is_string_dtype(b) or b.dtype == object:
                # Annex A's text columns are str or object as pandas infers them
                assert pd.api.types.is_string_dtype(a) or a.dtype == object, column
                assert {type(v) for v in a} <= {type(v) for v in b} | {str}, column
            else:
                assert a.dtype == b.dtype, column
    # the same child has the same date of birth in both (the same seed draws it)
    both = extract.children.merge(lists.children, on="reference")
    assert len(both) and (both["dob_x"] == both["dob_y"]).all()


def test_a_workbook_reads_as_the_csv_file_does(midshire: CaseBook, tmp_path: Path) -> None:
    (path,) = write_camhs_extract(midshire, tmp_path / "csv")
    keep_first_rows(path, WORKBOOK_ROWS)  # reading a sheet is what is tested
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Referrals"
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    (tmp_path / "xlsx").mkdir()
    book.save(tmp_path / "xlsx" / "CAMHS.xlsx")
    assert detect_camhs_extract(tmp_path / "xlsx") == [tmp_path / "xlsx" / "CAMHS.xlsx"]
    pd.testing.assert_frame_equal(
        facts(_back(tmp_path / "xlsx" / "CAMHS.xlsx"), CARRIED),
        facts(_back(tmp_path / "csv"), CARRIED),
    )


def test_other_formats_are_not_claimed(midshire: CaseBook, tmp_path: Path) -> None:
    write_annex_a(midshire, tmp_path)
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN\n1,1,01/01/2010,WBRI,A1\n")
    (tmp_path / "episodes.csv").write_text("CHILD,DECOM,RNE\n1,01/04/2024,S\n")
    assert detect_camhs_extract(tmp_path) == []
    write_camhs_extract(midshire, tmp_path)
    assert detect_camhs_extract(tmp_path) == [tmp_path / FILE_NAME]
    # and the Annex A reader leaves the extract alone
    assert len(detect_annex_a(tmp_path)) == 8


def test_the_example_extract_reads() -> None:
    folder = Path("scenarios/records/camhs")
    book = _back(folder)
    assert {"camhs_spa", "camhs_community"} <= {a.kind for a in book.agencies.values()}
    assert len(book.children) > 10


# ------------------------------------------------------------------ bad files, one kind each

HEADER = [
    "LocalPatientId",
    "PersonBirthDate",
    "Gender",
    "EthnicCategory",
    "ServiceRequestId",
    "ServTeamTypeRefToMH",
    "ReferralRequestReceivedDate",
    "SourceOfReferralMH",
    "TriageStartDate",
    "TriageOutcomeDate",
    "TriageOutcome",
    "FirstAttendedContactDate",
    "ServDischDate",
    "DischReason",
]
GOOD = [
    "C1",
    "01/01/2012",
    "2",
    "A",
    "SR1",
    "SPA",
    "01/04/2024",
    "A1",
    "01/04/2024",
    "03/04/2024",
    "ACCEPTED",
    "20/05/2024",
    "30/09/2024",
    "COMPLETED",
]


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _mistakes(folder: Path, **kw: object) -> list[str]:
    with pytest.raises(RecordsError) as err:
        read_camhs_extract(folder, **kw)  # type: ignore[arg-type]
    return list(err.value.lines)


def _one(column: str, value: str, tmp_path: Path, **kw: object) -> list[str]:
    """The mistakes of a file whose second row has ``value`` in ``column``."""
    row = dict(zip(HEADER, GOOD, strict=True)) | {"ServiceRequestId": "SR2"}
    row[column] = value
    f = _write(tmp_path / "camhs.csv", [GOOD, list(row.values())])
    return [line.replace(str(f), "F") for line in _mistakes(tmp_path, **kw)]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (
            "ReferralRequestReceivedDate",
            "31/02/2024",
            "F:3: column ReferralRequestReceivedDate: must be a date DD/MM/YYYY, got '31/02/2024'",
        ),
        (
            "ServDischDate",
            "2024/13/45",
            "F:3: column ServDischDate: must be a date DD/MM/YYYY, got '2024/13/45'",
        ),
        ("LocalPatientId", "", "F:3: column LocalPatientId: is empty"),
        ("ServiceRequestId", "", "F:3: column ServiceRequestId: is empty"),
        (
            "ServiceRequestId",
            "SR1",
            "F:3: column ServiceRequestId: service request 'SR1' is listed twice (first on row 2)",
        ),
        (
            "SourceOfReferralMH",
            "Z9",
            "F:3: column SourceOfReferralMH: unknown source of referral; known: A1, A2,",
        ),
        ("Gender", "Boy?", "F:3: column Gender: unknown gender; known: 0, 1, 2, 9,"),
        (
            "EthnicCategory",
            "Q",
            "F:3: column EthnicCategory: unknown ethnic category; known: 99, A, B,",
        ),
        ("ServTeamTypeRefToMH", "ADULT", "F:3: column ServTeamTypeRefToMH: unknown team type;"),
        ("TriageOutcome", "MAYBE", "F:3: column TriageOutcome: unknown triage outcome"),
        ("DischReason", "BORED", "F:3: column DischReason: unknown discharge reason"),
        (
            "PersonBirthDate",
            "02/01/2012",
            "F:3: child 'C1': date of birth 02/01/2012 differs from 01/01/2012 in F:2",
        ),
        ("Gender", "1", "F:3: child 'C1': gender male differs from female in F:2"),
        (
            "FirstAttendedContactDate",
            "01/03/2024",
            "F:3: column FirstAttendedContactDate: is before ReferralRequestReceivedDate "
            "(01/04/2024), got '01/03/2024'",
        ),
        (
            "ServDischDate",
            "31/03/2024",
            "F:3: column ServDischDate: is before ReferralRequestReceivedDate (01/04/2024), "
            "got '31/03/2024'",
        ),
        (
            "TriageOutcomeDate",
            "",
            "F:3: column TriageOutcomeDate: is empty (TriageOutcome is given)",
        ),
        ("TriageOutcome", "", "F:3: column TriageOutcome: is empty (TriageOutcomeDate is given)"),
    ],
)
def test_a_bad_cell_is_named_by_row_column_and_value(
    column: str, value: str, expected: str, tmp_path: Path
) -> None:
    lines = _one(column, value, tmp_path)
    assert len(lines) == 1 and lines[0].startswith(expected), lines


def test_a_date_before_the_childs_birth(tmp_path: Path) -> None:
    row = ["C2", "01/05/2024", *GOOD[2:4], "SR2", *GOOD[5:]]
    f = _write(tmp_path / "c.csv", [GOOD, row])
    assert _mistakes(tmp_path) == [
        f"{f}:3: column ReferralRequestReceivedDate: is before the child's date of birth "
        "(01/05/2024), got '01/04/2024'",
        f"{f}:3: column TriageStartDate: is before the child's date of birth (01/05/2024), "
        "got '01/04/2024'",
        f"{f}:3: column TriageOutcomeDate: is before the child's date of birth (01/05/2024), "
        "got '03/04/2024'",
    ]


def test_a_date_after_the_extract_was_produced(tmp_path: Path) -> None:
    f = _write(tmp_path / "c.csv", [GOOD])
    assert _mistakes(tmp_path, until=dt.date(2024, 8, 31)) == [
        f"{f}:2: column ServDischDate: is after the date the extract was produced "
        "(31/08/2024), got '30/09/2024'"
    ]


def test_a_missing_column_is_named_with_a_likely_misspelling(tmp_path: Path) -> None:
    header = [h if h != "SourceOfReferralMH" else "SourceOfReferal" for h in HEADER]
    f = _write(tmp_path / "c.csv", [GOOD], header)
    assert _mistakes(tmp_path) == [
        f"{f}:1: missing column 'SourceOfReferralMH' (is 'SourceOfReferal' meant to be it?)"
    ]


def test_a_header_only_extract_has_no_rows(tmp_path: Path) -> None:
    _write(tmp_path / "c.csv", [])
    r = read_camhs_extract(tmp_path)
    assert len(r.children) == 0 and len(r.events) == 0


def test_a_folder_with_no_extract(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n")
    (line,) = _mistakes(tmp_path)
    assert line.startswith(f"{tmp_path}: holds no CAMHS referral extract")


def test_every_mistake_in_a_file_is_listed_together(tmp_path: Path) -> None:
    bad = list(GOOD)
    bad[0], bad[2], bad[7] = "", "7", "pigeon"
    f = _write(tmp_path / "c.csv", [bad])
    heads = [line.split(": ")[0] + ": " + line.split(": ")[1] for line in _mistakes(tmp_path)]
    assert heads == [
        f"{f}:2: column LocalPatientId",
        f"{f}:2: column Gender",
        f"{f}:2: column SourceOfReferralMH",
    ]


def test_codes_are_read_in_the_forms_providers_write(tmp_path: Path) -> None:
    rows = [
        [
            "K1",
            "01/01/2012",
            "X",
            "A1",
            "R1",
            "spa",
            "2024-04-01",
            "Police",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        ["K2", "01/01/2013", "1", "Z", "R2", "MHST", "01/04/2024", "c2", "", "", "", "", "", ""],
        ["K3", "01/01/2011", "2", "R", "R3", "COMMUNITY", "01/04/2024", "", "", "", "", "", "", ""],
    ]
    _write(tmp_path / "c.csv", rows)
    r = read_camhs_extract(tmp_path)
    kids = r.children.set_index("reference")
    assert list(kids["ethnicity"]) == ["White", "Not recorded", "Asian"]
    assert list(kids["female"]) == [False, False, True]
    assert list(r.events["agency_key"]) == ["camhs_spa", "mhst", "camhs_community"]
    assert list(r.events["other_key"]) == ["police", "school", ""]
    assert list(r.events["origin"]) == ["referral", "referral", "new"]


def test_a_request_not_accepted_has_no_first_contact(tmp_path: Path) -> None:
    row = list(GOOD)
    row[10] = "CLOSED"
    f = _write(tmp_path / "c.csv", [row])
    assert _mistakes(tmp_path) == [
        f"{f}:2: column FirstAttendedContactDate: must be empty: the request was not "
        "accepted (TriageOutcome), got '20/05/2024'"
    ]


def test_a_request_to_a_team_is_not_triaged(tmp_path: Path) -> None:
    row = list(GOOD)
    row[5] = "COMMUNITY"
    f = _write(tmp_path / "c.csv", [row])
    assert _mistakes(tmp_path) == [
        f"{f}:2: column {column}: must be empty: only SPA requests are triaged, got '{value}'"
        for column, value in (
            ("TriageStartDate", "01/04/2024"),
            ("TriageOutcomeDate", "03/04/2024"),
            ("TriageOutcome", "ACCEPTED"),
        )
    ]


def test_a_request_awaiting_triage_has_no_first_contact(tmp_path: Path) -> None:
    row = [*GOOD[:9], "", "", *GOOD[11:]]
    f = _write(tmp_path / "c.csv", [row])
    assert _mistakes(tmp_path) == [
        f"{f}:2: column FirstAttendedContactDate: must be empty: the request was not "
        "accepted (TriageOutcome), got '20/05/2024'"
    ]


def test_an_area_with_no_camhs_writes_a_header_only_extract(tmp_path: Path) -> None:
    book = casebook_from_run(simulate(load_scenario("scenarios/jackson.toml"), seed=1, days=30))
    (path,) = write_camhs_extract(book, tmp_path)
    assert path.read_text().count("\n") == 1
    assert len(read_camhs_extract(tmp_path).events) == 0
