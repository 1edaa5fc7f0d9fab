"""One way to read a table of the area's own records: a CSV file or a sheet of a workbook.

Local authorities export their Annex A lists and returns from several
case-management systems, and the same column comes spelt many ways:
``Child Unique ID``, ``Child unique ID``, ``CHILD_UNIQUE_ID``, ``child id``. A
:class:`Column` names the spellings it accepts; a header matches when it is the
same after :func:`header_key` (case, spaces, underscores and punctuation ignored),
as the sector's own cleaning tools match them. Columns nobody asked for are kept
out of the table (systems add their own), but a header that looks like a
misspelt required column is named in the mistake.

Cells are kept as text, stripped; the parsers below turn a column into dates,
codes or numbers at once (over the whole column, so a list of a million rows
reads in seconds) and note each bad cell in a :class:`~jtai_sim.records.problems.Problems`
with its spreadsheet row (the header is row 1).

CSV files are read as UTF-8 (with or without a byte-order mark) or, failing
that, as Windows-1252, the encoding Excel on Windows writes "CSV" in.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "contacts.csv").write_text(
...     "CHILD_UNIQUE_ID,Date of Contact,Extra\\nA1,01/04/2024,x\\nA2,31/02/2024,y\\n")
>>> cols = (Column("child", ("Child Unique ID", "Child ID")),
...         Column("date", ("Date of Contact",)))
>>> p = Problems("contacts.csv")
>>> t = read_table(folder / "contacts.csv", cols, p)
>>> list(t.frame.columns), t.rows.tolist()
(['child', 'date'], [2, 3])
>>> d = dates(t, "date", p)
>>> str(d.iloc[0].date()), bool(d.isna().iloc[1])
('2024-04-01', True)
>>> p.check()  # doctest: +ELLIPSIS
Traceback (most recent call last):
jtai_sim.errors.RecordsError: contacts.csv:3: column Date of Contact: must be a date ...
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from attrs import field, frozen

from jtai_sim.errors import CaseListError, RecordsError
from jtai_sim.records.problems import Problems
from jtai_sim.scenario.converter import suggest
from jtai_sim.scenario.loading import read_bytes

#: The largest file of records read, in bytes: our own bound. A year of contacts in a
#: large county is about 100,000 rows (10 MB); an extract of a million event rows is
#: about 100 MB. A larger file, or a device, is refused before it is read.
MAX_FILE_BYTES = 256 * 2**20
#: The longest cell, in characters (as in a case list): an id, a code or a date is a
#: few characters, a team's name a few words.
MAX_CELL = 10_000
#: Years a date may fall in: no record is older than 1900, and a date after 2200 is a
#: typing slip (the working calendar is built for the years between).
YEARS = (1900, 2200)
#: The date layouts accepted, tried in order. England writes dates day first; ISO
#: dates are what databases export. A workbook's own date cells need none of these.
DATE_FORMATS = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
)
#: The characters Python's ``str.strip()`` takes off (those ``str.isspace`` calls space),
#: so a cell is stripped the same way whichever reader read its file.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def header_key(text: str) -> str:
    """``text`` as headers are compared: lower case, runs of anything but letters and
    digits as one space.

    >>> header_key(" Child_Unique-ID "), header_key("Date of referral (DD/MM/YYYY)")
    ('child unique id', 'date of referral dd mm yyyy')
    """
    return re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()


@frozen
class Column:
    """A column a table may have: ``key`` in code, its ``spellings`` in files (the
    guidance's own first, the one mistakes name when the column is missing)."""

    key: str
    spellings: tuple[str, ...]
    required: bool = True


@frozen(kw_only=True)
class Table:
    """The cells of one table, as text, under their columns' keys.

    ``rows`` holds each row's spreadsheet row number (the header is row 1);
    ``headers`` the header as the file spells it, for mistakes to name.
    """

    name: str
    frame: pd.DataFrame = field(eq=False)
    rows: np.ndarray = field(eq=False)
    headers: dict[str, str]

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, key: str) -> bool:
        """The file has column ``key``."""
        return key in self.frame.columns

    def text(self, key: str) -> pd.Series:
        """Column ``key`` as stripped text (empty cells ``""``; all empty if absent)."""
        if key in self.frame.columns:
            return self.frame[key]
        return pd.Series("", index=self.frame.index, dtype=object)

    def header(self, key: str) -> str:
        """How the file spells column ``key``."""
        return self.headers.get(key, key)


