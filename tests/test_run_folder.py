"""A folder written by ``jtai-sim run`` read back as the simulated area's records: its
event log and children.csv give the case book of the run itself, less what only the
simulation knows; its exported records are read as if they sat in one folder; and a
folder holding neither, or a damaged file, is one line and exit code 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from test_mock_week_cli import one_error_line

from jtai_sim import load_scenario, simulate
from jtai_sim.errors import CaseListError, RecordsError
from jtai_sim.inspection import casebook_from_run
from jtai_sim.inspection.casebook import HIDDEN_KINDS, as_recorded
from jtai_sim.inspection.model import CaseBook
from jtai_sim.records.annex_a import write_annex_a
from jtai_sim.records.book import load_records
from jtai_sim.records.camhs_extract import write_camhs_extract
from jtai_sim.records.ssda903 import write_ssda903
from jtai_sim.results.output import write_run
from jtai_sim.simulation.run import Run
from runner.cli import cli

SEED = 11


@pytest.fixture(scope="module")
def run() -> Run:
    return simulate(load_scenario("midshire"), seed=SEED, days=150)


@pytest.fixture(scope="module")
def folder(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(run, tmp_path_factory.mktemp("runs") / "midshire", events_csv=True)


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def assert_same_column(got: pd.Series, want: pd.Series, obj: str) -> None:
    """``pd.testing.assert_series_equal``, after a check that passes only where it would
    (same name, dtype, categories in order, index and values exactly) and takes a
    fraction of its time on a book's columns."""
    same = (
        got.name == want.name
        and got.dtype == want.dtype
        and got.index.equals(want.index)
        and got.equals(want)
    )
    if same and isinstance(want.dtype, pd.CategoricalDtype):
        same = list(got.cat.categories) == list(want.cat.categories)
    if not same:
        pd.testing.assert_series_equal(got, want, obj=obj)


def assert_same_books(got: CaseBook, want: CaseBook, *, time_tolerance: float = 0.0) -> None:
    """Every column of the children and the events, and every other field, equal."""
    assert list(got.children.columns) == list(want.children.columns)
    for column in want.children.columns:
        assert_same_column(got.children[column], want.children[column], obj=column)
    assert list(got.events.columns) == list(want.events.columns)
    pd.testing.assert_index_equal(got.events.index, want.events.index)
    for column in want.events.columns:
        if column == "time" and time_tolerance:
            np.testing.assert_allclose(got.events["time"], want.events["time"], atol=1e-6)
            continue
        assert_same_column(got.events[column], want.events[column], obj=column)
    assert got.agencies == want.agencies
    assert got.clocks == want.clocks
    assert got.handoff_due_days == want.handoff_due_days
    assert (got.name, got.source, got.covers_until) == (want.name, want.source, want.covers_until)
    assert got.calendar.start_date == want.calendar.start_date
    assert got.calendar.days == want.calendar.days
    assert got.calendar.bank_holidays == want.calendar.bank_holidays
    assert np.array_equal(got.calendar.school, want.calendar.school)


def test_the_log_gives_the_runs_own_case_book_less_the_hidden_truth(run: Run, folder: Path) -> None:
    got = load_records(folder, pseudonymise=False)
    simulated = casebook_from_run(run)
    assert_same_books(got, as_recorded(simulated))
    # what was taken out was there to take: true states, and the events that change them
    assert (simulated.children["mental_health"] > 0).any()
    assert (got.children["mental_health"] == 0).all()
    assert simulated.events["kind"].isin(HIDDEN_KINDS).any()
    assert not got.events["kind"].isin(HIDDEN_KINDS).any()
    # and nothing else was: every other column of the children is the run's
    for column in simulated.children.columns.drop("mental_health"):
        pd.testing.assert_series_equal(got.children[column], simulated.children[column])


def test_the_csv_log_gives_the_same_book(run: Run, folder: Path, tmp_path: Path) -> None:
    only_csv = tmp_path / "csv"
    shutil.copytree(folder, only_csv)
    (only_csv / "events.parquet").unlink()
    got = load_records(only_csv, pseudonymise=False)
    # nine digits of a clock time in CSV are within 1e-6 of a day (a tenth of a second)
    assert_same_books(got, as_recorded(casebook_from_run(run)), time_tolerance=1e-6)


def test_ids_are_pseudonymised_as_for_any_records(folder: Path) -> None:
    book = load_records(folder)
    assert (book.children["reference"] != book.children["source_reference"]).all()
    assert (book.children["source_reference"] == book.children["child"].astype(str)).all()
    # the same files give the same pseudonyms; another key gives others
    assert book.children["reference"].equals(load_records(folder).children["reference"])
    other = load_records(folder, key="another extract").children["reference"]
    assert (other != book.children["reference"]).all()


