"""Read and write a CAMHS referral extract: one row per referral to children's mental health.

An NHS mental health provider reports every referral it receives to the Mental Health
Services Data Set (MHSDS). A partnership preparing for a joint targeted area
inspection usually asks the provider for a child-level extract of those referrals: who
was referred, by whom, when the single point of access triaged them, what it decided,
when the child was first seen and when they were discharged. This module reads such an
extract in a layout whose column names follow the MHSDS's own (``LocalPatientId``,
``ServiceRequestId``, ``ReferralRequestReceivedDate``, ``SourceOfReferralMH``,
``ServDischDate`` ...), with the triage and discharge columns a provider's system adds
for it; ``docs/records-camhs.md`` describes every column.

A row is one service request, made to one of three teams (``ServTeamTypeRefToMH``):

* ``SPA``, the single point of access: the referral ``arrive``\\ s there from its
  source, triage ``start``\\ s on ``TriageStartDate`` and ``end``\\ s on
  ``TriageOutcomeDate``, when the child leaves (``exit``, outcome ``CLOSED``) or is
  passed on (``handoff``) to community CAMHS (``ACCEPTED``), the voluntary sector
  (``SIGNPOSTED``) or a specialist service; a child accepted then ``arrive``\\ s at
  community CAMHS that day, and the row's first contact and discharge are then at
  community CAMHS;
* ``COMMUNITY``, community CAMHS directly (a child already on its books, or stepped
  down from a ward): ``arrive`` on the referral date;
* ``MHST``, a mental health support team in schools.

At community CAMHS or an MHST, ``FirstAttendedContactDate`` is the ``start`` of
support and ``ServDischDate`` the ``exit`` (with ``DischReason`` as its
:class:`~jtai_sim.vocabulary.ExitReason`), and also the ``end`` of support when the
child was seen.

The child's id (``LocalPatientId``) must be the id the local authority's records
give the child, so that the extract's children are the Annex A lists' children: a
provider's own patient number has to be linked to it first.

Every mistake in a file is listed with its row, column and value (as
:mod:`jtai_sim.records.problems` gathers them) and all are raised together as one
:class:`~jtai_sim.errors.RecordsError`: a missing column, a date that is not one, a code
not in its list, an empty id, a service request listed twice, a date before one it
follows on the referral's path or before the child's birth, a date after the day the
extract was produced (``until``), and a child whose date of birth or gender differs
between rows.

:func:`write_camhs_extract` writes the extract of a (simulated) case book, and a round
trip gives the same facts (:data:`CARRIED`) except that a referral's source is an
MHSDS code, which several kinds of agency share (:func:`as_recorded`).

>>> import tempfile
>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection import casebook_from_run
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=60))
>>> folder = tempfile.mkdtemp()
>>> [p.name for p in write_camhs_extract(book, folder)]
['CAMHS referrals.csv']
>>> [p.name for p in detect_camhs_extract(folder)]
['CAMHS referrals.csv']
>>> recorded = read_camhs_extract(folder)
>>> sorted(recorded.agencies)[:2]
['camhs_community', 'camhs_spa']
>>> as_recorded("looked_after"), as_recorded("crisis_team"), as_recorded("")
('front_door', 'crisis_team', '')
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from jtai_sim.atomic import write_file
from jtai_sim.cells import as_text
from jtai_sim.errors import RecordsError
from jtai_sim.inspection.model import AgencyInfo, CaseBook
from jtai_sim.inspection.partners import partner_of_kind
from jtai_sim.records.children import one_row_per_child
from jtai_sim.records.codes import NOT_RECORDED, ethnic_group
from jtai_sim.records.problems import Problems
from jtai_sim.records.recorded import Carried, Recorded
from jtai_sim.records.tables import (
    Column,
    Table,
    codes,
    dates,
    each_value,
    header_key,
    listed_once,
    note_cells,
    read_table,
    record_tables,
    required,
)
from jtai_sim.records.written import DATE_FORMAT, written_children, written_dates
from jtai_sim.vocabulary import Completeness, EventKind, ExitReason, Origin

_SPA = "camhs_spa"
_COMMUNITY = "camhs_community"
_MHST = "mhst"

#: The facts the extract holds (see the module doc).
CARRIED = Carried(
    events=frozenset(
        {(_SPA, k) for k in ("arrive", "start", "end", "exit", "handoff")}
        | {(team, k) for team in (_COMMUNITY, _MHST) for k in ("arrive", "start", "end", "exit")}
    )
)

_DATE = DATE_FORMAT

# ------------------------------------------------------------------------------ code lists

#: The team a service request was made to (``ServTeamTypeRefToMH``), to its agency kind.
#: The MHSDS codes team types nationally; a provider's own team codes are to be mapped to
#: these three words before reading (docs/records-camhs.md).
TEAMS: dict[str, str] = {"SPA": _SPA, "COMMUNITY": _COMMUNITY, "MHST": _MHST}

#: The MHSDS's Person Stated Gender codes (NHS Data Dictionary), and the words exports use.
GENDER: dict[str, str] = {
    "1": "male",
    "2": "female",
    "9": "not recorded",
    "X": "not recorded",
    "0": "not recorded",
    "male": "male",
    "m": "male",
    "female": "female",
    "f": "female",
    "indeterminate": "not recorded",
    "not known": "not recorded",
}

#: The NHS Data Dictionary's ETHNIC CATEGORY codes (the 2001 census's 16 groups, ``Z``
#: not stated, ``99`` not known), each to the broad group a case book uses. Chinese
#: (``R``) counts with Asian, as :mod:`jtai_sim.records.codes` counts the DfE's ``CHNE``.
ETHNIC_CATEGORY: dict[str, tuple[str, str]] = {
    "A": ("White - British", "White"),
    "B": ("White - Irish", "White"),
    "C": ("White - Any other White background", "White"),
    "D": ("Mixed - White and Black Caribbean", "Mixed"),
    "E": ("Mixed - White and Black African", "Mixed"),
    "F": ("Mixed - White and Asian", "Mixed"),
    "G": ("Mixed - Any other mixed background", "Mixed"),
    "H": ("Asian or Asian British - Indian", "Asian"),
    "J": ("Asian or Asian British - Pakistani", "Asian"),
    "K": ("Asian or Asian British - Bangladeshi", "Asian"),
    "L": ("Asian or Asian British - Any other Asian background", "Asian"),
    "M": ("Black or Black British - Caribbean", "Black"),
    "N": ("Black or Black British - African", "Black"),
    "P": ("Black or Black British - Any other Black background", "Black"),
    "R": ("Other Ethnic Groups - Chinese", "Asian"),
    "S": ("Other Ethnic Groups - Any other ethnic group", "Other"),
    "Z": ("Not stated", NOT_RECORDED),
    "99": ("Not known", NOT_RECORDED),
}

#: The code a writer gives a child of a broad group (its "any other" category).
_GROUP_CATEGORY = {"White": "C", "Mixed": "G", "Asian": "L", "Black": "P", "Other": "S"}

#: The MHSDS's SOURCE OF REFERRAL FOR MENTAL HEALTH codes, as the NHS Data Dictionary
#: lists them for MHSDS version 5, with the agency each reads as: ``(key, kind, label)``,
#: ``None`` for the child or their family (an arrival from no agency). The list was
#: written from the Data Dictionary's groups (primary care A, self B, local authority C,
#: employer D, justice E, child health F, independent and voluntary G, acute care H,
#: other mental health trusts I, internal P); check a provider's codes against the
#: current Data Dictionary before relying on a rarely used one.
SOURCES: dict[str, tuple[str, tuple[str, str, str] | None]] = {
    "A1": ("General Medical Practitioner Practice", ("gp", "gp", "GP practices")),
    "A2": ("Health Visitor", ("health_visiting", "health_visiting", "Health visitors")),
    "A3": ("Other Primary Health Care", ("primary_health", "generic", "Other primary care")),
    "A4": ("Maternity Service", ("maternity", "maternity", "Maternity services")),
    "B1": ("Self Referral", None),
    "B2": ("Carer or Relative", None),
    "C1": ("Social Services", ("front_door", "front_door", "Children's social care")),
    "C2": ("Education Service or Educational Establishment", ("school", "school", "Schools")),
    "C3": ("Housing Service", ("housing", "generic", "Housing")),
    "D1": ("Employer", ("employer", "generic", "Employer")),
    "D2": ("Employer - Occupational Health", ("employer", "generic", "Employer")),
    "E1": ("Police", ("police", "police", "Police")),
    "E2": ("Courts", ("courts", "generic", "Courts")),
    "E3": ("Probation Service", ("probation", "probation", "Probation service")),
    "E4": ("Prison", ("prison", "generic", "Prison")),
    "E5": (
        "Court Liaison and Diversion Service",
        ("liaison_and_diversion", "generic", "Liaison and diversion"),
    ),
    "E6": ("Youth Offending Team", ("youth_justice", "youth_justice", "Youth justice service")),
    "F1": ("School Nurse", ("school_nurse", "generic", "School nurses")),
    "F2": ("Hospital-based Paediatrics", ("paediatrics", "generic", "Paediatrics")),
    "F3": ("Community-based Paediatrics", ("paediatrics", "generic", "Paediatrics")),
    "G1": ("Voluntary Sector", ("voluntary", "voluntary", "Voluntary sector")),
    "G2": (
        "Independent Sector - Medium Secure Inpatients",
        ("independent", "generic", "Independent sector"),
    ),
    "G3": (
        "Other Independent Sector Mental Health Services",
        ("independent", "generic", "Independent sector"),
    ),
    "G4": (
        "Independent Sector - Low Secure Inpatients",
        ("independent", "generic", "Independent sector"),
    ),
    "H1": (
        "Emergency Care Department",
        ("emergency_department", "emergency_department", "Emergency department"),
    ),
    "H2": ("Other secondary care specialty", ("other_health", "generic", "Other health services")),
    "I1": (
        "Temporary transfer from another Mental Health NHS Trust",
        ("other_trust", "generic", "Another mental health trust"),
    ),
    "I2": (
        "Permanent transfer from another Mental Health NHS Trust",
        ("other_trust", "generic", "Another mental health trust"),
    ),
    "P1": (
        "Internal Referral",
        ("crisis_team", "crisis_team", "Mental health liaison and crisis team"),
    ),
}

#: Words a source is written as in place of its code (compared as headers are).
_SOURCE_WORDS: dict[str, str] = {
    "gp": "A1",
    "general practitioner": "A1",
    "self": "B1",
    "parent": "B2",
    "carer": "B2",
    "family": "B2",
    "social care": "C1",
    "school": "C2",
    "education": "C2",
    "police": "E1",
    "probation": "E3",
    "youth justice": "E6",
    "yot": "E6",
    "school nurse": "F1",
    "voluntary": "G1",
    "a e": "H1",
    "emergency department": "H1",
    "internal": "P1",
}

#: The source code written for a referral from an agency of each kind that has its own.
OWN_SOURCE: dict[str, str] = {
    "gp": "A1",
    "health_visiting": "A2",
    "maternity": "A4",
    "school": "C2",
    "police": "E1",
    "probation": "E3",
    "youth_justice": "E6",
    "voluntary": "G1",
    "emergency_department": "H1",
    # the liaison and crisis team and the wards belong to the mental health trust itself
    "crisis_team": "P1",
    "inpatient": "P1",
}
#: The code of every other kind is its partner agency's (as Annex A's writer does).
PARTNER_SOURCE: dict[str, str] = {
    "social_care": "C1",
    "health": "H2",
    "police": "E1",
    "schools": "C2",
    "youth_justice": "E6",
    "probation": "E3",
    "voluntary": "G1",
}
#: The source written for a referral from no agency (the simulation does not tell a
#: young person's own referral from their parent's).
PUBLIC_SOURCE = "B2"

#: The single point of access's triage outcomes (``TriageOutcome``): the agency kind the
#: child is passed on to, ``""`` for closed. Local codes: the MHSDS has no such field.
TRIAGE: dict[str, str] = {
    "ACCEPTED": _COMMUNITY,
    "SIGNPOSTED": "voluntary",
    "EATING_DISORDER": "eating_disorder",
    "NEURODEVELOPMENTAL": "neurodevelopmental",
    "PSYCHOSIS": "early_intervention_psychosis",
    "OTHER": "generic",
    "CLOSED": "",
}
_TRIAGE_AGENCY: dict[str, tuple[str, str]] = {
    _COMMUNITY: (_COMMUNITY, "Community CAMHS"),
    "voluntary": ("voluntary", "Voluntary sector"),
    "eating_disorder": ("eating_disorder", "Community eating disorder service"),
    "neurodevelopmental": ("neurodevelopmental", "Neurodevelopmental assessment"),
    "early_intervention_psychosis": (
        "early_intervention_psychosis",
        "Early intervention in psychosis",
    ),
    "generic": ("other_service", "Another service"),
}

#: Why a service request was closed (``DischReason``), to its ExitReason. Local codes.
DISCHARGE: dict[str, ExitReason] = {
    "COMPLETED": ExitReason.LEFT,
    "REMOVED": ExitReason.TAKEN_OFF,
    "MERGED": ExitReason.MERGED,
    "MOVED": ExitReason.MOVED,
}
_DISCHARGE_CODE = {int(v): k for k, v in DISCHARGE.items()}

_TEAM_LABELS = {
    _SPA: "CAMHS single point of access",
    _COMMUNITY: "Community CAMHS",
    _MHST: "Mental health support teams in schools",
}


def written_source(kind: str) -> str:
    """The ``SourceOfReferralMH`` code written for a referral from an agency of ``kind``
    (``""``: from the child or family).

    >>> written_source("gp"), written_source("cin_plan"), written_source("")
    ('A1', 'C1', 'B2')
    """
    if not kind:
        return PUBLIC_SOURCE
    return OWN_SOURCE.get(kind) or PARTNER_SOURCE.get(partner_of_kind(kind), "C1")


def as_recorded(kind: str) -> str:
    """The kind of agency a referral from ``kind`` reads back as once written as an
    extract (``""`` for none)."""
    agency = SOURCES[written_source(kind)][1]
    return "" if agency is None else agency[1]


# ------------------------------------------------------------------------------ columns

COLUMNS: tuple[Column, ...] = (
    Column(
        "child",
        (
            "LocalPatientId",
            "Local Patient Identifier",
            "LocalPatientIdExtended",
            "Child Unique ID",
            "LA Child ID",
        ),
    ),
    Column("dob", ("PersonBirthDate", "Person Birth Date", "Date of Birth")),
    Column("sex", ("Gender", "GenderIDCode", "Person Stated Gender Code"), required=False),
    Column("ethnicity", ("EthnicCategory", "Ethnic Category"), required=False),
    Column("request", ("ServiceRequestId", "Service Request Identifier", "UniqServReqID")),
    Column("team", ("ServTeamTypeRefToMH", "Team Type Referred To")),
    Column("received", ("ReferralRequestReceivedDate", "Referral Request Received Date")),
    Column("source", ("SourceOfReferralMH", "Source of Referral for Mental Health")),
    Column("triage_start", ("TriageStartDate",), required=False),
    Column("triage_date", ("TriageOutcomeDate",), required=False),
    Column("triage", ("TriageOutcome",), required=False),
    Column("contact", ("FirstAttendedContactDate",), required=False),
    Column("discharge", ("ServDischDate", "Service Discharge Date"), required=False),
    Column("reason", ("DischReason", "Discharge Reason"), required=False),
)
_WRITTEN = tuple(c.spellings[0] for c in COLUMNS)
_SIGNATURE = ("ServiceRequestId", "ReferralRequestReceivedDate")
#: The dates of a referral, in the order its path takes them.
_PATH = ("received", "triage_start", "triage_date", "contact", "discharge")

# ------------------------------------------------------------------------------ reading


def _tables(path: Path) -> list[tuple[Path, str | None]]:
    """Each CSV file or workbook sheet at ``path`` whose header is an extract's."""
    return [(f, sheet) for f, sheet, header in record_tables(path) if _is_extract(header)]