def read_table(
    path: Path,
    columns: Sequence[Column],
    problems: Problems,
    *,
    sheet: str | None = None,
) -> Table:
    """The table in the CSV file ``path`` (or in sheet ``sheet`` of the workbook ``path``).

    A missing required column, or a file that cannot be read as a table, raises at
    once (nothing else in the file can be checked); bad cells are left to the parsers.
    """
    name = problems.file
    cells = _csv_cells(path, name) if sheet is None else _sheet_cells(path, sheet, name)
    header = cells.header
    wanted: dict[str, Column] = {}
    for c in columns:
        for s in c.spellings:
            wanted.setdefault(header_key(s), c)
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    for i, h in enumerate(header):
        col = wanted.get(header_key(h))
        if col is None:
            continue
        if col.key in index:
            problems.add(1, h, f"is the same column as {headers[col.key]!r}")
            continue
        index[col.key] = i
        headers[col.key] = h.strip()
    keys = [header_key(h) for h in header if header_key(h) not in wanted]
    for c in columns:
        if c.required and c.key not in index:
            close = suggest(header_key(c.spellings[0]), keys, cutoff=0.75)
            hint = ""
            if close:
                spelt = next(h for h in header if header_key(h) == close[0])
                hint = f" (is {spelt!r} meant to be it?)"
            problems.add(1, None, f"missing column {c.spellings[0]!r}{hint}")
    problems.check()
    for r in cells.wide[:5]:
        problems.add(r, None, f"has more values than the header has columns ({len(header)})")
    problems.check()
    data = {key: cells.column(i) for key, i in index.items()}
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(cells.rows)), dtype=object)
    for key in frame.columns:
        long = np.fromiter(map(len, frame[key]), dtype=np.int64, count=len(frame)) > MAX_CELL
        for i in np.flatnonzero(long)[:5]:
            problems.add(
                int(cells.rows[i]),
                headers[key],
                f"is {len(frame[key].iat[i]):,} characters long; a cell may hold at most "
                f"{MAX_CELL:,}",
                frame[key].iat[i],
            )
    return Table(name=name, frame=frame, rows=cells.rows, headers=headers)


@frozen
class _Cells:
    """The cells of a file's rows that are not blank, before columns are chosen.

    ``rows`` holds each row's line (CSV) or row number (sheet); ``wide`` the rows with
    more values than the header has columns; ``column(i)`` column ``i``'s cells, stripped
    (``""`` where a row stops short).
    """

    header: list[str]
    rows: np.ndarray
    wide: list[int]
    column: Callable[[int], np.ndarray]


def _listed_cells(header: list[str], body: list[list[str]], rows: list[int]) -> _Cells:
    """:class:`_Cells` of rows read one by one."""
    width = len(header)

    def column(i: int) -> np.ndarray:
        return np.array([row[i].strip() if i < len(row) else "" for row in body], dtype=object)

    wide = [r for r, values in zip(rows, body, strict=True) if len(values) > width]
    return _Cells(header, np.asarray(rows, dtype=np.int64), wide, column)


def _csv_cells(path: Path, name: str) -> _Cells:
    """The cells of a CSV file: parsed by Arrow's reader when every row is one line of
    the file, as an export of a million rows nearly always is (seconds faster than
    reading row by row); row by row otherwise, to count the lines a row spans."""
    data = _file_bytes(path, "a CSV file")
    try:
        text = data.decode("utf-8-sig")
        encoded = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        encoded = text.encode("utf-8")
    del data
    return _arrow_cells(text, encoded) or _row_cells(text, name)


