"""Names a spreadsheet would run as formulas are written as text in every CSV and workbook."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import attrs
import openpyxl
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario, simulate
from jtai_sim.experiments.experiment import Experiment
from jtai_sim.experiments.variants import Variant
from jtai_sim.results.output import write_run
from runner.cli import cli
from runner.mockweek.pipeline import mock_week_from_scenario, write_pack
from runner.mockweek.settings import default_settings

EVIL = '=HYPERLINK("http://example.invalid","open me")'
FORMULA_START = ("=", "+", "@")


def evil_scenario() -> object:
    """Minimal, with an agency labelled and a demand stream named as a formula."""
    scenario = load_scenario("minimal")
    first = next(iter(scenario.agencies))
    agencies = dict(scenario.agencies)
    agencies[first] = attrs.evolve(agencies[first], label=EVIL)
    demand = dict(scenario.demand)
    name = next(iter(demand))
    demand = {(EVIL if k == name else k): v for k, v in demand.items()}
    return attrs.evolve(scenario, agencies=agencies, demand=demand)


def cells_of(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def assert_no_live_cells(folder: Path) -> int:
    """Every CSV in ``folder``: no cell starts a formula; returns how many cells hold EVIL."""
    found = 0
    for path in sorted(folder.glob("*.csv")):
        for cell in cells_of(path):
            assert not cell.startswith(FORMULA_START), (path.name, cell)
            found += cell == "'" + EVIL
    return found


def test_run_csvs_write_a_formula_like_label_as_text(tmp_path: Path) -> None:
    run = simulate(evil_scenario(), seed=1, days=120)  # type: ignore[arg-type]
    out = tmp_path / "run"
    write_run(run, out, events_csv=True)
    assert assert_no_live_cells(out) > 0


def test_the_pack_csvs_write_a_formula_like_label_as_text(tmp_path: Path) -> None:
    week = mock_week_from_scenario(
        evil_scenario(),  # type: ignore[arg-type]
        dt.date(2026, 2, 3),
        default_settings(),
    )
    out = tmp_path / "pack"
    write_pack(week, out)
    assert_no_live_cells(out)


@pytest.mark.parametrize("kind", ["csv", "excel"])
def test_experiment_exports_write_a_formula_like_variant_name_as_text(
    tmp_path: Path, kind: str
) -> None:
    out = tmp_path / "exp"
    base = load_scenario("scenarios/single_desk.toml")
    Experiment(base, [Variant(EVIL, label=EVIL)], replications=2, days=150).run(out)
    target = tmp_path / ("s.csv" if kind == "csv" else "s.xlsx")
    option = "--csv" if kind == "csv" else "--excel"
    result = CliRunner().invoke(cli, ["results", str(out), option, str(target)])
    assert result.exit_code == 0, result.output
    if kind == "csv":
        cells = cells_of(target)
        assert not any(c.startswith(FORMULA_START) for c in cells)
        assert "'" + EVIL in cells
        return
    book = openpyxl.load_workbook(target)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and EVIL in cell.value:
                    texts.append(cell.value)
    assert EVIL in texts
