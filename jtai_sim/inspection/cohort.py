"""The children on the area's list for a theme, as its records show them at notification.

A child is on the list (eligible for tracking) when, from the records dated on or
before the notification date, they meet the theme's :class:`Eligibility`:

* their age is in the theme's band (age when they first came to notice plus the
  whole years since; the exact age when the case list gives a date of birth);
* their legal status (the last ``status`` event) is one the theme lists;
* any need the theme requires has been *recorded*: a mental-health need counts
  as recorded once an agency has recognised it (an ``identify`` event), the
  referral that brought the child to notice named it, or the child was referred
  for mental-health help or presented in crisis; a concern of sexual abuse in the
  family environment counts once a strategy discussion, an initial child protection
  conference, an achieving-best-evidence interview or a child protection medical was
  held for a child whose household it concerns (the records that respond to it);
* they came to one of the theme's kinds of agency in the window (for the front
  door: a contact or referral), when the theme names any;
* something happened in their records in the window (six months by default).

Nothing here reads the simulation's hidden truth: a child whose mental ill health
nobody recognised is not on a mental-health list, just as in a real area. Such a
child can still be sampled through a record (a contact, a youth-justice entry),
where the missed identification shows. The hidden state is carried in
``hidden_mental_health`` and ``hidden_at_risk`` only to say what the inspection
missed.

Recorded risk (``risks``) is what the records show: a strategy discussion and
section 47 enquiry, an initial child protection conference, a child protection
plan or being looked after at any point, exploitation or missing episodes
once the police, youth justice or the voluntary sector's exploitation service
knows the child (the agencies that record them), and a concern of sexual abuse in
the family once it is recorded (as above). A child with none of these is
"not identified as at risk", which the selection needs as well as children who
are.

CAMHS situation, from the events at agencies of kind ``camhs_spa``,
``camhs_community`` and ``mhst``, replayed in order: a referral makes the child
``waiting``; starting service where that counts as support makes them
``treated``; leaving CAMHS without support since the referral makes them
``rejected``; leaving after support makes them ``closed``; ``none`` if never
referred.

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection.casebook import casebook_from_run
>>> from jtai_sim.inspection.theme import load_theme
>>> import datetime as dt
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=3))
>>> rules = load_theme("mental-health-2019").eligibility
>>> cohort = eligible_cohort(book, dt.date(2026, 2, 3), rules)
>>> all(10 <= c.age <= 15 and c.need_recorded for c in cohort)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs
import numpy as np
import pandas as pd

from jtai_sim.calendar import DAYS_PER_YEAR
from jtai_sim.errors import InputError
from jtai_sim.inspection.casebook import (
    CAMHS_KINDS,
    CRISIS_KINDS,
    agency_codes,
    agency_keys,
    codes_of_kind,
    end_of_day,
    fmt_date,
    kind_codes,
    months_before,
    support_codes,
    visible,
)
from jtai_sim.inspection.model import CamhsStatus, CaseBook, ChildSummary

if TYPE_CHECKING:
    from jtai_sim.inspection.theme import Eligibility
from jtai_sim.vocabulary import (
    LEGAL_STATUSES,
    STATUS_CODE,
    STATUS_WORDS,
    EventKind,
    ExitReason,
    MentalHealth,
)

_K = EventKind


def check_in_range(book: CaseBook, notification: dt.date) -> None:
    """Raise :class:`InputError` if the records cannot describe ``notification``."""
    start = book.calendar.start_date
    if notification < start:
        raise InputError(
            f"{notification.isoformat()} is before the records begin ({start.isoformat()})",
            key="notification",
        )
    if book.covers_until is not None and notification > book.covers_until:
        raise InputError(
            f"{notification.isoformat()} is after the records end "
            f"({book.covers_until.isoformat()}); simulate for longer or notify earlier",
            key="notification",
        )


def ages_at(book: CaseBook, date: dt.date) -> pd.Series:
    """Each child's age in whole years on ``date``, indexed by child id."""
    kids = book.children
    elapsed = (end_of_day(book, date) - kids["arrived"].to_numpy(np.float64)) / DAYS_PER_YEAR
    age = kids["age"].to_numpy(np.int64) + np.floor(np.maximum(elapsed, 0.0)).astype(np.int64)
    dob = kids["date_of_birth"]
    known = dob.notna().to_numpy()
    if known.any():
        born = pd.DatetimeIndex(dob[known])
        exact = (
            date.year
            - born.year
            - ((date.month < born.month) | ((date.month == born.month) & (date.day < born.day)))
        )
        age[known] = np.asarray(exact, dtype=np.int64)
    return pd.Series(age, index=kids["child"].to_numpy())


