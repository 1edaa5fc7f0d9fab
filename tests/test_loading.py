"""The loader's parts: where keys are (line index), values written as TOML, strict types."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jtai_sim import ScenarioError
from jtai_sim.errors import one_line
from jtai_sim.scenario.builtin import load_scenario
from jtai_sim.scenario.converter import CONVERTER, file_keys, suggest, toml_value
from jtai_sim.scenario.loading import parse_toml, scenario_from_toml, scenario_to_dict, structure
from jtai_sim.scenario.model import Pathway, Scenario
from jtai_sim.scenario.toml_lines import line_index, locate

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = sorted((ROOT / "scenarios").glob("*.toml"))

TINY = """\
name = "Tiny"
[demand.d]
agency = "a"
rate_per_10k_per_year = 10.0
[agencies.a]
staff = 2
"""


# ---------------------------------------------------------------- line index


TRICKY = '''\
title = """a [fake] header
[agencies.x]
staff = 1"""  # a multi-line string holding TOML-looking text
"quoted key" = 1
dotted . key = "v"  # spaces around the dot
[agencies."front door"]
service = { kind = "fixed", mean_days = 2.0 }
urgent_if = [
    "at_risk",   # comment with ] and }
    'missing',
]
[[pathways]]
from = "a"
[[pathways]]
from = "b"
information = { complete = 1.0 }
[pathways.delay]
mean_days = 3.0
[[pathways.extra]]
x = 1
[[pathways.extra]]
x = 2
[calendar]
terms = [
  { start = 2025-09-01, end = 2025-12-19 },
  { start = 2026-01-05, end = 1979-05-27 07:32:00 },
]
'''


def test_line_index_follows_toml_structure() -> None:
    tomllib.loads(TRICKY)  # the text is valid TOML
    idx = line_index(TRICKY)
    assert idx[("title",)] == 1
    assert ("agencies", "x") not in idx  # inside a string, not a header
    assert idx[("quoted key",)] == 4
    assert idx[("dotted", "key")] == 5
    assert idx[("agencies", "front door")] == 6
    assert idx[("agencies", "front door", "service", "mean_days")] == 7
    assert idx[("agencies", "front door", "urgent_if")] == 8
    assert idx[("agencies", "front door", "urgent_if", 0)] == 9
    assert idx[("agencies", "front door", "urgent_if", 1)] == 10
    assert idx[("pathways", 0, "from")] == 13
    assert idx[("pathways", 1, "from")] == 15
    assert idx[("pathways", 1, "information", "complete")] == 16
    assert idx[("pathways", 1, "delay", "mean_days")] == 18
    assert idx[("pathways", 1, "extra", 0, "x")] == 20
    assert idx[("pathways", 1, "extra", 1, "x")] == 22
    assert idx[("calendar", "terms", 0, "end")] == 25
    assert idx[("calendar", "terms", 1, "end")] == 26


@pytest.mark.parametrize("path", BUILTIN, ids=[p.stem for p in BUILTIN])
def test_every_key_of_the_builtin_scenarios_is_on_its_line(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    idx = line_index(text)
    leaves = list(_leaves(tomllib.loads(text)))
    assert leaves
    for key_path in leaves:
        assert key_path in idx, key_path
        last = next(p for p in reversed(key_path) if isinstance(p, str))
        assert last in lines[idx[key_path] - 1], (key_path, idx[key_path])


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Any:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, i))
    else:
        yield path


keys = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
scalars = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=8),
    st.dates(),
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[tuple[Any, ...], int]]:
    """TOML text in mixed styles, with the line each leaf must be found on."""
    lines: list[str] = []
    expected: dict[tuple[Any, ...], int] = {}
    for table in draw(st.lists(keys, min_size=1, max_size=4, unique=True)):
        many = draw(st.booleans())
        for n in range(draw(st.integers(1, 2)) if many else 1):
            lines.append(f"[[{table}]]" if many else f"[{table}]")
            base: tuple[Any, ...] = (table, n) if many else (table,)
            for key in draw(st.lists(keys, max_size=4, unique=True)):
                style = draw(st.sampled_from(["plain", "inline", "list", "multiline-list"]))
                value = draw(scalars)
                if style == "plain":
                    lines.append(f"{key} = {toml_value(value, limit=10**6)}")
                    expected[(*base, key)] = len(lines)
                elif style == "inline":
                    lines.append(f"{key} = {{ inner = {toml_value(value, limit=10**6)} }}")
                    expected[(*base, key, "inner")] = len(lines)
                elif style == "list":
                    lines.append(f"{key} = [{toml_value(value, limit=10**6)}, 1]")
                    expected[(*base, key, 1)] = len(lines)
                else:
                    lines.append(f"{key} = [  # opens")
                    lines.append(f"  {toml_value(value, limit=10**6)},")
                    expected[(*base, key, 0)] = len(lines)
                    lines.append("  2,")
                    expected[(*base, key, 1)] = len(lines)
                    lines.append("]")
    return "\n".join(lines) + "\n", expected


@given(documents())
def test_line_index_finds_every_leaf_of_generated_documents(
    doc: tuple[str, dict[tuple[Any, ...], int]],
) -> None:
    text, expected = doc
    tomllib.loads(text)
    idx = line_index(text)
    for path, line in expected.items():
        assert idx.get(path) == line, (path, text)


def test_locate_falls_back_to_the_table_then_to_line_1() -> None:
    text = TINY
    assert locate(text, ("agencies", "a", "service", "mean_days")) == 5
    assert locate(text, ("clocks",)) == 1
    assert locate("", ("name",)) is None


def test_line_index_survives_text_it_cannot_read() -> None:
    assert line_index('[a]\nx = 1\ny = """unterminated') == {
        ("a",): 1,
        ("a", "x"): 2,
        ("a", "y"): 3,
    }


