"""Choosing the children: tracked children for diversity, and a sample from frames.

**Tracked children** (6 by default; the inspection norm is 5 to 7) are chosen
from the eligible cohort greedily, for coverage: each child carries *strata*
(their legal status; their CAMHS situation; youth justice; exploitation or
missing episodes; a recent crisis; whether they are identified as at risk;
whether their journey crossed the most agencies of any eligible child; and,
with lower weights, SEND, sex, ethnicity and disability). Each step takes the
child who adds the most weight of strata not yet covered (priority follows the
order above), preferring wider journeys, with ties broken by a draw from the
seed. Whenever the places left are no more than the key strata still missing,
only children who add one of them are considered; so, when the cohort has them,
three tracked children are enough to include a child at risk, a child not
identified at risk and a child whose journey crossed the most agencies, and
enough places (up to 9) also include every legal status and every CAMHS
situation (treated, waiting, turned down). A tracked child's reasons are the
strata they added, in words.

**The sample** (30 by default) is drawn from frames at points of the journey,
each a set of events in the last six months for children who are not tracked:
front-door contacts and referrals, and strategy discussions, for children of
any age and status (as the front-door evaluation looks at every child); CAMHS
referrals turned down or waiting, entries to youth justice, crisis episodes,
and health assessments of children in care, for eligible children only (the
deep dive; every eligible child is known to social care, and a CAMHS referral
still waiting counts however old it is). Frames are defined by agency kinds,
not agency names. The
frames take turns, each drawing one child at random (from the seed) until the
sample is full or every frame is exhausted; a child is sampled once at most,
at their latest event in the frame. Each pick names its frame, the agency that
owns that point of the journey, the event and the reasons.

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection.casebook import casebook_from_run
>>> from jtai_sim.inspection.cohort import eligible_cohort
>>> import datetime as dt
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=3))
>>> day = dt.date(2026, 2, 3)
>>> s = select(book, eligible_cohort(book, day), day, seed=1)
>>> len(s.tracked), all(p.reasons for p in s.tracked + s.sample)
(6, True)
>>> s == select(book, eligible_cohort(book, day), day, seed=1)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from attrs import frozen

from jtai_sim.errors import InputError
from jtai_sim.inspection.casebook import (
    CAMHS_KINDS,
    CRISIS_KINDS,
    agency_codes,
    agency_keys,
    codes_of_kind,
    fmt_date,
    kind_codes,
    months_before,
    visible,
)
from jtai_sim.inspection.cohort import CAMHS_WORDS, STATUS_WORDS, summarise
from jtai_sim.inspection.model import CaseBook, ChildSummary, Pick, Selection
from jtai_sim.randomness import Streams
from jtai_sim.vocabulary import EventKind

_K = EventKind

#: Bounds on the number of tracked children and the sample size.
TRACKED_RANGE = (1, 12)
SAMPLE_RANGE = (0, 200)


@frozen(kw_only=True)
class Frame:
    """A point of the journey the sample is drawn from."""

    key: str
    label: str
    agency_kinds: tuple[str, ...]
    description: str
    #: only eligible children (the deep dive); ``False``: any child (the front-door evaluation)
    deep_dive: bool = True


#: The sample frames, in the order they take turns.
FRAMES: tuple[Frame, ...] = (
    Frame(
        key="front_door",
        label="Front-door contacts and referrals",
        agency_kinds=("front_door", "referral"),
        description="a contact or referral received at the front door in the last six months",
        deep_dive=False,
    ),
    Frame(
        key="strategy",
        label="Strategy discussions",
        agency_kinds=("strategy",),
        description="a strategy discussion (and any enquiry) in the last six months",
        deep_dive=False,
    ),
    Frame(
        key="camhs_rejected_or_waiting",
        label="CAMHS referrals turned down or waiting",
        agency_kinds=tuple(sorted(CAMHS_KINDS)),
        description="a referral for mental-health help, for a child known to social care, "
        "that was closed without help or is still waiting",
    ),
    Frame(
        key="youth_justice",
        label="Entries to youth justice",
        agency_kinds=("youth_justice",),
        description="an entry to youth justice in the last six months",
    ),
    Frame(
        key="crisis",
        label="Crisis episodes",
        agency_kinds=tuple(sorted(CRISIS_KINDS)),
        description="a crisis, or a presentation at an emergency or crisis service, "
        "in the last six months",
    ),
    Frame(
        key="health_assessment",
        label="Health assessments of children in care",
        agency_kinds=("health_assessment",),
        description="a health assessment of a child in care in the last six months",
    ),
)
FRAME_LABELS: dict[str, str] = {"tracking": "Tracked child"} | {f.key: f.label for f in FRAMES}


def frame_label(key: str) -> str:
    """The label of a frame key (``tracking`` for tracked children)."""
    return FRAME_LABELS.get(key, key)


# ---------------------------------------------------------------- tracked children


def _strata(c: ChildSummary, widest: int) -> list[tuple[str, float, str]]:
    """(stratum, weight, reason) for one child."""
    out: list[tuple[str, float, str]] = [
        (f"status:{c.legal_status}", 64.0, _STATUS_REASON[c.legal_status]),
    ]
    camhs_weight = 32.0 if c.camhs_status in ("treated", "waiting", "rejected") else 6.0
    out.append((f"camhs:{c.camhs_status}", camhs_weight, CAMHS_WORDS[c.camhs_status]))
    if len(c.agencies) >= widest:
        out.append(
            (
                "widest",
                20.0,
                f"journey crossed {len(c.agencies)} agencies, the most of any eligible child",
            )
        )
    if c.youth_justice:
        out.append(("youth_justice", 16.0, "involved with youth justice"))
    if c.at_risk:
        out.append(("at_risk:yes", 14.0, "identified as at risk of abuse or neglect"))
    else:
        out.append(("at_risk:no", 14.0, "not identified as at risk of abuse or neglect"))
    if c.exploitation or c.missing:
        words = " and ".join(
            w
            for w, f in (
                ("at risk of exploitation", c.exploitation),
                ("has gone missing", c.missing),
            )
            if f
        )
        out.append(("exploitation_or_missing", 12.0, words))
    if c.recent_crisis:
        out.append(("recent_crisis", 10.0, "a crisis in the last six months"))
    if c.send:
        out.append(("send", 3.0, "special educational needs or a neurodevelopmental need"))
    if c.disability:
        out.append(("disability", 2.0, "disabled"))
    out.append((f"sex:{'female' if c.female else 'male'}", 2.0, "a girl" if c.female else "a boy"))
    out.append((f"ethnicity:{c.ethnicity}", 2.0, f"{c.ethnicity} ethnic background"))
    return out


_STATUS_REASON = {
    "cin": "on a child-in-need plan",
    "cp": "on a child protection plan",
    "looked_after": "looked after",
}
#: Strata guaranteed first (when the cohort has them and there are at least 3 places) ...
_MANDATORY = ("at_risk:yes", "at_risk:no", "widest")
#: ... then these too, when there are enough places for all of them.
_WANTED = (
    "status:cin",
    "status:cp",
    "status:looked_after",
    "camhs:treated",
    "camhs:waiting",
    "camhs:rejected",
)
#: stratum -> what an eligible child in it is (for notes on what the selection lacks)
_REQUIRED_WORDS = {
    "status:cin": "on a child-in-need plan",
    "status:cp": "on a child protection plan",
    "status:looked_after": "looked after",
    "camhs:treated": "receiving CAMHS help",
    "camhs:waiting": "waiting for CAMHS",
    "camhs:rejected": "closed by CAMHS without help",
    "youth_justice": "involved with youth justice",
    "exploitation_or_missing": "at risk of exploitation or going missing",
    "recent_crisis": "in a recent crisis",
    "at_risk:yes": "identified as at risk",
    "at_risk:no": "free of an identified risk of abuse or neglect",
}


def choose_tracked(
    cohort: Sequence[ChildSummary], count: int, rng: np.random.Generator
) -> tuple[list[Pick], list[str]]:
    """The tracked children and notes on what they could not cover."""
    if not cohort:
        return [], ["No child is eligible, so no child can be tracked."]
    widest = max(len(c.agencies) for c in cohort)
    strata = [_strata(c, widest) for c in cohort]
    weights = [{s: w for s, w, _ in st} for st in strata]
    tiebreak = rng.random(len(cohort))
    available = set().union(*(w.keys() for w in weights))
    mandatory = [m for m in _MANDATORY if m in available]
    wanted = mandatory + [m for m in _WANTED if m in available]
    covered: set[str] = set()
    chosen: list[int] = []
    picks: list[Pick] = []
    target = min(count, len(cohort))
    while len(chosen) < target:
        left = target - len(chosen)
        missing = [m for m in mandatory if m not in covered]
        if len(missing) < left:
            missing = [m for m in wanted if m not in covered]
        best, best_key = -1, (-1.0, -1.0, -1.0)
        for i, w in enumerate(weights):
            if i in chosen:
                continue
            if len(missing) >= left and not any(m in w for m in missing):
                continue
            gain = sum(v for s, v in w.items() if s not in covered)
            key = (gain, float(len(cohort[i].agencies)), float(tiebreak[i]))
            if key > best_key:
                best, best_key = i, key
        chosen.append(best)
        c = cohort[best]
        new = [(s, r) for s, _, r in strata[best] if s not in covered]
        covered |= set(weights[best])
        reasons = [r for s, r in new if not s.startswith(("sex:", "ethnicity:"))]
        if not reasons:
            reasons = [f"another journey through {len(c.agencies)} agencies"]
        reasons.append(f"aged {c.age}, {c.mental_health}")
        picks.append(
            Pick(
                child=c.child,
                role="tracked",
                frame="tracking",
                reasons=tuple(reasons),
                agencies=c.agencies,
                owner=c.owner,
            )
        )
    notes: list[str] = []
    if len(cohort) < count:
        notes.append(
            f"Only {len(cohort)} children are eligible, fewer than the {count} to track; "
            "all of them are tracked."
        )
    for stratum, words in _REQUIRED_WORDS.items():
        if stratum not in available:
            notes.append(f"No eligible child is {words}, so no tracked child is.")
        elif stratum not in covered:
            notes.append(f"With {target} tracked children, none is {words}.")
    return picks, notes


# ---------------------------------------------------------------- the sample


def frame_candidates(
    book: CaseBook,
    cohort: Sequence[ChildSummary],
    notification: dt.date,
    *,
    months: int = 6,
) -> dict[str, pd.DataFrame]:
    """For each frame, one row per eligible child in it: ``child``, ``event_id``, ``owner``,
    ``time``, ``reason`` (their latest event in the frame)."""
    ids = [c.child for c in cohort]
    ev = visible(book, notification)
    eligible = np.isin(ev["child"].to_numpy(), ids)
    since = float(book.calendar.day_of(months_before(notification, months)))
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    times = ev["time"].to_numpy()
    recent = times >= since
    arrive = kinds == int(_K.ARRIVE)
    keys = agency_keys(book)
    by_child = {c.child: c for c in cohort}
    out: dict[str, pd.DataFrame] = {}
    for frame in FRAMES:
        at = np.isin(agency, codes_of_kind(book, frame.agency_kinds))
        if frame.key == "camhs_rejected_or_waiting":
            stuck = [c.child for c in cohort if c.camhs_status in ("rejected", "waiting")]
            waiting = [c.child for c in cohort if c.camhs_status == "waiting"]
            child_ids = ev["child"].to_numpy()
            rows = arrive & at & np.isin(child_ids, stuck) & (recent | np.isin(child_ids, waiting))
        elif frame.key == "crisis":
            origin = ev["origin"].astype(str).to_numpy()
            rows = recent & ((arrive & (at | (origin == "crisis"))) | (kinds == int(_K.CRISIS)))
        else:
            rows = recent & arrive & at
        if frame.deep_dive:
            rows = rows & eligible
        sel = ev[rows]
        if sel.empty:
            out[frame.key] = pd.DataFrame(columns=["child", "event_id", "owner", "time", "reason"])
            continue
        sel = sel.sort_values("time", kind="stable")
        last = sel.groupby("child", sort=True).tail(1)
        reasons = [
            _frame_reason(book, frame.key, row, by_child.get(int(row.child)))
            for row in last.itertuples()
        ]
        out[frame.key] = (
            pd.DataFrame(
                {
                    "child": last["child"].to_numpy(np.int64),
                    "event_id": last.index.to_numpy(np.int64),
                    "owner": [keys[a] for a in agency_codes(last)],
                    "time": last["time"].to_numpy(),
                    "reason": reasons,
                }
            )
            .sort_values("child", kind="stable")
            .reset_index(drop=True)
        )
    return out


def _frame_reason(book: CaseBook, frame: str, row: Any, child: ChildSummary | None) -> str:
    agency = book.agency_label(str(row.agency))
    other = row.other
    src = "" if other is None or pd.isna(other) else f" from {book.agency_label(str(other))}"
    when = fmt_date(book.calendar.date_of(float(row.time)))
    kind = str(row.kind)
    if frame == "front_door":
        return f"referred to {agency}{src} on {when}"
    if frame == "strategy":
        return f"strategy discussion at {agency} on {when}"
    if frame == "camhs_rejected_or_waiting" and child is not None:
        state = "closed without help" if child.camhs_status == "rejected" else "still waiting"
        return (
            f"referred to {agency}{src} on {when}, {state}; the child is "
            f"{_STATUS_REASON[child.legal_status]}"
        )
    if frame == "youth_justice":
        return f"entered {agency}{src} on {when}"
    if frame == "crisis":
        if kind == "crisis":
            return f"crisis on {when} while waiting at {agency}"
        return f"presented in crisis at {agency} on {when}"
    return f"health assessment requested at {agency} on {when}"


def choose_sample(
    candidates: dict[str, pd.DataFrame],
    cohort: Sequence[ChildSummary],
    size: int,
    exclude: set[int],
    rng: np.random.Generator,
    book: CaseBook,
    notification: dt.date,
) -> tuple[list[Pick], list[str]]:
    """Frames take turns drawing one child each until ``size`` children are sampled."""
    queues: list[tuple[str, pd.DataFrame]] = []
    for frame in FRAMES:
        rows = candidates.get(frame.key)
        if rows is None or rows.empty:
            continue
        order = rng.permutation(len(rows))
        queues.append((frame.key, rows.iloc[order].reset_index(drop=True)))
    pos = [0] * len(queues)
    taken = set(exclude)
    drawn: list[tuple[str, pd.Series]] = []
    while len(drawn) < size:
        progressed = False
        for q, (key, rows) in enumerate(queues):
            if len(drawn) >= size:
                break
            kids = rows["child"].to_numpy(np.int64)
            while pos[q] < len(rows) and int(kids[pos[q]]) in taken:
                pos[q] += 1
            if pos[q] >= len(rows):
                continue
            r = rows.iloc[pos[q]]
            pos[q] += 1
            taken.add(int(r["child"]))
            progressed = True
            drawn.append((key, r))
        if not progressed:
            break
    by_child = {c.child: c for c in cohort}
    others = sorted({int(r["child"]) for _, r in drawn} - set(by_child))
    by_child |= {c.child: c for c in summarise(book, notification, others)}
    picks: list[Pick] = []
    for key, r in drawn:
        c = by_child[int(r["child"])]
        situation = f"{STATUS_WORDS[c.legal_status]}, aged {c.age}, {c.mental_health}"
        picks.append(
            Pick(
                child=c.child,
                role="sampled",
                frame=key,
                reasons=(str(r["reason"]), situation),
                agencies=c.agencies,
                owner=str(r["owner"]),
                event_id=int(r["event_id"]),
                date=book.calendar.date_of(float(r["time"])),
            )
        )
    notes: list[str] = []
    if len(picks) < size:
        notes.append(
            f"The frames hold only {len(picks)} children who are not tracked, fewer than the "
            f"sample of {size}."
        )
    empty = [f.label for f in FRAMES if f.key not in {k for k, _ in queues}]
    if empty:
        notes.append("No child falls in these frames: " + "; ".join(empty) + ".")
    return picks, notes


def select(
    book: CaseBook,
    cohort: Sequence[ChildSummary],
    notification: dt.date,
    *,
    tracked: int = 6,
    sample_size: int = 30,
    seed: int = 0,
    months: int = 6,
) -> Selection:
    """The tracked children and the sample, reproducible from ``seed``."""
    lo, hi = TRACKED_RANGE
    if not lo <= tracked <= hi:
        raise InputError(
            f"must be from {lo} to {hi} (inspections track 5 to 7), got {tracked}", key="tracked"
        )
    lo, hi = SAMPLE_RANGE
    if not lo <= sample_size <= hi:
        raise InputError(f"must be from {lo} to {hi}, got {sample_size}", key="sample_size")
    if seed < 0:
        raise InputError(f"must be >= 0, got {seed}", key="seed")
    ordered = sorted(cohort, key=lambda c: c.child)
    streams = Streams(seed)
    picks, notes = choose_tracked(ordered, tracked, streams.generator("selection", "tracked"))
    candidates = frame_candidates(book, ordered, notification, months=months)
    sample, more = choose_sample(
        candidates,
        ordered,
        sample_size,
        {p.child for p in picks},
        streams.generator("selection", "sample"),
        book,
        notification,
    )
    return Selection(
        tracked=tuple(picks),
        sample=tuple(sample),
        eligible=len(ordered),
        seed=seed,
        notes=tuple(notes + more),
    )
