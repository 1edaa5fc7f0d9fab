"""Read and write the Annex A lists a local authority keeps ready for Ofsted.

:func:`read_annex_a` takes a folder of CSV files (one per list) or workbooks
(``.xlsx``, a sheet per list), or one such file, and tells each list by its
header (a column only that list has) or, failing that, by its file or sheet
name (``List 4``, ``Assessments``). Every list is optional. What each list holds,
and the events it becomes, is in :mod:`jtai_sim.records.annex_a_lists`.

Every mistake in a file is listed with its row and column (up to
:data:`~jtai_sim.records.problems.MAX_LISTED` a file), and the mistakes of all
the files are raised together as one :class:`~jtai_sim.errors.RecordsError`:
a date that is not a date, a code no list has, an empty child id, an end before
its start, an event before the child's date of birth or after the date the lists
were produced (``until``), and a child whose date of birth or gender differs
between rows.

:func:`write_annex_a` writes Lists 1 to 8 for a case book (a simulated area's,
typically), so a facilitator can rehearse with realistic files and the reader is
tested by round trip: reading them back gives the same facts (:data:`CARRIED`),
except that a contact's source is held as a census code, which several kinds of
agency share (:func:`~jtai_sim.records.annex_a_lists.as_recorded`).

The lists hold dates, not times: every event read is at the start of its day,
and the case book's ``line`` is the list's number times 10\\ :sup:`8` plus twice
the spreadsheet row (plus one for an end), so events of one day keep the order
a child's path takes (contact, referral, assessment, enquiry, plan).

>>> import tempfile
>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection import casebook_from_run
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=60))
>>> folder = tempfile.mkdtemp()
>>> [p.name for p in write_annex_a(book, folder)][:2]
['List 1 - Contacts.csv', 'List 2 - Early help.csv']
>>> recorded = read_annex_a(folder)
>>> sorted(recorded.agencies)[:3]
['assessment', 'cin_plan', 'front_door']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from jtai_sim.atomic import write_file
from jtai_sim.cells import as_text
from jtai_sim.errors import RecordsError
from jtai_sim.inspection.model import AgencyInfo, CaseBook
from jtai_sim.records.annex_a_lists import (
    AGENCY_LABELS,
    CHILD_COLUMNS,
    LISTS,
    SEX,
    SOURCE_AGENCY,
    SOURCES,
    YES_NO,
    ListSpec,
    list_of_header,
    list_of_name,
    source_code,
    unlettered,
    written_source,
)
from jtai_sim.records.children import MAX_LISTED, one_row_per_child
from jtai_sim.records.codes import ETHNICITY, ETHNICITY_SPELLINGS, NOT_RECORDED
from jtai_sim.records.problems import Problems
from jtai_sim.records.recorded import Carried, Recorded
from jtai_sim.records.tables import (
    Table,
    codes,
    dates,
    each_value,
    header_key,
    note_cells,
    numbers,
    read_table,
    record_tables,
    required,
)
from jtai_sim.records.written import DATE_FORMAT, written_children, written_dates
from jtai_sim.vocabulary import EventKind, Origin

#: The facts the lists hold: each list's dated events (see the module doc).
CARRIED = Carried(events=frozenset((e.agency, e.kind) for spec in LISTS for e in spec.events))

#: The oldest a child in the lists may be, in years (a care leaver is followed to 25).
MAX_AGE = 25
_ROW_SPAN = 10**8
_DATE = DATE_FORMAT


# ------------------------------------------------------------------------------ reading


def detect_annex_a(path: str | Path) -> list[tuple[ListSpec, Path, str | None]]:
    """The Annex A lists at ``path`` (a folder, a CSV file or a workbook): each list
    with its file and, in a workbook, its sheet. Files that hold no list are left out."""
    found: list[tuple[ListSpec, Path, str | None]] = []
    for file, sheet, header in record_tables(Path(path)):
        spec = _list_of(header, sheet if sheet is not None else file.name)
        if spec is not None:
            found.append((spec, file, sheet))
    return found


def _list_of(header: list[str], name: str) -> ListSpec | None:
    """The list a table is, by its header or else its name; a table whose header has no
    child id column is no list."""
    keys = {header_key(h) for h in header}
    if not any(header_key(s) in keys for s in CHILD_COLUMNS[0].spellings):
        return None
    return list_of_header(header) or list_of_name(name)


def read_annex_a(path: str | Path, *, until: dt.date | None = None) -> Recorded:
    """The children and events of the Annex A lists at ``path`` (see the module doc);
    ``until`` is the date the lists were produced, after which no date may fall."""
    path = Path(path)
    found = detect_annex_a(path)
    if not found:
        wanted = "; ".join(f"List {s.number} {s.title}" for s in LISTS)
        raise RecordsError(
            (
                f"{path}: holds no Annex A list (a CSV file or workbook sheet with a "
                f"'Child Unique ID' column and a list's own columns: {wanted})",
            )
        )
    lines: list[str] = []
    kids: list[pd.DataFrame] = []
    events: list[pd.DataFrame] = []
    names: dict[str, str] = {}
    for spec, file, sheet in found:
        name = f"{file}[{sheet}]" if sheet else str(file)
        problems = Problems(name)
        try:
            table = read_table(file, spec.all_columns, problems, sheet=sheet)
            k, e = _read_list(spec, table, problems, until)
            problems.check()
        except RecordsError as err:
            lines.extend(err.lines)
            continue
        names[name] = f"List {spec.number}"
        kids.append(k.assign(file=name))
        events.append(e)
    if lines:
        raise RecordsError(tuple(lines))
    children = _one_row_per_child(pd.concat(kids, ignore_index=True))
    raw = pd.concat(events, ignore_index=True)
    _check_births(children, raw, until)
    used = set(pd.unique(raw["agency_key"])) | set(pd.unique(raw["other_key"])) - {""}
    agencies = {key: info for key, info in _agencies().items() if key in used}
    return Recorded(
        children=children.drop(columns=["file"]),
        events=raw.drop(columns=["file", "column"]),
        agencies=agencies,
        covers_until=until,
    )


def _agencies() -> dict[str, AgencyInfo]:
    """Every agency the lists can name, in a fixed order: the lists' own, then sources."""
    out = {k: AgencyInfo(key=k, kind=k, label=label) for k, label in AGENCY_LABELS.items()}
    for agency in SOURCE_AGENCY.values():
        if agency is not None and agency[0] not in out:
            key, kind, label = agency
            out[key] = AgencyInfo(key=key, kind=kind, label=label)
    return out


