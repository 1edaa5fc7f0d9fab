"""A partnership's own case list (CSV) as a :class:`CaseBook`, checked row by row.

A case list is a folder with ``children.csv`` (one row per child),
``events.csv`` (one row per event) and, optionally, ``agencies.csv`` (one row
per agency). ``scenarios/cases/README.md`` documents every column; the short
version:

* ``children.csv``: ``child`` (any id) and ``date_of_birth`` or ``age`` (age at
  the first event); optional ``mental_health`` (``none``, ``early_signs``,
  ``ill`` or 0/1/2, as when the child first came to notice: no case-management
  system records this, so it is only for a list written from a simulation; when
  absent or empty the child's state is unknown and counted as none), ``name``,
  ``at_risk``, ``exploitation``, ``missing``, ``send``, ``disability``,
  ``deprived``, ``identified`` (yes/no), ``sex`` (female/male/other) and
  ``ethnicity``.
* ``events.csv``: ``child``, ``date`` (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM``),
  ``agency``, ``kind`` (an event kind in lower case: ``arrive``, ``start``,
  ``end``, ``exit``, ``handoff``, ``notify``, ``fork``, ``status``, ``review``,
  ``crisis``, ``deteriorate``, ``improve``, ``identify``, ``wait``, ``info``,
  ``attend``, ``interim``, ``retriage``, ``placement``, ``signpost``,
  ``child``); optional ``other`` (the other agency), ``detail`` and ``value``
  (meaning per kind as in :class:`jtai_sim.simulation.eventlog.EventKind`, with words
  allowed: ``cin``, ``partial``, ``ill``...) and ``origin`` (``new``,
  ``crisis``, ``return``, ``referral`` for an ``arrive``).
* ``agencies.csv``: ``agency``, ``kind`` (an agency kind such as ``front_door``
  or ``camhs_spa``), ``label``, optional ``support`` (yes/no). Without it, each
  agency in ``events.csv`` must be written as its kind.

Any mistake raises :class:`~jtai_sim.errors.CaseListError` naming the file,
line, column and value, e.g. ``events.csv:14: column agency: unknown agency
'camhz' (did you mean 'camhs'?)``.

>>> book = load_case_list("scenarios/cases")
>>> book.source, len(book.children) > 30
('case list', True)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd

from jtai_sim.calendar import WorkingCalendar
from jtai_sim.cells import as_text
from jtai_sim.errors import CaseListError
from jtai_sim.inspection.casebook import KIND_NAMES, SUPPORT_KINDS, standard_clocks
from jtai_sim.inspection.model import AgencyInfo, CaseBook
from jtai_sim.scenario.converter import suggest
from jtai_sim.scenario.loading import read_bytes
from jtai_sim.scenario.model import AgencyKind, Clock
from jtai_sim.vocabulary import (
    CHILD_FLAGS,
    HOUSEHOLD_FLAGS,
    LEGAL_STATUSES,
    ORIGIN_KEYS,
    STATUS_CODE,
    Completeness,
    EventKind,
    HeldIn,
    MentalHealth,
    Origin,
    PartnerCode,
)

AGENCY_KINDS: tuple[str, ...] = get_args(AgencyKind)
#: the child register's yes/no columns; sex is a column of its own in a case list
YES_NO_COLUMNS = tuple(flag for flag in CHILD_FLAGS if flag != "female")
#: a case list's columns for the child's household: ``household`` names it (children
#: with the same one are brothers and sisters; empty, a household of their own) and the
#: household factors are yes/no columns
HOUSEHOLD_COLUMNS = ("household", *HOUSEHOLD_FLAGS)
CHILD_COLUMNS = (
    "child",
    "name",
    "date_of_birth",
    "age",
    "mental_health",
    *YES_NO_COLUMNS,
    "sex",
    "ethnicity",
    *HOUSEHOLD_COLUMNS,
)
EVENT_COLUMNS = ("child", "date", "agency", "kind", "other", "detail", "value", "origin")
AGENCY_COLUMNS = ("agency", "kind", "label", "support")

#: Origins a case list may give an arrival ("initial" is only for a simulation's own log).
_ARRIVAL_ORIGINS = tuple(k for k in ORIGIN_KEYS if k and k != Origin.INITIAL.key)
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"", "0", "false", "no", "n", "f"}
_MH = (
    {m.key: int(m) for m in MentalHealth}
    | {str(int(m)): int(m) for m in MentalHealth}
    | {m.word: int(m) for m in MentalHealth}
    | {"no": MentalHealth.NONE, "mental_ill_health": MentalHealth.ILL}
)
_STATUS = (
    dict(STATUS_CODE)
    | {str(code): code for code in STATUS_CODE.values()}
    | {
        "child_in_need": STATUS_CODE["cin"],
        "child_protection": STATUS_CODE["cp"],
        "lac": STATUS_CODE["looked_after"],
        "cla": STATUS_CODE["looked_after"],
        "looked after": STATUS_CODE["looked_after"],
    }
)
_COMPLETE = {c.key: int(c) for c in Completeness} | {str(int(c)): int(c) for c in Completeness}
_FLAG = {"0": 0, "1": 1, "no": 0, "yes": 1, "false": 0, "true": 1}
_PARTNER = {p.key: int(p) for p in PartnerCode} | {"education": int(PartnerCode.SCHOOLS)}
_HELD = {h.key: int(h) for h in HeldIn}
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")

#: The largest case-list file read, in bytes: our own bound. 8 MiB holds about 140,000
#: event rows (60 bytes each), the records of a few thousand children, more than an
#: area's list of children in scope for one inspection; a file at the limit is read
#: (and a mistake in its last row found) in about 7 seconds and 300 MB. A larger
#: file, or a device such as /dev/zero, is refused before it is read.
MAX_FILE_BYTES = 8 * 2**20
#: The longest cell, in characters: our own bound. An id, a name, an ethnicity or a
#: detail is a few words; a page of text is about 3,000 characters.
MAX_CELL = 10_000
#: Years a date may fall in: no child's record is older than 1900, and a date after
#: 2200 is a typing slip (the working calendar is only built for the years between).
YEARS = (1900, 2200)
#: The oldest a child may be at their first event: care leavers are supported to 25.
MAX_AGE = 25


@contextmanager
def _field_limit(size: int) -> Iterator[None]:
    """Let the csv module read fields of up to ``size`` characters inside the block (its
    own limit of 131,072 would stop with an exception naming no place); the cells are
    then checked against :data:`MAX_CELL`, which names the row and column."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, size))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _shown(text: str) -> str:
    """``text`` quoted, cut to its first 40 characters when longer."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + "..."


def _unquoted(text: str) -> str:
    """A cell as written: the apostrophe :func:`jtai_sim.cells.as_text` puts before a
    cell a spreadsheet would run as a formula is dropped, as a spreadsheet drops it."""
    return text[1:] if text.startswith("'") and as_text(text[1:]) == text else text


class _Table:
    """The rows of one CSV file, with the line each starts on."""

    def __init__(self, path: Path, allowed: tuple[str, ...], required: tuple[str, ...]):
        self.path = path
        self.name = str(path)
        data = read_bytes(path, limit=MAX_FILE_BYTES, error=CaseListError, what="a case-list CSV")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CaseListError(f"not UTF-8 text ({exc.reason})", file=self.name) from None
        del data
        with _field_limit(len(text) + 1):
            self._read(text, allowed, required)

    def _read(self, text: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
        """Read the header and the rows of ``text``."""
        # lines end only at \n, \r\n or \r (str.splitlines would also split a cell at
        # a vertical tab, a form feed or U+2028)
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader)
        except StopIteration:
            raise CaseListError(
                "the file is empty (it needs a header line)", file=self.name
            ) from None
        except csv.Error as exc:
            raise CaseListError(f"is not a CSV file ({exc})", file=self.name, line=1) from None
        self.columns = [h.strip().lower() for h in header]
        for h in self.columns:
            if h not in allowed:
                raise CaseListError(
                    f"unknown column {h!r}{_hint(h, allowed)}", file=self.name, line=1
                )
        seen: set[str] = set()
        for h in self.columns:
            if h in seen:
                raise CaseListError(f"column {h!r} appears twice", file=self.name, line=1)
            seen.add(h)
        for r in required:
            if r not in self.columns:
                raise CaseListError(f"missing column {r!r}", file=self.name, line=1)
        self.rows: list[tuple[int, dict[str, str]]] = []
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise CaseListError(
                    f"is not valid CSV ({exc})", file=self.name, line=line
                ) from None
            start, line = line, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(self.columns):
                raise CaseListError(
                    f"has {len(values)} values but the header has {len(self.columns)} columns",
                    file=self.name,
                    line=start,
                )
            row = {h: _unquoted(v.strip()) for h, v in zip(self.columns, values, strict=True)}
            for h, v in row.items():
                if len(v) > MAX_CELL:
                    raise self.error(
                        start,
                        h,
                        f"is {len(v):,} characters long; a cell may hold at most {MAX_CELL:,}, "
                        f"got {_shown(v)}",
                    )
            self.rows.append((start, row))

    def error(self, line: int, column: str, message: str) -> CaseListError:
        return CaseListError(message, file=self.name, line=line, key=f"column {column}")

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return iter(self.rows)


def _hint(value: str, choices: tuple[str, ...] | list[str]) -> str:
    close = suggest(value, choices, cutoff=0.55)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _choices(words: list[str]) -> str:
    return ", ".join(words)


def _parse_date(text: str) -> dt.datetime | None:
    m = _DATE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = m.groups()
    try:
        return dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None


def _in_years(t: _Table, line: int, column: str, when: dt.datetime, text: str) -> None:
    """Refuse a date outside :data:`YEARS`."""
    lo, hi = YEARS
    if not lo <= when.year <= hi:
        raise t.error(line, column, f"must fall in the years {lo} to {hi}, got {text!r}")


def _bool(t: _Table, line: int, column: str, text: str) -> bool:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise t.error(line, column, f"must be yes or no, got {text!r}")


def _number(t: _Table, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise t.error(line, column, f"must be a number, got {text!r}") from None
    if not np.isfinite(value):
        raise t.error(line, column, f"must be a finite number, got {text!r}")
    return value


def read_agencies(path: Path) -> dict[str, AgencyInfo]:
    """The agencies of ``agencies.csv``."""
    t = _Table(path, AGENCY_COLUMNS, ("agency", "kind"))
    out: dict[str, AgencyInfo] = {}
    for line, row in t:
        key = row["agency"]
        if not key:
            raise t.error(line, "agency", "is empty")
        if key in out:
            raise t.error(line, "agency", f"agency {key!r} is listed twice")
        kind = row["kind"].lower()
        if kind not in AGENCY_KINDS:
            raise t.error(
                line,
                "kind",
                f"unknown agency kind {row['kind']!r}"
                f"{_hint(kind, AGENCY_KINDS)}; kinds are {_choices(list(AGENCY_KINDS))}",
            )
        support = (
            _bool(t, line, "support", row["support"])
            if row.get("support")
            else kind in SUPPORT_KINDS
        )
        out[key] = AgencyInfo(key=key, kind=kind, label=row.get("label") or key, support=support)
    if not out:
        raise CaseListError("no agencies listed", file=t.name)
    return out


def _default_agencies() -> dict[str, AgencyInfo]:
    return {
        k: AgencyInfo(
            key=k, kind=k, label=k.replace("_", " ").capitalize(), support=k in SUPPORT_KINDS
        )
        for k in AGENCY_KINDS
    }


def casebook_from_csv(
    children_csv: str | Path,
    events_csv: str | Path,
    agencies_csv: str | Path | None = None,
    *,
    clocks: dict[str, Clock] | None = None,
    default_due_days: float = 1.0,
    name: str = "",
) -> CaseBook:
    """A case book from a case list (see the module doc and ``scenarios/cases/README.md``).

    ``clocks`` default to :func:`~jtai_sim.inspection.casebook.standard_clocks` for
    the agencies present; information counts as late after ``default_due_days``.
    """
    agencies = read_agencies(Path(agencies_csv)) if agencies_csv else _default_agencies()
    kids = _read_children(Path(children_csv))
    events = _read_events(Path(events_csv), kids, agencies, agencies_csv is not None)
    _check_births(kids, events, Path(children_csv), Path(events_csv))
    used = [
        k
        for k in agencies
        if agencies_csv or k in set(events["agency_key"]) or k in set(events["other_key"])
    ]
    agencies = {k: agencies[k] for k in used}
    return assemble_casebook(
        kids, events, agencies, clocks=clocks, default_due_days=default_due_days, name=name
    )


def load_case_list(
    path: str | Path,
    *,
    clocks: dict[str, Clock] | None = None,
    default_due_days: float = 1.0,
    name: str = "",
) -> CaseBook:
    """The case list in folder ``path`` (or in the folder of the file ``path``).

    The folder holds ``children.csv``, ``events.csv`` and, optionally,
    ``agencies.csv``; the keywords are those of :func:`casebook_from_csv`, and
    ``name`` defaults to the folder's name.
    """
    folder = Path(path)
    if not folder.exists():
        raise CaseListError("no such folder or file", file=str(folder))
    if folder.is_file():
        folder = folder.parent
    children, events, agencies = (
        folder / n for n in ("children.csv", "events.csv", "agencies.csv")
    )
    for f in (children, events):
        if not f.exists():  # anything there that is not a file is refused as it is read
            raise CaseListError(
                f"no {f.name} (a case list folder holds children.csv, events.csv and "
                "optionally agencies.csv)",
                file=str(folder),
            )
    return casebook_from_csv(
        children,
        events,
        agencies if agencies.exists() else None,
        clocks=clocks,
        default_due_days=default_due_days,
        name=name or folder.name,
    )


def _read_children(path: Path) -> pd.DataFrame:
    # mental_health is optional: an area's records hold what agencies noted (an
    # ``identify`` event), never the child's unobserved state, which only a list
    # written from a simulation carries
    t = _Table(path, CHILD_COLUMNS, ("child",))
    if "date_of_birth" not in t.columns and "age" not in t.columns:
        raise CaseListError("missing column 'date_of_birth' (or 'age')", file=t.name, line=1)
    rows = []
    first: dict[str, int] = {}
    for line, row in t:
        ref = row["child"]
        if not ref:
            raise t.error(line, "child", "is empty")
        if ref in first:
            raise t.error(
                line, "child", f"child {ref!r} is listed twice (first on line {first[ref]})"
            )
        first[ref] = line
        mh = _MH.get(row.get("mental_health", "").lower() or MentalHealth.NONE.key)
        if mh is None:
            raise t.error(
                line,
                "mental_health",
                f"must be none, early_signs or ill (or 0, 1, 2), got {row['mental_health']!r}",
            )
        dob: dt.date | None = None
        age: int | None = None
        if row.get("date_of_birth"):
            parsed = _parse_date(row["date_of_birth"])
            if parsed is None:
                raise t.error(
                    line,
                    "date_of_birth",
                    f"must be a date YYYY-MM-DD, got {row['date_of_birth']!r}",
                )
            _in_years(t, line, "date_of_birth", parsed, row["date_of_birth"])
            dob = parsed.date()
        if row.get("age"):
            try:
                age = int(row["age"])
            except ValueError:
                raise t.error(line, "age", f"must be a whole number, got {row['age']!r}") from None
            if not 0 <= age <= 25:
                raise t.error(line, "age", f"must be from 0 to 25, got {age}")
        if dob is None and age is None:
            col = "date_of_birth" if "date_of_birth" in t.columns else "age"
            raise t.error(line, col, "is empty (give a date of birth or an age)")
        sex = row.get("sex", "").lower()
        if sex not in ("", "female", "f", "girl", "male", "m", "boy", "other", "unknown"):
            raise t.error(line, "sex", f"must be female, male or other, got {row['sex']!r}")
        flags = {c: _bool(t, line, c, row.get(c, "")) for c in (*YES_NO_COLUMNS, *HOUSEHOLD_FLAGS)}
        rows.append(
            {
                "reference": ref,
                "label": row.get("name") or ref,
                "line": line,
                "dob": dob,
                "age_given": age,
                "mental_health": mh,
                **flags,
                "female": sex in ("female", "f", "girl"),
                "ethnicity": row.get("ethnicity") or "Not recorded",
                "household_ref": row.get("household") or ref,
            }
        )
    if not rows:
        raise CaseListError("no children listed", file=t.name)
    return pd.DataFrame(rows)


def _read_events(
    path: Path, kids: pd.DataFrame, agencies: dict[str, AgencyInfo], listed: bool
) -> pd.DataFrame:
    t = _Table(path, EVENT_COLUMNS, ("child", "date", "agency", "kind"))
    known = set(kids["reference"])
    keys = list(agencies)
    where = (
        "agencies come from agencies.csv"
        if listed
        else "without agencies.csv, agencies are written as their kinds"
    )
    rows = []
    for line, row in t:
        ref = row["child"]
        if ref not in known:
            raise t.error(
                line,
                "child",
                f"unknown child {ref!r} (not in children.csv){_hint(ref, sorted(known))}",
            )
        when = _parse_date(row["date"])
        if when is None:
            raise t.error(
                line,
                "date",
                "must be a date YYYY-MM-DD or a date and time "
                f"YYYY-MM-DD HH:MM, got {row['date']!r}",
            )
        _in_years(t, line, "date", when, row["date"])
        kind = row["kind"].lower()
        if kind not in KIND_NAMES:
            raise t.error(
                line,
                "kind",
                f"unknown event kind {row['kind']!r}"
                f"{_hint(kind, KIND_NAMES)}; kinds are {_choices(list(KIND_NAMES))}",
            )
        agency = row["agency"]
        if agency not in agencies and not (kind == "child" and not agency):
            raise t.error(
                line,
                "agency",
                f"unknown agency {agency!r}{_hint(agency, keys)} ({where})",
            )
        other = row.get("other", "")
        if other and other not in agencies:
            raise t.error(
                line,
                "other",
                f"unknown agency {other!r}{_hint(other, keys)} ({where})",
            )
        code = int(EventKind[kind.upper()])
        detail, value, origin = _detail_value(t, line, row, kind, other)
        rows.append((line, when, ref, agency, code, other, detail, value, origin))
    if not rows:
        raise CaseListError("no events listed", file=t.name)
    _check_order(t, rows)
    frame = pd.DataFrame(
        rows,
        columns=[
            "line",
            "when",
            "reference",
            "agency_key",
            "kind",
            "other_key",
            "detail",
            "value",
            "origin",
        ],
    )
    return frame


def _check_order(t: _Table, rows: list[tuple[Any, ...]]) -> None:
    """Refuse an ``end`` row dated before the first ``start`` of that child at that agency."""
    starts: dict[tuple[str, str], tuple[dt.datetime, int]] = {}
    for line, when, ref, agency, code, *_ in rows:
        first = starts.get((ref, agency))
        if code == int(EventKind.START) and (first is None or when < first[0]):
            starts[(ref, agency)] = (when, line)
    for line, when, ref, agency, code, *_ in rows:
        first = starts.get((ref, agency))
        if code == int(EventKind.END) and first is not None and when < first[0]:
            raise t.error(
                line,
                "date",
                f"an end at {agency!r} before the child's first start there "
                f"(line {first[1]}, {first[0]:%Y-%m-%d}), got {when:%Y-%m-%d}",
            )


def _check_births(
    kids: pd.DataFrame, events: pd.DataFrame, children_csv: Path, events_csv: Path
) -> None:
    """Refuse a date of birth after the child's first event, or one that makes the child
    older than :data:`MAX_AGE` then; the error names children.csv and the child's row."""
    first: dict[str, tuple[dt.datetime, int]] = {}
    for line, when, ref in zip(events["line"], events["when"], events["reference"], strict=True):
        if ref not in first or when < first[ref][0]:
            first[ref] = (when, int(line))
    for ref, born, line in zip(kids["reference"], kids["dob"], kids["line"], strict=True):
        if born is None or pd.isna(born) or ref not in first:
            continue
        when, event_line = first[ref]
        on = when.date()
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        where = f"{events_csv.name} line {event_line}, {on.isoformat()}"
        if born > on:
            problem = f"is after the child's first event ({where})"
        elif age > MAX_AGE:
            problem = f"makes the child {age} at their first event ({where}); at most {MAX_AGE}"
        else:
            continue
        raise CaseListError(
            f"{problem}, got {born.isoformat()!r}",
            file=str(children_csv),
            line=int(line),
            key="column date_of_birth",
        )


