"""``jtai-sim new --profile``: a scenario from an area's published figures, calibrated to
each figure given, and a bad profile refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario, scenario_from_toml
from jtai_sim.learning.profile import Calibrated, read_profile, scenario_from_profile
from runner.cli import cli

WESTSHIRE = Path(__file__).resolve().parent.parent / "scenarios" / "profiles" / "westshire.toml"


@pytest.fixture(scope="module")
def westshire() -> Calibrated:
    return scenario_from_profile(read_profile(WESTSHIRE), replications=2)


def test_twice_midshire_with_more_in_care_meets_every_figure_within_15_percent(
    westshire: Calibrated,
) -> None:
    table = westshire.table
    midshire = load_scenario("midshire")
    assert westshire.scenario.children == 2 * midshire.children
    assert len(table) == 9
    assert (table["relative_error"].abs() <= 0.15).all(), table
    care = table.set_index("figure").loc["looked_after_per_10k"]
    assert care["target"] == 90.0 and abs(care["relative_error"]) <= 0.15
    # staff grew with the area (about twice Midshire's at the front door and in care)
    for key in ("front_door", "looked_after"):
        ratio = westshire.scenario.agencies[key].staff / midshire.agencies[key].staff  # type: ignore[operator]
        assert 1.5 <= ratio <= 3.5, (key, ratio)


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
