"""Read and write the SSDA903 return on children looked after: its header and episodes files.

Every local authority in England sends the Department for Education the SSDA903
return each year; the CSV form loads a file per table. Two of them carry what a
case book holds about care:

* the **header**: one row per child (``CHILD``, ``SEX`` 1 or 2, ``DOB``, ``ETHNIC``
  as a DfE code, ``UPN``, ``MOTHER``, ``MC_DOB``);
* the **episodes**: a row each time a child's legal status or placement changes
  (``CHILD``, ``DECOM`` the day it began, ``RNE`` why a new episode began, ``LS``
  the legal status, ``CIN`` the category of need, ``PLACE`` the placement type,
  ``PLACE_PROVIDER``, ``DEC`` the day it ended, ``REC`` why it ended,
  ``REASON_PLACE_CHANGE``, ``HOME_POST``, ``PL_POST``, ``URN``).

A child's episodes chain into periods of care: a period begins with an episode
whose ``RNE`` is ``S`` (started to be looked after) and ends with one whose ``REC``
is not ``X1`` (an episode that ends and another begins the same day). The case
book gets, at the children in care service: a ``start`` on the first day of each
period, a ``placement`` for each episode that begins a placement (``RNE`` S, P, T, B
or U: the codes whose words name a placement change), and an ``end`` on the last
day. A child whose first episode in the files is not a start of care was in care
already; their period is taken to begin on that episode's ``DECOM``, the earliest day
the files know.

The return holds no "out of area" field: the DfE works it out from the home and
placement postcodes. Tools that add it write ``PL_LOCATION`` (``IN`` or ``OUT``, the
DfE's own code set); the reader takes it when there and otherwise records every
placement as inside the area, which it cannot know (docs/records-ssda903.md).

Every mistake in a file is listed with its row and column, as the DfE's own
validation of the return checks them: a code no code set has, a date that is not
a date, a child twice in the header or an episode twice, an episode for a child the
header lacks, an episode before the child's birth or after ``until``, an episode
that ends before it begins, and episodes that do not chain (one that begins while
the one before is open or has not ended, a new episode on another day than the
``X1`` before it, a new period that does not begin with ``S``).

:func:`write_ssda903` writes both files for a case book. The model knows when a
child came into care, each placement and whether it was outside the area, and when
care ended; it does not know the legal basis, the category of need, the kind of
placement or why care ended, so those columns carry one stated code each
(:data:`WRITTEN_CODES`), which the reader does not use.

>>> import tempfile
>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection import casebook_from_run
>>> book = casebook_from_run(simulate(load_scenario("scenarios/midshire.toml"), seed=1, days=60))
>>> folder = tempfile.mkdtemp()
>>> [p.name for p in write_ssda903(book, folder)]
['header.csv', 'episodes.csv']
>>> back = read_ssda903(folder)
>>> sorted(back.agencies)
['looked_after']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd

from jtai_sim.atomic import write_file
from jtai_sim.cells import as_text
from jtai_sim.errors import RecordsError
from jtai_sim.inspection.model import AgencyInfo, CaseBook
from jtai_sim.records.annex_a_lists import AGENCY_LABELS
from jtai_sim.records.codes import ETHNICITY_SPELLINGS, NOT_RECORDED
from jtai_sim.records.problems import Problems
from jtai_sim.records.recorded import Carried, Recorded
from jtai_sim.records.tables import (
    Column,
    Table,
    codes,
    dates,
    header_key,
    listed_once,
    note_cells,
    read_table,
    record_tables,
    required,
)
from jtai_sim.records.written import DATE_FORMAT, written_children
from jtai_sim.vocabulary import EventKind

#: The agency the episodes describe (as the Annex A lists name it).
AGENCY = "looked_after"

#: The facts the return holds (a loader prefers these to Annex A's List 8).
CARRIED = Carried(
    events=frozenset(
        (AGENCY, kind.key) for kind in (EventKind.START, EventKind.PLACEMENT, EventKind.END)
    )
)

# ----------------------------------------------------------------------- code sets
# The DfE's code sets for the return (children looked after data collection guide and
# technical specification), in our own short words.

#: Why a new episode began.
RNE: dict[str, str] = {
    "S": "started to be looked after",
    "L": "legal status changed, placement did not",
    "P": "placement and carers changed",
    "T": "placement changed, carers did not",
    "B": "legal status, placement and carers changed together",
    "U": "legal status and placement changed together, carers did not",
}
#: The reasons for a new episode that begin a placement.
NEW_PLACEMENT = frozenset({"S", "P", "T", "B", "U"})

#: The legal status.
LS: dict[str, str] = {
    "C1": "interim care order",
    "C2": "full care order",
    "D1": "freeing order granted",
    "E1": "placement order granted",
    "V2": "accommodated under section 20, a single period",
    "V3": "series of short breaks, each episode recorded",
    "V4": "series of short breaks, agreements recorded",
    "L1": "police protection, in local authority accommodation",
    "L2": "emergency protection order",
    "L3": "child assessment order, in local authority accommodation",
    "J1": "remanded to local authority or youth detention accommodation",
    "J2": "accommodated under the Police and Criminal Evidence Act 1984",
    "J3": "youth rehabilitation order with a residence or fostering requirement",
}

#: The category of need.
CIN: dict[str, str] = {
    "N1": "abuse or neglect",
    "N2": "child's disability",
    "N3": "parental illness or disability",
    "N4": "family in acute stress",
    "N5": "family dysfunction",
    "N6": "socially unacceptable behaviour",
    "N7": "low income",
    "N8": "absent parenting",
}

#: The placement type.
PLACE: dict[str, str] = {
    "A3": "placed for adoption with consent, with current foster carers",
    "A4": "placed for adoption with consent, not with current foster carers",
    "A5": "placed for adoption with a placement order, with current foster carers",
    "A6": "placed for adoption with a placement order, not with current foster carers",
    "H5": "semi-independent living not regulated as a children's home",
    "K1": "secure children's home",
    "K2": "children's home",
    "K3": "registered supported accommodation",
    "P1": "placed with own parents or others with parental responsibility",
    "P2": "independent living",
    "P3": "residential employment",
    "R1": "residential care home",
    "R2": "NHS or other health establishment",
    "R3": "family centre or mother and baby unit",
    "R5": "young offender institution",
    "S1": "residential school",
    "T0": "temporary move of any kind",
    "T1": "temporary period in hospital",
    "T2": "temporary absence on holiday",
    "T3": "temporary accommodation while the foster carers are on holiday",
    "T4": "temporary accommodation of seven days or less",
    "U1": "foster placement with relatives or friends, long term",
    "U2": "foster placement with relatives or friends who may adopt",
    "U3": "foster placement with relatives or friends, other",
    "U4": "foster placement with other carers, long term",
    "U5": "foster placement with other carers who may adopt",
    "U6": "foster placement with other carers, other",
    "Z1": "other placement",
}

#: Who provides the placement.
PLACE_PROVIDER: dict[str, str] = {
    "PR0": "parents or others with parental responsibility",
    "PR1": "the authority's own provision",
    "PR2": "another local authority",
    "PR3": "other public provision",
    "PR4": "private provision",
    "PR5": "voluntary or third sector provision",
}

#: Why an episode ended (``X1``: another begins the same day; the rest end care).
REC: dict[str, str] = {
    "X1": "episode ended and another began the same day",
    "E11": "adopted, unopposed",
    "E12": "adopted, consent dispensed with",
    "E13": "left care to live with others without parental responsibility",
    "E14": "accommodation on remand ended",
    "E15": "age assessment found the child 18 or over",
    "E16": "moved abroad",
    "E17": "aged 18 or over and stayed with the carers",
    "E2": "died",
    "E3": "care taken over by another local authority",
    "E41": "residence or child arrangements order",
    "E45": "special guardianship to former foster carers who are family or friends",
    "E46": "special guardianship to other former foster carers",
    "E47": "special guardianship to other carers who are family or friends",
    "E48": "special guardianship to other carers",
    "E4A": "returned home as part of the care plan",
    "E4B": "returned home, not part of the care plan",
    "E5": "independent living with formal support",
    "E6": "independent living without formal support",
    "E7": "transferred to adult social care residential care",
    "E8": "care ended for any other reason",
    "E9": "sentenced to custody",
}
#: The code for an episode that ends without ending care.
SAME_DAY = "X1"

#: Why a placement changed.
REASON_PLACE_CHANGE: dict[str, str] = {
    "CARPL": "care plan changed or carried out",
    "CLOSE": "provision resigned or closed",
    "ALLEG": "allegation (section 47)",
    "STAND": "concern about standards of care",
    "APPRR": "approval removed",
    "CREQB": "carers asked to end it because of the child's behaviour",
    "CREQO": "carers asked to end it for another reason",
    "CHILD": "the child asked to end it",
    "LAREQ": "the responsible or area authority asked to end it",
    "PLACE": "the placement's status changed only",
    "CUSTOD": "custody arrangement",
    "OTHER": "other",
}

#: Where the placement is, against the authority's boundary (the DfE's derived field).
PL_LOCATION: dict[str, str] = {"IN": "inside the area", "OUT": "outside the area"}

#: The header's gender codes (the return's, and their words as some exports write them).
SEX: dict[str, str] = {"1": "male", "2": "female", "male": "male", "female": "female"}

#: What the writer puts in each column the model cannot fill (see the module doc).
WRITTEN_CODES: dict[str, str] = {
    "LS": "C2",
    "CIN": "N1",
    "PLACE": "U6",
    "REC": "E8",
    "REASON_PLACE_CHANGE": "OTHER",
}

# ------------------------------------------------------------------------- columns

HEADER_COLUMNS: tuple[Column, ...] = (
    Column("child", ("CHILD",)),
    Column("sex", ("SEX",)),
    Column("dob", ("DOB",)),
    Column("ethnicity", ("ETHNIC",)),
    Column("upn", ("UPN",), required=False),
    Column("mother", ("MOTHER",), required=False),
    Column("mc_dob", ("MC_DOB",), required=False),
)
EPISODE_COLUMNS: tuple[Column, ...] = (
    Column("child", ("CHILD",)),
    Column("decom", ("DECOM",)),
    Column("rne", ("RNE",)),
    Column("ls", ("LS",)),
    Column("cin", ("CIN",)),
    Column("place", ("PLACE",)),
    Column("place_provider", ("PLACE_PROVIDER",), required=False),
    Column("dec", ("DEC",)),
    Column("rec", ("REC",)),
    Column("reason_place_change", ("REASON_PLACE_CHANGE",), required=False),
    Column("home_post", ("HOME_POST",), required=False),
    Column("pl_post", ("PL_POST",), required=False),
    Column("urn", ("URN",), required=False),
    Column("pl_location", ("PL_LOCATION",), required=False),
)
#: The columns that tell each table apart (all must be in its header).
_TELLS = {
    "header": {"child", "sex", "dob", "ethnic"},
    "episodes": {"child", "decom", "rne"},
}
_DATE = DATE_FORMAT
#: An episode's events are ordered start, placement, end; lines leave room for the
#: Annex A lists' (whose list numbers go up to 8 times 10^8).
_LINE_BASE = 10**9


# ------------------------------------------------------------------------- reading


def detect_ssda903(path: str | Path) -> list[tuple[str, Path, str | None]]:
    """The SSDA903 tables at ``path`` (a folder, a CSV file or a workbook): each as
    ``("header" or "episodes", file, sheet or None)``."""
    found: list[tuple[str, Path, str | None]] = []
    for file, sheet, header in record_tables(Path(path)):
        role = _role_of(header)
        if role:
            found.append((role, file, sheet))
    return found


def _role_of(header: list[str]) -> str:
    keys = {header_key(h) for h in header}
    return next((role for role, tells in _TELLS.items() if tells <= keys), "")


def read_ssda903(path: str | Path, *, until: dt.date | None = None) -> Recorded:
    """The children and events of the SSDA903 header and episodes at ``path`` (see the
    module doc); ``until`` is the last day the return covers, after which no date may fall."""
    path = Path(path)
    found = detect_ssda903(path)
    tables: dict[str, list[tuple[Path, str | None]]] = {"header": [], "episodes": []}
    for role, file, sheet in found:
        tables[role].append((file, sheet))
    named = {r: [_name(f, s) for f, s in places] for r, places in tables.items()}
    if not tables["episodes"]:
        raise RecordsError(
            (
                f"{path}: holds no SSDA903 episodes (a CSV file or sheet with the columns "
                "CHILD, DECOM, RNE, LS, CIN, PLACE, DEC and REC)",
            )
        )
    if not tables["header"]:
        raise RecordsError(
            (
                f"{named['episodes'][0]}: SSDA903 episodes need the header beside them (a "
                "file with the columns CHILD, SEX, DOB and ETHNIC)",
            )
        )
    for role, names in named.items():
        if len(names) > 1:
            raise RecordsError(
                (
                    f"{path}: holds {len(names)} SSDA903 {role} tables ({', '.join(names)}); "
                    "give one return at a time",
                )
            )
    lines: list[str] = []
    header_file, header_sheet = tables["header"][0]
    hp = Problems(named["header"][0])
    kids = None
    try:
        kids = _read_header(read_table(header_file, HEADER_COLUMNS, hp, sheet=header_sheet), hp)
        hp.check()
    except RecordsError as err:
        lines.extend(err.lines)
    episodes_file, episodes_sheet = tables["episodes"][0]
    ep = Problems(named["episodes"][0])
    try:
        table = read_table(episodes_file, EPISODE_COLUMNS, ep, sheet=episodes_sheet)
        events = _read_episodes(table, ep, kids, named["header"][0], until)
        ep.check()
    except RecordsError as err:
        lines.extend(err.lines)
    if lines or kids is None:
        raise RecordsError(tuple(lines))
    agencies = {AGENCY: AgencyInfo(key=AGENCY, kind=AGENCY, label=AGENCY_LABELS[AGENCY])}
    return Recorded(
        children=kids.drop(columns=["row"]),
        events=events,
        agencies=agencies,
        covers_until=until,
    )


def _own(code_set: dict[str, str]) -> dict[str, str]:
    """A code set that reads each code as itself."""
    return {code: code for code in code_set}


def _name(file: Path, sheet: str | None) -> str:
    return f"{file}[{sheet}]" if sheet else str(file)


def _read_header(t: Table, p: Problems) -> pd.DataFrame:
    """One row per child of the header, noting each mistake in ``p``."""
    ref = required(t, "child", p)
    listed_once(t, ["child"], p, "child")
    sex = codes(t, "sex", p, SEX, what="gender code (1 male, 2 female)")
    dob = dates(t, "dob", p)
    ethnicity = codes(t, "ethnicity", p, ETHNICITY_SPELLINGS, what="ethnicity code")
    keep = (ref != "").to_numpy()
    out = pd.DataFrame(
        {
            "reference": ref,
            "line": _LINE_BASE + 4 * t.rows,
            "dob": [d.date() if not pd.isna(d) else None for d in dob.tolist()],
            "age_given": np.nan,
            "ethnicity": ethnicity.where(ethnicity != "", NOT_RECORDED),
            "disability": False,
            "female": (sex == "female").to_numpy(bool),
            "row": t.rows,
        }
    )
    return out[keep].drop_duplicates("reference").reset_index(drop=True)


def _read_episodes(
    t: Table, p: Problems, kids: pd.DataFrame | None, header_name: str, until: dt.date | None
) -> pd.DataFrame:
    """The events of the episodes, noting each mistake in ``p``."""
    ref = required(t, "child", p)
    start = dates(t, "decom", p)
    end = dates(t, "dec", p, needed=False)
    rne = codes(t, "rne", p, _own(RNE), what="reason for new episode")
    for key, allowed, what in (
        ("ls", LS, "legal status"),
        ("cin", CIN, "category of need"),
        ("place", PLACE, "placement type"),
    ):
        codes(t, key, p, allowed, what=what)
    for key, allowed, what in (
        ("place_provider", PLACE_PROVIDER, "placement provider"),
        ("reason_place_change", REASON_PLACE_CHANGE, "reason for placement change"),
    ):
        codes(t, key, p, allowed, needed=False, what=what)
    rec = codes(t, "rec", p, _own(REC), needed=False, what="reason episode ceased")
    where = codes(t, "pl_location", p, _own(PL_LOCATION), needed=False, what="placement location")
    listed_once(t, ["child", "decom"], p, "episode (child and DECOM)")
    early = (end < start).to_numpy()
    for i in np.flatnonzero(early):
        p.add(
            int(t.rows[i]),
            t.header("dec"),
            f"is before {t.header('decom')} ({start.iat[i]:{_DATE}})",
            t.text("dec").iat[i],
        )
    no_reason = (end.notna() & (t.text("rec") == "")).to_numpy()
    for i in np.flatnonzero(no_reason):
        p.add(int(t.rows[i]), t.header("rec"), "is empty (an episode that ended needs a reason)")
    no_end = (end.isna() & (t.text("dec") == "") & (t.text("rec") != "")).to_numpy()
    for i in np.flatnonzero(no_end):
        p.add(
            int(t.rows[i]),
            t.header("dec"),
            "is empty (an episode with a reason ceased needs the day it ended)",
        )
    if until is not None:
        for key, values in (("decom", start), ("dec", end)):
            late = (values > pd.Timestamp(until)).to_numpy()
            note_cells(
                t, p, late, key, f"is after the last day the return covers ({until:{_DATE}})"
            )
    if kids is not None:
        born = pd.Series(pd.to_datetime(kids["dob"].to_numpy()), index=kids["reference"].to_numpy())
        unknown = (~ref.isin(born.index) & (ref != "")).to_numpy()
        for i in np.flatnonzero(unknown):
            p.add(
                int(t.rows[i]),
                t.header("child"),
                f"has no row in the header ({header_name})",
                str(ref.iat[i]),
            )
        at = ref.map(born)
        before = (start < at).to_numpy()
        for i in np.flatnonzero(before):
            p.add(
                int(t.rows[i]),
                t.header("decom"),
                f"is before the child's date of birth ({at.iat[i]:{_DATE}})",
                t.text("decom").iat[i],
            )
    frame = pd.DataFrame(
        {
            "row": t.rows,
            "reference": ref,
            "start": start,
            "end": end,
            "rne": rne,
            "rec": rec,
            "out": (where == "OUT").to_numpy(),
        }
    )
    frame = frame[(ref != "").to_numpy() & start.notna().to_numpy()]
    frame = frame.sort_values(["reference", "start", "row"], kind="stable").reset_index(drop=True)
    _check_chain(frame, t, p)
    return _events_of(frame)


def _check_chain(frame: pd.DataFrame, t: Table, p: Problems) -> None:
    """Note each episode that does not follow on from the child's episode before it."""
    same = (frame["reference"] == frame["reference"].shift()).to_numpy()
    prev_end = frame["end"].shift()
    prev_rec = frame["rec"].shift().fillna("")
    prev_row = frame["row"].shift().fillna(0).astype(np.int64)
    decom = t.header("decom")
    rne = t.header("rne")
    for i in np.flatnonzero(same):
        row = int(frame["row"].iat[i])
        before = int(prev_row.iat[i])
        begun = frame["start"].iat[i]
        ended = prev_end.iat[i]
        reason = str(prev_rec.iat[i])
        shown = f"{begun:{_DATE}}"
        if pd.isna(ended):
            p.add(
                row,
                decom,
                f"begins while the child's episode on row {before} is still open (it has no DEC)",
                shown,
            )
        elif begun < ended:
            p.add(
                row,
                decom,
                f"begins before the child's episode on row {before} ended ({ended:{_DATE}})",
                shown,
            )
        elif reason == SAME_DAY and begun != ended:
            p.add(
                row,
                decom,
                f"must be {ended:{_DATE}}: the child's episode on row {before} "
                f"ended {SAME_DAY} (another begins the same day)",
                shown,
            )
        elif reason == SAME_DAY and frame["rne"].iat[i] == "S":
            p.add(
                row,
                rne,
                f"cannot be S: the child's episode on row {before} ended "
                f"{SAME_DAY}, so care did not stop",
                "S",
            )
        elif reason not in ("", SAME_DAY) and frame["rne"].iat[i] != "S":
            p.add(
                row,
                rne,
                f"must be S: the child's episode on row {before} ended care (REC {reason})",
                str(frame["rne"].iat[i]),
            )