def _detail_value(
    t: _Table, line: int, row: dict[str, str], kind: str, other: str
) -> tuple[int, float, str]:
    """``detail``, ``value`` (NaN: to be worked out) and ``origin`` of one event row."""
    dtext = row.get("detail", "").lower()
    vtext = row.get("value", "")
    value = _number(t, line, "value", vtext) if vtext else np.nan
    origin = row.get("origin", "").lower()
    if origin and kind != "arrive":
        raise t.error(line, "origin", f"is only for arrive rows, got {row['origin']!r}")
    if kind in ("handoff", "notify", "fork", "info"):
        if not other and kind != "info":
            raise t.error(line, "other", f"a {kind} row needs the agency it goes to")
        detail = _COMPLETE.get(dtext or "not_recorded")
        if detail is None:
            raise t.error(
                line,
                "detail",
                f"must be complete, partial, lost or not_recorded, got {row['detail']!r}",
            )
        return detail, (0.0 if np.isnan(value) else value), ""
    if kind == "signpost" and not other:
        raise t.error(line, "other", "a signpost row needs the agency the child was signposted to")
    if kind == "attend":
        code = _PARTNER.get(dtext)
        if code is None:
            raise t.error(
                line,
                "detail",
                f"an attend row needs the partner: {', '.join(_PARTNER)}, "
                f"got {row.get('detail', '')!r}",
            )
        came = _FLAG.get(vtext.strip().lower())
        if came is None:
            raise t.error(line, "value", f"is 1 if the partner attended, 0 if not, got {vtext!r}")
        return code, float(came), ""
    if kind == "held":
        code = _HELD.get(dtext)
        if code is None:
            raise t.error(
                line,
                "detail",
                f"a held row needs the setting: {', '.join(_HELD)}, got {row.get('detail', '')!r}",
            )
        return code, 0.0, ""
    if kind == "status":
        code = _STATUS.get(dtext)
        if code is None:
            raise t.error(
                line,
                "detail",
                "a status row needs the legal status: none, "
                "early_help, cin, cp or looked_after, got "
                f"{row.get('detail', '')!r}",
            )
        return code, 0.0, ""
    if kind in ("deteriorate", "improve", "identify", "crisis"):
        if not dtext and kind in ("deteriorate", "improve"):
            raise t.error(
                line,
                "detail",
                f"a {kind} row needs the new mental-health state (none, early_signs or ill)",
            )
        mh = _MH.get(dtext or "0")
        if mh is None:
            raise t.error(
                line, "detail", f"must be none, early_signs or ill, got {row['detail']!r}"
            )
        return mh, 0.0, ""
    if kind == "child":
        try:
            return int(dtext or "0"), (0.0 if np.isnan(value) else value), ""
        except ValueError:
            raise t.error(
                line, "detail", f"must be a whole number, got {row['detail']!r}"
            ) from None
    flag = _FLAG.get(dtext or "0")
    if flag is None:
        raise t.error(line, "detail", f"must be 0 or 1 for a {kind} row, got {row['detail']!r}")
    if kind == "arrive":
        if origin and origin not in _ARRIVAL_ORIGINS:
            raise t.error(
                line, "origin", f"must be new, crisis, return or referral, got {row['origin']!r}"
            )
        if not np.isnan(value) and value not in (0.0, 1.0):
            raise t.error(line, "value", f"is 1 for a re-referral, else 0, got {vtext!r}")
        if not origin:
            origin = (
                Origin.RETURN if value == 1.0 else Origin.REFERRAL if other else Origin.NEW
            ).key
        return flag, (1.0 if origin == Origin.RETURN.key else 0.0), origin
    if kind == "review" and not np.isnan(value) and value < 0:
        raise t.error(line, "value", f"is days late (0 if on time), got {vtext!r}")
    if kind in ("start", "end", "wait") and not np.isnan(value) and value < 0:
        raise t.error(line, "value", f"must be 0 or more for a {kind} row, got {vtext!r}")
    if kind in ("review", "exit", "wait"):
        return flag, (0.0 if np.isnan(value) else value), ""
    return flag, value, ""  # start, end, child: worked out later when empty


