"""The two ways a CSV file is read (Arrow's reader for files whose rows are one line each,
row by row otherwise) give the same cells and the same row numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jtai_sim.records.problems import Problems
from jtai_sim.records.tables import WHITESPACE, Column, _arrow_cells, _row_cells, read_table

CELLS = st.sampled_from(
    [
        *("", " ", "A1", " B2 ", "01/04/2024", "a,b", 'say "hi"', "two\nlines"),
        *("Zoë", "\u00a0x", "\x1c", "\u3000y\u2029"),
    ]
)


def _cells(text: str) -> tuple[list[str], list[int], list[list[str]]]:
    got = _arrow_cells(text, text.encode("utf-8"))
    assert got is not None
    return got.header, got.rows.tolist(), [got.column(i).tolist() for i in range(len(got.header))]


def _by_rows(text: str) -> tuple[list[str], list[int], list[list[str]]]:
    got = _row_cells(text, "f.csv")
    return got.header, got.rows.tolist(), [got.column(i).tolist() for i in range(len(got.header))]


@given(
    st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=8),
    st.sampled_from(["\n", "\r\n"]),
    st.lists(st.integers(0, 8), max_size=3),
)
def test_both_readers_agree_on_any_table(
    rows: list[list[str]], newline: str, blank_after: list[int]
) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(["Child Unique ID", "Date", "Note"])
    for i, row in enumerate(rows):
        writer.writerow(row)
        if i in blank_after:
            out.write(newline)
    text = out.getvalue()
    fast = _arrow_cells(text, text.encode("utf-8"))
    if fast is None:
        # refused only where a row runs over more than one line of the file
        assert any("\n" in c for row in rows for c in row)
        return
    assert _cells(text) == _by_rows(text)


def test_row_numbers_count_blank_lines_and_skip_rows_of_empty_cells() -> None:
    text = "a,b\r\n1,2\r\n\r\n , \r\n3,4\r\n"
    assert _cells(text) == (["a", "b"], [2, 5], [["1", "3"], ["2", "4"]])


def test_a_row_over_two_lines_is_read_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('id,note\nA1,"two\nlines"\nA2,x\n', encoding="utf-8")
    assert _arrow_cells(path.read_text(), path.read_bytes()) is None
    t = read_table(path, (Column("id", ("id",)), Column("note", ("note",))), Problems("f.csv"))
    assert t.rows.tolist() == [2, 4]
    assert t.frame["note"].tolist() == ["two\nlines", "x"]


@pytest.mark.parametrize(
    "body",
    ["A1\n", "A1,x,y\n", "A1,x\n   \n"],
    ids=["too few values", "too many values", "spaces alone on a line"],
)
def test_lines_arrow_refuses_are_left_to_the_row_by_row_reader(body: str) -> None:
    assert _arrow_cells("id,note\n" + body, ("id,note\n" + body).encode()) is None


def test_a_quoted_header_is_read_by_arrow() -> None:
    header, rows, columns = _cells('"Child Unique ID","Date, of contact"\n"A1","01/04/2024"\n')
    assert header == ["Child Unique ID", "Date, of contact"]
    assert (rows, columns) == ([2], [["A1"], ["01/04/2024"]])


def test_cells_are_stripped_of_what_python_calls_space() -> None:
    spaces = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    assert spaces == WHITESPACE