def test_exported_records_are_read_as_if_in_one_folder(run: Run, tmp_path: Path) -> None:
    book = casebook_from_run(run)
    writers = {"annex_a": write_annex_a, "ssda903": write_ssda903, "camhs": write_camhs_extract}
    records = {name: (lambda f, w=w: w(book, f, seed=run.seed)) for name, w in writers.items()}
    exported = write_run(run, tmp_path / "exported", records=records)
    together = tmp_path / "exported-together"
    together.mkdir()
    for name in writers:
        for file in (exported / name).iterdir():
            shutil.copy(file, together / file.name)
    got = load_records(exported)
    want = load_records(together)
    assert got.source == want.source == "CAMHS referral extract, SSDA903 return, Annex A lists"
    # the folders' names differ, so the book's name does; nothing else may
    assert_same_books(got, attrs.evolve(want, name=got.name))


def test_a_folder_written_without_events_says_what_to_run(run: Run, tmp_path: Path) -> None:
    quiet = write_run(
        run, tmp_path / "quiet", events=False, command=["jtai-sim", "run", "x", "--no-events"]
    )
    with pytest.raises(CaseListError) as err:
        load_records(quiet)
    text = str(err.value)
    assert str(quiet) in text and "`jtai-sim run x`" in text and "--export annex-a" in text
    out = tmp_path / "learned.toml"
    line = one_error_line(invoke("learn", quiet, "--out", out, "--no-capacity"))
    assert "--no-events" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda f: (f / "events.parquet").write_bytes(b"not parquet"), "cannot be read as Parquet"),
        (
            lambda f: (f / "children.csv").write_text(
                (f / "children.csv").read_text().replace(",False,", ",maybe,", 1)
            ),
            "children.csv:2: column identified: must be yes or no, got 'maybe'",
        ),
        (
            lambda f: (
                pd.read_parquet(f / "events.parquet")
                .assign(agency=lambda e: e["agency"].cat.rename_categories({"front_door": "mush"}))
                .to_parquet(f / "events.parquet")
            ),
            "column agency: unknown agency (not in the run's scenario), got 'mush'",
        ),
        (
            lambda f: (
                pd.read_parquet(f / "events.parquet")
                .drop(columns="origin")
                .to_parquet(f / "events.parquet")
            ),
            "events.parquet: missing column 'origin'",
        ),
        (
            lambda f: (
                pd.read_parquet(f / "events.parquet")
                .assign(time=lambda e: e["time"].where(e.index != 4, 1e300))
                .to_parquet(f / "events.parquet")
            ),
            "events.parquet:5: column time: is after the run's last day",
        ),
        (
            lambda f: (
                pd.read_csv(f / "children.csv")
                .assign(household=lambda k: k["household"].astype(float).where(k.index != 0, 1e30))
                .to_csv(f / "children.csv", index=False)
            ),
            "children.csv:2: column household: must be at most 2,147,483,647, got '1e+30'",
        ),
        (lambda f: (f / "run.json").write_text("{"), "run.json: not JSON"),
    ],
)
def test_a_damaged_file_is_one_line_naming_it(
    folder: Path, tmp_path: Path, damage: object, says: str
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "events.csv").unlink()
    damage(broken)  # type: ignore[operator]
    with pytest.raises((CaseListError, RecordsError)) as err:
        load_records(broken)
    assert says in str(err.value)
    out = tmp_path / "learned.toml"
    assert says in one_error_line(invoke("learn", broken, "--out", out, "--no-capacity"))
    assert not out.exists()


def test_learn_from_a_run_folder_writes_a_scenario_that_validates(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    assert invoke("run", "minimal", "--days", "300", "--out", folder).exit_code == 0
    out = tmp_path / "learned.toml"
    result = invoke(
        "learn", folder, "--out", out, "--children", "50000", "--check", "--replications", "2"
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    assert "back-test from" in result.stdout
    assert (tmp_path / "learned-check.html").exists()
    checked = invoke("validate", out)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith(f"ok: {out}")


def test_mock_week_reads_a_run_folder(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    result = invoke("mock-week", "--cases", folder, "--notify", "2024-08-06", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert (out / "children-list.csv").exists()


def test_a_file_in_the_folder_stands_for_it(folder: Path) -> None:
    # events.csv beside children.csv is the run's log, not a case list in the event layout
    whole = load_records(folder, pseudonymise=False)
    for name in ("run.json", "events.csv"):
        got = load_records(folder / name, pseudonymise=False)
        assert_same_books(got, whole)