def assemble_casebook(
    kids: pd.DataFrame,
    raw: pd.DataFrame,
    agencies: dict[str, AgencyInfo],
    *,
    clocks: dict[str, Clock] | None = None,
    default_due_days: float = 1.0,
    name: str = "",
    source: str = "case list",
    covers_until: dt.date | None = None,
) -> CaseBook:
    """The case book of recorded children and events: the one place a case book is built
    from records, whichever files they came from (a case list, Annex A lists, a return).

    ``kids`` has one row per child: ``reference`` (the id as written) and either ``dob``
    (a date) or ``age_given`` (whole years at the first event); optionally ``label``,
    ``line``, ``mental_health`` (a :class:`~jtai_sim.vocabulary.MentalHealth` code; none
    when not recorded), ``female``, ``ethnicity``, ``household_ref`` and the yes/no
    columns of the case list. ``raw`` has one row per event: ``line`` (where it was
    read; file order breaks ties), ``when`` (a datetime), ``reference``, ``agency_key``,
    ``kind`` (an :class:`~jtai_sim.vocabulary.EventKind` code), ``other_key`` (``""``
    for none), ``detail``, ``value`` (``NaN`` for a ``start`` or ``end`` works out the
    wait or the length) and ``origin`` (``""`` except for arrivals).
    """
    kids = _with_defaults(kids)
    raw = raw.sort_values(["when", "line"], kind="stable").reset_index(drop=True)
    first = raw["when"].min().date()
    last = raw["when"].max().date()
    calendar = WorkingCalendar(first, float((last - first).days + 1))
    base = pd.Timestamp(first)
    time = ((raw["when"] - base) / pd.Timedelta(days=1)).to_numpy(np.float64)
    child = pd.Index(kids["reference"]).get_indexer(raw["reference"]).astype(np.int64) + 1
    keys = list(agencies)
    code = {k: i for i, k in enumerate(keys)}
    agency_cat = pd.CategoricalDtype(keys)
    value = raw["value"].to_numpy(np.float64).copy()
    kind = raw["kind"].to_numpy(np.int64)
    ag = raw["agency_key"].map(code).fillna(-1).to_numpy(np.int64)
    _fill_durations(kind, child, ag, time, value)
    events = pd.DataFrame(
        {
            "time": time,
            "date": calendar.dates_of(time).astype("datetime64[s]"),
            "child": child,
            "agency": pd.Categorical.from_codes(ag, dtype=agency_cat),
            "kind": pd.Categorical.from_codes(kind, categories=pd.Index(list(KIND_NAMES))),
            "other": pd.Categorical.from_codes(
                raw["other_key"].map(code).fillna(-1).to_numpy(np.int64), dtype=agency_cat
            ),
            "detail": raw["detail"].to_numpy(np.int16),
            "value": value,
            "origin": pd.Categorical(raw["origin"].to_numpy(), categories=list(ORIGIN_KEYS)),
            "line": raw["line"].to_numpy(np.int32),
        }
    )
    events.index = pd.RangeIndex(len(events), name="event_id")
    arrived = pd.Series(time).groupby(child).min()
    kid_ids = np.arange(1, len(kids) + 1)
    # a household's id is the id of its first child listed (as a run's register has it)
    family = pd.factorize(kids["household_ref"].to_numpy(dtype=object), use_na_sentinel=False)[0]
    household = kid_ids[np.unique(family, return_index=True)[1]][family]
    arrived_t = arrived.reindex(kid_ids).fillna(0.0).to_numpy(np.float64)
    arrived_date = calendar.dates_of(arrived_t)
    dob = pd.to_datetime(kids["dob"]).astype("datetime64[s]")
    age = kids["age_given"].to_numpy(dtype=float, copy=True)
    born = dob.notna().to_numpy()
    if born.any():
        on = pd.DatetimeIndex(arrived_date[born])
        b = pd.DatetimeIndex(dob.to_numpy()[born])
        before_birthday = (on.month * 100 + on.day) < (b.month * 100 + b.day)
        age[born] = on.year - b.year - before_birthday
    children = pd.DataFrame(
        {
            "child": kid_ids,
            "stream": pd.Categorical(["case list"] * len(kids)),
            "arrived": arrived_t,
            "household": household,
            "age": np.maximum(age, 0).astype(np.int64),
            "mental_health": kids["mental_health"].to_numpy(np.int64),
            "identified": kids["identified"].to_numpy(bool),
            "at_risk": kids["at_risk"].to_numpy(bool),
            "exploitation": kids["exploitation"].to_numpy(bool),
            "missing": kids["missing"].to_numpy(bool),
            "send": kids["send"].to_numpy(bool),
            "disability": kids["disability"].to_numpy(bool),
            "deprived": kids["deprived"].to_numpy(bool),
            "female": kids["female"].to_numpy(bool),
            **{f: kids[f].to_numpy(bool) for f in HOUSEHOLD_FLAGS},
            "ethnicity": kids["ethnicity"].to_numpy(object),
            "arrived_date": arrived_date.astype("datetime64[s]"),
            "reference": kids["reference"].to_numpy(object),
            "label": kids["label"].to_numpy(object),
            "date_of_birth": dob.to_numpy(),
        }
    )
    return CaseBook(
        children=children,
        events=events,
        agencies=agencies,
        calendar=calendar,
        source=source,
        name=name,
        clocks=standard_clocks(agencies) if clocks is None else dict(clocks),
        handoff_due_days={},
        default_due_days=default_due_days,
        covers_until=covers_until,
    )


