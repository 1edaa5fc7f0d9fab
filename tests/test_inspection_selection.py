"""The eligible cohort and the selection, checked as properties against an independent reading."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtai_sim import load_scenario, simulate
from jtai_sim.errors import InputError
from jtai_sim.inspection import (
    FRAMES,
    CaseBook,
    ChildSummary,
    casebook_from_run,
    eligible_cohort,
    select,
)
from jtai_sim.inspection.casebook import months_before
from jtai_sim.inspection.selection import _MANDATORY, _WANTED
from jtai_sim.vocabulary import LEGAL_STATUSES

FRAME_KINDS = {f.key: set(f.agency_kinds) for f in FRAMES}
DEEP_DIVE = {f.key for f in FRAMES if f.deep_dive}


@pytest.fixture(scope="module")
def books() -> dict[str, CaseBook]:
    midshire = simulate(load_scenario("midshire"), seed=5, days=430)
    minimal = simulate(load_scenario("minimal"), seed=2)
    return {"midshire": casebook_from_run(midshire), "minimal": casebook_from_run(minimal)}


def working_day(book: CaseBook, offset: int) -> dt.date:
    day = book.calendar.start_date + dt.timedelta(days=offset)
    while not book.calendar.is_working_date(day):
        day -= dt.timedelta(days=1)
    return day


def independent_eligibility(book: CaseBook, child: int, day: dt.date) -> dict[str, Any]:
    """Read one child's records directly, row by row, as a second opinion."""
    ev = book.events[book.events["child"] == child]
    ev = ev[ev["date"] <= pd.Timestamp(day)].sort_values("time", kind="stable")
    row = book.children.set_index("child").loc[child]
    status = "none"
    mh = int(row["mental_health"])
    for kind, detail in zip(ev["kind"].astype(str), ev["detail"], strict=True):
        if kind == "status":
            status = LEGAL_STATUSES[int(detail)]
        elif kind in ("deteriorate", "improve"):
            mh = int(detail)
    days = (day - book.calendar.start_date).days + 1 - float(row["arrived"])
    age = int(row["age"]) + math.floor(max(days, 0) / 365.25)
    last = ev["date"].max().date() if len(ev) else None
    return {"status": status, "mh": mh, "age": age, "last": last}


def test_cohort_matches_an_independent_reading(books: dict[str, CaseBook]) -> None:
    book = books["midshire"]
    day = working_day(book, 420)
    cohort = eligible_cohort(book, day)
    assert len(cohort) > 50
    since = months_before(day, 6)
    for c in cohort:
        seen = independent_eligibility(book, c.child, day)
        assert seen["status"] == c.legal_status in ("cin", "cp", "looked_after")
        assert 10 <= c.age == seen["age"] <= 15
        assert int(seen["mh"]) >= 1
        assert seen["last"] == c.last_activity and c.last_activity >= since
    # and some children left out really are ineligible
    ids = {c.child for c in cohort}
    others = [int(x) for x in book.children["child"] if int(x) not in ids][:150]
    for child in others:
        seen = independent_eligibility(book, child, day)
        last = seen["last"]
        eligible = (
            seen["status"] in ("cin", "cp", "looked_after")
            and 10 <= int(seen["age"]) <= 15
            and int(seen["mh"]) >= 1
            and last is not None
            and last >= since
        )
        assert not eligible, child


def test_cohort_flags_follow_the_records(books: dict[str, CaseBook]) -> None:
    book = books["midshire"]
    day = working_day(book, 420)
    cohort = eligible_cohort(book, day)
    kinds = {k: a.kind for k, a in book.agencies.items()}
    ev = book.events[book.events["date"] <= pd.Timestamp(day)]
    for c in cohort[:80]:
        mine = ev[ev["child"] == c.child]
        arrived_at = set(mine.loc[mine["kind"] == "arrive", "agency"].astype(str))
        assert set(c.agencies) >= arrived_at
        assert c.youth_justice == any(kinds[a] == "youth_justice" for a in arrived_at)
        camhs = {a for a in arrived_at if kinds[a] in ("camhs_spa", "camhs_community", "mhst")}
        assert (c.camhs_status == "none") == (not camhs)
        assert c.owner is not None and kinds[c.owner] in (
            "assessment",
            "strategy",
            "conference",
            "cin_plan",
            "cp_plan",
            "looked_after",
        )