def _is_extract(header: Sequence[str]) -> bool:
    keys = {header_key(h) for h in header}
    return all(header_key(s) in keys for s in _SIGNATURE)


def detect_camhs_extract(path: str | Path) -> list[Path]:
    """The files at ``path`` (a folder, a CSV file or a workbook) that hold a CAMHS
    referral extract, told by its ``ServiceRequestId`` and ``ReferralRequestReceivedDate``
    columns (no Annex A list or SSDA903 file has them); a workbook is listed once."""
    return sorted({file for file, _ in _tables(Path(path))})


def read_camhs_extract(path: str | Path, *, until: dt.date | None = None) -> Recorded:
    """The children and events of the CAMHS referral extract at ``path`` (see the module
    doc); ``until`` is the date the extract was produced, after which no date may fall."""
    path = Path(path)
    found = _tables(path)
    if not found:
        raise RecordsError(
            (
                f"{path}: holds no CAMHS referral extract (a CSV file or workbook sheet "
                "with 'ServiceRequestId' and 'ReferralRequestReceivedDate' columns)",
            )
        )
    lines: list[str] = []
    kids: list[pd.DataFrame] = []
    events: list[pd.DataFrame] = []
    offset = 0
    for file, sheet in found:
        name = f"{file}[{sheet}]" if sheet else str(file)
        problems = Problems(name)
        try:
            table = read_table(file, COLUMNS, problems, sheet=sheet)
            k, e = _read_rows(table, problems, until, offset)
            problems.check()
        except RecordsError as err:
            lines.extend(err.lines)
            continue
        offset += int(table.rows.max()) + 1 if len(table) else 0
        kids.append(k)
        events.append(e)
    if lines:
        raise RecordsError(tuple(lines))
    children = one_row_per_child(pd.concat(kids, ignore_index=True)).drop(columns=["file", "row"])
    # the column types Annex A's reader gives, so the loader can put the two together
    raw = pd.concat(events, ignore_index=True).astype({"agency_key": str, "origin": object})
    used = (set(raw["agency_key"]) | set(raw["other_key"])) - {""}
    agencies = {key: info for key, info in _agencies().items() if key in used}
    return Recorded(children=children, events=raw, agencies=agencies, covers_until=until)