def _with_defaults(kids: pd.DataFrame) -> pd.DataFrame:
    """``kids`` with every optional column of :func:`assemble_casebook` filled in."""
    kids = kids.reset_index(drop=True).copy()
    n = len(kids)
    defaults: dict[str, object] = {
        "label": kids["reference"],
        "line": np.full(n, -1),
        "dob": [None] * n,
        "age_given": np.full(n, np.nan),
        "mental_health": np.zeros(n, dtype=np.int64),
        "female": np.zeros(n, dtype=bool),
        "ethnicity": ["Not recorded"] * n,
        "household_ref": kids["reference"],
        **{f: np.zeros(n, dtype=bool) for f in (*YES_NO_COLUMNS, *HOUSEHOLD_FLAGS)},
    }
    for column, value in defaults.items():
        if column not in kids.columns:
            kids[column] = value
    return kids


def _fill_durations(
    kind: np.ndarray, child: np.ndarray, agency: np.ndarray, time: np.ndarray, value: np.ndarray
) -> None:
    """Empty ``start`` values become the wait since the child's last arrival at that agency,
    and empty ``end`` values the time since the last start there (rows are in time order);
    other empty values but an arrival's become 0. Worked out for every row at once: the
    rows of each child at each agency are put together, keeping their order."""
    order = np.lexsort((np.arange(len(kind)), agency, child))
    k, t, c, a = kind[order], time[order], child[order], agency[order]
    at = np.arange(len(order))
    opens = np.ones(len(order), dtype=bool)
    opens[1:] = (c[1:] != c[:-1]) | (a[1:] != a[:-1])
    group_from = np.maximum.accumulate(np.where(opens, at, 0))

    def since_last(of: EventKind) -> np.ndarray:
        last = np.maximum.accumulate(np.where(k == int(of), at, -1))
        return np.where(last >= group_from, t - t[np.maximum(last, 0)], 0.0)

    filled = np.where(
        k == int(EventKind.START),
        since_last(EventKind.ARRIVE),
        np.where(k == int(EventKind.END), since_last(EventKind.START), 0.0),
    )
    empty = np.isnan(value[order]) & (k != int(EventKind.ARRIVE))
    value[order[empty]] = filled[empty]


