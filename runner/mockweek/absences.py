"""Who is away during the on-site week: drawn from the seed, or read from a CSV.

The CSV has a header row and one row per absence:

=========  =========================================================================
column     meaning
=========  =========================================================================
``who``    a person id from the pack's ``people.csv`` (``leader:head_of_camhs``,
           ``practitioner:camhs:1234``, ``audit:front_door:1``), or a group:
           ``agency:KEY`` (everyone from that agency), ``inspector:NAME``,
           ``inspectorate:KEY`` (all its inspectors), ``leaders``,
           ``practitioners`` or ``everyone``
``date``   the first day away (YYYY-MM-DD)
``until``  optional: the last day away (inclusive); empty means the one day
``note``   optional: free text, ignored
=========  =========================================================================

>>> import io
>>> rows = parse_absences(io.StringIO("who,date\\neveryone,2026-06-17\\n"), file="a.csv")
>>> rows[0].who, rows[0].first.isoformat(), rows[0].last.isoformat()
('everyone', '2026-06-17', '2026-06-17')
>>> parse_absences(io.StringIO("name,date\\nx,2026-06-17\\n"), file="a.csv")
Traceback (most recent call last):
...
jtai_sim.errors.AbsenceError: a.csv:1: who: missing column (the header has: name, date)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from attrs import frozen

from jtai_sim.errors import AbsenceError
from jtai_sim.inspection.cases_csv import YEARS
from jtai_sim.randomness import Streams
from jtai_sim.scenario.converter import suggest
from jtai_sim.scenario.loading import read_bytes

REQUIRED = ("who", "date")
OPTIONAL = ("until", "note")
GROUPS = ("everyone", "leaders", "practitioners")
#: The largest absence CSV read, in bytes: our own bound. A row is about 40 bytes, so
#: 1 MiB holds some 25,000 absences, far more than the people of one on-site week.
MAX_FILE_BYTES = 2**20


@frozen(kw_only=True)
class AbsenceRow:
    """One row of an absence CSV."""

    who: str
    first: dt.date
    last: dt.date
    line: int


def parse_absences(stream: TextIO, *, file: str) -> list[AbsenceRow]:
    """Read and check the rows of an absence CSV (names are resolved later)."""
    reader = csv.reader(stream)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise AbsenceError("the file is empty (expected a header: who,date)", file=file) from None
    for column in REQUIRED:
        if column not in header:
            raise AbsenceError(
                f"missing column (the header has: {', '.join(header)})",
                file=file,
                line=1,
                key=column,
            )
    for column in header:
        if column not in REQUIRED + OPTIONAL:
            raise AbsenceError(
                f"unknown column (expected {', '.join(REQUIRED + OPTIONAL)})",
                file=file,
                line=1,
                key=column,
            )
    rows: list[AbsenceRow] = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise AbsenceError(
                f"has {len(values)} values but the header has {len(header)} columns",
                file=file,
                line=number,
            )
        record = dict(zip(header, (v.strip() for v in values), strict=True))
        if not record["who"]:
            raise AbsenceError("is empty", file=file, line=number, key="who")
        first = _date(record["date"], file, number, "date")
        until = record.get("until", "")
        last = _date(until, file, number, "until") if until else first
        if last < first:
            raise AbsenceError(
                f"is before date {first.isoformat()}, got {until!r}",
                file=file,
                line=number,
                key="until",
            )
        rows.append(AbsenceRow(who=record["who"], first=first, last=last, line=number))
    return rows


def read_absences(path: str | Path) -> list[AbsenceRow]:
    """Read an absence CSV file (at most :data:`MAX_FILE_BYTES`; a BOM is dropped)."""
    data = read_bytes(Path(path), limit=MAX_FILE_BYTES, error=AbsenceError, what="an absence CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AbsenceError("cannot read absences: not UTF-8 text", file=str(path)) from None
    try:
        return parse_absences(io.StringIO(text, newline=""), file=str(path))
    except csv.Error as exc:
        raise AbsenceError(f"is not valid CSV ({exc})", file=str(path)) from None


def _date(text: str, file: str, line: int, key: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise AbsenceError(
            f"must be a date (YYYY-MM-DD), got {text!r}", file=file, line=line, key=key
        ) from None
    lo, hi = YEARS
    if not lo <= date.year <= hi:
        raise AbsenceError(
            f"must fall in the years {lo} to {hi}, got {text!r}", file=file, line=line, key=key
        )
    return date


def drawn_absences(
    people: Iterable[str], days: int, rate: float, seed: int
) -> dict[str, frozenset[int]]:
    """Days (0-based) each person is away, each day independently with chance ``rate``.

    Each person has their own stream, so adding a person leaves the others' days as
    they were. A draw never takes someone away for the whole week (the day with the
    highest draw is kept in): being away all week is a fact to give in a CSV, not
    something to happen by chance.

    >>> drawn_absences(["a", "b"], 5, 0.0, 1)
    {'a': frozenset(), 'b': frozenset()}
    >>> len(drawn_absences(["a"], 5, 1.0, 1)["a"])
    4
    """
    streams = Streams(seed)
    out: dict[str, frozenset[int]] = {}
    for person in people:
        draws = streams.generator("mock-week", "absence", person).random(days)
        away = {d for d in range(days) if draws[d] < rate}
        if days and len(away) == days:
            away.discard(int(draws.argmax()))
        out[person] = frozenset(away)
    return out


def resolve_absences(
    rows: Iterable[AbsenceRow],
    *,
    file: str,
    dates: tuple[dt.date, ...],
    groups: Mapping[str, tuple[str, ...]],
) -> dict[str, frozenset[int]]:
    """Days away per person or inspector, from CSV rows.

    ``groups`` maps every name a row may use (each person id and inspector
    name, and group names such as ``agency:camhs``) to the ids it covers.
    A row outside the on-site week is allowed (it changes nothing); an unknown
    name is an error naming the row.
    """
    away: dict[str, set[int]] = {}
    for row in rows:
        if row.who not in groups:
            close = suggest(row.who, groups)
            hint = f" (did you mean {close[0]!r}?)" if close else " (see people.csv in the pack)"
            raise AbsenceError(
                f"nobody called {row.who!r}{hint}", file=file, line=row.line, key="who"
            )
        days = [d for d, date in enumerate(dates) if row.first <= date <= row.last]
        for person in groups[row.who]:
            away.setdefault(person, set()).update(days)
    return {k: frozenset(v) for k, v in away.items()}


__all__ = [
    "AbsenceError",
    "AbsenceRow",
    "drawn_absences",
    "parse_absences",
    "read_absences",
    "resolve_absences",
]
