"""The area's list and the selection, checked as properties against an independent reading.

Both must rest on what the records show only: a test rewrites the simulation's
hidden truth (mental-health state, the at-risk trait) and finds the same list and
the same children chosen.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtai_sim import load_scenario, simulate
from jtai_sim.errors import InputError
from jtai_sim.inspection import (
    CaseBook,
    ChildSummary,
    casebook_from_run,
    eligible_cohort,
    load_theme,
    select,
)
from jtai_sim.inspection.casebook import months_before
from jtai_sim.inspection.selection import _MANDATORY, _WANTED
from jtai_sim.vocabulary import LEGAL_STATUSES, MentalHealth

MH = load_theme("mental-health-2019")
FRONT = load_theme("front-door")
RULES = MH.eligibility
FRAMES = {f.key: f for f in MH.frames}
MH_KINDS = {
    "camhs_spa",
    "camhs_community",
    "mhst",
    "emergency_department",
    "crisis_team",
    "inpatient",
}


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
    need = False
    risk = False
    first = True
    kinds = {k: a.kind for k, a in book.agencies.items()}
    seen_by: set[str] = set()
    statuses: set[str] = set()
    for kind, detail, agency, origin in zip(
        ev["kind"].astype(str),
        ev["detail"],
        ev["agency"].astype(str),
        ev["origin"].astype(str),
        strict=True,
    ):
        if kind == "status":
            status = LEGAL_STATUSES[int(detail)]
            statuses.add(status)
        elif kind == "identify":
            need = True
        elif kind == "arrive":
            seen_by.add(kinds.get(agency, ""))
            if kinds.get(agency) in MH_KINDS or origin == "crisis" or (first and row["identified"]):
                need = True
            first = False
    risk = bool(
        {"strategy", "conference"} & seen_by
        or {"cp", "looked_after"} & statuses
        or (row["exploitation"] and {"police", "youth_justice", "voluntary"} & seen_by)
        or (row["missing"] and "police" in seen_by)
    )
    days = (day - book.calendar.start_date).days + 1 - float(row["arrived"])
    age = int(row["age"]) + math.floor(max(days, 0) / 365.25)
    last = ev["date"].max().date() if len(ev) else None
    return {"status": status, "need": need, "risk": risk, "age": age, "last": last}


def test_cohort_matches_an_independent_reading(books: dict[str, CaseBook]) -> None:
    book = books["midshire"]
    day = working_day(book, 420)
    cohort = eligible_cohort(book, day, RULES)
    assert len(cohort) > 50
    since = months_before(day, 6)
    for c in cohort:
        seen = independent_eligibility(book, c.child, day)
        assert seen["status"] == c.legal_status in ("cin", "cp", "looked_after")
        assert 10 <= c.age == seen["age"] <= 15
        assert seen["need"] and c.need_recorded
        assert seen["risk"] == c.at_risk
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
            and seen["need"]
            and last is not None
            and last >= since
        )
        assert not eligible, child


def test_children_whose_need_nobody_recorded_are_not_on_the_list(
    books: dict[str, CaseBook],
) -> None:
    """An area lists what it has recorded: unrecognised mental ill health keeps a child off."""
    book = books["midshire"]
    day = working_day(book, 420)
    listed = {c.child for c in eligible_cohort(book, day, RULES)}
    on_plans = eligible_cohort(book, day, attrs.evolve(RULES, recorded_need=()))
    unrecognised = [
        c
        for c in on_plans
        if not c.need_recorded and c.hidden_mental_health != MentalHealth.NONE.word
    ]
    assert unrecognised, "the scenario should have children whose need nobody recognised"
    assert not {c.child for c in unrecognised} & listed


def test_the_list_and_the_choice_ignore_the_hidden_truth(books: dict[str, CaseBook]) -> None:
    """Rewriting every child's hidden mental health and risk changes nothing chosen."""
    book = books["midshire"]
    day = working_day(book, 420)
    kids = book.children.copy()
    rng = np.random.default_rng(1)
    kids["mental_health"] = rng.integers(0, 3, len(kids))
    kids["at_risk"] = rng.random(len(kids)) < 0.5
    other = attrs.evolve(book, children=kids)
    for theme in (MH, FRONT):
        a = eligible_cohort(book, day, theme.eligibility)
        b = eligible_cohort(other, day, theme.eligibility)
        strip = ("hidden_mental_health", "hidden_at_risk")
        assert [
            attrs.evolve(c, **{k: "" if k == strip[0] else False for k in strip}) for c in a
        ] == [attrs.evolve(c, **{k: "" if k == strip[0] else False for k in strip}) for c in b]
        sa = select(book, a, day, theme=theme, seed=4)
        sb = select(other, b, day, theme=theme, seed=4)
        assert [(p.child, p.frame) for p in sa.tracked + sa.sample] == [
            (p.child, p.frame) for p in sb.tracked + sb.sample
        ]