def _arrow_cells(text: str, encoded: bytes) -> _Cells | None:
    """:class:`_Cells` of the CSV ``text`` (``encoded`` as UTF-8) by Arrow's reader, or
    ``None`` where it would not give each row's line: a header or a row over more than one
    line, or a line Arrow refuses (too few or too many values, spaces alone), which the
    row-by-row reader checks and names."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    lines = text.split("\n")
    first = lines[0].rstrip("\r")
    try:
        header = next(csv.reader([first], strict=True))
    except (csv.Error, StopIteration):
        return None
    filled = np.fromiter((len(x) > 1 or x not in ("", "\r") for x in lines), bool, len(lines))
    try:
        table = pacsv.read_csv(
            io.BytesIO(encoded),
            read_options=pacsv.ReadOptions(
                column_names=[f"c{i}" for i in range(len(header))], skip_rows=1
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(header))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    lines_of_rows = np.flatnonzero(filled)[1:] + 1
    if len(lines_of_rows) != table.num_rows:
        return None
    stripped = [pc.utf8_trim(table.column(i), characters=WHITESPACE) for i in range(len(header))]
    blank = np.ones(table.num_rows, dtype=bool)
    for cells in stripped:
        blank &= pc.equal(pc.binary_length(cells), 0).to_numpy(zero_copy_only=False)
    chosen = pa.array(np.flatnonzero(~blank))

    def column(i: int) -> np.ndarray:
        return np.asarray(stripped[i].take(chosen).to_numpy(zero_copy_only=False), dtype=object)

    chosen_lines = lines_of_rows[~blank]
    return _Cells(header, chosen_lines.astype(np.int64), [], column)


def _row_cells(text: str, name: str) -> _Cells:
    """:class:`_Cells` of the CSV ``text``, read row by row with each row's first line."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, len(text) + 1))
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader)
        except StopIteration:
            raise RecordsError((f"{name}: the file is empty (it needs a header row)",)) from None
        body: list[list[str]] = []
        rows: list[int] = []
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise RecordsError((f"{name}:{line}: is not valid CSV ({exc})",)) from None
            start, line = line, reader.line_num + 1
            if any(v.strip() for v in values):
                body.append(values)
                rows.append(start)
    except csv.Error as exc:
        raise RecordsError((f"{name}:1: is not a CSV file ({exc})",)) from None
    finally:
        csv.field_size_limit(before)
    return _listed_cells(header, body, rows)


def _file_bytes(path: Path, what: str) -> bytes:
    """The bytes of the regular file ``path`` (at most :data:`MAX_FILE_BYTES`)."""
    try:
        return read_bytes(path, limit=MAX_FILE_BYTES, error=CaseListError, what=what)
    except CaseListError as exc:
        raise RecordsError((str(exc),)) from None


def csv_header(path: Path) -> list[str]:
    """The header row of the CSV file ``path``, from its first 64 KiB (enough to tell
    which table a file is before reading all of it); empty when it has none or is not a
    regular file (the reader that follows names why)."""
    if not path.is_file():
        return []
    with path.open("rb") as fh:
        head = fh.read(64 * 2**10)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []


