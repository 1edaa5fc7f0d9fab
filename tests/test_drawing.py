"""The partnership drawing: a layered, deterministic layout and valid, escaped SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from jtai_sim import load_scenario
from jtai_sim.results.drawing import (
    COLUMN_IN,
    agency_text,
    layers,
    layout,
    partnership_svg,
    pathway_text,
)
from jtai_sim.scenario.loading import scenario_from_toml
from jtai_sim.scenario.model import Pathway
from jtai_sim.scenario.partnership import entry_agencies

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parent.parent


def test_minimal_reads_left_to_right() -> None:
    assert layers(load_scenario("minimal")) == {
        "school": 0,
        "police": 0,
        "front_door": 1,
        "assessment": 2,
        "cin_plan": 3,
        "camhs_spa": 3,
        "camhs": 4,
    }


def test_loops_do_not_stretch_the_layout() -> None:
    # jackson: B refers back to A; A stays in the first column
    assert layers(load_scenario("jackson")) == {"A": 0, "B": 1, "C": 2}


def test_positions_are_distinct_and_stable() -> None:
    scenario = load_scenario("minimal")
    positions = layout(scenario)
    assert len(set(positions.values())) == len(positions)
    assert positions == layout(load_scenario("minimal"))
    for key, (x, _) in positions.items():
        assert x == layers(scenario)[key] * COLUMN_IN


def test_svg_is_valid_and_says_what_it_shows() -> None:
    scenario = load_scenario("minimal")
    root = ET.fromstring(partnership_svg(scenario))
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    joined = "\n".join(texts)
    for key in scenario.agencies:
        first_line = agency_text(scenario, key, entry_agencies(scenario)).splitlines()[0]
        assert first_line in joined
    assert "90% if at risk" in joined  # school -> front door
    assert "notify: 60% (ages 5+)" in joined
    assert "parallel: 40% if mental health need" in joined
    styles = [p.get("style", "") for p in root.iter(f"{SVG}path")]
    assert any("stroke-dasharray" in s for s in styles)  # parallel and notify arrows


def test_svg_is_byte_identical_for_the_same_scenario() -> None:
    assert partnership_svg(load_scenario("minimal")) == partnership_svg(load_scenario("minimal"))
    assert partnership_svg(load_scenario("minimal")) != partnership_svg(load_scenario("jackson"))


def test_labels_are_escaped_in_svg() -> None:
    text = (ROOT / "scenarios" / "jackson.toml").read_text()
    text = text.replace('label = "Agency B"', 'label = "B & <script>alert(1)</script>"')
    root_text = partnership_svg(scenario_from_toml(text))
    assert "<script>" not in root_text
    root = ET.fromstring(root_text)  # still well-formed
    assert any("<script>alert(1)</script>" in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_pathway_text() -> None:
    assert pathway_text(Pathway(source="a", to="b", probability=1.0)) == "all"
    assert (
        pathway_text(
            Pathway(
                source="a", to="b", probability=0.3, unless=("at_risk",), min_age=10, max_age=15
            )
        )
        == "30% unless at risk (ages 10-15)"
    )


def test_agency_text_shows_capacity_and_entry() -> None:
    scenario = load_scenario("minimal")
    entries = entry_agencies(scenario)
    assert agency_text(scenario, "assessment", entries) == "Assessment team\n5 staff, caseload 12"
    assert agency_text(scenario, "police", entries).endswith("entry: 250 per 10k a year")
    assert agency_text(scenario, "camhs_spa", entries).endswith("entry: crises")


def chain_scenario(edges: list[tuple[int, int]], n: int) -> str:
    lines = ['name = "Random"', "[demand.d]", 'agency = "a0"', "rate_per_10k_per_year = 10.0"]
    lines += [f"[agencies.a{i}]" for i in range(n)]
    for source, to in edges:
        lines += ["[[pathways]]", f'from = "a{source}"', f'to = "a{to}"', "probability = 0.1"]
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=2, max_value=7).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=12
            ),
        )
    )
)
def test_layout_properties(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    scenario = scenario_from_toml(chain_scenario(edges, n))
    column = layers(scenario)
    assert all(0 <= c < n for c in column.values())
    for key, c in column.items():
        sources = {f"a{s}" for s, t in edges if f"a{t}" == key and s != t}
        if not sources:
            assert c == 0  # nobody refers here: first column
        elif c > 0:
            # sits just beyond some agency that refers to it
            assert any(column[s] == c - 1 for s in sources)
    positions = layout(scenario)
    assert len(set(positions.values())) == n
    assert positions == layout(scenario)


def test_control_characters_in_names_still_give_valid_svg() -> None:
    """A label or name with control characters (an escape sequence, a bell) is written
    as a visible escape, so the SVG still parses as XML."""
    text = (ROOT / "scenarios" / "jackson.toml").read_text(encoding="utf-8")
    spoilt = text.replace('label = "Agency A"', 'label = "a\\u0001b\\u001b[31m"').replace(
        'name = "Jackson network"', 'name = "J\\u0007x\\u000b"'
    )
    assert spoilt.count("\\u00") == 4, "the scenario has the label and the name to spoil"
    svg = partnership_svg(scenario_from_toml(spoilt))
    ET.fromstring(svg.encode("utf-8"))  # raises ParseError on a control character
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in svg)
    assert "a\\x01b\\x1b[31m" in svg
    assert "J\\x07x\\x0b" in svg
