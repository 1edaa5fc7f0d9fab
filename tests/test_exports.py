"""The OCEL 2.0 and XES exports, read back by a process-mining library (pm4py).

pm4py is a test dependency only (the ``dev`` extra): the exports are written by
jtai-sim alone, and these tests check that a tool people use reads them, and that
what it reads has the log's events, children, agencies and referrals.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from jtai_sim import load_scenario, simulate
from jtai_sim.errors import OutputFolderError
from jtai_sim.results import exports
from jtai_sim.results.exports import export_ocel, export_xes
from jtai_sim.simulation.run import Run
from jtai_sim.vocabulary import KIND_KEYS, MODE_OF_KIND, EventKind
from runner.cli import cli

pm4py = pytest.importorskip("pm4py")


@pytest.fixture(scope="module")
def run() -> Run:
    """A short Midshire run: every kind of agency, hand-offs of each mode."""
    return simulate(load_scenario("midshire"), seed=3, days=20)


@pytest.fixture(scope="module")
def files(run: Run, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    return {
        "ocel": export_ocel(run, folder / "run.ocel.json"),
        "sqlite": export_ocel(run, folder / "run.ocel.sqlite", sqlite=True),
        "xes": export_xes(run, folder / "run.xes"),
    }


def _kinds(run: Run) -> dict[str, int]:
    codes, counts = np.unique(run.log.records()["kind"], return_counts=True)
    return {KIND_KEYS[c]: int(n) for c, n in zip(codes.tolist(), counts.tolist(), strict=True)}


def _referrals(run: Run) -> int:
    return int(np.isin(run.log.records()["kind"], list(MODE_OF_KIND)).sum())


@pytest.mark.parametrize("fmt", ["ocel", "sqlite"])
def test_ocel_read_back_by_pm4py_matches_the_log(
    run: Run, files: dict[str, Path], fmt: str
) -> None:
    read = pm4py.read_ocel2_json if fmt == "ocel" else pm4py.read_ocel2_sqlite
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ocel = read(str(files[fmt]))
    assert len(ocel.events) == len(run.log)
    assert ocel.events["ocel:activity"].value_counts().to_dict() == _kinds(run)
    types = ocel.objects["ocel:type"].value_counts().to_dict()
    assert types["child"] == len(run.children)
    assert types["referral"] == _referrals(run)
    used = {run.log.agencies[a] for a in np.unique(run.log.records()["agency"]) if a >= 0}
    agencies = set(ocel.objects.loc[ocel.objects["ocel:type"] == "agency", "ocel:oid"])
    assert {f"agency:{name}" for name in used} <= agencies
    first = ocel.events["ocel:timestamp"].min()
    assert first.date() == run.calendar.start_date
    # every event relates its child; a referral's arrival relates the referral
    relations = ocel.relations
    assert (relations["ocel:qualifier"] == "child").sum() == len(run.log)
    rec = run.log.records()
    arrivals_from_agencies = int(((rec["kind"] == EventKind.ARRIVE) & (rec["other"] >= 0)).sum())
    assert (relations["ocel:qualifier"] == "brought by").sum() == arrivals_from_agencies


def test_ocel_objects_carry_the_child_register(run: Run, files: dict[str, Path]) -> None:
    log = json.loads(files["ocel"].read_text(encoding="utf-8"))
    assert {t["name"] for t in log["objectTypes"]} == {"child", "agency", "referral"}
    assert {t["name"] for t in log["eventTypes"]} == set(KIND_KEYS)
    children = run.children.set_index("child")
    child = next(o for o in log["objects"] if o["type"] == "child")
    values = {a["name"]: a["value"] for a in child["attributes"]}
    row = children.loc[int(child["id"].removeprefix("child:"))]
    assert values["age"] == row["age"]
    assert values["sex"] == ("female" if row["female"] else "male")
    assert values["ethnicity"] == row["ethnicity"]
    assert values["household"] == f"child:{row['household']}"
    assert values["send"] == bool(row["send"])
    referral = next(o for o in log["objects"] if o["type"] == "referral")
    names = {a["name"] for a in referral["attributes"]}
    assert {"completeness", "information_delay_days", "pathway", "mode"} <= names
    assert {r["qualifier"] for r in referral["relationships"]} == {"concerns", "sent by", "sent to"}


def test_xes_read_back_by_pm4py_matches_the_log(run: Run, files: dict[str, Path]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.read_xes(str(files["xes"]), show_progress_bar=False)
    assert len(log) == len(run.log)
    assert log["case:concept:name"].nunique() == len(run.children)
    assert log["kind"].value_counts().to_dict() == _kinds(run)
    kinds = _kinds(run)
    service = log[log["concept:name"] == "service"]
    assert (service["lifecycle:transition"] == "start").sum() == kinds["start"]
    assert (service["lifecycle:transition"] == "complete").sum() == kinds.get("end", 0)
    assert log["time:timestamp"].min().date() == run.calendar.start_date
    with_agency = int((run.log.records()["agency"] >= 0).sum())
    assert log["org:resource"].notna().sum() == with_agency
    # each trace is one child's history in time order
    assert log.groupby("case:concept:name")["time:timestamp"].is_monotonic_increasing.all()


def test_a_failed_export_leaves_nothing(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_run: Run, out: object) -> None:
        out.write("<log>")  # type: ignore[attr-defined]
        raise RuntimeError("stopped part-way")

    monkeypatch.setitem(exports._WRITERS, "xes", broken)
    with pytest.raises(RuntimeError):
        export_xes(run, tmp_path / "run.xes")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputFolderError, match="does not exist"):
        export_ocel(run, tmp_path / "no" / "such" / "run.json")


def test_run_command_writes_the_exports(tmp_path: Path) -> None:
    out = tmp_path / "result"
    result = CliRunner().invoke(
        cli, ["run", "jackson", "--days", "30", "--out", str(out), "--export", "ocel,xes"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "events.ocel.json").is_file() and (out / "events.xes").is_file()
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert {"events.ocel.json", "events.xes"} <= set(record["files"])
    assert record["command"].endswith("--export ocel,xes")
    events = json.loads((out / "events.ocel.json").read_text(encoding="utf-8"))["events"]
    assert len(events) == record["events"]


def test_run_command_refuses_an_unknown_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["run", "jackson", "--days", "30", "--out", str(tmp_path / "r"), "--export", "csv"]
    )
    assert result.exit_code == 2
    assert "--export 'csv': formats are ocel, sqlite, xes" in result.output
    assert not (tmp_path / "r").exists()


def test_the_excel_workbook_reads_in_words(tmp_path: Path) -> None:
    """Metric labels and units, not keys; rounded values with number formats; frozen
    bold headers and sized columns."""
    import openpyxl

    from jtai_sim.experiments import Experiment, Variant, export_excel

    base = load_scenario("scenarios/single_desk.toml")
    more = Variant.from_sets("more", ["agencies.desk.staff+=1"])
    results = Experiment(base, [more], replications=3, days=200).run()
    book = openpyxl.load_workbook(export_excel(results, tmp_path / "s.xlsx"))
    assert book.sheetnames == ["summary", "differences", "replications", "run"]
    sheet = book["summary"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Metric", "Unit", "Variant", "Replications"]
    assert header[-1] == "Metric key" and "Mean" in header
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "B2"
    rows = {row[-1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    wait = rows["wait.desk.mean_days"]
    assert wait[0] == "The mean wait for The desk" and wait[1] == "days"
    mean = header.index("Mean")
    for row in sheet.iter_rows(min_row=2):
        value = row[mean].value
        if isinstance(value, float) and value:
            assert len(f"{abs(value):.15g}".replace(".", "").strip("0")) <= 6, value
        unit = row[1].value
        expected = "0.0%" if unit == "share" else ("#,##0" if unit == "children" else "#,##0.0")
        assert row[mean].number_format == expected, (row[-1].value, unit)
    assert sheet.column_dimensions["A"].width >= len("The mean wait for The desk")
    differences = book["differences"]
    assert differences.freeze_panes == "B2"
    assert [c.value for c in differences[1]][:3] == ["Metric", "Unit", "Variant"]
    assert book["replications"]["D1"].value == "Replication"