def _agencies() -> dict[str, AgencyInfo]:
    """Every agency an extract can name: the three teams, the sources, the triage's
    destinations."""
    out = {k: AgencyInfo(key=k, kind=k, label=label) for k, label in _TEAM_LABELS.items()}
    for _, agency in SOURCES.values():
        if agency is not None and agency[0] not in out:
            key, kind, label = agency
            out[key] = AgencyInfo(key=key, kind=kind, label=label)
    for kind, (key, label) in _TRIAGE_AGENCY.items():
        out.setdefault(key, AgencyInfo(key=key, kind=kind, label=label))
    return out


def _by_code(t: Table, key: str, words: dict[str, str], *, local: bool = False) -> Table:
    """``t`` with column ``key``'s cells written as words (``Police``) turned into their
    code; with ``local``, an ethnic category written with a local second character
    (``A1``) cut to its national letter, as the Data Dictionary lets providers write it."""
    if not t.has(key):
        return t
    cells = t.text(key)
    lookup = {header_key(w): code for w, code in words.items()}
    named = each_value(cells, lambda v: lookup.get(header_key(v), v))
    if local:
        two = named.str.fullmatch(r"[A-HJ-NPRSZa-hj-nprsz][0-9A-Za-z]") & (named != "99")
        named = named.where(~two, named.str[0].str.upper())
    return attrs.evolve(t, frame=t.frame.assign(**{key: named}))


