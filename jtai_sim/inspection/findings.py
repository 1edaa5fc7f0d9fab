"""Findings: what each chosen child's records show, tied to agencies, criteria and rows.

Only events dated on or before the notification date count. Each detector reads
the whole event table at once (vectorised), so the same code finds what a few
chosen children show and what the whole partnership shows (which
:mod:`jtai_sim.experiments.detection` compares).

==========================  =====================================================
kind                        shown by (the rows a finding cites)
==========================  =====================================================
``wait_beyond_standard``    a clock whose stop is the start of help, stopped
                            beyond its limit or still running past it at
                            notification (the start row, and the stop row)
``late_decision``,          the same, for clocks that stop at a front-door or
``late_assessment``,        referral decision, an assessment, a conference, a
``late_conference``,        health assessment (initial or review), a crisis
``late_health_assessment``, response or a return home interview after a
``late_review_health_...``, missing episode
``late_crisis_response``,
``late_return_interview``
``help_within_standard``    (strength) a clock met
``information_lost``,       a ``handoff``, ``fork`` or ``notify`` row whose
``information_partial``,    information never arrived, arrived partial, or
``information_late``        arrived later than its pathway allows
``information_complete``    (strength) complete and in time
``closed_then_back``        an ``exit``, then a later ``arrive`` that brings
                            the child back (origin ``return``)
``turned_away``             an ``arrive`` at a CAMHS single point of access and
                            the ``exit`` there, or taken off a CAMHS list unseen
``signposted_at_triage``    (strength) an ``arrive`` at a CAMHS single point of
                            access and the ``handoff`` from there to a service
                            outside CAMHS (a commissioned voluntary-sector or
                            online offer): not taken on, but not left with nothing
``late_review``             a ``review`` row held late (value = days late > 0)
``reviews_on_time``         (strength) every review of a plan on time
``crisis_while_waiting``    an ``arrive`` and the ``crisis`` while waiting there
``worse_while_waiting``     an ``arrive`` and a ``deteriorate`` while waiting
``supported_while_waiting`` (strength) an ``arrive`` and an ``interim`` row
                            (interim support) while waiting there
``signposted_while_waiting`` (strength) an ``arrive`` and a ``signpost`` row
                            (signposted to a commissioned offer) while waiting
``escalated_while_waiting`` (strength) an ``arrive`` and a ``retriage`` row that
                            moved the child to urgent (their mental health had
                            worsened since they joined the list)
``waited_without_support``  a ``start`` after more than 4 weeks on the list of
                            an agency that gives interim support or signposts
                            (an ``interim`` or ``signpost`` row for some child),
                            with neither in that wait (the ``arrive`` and
                            ``start``)
``identified_at_youth_...`` an ``identify`` row at a youth justice service
``identified_early``        (strength) an ``identify`` row at a school, GP,
                            early help, MHST or the front door
``household_needs_known``   (strength) a child whose household has an adult
                            factor: an ``arrive`` at an adult service and its
                            information reaching children's social care
                            complete and in time (the ``handoff``, ``fork`` or
                            ``notify`` row)
``household_needs_unshared`` the same, but the information to children's
                            social care was lost or late, or the adult service
                            closed the case (``exit``) without sending any
                            while the child was known to children's social care
``partner_absent``          a multi-agency meeting (a strategy discussion, an
                            exploitation meeting) that an invited partner did
                            not attend (the meeting's ``attend`` rows)
``partners_present``        (strength) the same, every invited partner there
``placement_broke_help``    a ``placement`` row out of the area, and the ``exit``
                            (reason ``moved``) from a CAMHS list or service it
                            ended
``held_waiting_for_bed``    a ``held`` row of an unsuitable setting (a ward or
                            the emergency department) while waiting for a place,
                            and the ``start`` when the place came, or the ``exit``
                            if taken off the list (none if still waiting at
                            notification); x = days waited
``admitted_far_from_home``  a ``held`` row of setting ``far_from_home`` (the
                            place found is far from home)
==========================  =====================================================

Clocks and late hand-offs follow the one rule of :mod:`jtai_sim.results.clocktime`,
which the metrics use too: a clock runs from its start to the child's first stop
before the clock starts again; without a stop it is breached only if, past its
limit, the child is still with one of its agencies (still waiting for what it
measures).

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection.casebook import casebook_from_run
>>> import datetime as dt
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=3))
>>> found = findings_for(book, [int(c) for c in book.children["child"][:60]], dt.date(2026, 2, 3))
>>> all(set(f.event_ids) <= set(book.events.index) for f in found)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from jtai_sim.inspection.casebook import (
    CAMHS_KINDS,
    agency_codes,
    agency_keys,
    clock_outcomes,
    codes_of_kind,
    end_of_day,
    fmt_date,
    kind_codes,
    visible,
)
from jtai_sim.inspection.criteria import criteria_for
from jtai_sim.inspection.model import FINDING_STRENGTH, CaseBook, Finding, Selection
from jtai_sim.inspection.partners import join_words, kinds_of
from jtai_sim.inspection.theme import Theme, load_theme
from jtai_sim.results import clocktime
from jtai_sim.scenario.model import Clock
from jtai_sim.vocabulary import (
    MODE_OF_KIND,
    UNSUITABLE_SETTINGS,
    Completeness,
    EventKind,
    ExitReason,
    HeldIn,
    PartnerCode,
    pathway_name,
)

_K = EventKind
_LOST, _PARTIAL, _COMPLETE = (
    int(c) for c in (Completeness.LOST, Completeness.PARTIAL, Completeness.COMPLETE)
)
_EVENT = {"arrive": _K.ARRIVE, "start": _K.START, "end": _K.END}
_EARLY_KINDS = ("school", "gp", "health_visiting", "early_help", "mhst", "front_door")

#: Columns of the table of hits every detector returns.
HIT_COLUMNS = ["child", "kind", "key", "subject", "time", "ids", "agencies", "x", "y", "t2"]


def _hits(**cols: object) -> pd.DataFrame:
    frame = pd.DataFrame({c: cols.get(c, np.nan) for c in HIT_COLUMNS})
    return frame


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in HIT_COLUMNS})


def clock_kind(agency_kinds: Mapping[str, str], clock: Clock) -> str:
    """The kind of finding a breach of ``clock`` is, from the kinds of its stop agencies.

    >>> from jtai_sim.scenario.model import Clock, ClockPoint
    >>> c = Clock(label="x", start=ClockPoint(agency="a"), stop=ClockPoint(agency="b"), limit=1)
    >>> clock_kind({"a": "referral", "b": "assessment"}, c)
    'late_assessment'
    """
    kinds = {agency_kinds[a] for a in clock.stop.agency if a in agency_kinds}
    if kinds & {"front_door", "referral"}:
        return "late_decision"
    if "assessment" in kinds:
        return "late_assessment"
    if kinds & {"conference", "strategy"}:
        return "late_conference"
    if "health_assessment" in kinds:
        # a clock started by a request the health team receives measures a review health
        # assessment; one started on entering care, the initial health assessment
        starts = {agency_kinds[a] for a in clock.start.agency if a in agency_kinds}
        if starts == {"health_assessment"}:
            return "late_review_health_assessment"
        return "late_health_assessment"
    if kinds & {"crisis_team", "emergency_department"}:
        return "late_crisis_response"
    if "return_interview" in kinds:
        return "late_return_interview"
    return "wait_beyond_standard"


def clock_hits(book: CaseBook, ev: pd.DataFrame, t_end: float) -> pd.DataFrame:
    """Clocks met and breached by ``t_end`` (pending and not-reached clocks are left out).

    The rule is :func:`jtai_sim.results.clocktime.clock_instances`, over the events visible.
    """
    keys = agency_keys(book)
    m = clock_outcomes(book, t_end, events=ev)
    m = m[m["outcome"].isin(["met", "breached"])]
    if m.empty:
        return _empty()
    stopped = m["stopped"].to_numpy(bool)
    met = (m["outcome"] == "met").to_numpy()
    sid = m["start_id"].to_numpy(np.int64)
    sag = m["start_agency"].to_numpy(np.int64)
    pid, pag = m["stop_id"].to_numpy(), m["stop_agency"].to_numpy()
    cited = [
        (int(s),) if not st else (int(s), int(p))
        for s, p, st in zip(sid, pid, stopped, strict=True)
    ]
    agencies = [
        (keys[a],) if not st or int(b) == a else (keys[a], keys[int(b)])
        for a, b, st in zip(sag, pag, stopped, strict=True)
    ]
    kinds = {k: a.kind for k, a in book.agencies.items()}
    breach_kind = m["clock"].map({ck: clock_kind(kinds, c) for ck, c in book.clocks.items()})
    subject = m["clock"].map({ck: c.label for ck, c in book.clocks.items()})
    start = m["start"].to_numpy(np.float64)
    return _hits(
        child=m["child"].to_numpy(np.int64),
        kind=np.where(met, "help_within_standard", breach_kind.to_numpy(dtype=object)),
        key=m["clock"].to_numpy(dtype=object),
        subject=subject.to_numpy(dtype=object),
        time=np.where(stopped, m["stop"].to_numpy(np.float64), start),
        ids=cited,
        agencies=agencies,
        x=m["elapsed"].to_numpy(np.float64),
        y=np.where(stopped, 1.0, 0.0),
        t2=start,
    )


def handoff_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Hand-offs, parallel referrals and notifications by how their information arrived."""
    kinds = kind_codes(ev)
    other = agency_codes(ev, "other")
    detail = ev["detail"].to_numpy(np.int64)
    rows = np.isin(kinds, list(MODE_OF_KIND)) & (other >= 0) & (detail <= _LOST)
    if not rows.any():
        return _empty()
    keys = agency_keys(book)
    sel = ev[rows]
    src = agency_codes(sel)
    dst = agency_codes(sel, "other")
    k = kinds[rows]
    det = detail[rows]
    delay = sel["value"].to_numpy(np.float64)
    due = np.array(
        [
            book.handoff_due_days.get(
                (keys[a], MODE_OF_KIND[int(x)], keys[b]), book.default_due_days
            )
            for a, b, x in zip(src, dst, k, strict=True)
        ],
        dtype=np.float64,
    )
    late = clocktime.is_late(det, delay, due)
    pathway = np.array(
        [
            pathway_name(keys[a], MODE_OF_KIND[int(x)], keys[b])
            for a, b, x in zip(src, dst, k, strict=True)
        ],
        dtype=object,
    )
    subject = np.array(
        [
            f"{book.agency_label(keys[a])} to {book.agency_label(keys[b])}"
            for a, b in zip(src, dst, strict=True)
        ],
        dtype=object,
    )
    ids = sel.index.to_numpy(np.int64)
    agencies = [(keys[a], keys[b]) for a, b in zip(src, dst, strict=True)]
    parts = []
    for kind, mask in (
        ("information_lost", det == _LOST),
        ("information_partial", det == _PARTIAL),
        ("information_late", late),
        ("information_complete", (det == _COMPLETE) & ~late),
    ):
        if not mask.any():
            continue
        parts.append(
            _hits(
                child=sel["child"].to_numpy(np.int64)[mask],
                kind=kind,
                key=pathway[mask],
                subject=subject[mask],
                time=sel["time"].to_numpy(np.float64)[mask],
                ids=[(int(i),) for i in ids[mask]],
                agencies=[agencies[i] for i in np.flatnonzero(mask)],
                x=delay[mask],
                y=due[mask],
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def _before(
    targets: pd.DataFrame, anchors: pd.DataFrame, by: list[str], exact: bool = True
) -> pd.DataFrame:
    """For each target row, the latest anchor row of the same ``by`` at or before it."""
    t = targets.sort_values("time", kind="stable")
    a = anchors.sort_values("time", kind="stable").rename(
        columns={"time": "atime", "id": "aid", **({} if "agency" in by else {"agency": "aag"})}
    )
    return pd.merge_asof(
        t,
        a,
        left_on="time",
        right_on="atime",
        by=by,
        direction="backward",
        allow_exact_matches=exact,
    )


def _rows(ev: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child": ev["child"].to_numpy(np.int64)[mask],
            "time": ev["time"].to_numpy(np.float64)[mask],
            "id": ev.index.to_numpy(np.int64)[mask],
            "agency": agency_codes(ev)[mask],
            "value": ev["value"].to_numpy(np.float64)[mask],
        }
    )


#: Agency kinds of children's social care whose closures the re-referral rule looks at.
#: Not the local authority's services outside a case (a return home interview, exploitation
#: screening and meetings): closing one is not closing the child's social care case.
_CSC_KINDS = tuple(
    k
    for k in kinds_of("social_care")
    if k not in ("generic", "return_interview", "exploitation_screening", "exploitation_meeting")
)
#: Where a referral to children's social care arrives.
_REFERRAL_KINDS = ("front_door", "referral")
#: The DfE re-referral measure: a new referral within 12 months of the previous one.
RE_REFERRAL_DAYS = 365.0


def reversal_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Children closed by children's social care and referred to it again within a year.

    The DfE's re-referral measure counts a referral within 12 months of a previous
    one; a return long after, or an arrival elsewhere (a child attending the
    emergency department), is not a re-referral.
    """
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    back = (kinds == int(_K.ARRIVE)) & np.isin(agency, codes_of_kind(book, _REFERRAL_KINDS))
    exits = (kinds == int(_K.EXIT)) & np.isin(agency, codes_of_kind(book, _CSC_KINDS))
    if not back.any() or not exits.any():
        return _empty()
    m = _before(
        _rows(ev, back), _rows(ev, exits)[["child", "time", "id", "agency"]], ["child"], exact=False
    )
    m = m[m["aid"].notna() & ((m["time"] - m["atime"]) <= RE_REFERRAL_DAYS)]
    if m.empty:
        return _empty()
    keys = agency_keys(book)
    closer = m["aag"].to_numpy(np.int64)
    arrived = m["agency"].to_numpy(np.int64)
    return _hits(
        child=m["child"].to_numpy(np.int64),
        kind="closed_then_back",
        key=[keys[a] for a in closer],
        subject=[book.agency_label(keys[a]) for a in closer],
        time=m["time"].to_numpy(np.float64),
        ids=[(int(a), int(b)) for a, b in zip(m["aid"], m["id"], strict=True)],
        agencies=[
            (keys[a],) if a == b else (keys[a], keys[b])
            for a, b in zip(closer, arrived, strict=True)
        ],
        x=(m["time"] - m["atime"]).to_numpy(np.float64),
        t2=m["atime"].to_numpy(np.float64),
    )


def _at_agency_since_arrival(
    book: CaseBook, ev: pd.DataFrame, mask: np.ndarray, kind: str
) -> pd.DataFrame:
    """Rows of ``mask`` paired with the child's latest arrival at the same agency."""
    kinds = kind_codes(ev)
    if not mask.any():
        return _empty()
    m = _before(
        _rows(ev, mask),
        _rows(ev, kinds == int(_K.ARRIVE))[["child", "time", "id", "agency"]],
        ["child", "agency"],
    )
    keys = agency_keys(book)
    ag = m["agency"].to_numpy(np.int64)
    has = m["aid"].notna().to_numpy()
    return _hits(
        child=m["child"].to_numpy(np.int64),
        kind=kind,
        key=[keys[a] for a in ag],
        subject=[book.agency_label(keys[a]) for a in ag],
        time=m["time"].to_numpy(np.float64),
        ids=[
            (int(a), int(i)) if h else (int(i),)
            for a, i, h in zip(m["aid"].fillna(-1), m["id"], has, strict=True)
        ],
        agencies=[(keys[a],) for a in ag],
        x=(m["time"] - m["atime"]).to_numpy(np.float64),
        y=m["value"].to_numpy(np.float64),
        t2=m["atime"].to_numpy(np.float64),
    )


def turned_away_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Referrals closed at a CAMHS single point of access, or taken off a CAMHS list unseen."""
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    value = ev["value"].to_numpy(np.float64)
    spa = np.isin(agency, codes_of_kind(book, ["camhs_spa"]))
    camhs = np.isin(agency, codes_of_kind(book, CAMHS_KINDS))
    unseen = value == int(ExitReason.TAKEN_OFF)
    decided = (value != int(ExitReason.MERGED)) & (value != int(ExitReason.MOVED))
    mask = (kinds == int(_K.EXIT)) & ((spa & decided) | (camhs & unseen))
    return _at_agency_since_arrival(book, ev, mask, "turned_away")


def signposted_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Children a CAMHS single point of access did not take on but referred to a service
    outside CAMHS, and children signposted to a commissioned offer while they waited.

    Each is cited with the child's arrival at the agency that signposted them; the
    agencies are that one and the service signposted to.
    """
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    other = agency_codes(ev, "other")
    spa = np.isin(agency, codes_of_kind(book, ["camhs_spa"]))
    outside = (other >= 0) & ~np.isin(other, codes_of_kind(book, CAMHS_KINDS))
    masks = {
        "signposted_at_triage": (kinds == int(_K.HANDOFF)) & spa & outside,
        "signposted_while_waiting": kinds == int(_K.SIGNPOST),
    }
    keys = agency_keys(book)
    parts = []
    for kind, mask in masks.items():
        hits = _at_agency_since_arrival(book, ev, mask, kind)
        if len(hits):
            # the row cited last is the signposting row: its ``other`` is the service
            to = dict(zip(ev.index.to_numpy(np.int64)[mask], other[mask], strict=True))
            hits["agencies"] = [
                (a[0], keys[to[ids[-1]]]) if to[ids[-1]] >= 0 else a
                for a, ids in zip(hits["agencies"], hits["ids"], strict=True)
            ]
            parts.append(hits)
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def placement_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Children in care whose move to a placement out of the area ended their CAMHS help.

    The exit (reason ``moved``) from a CAMHS list or service is paired with the
    placement that caused it (the child's latest placement row at or before it).
    """
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    value = ev["value"].to_numpy(np.float64)
    camhs = np.isin(agency, codes_of_kind(book, CAMHS_KINDS))
    lost = (kinds == int(_K.EXIT)) & camhs & (value == int(ExitReason.MOVED))
    placed = kinds == int(_K.PLACEMENT)
    if not lost.any() or not placed.any():
        return _empty()
    m = _before(_rows(ev, lost), _rows(ev, placed)[["child", "time", "id", "agency"]], ["child"])
    m = m[m["aid"].notna()]
    if m.empty:
        return _empty()
    keys = agency_keys(book)
    service = m["agency"].to_numpy(np.int64)
    carer = m["aag"].to_numpy(np.int64)
    return _hits(
        child=m["child"].to_numpy(np.int64),
        kind="placement_broke_help",
        key=[keys[a] for a in service],
        subject=[book.agency_label(keys[a]) for a in service],
        time=m["time"].to_numpy(np.float64),
        ids=[(int(a), int(b)) for a, b in zip(m["aid"], m["id"], strict=True)],
        agencies=[(keys[a], keys[b]) for a, b in zip(carer, service, strict=True)],
        t2=m["atime"].to_numpy(np.float64),
    )


def held_hits(book: CaseBook, ev: pd.DataFrame, t_end: float) -> pd.DataFrame:
    """Children held in an unsuitable setting while waiting for a place (a Tier 4 bed),
    and children whose place was far from home.

    A ``held`` row of a ward or the emergency department is paired with the child's
    next ``start`` or ``exit`` at the same agency: ``x`` is the days from the row to it,
    and ``y`` is 1 for a start (a place came), 2 for an exit (taken off the list without
    one); a child with neither by notification is still waiting (``y`` = 0, ``x`` = the
    days so far). Being held at home is not a finding.
    """
    kinds = kind_codes(ev)
    held = kinds == int(_K.HELD)
    if not held.any():
        return _empty()
    detail = ev["detail"].to_numpy(np.int64)
    far = held & (detail == int(HeldIn.FAR_FROM_HOME))
    unsuitable = held & np.isin(detail, list(UNSUITABLE_SETTINGS))
    keys = agency_keys(book)
    parts = []
    if unsuitable.any():
        rows = _rows(ev, unsuitable).sort_values("time", kind="stable")
        ends = (kinds == int(_K.START)) | (kinds == int(_K.EXIT))
        starts = _rows(ev, ends)[["child", "time", "id", "agency"]]
        starts["left"] = kinds[ends] == int(_K.EXIT)
        starts = starts.sort_values("time", kind="stable").rename(
            columns={"time": "stime", "id": "sid"}
        )
        m = pd.merge_asof(
            rows,
            starts,
            left_on="time",
            right_on="stime",
            by=["child", "agency"],
            direction="forward",
        )
        admitted = m["sid"].notna().to_numpy()
        stime = m["stime"].to_numpy(np.float64)
        htime = m["time"].to_numpy(np.float64)
        ag = m["agency"].to_numpy(np.int64)
        parts.append(
            _hits(
                child=m["child"].to_numpy(np.int64),
                kind="held_waiting_for_bed",
                key=[keys[a] for a in ag],
                subject=[book.agency_label(keys[a]) for a in ag],
                time=np.where(admitted, stime, htime),
                ids=[
                    (int(i), int(s)) if a else (int(i),)
                    for i, s, a in zip(m["id"], m["sid"].fillna(-1), admitted, strict=True)
                ],
                agencies=[(keys[a],) for a in ag],
                x=np.where(admitted, stime, t_end) - htime,
                y=np.where(m["left"].fillna(False).to_numpy(bool), 2.0, admitted.astype(float)),
                t2=htime,
            )
        )
    if far.any():
        rows = _rows(ev, far)
        ag = rows["agency"].to_numpy(np.int64)
        parts.append(
            _hits(
                child=rows["child"].to_numpy(np.int64),
                kind="admitted_far_from_home",
                key=[keys[a] for a in ag],
                subject=[book.agency_label(keys[a]) for a in ag],
                time=rows["time"].to_numpy(np.float64),
                ids=[(int(i),) for i in rows["id"]],
                agencies=[(keys[a],) for a in ag],
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def waiting_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Crises and worsening mental health while waiting."""
    kinds = kind_codes(ev)
    parts = [
        _at_agency_since_arrival(book, ev, kinds == int(_K.CRISIS), "crisis_while_waiting"),
        _at_agency_since_arrival(book, ev, kinds == int(_K.DETERIORATE), "worse_while_waiting"),
    ]
    return (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else _empty()
    )


#: Four weeks: the proposed CYPMH waiting standard (NHS England consultation, 2022;
#: the 2019 JTAI guidance), past which a wait without interim support is a finding.
UNSUPPORTED_WAIT_DAYS = 28.0


def interim_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Interim support while waiting, and long waits without it where it is given; and
    children moved up a list as urgent when re-triage found them worse.

    An agency "gives interim support" when any visible row shows it (an ``interim``
    row there), so a case list is read the same way as a simulated run. Signposting
    while waiting (a ``signpost`` row) is support too: a wait with either is not one
    without support, and an agency that only signposts is judged the same way.
    """
    kinds = kind_codes(ev)
    interim = kinds == int(_K.INTERIM)
    helped = interim | (kinds == int(_K.SIGNPOST))
    # re-triage that moved a child whose mental health had worsened up the list
    escalated = (kinds == int(_K.RETRIAGE)) & (ev["detail"].to_numpy() == 1)
    up = _at_agency_since_arrival(book, ev, escalated, "escalated_while_waiting")
    if not helped.any():
        return up
    parts = [_at_agency_since_arrival(book, ev, interim, "supported_while_waiting"), up]
    agency = agency_codes(ev)
    giving = np.unique(agency[helped])
    value = ev["value"].to_numpy(np.float64)
    long = (kinds == int(_K.START)) & np.isin(agency, giving) & (value > UNSUPPORTED_WAIT_DAYS)
    waits = _at_agency_since_arrival(book, ev, long, "waited_without_support")
    parts = [p for p in parts if len(p)]
    if len(waits):
        rows = _rows(ev, helped)[["child", "agency", "time"]]
        keys = agency_keys(book)
        codes = {k: i for i, k in enumerate(keys)}
        w = waits.reset_index(drop=True)
        w["code"] = [codes[a[0]] for a in w["agencies"]]
        pairs = (
            w[["child", "code", "t2", "time"]]
            .reset_index()
            .merge(rows.rename(columns={"agency": "code", "time": "itime"}), on=["child", "code"])
        )
        during = pairs[(pairs["itime"] >= pairs["t2"]) & (pairs["itime"] <= pairs["time"])]
        w = w.drop(index=during["index"].unique()).drop(columns="code")
        if len(w):
            parts.append(w)
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def review_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Late reviews, and plans whose every review was on time."""
    kinds = kind_codes(ev)
    rows = kinds == int(_K.REVIEW)
    if not rows.any():
        return _empty()
    r = _rows(ev, rows)
    keys = agency_keys(book)
    late = r[r["value"] > 0]
    parts = []
    if len(late):
        parts.append(
            _hits(
                child=late["child"].to_numpy(np.int64),
                kind="late_review",
                key=[keys[a] for a in late["agency"]],
                subject=[book.agency_label(keys[a]) for a in late["agency"]],
                time=late["time"].to_numpy(np.float64),
                ids=[(int(i),) for i in late["id"]],
                agencies=[(keys[a],) for a in late["agency"]],
                x=late["value"].to_numpy(np.float64),
            )
        )
    g = r.groupby(["child", "agency"], sort=True)
    summary = g.agg(n=("id", "size"), worst=("value", "max"), time=("time", "max"))
    good = summary[summary["worst"] <= 0].reset_index()
    if len(good):
        cited = r[
            r.set_index(["child", "agency"]).index.isin(good.set_index(["child", "agency"]).index)
        ]
        ids = cited.groupby(["child", "agency"], sort=True)["id"].apply(
            lambda s: tuple(int(i) for i in s)
        )
        parts.append(
            _hits(
                child=good["child"].to_numpy(np.int64),
                kind="reviews_on_time",
                key=[keys[a] for a in good["agency"]],
                subject=[book.agency_label(keys[a]) for a in good["agency"]],
                time=good["time"].to_numpy(np.float64),
                ids=list(ids.to_numpy()),
                agencies=[(keys[a],) for a in good["agency"]],
                x=good["n"].to_numpy(np.float64),
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def identify_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Mental-health needs recognised early at universal services, or only at youth justice.

    A need first recognised at youth justice is a finding about the agencies that
    met the child before without recognising it (they are the ones it names), not
    about the youth justice service, which did its job; with no earlier agency it
    is no finding.
    """
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    ident = kinds == int(_K.IDENTIFY)
    keys = agency_keys(book)
    parts = []
    early = ident & np.isin(agency, codes_of_kind(book, _EARLY_KINDS))
    if early.any():
        r = _rows(ev, early)
        parts.append(
            _hits(
                child=r["child"].to_numpy(np.int64),
                kind="identified_early",
                key=[keys[a] for a in r["agency"]],
                subject=[book.agency_label(keys[a]) for a in r["agency"]],
                time=r["time"].to_numpy(np.float64),
                ids=[(int(i),) for i in r["id"]],
                agencies=[(keys[a],) for a in r["agency"]],
            )
        )
    yj_codes = codes_of_kind(book, ["youth_justice"])
    late = ident & np.isin(agency, yj_codes)
    if late.any():
        first_ident = _rows(ev, ident).sort_values("time", kind="stable").drop_duplicates("child")
        r = _rows(ev, late)
        r = r[r["id"].isin(first_ident["id"])]
        arrivals = _rows(ev, (kinds == int(_K.ARRIVE)) & ~np.isin(agency, yj_codes))
        rows = []
        for h in r.itertuples(index=False):
            before = arrivals[(arrivals["child"] == h.child) & (arrivals["time"] < h.time)]
            met = tuple(dict.fromkeys(keys[a] for a in before["agency"] if a >= 0))
            if met:
                # the child's latest arrival at each agency named, so each is cited
                latest = before[before["agency"] >= 0].drop_duplicates("agency", keep="last")
                rows.append((h, met, (*(int(i) for i in latest["id"]), int(h.id))))
        if rows:
            parts.append(
                _hits(
                    child=[int(h.child) for h, _, _ in rows],
                    kind="identified_at_youth_justice",
                    key=[keys[h.agency] for h, _, _ in rows],
                    subject=[book.agency_label(keys[h.agency]) for h, _, _ in rows],
                    time=[float(h.time) for h, _, _ in rows],
                    ids=[ids for _, _, ids in rows],
                    agencies=[met for _, met, _ in rows],
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else _empty()


#: Agency kinds of adult services: their cases are the child's parents or carers.
ADULT_KINDS = (
    "adult_mental_health",
    "substance_misuse",
    "domestic_abuse_service",
    "probation",
    "maternity",
)
#: The household factors a case book's children table may carry.
_HOUSEHOLD_FLAGS = (
    "parental_mental_health",
    "domestic_abuse",
    "parental_substance_misuse",
    "sexual_abuse_in_family",
)


def household_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Adult services that knew of a household's needs, and whether children's social
    care heard.

    For each child whose household has an adult factor (a case list without the factor
    columns counts every child an adult service saw) and each adult service that took
    the household on (an ``arrive`` there): its information to children's social care
    arrived complete and in time (``household_needs_known``), or was lost or late, or
    the adult service closed the case without sending any while the child was known to
    children's social care (``household_needs_unshared``). The first such hand-off
    after the arrival decides; the lateness rule is the clocks' one
    (:func:`jtai_sim.results.clocktime.is_late`).
    """
    adult = codes_of_kind(book, ADULT_KINDS)
    if not adult:
        return _empty()
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    arrivals = (kinds == int(_K.ARRIVE)) & np.isin(agency, adult)
    if not arrivals.any():
        return _empty()
    flags = [f for f in _HOUSEHOLD_FLAGS if f in book.children.columns]
    if flags:
        factor = book.children[flags].astype(bool).any(axis=1).to_numpy()
        with_factor = set(book.children["child"].to_numpy(np.int64)[factor].tolist())
        arrivals &= np.isin(ev["child"].to_numpy(np.int64), list(with_factor))
        if not arrivals.any():
            return _empty()
    keys = agency_keys(book)
    csc = codes_of_kind(book, _CSC_KINDS)
    other = agency_codes(ev, "other")
    sent = np.isin(kinds, list(MODE_OF_KIND)) & np.isin(agency, adult) & np.isin(other, csc)
    known = (kinds == int(_K.ARRIVE)) & np.isin(agency, csc)
    closed = (kinds == int(_K.EXIT)) & np.isin(agency, adult)
    child = ev["child"].to_numpy(np.int64)
    time = ev["time"].to_numpy(np.float64)
    ids = ev.index.to_numpy(np.int64)
    detail = ev["detail"].to_numpy(np.int64)
    value = ev["value"].to_numpy(np.float64)
    by_child: dict[int, list[int]] = {}
    for i in np.flatnonzero(arrivals | sent | known | closed).tolist():
        by_child.setdefault(int(child[i]), []).append(i)
    out: dict[str, list[Any]] = {c: [] for c in ("child", "kind", "key", "subject", "time")}
    out |= {"ids": [], "agencies": [], "x": [], "y": [], "t2": []}
    for c, rows in by_child.items():
        for i in rows:
            if not arrivals[i]:
                continue
            here = int(agency[i])
            # this episode at the adult service: its rows up to the next arrival there
            after = []
            for j in rows:
                if j <= i or int(agency[j]) != here:
                    continue
                if arrivals[j] and child[j] == c:
                    break
                after.append(j)
            handoff = next((j for j in after if sent[j]), None)
            if handoff is not None:
                to = keys[int(other[handoff])]
                due = book.handoff_due_days.get(
                    (keys[here], MODE_OF_KIND[int(kinds[handoff])], to), book.default_due_days
                )
                late = bool(
                    clocktime.is_late(
                        np.array([detail[handoff]]),
                        np.array([value[handoff]]),
                        np.array([due], dtype=np.float64),
                    )[0]
                )
                if detail[handoff] == _COMPLETE and not late:
                    kind = "household_needs_known"
                elif detail[handoff] == _LOST or late:
                    kind = "household_needs_unshared"
                else:
                    continue  # partial: the hand-off findings say so
                cited, end, x, y = (int(ids[i]), int(ids[handoff])), handoff, value[handoff], due
                names: tuple[str, ...] = (keys[here], to)
            else:
                exit_row = next((j for j in after if closed[j]), None)
                was_known = any(known[j] and time[j] <= time[i] for j in rows) or any(
                    known[j] for j in rows if exit_row is not None and time[j] <= time[exit_row]
                )
                if exit_row is None or not was_known:
                    continue
                kind = "household_needs_unshared"
                cited, end, x, y = (int(ids[i]), int(ids[exit_row])), exit_row, np.nan, np.nan
                names = (keys[here],)
            out["child"].append(c)
            out["kind"].append(kind)
            out["key"].append(keys[here])
            out["subject"].append(book.agency_label(keys[here]))
            out["time"].append(float(time[end]))
            out["ids"].append(cited)
            out["agencies"].append(names)
            out["x"].append(float(x))
            out["y"].append(float(y))
            out["t2"].append(float(time[i]))
    if not out["child"]:
        return _empty()
    return _hits(**out)


def _partner_words(codes: Iterable[int]) -> list[str]:
    """What a sentence calls each partner of ``codes`` ("health", "the police")."""
    out = []
    for code in codes:
        try:
            out.append(PartnerCode(int(code)).word)
        except ValueError:
            out.append("an unknown partner")
    return out


def attendance_hits(book: CaseBook, ev: pd.DataFrame) -> pd.DataFrame:
    """Multi-agency meetings by who attended: one hit per meeting a child had.

    A meeting is the ``attend`` rows of one child at one agency at one moment (one
    row per invited partner). Every partner invited is expected: Working Together
    2023 requires social care, police and health at a strategy discussion, and an
    area invites the others it needs, so any absence is ``partner_absent`` (the
    subject names who was missing: "... held without health") and a meeting with
    everyone there is ``partners_present``. Both cite all the meeting's rows, the
    absent partners' first.
    """
    rows = kind_codes(ev) == int(_K.ATTEND)
    if not rows.any():
        return _empty()
    sel = ev[rows]
    frame = pd.DataFrame(
        {
            "child": sel["child"].to_numpy(np.int64),
            "agency": agency_codes(sel).astype(np.int64),
            "time": sel["time"].to_numpy(np.float64),
            "id": sel.index.to_numpy(np.int64),
            "code": sel["detail"].to_numpy(np.int64),
            "came": sel["value"].to_numpy(np.float64) >= 0.5,
        }
    ).sort_values(["child", "time", "agency", "came", "code"], kind="stable")
    keys = agency_keys(book)
    out: dict[str, list[Any]] = {c: [] for c in HIT_COLUMNS}
    for (c, a, t), g in frame.groupby(["child", "agency", "time"], sort=False):
        came = g["came"].to_numpy(bool)
        absent = g["code"].to_numpy(np.int64)[~came]
        label = book.agency_label(keys[int(a)])
        out["child"].append(int(c))
        out["key"].append(keys[int(a)])
        out["time"].append(float(t))
        out["ids"].append(tuple(int(i) for i in g["id"]))
        out["agencies"].append((keys[int(a)],))
        out["x"].append(float(len(absent)))
        out["y"].append(float(len(g)))
        out["t2"].append(float(t))
        if len(absent):
            out["kind"].append("partner_absent")
            out["subject"].append(f"{label} held without {join_words(_partner_words(absent))}")
        else:
            out["kind"].append("partners_present")
            out["subject"].append(f"{label} with every partner invited")
    return _hits(**out)


def all_hits(
    book: CaseBook,
    notification: dt.date,
    children: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Every finding, as a table, for ``children`` (all children if ``None``)."""
    ev = visible(book, notification)
    if children is not None:
        ev = ev[np.isin(ev["child"].to_numpy(), list(children))]
    t_end = end_of_day(book, notification)
    parts = [
        clock_hits(book, ev, t_end),
        handoff_hits(book, ev),
        reversal_hits(book, ev),
        turned_away_hits(book, ev),
        signposted_hits(book, ev),
        waiting_hits(book, ev),
        interim_hits(book, ev),
        review_hits(book, ev),
        identify_hits(book, ev),
        household_hits(book, ev),
        attendance_hits(book, ev),
        placement_hits(book, ev),
        held_hits(book, ev, t_end),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    out["strength"] = out["kind"].map(FINDING_STRENGTH).astype(bool)
    return out


def findings_for(
    book: CaseBook,
    children: Iterable[int] | Selection,
    notification: dt.date,
    *,
    strengths: bool = True,
    theme: Theme | None = None,
) -> list[Finding]:
    """The findings for ``children`` (ids, or a :class:`Selection`), child by child in date order.

    Only the kinds of finding ``theme`` uses count (the default theme if ``None``),
    and only timescales that stop at its ``clock_kinds``; each finding bears on the
    criteria the theme gives its kind, and on any criterion that gathers findings
    about the kinds of agency it names.

    The standards are ``book.clocks`` (the scenario's, or the standard defaults of
    a case list): pass a book made with other clocks (``attrs.evolve(book,
    clocks=...)``) to measure against others.
    """
    ids = list(children.children) if isinstance(children, Selection) else [int(c) for c in children]
    theme = theme or load_theme()
    hits = all_hits(book, notification, ids)
    if len(hits):
        hits = hits[hits["kind"].isin(list(theme.findings))]
        if theme.clock_kinds:
            hits = hits[
                ~hits["kind"].isin(list(_CLOCK_KINDS | {"help_within_standard"}))
                | hits["key"].isin(_clocks_of_kinds(book, theme.clock_kinds))
            ]
    if not strengths and len(hits):
        hits = hits[~hits["strength"].astype(bool)]
    if hits.empty:
        return []
    kind_of = {k: a.kind for k, a in book.agencies.items()}
    rank = {c: i for i, c in enumerate(ids)}
    hits = hits.assign(_r=hits["child"].map(rank)).sort_values(
        ["_r", "time", "kind"], kind="stable"
    )
    cal = book.calendar
    out = []
    rows: Iterable[Any] = hits.itertuples(index=False)
    for h in rows:
        kind = str(h.kind)
        out.append(
            Finding(
                child=int(h.child),
                kind=kind,
                agencies=tuple(h.agencies),
                criteria=criteria_for(kind, tuple(kind_of.get(a, "") for a in h.agencies), theme),
                date=cal.date_of(float(h.time)),
                event_ids=tuple(int(i) for i in h.ids),
                evidence=evidence(book, h),
                strength=bool(h.strength),
                subject=str(h.subject),
            )
        )
    return out


_ONE = {"days": "day", "working days": "working day", "weeks": "week", "hours": "hour"}


def duration_text(
    x: float, unit: str = "days", beyond: float | None = None, exact: bool = False
) -> str:
    """``x`` in ``unit`` as a reader wants it: whole units from 10 up, one decimal below.

    A time compared with a limit it exceeds (``beyond``) never reads as equal to it;
    a part of a day reads "under a day" unless it is compared or ``exact``.

    >>> duration_text(23.6), duration_text(0.3)
    ('24 days', 'under a day')
    >>> duration_text(1.0, "working days"), duration_text(4, "weeks")
    ('1 working day', '4 weeks')
    >>> duration_text(1.4, beyond=1.0), duration_text(45.3, "working days", beyond=45.0)
    ('1.4 days', '45.3 working days')
    >>> duration_text(1.02, beyond=1.0), duration_text(0.5, exact=True)
    ('just over 1 day', '0.5 days')
    """
    if np.isnan(x):
        return "an unknown time"
    if x < 1 and unit == "days" and beyond is None and not exact:
        return "under a day"

    def text(v: float, whole: bool) -> str:
        return f"{v:.0f}" if whole else f"{v:.1f}".removesuffix(".0")

    shown = text(x, whole=x >= 10)
    if beyond is not None and x > beyond and float(shown) <= beyond:
        shown = text(x, whole=False)
        if float(shown) <= beyond:
            return f"just over {duration_text(beyond, unit, exact=True)}"
    return f"{shown} {_ONE[unit] if shown == '1' else unit}"


def evidence(book: CaseBook, h: Any) -> str:
    """The sentence that says what the cited rows show."""
    cal = book.calendar
    kind = str(h.kind)
    when = fmt_date(cal.date_of(float(h.time)))
    agencies = [book.agency_label(a) for a in h.agencies]
    x = float(h.x)
    y = float(h.y)
    t2 = h.t2
    since = fmt_date(cal.date_of(float(t2))) if not pd.isna(t2) else ""
    subject = str(h.subject)
    if kind == "help_within_standard" or kind in _CLOCK_KINDS:
        clock = book.clocks.get(str(h.key))
        unit = {"working_days": "working days", "days": "days", "hours": "hours", "weeks": "weeks"}[
            clock.unit if clock else "days"
        ]
        limit = clock.limit if clock else None
        took = duration_text(x, unit, beyond=limit if y > 0.5 else None)
        limit_text = duration_text(limit, unit, exact=True) if limit is not None else ""
        if kind == "help_within_standard":
            return f"{subject}: met, in {took} (from {since} to {when})."
        if y > 0.5:
            return f"{subject}: took {took} against {limit_text} (from {since} to {when})."
        return (
            f"{subject}: still not done at notification, {took} after it started on "
            f"{since} (standard {limit_text})."
        )
    if kind.startswith("information_"):
        route = f"from {agencies[0]} to {agencies[-1]}"
        if kind == "information_lost":
            return f"Information sent {route} on {when} never arrived."
        if kind == "information_partial":
            return f"Information sent {route} on {when} arrived incomplete."
        if kind == "information_late":
            return (
                f"Information sent {route} on {when} arrived after {duration_text(x, beyond=y)}, "
                f"against {duration_text(y, exact=True)} allowed."
            )
        return f"Information sent {route} on {when} arrived complete and in time."
    if kind == "closed_then_back":
        return (
            f"Closed by {agencies[0]} on {since}; referred to {agencies[-1]} again on "
            f"{when}, {duration_text(x)} later."
        )
    if kind == "turned_away":
        if y > 0.5:
            return (
                f"Referred to {agencies[0]} on {since} and taken off the waiting list "
                f"unseen on {when}."
            )
        return f"Referred to {agencies[0]} on {since} and closed there without help on {when}."
    if kind == "signposted_at_triage":
        return (
            f"Referred to {agencies[0]} on {since}; not taken on, and referred to "
            f"{agencies[-1]} instead on {when}."
        )
    if kind == "escalated_while_waiting":
        return (
            f"Looked at again on {when}, {duration_text(x)} into the wait at {agencies[0]} "
            f"(referred {since}): unwell by then, and moved up the list as urgent."
        )
    if kind == "signposted_while_waiting":
        return (
            f"Signposted to {agencies[-1]} on {when}, {duration_text(x)} into the wait at "
            f"{agencies[0]} (referred {since})."
        )
    if kind == "late_review":
        return f"Review at {agencies[0]} held {duration_text(x)} late, on {when}."
    if kind == "reviews_on_time":
        n = round(x)
        if n == 1:
            return f"The one review at {agencies[0]} so far was held on time."
        return f"All {n} reviews at {agencies[0]} held on time."
    if kind == "crisis_while_waiting":
        return (
            f"Crisis on {when}, {duration_text(x)} after joining the waiting list at "
            f"{agencies[0]} on {since}."
        )
    if kind == "worse_while_waiting":
        return (
            f"Mental health got worse on {when}, {duration_text(x)} into the wait at "
            f"{agencies[0]} (referred {since})."
        )
    if kind == "identified_at_youth_justice":
        return (
            f"Mental-health need first recognised by {subject} on {when}, after contact with "
            f"{join_words(agencies)}."
        )
    if kind == "identified_early":
        return f"Mental-health need recognised by {agencies[0]} on {when}."
    if kind == "household_needs_known":
        return (
            f"The household was known to {agencies[0]} from {since}; what it knew reached "
            f"{agencies[1]} complete and in time on {when}."
        )
    if kind == "household_needs_unshared":
        if len(agencies) == 1:
            return (
                f"The household was known to {agencies[0]} from {since}; it closed the case on "
                f"{when} without telling children's social care, who knew the child."
            )
        if y == y and x > y:  # late (y is nan only for a case closed unshared)
            return (
                f"The household was known to {agencies[0]} from {since}; what it sent "
                f"{agencies[1]} on {when} arrived after {duration_text(x, beyond=y)}, against "
                f"{duration_text(y, exact=True)} allowed."
            )
        return (
            f"The household was known to {agencies[0]} from {since}; what it sent "
            f"{agencies[1]} on {when} never arrived."
        )
    if kind in ("partner_absent", "partners_present"):
        rows = book.events.loc[list(h.ids)]
        came = rows["value"].to_numpy(np.float64) >= 0.5
        codes = rows["detail"].to_numpy(np.int64)
        there = join_words(_partner_words(codes[came]))
        if kind == "partners_present":
            return f"{agencies[0]} on {when}: every partner invited attended ({there})."
        missing = join_words(_partner_words(codes[~came]))
        also = f"; {there} attended" if came.any() else "; no invited partner attended"
        return f"{agencies[0]} on {when}: {missing} did not attend{also}."
    if kind == "placement_broke_help":
        return (
            f"Placed out of the area by {agencies[0]} on {since}; the child's place at "
            f"{agencies[-1]} was lost on {when}."
        )
    if kind == "held_waiting_for_bed":
        setting = HeldIn(int(book.events.loc[h.ids[0], "detail"])).word
        if y > 1.5:
            return (
                f"Waited {setting} from {since} for a place at {agencies[0]}, and left the "
                f"list without one on {when}, {duration_text(x)} later."
            )
        if y > 0.5:
            return (
                f"Waited {setting} from {since} for a place at {agencies[0]}, which came on "
                f"{when}, {duration_text(x)} later."
            )
        return (
            f"Waiting {setting} since {since} for a place at {agencies[0]}: still waiting at "
            f"notification, {duration_text(x)} on."
        )
    if kind == "admitted_far_from_home":
        return f"Admitted to {agencies[0]} on {when} in a bed far from home."
    return f"{subject} on {when}."  # pragma: no cover - every kind is handled above


def _clocks_of_kinds(book: CaseBook, kinds: Iterable[str]) -> list[str]:
    """Keys of the clocks whose stop agencies include one of ``kinds``."""
    wanted = set(kinds)
    return [
        key
        for key, c in book.clocks.items()
        if any(book.agencies[a].kind in wanted for a in c.stop.agency if a in book.agencies)
    ]


_CLOCK_KINDS = {
    "wait_beyond_standard",
    "late_decision",
    "late_assessment",
    "late_conference",
    "late_health_assessment",
    "late_review_health_assessment",
    "late_crisis_response",
    "late_return_interview",
}
