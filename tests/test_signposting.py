"""Signposting to a commissioned voluntary-sector or online offer, at triage and while
waiting, and the four-week measure's own definition of help."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from jtai_sim import simulate
from jtai_sim.errors import InputError
from jtai_sim.inspection.casebook import casebook_from_run
from jtai_sim.inspection.findings import all_hits
from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.simulation.engine import Engine
from jtai_sim.vocabulary import EventKind

BASE = """
name = "Signposting"
duration_days = 730.0
[demand.d]
agency = "spa"
rate_per_10k_per_year = 1500.0
profile = {{ mental_health = [0.5, 0.5, 0.0] }}
[agencies.spa]
kind = "camhs_spa"
service = {{ mean_days = 1.0 }}
[agencies.camhs]
kind = "camhs_community"
staff = 2
caseload = 5
service = {{ mean_days = 60.0 }}
deterioration_while_waiting = true
support = true
{extra}
[agencies.offer]
kind = "voluntary"
support = true
improves_mental_health = 0.3
service = {{ mean_days = 30.0 }}
[agencies.crisis]
service = {{ mean_days = 2.0 }}
[[pathways]]
from = "spa"
to = "camhs"
probability = 0.7
{triage}
[mental_health]
deterioration_per_year_waiting = 2.0
crisis_per_year_waiting = 1.0
crisis_agency = "crisis"
[clocks.treatment]
label = "Treatment within 4 weeks"
start = {{ agency = "spa", event = "arrive" }}
stop = {{ agency = "camhs", event = "start" }}
limit = 4.0
unit = "weeks"
[clocks.help]
label = "Help of any kind within 4 weeks"
start = {{ agency = "spa", event = "arrive" }}
stop = {{ agency = ["camhs", "offer"], event = ["start", "interim", "signpost"] }}
limit = 4.0
unit = "weeks"
"""

SIGNPOST = (
    'while_waiting = {{ signposting = {p}, signpost_to = "offer", signpost_after_days = 7.0, '
    "signposted_deterioration_factor = 0.2, signposted_crisis_factor = 0.2 }}"
)
#: signposting at triage (the offer must be reachable, with signposting while waiting or not)
TRIAGE = '[[pathways]]\nfrom = "spa"\nto = "offer"\nprobability = 0.2\n'


def _toml(extra: str = "", triage: str = TRIAGE) -> str:
    return BASE.format(extra=extra, triage=triage)


def _run(extra: str = "", triage: str = TRIAGE, seed: int = 5) -> Engine:
    engine = Engine(scenario_from_toml(_toml(extra, triage)), seed=seed)
    engine.run()
    return engine


def _cols(engine: Engine) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in engine.log.arrays().items()}


def _count(engine: Engine, kind: EventKind) -> int:
    return int((_cols(engine)["kind"] == int(kind)).sum())


def test_signposting_means_less_worsening_while_waiting() -> None:
    signposted = _run(SIGNPOST.format(p=1.0))
    not_signposted = _run(SIGNPOST.format(p=0.0))
    assert _count(signposted, EventKind.SIGNPOST) > 50
    assert _count(not_signposted, EventKind.SIGNPOST) == 0
    worse = [_count(e, EventKind.DETERIORATE) for e in (signposted, not_signposted)]
    crises = [_count(e, EventKind.CRISIS) for e in (signposted, not_signposted)]
    assert worse[0] < 0.75 * worse[1], worse
    assert crises[0] < 0.75 * crises[1], crises


def test_each_signpost_is_followed_by_a_fork_and_an_arrival_at_the_offer() -> None:
    engine = _run(SIGNPOST.format(p=0.5))
    c = _cols(engine)
    offer, camhs = engine.index["offer"], engine.index["camhs"]
    rows = np.flatnonzero(c["kind"] == int(EventKind.SIGNPOST))
    assert len(rows) > 20
    for i in rows:
        assert c["agency"][i] == camhs and c["other"][i] == offer
        fork, arrive = i + 1, i + 2
        assert c["kind"][fork] == int(EventKind.FORK) and c["other"][fork] == offer
        assert c["kind"][arrive] == int(EventKind.ARRIVE) and c["agency"][arrive] == offer
        assert c["child"][fork] == c["child"][arrive] == c["child"][i]
        # signposted a week into a wait that is still going on
        mine = np.flatnonzero((c["child"] == c["child"][i]) & (c["agency"] == camhs))
        waits = mine[(c["kind"][mine] == int(EventKind.WAIT)) & (mine < i)]
        assert abs(c["time"][i] - c["time"][waits[-1]] - 7.0) < 1e-9
        assert abs(c["value"][i] - 7.0) < 1e-9


def test_no_keys_no_draws_and_the_same_log() -> None:
    before = _cols(_run())
    off = _cols(_run("while_waiting = { signposting = 0.0 }"))
    for key in before:
        assert np.array_equal(before[key], off[key]), key
    assert not (before["kind"] == int(EventKind.SIGNPOST)).any()


def test_signposting_leaves_interim_support_draws_alone_until_it_begins() -> None:
    interim = (
        "while_waiting = { interim_support = 0.5, interim_after_days = 14.0, "
        "deterioration_factor = 0.5, crisis_factor = 0.5 }"
    )
    both = interim.replace(
        "crisis_factor = 0.5", 'crisis_factor = 0.5, signposting = 0.0, signpost_to = "offer"'
    )
    a, b = _cols(_run(interim)), _cols(_run(both))
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_help_clock_breaches_far_less_than_the_treatment_clock() -> None:
    run = simulate(
        scenario_from_toml(_toml(SIGNPOST.format(p=0.8))),
        seed=5,
    )
    clocks = run.clocks().set_index("clock")
    treatment = 1.0 - float(clocks.loc["treatment", "met_share"])
    helped = 1.0 - float(clocks.loc["help", "met_share"])
    assert treatment > 0.3, treatment
    assert helped < 0.5 * treatment, (helped, treatment)


def test_findings_signposted_at_triage_and_while_waiting() -> None:
    scenario = scenario_from_toml(_toml(SIGNPOST.format(p=0.5)))
    book = casebook_from_run(simulate(scenario, seed=5))
    hits = all_hits(book, scenario.start_date + dt.timedelta(days=700))
    by_kind = {k: hits[hits["kind"] == k] for k in set(hits["kind"])}
    for kind in ("signposted_at_triage", "signposted_while_waiting"):
        found = by_kind[kind]
        assert len(found) > 10 and found["strength"].all()
        assert all(a[-1] == "offer" for a in found["agencies"])
    cited = book.events.loc[[i for ids in by_kind["signposted_at_triage"]["ids"] for i in ids]]
    assert set(cited["kind"].astype(str)) == {"arrive", "handoff"}
    cited = book.events.loc[[i for ids in by_kind["signposted_while_waiting"]["ids"] for i in ids]]
    assert set(cited["kind"].astype(str)) == {"arrive", "signpost"}
    # turned away with nothing is still found, and never for a child signposted instead
    turned = by_kind["turned_away"]
    assert len(turned) > 10
    both = set(zip(turned["child"], turned["t2"], strict=True)) & set(
        zip(
            by_kind["signposted_at_triage"]["child"],
            by_kind["signposted_at_triage"]["t2"],
            strict=True,
        )
    )
    assert not both
    # a wait with signposting is not a wait without support
    unsupported = by_kind.get("waited_without_support")
    assert unsupported is not None and len(unsupported)
    signposted = by_kind["signposted_while_waiting"]
    assert not set(zip(signposted["child"], signposted["t2"], strict=True)) & set(
        zip(unsupported["child"], unsupported["t2"], strict=True)
    )


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('while_waiting = { signposting = 1.5, signpost_to = "offer" }', "signposting"),
        ("while_waiting = { signposting = 0.5 }", "signpost_to"),
        ('while_waiting = { signposting = 0.5, signpost_to = "nowhere" }', "signpost_to"),
        ('while_waiting = { signposting = 0.5, signpost_to = "camhs" }', "another agency"),
        (
            'while_waiting = { signposting = 0.5, signpost_to = "offer", '
            "signpost_after_days = -1.0 }",
            "signpost_after_days",
        ),
        (
            'while_waiting = { signposting = 0.5, signpost_to = "offer", '
            "signposted_crisis_factor = 2.0 }",
            "signposted_crisis_factor",
        ),
    ],
)
def test_bad_values_give_one_line_errors(extra: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        Engine(scenario_from_toml(_toml(extra)), seed=1)
    message = str(caught.value)
    assert words in message and "\n" not in message.strip(), message


def test_a_clock_event_that_is_not_one_is_refused() -> None:
    text = _toml().replace('event = ["start", "interim", "signpost"]', 'event = ["start", "help"]')
    with pytest.raises(InputError) as caught:
        scenario_from_toml(text)
    assert "event" in str(caught.value) and "\n" not in str(caught.value).strip()


def test_a_clock_needs_an_event() -> None:
    text = _toml().replace('event = ["start", "interim", "signpost"]', "event = []")
    with pytest.raises(InputError) as caught:
        scenario_from_toml(text)
    assert "needs at least one event" in str(caught.value)
