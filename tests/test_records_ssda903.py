"""SSDA903: a simulated area's children in care round-trip through the header and
episodes files, read beside the Annex A lists, and every kind of bad return is named by
row, column and value."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.errors import RecordsError
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.cases_csv import assemble_casebook
from jtai_sim.inspection.model import CaseBook
from jtai_sim.records import annex_a
from jtai_sim.records.annex_a_lists import as_recorded
from jtai_sim.records.book import load_records
from jtai_sim.records.recorded import facts
from jtai_sim.records.ssda903 import (
    CARRIED,
    EPISODE_COLUMNS,
    detect_ssda903,
    read_ssda903,
    write_ssda903,
)


@pytest.fixture(scope="module")
def midshire() -> CaseBook:
    return casebook_from_run(simulate(load_scenario("scenarios/midshire.toml"), seed=3, days=300))


def _expected(book: CaseBook) -> pd.DataFrame:
    """The facts of ``book`` as the return holds them: two placements of a child on one
    day are one episode, the later placement (the return keys an episode by its day)."""
    f = facts(book, CARRIED)
    placed = f["kind"] == "placement"
    again = placed & f.duplicated(["reference", "date", "kind"], keep="last")
    return f[~again].reset_index(drop=True)


def _back(folder: Path | str, **kw: object) -> CaseBook:
    r = read_ssda903(folder, **kw)  # type: ignore[arg-type]
    return assemble_casebook(r.children, r.events, r.agencies, source="SSDA903")


@pytest.fixture(scope="module")
def written(midshire: CaseBook, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The return of ``midshire`` at the default seed, written once for the tests that
    only read it."""
    return write_ssda903(midshire, tmp_path_factory.mktemp("ssda903"))


@pytest.fixture(scope="module")
def back(written: list[Path]) -> CaseBook:
    """That return read back."""
    return _back(written[0].parent)


def test_a_simulated_area_round_trips(
    midshire: CaseBook, written: list[Path], back: CaseBook
) -> None:
    assert [p.name for p in written] == ["header.csv", "episodes.csv"]
    expected = _expected(midshire)
    pd.testing.assert_frame_equal(facts(back, CARRIED), expected)
    # the test means something: periods begin, end, move and leave the area
    kinds = expected["kind"].value_counts()
    assert kinds["start"] > 100 and kinds["end"] > 50 and kinds["placement"] > kinds["start"]
    assert expected.loc[expected["kind"] == "placement", "detail"].sum() > 10


def test_placement_moves_are_counted_within_each_period(written: list[Path]) -> None:
    ev = read_ssda903(written[0].parent).events.sort_values("line")
    placed = ev[ev["kind"] == 19]
    # each period's first placement is move 0 and every later one counts up by one
    period = (placed["value"] == 0).cumsum()
    assert placed["value"].tolist() == placed.groupby(period).cumcount().astype(float).tolist()
    assert (placed["value"] == 0).sum() == (ev["kind"] == 3).sum()
    assert placed["value"].max() >= 2


def test_writing_is_byte_identical(midshire: CaseBook, tmp_path: Path) -> None:
    a = [p.read_bytes() for p in write_ssda903(midshire, tmp_path / "a", seed=4)]
    b = [p.read_bytes() for p in write_ssda903(midshire, tmp_path / "b", seed=4)]
    assert a == b


def test_read_beside_the_annex_a_lists_it_takes_care_from_the_return(
    midshire: CaseBook, tmp_path: Path
) -> None:
    annex_a.write_annex_a(midshire, tmp_path, seed=5)
    write_ssda903(midshire, tmp_path, seed=5)
    book = load_records(tmp_path, pseudonymise=False)
    assert book.source == "SSDA903 return, Annex A lists"
    held = CARRIED | annex_a.CARRIED
    expected = facts(midshire, held)
    at_door = expected["agency_kind"] == "front_door"
    expected.loc[at_door, "other_kind"] = expected.loc[at_door, "other_kind"].map(as_recorded)
    placed = expected["kind"] == "placement"
    expected = expected[
        ~(placed & expected.duplicated(["reference", "date", "kind"], keep="last"))
    ].reset_index(drop=True)
    pd.testing.assert_frame_equal(facts(book, held), expected)
    # one row per child; a child in care has the disability List 8 records and the
    # return does not
    kids = book.children.set_index("reference")
    assert kids.index.is_unique
    in_care = read_ssda903(tmp_path).children["reference"]
    sim = midshire.children.set_index(midshire.children["reference"].astype(str))
    disabled = sim.loc[in_care, "disability"]
    assert disabled.any()
    assert kids.loc[in_care, "disability"].tolist() == disabled.tolist()