def _last_by_child(rows: pd.DataFrame, column: str) -> pd.Series:
    ordered = rows.sort_values("time", kind="stable")
    return ordered.groupby("child", sort=True)[column].last()


#: Agency kinds whose records hold exploitation and missing episodes.
_RISK_RECORDERS = ("police", "youth_justice", "voluntary")
_STATUS_RISKS = {"cp": "a child protection plan", "looked_after": "looked after"}


def recorded_need(book: CaseBook, ev: pd.DataFrame) -> pd.Series:
    """Per child, the agency code that first recorded a mental-health need (see the module)."""
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    child = ev["child"].to_numpy()
    arrive = kinds == int(_K.ARRIVE)
    mh_services = np.isin(agency, codes_of_kind(book, CAMHS_KINDS | CRISIS_KINDS))
    origin = ev["origin"].astype(str).to_numpy()
    named = book.children.loc[book.children["identified"].astype(bool), "child"].to_numpy()
    first_arrival = arrive & ~pd.Series(child).where(arrive).duplicated().to_numpy()
    rows = (
        (kinds == int(_K.IDENTIFY))
        | (arrive & (mh_services | (origin == "crisis")))
        | (first_arrival & np.isin(child, named))
    )
    sel = pd.DataFrame(
        {"child": child[rows], "time": ev["time"].to_numpy()[rows], "agency": agency[rows]}
    )
    sel = sel[sel["agency"] >= 0].sort_values(["child", "time"], kind="stable")
    return sel.groupby("child", sort=True)["agency"].first()


#: Agency kinds whose records hold a concern of sexual abuse in the family environment:
#: the strategy discussion and enquiry, the conference, the police's interview to achieve
#: best evidence and the paediatric child protection medical.
_ABUSE_RECORDERS = ("strategy", "conference", "abe_interview", "cp_medical")


def recorded_abuse(book: CaseBook, ev: pd.DataFrame) -> set[int]:
    """Children whose records show a concern of sexual abuse in the family (see the module)."""
    kids = book.children
    if "sexual_abuse_in_family" not in kids:
        return set()
    concerned = kids.loc[kids["sexual_abuse_in_family"].astype(bool), "child"].to_numpy()
    arrive = kind_codes(ev) == int(_K.ARRIVE)
    seen = arrive & np.isin(agency_codes(ev), codes_of_kind(book, _ABUSE_RECORDERS))
    return set(np.intersect1d(ev["child"].to_numpy()[seen], concerned).tolist())


def recorded_risks(book: CaseBook, ev: pd.DataFrame) -> dict[int, tuple[str, ...]]:
    """Per child, the signs of risk their records show, in words (see the module)."""
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    child = ev["child"].to_numpy()
    arrive = kinds == int(_K.ARRIVE)
    found: dict[int, list[str]] = {}

    def add(ids: Iterable[int], words: str) -> None:
        for c in sorted({int(i) for i in ids}):
            found.setdefault(c, []).append(words)

    add(
        child[arrive & np.isin(agency, codes_of_kind(book, ["strategy"]))],
        "a strategy discussion and section 47 enquiry",
    )
    add(
        child[arrive & np.isin(agency, codes_of_kind(book, ["conference"]))],
        "an initial child protection conference",
    )
    detail = ev["detail"].to_numpy()
    for status, words in _STATUS_RISKS.items():
        add(child[(kinds == int(_K.STATUS)) & (detail == STATUS_CODE[status])], words)
    known = set(child[arrive & np.isin(agency, codes_of_kind(book, _RISK_RECORDERS))].tolist())
    police = set(child[arrive & np.isin(agency, codes_of_kind(book, ["police"]))].tolist())
    kids = book.children
    for flag, words, by in (
        ("exploitation", "exploitation concerns", known),
        ("missing", "missing episodes", police),
    ):
        flagged = kids.loc[kids[flag].astype(bool), "child"].to_numpy()
        add([c for c in flagged.tolist() if c in by], words)
    add(recorded_abuse(book, ev), "a concern of sexual abuse in the family")
    return {c: tuple(w) for c, w in found.items()}