def _source_key(code: str) -> str:
    """The key of the agency a source code reads as (``""`` for none)."""
    agency = SOURCES[code][1] if code else None
    return "" if agency is None else agency[0]


def _in_order(t: Table, p: Problems, on: dict[str, pd.Series]) -> None:
    """Note each date that is before a date it follows on a referral's path, once a cell:
    against the earliest of those dates it is before."""
    for i, later in enumerate(_PATH):
        noted = np.zeros(len(t), dtype=bool)
        for earlier in _PATH[:i]:
            early = (on[later] < on[earlier]).to_numpy() & ~noted
            noted |= early
            for r in np.flatnonzero(early):
                p.add(
                    int(t.rows[r]),
                    t.header(later),
                    f"is before {t.header(earlier)} ({on[earlier].iat[r]:{_DATE}})",
                    t.text(later).iat[r],
                )


def _read_rows(
    t: Table, p: Problems, until: dt.date | None, offset: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The child rows and event rows of one extract, noting each mistake in ``p``."""
    ref = required(t, "child", p)
    required(t, "request", p)
    listed_once(t, ["request"], p, "service request")
    t = _by_code(t, "ethnicity", {w: c for c, (w, _) in ETHNIC_CATEGORY.items()}, local=True)
    t = _by_code(t, "source", {w: c for c, (w, _) in SOURCES.items()} | _SOURCE_WORDS)
    sex = codes(t, "sex", p, GENDER, needed=False, what="gender")
    groups = {code: group for code, (_, group) in ETHNIC_CATEGORY.items()}
    ethnicity = codes(t, "ethnicity", p, groups, needed=False, what="ethnic category")
    team = codes(t, "team", p, TEAMS, what="team type")
    source = codes(t, "source", p, {c: c for c in SOURCES}, needed=False, what="source of referral")
    triage = codes(t, "triage", p, {k: k for k in TRIAGE}, needed=False, what="triage outcome")
    reason = codes(t, "reason", p, {k: k for k in DISCHARGE}, needed=False, what="discharge reason")
    on = {"dob": dates(t, "dob", p), "received": dates(t, "received", p)}
    for key in ("triage_start", "triage_date", "contact", "discharge"):
        on[key] = dates(t, key, p, needed=False)
    at_spa = (team == _SPA).to_numpy()
    outcome_date = on["triage_date"].notna().to_numpy()
    has_outcome = (triage != "").to_numpy()
    for i in np.flatnonzero(at_spa & outcome_date & ~has_outcome & (t.text("triage") == "")):
        p.add(int(t.rows[i]), t.header("triage"), "is empty (TriageOutcomeDate is given)")
    for i in np.flatnonzero(at_spa & has_outcome & ~outcome_date):
        p.add(int(t.rows[i]), t.header("triage_date"), "is empty (TriageOutcome is given)")
    not_spa = ~at_spa & (team != "").to_numpy()
    for key in ("triage_start", "triage_date", "triage"):
        given = (t.text(key) != "").to_numpy()
        note_cells(t, p, not_spa & given, key, "must be empty: only SPA requests are triaged")
    accepted = at_spa & (triage == "ACCEPTED").to_numpy()
    seen_at = ~at_spa | accepted
    # an outcome that is missing or no code is noted already: its contact date is not
    # held against it as well
    known = has_outcome | ((t.text("triage") == "").to_numpy() & ~outcome_date)
    not_seen = at_spa & ~accepted & known & (t.text("contact") != "").to_numpy()
    note_cells(
        t, p, not_seen, "contact", "must be empty: the request was not accepted (TriageOutcome)"
    )
    _in_order(t, p, on)
    for key in _PATH:
        born_after = (on[key] < on["dob"]).to_numpy()
        for i in np.flatnonzero(born_after):
            p.add(
                int(t.rows[i]),
                t.header(key),
                f"is before the child's date of birth ({on['dob'].iat[i]:{_DATE}})",
                t.text(key).iat[i],
            )
        if until is not None:
            late = (on[key] > pd.Timestamp(until)).to_numpy()
            note_cells(
                t, p, late, key, f"is after the date the extract was produced ({until:{_DATE}})"
            )
    base = 10 * (offset + t.rows)
    kids = pd.DataFrame(
        {
            "reference": ref,
            "line": base,
            "file": p.file,
            "row": t.rows,
            "dob": on["dob"],
            "age_given": np.nan,
            "sex": sex,
            "ethnicity": ethnicity.where(ethnicity != "", NOT_RECORDED),
            "disability": False,
        }
    )[(ref != "").to_numpy()]
    referrer = source.map({c: _source_key(c) for c in ("", *SOURCES)})
    passed_to = triage.map(
        {"": ""} | {c: _TRIAGE_AGENCY[k][0] if k else "" for c, k in TRIAGE.items()}
    )
    index = t.frame.index
    blank = pd.Series("", index=index, dtype=object)
    # the team that sees the child: the row's own, or community CAMHS once accepted
    seen_by = team.where(~accepted, _COMMUNITY)
    ok = (ref != "").to_numpy() & (team != "").to_numpy()
    contact = on["contact"].notna().to_numpy()
    frames: list[pd.DataFrame] = []

    def add(
        n: int,
        when: pd.Series,
        agency: str | pd.Series,
        kind: EventKind,
        keep: np.ndarray,
        *,
        other: pd.Series = blank,
        detail: int | np.ndarray = 0,
        value: float | pd.Series = np.nan,
    ) -> None:
        """Add the event of kind ``kind`` dated ``when`` of each row of ``keep``."""
        keep = ok & keep & when.notna().to_numpy()
        arrival = np.where(other != "", Origin.REFERRAL.key, Origin.NEW.key)
        row = pd.DataFrame(
            {
                "line": base + n,
                "when": when,
                "reference": ref,
                "agency_key": agency,
                "kind": int(kind),
                "other_key": other,
                "detail": detail,
                "value": value,
                "origin": arrival if kind == EventKind.ARRIVE else "",
            },
            index=index,
        )
        frames.append(row[keep].astype({"detail": np.int64, "value": np.float64}))

    add(0, on["received"], _SPA, EventKind.ARRIVE, at_spa, other=referrer)
    add(1, on["triage_start"], _SPA, EventKind.START, at_spa)
    add(2, on["triage_date"], _SPA, EventKind.END, at_spa)
    closed = at_spa & (triage == "CLOSED").to_numpy()
    add(3, on["triage_date"], _SPA, EventKind.EXIT, closed, value=float(ExitReason.LEFT))
    add(
        3,
        on["triage_date"],
        _SPA,
        EventKind.HANDOFF,
        at_spa & (passed_to != "").to_numpy(),
        other=passed_to,
        detail=int(Completeness.NOT_RECORDED),
    )
    arrived = on["received"].where(~accepted, on["triage_date"])
    from_ = referrer.where(~accepted, _SPA)
    add(4, arrived, seen_by, EventKind.ARRIVE, seen_at, other=from_)
    add(5, on["contact"], seen_by, EventKind.START, seen_at)
    add(6, on["discharge"], seen_by, EventKind.END, seen_at & contact)
    # a discharge after a contact closes support given (``detail`` 1, as a run writes it)
    exit_value = reason.map(
        {"": float(ExitReason.LEFT)} | {c: float(v) for c, v in DISCHARGE.items()}
    )
    add(7, on["discharge"], seen_by, EventKind.EXIT, seen_at, detail=contact, value=exit_value)
    return kids, pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------ writing

#: The file :func:`write_camhs_extract` writes.
FILE_NAME = "CAMHS referrals.csv"


def write_camhs_extract(book: CaseBook, folder: str | Path, *, seed: int = 0) -> list[Path]:
    """Write the CAMHS referral extract of ``book`` as one CSV file in ``folder`` (all at
    once); a child with no date of birth gets one drawn from ``seed``, consistent with
    their age."""
    frame = _event_frame(book)
    spa = _spa_rows(frame)
    community = _team_rows(frame, _COMMUNITY)
    # a stay entered from the single point of access is the rest of that referral's row
    from_spa = (community["other_kind"] == _SPA).to_numpy()
    stays = community[from_spa][["child", "_order", "contact", "discharge", "reason"]]
    spa = spa.merge(
        stays.rename(columns={"_order": "_out_time"}), on=["child", "_out_time"], how="left"
    )
    rows = pd.concat(
        [spa, community[~from_spa], _team_rows(frame, _MHST)], ignore_index=True
    ).sort_values(["_order", "child"], kind="stable")
    table = rows.merge(_child_columns(book, seed), on="child", how="left", sort=False)
    table["ServiceRequestId"] = [f"SR{i + 1:07d}" for i in range(len(table))]
    return [write_file(Path(folder) / FILE_NAME, _csv_text(table), make_parents=True)]


def _event_frame(book: CaseBook) -> pd.DataFrame:
    """The events of ``book`` at the three teams (and the hand-offs into them), with the
    kinds of their agencies."""
    ev = book.events
    kind_of = {k: a.kind for k, a in book.agencies.items()}
    ak = ev["agency"].astype(object).map(kind_of).fillna("")
    ok = ev["other"].astype(object).map(kind_of).fillna("")
    keep = ak.isin([_SPA, _COMMUNITY, _MHST]).to_numpy()
    return pd.DataFrame(
        {
            "child": ev["child"].to_numpy()[keep],
            "time": ev["time"].to_numpy()[keep],
            "date": pd.to_datetime(ev["date"]).dt.normalize().to_numpy()[keep],
            "agency_kind": ak.to_numpy()[keep],
            "kind": ev["kind"].astype(str).to_numpy()[keep],
            "other_kind": ok.to_numpy()[keep],
            "value": ev["value"].to_numpy()[keep],
            "origin": ev["origin"].astype(str).to_numpy()[keep],
        }
    ).sort_values(["child", "time"], kind="stable")


def _at(frame: pd.DataFrame, agency_kind: str, kinds: Sequence[str]) -> pd.DataFrame:
    return frame[(frame["agency_kind"] == agency_kind) & frame["kind"].isin(kinds)]


def _nth(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """``rows`` numbered within each child, in time order, for pairing by number."""
    rows = rows.copy()
    rows["n"] = rows.groupby("child").cumcount()
    return rows.rename(columns={"date": column})


def _spa_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per referral to the single point of access: the n-th arrival of a child,
    triaged by their n-th start and end, with the n-th exit or hand-off as its outcome
    (triage is brief and a child is rarely referred twice at once)."""
    arrive = _nth(_at(frame, _SPA, ["arrive"]), "received")
    start = _nth(_at(frame, _SPA, ["start"]), "triage_start")
    end = _nth(_at(frame, _SPA, ["end"]), "triage_date")
    out = _nth(_at(frame, _SPA, ["exit", "handoff"]), "_out")
    rows = arrive[["child", "n", "time", "received", "other_kind", "origin"]]
    rows = rows.merge(start[["child", "n", "triage_start"]], on=["child", "n"], how="left")
    rows = rows.merge(end[["child", "n", "triage_date"]], on=["child", "n"], how="left")
    out = out.assign(
        triage=[_triage_code(k, o) for k, o in zip(out["kind"], out["other_kind"], strict=True)]
    )
    rows = rows.merge(
        out[["child", "n", "time", "triage"]].rename(columns={"time": "_out_time"}),
        on=["child", "n"],
        how="left",
    )
    rows["triage"] = rows["triage"].fillna("")
    rows["team"] = "SPA"
    return rows.rename(columns={"time": "_order"})


def _triage_code(kind: str, other: str) -> str:
    """The ``TriageOutcome`` written for the single point of access's exit or hand-off."""
    if kind == "exit":
        return "CLOSED"
    for code, passed_to in TRIAGE.items():
        if passed_to == other and code != "OTHER":
            return code
    return "OTHER"


def _team_rows(frame: pd.DataFrame, team: str) -> pd.DataFrame:
    """One row per stay at community CAMHS or an MHST: arrival, first contact, discharge.

    A child can be waiting on two referrals at once (one is closed as merged when help
    begins through the other), so a start goes to the child's earliest open stay not yet
    started, and a discharge to the earliest open stay it can close: one not started for
    a child taken off or merged, one started (if any) otherwise. A stay entered from the
    single point of access becomes part of that referral's row (the caller matches it by
    the child and the time of the hand-off)."""
    events = _at(frame, team, ["arrive", "start", "exit"])
    stays: list[dict[str, object]] = []
    open_: dict[int, list[dict[str, object]]] = {}
    for child, time, date, kind, other, value, origin in zip(
        events["child"],
        events["time"],
        events["date"],
        events["kind"],
        events["other_kind"],
        events["value"],
        events["origin"],
        strict=True,
    ):
        mine = open_.setdefault(int(child), [])
        if kind == "arrive":
            stay: dict[str, object] = {
                "child": int(child),
                "_order": float(time),
                "received": date,
                "other_kind": other,
                "origin": origin,
                "contact": pd.NaT,
                "discharge": pd.NaT,
                "reason": "",
            }
            mine.append(stay)
            stays.append(stay)
        elif kind == "start":
            waiting = [s for s in mine if pd.isna(s["contact"])]
            if waiting:
                waiting[0]["contact"] = date
        else:
            known = not pd.isna(value)
            reason = _DISCHARGE_CODE.get(int(value), "COMPLETED") if known else "COMPLETED"
            unseen = [s for s in mine if pd.isna(s["contact"])]
            seen = [s for s in mine if not pd.isna(s["contact"])]
            pick = unseen if reason in ("REMOVED", "MERGED") else (seen or unseen)
            if pick:
                pick[0]["discharge"] = date
                pick[0]["reason"] = reason
                mine.remove(pick[0])
    rows = pd.DataFrame(
        stays,
        columns=[
            "child",
            "_order",
            "received",
            "other_kind",
            "origin",
            "contact",
            "discharge",
            "reason",
        ],
    )
    rows = rows.astype(
        {
            "child": np.int64,
            "_order": np.float64,
            "received": "datetime64[ns]",
            "contact": "datetime64[ns]",
            "discharge": "datetime64[ns]",
        }
    )
    rows["team"] = "COMMUNITY" if team == _COMMUNITY else "MHST"
    return rows


def _child_columns(book: CaseBook, seed: int) -> pd.DataFrame:
    """Each child's id, date of birth, gender and ethnic category, as written."""
    k = written_children(book, seed)
    groups = [ethnic_group(str(e)) for e in k["ethnicity"]]
    return pd.DataFrame(
        {
            "child": k["child"].to_numpy(),
            "LocalPatientId": k["reference"].to_numpy(),
            "PersonBirthDate": written_dates(k["dob"]).to_numpy(),
            "Gender": np.where(k["female"].to_numpy(bool), "2", "1"),
            "EthnicCategory": [_GROUP_CATEGORY.get(g, "99") for g in groups],
        }
    )


def _csv_text(table: pd.DataFrame) -> str:
    """The extract as CSV text, in :data:`COLUMNS`' order."""
    source = [
        "" if origin == Origin.INITIAL.key else written_source(str(kind))
        for kind, origin in zip(table["other_kind"], table["origin"], strict=True)
    ]
    columns = {
        "LocalPatientId": table["LocalPatientId"].map(as_text),
        "PersonBirthDate": table["PersonBirthDate"],
        "Gender": table["Gender"],
        "EthnicCategory": table["EthnicCategory"],
        "ServiceRequestId": table["ServiceRequestId"],
        "ServTeamTypeRefToMH": table["team"],
        "ReferralRequestReceivedDate": written_dates(table["received"]),
        "SourceOfReferralMH": pd.Series(source, index=table.index),
        "TriageStartDate": written_dates(table["triage_start"]),
        "TriageOutcomeDate": written_dates(table["triage_date"]),
        "TriageOutcome": table["triage"].fillna(""),
        "FirstAttendedContactDate": written_dates(table["contact"]),
        "ServDischDate": written_dates(table["discharge"]),
        "DischReason": table["reason"].fillna(""),
    }
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(_WRITTEN)
    w.writerows(zip(*(columns[c].tolist() for c in _WRITTEN), strict=True))
    return buffer.getvalue()


__all__ = [
    "CARRIED",
    "COLUMNS",
    "DISCHARGE",
    "ETHNIC_CATEGORY",
    "FILE_NAME",
    "GENDER",
    "SOURCES",
    "TEAMS",
    "TRIAGE",
    "as_recorded",
    "detect_camhs_extract",
    "read_camhs_extract",
    "write_camhs_extract",
    "written_source",
]