def test_notification_outside_the_records_is_a_clear_error(books: dict[str, CaseBook]) -> None:
    book = books["minimal"]
    with pytest.raises(InputError, match="after the records end"):
        eligible_cohort(book, dt.date(2030, 1, 8))
    with pytest.raises(InputError, match="before the records begin"):
        eligible_cohort(book, dt.date(2020, 1, 7))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(["midshire", "minimal"]),
    offset=st.integers(200, 429),
    seed=st.integers(0, 2**31),
    tracked=st.integers(1, 12),
    sample_size=st.integers(0, 60),
)
def test_selection_properties(
    books: dict[str, CaseBook],
    which: str,
    offset: int,
    seed: int,
    tracked: int,
    sample_size: int,
) -> None:
    book = books[which]
    day = working_day(book, min(offset, 360 if which == "minimal" else 429))
    cohort = eligible_cohort(book, day)
    s = select(book, cohort, day, tracked=tracked, sample_size=sample_size, seed=seed)
    by_child = {c.child: c for c in cohort}
    # counts and uniqueness
    assert len(s.tracked) == min(tracked, len(cohort))
    assert len(s.sample) <= sample_size
    chosen = [p.child for p in s.tracked + s.sample]
    assert len(chosen) == len(set(chosen))
    assert s.eligible == len(cohort)
    # tracked and deep-dive children are eligible (ages, statuses, mental health, activity)
    since = months_before(day, 6)
    for p in s.tracked + s.sample:
        assert p.reasons and all(r.strip() for r in p.reasons)
        if p.role == "sampled" and p.frame not in DEEP_DIVE:
            continue
        c = by_child[p.child]
        assert 10 <= c.age <= 15 and c.legal_status in ("cin", "cp", "looked_after")
        assert c.mental_health in ("early signs", "mental ill health")
        assert c.last_activity >= since
    # tracked: the key strata are covered when there is room for them
    strata = {p.child: _strata_of(by_child[p.child], cohort) for p in s.tracked}
    covered = set().union(*strata.values()) if strata else set()
    present = set().union(*(_strata_of(c, cohort) for c in cohort)) if cohort else set()
    mandatory = [m for m in _MANDATORY if m in present]
    wanted = mandatory + [m for m in _WANTED if m in present]
    if len(s.tracked) >= len(mandatory):
        assert set(mandatory) <= covered
    if len(s.tracked) >= len(wanted):
        assert set(wanted) <= covered
    # sample: each pick sits in its frame
    ev = book.events
    for p in s.sample:
        assert p.frame in FRAME_KINDS and p.event_id is not None and p.owner is not None
        row = ev.loc[p.event_id]
        assert int(row["child"]) == p.child
        assert row["date"] <= pd.Timestamp(day)
        assert p.date == row["date"].date()
        if p.frame == "crisis":
            assert str(row["kind"]) in ("arrive", "crisis")
        else:
            assert str(row["kind"]) == "arrive"
            assert book.agencies[p.owner].kind in FRAME_KINDS[p.frame]
        if p.frame == "camhs_rejected_or_waiting":
            assert by_child[p.child].camhs_status in ("rejected", "waiting")
        else:
            assert row["date"] >= pd.Timestamp(since)
    # reproducible
    again = select(
        book, eligible_cohort(book, day), day, tracked=tracked, sample_size=sample_size, seed=seed
    )
    assert again == s


def _strata_of(c: ChildSummary, cohort: list[ChildSummary]) -> set[str]:
    widest = max(len(x.agencies) for x in cohort)
    out = {
        f"status:{c.legal_status}",
        f"camhs:{c.camhs_status}",
        "at_risk:yes" if c.at_risk else "at_risk:no",
    }
    if len(c.agencies) >= widest:
        out.add("widest")
    return out


def test_different_seeds_give_different_samples(books: dict[str, CaseBook]) -> None:
    book = books["midshire"]
    day = working_day(book, 420)
    cohort = eligible_cohort(book, day)
    picks = {tuple(p.child for p in select(book, cohort, day, seed=s).sample) for s in range(4)}
    assert len(picks) > 1


def test_sample_draws_from_several_frames_and_says_what_is_missing(
    books: dict[str, CaseBook],
) -> None:
    book = books["midshire"]
    day = working_day(book, 420)
    s = select(book, eligible_cohort(book, day), day, seed=3)
    assert len(s.sample) == 30 and len(s.tracked) == 6
    frames = {p.frame for p in s.sample}
    assert {"front_door", "strategy", "camhs_rejected_or_waiting"} <= frames
    # the front-door frames reach children outside the deep-dive cohort too
    eligible = {c.child for c in eligible_cohort(book, day)}
    assert any(p.child not in eligible for p in s.sample if p.frame == "front_door")
    counts = pd.Series([p.frame for p in s.sample]).value_counts()
    assert counts.max() - counts.min() <= max(3, int(np.ceil(30 / len(frames))))


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [({"tracked": 0}, "tracked"), ({"sample_size": -1}, "sample_size"), ({"seed": -5}, "seed")],
)
def test_bad_selection_settings_name_the_setting(
    books: dict[str, CaseBook], kwargs: dict[str, int], key: str
) -> None:
    book = books["minimal"]
    day = working_day(book, 300)
    with pytest.raises(InputError) as err:
        select(book, eligible_cohort(book, day), day, **kwargs)
    assert err.value.key == key


def test_an_empty_cohort_gives_an_empty_selection_with_a_note(
    books: dict[str, CaseBook],
) -> None:
    book = books["minimal"]
    day = working_day(book, 300)
    s = select(book, [], day, seed=1)
    assert s.tracked == ()
    assert {p.frame for p in s.sample} <= {f.key for f in FRAMES if not f.deep_dive}
    assert any("No child is eligible" in n for n in s.notes)
