"""Would the inspectors see it? Detection over replications, on small scenario variants."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jtai_sim import load_scenario
from jtai_sim.errors import InputError
from jtai_sim.experiments import breakdowns, detection_probability
from jtai_sim.scenario.builtin import BUILTIN, load_text

MINIMAL = (BUILTIN / "minimal.toml").read_text()
POLICE_INFO = (
    "information = { complete = 0.7, partial = 0.2, lost = 0.1, delay_mean_days = 2.0, "
    "due_within_days = 1.0 }"
)


def test_the_catalogue_lists_every_breakdown_the_scenario_can_produce() -> None:
    scenario = load_scenario("minimal")
    table = breakdowns(scenario)
    keys = set(zip(table["kind"], table["key"], strict=True))
    assert ("information_lost", "police -> front_door") in keys
    assert ("information_late", "police ~> school") in keys
    assert ("information_late", "school -> camhs_spa") not in keys  # no delay on that pathway
    assert ("wait_beyond_standard", "camhs_4_weeks") in keys
    assert ("late_assessment", "assessment_45wd") in keys
    assert ("late_review", "cin_plan") in keys
    assert ("turned_away", "camhs_spa") in keys


def test_probabilities_are_shares_with_intervals_and_reproducible() -> None:
    scenario = load_scenario("minimal")
    a = detection_probability(scenario, 3, 300, seed=4, sample_size=20)
    b = detection_probability(scenario, 3, 300, seed=4, sample_size=20)
    pd.testing.assert_frame_equal(a, b)
    assert (a["replications"] == 3).all()
    for col in ("occurred_share", "probability", "ci_low", "ci_high"):
        assert a[col].between(0, 1).all(), col
    assert (a["ci_low"] <= a["probability"]).all() and (a["probability"] <= a["ci_high"]).all()
    # the chosen children can only show what happened in the partnership
    assert (a["probability"] <= a["occurred_share"]).all()
    assert (a["mean_chosen_affected"] <= a["mean_children_affected"]).all()
    assert a["probability"].max() > 0


def row(table: pd.DataFrame, kind: str, key: str) -> pd.Series:
    hit = table[(table["kind"] == kind) & (table["key"] == key)]
    assert len(hit) == 1, (kind, key)
    return hit.iloc[0]


def test_a_pathway_that_loses_most_information_is_seen_and_one_that_loses_none_is_not() -> None:
    lossy = load_text(
        MINIMAL.replace(
            POLICE_INFO, "information = { complete = 0.05, partial = 0.05, lost = 0.9 }"
        )
    )
    table = detection_probability(lossy, 3, dt.date(2026, 1, 13), seed=2)
    lost = row(table, "information_lost", "police -> front_door")
    assert lost["occurred_share"] == 1.0 and lost["probability"] == 1.0
    clean = load_text(MINIMAL.replace(POLICE_INFO, "information = { complete = 1.0 }"))
    table = detection_probability(clean, 3, dt.date(2026, 1, 13), seed=2)
    police = table[table["key"] == "police -> front_door"]
    assert police.empty or (police["occurred_share"] == 0).all()


def test_bad_settings_are_clear_errors() -> None:
    scenario = load_scenario("minimal")
    with pytest.raises(InputError, match="replications: must be >= 1"):
        detection_probability(scenario, 0, 300)
    with pytest.raises(InputError, match="is a Saturday"):
        detection_probability(scenario, 1, dt.date(2026, 1, 10))
    with pytest.raises(InputError, match="outside the scenario's run"):
        detection_probability(scenario, 1, dt.date(2027, 1, 12))