def sheet_headers(path: Path, name: str) -> dict[str, list[str]]:
    """Each sheet of the workbook ``path`` with its header row (its first row that is
    not blank, among the first 20)."""
    book = _open_workbook(path, name)
    try:
        out: dict[str, list[str]] = {}
        for sheet in book.sheetnames:
            out[sheet] = []
            for values in book[sheet].iter_rows(max_row=20, values_only=True):
                cells = [_cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    out[sheet] = cells
                    break
        return out
    finally:
        book.close()


def workbook_sheets(path: Path, name: str) -> list[str]:
    """The names of the sheets of the workbook ``path``."""
    book = _open_workbook(path, name)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _open_workbook(path: Path, name: str) -> Any:
    from zipfile import BadZipFile

    import openpyxl

    data = _file_bytes(path, "a workbook")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RecordsError(
            (f"{name}: is not an Excel workbook (.xlsx) that can be read ({exc})",)
        ) from None


def _sheet_cells(path: Path, sheet: str, name: str) -> _Cells:
    """The header, the rows that are not blank and each row's number, of one sheet."""
    book = _open_workbook(path, name)
    try:
        if sheet not in book.sheetnames:
            listed = ", ".join(repr(s) for s in book.sheetnames)
            raise RecordsError((f"{name}: has no sheet {sheet!r} (its sheets: {listed})",))
        ws = book[sheet]
        header: list[str] | None = None
        body: list[list[str]] = []
        rows: list[int] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if header is None:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            if any(c.strip() for c in cells):
                body.append(cells)
                rows.append(number)
    finally:
        book.close()
    if header is None:
        raise RecordsError((f"{name}: the sheet is empty (it needs a header row)",))
    while header and not header[-1].strip():
        header.pop()
    return _listed_cells(header, body, rows)


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold (dates ISO, whole numbers bare)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- parsing whole columns


def record_tables(path: Path) -> list[tuple[Path, str | None, list[str]]]:
    """Every table at ``path`` (a folder, a CSV file or a workbook): each CSV file and each
    workbook sheet with its header, files in name order (hidden files and the lock files
    Excel leaves, ``~$...``, skipped). Each format's reader tells its own tables by header."""
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith((".", "~$"))
        )
    else:
        files = [path]
    found: list[tuple[Path, str | None, list[str]]] = []
    for file in files:
        if file.suffix.lower() == ".xlsx":
            for sheet, header in sheet_headers(file, str(file)).items():
                found.append((file, sheet, header))
        else:
            found.append((file, None, csv_header(file)))
    return found


