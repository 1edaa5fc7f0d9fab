"""Theme packs: the shipped themes are complete, documented and checked like scenarios."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from jtai_sim.errors import ThemeError
from jtai_sim.inspection.partners import PARTNERS
from jtai_sim.inspection.theme import covered_points, load_theme, theme_from_toml, theme_names
from jtai_sim.inspection.theme_docs import SCHEMA_FILE, schema_text, stale
from runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = str(ROOT / "scenarios" / "minimal.toml")
SHIPPED = resources.files("jtai_sim").joinpath("data/themes")


def shipped_text(name: str) -> str:
    return SHIPPED.joinpath(f"{name}.toml").read_text("utf-8")


def test_the_front_door_is_the_default_and_the_three_themes_are_shipped() -> None:
    assert theme_names() == ["front-door", "csa-family-2025", "mental-health-2019"]
    assert load_theme().key == "front-door"
    front = load_theme("front-door")
    # the current front-door JTAI: Ofsted, CQC and HMICFRS; HMI Probation takes no part
    assert "hmip" not in front.theme.inspectorates
    assert {i["inspectorate"] for i in front.week["team"]} == {
        "ofsted_social_care",
        "ofsted_schools",
        "cqc",
        "hmicfrs",
    }


def test_every_2019_evaluation_point_maps_to_a_criterion() -> None:
    theme = load_theme("mental-health-2019")
    covered = covered_points(theme)
    assert sorted(covered) == list(range(1, 19))
    assert all(covered.values()), {n: c for n, c in covered.items() if not c}


@pytest.mark.parametrize("name", ["front-door", "csa-family-2025", "mental-health-2019"])
def test_every_criterion_says_where_its_evidence_comes_from(name: str) -> None:
    theme = load_theme(name)
    for key, c in theme.criteria.items():
        assert c.evidence, key
        assert set(c.evidence) <= {"records", "audits", "conversations"}
        assert set(c.partners) <= set(PARTNERS)
        assert c.prompts, key
    # every guidance point is covered, and a criterion that records cannot show exists
    assert all(covered_points(theme).values())
    assert any(not c.from_records for c in theme.criteria.values())
    # every kind of finding the theme uses files under one of its criteria
    for kind in theme.findings.values():
        assert kind.criteria[0] in theme.criteria


def test_generated_schema_and_reference_are_up_to_date() -> None:
    assert stale() == [], "run: python -m jtai_sim.inspection.theme_docs"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


@pytest.mark.parametrize("name", ["front-door", "csa-family-2025", "mental-health-2019"])
def test_shipped_themes_fit_the_schema(name: str) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    data = tomllib.loads(shipped_text(name))
    assert [e.message for e in validator.iter_errors(data)] == []


BROKEN = [
    ('[theme]\ntitle = "T"\nshort = "t"\nfoo = 1\n', 4, "theme.foo", "unknown key"),
    (
        '[theme]\ntitle = "T"\nshort = "t"\n[eligibility]\nmax_age = 300\n',
        5,
        "eligibility.max_age",
        "must be at most 25 (care leavers are supported to 25), got 300",
    ),
    (
        '[theme]\ntitle = "T"\nshort = "t"\n[criteria.a]\ntitle = "A"\ndescription = "d"\n'
        '[findings.information_lost]\nlabel = "L"\ncriteria = ["b"]\nannex = "x"\nletter = "y"\n',
        9,
        "findings.information_lost.criteria",
        "unknown criterion 'b'",
    ),
    (
        '[theme]\ntitle = "T"\nshort = "t"\n[criteria.a]\ntitle = "A"\ndescription = "d"\n'
        'evidence = ["gossip"]\n',
        7,
        "criteria.a.evidence[0]",
        "gossip",
    ),
    (
        '[theme]\ntitle = "T"\nshort = "t"\n[criteria.a]\ntitle = "A"\ndescription = "d"\n'
        '[findings.informaton_lost]\nlabel = "L"\ncriteria = ["a"]\nannex = "x"\nletter = "y"\n',
        7,
        "findings.informaton_lost",
        "did you mean 'information_lost'?",
    ),
    ('[theme]\ntitle = "T\n', 2, None, "TOML syntax error"),
]


@pytest.mark.parametrize(("text", "line", "key", "words"), BROKEN)
def test_a_theme_with_a_mistake_gets_one_located_line(
    text: str, line: int, key: str | None, words: str
) -> None:
    with pytest.raises(ThemeError) as err:
        theme_from_toml(text, file="t.toml")
    assert err.value.file == "t.toml" and err.value.line == line
    if key is not None:
        assert err.value.key == key
    assert words in str(err.value) and "\n" not in str(err.value)


def test_the_command_line_reports_a_broken_theme_in_one_line_with_exit_2(tmp_path: Path) -> None:
    theme = tmp_path / "mine.toml"
    theme.write_text(shipped_text("front-door").replace("max_age = 17", "max_age = -4"))
    out = tmp_path / "o"
    args = ["mock-week", MINIMAL, "--notify", "2026-02-03", "--theme", str(theme)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 2
    lines = [x for x in result.stderr.splitlines() if x.startswith("jtai-sim:")]
    assert len(lines) == 1 and "Traceback" not in result.output
    assert f"{theme}:" in lines[0] and "eligibility.max_age" in lines[0] and "-4" in lines[0]
    assert not out.exists()
    result = CliRunner().invoke(cli, [*args[:-1], "front-dor"], catch_exceptions=False)
    assert result.exit_code == 2 and "did you mean 'front-door'?" in result.stderr


def test_themes_lists_the_shipped_themes() -> None:
    result = CliRunner().invoke(cli, ["themes"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.startswith("front-door (default): ")
    assert "mental-health-2019: " in result.stdout
    assert "csa-family-2025: " in result.stdout


def test_the_mental_health_theme_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "o"
    args = ["mock-week", MINIMAL, "--notify", "2026-02-03", "--theme", "mental-health-2019"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (out / "pack.md").read_text()
    assert "the multi-agency response to children's mental health" in text
    assert "HMI Probation" in text


def test_a_copied_theme_file_loads_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "copy.toml"
    path.write_text(shipped_text("mental-health-2019"))
    theme = load_theme(path)
    assert theme.key == "copy" and theme.source == str(path)
    assert theme.criteria == load_theme("mental-health-2019").criteria


@pytest.fixture(scope="module")
def midshire_weeks() -> dict[str, Any]:
    """Midshire's default week (notification Tuesday 3 June 2025) for each shipped theme.

    The run up to the notification is the same for every theme, so it is simulated once
    and each theme's week is run on its case book, as ``mock_week_from_scenario`` does."""
    import datetime as dt

    from jtai_sim import load_scenario, simulate
    from jtai_sim.inspection import casebook_from_run
    from runner.mockweek.pipeline import mock_week, simulation_days
    from runner.mockweek.settings import theme_settings

    scenario = load_scenario("midshire")
    notify = dt.date(2025, 6, 3)
    run = simulate(scenario, seed=scenario.seed, days=simulation_days(scenario, notify))
    book = casebook_from_run(run)
    out = {}
    for name in theme_names():
        theme = load_theme(name)
        out[name] = mock_week(book, notify, theme_settings(theme), seed=scenario.seed, theme=theme)
    return out