def _events_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The start, placement and end events of a child's sorted episodes."""
    first = (frame["reference"] != frame["reference"].shift()).to_numpy()
    began = first | (frame["rne"] == "S").to_numpy()
    placed = began | frame["rne"].isin(NEW_PLACEMENT).to_numpy()
    ends = (frame["end"].notna() & ~frame["rec"].isin([SAME_DAY, ""])).to_numpy()
    period = np.cumsum(began)
    moves = pd.Series(placed.astype(np.int64)).groupby(period).cumsum().to_numpy() - 1
    line = _LINE_BASE + 4 * np.arange(len(frame), dtype=np.int64)
    parts = []
    for kind, mask, when, offset, detail, value in (
        (EventKind.START, began, frame["start"], 0, 0, np.nan),
        (EventKind.PLACEMENT, placed, frame["start"], 1, frame["out"].astype(np.int64), moves),
        (EventKind.END, ends, frame["end"], 2, 0, np.nan),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "line": (line + offset)[mask],
                    "when": when.to_numpy()[mask],
                    "reference": frame["reference"].to_numpy()[mask],
                    "agency_key": AGENCY,
                    "kind": int(kind),
                    "other_key": "",
                    "detail": np.broadcast_to(np.asarray(detail), len(frame))[mask],
                    "value": np.broadcast_to(np.asarray(value, dtype=float), len(frame))[mask],
                    "origin": "",
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------- writing


def write_ssda903(book: CaseBook, folder: str | Path, *, seed: int = 0) -> list[Path]:
    """Write the header and episodes of ``book``'s children in care as CSV files in
    ``folder``; a child with no date of birth gets one drawn from ``seed``."""
    out = Path(folder)
    kinds = {k: a.kind for k, a in book.agencies.items()}
    ev = book.events
    at = ev["agency"].astype(object).map(kinds).fillna("") == AGENCY
    kind = ev["kind"].astype(str)
    care = ev[at & kind.isin([k for _, k in CARRIED.events])].sort_values(
        ["child", "time"], kind="stable"
    )
    episodes = _episode_rows(care)
    kids = written_children(book, seed)
    kids = kids[kids["child"].isin(episodes["child"])]
    refs = dict(zip(kids["child"], kids["reference"], strict=True))
    header = _csv(
        ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
        [
            [as_text(r), "2" if f else "1", _date(d), as_text(e), "", "", ""]
            for r, f, d, e in zip(
                kids["reference"], kids["female"], kids["dob"], kids["ethnicity"], strict=True
            )
        ],
    )
    rows = [
        [
            as_text(refs[c]),
            _date(start),
            rne,
            WRITTEN_CODES["LS"],
            WRITTEN_CODES["CIN"],
            WRITTEN_CODES["PLACE"],
            "",
            _date(end),
            rec,
            WRITTEN_CODES["REASON_PLACE_CHANGE"] if rne == "P" else "",
            "",
            "",
            "",
            "OUT" if outside else "IN",
        ]
        for c, start, rne, end, rec, outside in episodes.itertuples(index=False)
    ]
    body = _csv([c.spellings[0] for c in EPISODE_COLUMNS], rows)
    return [
        write_file(out / "header.csv", header, make_parents=True),
        write_file(out / "episodes.csv", body, make_parents=True),
    ]


def _episode_rows(care: pd.DataFrame) -> pd.DataFrame:
    """One row per episode: a child's care events (sorted by child and time) walked into
    periods, each placement beginning an episode and each end closing one."""
    rows: list[list[object]] = []
    # each child's open episode: its row, and whether its placement has been met yet
    open_at: dict[int, tuple[int, bool]] = {}
    for child, when, kind, detail in zip(
        care["child"].to_numpy(),
        pd.to_datetime(care["date"]),
        care["kind"].astype(str),
        care["detail"].to_numpy(),
        strict=True,
    ):
        child = int(child)
        day = when.normalize()
        current = open_at.get(child)
        if kind == EventKind.START.key and current is None:
            open_at[child] = (len(rows), False)
            rows.append([child, day, "S", None, "", False])
        elif kind == EventKind.PLACEMENT.key:
            if current is None:
                open_at[child] = (len(rows), True)
                rows.append([child, day, "S", None, "", bool(detail)])
            elif not current[1] or rows[current[0]][1] == day:
                # the first placement of a period begins with its first episode; a move on
                # the day an episode began replaces its placement (the return keys an
                # episode by child and start day)
                rows[current[0]][5] = bool(detail)
                open_at[child] = (current[0], True)
            else:
                rows[current[0]][3:5] = [day, SAME_DAY]
                open_at[child] = (len(rows), True)
                rows.append([child, day, "P", None, "", bool(detail)])
        elif kind == EventKind.END.key and current is not None:
            rows[current[0]][3:5] = [day, WRITTEN_CODES["REC"]]
            del open_at[child]
    return pd.DataFrame(rows, columns=["child", "start", "rne", "end", "rec", "out"])


def _date(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):{_DATE}}"


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buffer.getvalue()


__all__ = [
    "CARRIED",
    "CIN",
    "LS",
    "PLACE",
    "REC",
    "RNE",
    "WRITTEN_CODES",
    "detect_ssda903",
    "read_ssda903",
    "write_ssda903",
]