def eligible_cohort(
    book: CaseBook, notification: dt.date, rules: Eligibility | None = None
) -> list[ChildSummary]:
    """The children on the area's list for ``rules`` on ``notification``, by child id.

    ``rules`` defaults to the default theme's eligibility.
    """
    if rules is None:
        from jtai_sim.inspection.theme import load_theme

        rules = load_theme().eligibility
    check_in_range(book, notification)
    ev = visible(book, notification)
    kinds = kind_codes(ev)
    child = ev["child"].to_numpy()
    times = ev["time"].to_numpy()
    since = float(book.calendar.day_of(months_before(notification, rules.activity_months)))
    status = _last_by_child(ev[kinds == int(_K.STATUS)], "detail")
    codes = pd.Series(0, index=book.children["child"].to_numpy())
    codes.loc[status.index] = status.to_numpy()
    wanted = [STATUS_CODE[name] for name in rules.statuses]
    keep = set(codes.index[codes.isin(wanted)].tolist())
    ages = ages_at(book, notification)
    keep &= set(ages.index[(ages >= rules.min_age) & (ages <= rules.max_age)].tolist())
    if "mental_health" in rules.recorded_need:
        keep &= set(recorded_need(book, ev).index.tolist())
    if "sexual_abuse_in_family" in rules.recorded_need:
        keep &= recorded_abuse(book, ev)
    if rules.through:
        at = (kinds == int(_K.ARRIVE)) & np.isin(
            agency_codes(ev), codes_of_kind(book, rules.through)
        )
        keep &= set(np.unique(child[at & (times >= since)]).tolist())
    last_time = pd.Series(times).groupby(child).max()
    keep &= set(last_time.index[last_time >= since].tolist())
    ids = sorted(int(c) for c in keep)
    if not ids:
        return []
    return summarise(book, notification, ids, activity_months=rules.activity_months)


def summarise(
    book: CaseBook, notification: dt.date, ids: Sequence[int], *, activity_months: int = 6
) -> list[ChildSummary]:
    """Summaries of any children (eligible or not) as of ``notification``, in ``ids`` order.

    A child with no legal status has ``legal_status`` ``"none"`` (or ``"early_help"``).
    """
    if not ids:
        return []
    ev = visible(book, notification)
    ev = ev[np.isin(ev["child"].to_numpy(), list(ids))]
    kinds = kind_codes(ev)
    since = float(book.calendar.day_of(months_before(notification, activity_months)))
    status = _last_by_child(ev[kinds == int(_K.STATUS)], "detail")
    ages = ages_at(book, notification)
    kids = book.children
    mh = pd.Series(kids["mental_health"].to_numpy(np.int64), index=kids["child"].to_numpy())
    changed = _last_by_child(ev[np.isin(kinds, [int(_K.DETERIORATE), int(_K.IMPROVE)])], "detail")
    mh.loc[changed.index] = changed.to_numpy()
    last_time = pd.Series(ev["time"].to_numpy()).groupby(ev["child"].to_numpy()).max()
    for c in ids:
        if c not in last_time.index:
            last_time.loc[c] = float(kids.set_index("child").loc[c, "arrived"])
    return _summaries(book, ev, list(ids), ages, status, mh, last_time, since)