# ---------------------------------------------------------------- values and words


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ('a "quoted" word', '"a \\"quoted\\" word"'),
        (True, "true"),
        (3, "3"),
        (0.1, "0.1"),
        (float("-inf"), "-inf"),
        (dt.date(2025, 4, 1), "2025-04-01"),
        ([1, "a", [False]], '[1, "a", [false]]'),
        ({"front door": {"staff": 2}}, '{ "front door" = { staff = 2 } }'),
        ({}, "{}"),
    ],
)
def test_toml_value(value: Any, text: str) -> None:
    assert toml_value(value) == text
    if not isinstance(value, float):
        assert tomllib.loads(f"v = {text}")["v"] == value


def test_toml_value_is_shortened() -> None:
    assert toml_value(list(range(100)), limit=20) == "[0, 1, 2, 3, 4, 5..."


def test_suggest() -> None:
    assert suggest("probabilty", file_keys(Pathway)) == ["probability"]
    assert suggest("frm", file_keys(Pathway)) == ["from"]
    assert suggest("zzz", file_keys(Pathway)) == []


def test_one_line_escapes_line_breaks_of_every_kind() -> None:
    assert one_line("a\r\nb\x0bc\x85d\u2028e").splitlines() == ["a b\\x0bc\\x85d\\u2028e"]


# ---------------------------------------------------------------- structuring


def test_types_are_strict_but_whole_numbers_are_numbers() -> None:
    s = scenario_from_toml(TINY.replace("10.0", "10"))
    assert s.demand["d"].rate_per_10k_per_year == 10.0
    assert isinstance(s.demand["d"].rate_per_10k_per_year, float)
    with pytest.raises(ScenarioError, match="staff: must be a whole number, not a decimal"):
        scenario_from_toml(TINY.replace("staff = 2", "staff = 2.0"))


def test_dates_accept_a_datetime_and_keep_its_day() -> None:
    s = scenario_from_toml("start_date = 2025-04-01T09:00:00\n" + TINY)
    assert s.start_date == dt.date(2025, 4, 1)


def test_a_schema_key_is_allowed_at_the_top() -> None:
    assert scenario_from_toml('"$schema" = "./scenario.schema.json"\n' + TINY).name == "Tiny"


def test_a_clock_agency_can_be_one_name_or_a_list() -> None:
    clock = (
        '[clocks.c]\nlabel = "c"\n'
        'start = {{ agency = {} }}\nstop = {{ agency = "a" }}\nlimit = 1.0\n'
    )
    one = scenario_from_toml(TINY + clock.format('"a"'))
    many = scenario_from_toml(TINY + clock.format('["a"]'))
    assert one.clocks["c"].start.agency == many.clocks["c"].start.agency == ("a",)
    with pytest.raises(
        ScenarioError, match=r":9: clocks\.c\.start\.agency: must be text or a list of text, got 3$"
    ):
        scenario_from_toml(TINY + clock.format("3"), file="f.toml")


def test_pathway_from_is_named_as_in_the_file() -> None:
    text = TINY + '[[pathways]]\nto = "a"\nprobability = 0.1\n'
    with pytest.raises(ScenarioError, match=r"^f\.toml:7: pathways\[0\]\.from: is required$"):
        scenario_from_toml(text, file="f.toml")


def test_structure_without_text_still_names_key_and_value() -> None:
    data = {"name": "x", "agencies": {"a": {"staff": "two"}}}
    with pytest.raises(ScenarioError) as caught:
        structure(data, Scenario)
    assert str(caught.value) == 'agencies.a.staff: must be a whole number, not text, got "two"'


def test_syntax_error_of_an_unclosed_inline_table_points_at_its_key() -> None:
    text = TINY + 'service = { kind = "fixed"\nother = 1\n'
    with pytest.raises(ScenarioError) as caught:
        parse_toml(text, file="f.toml")
    assert str(caught.value).startswith("f.toml:7: agencies.a.service: TOML syntax error:")


@pytest.mark.parametrize("path", BUILTIN, ids=[p.stem for p in BUILTIN])
def test_builtin_scenarios_round_trip_through_plain_data(path: Path) -> None:
    scenario = load_scenario(path)
    data = scenario_to_dict(scenario)
    assert all("source" not in p and "from" in p for p in data.get("pathways", []))
    assert CONVERTER.structure(data, Scenario) == scenario
