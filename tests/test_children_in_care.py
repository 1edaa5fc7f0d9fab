"""Children in care: periodic pathways, placements, CAMHS continuity, equity gradients
(in chance, by condition and by ethnic group, and in delay).

Each mechanism is shown to change what it should on a small hand-written area, and
to change nothing (no draw, no row) in a scenario that does not use it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from test_conservation import busy_problems, conservation_problems, order_problems

from jtai_sim import EventKind, Run, ScenarioError, load_scenario, simulate
from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.vocabulary import ExitReason

K = EventKind
ROOT = Path(__file__).resolve().parent.parent

CARE = """
name = "Care"
duration_days = 1500.0
children = 100000
[demand.d]
agency = "front"
rate_per_10k_per_year = 30.0
[demand.d.profile]
min_age = 0
max_age = 16
mental_health = [0.2, 0.3, 0.5]
mental_health_identified = 1.0
[agencies.front]
service = { mean_days = 0.1 }
[agencies.care]
kind = "looked_after"
legal_status = "looked_after"
service = { mean_days = 700.0 }
[agencies.care.placements]
moves_per_year = 1.0
out_of_area = 0.3
services = ["spa", "camhs"]
lose_place = LOSE
re_refer_to = "spa"
[agencies.health]
kind = "health_assessment"
service = { mean_days = 5.0 }
[agencies.sdq]
service = { mean_days = 0.1 }
[agencies.spa]
kind = "camhs_spa"
staff = 2
service = { mean_days = 1.0 }
[agencies.camhs]
kind = "camhs_community"
staff = 20
support = true
service = { mean_days = 100.0 }
[agencies.commissioners]
service = { mean_days = 0.1 }
[[pathways]]
from = "front"
to = "care"
probability = 1.0
[[pathways]]
from = "care"
to = "spa"
mode = "parallel"
at = "start"
probability = 0.5
[[pathways]]
from = "spa"
to = "camhs"
probability = 0.8
factors = { deprived = 0.5 }
[[pathways]]
from = "care"
to = "health"
mode = "parallel"
at = "every"
first_after_days = 182.0
every_days = 182.0
probability = 1.0
max_age = 4
[[pathways]]
from = "care"
to = "health"
mode = "parallel"
at = "every"
first_after_days = 365.0
every_days = 365.0
probability = 1.0
min_age = 5
[[pathways]]
from = "care"
to = "sdq"
mode = "notify"
at = "every"
first_after_days = 365.0
every_days = 365.0
probability = 1.0
min_age = 4
max_age = 16
[[pathways]]
from = "care"
to = "commissioners"
mode = "notify"
at = "placement"
probability = 1.0
when = ["out_of_area"]
"""


def care(lose: float = 0.5, **replace: str) -> str:
    text = CARE.replace("LOSE", str(lose))
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def run() -> Run:
    return simulate(scenario_from_toml(care()), seed=2)


def rows(run: Run, kind: EventKind, agency: str | None = None, **where: int) -> np.ndarray:
    rec = run.log.records()
    sel = rec["kind"] == int(kind)
    if agency is not None:
        sel &= rec["agency"] == run.agency_ids.index(agency)
    for name, value in where.items():
        sel &= rec[name] == value
    return rec[sel]


def care_starts(run: Run) -> dict[int, float]:
    start = rows(run, K.START, "care")
    return dict(zip(start["child"].tolist(), start["time"].tolist(), strict=True))


def test_the_care_area_conserves_flow(run: Run) -> None:
    assert conservation_problems(run) == []
    assert order_problems(run) == []
    assert busy_problems(run) == []


def test_the_annual_sdq_is_only_for_children_in_care_twelve_months(run: Run) -> None:
    began = care_starts(run)
    sdq = rows(run, K.NOTIFY, "care", other=run.agency_ids.index("sdq"))
    assert len(sdq) > 100
    in_care = np.array([t - began[c] for c, t in zip(sdq["child"], sdq["time"], strict=True)])
    assert in_care.min() >= 365.0 - 1e-6
    # a year apart, and every child a year in care (still there) has had one
    ends = rows(run, K.END, "care")
    ended = dict(zip(ends["child"].tolist(), ends["time"].tolist(), strict=True))
    ages = dict(zip(*(rows(run, K.CHILD)[c].tolist() for c in ("child", "value")), strict=True))
    due = [
        c
        for c, t in began.items()
        if ended.get(c, 1500.0) - t > 366.0 and 4 <= ages[c] <= 15 and t + 366.0 < 1500.0
    ]
    assert set(due) <= set(sdq["child"].tolist())
    short = [c for c, t in began.items() if c in ended and ended[c] - t < 364.0]
    assert not set(short) & set(sdq["child"].tolist())


def test_review_health_assessments_six_monthly_under_five_yearly_from_five(run: Run) -> None:
    began = care_starts(run)
    ages = dict(zip(*(rows(run, K.CHILD)[c].tolist() for c in ("child", "value")), strict=True))
    rha = rows(run, K.FORK, "care", other=run.agency_ids.index("health"))
    first: dict[int, float] = {}
    for c, t in zip(rha["child"].tolist(), rha["time"].tolist(), strict=True):
        first.setdefault(c, t - began[c])
    young = [d for c, d in first.items() if ages[c] <= 3]
    older = [d for c, d in first.items() if ages[c] >= 5]
    assert young and older
    assert np.allclose(young, 182.0) and np.allclose(older, 365.0)


def test_placement_moves_are_logged_and_the_out_of_area_share_is_the_parameter(run: Run) -> None:
    placed = rows(run, K.PLACEMENT, "care")
    assert len(placed) > 1000
    share = placed["detail"].mean()
    assert abs(share - 0.3) < 0.03, share
    assert placed["value"].min() == 0 and placed["value"].max() >= 3  # moves counted
    # every child in care has a first placement when care starts
    firsts = placed[placed["value"] == 0]
    assert sorted(firsts["child"].tolist()) == sorted(care_starts(run))
    # commissioners are told of every out-of-area placement, at the time of it
    told = rows(run, K.NOTIFY, "care", other=run.agency_ids.index("commissioners"))
    out = placed[placed["detail"] == 1]
    assert sorted(zip(told["child"].tolist(), told["time"].tolist(), strict=True)) == sorted(
        zip(out["child"].tolist(), out["time"].tolist(), strict=True)
    )


def test_moving_out_of_area_can_end_camhs_help_and_re_refer(run: Run) -> None:
    moved = rows(run, K.EXIT, value=int(ExitReason.MOVED))
    assert len(moved) > 10
    ids = run.agency_ids
    assert {ids[a] for a in moved["agency"]} <= {"spa", "camhs"}
    out = rows(run, K.PLACEMENT, "care", detail=1)
    at_move = set(zip(out["child"].tolist(), out["time"].tolist(), strict=True))
    assert all((c, t) in at_move for c, t in zip(moved["child"], moved["time"], strict=True))
    again = rows(run, K.FORK, "care", other=ids.index("spa"))
    re_referred = set(zip(again["child"].tolist(), again["time"].tolist(), strict=True))
    assert all((c, t) in re_referred for c, t in zip(moved["child"], moved["time"], strict=True))


def test_no_place_is_lost_when_camhs_carries_on() -> None:
    kept = simulate(scenario_from_toml(care(lose=0.0)), seed=2)
    assert len(rows(kept, K.EXIT, value=int(ExitReason.MOVED))) == 0
    lost = simulate(scenario_from_toml(care(lose=1.0)), seed=2)
    assert len(rows(lost, K.EXIT, value=int(ExitReason.MOVED))) > 20
    assert conservation_problems(lost) == []


def test_the_gradient_changes_rejection_by_characteristic() -> None:
    text = care(**{"rate_per_10k_per_year = 30.0": "rate_per_10k_per_year = 200.0"})
    text = text.replace(
        "placements = { moves_per_year = 1.0", "placements = { moves_per_year = 0.0"
    )
    run = simulate(scenario_from_toml(text), seed=3, days=500.0)
    children = run.children.set_index("child")
    camhs = run.agency_ids.index("camhs")
    ended = rows(run, K.END, "spa")
    on = rows(run, K.HANDOFF, "spa", other=camhs)
    accepted = {(c, t) for c, t in zip(on["child"], on["time"], strict=True)}
    deprived = children.loc[ended["child"], "deprived"].to_numpy(bool)
    took = np.array(
        [(c, t) in accepted for c, t in zip(ended["child"], ended["time"], strict=True)]
    )
    assert deprived.sum() > 150 and (~deprived).sum() > 150
    assert abs(took[~deprived].mean() - 0.8) < 0.06
    assert abs(took[deprived].mean() - 0.4) < 0.08


def test_the_identification_gradient_changes_who_is_recognised() -> None:
    text = """
    name = "Identify"
    duration_days = 400.0
    children = 100000
    [demand.d]
    agency = "school"
    rate_per_10k_per_year = 200.0
    profile = { mental_health = [0.0, 1.0, 0.0], mental_health_identified = 0.0, send = 0.5 }
    [agencies.school]
    identifies_mental_health = 0.6
    identifies_factors = { send = 0.5 }
    """
    run = simulate(scenario_from_toml(text), seed=1)
    found = set(rows(run, K.IDENTIFY)["child"].tolist())
    ch = run.children
    send = ch["send"].to_numpy(bool)
    seen = ch["child"].isin(found).to_numpy()
    assert abs(seen[~send].mean() - 0.6) < 0.05
    assert abs(seen[send].mean() - 0.3) < 0.05


ETHNIC = """
name = "Routes"
duration_days = 400.0
children = 100000
[demand.d]
agency = "gp"
rate_per_10k_per_year = 300.0
profile = { ethnicity = { White = 0.5, Black = 0.5 } }
[agencies.gp]
[agencies.spa]
[[pathways]]
from = "gp"
to = "spa"
probability = 0.6
ethnicity_factors = { Black = 0.5 }
"""


def test_the_ethnicity_gradient_changes_who_is_referred() -> None:
    run = simulate(scenario_from_toml(ETHNIC), seed=4)
    children = run.children.set_index("child")
    ended = rows(run, K.END, "gp")
    referred = set(rows(run, K.HANDOFF, "gp")["child"].tolist())
    black = (children.loc[ended["child"], "ethnicity"] == "Black").to_numpy()
    took = np.isin(ended["child"], list(referred))
    assert black.sum() > 500 and (~black).sum() > 500
    assert abs(took[~black].mean() - 0.6) < 0.04
    assert abs(took[black].mean() - 0.3) < 0.04


def test_the_delay_gradient_stretches_the_delays_of_those_children() -> None:
    text = ETHNIC.replace(
        "ethnicity_factors = { Black = 0.5 }",
        "delay_factors = { deprived = 3.0 }\n"
        'delay = { kind = "fixed", mean_days = 2.0 }\n'
        "information = { complete = 1.0, delay_mean_days = 1.0, due_within_days = 2.0 }",
    ).replace("White = 0.5, Black = 0.5 }", "White = 0.5, Black = 0.5 }, deprived = 0.5")
    run = simulate(scenario_from_toml(text), seed=4)
    children = run.children.set_index("child")
    sent = rows(run, K.HANDOFF, "gp")
    got = rows(run, K.ARRIVE, "spa")
    deprived = children.loc[sent["child"], "deprived"].to_numpy(bool)
    assert deprived.sum() > 200 and (~deprived).sum() > 200
    # the information's delay: exponential with mean 1 day, 3 days for deprived children
    assert abs(sent["value"][~deprived].mean() - 1.0) < 0.15
    assert abs(sent["value"][deprived].mean() - 3.0) < 0.45
    # the child's own transit: a fixed 2 days, 6 for deprived children
    came = dict(zip(got["child"].tolist(), got["time"].tolist(), strict=True))
    arrived = np.isin(sent["child"], got["child"])  # the last few are still on their way
    assert arrived.mean() > 0.95
    transit = np.array(
        [came[c] - t for c, t in zip(sent["child"][arrived], sent["time"][arrived], strict=True)]
    )
    assert np.allclose(transit[~deprived[arrived]], 2.0)
    assert np.allclose(transit[deprived[arrived]], 6.0)


def test_factors_of_one_change_nothing() -> None:
    """A gradient of 1 is no gradient: the same rows as without it."""
    base = simulate(load_scenario("minimal"), seed=5)
    text = (ROOT / "scenarios" / "minimal.toml").read_text(encoding="utf-8")
    assert "[[pathways]]\n" in text
    graded = text.replace("[[pathways]]\n", "[[pathways]]\nfactors = { deprived = 1.0 }\n")
    same = simulate(scenario_from_toml(graded), seed=5)
    digest = [hashlib.sha256(r.log.records().tobytes()).hexdigest() for r in (base, same)]
    assert digest[0] == digest[1]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("first_after_days = 182.0\n", "", "first_after_days"),
        ('at = "every"\nfirst_after_days = 365.0', "first_after_days = 365.0", "first_after_days"),
        ("factors = { deprived = 0.5 }", "factors = { deprived = 11.0 }", "at most 10"),
        ("factors = { deprived = 0.5 }", "factors = { rich = 2.0 }", "rich"),
        ("factors = { deprived = 0.5 }", "factors = { deprived = 2.0 }", "must be at most 1"),
        ("out_of_area = 0.3", "out_of_area = 1.3", "probability"),
        ("moves_per_year = 1.0", "moves_per_year = -1.0", "moves_per_year"),
        ('services = ["spa", "camhs"]', 'services = ["spa", "cahms"]', "cahms"),
        ('re_refer_to = "spa"', 're_refer_to = "nowhere"', "nowhere"),
        ("factors = { deprived = 0.5 }", "ethnicity_factors = { Blak = 0.5 }", 'mean "Black"'),
        ("factors = { deprived = 0.5 }", "ethnicity_factors = { Black = 3.0 }", "at most 1"),
        ("factors = { deprived = 0.5 }", "delay_factors = { deprived = 2.0 }", "no delay"),
        ("factors = { deprived = 0.5 }", "delay_factors = { deprived = -1.0 }", "delay_factors"),
    ],
)
def test_bad_keys_are_refused_with_the_key_and_value(old: str, new: str, says: str) -> None:
    from jtai_sim.scenario.builtin import load_text

    with pytest.raises(ScenarioError) as caught:
        load_text(care(**{old: new}), "care.toml")
    assert says in str(caught.value)


def test_placement_pathways_need_placements() -> None:
    from jtai_sim.scenario.builtin import load_text

    text = care().replace("[agencies.care.placements]\n", "[agencies.care.unused]\n")
    text = (
        text.split("[agencies.care.unused]")[0]
        + "[agencies.health]"
        + text.split("[agencies.health]", 1)[1]
    )
    with pytest.raises(ScenarioError, match="makes no placements"):
        load_text(text, "care.toml")


# ---------------------------------------------------------------- Midshire uses all of it


@pytest.fixture(scope="module")
def midshire() -> Run:
    return simulate(load_scenario("midshire"), days=730.0)


def test_midshire_places_children_out_of_area_at_about_the_national_share(midshire: Run) -> None:
    placed = rows(midshire, K.PLACEMENT, "looked_after")
    assert len(placed) > 1000
    assert abs(placed["detail"].mean() - 0.28) < 0.04
    told = rows(
        midshire, K.NOTIFY, "looked_after", other=midshire.agency_ids.index("commissioning")
    )
    out = placed[(placed["detail"] == 1) & (placed["time"] > 0)]
    assert 0.8 < len(told) / len(out) < 1.0  # 90% told (the rest are the [GAP] failures)


def test_midshire_children_lose_camhs_help_on_moves_and_it_is_a_finding(midshire: Run) -> None:
    from jtai_sim.inspection.casebook import casebook_from_run
    from jtai_sim.inspection.findings import all_hits

    assert len(rows(midshire, K.EXIT, value=int(ExitReason.MOVED))) >= 1  # rare: see the README
    book = casebook_from_run(midshire)
    hits = all_hits(book, book.calendar.date_of(729.0))
    kinds = set(hits["kind"])
    assert "placement_broke_help" in kinds
    assert "late_review_health_assessment" in kinds or "help_within_standard" in kinds
    rha = hits[hits["key"] == "rha_20wd"]
    assert len(rha) > 100
    assert set(rha["kind"]) <= {"late_review_health_assessment", "help_within_standard"}


def test_midshire_annual_sdq_referrals_come_after_a_year_in_care(midshire: Run) -> None:
    ids = midshire.agency_ids
    forks = rows(midshire, K.FORK, "looked_after", other=ids.index("camhs_spa"))
    arrived = rows(midshire, K.ARRIVE, "looked_after")
    first = {}
    for c, t in zip(arrived["child"].tolist(), arrived["time"].tolist(), strict=True):
        first.setdefault(c, t)
    # referrals at entry (the baseline screen), on moves (a lost place) and yearly
    gaps = np.array([t - first[c] for c, t in zip(forks["child"], forks["time"], strict=True)])
    assert (gaps > 300).sum() > 20


def test_midshire_gps_refer_black_children_to_camhs_less_often(midshire: Run) -> None:
    """The route gradient by ethnicity (Edbrooke-Childs and Patalay 2019): a Black child
    seen by their GP is referred to CAMHS about 0.59 times as often as a White child."""
    ids = midshire.agency_ids
    ethnicity = midshire.children.set_index("child")["ethnicity"]
    spa = ids.index("camhs_spa")
    seen = ethnicity.loc[rows(midshire, K.END, "gp")["child"]]
    referred = ethnicity.loc[
        np.concatenate(
            [
                rows(midshire, K.HANDOFF, "gp", other=spa)["child"],
                rows(midshire, K.FORK, "gp", other=spa)["child"],
            ]
        )
    ]
    rate = {g: (referred == g).sum() / (seen == g).sum() for g in ("White", "Black")}
    assert (referred == "Black").sum() > 50
    assert 0.45 < rate["Black"] / rate["White"] < 0.75
