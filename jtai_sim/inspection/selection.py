"""Choosing the children: tracked children for diversity, and a sample from the theme's frames.

Both choices read only what the records show (:mod:`jtai_sim.inspection.cohort`):
never the simulation's hidden mental-health state or risk.

**Tracked children** (6 by default; the inspection norm is 5 to 7) are chosen
from the area's list for the theme greedily, for coverage: each child carries
*strata* (their legal status; their CAMHS situation; youth justice;
exploitation or missing episodes on record; a recent crisis; whether the record
shows them at risk of abuse, neglect or exploitation; whether their journey
crossed the most agencies of any child on the list; and, with lower weights,
SEND, sex, ethnicity and disability). Each step takes the child who adds the
most weight of strata not yet covered (priority follows the order above),
preferring wider journeys, with ties broken by a draw from the seed. Whenever
the places left are no more than the key strata still missing, only children
who add one of them are considered; so, when the list has them, three tracked
children are enough to include a child the record shows at risk, one it does
not and one whose journey crossed the most agencies, and enough places (up to
9) also include every legal status and CAMHS situation. A tracked child's
reasons are the strata they added, in words.

**The sample** (30 by default) is drawn from the theme's frames
(:class:`~jtai_sim.inspection.theme.SampleFrame`): each frame is a set of
records in its window (an arrival at a kind of agency, a crisis, an exit ...)
for children who are not tracked, optionally only children on the list, of some
ages, statuses or CAMHS situations. Frames are defined by agency kinds, not
agency names. The frames take turns, each drawing its ``draws`` children at
random (from the seed) until the sample is full or every frame is exhausted; a
child is sampled once at most, at their latest record in the frame. Each pick
names its frame, the agency that owns that record, the event and the reasons.

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection.casebook import casebook_from_run
>>> from jtai_sim.inspection.cohort import eligible_cohort
>>> from jtai_sim.inspection.theme import load_theme
>>> import datetime as dt
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=3))
>>> day, theme = dt.date(2026, 2, 3), load_theme("front-door")
>>> s = select(book, eligible_cohort(book, day, theme.eligibility), day, theme=theme, seed=1)
>>> len(s.tracked), all(p.reasons for p in s.tracked + s.sample)
(6, True)
>>> s == select(book, eligible_cohort(book, day, theme.eligibility), day, theme=theme, seed=1)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from jtai_sim.errors import InputError
from jtai_sim.inspection.casebook import (
    agency_codes,
    agency_keys,
    codes_of_kind,
    fmt_date,
    kind_codes,
    months_before,
    visible,
)
from jtai_sim.inspection.cohort import (
    CAMHS_WORDS,
    ages_at,
    camhs_status,
    need_words,
    summarise,
)
from jtai_sim.inspection.model import CaseBook, ChildSummary, Pick, Selection
from jtai_sim.inspection.partners import join_words
from jtai_sim.inspection.theme import SampleFrame, Theme, load_theme
from jtai_sim.randomness import Streams
from jtai_sim.vocabulary import LEGAL_STATUSES, STATUS_CODE, STATUS_WORDS, EventKind

_K = EventKind

#: Bounds on the number of tracked children and the sample size.
TRACKED_RANGE = (1, 12)
SAMPLE_RANGE = (0, 200)


# ---------------------------------------------------------------- tracked children


def _strata(c: ChildSummary, widest: int, mental_health: bool) -> list[tuple[str, float, str]]:
    """(stratum, weight, reason) for one child."""
    out: list[tuple[str, float, str]] = [
        (f"status:{c.legal_status}", 64.0, _STATUS_REASON[c.legal_status]),
    ]
    camhs_weight = 32.0 if c.camhs_status in ("treated", "waiting", "rejected") else 6.0
    if not mental_health:
        camhs_weight /= 4
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
        out.append(("at_risk:yes", 14.0, "identified as at risk: " + join_words(c.risks)))
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
    "none": "no social-care status",
    "early_help": "receiving early help",
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
    cohort: Sequence[ChildSummary],
    count: int,
    rng: np.random.Generator,
    *,
    mental_health: bool = False,
) -> tuple[list[Pick], list[str]]:
    """The tracked children and notes on what they could not cover."""
    if not cohort:
        return [], ["No child is eligible, so no child can be tracked."]
    widest = max(len(c.agencies) for c in cohort)
    strata = [_strata(c, widest, mental_health) for c in cohort]
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
        reasons.append(f"aged {c.age}, {need_words(c)}")
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
    frames: Sequence[SampleFrame],
) -> dict[str, pd.DataFrame]:
    """For each frame, one row per child in it: ``child``, ``event_id``, ``owner``,
    ``time``, ``reason`` (their latest record in the frame)."""
    ev = visible(book, notification)
    kinds = kind_codes(ev)
    agency = agency_codes(ev)
    child_ids = ev["child"].to_numpy()
    times = ev["time"].to_numpy()
    origin = ev["origin"].astype(str).to_numpy()
    keys = agency_keys(book)
    by_child = {c.child: c for c in cohort}
    ages = ages_at(book, notification)
    status = _status_now(ev, kinds)
    camhs: dict[int, str] | None = None
    out: dict[str, pd.DataFrame] = {}
    for frame in frames:
        since = float(book.calendar.day_of(months_before(notification, frame.months)))
        at = (
            np.isin(agency, codes_of_kind(book, frame.agency_kinds))
            if frame.agency_kinds
            else np.ones(len(ev), dtype=bool)
        )
        codes = [int(EventKind.from_key(e)) for e in frame.events]
        rows = at & np.isin(kinds, codes)
        if frame.anywhere:
            rows |= np.isin(kinds, [int(EventKind.from_key(e)) for e in frame.anywhere])
        if frame.origins:
            rows |= (kinds == int(_K.ARRIVE)) & np.isin(origin, list(frame.origins))
        recent = times >= since
        allowed = np.ones(len(ev), dtype=bool)
        if frame.eligible_only:
            allowed &= np.isin(child_ids, list(by_child))
        if frame.min_age is not None or frame.max_age is not None:
            lo = frame.min_age if frame.min_age is not None else 0
            hi = frame.max_age if frame.max_age is not None else 200
            fits = ages.index[(ages >= lo) & (ages <= hi)]
            allowed &= np.isin(child_ids, fits.to_numpy())
        if frame.statuses:
            wanted = [STATUS_CODE[x] for x in frame.statuses]
            fits = status.index[status.isin(wanted)]
            allowed &= np.isin(child_ids, fits.to_numpy())
        if frame.camhs:
            if camhs is None:
                camhs = dict(camhs_status(book, ev))
            stuck = [c for c, st in camhs.items() if st in frame.camhs]
            allowed &= np.isin(child_ids, stuck)
            if frame.still_waiting_counts:
                waiting = [c for c, st in camhs.items() if st == "waiting"]
                recent = recent | np.isin(child_ids, waiting)
        sel = ev[rows & recent & allowed]
        if sel.empty:
            out[frame.key] = pd.DataFrame(columns=["child", "event_id", "owner", "time", "reason"])
            continue
        sel = sel.sort_values("time", kind="stable")
        last = sel.groupby("child", sort=True).tail(1)
        situations = camhs or {}
        reasons = [
            _frame_reason(
                book,
                frame,
                row,
                situations.get(int(row.child)),
                STATUS_WORDS[LEGAL_STATUSES[int(status.get(int(row.child), 0))]],
            )
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


def _status_now(ev: pd.DataFrame, kinds: np.ndarray) -> pd.Series:
    rows = ev[kinds == int(_K.STATUS)].sort_values("time", kind="stable")
    return rows.groupby("child", sort=True)["detail"].last()


_EVENT_WORDS = {
    "arrive": "came to",
    "start": "started with",
    "exit": "left",
    "crisis": "had a crisis while waiting at",
    "identify": "had a need recognised at",
    "review": "had a review at",
    "status": "changed legal status at",
}


def _frame_reason(
    book: CaseBook, frame: SampleFrame, row: Any, camhs: str | None, status: str
) -> str:
    """Why a record is in ``frame``: what happened, where, when, and from whom."""
    agency = book.agency_label(str(row.agency))
    other = row.other
    src = "" if other is None or pd.isna(other) else f" from {book.agency_label(str(other))}"
    when = fmt_date(book.calendar.date_of(float(row.time)))
    kind = str(row.kind)
    words = _EVENT_WORDS.get(kind, kind)
    if kind == "arrive" and str(row.origin) == "crisis":
        words = "presented in crisis at"
    if kind != "arrive":
        src = ""
    text = f"{frame.label.lower()}: {words} {agency}{src} on {when}"
    if camhs in ("rejected", "waiting") and frame.camhs:
        text += ", " + ("closed without help" if camhs == "rejected" else "still waiting")
        text += f"; {status}"
    return text


def choose_sample(
    candidates: dict[str, pd.DataFrame],
    frames: Sequence[SampleFrame],
    cohort: Sequence[ChildSummary],
    size: int,
    exclude: set[int],
    rng: np.random.Generator,
    book: CaseBook,
    notification: dt.date,
) -> tuple[list[Pick], list[str]]:
    """Frames take turns, each drawing its ``draws`` children, until ``size`` are sampled."""
    queues: list[tuple[SampleFrame, pd.DataFrame]] = []
    for frame in frames:
        rows = candidates.get(frame.key)
        if rows is None or rows.empty:
            continue
        order = rng.permutation(len(rows))
        queues.append((frame, rows.iloc[order].reset_index(drop=True)))
    pos = [0] * len(queues)
    taken = set(exclude)
    drawn: list[tuple[str, pd.Series]] = []
    while len(drawn) < size:
        progressed = False
        for q, (frame, rows) in enumerate(queues):
            kids = rows["child"].to_numpy(np.int64)
            for _ in range(frame.draws):
                if len(drawn) >= size:
                    break
                while pos[q] < len(rows) and int(kids[pos[q]]) in taken:
                    pos[q] += 1
                if pos[q] >= len(rows):
                    break
                r = rows.iloc[pos[q]]
                pos[q] += 1
                taken.add(int(r["child"]))
                progressed = True
                drawn.append((frame.key, r))
        if not progressed:
            break
    by_child = {c.child: c for c in cohort}
    others = sorted({int(r["child"]) for _, r in drawn} - set(by_child))
    by_child |= {c.child: c for c in summarise(book, notification, others)}
    picks: list[Pick] = []
    for key, r in drawn:
        c = by_child[int(r["child"])]
        situation = f"{STATUS_WORDS[c.legal_status]}, aged {c.age}, {need_words(c)}"
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
    empty = [f.label for f in frames if f.key not in {fr.key for fr, _ in queues}]
    if empty:
        notes.append("No child falls in these frames: " + "; ".join(empty) + ".")
    return picks, notes


def select(
    book: CaseBook,
    cohort: Sequence[ChildSummary],
    notification: dt.date,
    *,
    theme: Theme | None = None,
    tracked: int = 6,
    sample_size: int = 30,
    seed: int = 0,
) -> Selection:
    """The tracked children and the sample for ``theme`` (the default theme if ``None``).

    Reproducible from ``seed``.
    """
    theme = theme or load_theme()
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
    mental_health = "mental_health" in theme.eligibility.recorded_need
    picks, notes = choose_tracked(
        ordered, tracked, streams.generator("selection", "tracked"), mental_health=mental_health
    )
    candidates = frame_candidates(book, ordered, notification, theme.frames)
    sample, more = choose_sample(
        candidates,
        theme.frames,
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