def _summaries(
    book: CaseBook,
    sub: pd.DataFrame,
    ids: list[int],
    ages: pd.Series,
    status: pd.Series,
    mh: pd.Series,
    last_time: pd.Series,
    since: float,
) -> list[ChildSummary]:
    keys = agency_keys(book)
    kinds = kind_codes(sub)
    agency = agency_codes(sub)
    other = agency_codes(sub, "other")
    child = sub["child"].to_numpy()
    times = sub["time"].to_numpy()
    arrive = kinds == int(_K.ARRIVE)
    # agencies involved: arrivals and notifications received, in order of first involvement
    inv_agency = np.concatenate([agency[arrive], other[kinds == int(_K.NOTIFY)]])
    inv_child = np.concatenate([child[arrive], child[kinds == int(_K.NOTIFY)]])
    inv_time = np.concatenate([times[arrive], times[kinds == int(_K.NOTIFY)]])
    inv = pd.DataFrame({"child": inv_child, "agency": inv_agency, "time": inv_time})
    inv = inv[inv["agency"] >= 0].sort_values(["child", "time"], kind="stable")
    inv = inv.drop_duplicates(["child", "agency"])
    involved: dict[int, tuple[str, ...]] = {}
    for c, a in zip(inv["child"].to_numpy(), inv["agency"].to_numpy(), strict=True):
        involved[int(c)] = (*involved.get(int(c), ()), keys[a])
    yj = set(np.unique(child[arrive & np.isin(agency, codes_of_kind(book, ["youth_justice"]))]))
    origin = sub["origin"].astype(str).to_numpy()
    crisis_rows = (
        (kinds == int(_K.CRISIS))
        | (arrive & (origin == "crisis"))
        | (arrive & np.isin(agency, codes_of_kind(book, CRISIS_KINDS)))
    ) & (times >= since)
    crisis = set(np.unique(child[crisis_rows]).tolist())
    camhs = camhs_status(book, sub)
    need = recorded_need(book, sub)
    risks = recorded_risks(book, sub)
    police = set(np.unique(child[arrive & np.isin(agency, codes_of_kind(book, ["police"]))]))
    known = set(
        np.unique(child[arrive & np.isin(agency, codes_of_kind(book, _RISK_RECORDERS))]).tolist()
    )
    # the agency holding the child's legal status: the one that logged the last status event
    status_rows = sub[kinds == int(_K.STATUS)].sort_values("time", kind="stable")
    owner = status_rows.groupby("child")["agency"].last()
    kids = book.children.set_index("child")
    out = []
    for c in ids:
        row = kids.loc[c]
        code = int(status.get(c, 0))
        owner_key = owner.get(c)
        need_code = need.get(c)
        out.append(
            ChildSummary(
                child=int(c),
                age=int(ages.loc[c]),
                legal_status=LEGAL_STATUSES[code],
                need_recorded_by=None if need_code is None else keys[int(need_code)],
                risks=risks.get(int(c), ()),
                exploitation=bool(row["exploitation"]) and int(c) in known,
                missing=bool(row["missing"]) and int(c) in police,
                send=bool(row["send"]),
                disability=bool(row["disability"]),
                female=bool(row["female"]),
                ethnicity=str(row["ethnicity"]),
                agencies=involved.get(int(c), ()),
                camhs_status=camhs.get(int(c), "none"),
                youth_justice=int(c) in yj,
                recent_crisis=int(c) in crisis,
                last_activity=book.calendar.date_of(float(last_time.loc[c])),
                label=str(row["label"]),
                owner=None if owner_key is None or pd.isna(owner_key) else str(owner_key),
                hidden_mental_health=MentalHealth(min(int(mh.loc[c]), MentalHealth.ILL)).word,
                hidden_at_risk=bool(row["at_risk"]),
            )
        )
    return out


