"""Households: household factors, brothers and sisters referred together, per-family agencies.

A referral that concerns the whole family brings the child's brothers and sisters to
notice with them; at a per-family agency they share one caseload place, one service
time and one decision, and each child's record still shows every step; at an agency
that is not per-family each goes on alone. Household factors are conditions pathways
can test, shared by the siblings.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from test_conservation import conservation_problems

from jtai_sim import EventKind, simulate
from jtai_sim.errors import ScenarioError
from jtai_sim.scenario.loading import scenario_from_toml

K = EventKind

FAMILY = """
name = "Families"
duration_days = 200.0
children = 10000
seed = 7

[demand.incidents]
agency = "police"
rate_per_10k_per_year = 200.0
[demand.incidents.profile]
min_age = 0
max_age = 17
domestic_abuse = 0.5
family_referral = {family}
siblings = [0.0, 0.0, 1.0]

[agencies.police]
kind = "police"
per_family = true
service = {{ mean_days = 0.1 }}

[agencies.front_door]
kind = "front_door"
per_family = {per_family}
staff = 1
working = "always"
service = {{ kind = "fixed", mean_days = 0.5 }}

[agencies.assessment]
kind = "assessment"
staff = 50
legal_status = "cin"
service = {{ mean_days = 10.0 }}

[agencies.encompass_school]
kind = "school"

[[pathways]]
from = "police"
to = "front_door"
probability = 1.0

[[pathways]]
from = "police"
to = "encompass_school"
mode = "notify"
probability = 1.0
when = ["domestic_abuse"]

[[pathways]]
from = "front_door"
to = "assessment"
probability = 1.0
when = ["domestic_abuse"]
"""


def family_scenario(family: float = 1.0, per_family: bool = True) -> str:
    text = FAMILY.replace("{family}", str(family)).replace("{per_family}", str(per_family).lower())
    return text.replace("{{", "{").replace("}}", "}")


def rows(run, kind: EventKind, agency: str | None = None) -> np.ndarray:  # type: ignore[no-untyped-def]
    rec = run.log.records()
    sel = rec["kind"] == int(kind)
    if agency is not None:
        sel &= rec["agency"] == run.agency_ids.index(agency)
    return rec[sel]


def test_family_referral_brings_each_sibling_at_the_same_moment() -> None:
    run = simulate(scenario_from_toml(family_scenario()))
    children = run.children
    sizes = Counter(children.groupby("household").size().tolist())
    assert set(sizes) == {3}  # every referral brings two siblings
    first = rows(run, K.ARRIVE, "police")
    when = dict(zip(first["child"].tolist(), first["time"].tolist(), strict=True))
    for _, house in children.groupby("household"):
        times = {when[c] for c in house["child"]}
        assert len(times) == 1  # they arrive together
        # the siblings share the household's factors
        assert house["domestic_abuse"].nunique() == 1


def test_per_family_agency_uses_one_caseload_place_for_the_family() -> None:
    run = simulate(scenario_from_toml(family_scenario()))
    starts = rows(run, K.START, "front_door")
    ends = rows(run, K.END, "front_door")
    # each child has their own START and END rows, three at each moment
    assert set(Counter(starts["time"].tolist()).values()) == {3}
    # with one place, families follow one another: never two families at once
    events = sorted(
        [(t, 1) for t in set(starts["time"].tolist())]
        + [(t, -1) for t in set(ends["time"].tolist())],
        key=lambda e: (e[0], e[1]),
    )
    busy = np.cumsum([d for _, d in events])
    assert busy.max() == 1
    # the same run without per-family: three places' worth of work, so waits are longer
    alone = simulate(scenario_from_toml(family_scenario(per_family=False)))
    waited = rows(run, K.START, "front_door")["value"].astype(float).mean()
    waited_alone = rows(alone, K.START, "front_door")["value"].astype(float).mean()
    assert waited_alone > 2 * waited


def test_family_goes_on_alone_at_an_agency_that_is_not_per_family() -> None:
    run = simulate(scenario_from_toml(family_scenario()))
    handoffs = rows(run, K.HANDOFF, "front_door")
    arrivals = rows(run, K.ARRIVE, "assessment")
    assert len(handoffs) == len(arrivals) > 0
    # each child has their own status and their own place at the assessment
    statuses = rows(run, K.STATUS, "assessment")
    assert (statuses["detail"] > 0).sum() == len(arrivals)
    # every journey is accounted for; only the count of places in use at the per-family
    # front door reads high, as three children's START rows share one place there
    problems = [
        p
        for p in conservation_problems(run)
        if not (p.startswith("front_door:") and ("in service" in p or "busy" in p))
    ]
    assert problems == [], problems[:5]


def test_household_factor_drives_pathways_for_each_child() -> None:
    run = simulate(scenario_from_toml(family_scenario()))
    children = run.children.set_index("child")
    notified = set(rows(run, K.NOTIFY, "police")["child"].tolist())
    abused = set(children.index[children["domestic_abuse"]].tolist())
    assert notified == abused  # every child of those households, and only they
    assessed = set(rows(run, K.ARRIVE, "assessment")["child"].tolist())
    assert assessed and assessed <= abused


def test_no_household_keys_draw_nothing() -> None:
    """A profile without household keys: no families, no factors, and the same log as
    the same scenario without the keys at all."""
    text = family_scenario(family=0.0).replace("domestic_abuse = 0.5\n", "")
    text = text.replace("siblings = [0.0, 0.0, 1.0]\n", "").replace("family_referral = 0.0\n", "")
    plain = simulate(scenario_from_toml(text))
    with_zero = simulate(
        scenario_from_toml(text.replace("max_age = 17\n", "max_age = 17\ndomestic_abuse = 0.0\n"))
    )
    assert (plain.children["household"] == plain.children["child"]).all()
    assert plain.log.records().tobytes() == with_zero.log.records().tobytes()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("siblings = [0.5, 0.6]", "siblings"),
        ("siblings = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]", "siblings"),
        ("family_referral = 1.5", "family_referral"),
        ("parental_mental_health = -0.1", "parental_mental_health"),
    ],
)
def test_bad_household_keys_are_refused(entry: str, message: str) -> None:
    text = family_scenario().replace("family_referral = 1.0\nsiblings = [0.0, 0.0, 1.0]", entry)
    with pytest.raises(ScenarioError, match=message):
        scenario_from_toml(text)


ADULT = """
name = "Adult services"
duration_days = 300.0
children = 10000
seed = 11