def _cleaned(t: Table, key: str) -> Table:
    """``t`` with column ``key``'s template letters (``b) Female``) taken off."""
    if not t.has(key):
        return t
    return attrs.evolve(t, frame=t.frame.assign(**{key: each_value(t.text(key), unlettered)}))


def _code_first(t: Table, key: str, known: set[str]) -> Table:
    """``t`` with a cell that starts with a known code and a separator (``WBRI - White
    British``) cut to the code."""
    if not t.has(key):
        return t
    cells = t.text(key)
    head = cells.str.extract(r"^([A-Za-z]{4})(?:\s*[-:(]|\s+)", expand=False).str.upper()
    cut = head.isin(known)
    return attrs.evolve(t, frame=t.frame.assign(**{key: cells.where(~cut, head)}))


def _read_list(
    spec: ListSpec, t: Table, p: Problems, until: dt.date | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The child rows and event rows of one list, noting each mistake in ``p``."""
    ref = required(t, "child", p)
    t = _cleaned(_cleaned(t, "sex"), "disability")
    t = _code_first(_cleaned(t, "ethnicity"), "ethnicity", set(ETHNICITY))
    sex = codes(t, "sex", p, SEX, needed=False, what="gender")
    ethnicity = codes(t, "ethnicity", p, ETHNICITY_SPELLINGS, needed=False, what="ethnicity code")
    disability = codes(t, "disability", p, YES_NO, needed=False, what="yes or no")
    dob = dates(t, "dob", p, needed=False)
    age = numbers(t, "age", p, minimum=0, whole=True)
    old = (age > MAX_AGE).to_numpy()
    note_cells(t, p, old, "age", f"must be {MAX_AGE} or less")
    for key in ("nfa", "seen", "needs_support", "unneeded", "plan"):
        if t.has(key):
            codes(_cleaned(t, key), key, p, YES_NO, needed=False, what="yes or no")
    numbers(t, "repeats", p, minimum=0, whole=True)
    when = {
        e.column: dates(t, e.column, p, needed=spec.column(e.column).required) for e in spec.events
    }
    source = _sources(t, p, needed=spec.column("source").required) if t.has("source") else None
    for first, then in spec.order:
        early = (when[then] < when[first]).to_numpy()
        for i in np.flatnonzero(early):
            p.add(
                int(t.rows[i]),
                t.header(then),
                f"is before {t.header(first)} ({when[first].iat[i]:{_DATE}})",
                t.text(then).iat[i],
            )
    if until is not None:
        for column, values in when.items():
            late = (values > pd.Timestamp(until)).to_numpy()
            note_cells(
                t, p, late, column, f"is after the date the lists were produced ({until:{_DATE}})"
            )
    # no row is refused for repeating another: two contacts, referrals or even enquiries of
    # one child can start on one day (two agencies raising a concern on the same day)
    kids = pd.DataFrame(
        {
            "reference": ref,
            "line": spec.number * _ROW_SPAN + 2 * t.rows,
            "dob": dob,
            "age_given": age,
            "sex": sex,
            "ethnicity": ethnicity.where(ethnicity != "", NOT_RECORDED),
            "disability": disability == "yes",
        }
    )
    kids = kids[ref != ""]
    parts = []
    for n, e in enumerate(spec.events):
        on = when[e.column]
        keep = (on.notna() & (ref != "")).to_numpy()
        kind = EventKind.from_key(e.kind)
        other = pd.Series("", index=t.frame.index, dtype=object)
        origin = ""
        if e.kind == EventKind.ARRIVE.key:
            if source is not None and spec.number == 1:
                other = each_value(source, _source_key)
            else:
                other = pd.Series("front_door", index=t.frame.index, dtype=object)
        if e.kind == EventKind.ARRIVE.key:
            origin_s = pd.Series(
                np.where(other != "", Origin.REFERRAL.key, Origin.NEW.key), index=other.index
            )
        else:
            origin_s = pd.Series(origin, index=t.frame.index, dtype=object)
        parts.append(
            pd.DataFrame(
                {
                    "line": (spec.number * _ROW_SPAN + 2 * t.rows + n)[keep],
                    "when": on[keep].to_numpy(),
                    "reference": ref[keep].to_numpy(),
                    "agency_key": e.agency,
                    "kind": int(kind),
                    "other_key": other[keep].to_numpy(),
                    "detail": 0,
                    "value": np.nan,
                    "origin": origin_s[keep].to_numpy(),
                    "file": p.file,
                    "column": t.header(e.column),
                }
            )
        )
    return kids, pd.concat(parts, ignore_index=True)


def _source_key(code: str) -> str:
    agency = SOURCE_AGENCY.get(code)
    return "" if agency is None else agency[0]


def _sources(t: Table, p: Problems, *, needed: bool) -> pd.Series:
    """The source column as census codes, noting each cell that names none."""
    cells = t.text("source")
    found = each_value(cells, source_code)
    for i in np.flatnonzero(((found == "") & (cells != "")).to_numpy()):
        p.add(
            int(t.rows[i]),
            t.header("source"),
            "unknown source; use a children in need census code "
            f"({', '.join(SOURCES)}) or its words",
            str(cells.iat[i]),
        )
    if needed:
        for i in np.flatnonzero((cells == "").to_numpy()):
            p.add(int(t.rows[i]), t.header("source"), "is empty (a source is needed)")
    return found


def _one_row_per_child(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per child, from the rows of every list (see
    :func:`~jtai_sim.records.children.one_row_per_child`), raising for a child with neither
    a date of birth nor an age in any list."""
    out = one_row_per_child(rows.assign(row=rows["line"] % _ROW_SPAN // 2))
    missing_age = out["dob"].isna() & out["age_given"].isna()
    if missing_age.any():
        raise RecordsError(
            tuple(
                f"{f}:{row}: child {r!r}: needs a date of birth or an age in at least one list"
                for f, row, r in zip(
                    out["file"][missing_age],
                    out["row"][missing_age],
                    out["reference"][missing_age],
                    strict=True,
                )
            )[:MAX_LISTED]
        )
    return out.drop(columns=["row"])


def _check_births(children: pd.DataFrame, raw: pd.DataFrame, until: dt.date | None) -> None:
    """Raise for every event dated before its child's date of birth."""
    born = pd.to_datetime(children["dob"].to_numpy())
    at = pd.Series(born[pd.Index(children["reference"]).get_indexer(raw["reference"])])
    early = (raw["when"] < at).to_numpy()
    if not early.any():
        return
    lines = [
        f"{raw['file'].iat[i]}:{raw['line'].iat[i] % _ROW_SPAN // 2}: column "
        f"{raw['column'].iat[i]}: is before the child's date of birth "
        f"({at.iat[i]:{_DATE}}), got {raw['when'].iat[i]:{_DATE}}"
        for i in np.flatnonzero(early)
    ]
    raise RecordsError(tuple(lines[:50]))


# ------------------------------------------------------------------------------ writing


def write_annex_a(book: CaseBook, folder: str | Path, *, seed: int = 0) -> list[Path]:
    """Write Lists 1 to 8 of ``book`` as CSV files in ``folder`` (each file all at once);
    a child with no date of birth gets one drawn from ``seed``, consistent with their age."""
    out = Path(folder)
    kids = _child_columns(book, seed)
    ev = book.events
    kind_of = {k: a.kind for k, a in book.agencies.items()}
    label_of = {k: a.label for k, a in book.agencies.items()}
    ak = ev["agency"].astype(object).map(kind_of).fillna("")
    ok = ev["other"].astype(object).map(kind_of).fillna("")
    frame = pd.DataFrame(
        {
            "child": ev["child"].to_numpy(),
            "time": ev["time"].to_numpy(),
            "date": pd.to_datetime(ev["date"]).dt.normalize().to_numpy(),
            "agency": ev["agency"].astype(object).to_numpy(),
            "agency_kind": ak.to_numpy(),
            "kind": ev["kind"].astype(str).to_numpy(),
            "other_kind": ok.to_numpy(),
        }
    )
    written = []
    for spec in LISTS:
        rows = _LIST_ROWS[spec.number](frame, label_of)
        table = kids.merge(rows, on="child", how="inner", sort=False)
        table = table.sort_values(["_order", "child"], kind="stable")
        written.append(
            write_file(
                out / f"List {spec.number} - {spec.title}.csv",
                _csv_text(spec, table),
                make_parents=True,
            )
        )
    return written


def _child_columns(book: CaseBook, seed: int) -> pd.DataFrame:
    """Each child's id, gender, ethnicity code, date of birth and disability, as written."""
    k = written_children(book, seed)
    return pd.DataFrame(
        {
            "child": k["child"].to_numpy(),
            "Child Unique ID": k["reference"].to_numpy(),
            "Gender": np.where(k["female"].to_numpy(bool), "Female", "Male"),
            "Ethnicity": k["ethnicity"].to_numpy(),
            "_dob": k["dob"].to_numpy(),
            "Does the Child have a Disability": np.where(
                k["disability"].to_numpy(bool), "Yes", "No"
            ),
        }
    )


def _at(frame: pd.DataFrame, agency_kind: str, kind: str) -> pd.DataFrame:
    return frame[(frame["agency_kind"] == agency_kind) & (frame["kind"] == kind)]


def _episodes(frame: pd.DataFrame, agency_kind: str) -> pd.DataFrame:
    """Each start at an agency of ``agency_kind`` with the end that closes it (the n-th
    end of a child at an agency closes its n-th start)."""
    starts = _at(frame, agency_kind, "start").copy()
    ends = _at(frame, agency_kind, "end").copy()
    starts["n"] = starts.groupby(["child", "agency"]).cumcount()
    ends["n"] = ends.groupby(["child", "agency"]).cumcount()
    merged = starts.merge(
        ends[["child", "agency", "n", "date"]].rename(columns={"date": "end"}),
        on=["child", "agency", "n"],
        how="left",
    )
    return merged.rename(columns={"date": "start"})


def _contacts(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    rows = _at(frame, "front_door", "arrive")
    return pd.DataFrame(
        {
            "child": rows["child"].to_numpy(),
            "_order": rows["time"].to_numpy(),
            "date": rows["date"].to_numpy(),
            "source": [_source_cell(written_source(k)) for k in rows["other_kind"]],
        }
    )


def _source_cell(code: str) -> str:
    return f"{code}: {SOURCES[code]}"


def _referrals(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Each referral, with the source of the contact before it, whether the referral
    was closed with no further action and how many referrals the child had in the
    twelve months up to it."""
    rows = _at(frame, "referral", "arrive").sort_values("time", kind="stable")
    contacts = _at(frame, "front_door", "arrive").sort_values("time", kind="stable")
    before = pd.merge_asof(
        rows[["time", "child"]],
        contacts[["time", "child", "other_kind"]],
        on="time",
        by="child",
        direction="backward",
    )
    leave = frame[
        (frame["agency_kind"] == "referral") & frame["kind"].isin(["exit", "handoff"])
    ].sort_values("time", kind="stable")
    after = pd.merge_asof(
        rows[["time", "child"]],
        leave[["time", "child", "kind"]],
        on="time",
        by="child",
        direction="forward",
    )
    nfa = after["kind"].map({"exit": "Yes", "handoff": "No"}).fillna("")
    year = np.timedelta64(365, "D")
    dates = rows["date"].to_numpy()
    children = rows["child"].to_numpy()
    repeats = np.zeros(len(rows), dtype=np.int64)
    for child in np.unique(children):
        at = np.flatnonzero(children == child)
        d = dates[at]
        repeats[at] = np.arange(1, len(at) + 1) - np.searchsorted(d, d - year, side="right")
    return pd.DataFrame(
        {
            "child": children,
            "_order": rows["time"].to_numpy(),
            "date": dates,
            # a referral with no contact before it in the records has an unknown source
            "source": [
                _source_cell("10" if pd.isna(k) else written_source(str(k)))
                for k in before["other_kind"]
            ],
            "nfa": nfa.to_numpy(),
            "repeats": repeats,
            "team": rows["agency"].map(labels).to_numpy(),
        }
    )


_Rows = Callable[[pd.DataFrame, dict[str, str]], pd.DataFrame]


def _plain(agency_kind: str, team: str = "team") -> _Rows:
    """The rows of a list of episodes at agencies of ``agency_kind`` (Lists 2, 4, 6 to 8),
    the agency's name in column ``team``."""

    def rows(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
        ep = _episodes(frame, agency_kind)
        return pd.DataFrame(
            {
                "child": ep["child"].to_numpy(),
                "_order": ep["time"].to_numpy(),
                "start": ep["start"].to_numpy(),
                "end": ep["end"].to_numpy(),
                team: ep["agency"].map(labels).to_numpy(),
            }
        )

    return rows


def _enquiries(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Each strategy discussion that began a section 47 enquiry, with the first initial
    conference held after it (before the child's next one)."""
    rows = _at(frame, "strategy", "start").sort_values("time", kind="stable").copy()
    rows["n"] = np.arange(len(rows))
    held = _at(frame, "conference", "start").sort_values("time", kind="stable")
    matched = pd.merge_asof(
        held[["time", "child", "date"]].rename(columns={"date": "icpc"}),
        rows[["time", "child", "n"]],
        on="time",
        by="child",
        direction="backward",
    ).dropna(subset=["n"])
    first = matched.drop_duplicates("n").astype({"n": np.int64})[["n", "icpc"]]
    icpc = rows[["n"]].merge(first, on="n", how="left")["icpc"]
    ended = frame[(frame["agency_kind"] == "strategy") & (frame["kind"] == "end")]
    closed = rows["child"].isin(ended["child"])
    unneeded = np.where(icpc.notna(), "No", np.where(closed, "Yes", ""))
    return pd.DataFrame(
        {
            "child": rows["child"].to_numpy(),
            "_order": rows["time"].to_numpy(),
            "start": rows["date"].to_numpy(),
            "icpc": icpc.to_numpy(),
            "unneeded": unneeded,
            "team": rows["agency"].map(labels).to_numpy(),
        }
    )


_LIST_ROWS: dict[int, _Rows] = {
    1: _contacts,
    2: _plain("early_help", "organisation"),
    3: _referrals,
    4: _plain("assessment"),
    5: _enquiries,
    6: _plain("cin_plan"),
    7: _plain("cp_plan"),
    8: _plain("looked_after"),
}

#: The columns each list is written with (its keys; the template's names are written).
_WRITTEN: dict[int, tuple[str, ...]] = {
    1: ("date", "source"),
    2: ("start", "end", "organisation"),
    3: ("date", "source", "nfa", "repeats", "team"),
    4: ("start", "end", "team"),
    5: ("start", "icpc", "unneeded", "team"),
    6: ("start", "end", "team"),
    7: ("start", "end", "team"),
    8: ("start", "end", "team"),
}


def _csv_text(spec: ListSpec, table: pd.DataFrame) -> str:
    """One list as CSV text: the child's columns, then the list's own."""
    own = _WRITTEN[spec.number]
    disability = spec.number >= 4
    header = [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        *(["Does the Child have a Disability"] if disability else []),
        *(spec.column(key).spellings[0] for key in own),
    ]
    first = pd.to_datetime(table[own[0]])
    dob = pd.to_datetime(table["_dob"])
    age = (
        first.dt.year
        - dob.dt.year
        - (
            (first.dt.month < dob.dt.month)
            | ((first.dt.month == dob.dt.month) & (first.dt.day < dob.dt.day))
        )
    )
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(header)
    columns = [
        table["Child Unique ID"].map(as_text),
        table["Gender"],
        table["Ethnicity"].map(as_text),
        written_dates(dob),
        age.astype(str),
        *([table["Does the Child have a Disability"]] if disability else []),
        *(
            written_dates(table[key])
            if key in ("date", "start", "end", "icpc")
            else table[key].map(lambda v: as_text(str(v)) if not pd.isna(v) else "")
            for key in own
        ),
    ]
    w.writerows(zip(*(c.tolist() for c in columns), strict=True))
    return buffer.getvalue()


__all__ = ["CARRIED", "MAX_AGE", "detect_annex_a", "read_annex_a", "write_annex_a"]