def test_a_date_of_birth_that_differs_from_the_lists_is_named(
    midshire: CaseBook, tmp_path: Path
) -> None:
    annex_a.write_annex_a(midshire, tmp_path, seed=5)
    write_ssda903(midshire, tmp_path, seed=6)
    with pytest.raises(RecordsError) as err:
        load_records(tmp_path, pseudonymise=False)
    assert "differs from" in err.value.lines[0]
    assert "SSDA903 return" in err.value.lines[0] and "Annex A lists" in err.value.lines[0]


def test_a_workbook_reads_as_the_csv_files_do(
    written: list[Path], back: CaseBook, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for path in written:
        sheet = book.create_sheet(path.stem)
        with path.open(newline="") as f:
            for row in csv.reader(f):
                sheet.append(row)
    book.save(tmp_path / "ssda903.xlsx")
    a = facts(back, CARRIED)
    b = facts(_back(tmp_path / "ssda903.xlsx"), CARRIED)
    pd.testing.assert_frame_equal(a, b)


def test_detection_keeps_the_formats_apart(midshire: CaseBook, tmp_path: Path) -> None:
    annex_a.write_annex_a(midshire, tmp_path)
    assert detect_ssda903(tmp_path) == []
    write_ssda903(midshire, tmp_path)
    assert [role for role, _, _ in detect_ssda903(tmp_path)] == ["episodes", "header"]
    assert {f.name for _, f, _ in annex_a.detect_annex_a(tmp_path)}.isdisjoint(
        {"header.csv", "episodes.csv"}
    )


# ---------------------------------------------------------------- bad returns

_HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
_EPISODES = [c.spellings[0] for c in EPISODE_COLUMNS]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _episode(
    child: str = "C1",
    decom: str = "01/05/2024",
    rne: str = "S",
    dec: str = "",
    rec: str = "",
    **cells: str,
) -> list[str]:
    row = dict.fromkeys(_EPISODES, "")
    row |= {"CHILD": child, "DECOM": decom, "RNE": rne, "LS": "C2", "CIN": "N1", "PLACE": "U6"}
    row |= {"DEC": dec, "REC": rec} | cells
    return [row[c] for c in _EPISODES]


def _return(
    folder: Path,
    episodes: list[list[str]],
    header: list[list[str]] | None = None,
    episode_columns: list[str] | None = None,
) -> Path:
    kids = header if header is not None else [["C1", "2", "03/02/2012", "WBRI", "", "", ""]]
    _write(folder / "header.csv", _HEADER, kids)
    _write(folder / "episodes.csv", episode_columns or _EPISODES, episodes)
    return folder


def _mistakes(folder: Path, **kw: object) -> list[str]:
    with pytest.raises(RecordsError) as err:
        read_ssda903(folder, **kw)  # type: ignore[arg-type]
    return [line.replace(str(folder) + "/", "") for line in err.value.lines]


def test_a_good_small_return_reads(tmp_path: Path) -> None:
    folder = _return(
        tmp_path,
        [
            _episode(dec="10/06/2024", rec="X1"),
            _episode(decom="10/06/2024", rne="P", dec="01/09/2024", rec="E4A", PL_LOCATION="OUT"),
            _episode(decom="01/01/2025", rne="S"),
        ],
    )
    r = read_ssda903(folder)
    ev = r.events.sort_values("line")
    assert [(int(k), str(w.date())) for k, w in zip(ev["kind"], ev["when"], strict=True)] == [
        (3, "2024-05-01"),
        (19, "2024-05-01"),
        (19, "2024-06-10"),
        (4, "2024-09-01"),
        (3, "2025-01-01"),
        (19, "2025-01-01"),
    ]
    placed = ev[ev["kind"] == 19]
    assert placed["detail"].tolist() == [0, 1, 0] and placed["value"].tolist() == [0, 1, 0]
    kids = r.children
    assert kids["female"].tolist() == [True] and kids["ethnicity"].tolist() == ["White"]
    assert kids["dob"].tolist() == [dt.date(2012, 2, 3)]


def test_a_first_episode_that_is_not_a_start_of_care_begins_the_period(tmp_path: Path) -> None:
    r = read_ssda903(_return(tmp_path, [_episode(rne="L")]))
    assert sorted(int(k) for k in r.events["kind"]) == [3, 19]


BAD_CELLS = [
    # (header row or episode cells, mistake)
    ({"DECOM": "2024-13-01"}, "episodes.csv:2: column DECOM: must be a date DD/MM/YYYY"),
    ({"DECOM": ""}, "episodes.csv:2: column DECOM: is empty (a date is needed)"),
    ({"RNE": "Q"}, "episodes.csv:2: column RNE: unknown reason for new episode"),
    ({"LS": "C9"}, "episodes.csv:2: column LS: unknown legal status"),
    ({"CIN": "N0"}, "episodes.csv:2: column CIN: unknown category of need"),
    ({"PLACE": "U9"}, "episodes.csv:2: column PLACE: unknown placement type"),
    ({"PLACE": ""}, "episodes.csv:2: column PLACE: is empty (a placement type is needed)"),
    (
        {"PLACE_PROVIDER": "PR9"},
        "episodes.csv:2: column PLACE_PROVIDER: unknown placement provider",
    ),
    (
        {"REC": "E99", "DEC": "01/06/2024"},
        "episodes.csv:2: column REC: unknown reason episode ceased",
    ),
    (
        {"REASON_PLACE_CHANGE": "BORED"},
        "episodes.csv:2: column REASON_PLACE_CHANGE: unknown reason",
    ),
    ({"PL_LOCATION": "ABROAD"}, "episodes.csv:2: column PL_LOCATION: unknown placement location"),
    ({"CHILD": ""}, "episodes.csv:2: column CHILD: is empty"),
    ({"CHILD": "C7"}, "episodes.csv:2: column CHILD: has no row in the header"),
    (
        {"DEC": "01/04/2024", "REC": "E8"},
        "episodes.csv:2: column DEC: is before DECOM (01/05/2024)",
    ),
    ({"DEC": "01/06/2024"}, "episodes.csv:2: column REC: is empty (an episode that ended needs"),
    ({"REC": "E8"}, "episodes.csv:2: column DEC: is empty (an episode with a reason ceased"),
    ({"DECOM": "01/05/2010"}, "episodes.csv:2: column DECOM: is before the child's date of birth"),
]


@pytest.mark.parametrize(("cells", "mistake"), BAD_CELLS)
def test_a_bad_episode_cell_is_named_by_row_and_column(
    cells: dict[str, str], mistake: str, tmp_path: Path
) -> None:
    lines = _mistakes(_return(tmp_path, [_episode(**cells)]))
    assert any(line.startswith(mistake) for line in lines), lines


BAD_HEADER = [
    (["C1", "3", "03/02/2012", "WBRI", "", "", ""], "header.csv:2: column SEX: unknown gender"),
    (["C1", "2", "31/02/2012", "WBRI", "", "", ""], "header.csv:2: column DOB: must be a date"),
    (
        ["C1", "2", "03/02/2012", "ZZZZ", "", "", ""],
        "header.csv:2: column ETHNIC: unknown ethnicity",
    ),
    (["C1", "", "03/02/2012", "WBRI", "", "", ""], "header.csv:2: column SEX: is empty"),
]


@pytest.mark.parametrize(("row", "mistake"), BAD_HEADER)
def test_a_bad_header_cell_is_named(row: list[str], mistake: str, tmp_path: Path) -> None:
    lines = _mistakes(_return(tmp_path, [_episode()], header=[row]))
    assert any(line.startswith(mistake) for line in lines), lines


def test_a_child_twice_in_the_header(tmp_path: Path) -> None:
    kid = ["C1", "2", "03/02/2012", "WBRI", "", "", ""]
    lines = _mistakes(_return(tmp_path, [_episode()], header=[kid, kid]))
    assert lines == ["header.csv:3: column CHILD: child 'C1' is listed twice (first on row 2)"]


def test_an_episode_twice(tmp_path: Path) -> None:
    lines = _mistakes(_return(tmp_path, [_episode(), _episode()]))
    assert lines[0] == (
        "episodes.csv:3: column CHILD: episode (child and DECOM) 'C1 01/05/2024' is listed "
        "twice (first on row 2)"
    )


@pytest.mark.parametrize(
    ("episodes", "mistake"),
    [
        (
            [_episode(), _episode(decom="01/06/2024", rne="P")],
            "episodes.csv:3: column DECOM: begins while the child's episode on row 2 is still "
            "open (it has no DEC), got '01/06/2024'",
        ),
        (
            [_episode(dec="01/07/2024", rec="X1"), _episode(decom="01/06/2024", rne="P")],
            "episodes.csv:3: column DECOM: begins before the child's episode on row 2 ended "
            "(01/07/2024), got '01/06/2024'",
        ),
        (
            [_episode(dec="01/07/2024", rec="X1"), _episode(decom="05/07/2024", rne="P")],
            "episodes.csv:3: column DECOM: must be 01/07/2024: the child's episode on row 2 "
            "ended X1 (another begins the same day), got '05/07/2024'",
        ),
        (
            [_episode(dec="01/07/2024", rec="X1"), _episode(decom="01/07/2024", rne="S")],
            "episodes.csv:3: column RNE: cannot be S: the child's episode on row 2 ended X1, "
            "so care did not stop, got 'S'",
        ),
        (
            [_episode(dec="01/07/2024", rec="E4A"), _episode(decom="01/09/2024", rne="P")],
            "episodes.csv:3: column RNE: must be S: the child's episode on row 2 ended care "
            "(REC E4A), got 'P'",
        ),
    ],
)
def test_episodes_that_do_not_chain(
    episodes: list[list[str]], mistake: str, tmp_path: Path
) -> None:
    assert _mistakes(_return(tmp_path, episodes)) == [mistake]


def test_a_date_after_the_return_covers(tmp_path: Path) -> None:
    lines = _mistakes(_return(tmp_path, [_episode()]), until=dt.date(2024, 4, 30))
    assert lines == [
        "episodes.csv:2: column DECOM: is after the last day the return covers (30/04/2024), "
        "got '01/05/2024'"
    ]


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    columns = [c if c != "PLACE" else "PLACEMENT" for c in _EPISODES]
    lines = _mistakes(_return(tmp_path, [_episode()], episode_columns=columns))
    assert lines == ["episodes.csv:1: missing column 'PLACE' (is 'PLACEMENT' meant to be it?)"]


def test_episodes_without_a_header(tmp_path: Path) -> None:
    _write(tmp_path / "episodes.csv", _EPISODES, [_episode()])
    lines = _mistakes(tmp_path)
    assert lines == [
        "episodes.csv: SSDA903 episodes need the header beside them (a file with the columns "
        "CHILD, SEX, DOB and ETHNIC)"
    ]


def test_mistakes_in_both_files_are_listed_together(tmp_path: Path) -> None:
    bad_kid = ["C1", "7", "03/02/2012", "WBRI", "", "", ""]
    lines = _mistakes(_return(tmp_path, [_episode(RNE="Q")], header=[bad_kid]))
    assert [line.split(":")[0] for line in lines] == ["header.csv", "episodes.csv"]


def test_a_return_through_the_command_line(tmp_path: Path) -> None:
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
        "200",
        "--seed",
        "2",
        "--export",
        "ssda903,annex-a",
        "--out",
        str(out),
    )
    both = tmp_path / "records"
    both.mkdir()
    for folder in ("ssda903", "annex_a"):
        for file in (out / folder).iterdir():
            (both / file.name).write_bytes(file.read_bytes())
    week = invoke(
        "mock-week", "--cases", str(both), "--notify", "2024-10-08", "--out", str(tmp_path / "mw")
    )
    assert "tracked" in week and (tmp_path / "mw" / "index.html").is_file()