def distinct(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's position among the column's distinct values, and those values: a
    column of a million cells holds a few dozen codes or a few hundred dates, so a rule is
    worked out once for each value and spread to the cells by position."""
    at, values = pd.factorize(cells.to_numpy(dtype=object))
    return at, np.asarray(values, dtype=object)


def each_value(cells: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """``fn`` of every cell, worked out once for each distinct value."""
    at, values = distinct(cells)
    worked = np.array([fn(str(v)) for v in values], dtype=object)
    return pd.Series(worked[at], index=cells.index, dtype=object)


def note_cells(t: Table, problems: Problems, bad: np.ndarray, key: str, message: str) -> None:
    """Note ``message`` for every row of ``bad`` (a boolean mask), with the cell found."""
    cells = t.text(key)
    for i in np.flatnonzero(bad):
        problems.add(int(t.rows[i]), t.header(key), message, str(cells.iat[i]))


def required(t: Table, key: str, problems: Problems) -> pd.Series:
    """Column ``key``, noting each empty cell."""
    cells = t.text(key)
    empty = (cells == "").to_numpy()
    for i in np.flatnonzero(empty):
        problems.add(int(t.rows[i]), t.header(key), "is empty")
    return cells


def dates(
    t: Table, key: str, problems: Problems, *, needed: bool = True, what: str = "a date DD/MM/YYYY"
) -> pd.Series:
    """Column ``key`` as dates (``NaT`` where empty or wrong), noting each bad cell and,
    when ``needed``, each empty one."""
    cells = t.text(key)
    at, values = distinct(cells)
    found = pd.Series(pd.NaT, index=range(len(values)), dtype="datetime64[ns]")
    todo = values != ""
    for fmt in DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(pd.Series(values[todo]), format=fmt, errors="coerce")
        got = parsed.notna().to_numpy()
        idx = np.flatnonzero(todo)[got]
        found.iloc[idx] = parsed[got].to_numpy()
        todo[idx] = False
    out = pd.Series(found.to_numpy()[at], index=cells.index, dtype="datetime64[ns]")
    note_cells(t, problems, todo[at], key, f"must be {what}")
    lo, hi = YEARS
    years = out.dt.year.to_numpy()
    outside = out.notna().to_numpy() & ((years < lo) | (years > hi))
    note_cells(t, problems, outside, key, f"must fall in the years {lo} to {hi}")
    out[outside] = pd.NaT
    if needed:
        empty = (cells == "").to_numpy()
        for i in np.flatnonzero(empty):
            problems.add(int(t.rows[i]), t.header(key), "is empty (a date is needed)")
    return out


def codes(
    t: Table,
    key: str,
    problems: Problems,
    allowed: Mapping[str, str],
    *,
    needed: bool = True,
    what: str = "code",
) -> pd.Series:
    """Column ``key`` through ``allowed`` (a code or word as written, matched without
    regard to case or surrounding spaces, to its meaning); empty where empty or unknown."""
    cells = t.text(key)
    lookup = {k.casefold(): v for k, v in allowed.items()}
    at, values = distinct(cells)
    meant = np.array([lookup.get(str(v).casefold()) for v in values], dtype=object)
    out = pd.Series(meant[at], index=cells.index, dtype=object)
    unknown = (out.isna() & (cells != "")).to_numpy()
    choices = sorted(allowed)
    listed = ", ".join(choices) if len(choices) <= 15 else ", ".join(choices[:15]) + ", ..."
    for i in np.flatnonzero(unknown):
        cell = str(cells.iat[i])
        close = suggest(cell, choices, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.add(int(t.rows[i]), t.header(key), f"unknown {what}{hint}; known: {listed}", cell)
    if needed:
        for i in np.flatnonzero((cells == "").to_numpy()):
            problems.add(int(t.rows[i]), t.header(key), f"is empty (a {what} is needed)")
    return out.fillna("").astype(object)


def numbers(
    t: Table,
    key: str,
    problems: Problems,
    *,
    needed: bool = False,
    minimum: float | None = None,
    whole: bool = False,
) -> pd.Series:
    """Column ``key`` as numbers (``NaN`` where empty or wrong), noting each bad cell."""
    cells = t.text(key)
    out = pd.to_numeric(cells.where(cells != "", None), errors="coerce").astype(float)
    bad = (out.isna() & (cells != "")).to_numpy() | ~np.isfinite(out.fillna(0).to_numpy())
    note_cells(t, problems, bad, key, "must be a whole number" if whole else "must be a number")
    ok = ~bad & out.notna().to_numpy()
    if whole:
        frac = ok & (out.fillna(0).to_numpy() % 1 != 0)
        note_cells(t, problems, frac, key, "must be a whole number")
        ok &= ~frac
    if minimum is not None:
        low = ok & (out.fillna(minimum).to_numpy() < minimum)
        note_cells(t, problems, low, key, f"must be {minimum:g} or more")
    if needed:
        for i in np.flatnonzero((cells == "").to_numpy()):
            problems.add(int(t.rows[i]), t.header(key), "is empty (a number is needed)")
    out[bad] = np.nan
    return out


def flags(t: Table, key: str, problems: Problems) -> pd.Series:
    """Column ``key`` as yes/no (``yes``/``no``, ``y``/``n``, ``true``/``false``, ``1``/``0``;
    empty is no)."""
    folded = t.text(key).str.casefold()
    yes = folded.isin(_TRUE).to_numpy()
    bad = ~yes & ~folded.isin(_FALSE).to_numpy() & (folded != "").to_numpy()
    note_cells(t, problems, bad, key, "must be yes or no")
    return pd.Series(yes, index=folded.index)


def listed_once(t: Table, keys: Iterable[str], problems: Problems, what: str) -> None:
    """Note each row whose ``keys`` repeat an earlier row's, naming that row."""
    keys = list(keys)
    frame = pd.DataFrame({k: t.text(k) for k in keys})
    frame = frame[(frame != "").all(axis=1)]
    repeated = frame.duplicated(keep=False)
    if not repeated.any():
        return
    first: dict[tuple[str, ...], int] = {}
    for i, values in zip(
        frame.index[repeated], frame[repeated].itertuples(index=False), strict=True
    ):
        row = int(t.rows[i])
        if values in first:
            shown_key = " ".join(values)
            problems.add(
                row,
                t.header(keys[0]),
                f"{what} {shown_key!r} is listed twice (first on row {first[values]})",
            )
        else:
            first[values] = row


__all__ = [
    "DATE_FORMATS",
    "MAX_CELL",
    "MAX_FILE_BYTES",
    "YEARS",
    "Column",
    "Table",
    "codes",
    "csv_header",
    "dates",
    "distinct",
    "each_value",
    "flags",
    "header_key",
    "listed_once",
    "note_cells",
    "numbers",
    "read_table",
    "record_tables",
    "required",
    "sheet_headers",
    "workbook_sheets",
]
