"""The current thematic: child sexual abuse in the family environment (guidance 10 September 2025).

The list holds children whose records show the concern; the week runs with all four
inspectorates; the letter's parents, carers and household criterion rests on cited records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from jtai_sim import load_scenario, simulate
from jtai_sim.inspection.casebook import (
    agency_codes,
    casebook_from_run,
    codes_of_kind,
    kind_codes,
    visible,
)
from jtai_sim.inspection.cohort import eligible_cohort, recorded_abuse
from jtai_sim.inspection.theme import load_theme
from jtai_sim.vocabulary import EventKind

NOTIFY = dt.date(2025, 6, 3)
THEME = load_theme("csa-family-2025")


@pytest.fixture(scope="module")
def book() -> Any:
    return casebook_from_run(simulate(load_scenario("midshire"), days=430.0))


def test_the_theme_is_run_by_all_four_inspectorates() -> None:
    assert THEME.theme.inspectorates == (
        "ofsted_social_care",
        "ofsted_schools",
        "cqc",
        "hmicfrs",
        "hmip",
    )
    assert THEME.eligibility.recorded_need == ("sexual_abuse_in_family",)
    assert THEME.findings["household_needs_unshared"].criteria[0] == "parents_carers"


def test_the_list_holds_only_children_whose_records_show_the_concern(book: Any) -> None:
    listed = {c.child for c in eligible_cohort(book, NOTIFY, THEME.eligibility)}
    assert len(listed) >= 6  # enough to track
    kids = book.children.set_index("child")
    assert kids.loc[sorted(listed), "sexual_abuse_in_family"].all()
    ev = visible(book, NOTIFY)
    seen = ev[
        (kind_codes(ev) == int(EventKind.ARRIVE))
        & np.isin(
            agency_codes(ev),
            codes_of_kind(book, ["strategy", "conference", "abe_interview", "cp_medical"]),
        )
    ]
    assert listed <= set(seen["child"].tolist())
    # a child whose household has the factor but whom no responding agency has seen is not
    # listed: the truth alone never puts a child on the list
    concerned = set(kids.index[kids["sexual_abuse_in_family"].astype(bool)].tolist())
    assert concerned - recorded_abuse(book, ev)


def test_strategy_discussions_plan_interviews_and_medicals(book: Any) -> None:
    ev = book.events
    arrive = kind_codes(ev) == int(EventKind.ARRIVE)
    for kind in ("abe_interview", "cp_medical"):
        at = np.isin(agency_codes(ev), codes_of_kind(book, [kind]))
        children = set(ev.loc[arrive & at, "child"].tolist())
        assert children, kind
        kids = book.children.set_index("child")
        assert kids.loc[sorted(children), "sexual_abuse_in_family"].all(), kind
