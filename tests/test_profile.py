"""``jtai-sim new --profile``: a scenario from an area's published figures, calibrated to
each figure given, and a bad profile refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario, scenario_from_toml
from jtai_sim.learning.profile import (
    FIGURES,
    Calibrated,
    _adjusted,
    read_profile,
    read_profile_text,
    scenario_from_profile,
)
from jtai_sim.validation.calibration import ALL_TARGETS
from runner.cli import cli

WESTSHIRE = Path(__file__).resolve().parent.parent / "scenarios" / "profiles" / "westshire.toml"


@pytest.fixture(scope="module")
def westshire() -> Calibrated:
    return scenario_from_profile(read_profile(WESTSHIRE), replications=2)


@pytest.mark.slow
def test_twice_midshire_with_more_in_care_meets_every_figure_within_15_percent(
    westshire: Calibrated,
) -> None:
    table = westshire.table
    midshire = load_scenario("midshire")
    assert westshire.scenario.children == 2 * midshire.children
    assert len(table) == 11
    assert (table["relative_error"].abs() <= 0.15).all(), table
    # first-time entrants: about 96 a year in a county of 160,000 children (71,000 aged 10 to
    # 17), some 145 in a two-year run's counted year and a half, so one run's count swings by
    # about 8% (Poisson); from Midshire's 2.4 times the national rate, youth offending
    # demand and the routes into youth justice fall to under half of Midshire's
    youth = table.set_index("figure").loc["youth_justice_fte_per_100k"]
    assert youth["target"] == 135.0 and abs(youth["relative_error"]) <= 0.15
    rate = midshire.demand["youth_offending"].rate_per_10k_per_year
    assert westshire.scenario.demand["youth_offending"].rate_per_10k_per_year < 0.6 * rate
    care = table.set_index("figure").loc["looked_after_per_10k"]
    assert care["target"] == 90.0 and abs(care["relative_error"]) <= 0.15
    # staff grew with the area (about twice Midshire's at the front door and in care)
    for key in ("front_door", "looked_after"):
        ratio = westshire.scenario.agencies[key].staff / midshire.agencies[key].staff  # type: ignore[operator]
        assert 1.5 <= ratio <= 3.5, (key, ratio)


def test_the_new_figures_are_read_as_the_targets_they_name() -> None:
    profile = read_profile_text(
        'name = "A"\nchildren = 10000\n[figures]\n'
        "assessment_45wd_share = 0.83\nyouth_justice_fte_per_100k = 135\n"
    )
    assert profile.figures == {"assessment_45wd_share": 0.83, "youth_justice_fte_per_100k": 135.0}
    targets = {t.key for t in ALL_TARGETS}
    assert {FIGURES[k].target for k in profile.figures} <= targets
    # timeliness is reported; first-time entrants move what drives them
    assert FIGURES["assessment_45wd_share"].moves is None
    assert FIGURES["youth_justice_fte_per_100k"].moves is not None


def test_first_time_entrants_move_youth_offending_demand_and_the_routes_into_youth_justice() -> (
    None
):
    midshire = load_scenario("midshire")
    profile = read_profile_text(
        'name = "A"\nchildren = 80000\n[figures]\nyouth_justice_fte_per_100k = 160\n'
    )
    moved = _adjusted(midshire, profile, {"youth_justice_fte_per_100k": 320.0})
    for key, d in midshire.demand.items():
        half = 0.5 if d.agency == "youth_justice" else 1.0
        assert moved.demand[key].rate_per_10k_per_year == pytest.approx(
            d.rate_per_10k_per_year * half
        ), key
    into = [(a, b) for a, b in zip(midshire.pathways, moved.pathways, strict=True)]
    assert any(a.to == "youth_justice" for a, _ in into)
    for a, b in into:
        half = 0.5 if a.to == "youth_justice" and a.mode != "notify" else 1.0
        assert b.probability == pytest.approx(a.probability * half), (a.source, a.to)
    before, after = midshire.agencies["youth_justice"], moved.agencies["youth_justice"]
    assert after.backlog.in_service == round(before.backlog.in_service / 2)  # type: ignore[union-attr,operator]


@pytest.mark.slow
def test_the_written_scenario_is_the_calibrated_one(westshire: Calibrated) -> None:
    assert scenario_from_toml(westshire.toml) == westshire.scenario


def _new(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    profile = tmp_path / "p.toml"
    profile.write_text(text, encoding="utf-8")
    out = tmp_path / "out" / "s.toml"
    result = CliRunner().invoke(cli, ["new", "--profile", str(profile), "--out", str(out)])
    return result.exit_code, result.output, out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "A"\n', "children: must be a whole number of children from 1,000"),
        ('name = "A"\nchildren = 10\n', "children: must be a whole number"),
        ('name = ""\nchildren = 10000\n', "name: must be the area's name"),
        ('name = "A"\nchildren = 10000\nchilds = 3\n', "childs: unknown key"),
        (
            'name = "A"\nchildren = 10000\n[figures]\nlooked_after_per_10 = 90\n',
            "figures.looked_after_per_10: unknown figure (did you mean 'looked_after_per_10k'?)",
        ),
        (
            'name = "A"\nchildren = 10000\n[figures]\nre_referral_share = 22\n',
            "figures.re_referral_share: must be a share below 1, got 22",
        ),
        (
            'name = "A"\nchildren = 10000\n[figures]\ncontacts_per_10k = "lots"\n',
            "figures.contacts_per_10k: must be a number above 0, got 'lots'",
        ),
        (
            'name = "A"\nchildren = 10000\n[figures]\nassessment_45wd_share = 83\n',
            "figures.assessment_45wd_share: must be a share below 1, got 83",
        ),
        (
            'name = "A"\nchildren = 10000\n[figures]\nassessment_45wd_share = -0.2\n',
            "figures.assessment_45wd_share: must be a number above 0, got -0.2",
        ),
        (
            'name = "A"\nchildren = 10000\n[figures]\nyouth_justice_fte_per_100k = -135\n',
            "figures.youth_justice_fte_per_100k: must be a number above 0, got -135",
        ),
        (
            'name = "A"\nchildren = 10000\n[figures]\nyouth_justice_fte_per_100k = 135000\n',
            "figures.youth_justice_fte_per_100k: must be at most 10,000, got 135000",
        ),
        (
            'name = "A"\nchildren = 10000\n[figures]\nyouth_justice_fte = 135\n',
            "figures.youth_justice_fte: unknown figure "
            "(did you mean 'youth_justice_fte_per_100k'?)",
        ),
        ('name = "A"\nchildren = 10000\nfigures = 3\n', "figures: must be a table, got 3"),
        ('name = "A\n', "TOML syntax error"),
    ],
)
def test_a_bad_profile_is_one_line_and_writes_nothing(
    tmp_path: Path, text: str, message: str
) -> None:
    code, output, out = _new(tmp_path, text)
    assert code == 2
    assert output.count("\n") == 1 and message in output, output
    assert "p.toml" in output
    assert not out.parent.exists()
