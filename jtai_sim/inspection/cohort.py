"""The eligible cohort: the children the deep dive may choose from, at notification.

A child is eligible when, on the notification date and from the records dated
on or before it:

* they are aged 10 to 15 (age when they first came to notice plus the whole
  years since; the exact age when the case list gives a date of birth);
* their legal status is child in need, child protection or looked after (the
  last ``status`` event; codes index :data:`jtai_sim.scenario.model.LEGAL_STATUSES`);
* they show early signs of, or live with, mental ill health (the state they
  arrived with, updated by ``deteriorate`` and ``improve`` events), whether or
  not anyone has recognised it;
* something happened in their records in the last six calendar months.

Each eligible child is summarised as a :class:`ChildSummary`: risk flags, CAMHS
situation, youth justice involvement, a recent crisis (a ``crisis`` event, an
arrival in crisis or at an emergency or crisis service in the last six months)
and the agencies involved (those the child arrived at, and those notified about
them), in the order they became involved.

CAMHS situation, from the events at agencies of kind ``camhs_spa``,
``camhs_community`` and ``mhst``, replayed in order: a referral makes the child
``waiting``; starting service where that counts as support makes them
``treated``; leaving CAMHS without support since the referral makes them
``rejected``; leaving after support makes them ``closed``; ``none`` if never
referred.

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection.casebook import casebook_from_run
>>> import datetime as dt
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=3))
>>> cohort = eligible_cohort(book, dt.date(2026, 2, 3))
>>> all(10 <= c.age <= 15 and c.legal_status in ("cin", "cp", "looked_after") for c in cohort)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

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
from jtai_sim.vocabulary import (
    LEGAL_STATUSES,
    SOCIAL_CARE_STATUSES,
    STATUS_CODE,
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


def eligible_cohort(
    book: CaseBook,
    notification: dt.date,
    *,
    min_age: int = 10,
    max_age: int = 15,
    activity_months: int = 6,
    statuses: Sequence[str] = ("cin", "cp", "looked_after"),
) -> list[ChildSummary]:
    """The children eligible for the deep dive on ``notification``, by child id."""
    check_in_range(book, notification)
    ev = visible(book, notification)
    kinds = kind_codes(ev)
    child = ev["child"].to_numpy()
    since = float(book.calendar.day_of(months_before(notification, activity_months)))
    # legal status now
    status_rows = ev[kinds == int(_K.STATUS)]
    status = _last_by_child(status_rows, "detail")
    wanted = [STATUS_CODE[name] for name in SOCIAL_CARE_STATUSES if name in statuses]
    on_plan = set(status.index[status.isin(wanted)].tolist())
    # age now
    ages = ages_at(book, notification)
    of_age = set(ages.index[(ages >= min_age) & (ages <= max_age)].tolist())
    # mental health now
    mh_rows = ev[np.isin(kinds, [int(_K.DETERIORATE), int(_K.IMPROVE)])]
    mh = pd.Series(
        book.children["mental_health"].to_numpy(np.int64), index=book.children["child"].to_numpy()
    )
    changed = _last_by_child(mh_rows, "detail")
    mh.loc[changed.index] = changed.to_numpy()
    need = set(mh.index[mh >= 1].tolist())
    # activity in the window
    times = ev["time"].to_numpy()
    last_time = pd.Series(times).groupby(child).max()
    active = set(last_time.index[last_time >= since].tolist())
    ids = sorted(on_plan & of_age & need & active)
    if not ids:
        return []
    sub = ev[np.isin(child, ids)]
    return _summaries(book, sub, ids, ages, status, mh, last_time, since)


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
    # the agency holding the child's legal status: the one that logged the last status event
    status_rows = sub[kinds == int(_K.STATUS)].sort_values("time", kind="stable")
    owner = status_rows.groupby("child")["agency"].last()
    kids = book.children.set_index("child")
    out = []
    for c in ids:
        row = kids.loc[c]
        code = int(status.get(c, 0))
        owner_key = owner.get(c)
        out.append(
            ChildSummary(
                child=int(c),
                age=int(ages.loc[c]),
                legal_status=LEGAL_STATUSES[code],
                mental_health=MentalHealth(min(int(mh.loc[c]), MentalHealth.ILL)).word,
                at_risk=bool(row["at_risk"]),
                exploitation=bool(row["exploitation"]),
                missing=bool(row["missing"]),
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


def cohort_table(cohort: Sequence[ChildSummary]) -> pd.DataFrame:
    """The cohort as a table, one row per child (the list an area would supply)."""
    fields = [f.name for f in attrs.fields(ChildSummary)]
    rows = [attrs.asdict(c, recurse=False) for c in cohort]
    frame = pd.DataFrame(rows, columns=fields)
    frame["agencies"] = frame["agencies"].map(lambda a: ", ".join(a))
    return frame


def describe_child(c: ChildSummary) -> str:
    """One line about an eligible child.

    >>> c = ChildSummary(child=7, age=13, legal_status="cp", mental_health="early signs",
    ...     at_risk=True, exploitation=False, missing=True, send=False, disability=False,
    ...     female=True, ethnicity="White", agencies=("police", "front_door"),
    ...     camhs_status="waiting", youth_justice=False, recent_crisis=False,
    ...     last_activity=dt.date(2026, 1, 5), label="Child 7")
    >>> describe_child(c).split("; ")  # doctest: +NORMALIZE_WHITESPACE
    ['Child 7, 13, child protection, early signs', 'waiting for CAMHS', 'missing episodes',
     'last activity Mon 5 Jan 2026']
    """
    parts = [
        c.label or f"Child {c.child}",
        str(c.age),
        STATUS_WORDS[c.legal_status],
        c.mental_health,
    ]
    head = ", ".join(parts)
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


STATUS_WORDS = {
    "none": "no plan",
    "early_help": "early help",
    "cin": "child in need",
    "cp": "child protection",
    "looked_after": "looked after",
}
CAMHS_WORDS: dict[str, str] = {
    "none": "not referred to CAMHS",
    "treated": "receiving CAMHS help",
    "waiting": "waiting for CAMHS",
    "rejected": "CAMHS referral closed without help",
    "closed": "CAMHS help finished",
}