[demand.parents]
agency = "adult_mental_health"
rate_per_10k_per_year = 100.0
profile = { parental_mental_health = 1.0 }

[agencies.adult_mental_health]
kind = "adult_mental_health"
service = { mean_days = 5.0 }

[agencies.front_door]
kind = "front_door"
service = { mean_days = 0.5 }

[[pathways]]
from = "adult_mental_health"
to = "front_door"
probability = 1.0
information = { complete = COMPLETE, partial = 0.0, lost = LOST }
"""


def household_kinds(complete: float) -> Counter[str]:
    from jtai_sim.inspection.casebook import casebook_from_run
    from jtai_sim.inspection.findings import all_hits

    text = ADULT.replace("COMPLETE", str(complete)).replace("LOST", str(1.0 - complete))
    run = simulate(scenario_from_toml(text))
    book = casebook_from_run(run)
    hits = all_hits(book, book.calendar.date_of(299.0))
    return Counter(k for k in hits["kind"] if str(k).startswith("household"))


def test_adult_service_information_reaching_social_care_is_a_strength() -> None:
    shared, lost = household_kinds(1.0), household_kinds(0.0)
    assert shared["household_needs_known"] > 0 and not shared["household_needs_unshared"]
    assert lost["household_needs_unshared"] > 0 and not lost["household_needs_known"]


def test_midshire_gives_the_parents_and_carers_criterion_evidence() -> None:
    import datetime as dt

    from jtai_sim import load_scenario
    from jtai_sim.inspection.casebook import casebook_from_run
    from jtai_sim.inspection.findings import findings_for
    from jtai_sim.inspection.theme import load_theme

    run = simulate(load_scenario("midshire"), days=430.0)
    book = casebook_from_run(run)
    children = run.children
    assert (children.groupby("household").size() > 1).any()  # families came to notice
    theme = load_theme("mental-health-2019")
    adult = {"adult_mental_health", "substance_misuse", "probation", "maternity"}
    seen = children.loc[children["stream"].astype(str).str.startswith(tuple(adult)), "child"]
    found = findings_for(book, seen.tolist(), dt.date(2025, 6, 3), theme=theme)
    kinds = Counter(f.kind for f in found if "parents_carers" in f.criteria)
    assert kinds["household_needs_known"] > 0 and kinds["household_needs_unshared"] > 0
    # Operation Encompass: schools told of domestic abuse incidents
    police, school = run.agency_ids.index("police"), run.agency_ids.index("school")
    rec = run.log.records()
    to_school = (rec["kind"] == int(K.NOTIFY)) & (rec["agency"] == police)
    told = set(rec[to_school & (rec["other"] == school)]["child"].tolist())
    abused = set(children.loc[children["domestic_abuse"], "child"].tolist())
    assert len(told & abused) > 100