def camhs_status(book: CaseBook, events: pd.DataFrame) -> dict[int, CamhsStatus]:
    """Each child's CAMHS situation at the end of ``events`` (see the module doc)."""
    camhs = codes_of_kind(book, CAMHS_KINDS)
    support = set(support_codes(book)) & set(camhs)
    kinds = kind_codes(events)
    agency = agency_codes(events)
    value = events["value"].to_numpy(np.float64)
    merged = (kinds == int(_K.EXIT)) & (value == int(ExitReason.MERGED))
    rows = (
        np.isin(agency, camhs)
        & np.isin(kinds, [int(_K.ARRIVE), int(_K.START), int(_K.EXIT)])
        & ~merged
    )
    if not rows.any():
        return {}
    sel = pd.DataFrame(
        {
            "child": events["child"].to_numpy()[rows],
            "time": events["time"].to_numpy()[rows],
            "kind": kinds[rows],
            "agency": agency[rows],
        }
    ).sort_values(["child", "time"], kind="stable")
    out: dict[int, CamhsStatus] = {}
    state: CamhsStatus = "none"
    helped = False
    current = -1
    for c, k, a in zip(
        sel["child"].to_numpy(), sel["kind"].to_numpy(), sel["agency"].to_numpy(), strict=True
    ):
        if c != current:
            if current >= 0:
                out[int(current)] = state
            current, state, helped = c, "none", False
        if k == int(_K.ARRIVE):
            if state in ("none", "rejected", "closed"):
                helped = False
                state = "waiting"
        elif k == int(_K.START) and a in support:
            state, helped = "treated", True
        elif k == int(_K.EXIT):
            state = "closed" if helped else "rejected"
    out[int(current)] = state
    return out


#: Columns of the list an area would supply: recorded facts only.
LIST_COLUMNS = (
    "child",
    "label",
    "age",
    "legal_status",
    "owner",
    "need_recorded_by",
    "risks",
    "camhs_status",
    "youth_justice",
    "recent_crisis",
    "exploitation",
    "missing",
    "send",
    "disability",
    "female",
    "ethnicity",
    "agencies",
    "last_activity",
)


def cohort_table(cohort: Sequence[ChildSummary], *, hidden: bool = False) -> pd.DataFrame:
    """The cohort as the list an area would supply, one row per child.

    Only recorded facts, unless ``hidden`` adds the simulation's hidden state
    (for the facilitator, to show what the records miss).
    """
    columns = list(LIST_COLUMNS) + (["hidden_mental_health", "hidden_at_risk"] if hidden else [])
    rows = [attrs.asdict(c, recurse=False) for c in cohort]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("agencies", "risks"):
        frame[col] = frame[col].map(lambda a: "; ".join(a))
    return frame


def need_words(c: ChildSummary) -> str:
    """What the record says of the child's mental health, in words."""
    return "mental-health need recorded" if c.need_recorded else "no mental-health need recorded"


def describe_child(c: ChildSummary) -> str:
    """One line about a child on the list, from the record.

    >>> c = ChildSummary(child=7, age=13, legal_status="cp", need_recorded_by="school",
    ...     risks=("a child protection plan",), exploitation=False, missing=True, send=False,
    ...     disability=False, female=True, ethnicity="White", agencies=("police", "front_door"),
    ...     camhs_status="waiting", youth_justice=False, recent_crisis=False,
    ...     last_activity=dt.date(2026, 1, 5), label="Child 7")
    >>> describe_child(c).split("; ")  # doctest: +NORMALIZE_WHITESPACE
    ['Child 7, 13, child protection plan, mental-health need recorded', 'waiting for CAMHS',
     'missing episodes', 'last activity Mon 5 Jan 2026']
    """
    head = ", ".join(
        [c.label or f"Child {c.child}", str(c.age), STATUS_WORDS[c.legal_status], need_words(c)]
    )
    extra = [CAMHS_WORDS[c.camhs_status]] if c.camhs_status != "none" else []
    if c.youth_justice:
        extra.append("youth justice")
    if c.exploitation:
        extra.append("exploitation")
    if c.missing:
        extra.append("missing episodes")
    if c.recent_crisis:
        extra.append("recent crisis")
    extra.append(f"last activity {fmt_date(c.last_activity)}")
    return head + "; " + "; ".join(extra)


CAMHS_WORDS: dict[str, str] = {
    "none": "not referred to CAMHS",
    "treated": "receiving CAMHS help",
    "waiting": "waiting for CAMHS",
    "rejected": "CAMHS referral closed without help",
    "closed": "CAMHS help finished",
}