@pytest.mark.parametrize("name", ["front-door", "csa-family-2025", "mental-health-2019"])
def test_every_inspector_has_a_week_of_work(midshire_weeks: dict[str, Any], name: str) -> None:
    week = midshire_weeks[name]
    # sessions of work: not the daily team meetings or the feedback
    work = {s.id for s in week.plan.sessions}
    booked: dict[str, int] = {}
    for b in week.timetable.bookings:
        if b.session in work:
            booked[b.inspector] = booked.get(b.inspector, 0) + 1
    team = [i.name for i in week.settings.team]
    assert {n: booked.get(n, 0) for n in team if booked.get(n, 0) < 8} == {}


def test_the_youth_justice_frame_is_not_empty_on_the_default_week(
    midshire_weeks: dict[str, Any],
) -> None:
    week = midshire_weeks["mental-health-2019"]
    frames = {p.frame for p in week.selection.sample}
    assert "youth_justice" in frames
    assert not any("Entries to youth justice" in n for n in week.selection.notes)


def test_a_sampled_record_can_show_a_need_nobody_recorded(midshire_weeks: dict[str, Any]) -> None:
    """The list holds recorded needs only; the reading record tells the facilitator which
    sampled children had a need no agency recorded (the simulation knows, the area cannot)."""
    from jtai_sim.inspection.cohort import summarise
    from jtai_sim.vocabulary import MentalHealth
    from runner.mockweek.pack import pack_context

    week = midshire_weeks["front-door"]
    rows = {r["anchor"]: r["note"] for r in pack_context(week)["reading"]}
    seen = summarise(
        week.book, week.calendar.notification, [p.child for p in week.selection.sample]
    )
    missed = {
        f"sample-{c.child}"
        for c in seen
        if not c.need_recorded and c.hidden_mental_health != MentalHealth.NONE.word
    }
    assert missed, "Midshire's sample should include a need nobody recognised"
    assert {a for a, note in rows.items() if "missed identification" in note} == missed