def test_cohort_flags_follow_the_records(books: dict[str, CaseBook]) -> None:
    book = books["midshire"]
    day = working_day(book, 420)
    cohort = eligible_cohort(book, day, RULES)
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
        eligible_cohort(book, dt.date(2030, 1, 8), RULES)
    with pytest.raises(InputError, match="before the records begin"):
        eligible_cohort(book, dt.date(2020, 1, 7), RULES)


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
    cohort = eligible_cohort(book, day, RULES)
    s = select(book, cohort, day, theme=MH, tracked=tracked, sample_size=sample_size, seed=seed)
    by_child = {c.child: c for c in cohort}
    # counts and uniqueness
    assert len(s.tracked) == min(tracked, len(cohort))
    assert len(s.sample) <= sample_size
    chosen = [p.child for p in s.tracked + s.sample]
    assert len(chosen) == len(set(chosen))
    assert s.eligible == len(cohort)
    # tracked and deep-dive children are on the list (ages, statuses, recorded need, activity)
    since = months_before(day, 6)
    for p in s.tracked + s.sample:
        assert p.reasons and all(r.strip() for r in p.reasons)
        if p.role == "sampled" and not FRAMES[p.frame].eligible_only:
            continue
        c = by_child[p.child]
        assert 10 <= c.age <= 15 and c.legal_status in ("cin", "cp", "looked_after")
        assert c.need_recorded
        assert c.last_activity >= since
    # a tracked child's reasons say "at risk" exactly when the record shows a risk
    for p in s.tracked:
        c = by_child[p.child]
        said = [r for r in p.reasons if "at risk" in r and "exploitation" not in r]
        for r in said:
            assert r.startswith("not identified") != c.at_risk
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
        frame = FRAMES[p.frame]
        assert p.event_id is not None and p.owner is not None
        row = ev.loc[p.event_id]
        assert int(row["child"]) == p.child
        assert row["date"] <= pd.Timestamp(day)
        assert p.date == row["date"].date()
        if p.frame == "crisis":
            assert str(row["kind"]) in ("arrive", "crisis")
        else:
            assert str(row["kind"]) == "arrive"
            assert book.agencies[p.owner].kind in frame.agency_kinds
        if p.frame == "camhs_rejected_or_waiting":
            assert by_child[p.child].camhs_status in ("rejected", "waiting")
        else:
            assert row["date"] >= pd.Timestamp(since)
    # reproducible
    again = select(
        book,
        eligible_cohort(book, day, RULES),
        day,
        theme=MH,
        tracked=tracked,
        sample_size=sample_size,
        seed=seed,
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
    cohort = eligible_cohort(book, day, RULES)
    picks = {
        tuple(p.child for p in select(book, cohort, day, theme=MH, seed=s).sample) for s in range(4)
    }
    assert len(picks) > 1


def test_sample_draws_from_several_frames_and_says_what_is_missing(
    books: dict[str, CaseBook],
) -> None:
    book = books["midshire"]
    day = working_day(book, 420)
    s = select(book, eligible_cohort(book, day, RULES), day, theme=MH, seed=3)
    assert len(s.sample) == 30 and len(s.tracked) == 6
    frames = {p.frame for p in s.sample}
    assert {"front_door", "strategy", "camhs_rejected_or_waiting", "police"} <= frames
    # the front-door frames reach children outside the deep-dive list too
    eligible = {c.child for c in eligible_cohort(book, day, RULES)}
    assert any(p.child not in eligible for p in s.sample if p.frame == "front_door")
    # a frame drawing two at each turn takes about twice its share
    counts = pd.Series([p.frame for p in s.sample]).value_counts()
    assert counts["police"] >= counts["front_door"]


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
        select(book, eligible_cohort(book, day, RULES), day, theme=MH, **kwargs)
    assert err.value.key == key


def test_an_empty_cohort_gives_an_empty_selection_with_a_note(
    books: dict[str, CaseBook],
) -> None:
    book = books["minimal"]
    day = working_day(book, 300)
    s = select(book, [], day, theme=MH, seed=1)
    assert s.tracked == ()
    assert {p.frame for p in s.sample} <= {k for k, f in FRAMES.items() if not f.eligible_only}
    assert any("No child is eligible" in n for n in s.notes)