# ---------------------------------------------------------------- writing a case list


class _TextCells:
    """A csv writer whose every cell goes through :func:`jtai_sim.cells.as_text`."""

    def __init__(self, handle: Any) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each text cell a spreadsheet would evaluate made safe."""
        self._writer.writerow([as_text(cell) for cell in row])


def _writer(handle: Any) -> _TextCells:
    return _TextCells(handle)


def draw_date_of_birth(age: int, arrived: object, rng: np.random.Generator) -> dt.date:
    """A date of birth for a simulated child ``age`` whole years old on ``arrived``, drawn
    from ``rng``: a simulated child has an age, a record a date of birth.

    The date is drawn evenly from the 365 days ending on the ``age``-th anniversary
    before ``arrived`` (29 February counts from the 28th), so the age on arrival is
    exactly ``age``.

    >>> draw_date_of_birth(7, dt.date(2024, 5, 20), np.random.default_rng(0))
    datetime.date(2016, 7, 14)
    """
    on = pd.Timestamp(arrived).date()
    day = 28 if (on.month, on.day) == (2, 29) else on.day
    anniversary = dt.date(on.year - age, on.month, day)
    return anniversary - dt.timedelta(days=int(rng.integers(0, 365)))


def write_case_list(
    book: CaseBook,
    folder: str | Path,
    children: list[int] | None = None,
    *,
    dates_of_birth: bool = False,
    seed: int = 0,
) -> Path:
    """Write ``book`` (or only ``children``) as a case list in ``folder``.

    Writes ``children.csv``, ``events.csv`` and ``agencies.csv`` in the layout
    :func:`load_case_list` reads. Times are written to the second. With
    ``dates_of_birth`` a date of birth consistent with the age on arrival is drawn
    from ``seed`` in place of the age. A cell a spreadsheet would run as a formula
    (a child or an agency called ``=HYPERLINK(...)``) is written as text
    (:func:`jtai_sim.cells.as_text`); :func:`load_case_list` reads it back as it was.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    kids = book.children
    if children is not None:
        kids = kids[kids["child"].isin(children)]
    ev = book.events[book.events["child"].isin(kids["child"])]
    ref = dict(zip(kids["child"], kids["reference"], strict=True))
    # a household of more than one child is named by its first child's reference
    everyone = book.children
    homes = everyone["household"] if "household" in everyone else everyone["child"]
    shared = homes.value_counts()
    all_refs = dict(zip(everyone["child"], everyone["reference"], strict=True))
    household_ref = {
        int(h): f"household of {all_refs.get(h, h)}" for h in shared.index[shared.to_numpy() > 1]
    }
    rng = np.random.default_rng(seed)
    with (out / "agencies.csv").open("w", newline="", encoding="utf-8") as fh:
        w = _writer(fh)
        w.writerow(AGENCY_COLUMNS)
        for a in book.agencies.values():
            w.writerow([a.key, a.kind, a.label, "yes" if a.support else "no"])
    with (out / "children.csv").open("w", newline="", encoding="utf-8") as fh:
        w = _writer(fh)
        unused = "age" if dates_of_birth else "date_of_birth"  # one of the two is written
        w.writerow([c for c in CHILD_COLUMNS if c != unused])
        kid_rows: Iterable[Any] = kids.itertuples(index=False)
        for r in kid_rows:
            if dates_of_birth:
                age_text = draw_date_of_birth(int(r.age), r.arrived_date, rng).isoformat()
            else:
                age_text = str(int(r.age))
            yes = {True: "yes", False: "no"}
            label = "" if r.label == r.reference else r.label
            w.writerow(
                [
                    r.reference,
                    label,
                    age_text,
                    MentalHealth(int(r.mental_health)).key,
                    yes[bool(r.identified)],
                    yes[bool(r.at_risk)],
                    yes[bool(r.exploitation)],
                    yes[bool(r.missing)],
                    yes[bool(r.send)],
                    yes[bool(r.disability)],
                    yes[bool(r.deprived)],
                    "female" if r.female else "male",
                    r.ethnicity,
                    household_ref.get(int(getattr(r, "household", r.child)), ""),
                    *(yes[bool(getattr(r, f, False))] for f in HOUSEHOLD_FLAGS),
                ]
            )
    start = pd.Timestamp(book.calendar.start_date)
    stamps = start + pd.to_timedelta(np.round(ev["time"].to_numpy() * 86400), unit="s")
    with (out / "events.csv").open("w", newline="", encoding="utf-8") as fh:
        w = _writer(fh)
        w.writerow(EVENT_COLUMNS)
        ev_rows: Iterable[Any] = ev.itertuples(index=False)
        for stamp, r in zip(stamps, ev_rows, strict=True):
            kind = str(r.kind)
            other = "" if pd.isna(r.other) else str(r.other)
            origin = str(r.origin)
            value = float(r.value)
            if kind in ("handoff", "notify", "fork", "info"):
                detail = Completeness(int(r.detail)).key
            elif kind == "status":
                detail = LEGAL_STATUSES[int(r.detail)]
            elif kind == "attend":
                detail = PartnerCode(int(r.detail)).key
            elif kind == "held":
                detail = HeldIn(int(r.detail)).key
            elif kind in ("deteriorate", "improve", "identify", "crisis"):
                detail = MentalHealth(min(int(r.detail), MentalHealth.ILL)).key
            else:
                detail = str(int(r.detail))
            if kind == "arrive":
                origin = Origin.NEW.key if origin == Origin.INITIAL.key else origin
                value = 1.0 if origin == Origin.RETURN.key else 0.0
            else:
                origin = ""
            w.writerow(
                [
                    ref[int(r.child)],
                    f"{stamp:%Y-%m-%d %H:%M:%S}",
                    "" if pd.isna(r.agency) else str(r.agency),
                    kind,
                    other,
                    detail,
                    f"{value:.9g}",
                    origin,
                ]
            )
    return out
