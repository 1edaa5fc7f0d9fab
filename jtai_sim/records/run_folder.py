"""A folder written by ``jtai-sim run`` read back as the records the simulated area kept.

A result folder is known by its ``run.json`` (:data:`~jtai_sim.results.output.RUN_RECORD`).
When it holds the area's records (``--export annex-a,ssda903,camhs`` writes them in
:data:`~jtai_sim.results.output.RECORD_FOLDERS`), :func:`jtai_sim.records.book.load_records`
reads those. Otherwise :func:`read_run_log` reads the event log (``events.parquet``, or
``events.csv`` when only that is there) and ``children.csv``, with the scenario that
``run.json`` records for the agencies, clocks and calendar, into the case book
:func:`~jtai_sim.inspection.casebook.casebook_from_run` makes of the same run, less what
only the simulation knows (:func:`~jtai_sim.inspection.casebook.as_recorded`: a child's
true mental-health state and its changes). The scenario's rates and staffing are not
read: a case book holds none of them.

Every mistake in ``children.csv`` or the log is listed, one line each, with the file, the
row (in ``events.parquet`` row 1 is the first event; in a CSV file the header is row 1)
and the column.

>>> import tempfile
>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.results.output import write_run
>>> run = simulate(load_scenario("minimal"), seed=1, days=60)
>>> folder = write_run(run, Path(tempfile.mkdtemp()) / "run")
>>> book, read = read_run_log(folder)
>>> len(book.children) == len(run.children), [f.name for f in read]
(True, ['children.csv', 'events.parquet'])
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jtai_sim.calendar import calendar_for
from jtai_sim.errors import CaseListError, RecordsError
from jtai_sim.inspection.casebook import as_recorded, casebook_from_log
from jtai_sim.inspection.model import CaseBook
from jtai_sim.records.problems import Problems
from jtai_sim.records.tables import (
    Column,
    Table,
    each_value,
    flags,
    listed_once,
    note_cells,
    numbers,
    read_table,
)
from jtai_sim.results.output import CHILDREN_FILE, EVENT_FILES, RECORD_FOLDERS, RUN_RECORD
from jtai_sim.scenario.loading import read_text, structure
from jtai_sim.scenario.model import Scenario
from jtai_sim.vocabulary import CHILD_FLAGS, HOUSEHOLD_FLAGS, KIND_KEYS, ORIGIN_KEYS

#: The log's columns as its files name them (``date`` is worked out again from ``time``).
LOG_COLUMNS = ("time", "child", "agency", "kind", "other", "detail", "value", "origin")
_WHOLE = ("child", "household", "age", "mental_health")
_FLAGS = (*CHILD_FLAGS, *HOUSEHOLD_FLAGS)
#: The largest whole number a run writes in children.csv (the log's child ids are int32).
_LARGEST = 2**31 - 1
_AFTER_THE_RUN = "is after the run's last day (run.json's duration_days)"


def is_run_folder(path: Path) -> bool:
    """``path`` is a folder written by ``jtai-sim run`` (it holds ``run.json``)."""
    return path.is_dir() and (path / RUN_RECORD).is_file()


def record_folders(folder: Path) -> list[Path]:
    """The folders of the area's records that the run at ``folder`` wrote (``--export``)."""
    return [folder / name for name in RECORD_FOLDERS if (folder / name).is_dir()]


def read_run_log(folder: Path) -> tuple[CaseBook, list[Path]]:
    """The case book of the run at ``folder`` from its event log and ``children.csv``, and
    the files read (see the module doc)."""
    logs = [folder / name for name in EVENT_FILES if (folder / name).exists()]
    record = _run_record(folder / RUN_RECORD)
    if not logs:
        raise CaseListError(
            "a result folder with neither an event log nor the area's records (written with "
            f"--no-events): re-run {_again(record)}, which leaves out --no-events, or add "
            "--export annex-a",
            file=str(folder),
        )
    scenario = _scenario(record, folder / RUN_RECORD)
    calendar = calendar_for(scenario)
    children = _children(folder / CHILDREN_FILE, calendar)
    log = _log(logs[0], scenario, children, calendar)
    # a child's arrival is the time of their first event, which the log holds exactly
    first = log.groupby("child", sort=False)["time"].min()
    arrived = first.reindex(children["child"]).to_numpy()
    known = ~np.isnan(arrived)
    children.loc[known, "arrived"] = arrived[known]
    children["arrived_date"] = calendar.dates_of(children["arrived"].to_numpy())
    book = casebook_from_log(scenario, log, children, calendar)
    return as_recorded(book), [folder / CHILDREN_FILE, logs[0]]


def _run_record(path: Path) -> dict[str, Any]:
    """``run.json`` as data; one line naming it when it cannot be read."""
    text = read_text(path, what="a run record")
    try:
        record = json.loads(text)
    except ValueError as err:
        raise CaseListError(f"not JSON ({err})", file=str(path)) from None
    if not isinstance(record, dict) or not isinstance(record.get("scenario"), dict):
        raise CaseListError(
            "holds no 'scenario' (a run.json written by jtai-sim run holds the scenario run)",
            file=str(path),
        )
    return record


def _again(record: dict[str, Any]) -> str:
    """The command that wrote the folder, as ``run.json`` records it (``--no-events`` left
    out), or its general form."""
    command = record.get("command")
    if not isinstance(command, str):
        return "`jtai-sim run SCENARIO --out DIR`"
    try:
        parts = [p for p in shlex.split(command) if p != "--no-events"]
    except ValueError:
        return "`jtai-sim run SCENARIO --out DIR`"
    return f"`{shlex.join(parts)}`"


def _scenario(record: dict[str, Any], path: Path) -> Scenario:
    """The scenario the run was of, as ``run.json`` records it."""
    scenario: Scenario = structure(record["scenario"], Scenario, file=f"{path} (scenario)")
    return scenario


def _children(path: Path, calendar: Any) -> pd.DataFrame:
    """The child register in ``children.csv``, in the columns and types a run holds."""
    p = Problems(str(path))
    columns = [
        Column("child", ("child",)),
        Column("stream", ("stream",)),
        Column("arrived", ("arrived",)),
        *(Column(c, (c,)) for c in _WHOLE[1:]),
        *(Column(f, (f,)) for f in _FLAGS),
        Column("ethnicity", ("ethnicity",)),
    ]
    if not path.exists():
        raise CaseListError(
            "no children.csv (a result folder's child register)", file=str(path.parent)
        )
    t = read_table(path, columns, p)
    if not len(t):
        p.add(None, None, "lists no children")
    whole = {c: numbers(t, c, p, needed=True, minimum=0, whole=True) for c in _WHOLE}
    for c, values in whole.items():
        note_cells(t, p, (values > _LARGEST).to_numpy(), c, f"must be at most {_LARGEST:,}")
    arrived = numbers(t, "arrived", p, needed=True, minimum=0)
    note_cells(t, p, (arrived > calendar.days).to_numpy(), "arrived", _AFTER_THE_RUN)
    stream = t.text("stream")
    for i in np.flatnonzero((stream == "").to_numpy()):
        p.add(int(t.rows[i]), t.header("stream"), "is empty")
    listed_once(t, ["child"], p, "child")
    flagged = {f: flags(t, f, p) for f in _FLAGS}
    p.check()
    kids = pd.DataFrame(
        {
            "child": whole["child"].to_numpy(np.int64),
            "stream": stream.astype("category"),
            "arrived": arrived.to_numpy(np.float64),
            "household": whole["household"].to_numpy(np.int64),
            "age": whole["age"].to_numpy(np.int64),
            "mental_health": whole["mental_health"].to_numpy(np.int64),
            **{f: flagged[f].to_numpy(bool) for f in _FLAGS},
            "ethnicity": each_value(t.text("ethnicity"), _unquoted).astype("str"),
        }
    )
    kids["arrived_date"] = calendar.dates_of(kids["arrived"].to_numpy())
    return kids


def _unquoted(text: str) -> str:
    """A text cell as the run held it (:func:`jtai_sim.cells.as_text` undone)."""
    from jtai_sim.cells import as_text

    return text[1:] if text.startswith("'") and as_text(text[1:]) == text else text


def _log(path: Path, scenario: Scenario, kids: pd.DataFrame, calendar: Any) -> pd.DataFrame:
    """The event log in ``path``, checked against the scenario's agencies and the children,
    in the layout :meth:`~jtai_sim.simulation.eventlog.EventLog.written` gives."""
    p = Problems(str(path))
    if path.suffix == ".parquet":
        raw, rows = _parquet(path)
    else:
        raw, rows = _csv(path, p)
    agencies = list(scenario.agencies)
    choices = {"agency": agencies, "other": agencies, "kind": KIND_KEYS, "origin": ORIGIN_KEYS}
    coded: dict[str, np.ndarray] = {}
    for column, allowed in choices.items():
        text = raw[column]
        code = pd.Index(list(allowed)).get_indexer(text)
        empty = (text == "").to_numpy()
        may_be_empty = column in ("agency", "other", "origin")
        code = np.where(empty & may_be_empty, -1, code)
        bad = (code < 0) & ~(empty & may_be_empty)
        for i in np.flatnonzero(bad)[:5]:
            word = "kind" if column == "kind" else "origin" if column == "origin" else "agency"
            p.add(int(rows[i]), column, f"unknown {word} (not in the run's scenario)", text.iat[i])
        coded[column] = code
    time = raw["time"].to_numpy(np.float64)
    child = raw["child"].to_numpy(np.float64)
    detail = raw["detail"].to_numpy(np.float64)
    value = raw["value"].to_numpy(np.float64)
    checks = (
        ("time", ~np.isfinite(time) | (time < 0), "must be a clock day, 0 or more"),
        ("time", np.isfinite(time) & (time > calendar.days), _AFTER_THE_RUN),
        ("child", ~np.isin(child, kids["child"].to_numpy()), "is no child in children.csv"),
        ("detail", ~(np.abs(detail) < 2**15) | (detail % 1 != 0), "must be a whole number"),
        ("value", ~np.isfinite(value), "must be a number"),
    )
    for column, bad, message in checks:
        for i in np.flatnonzero(bad)[:5]:
            p.add(int(rows[i]), column, message, str(raw[column].iat[i]))
    p.check()
    agency_type = pd.CategoricalDtype(agencies)
    frame = pd.DataFrame(
        {
            "time": time,
            "date": calendar.dates_of(time),
            "child": child.astype(np.int64),
            "agency": pd.Categorical.from_codes(coded["agency"], dtype=agency_type),
            "kind": pd.Categorical.from_codes(coded["kind"], categories=pd.Index(KIND_KEYS)),
            "other": pd.Categorical.from_codes(coded["other"], dtype=agency_type),
            "detail": detail.astype(np.int16),
            # a value is a float32 in the log; nine digits in a CSV file bring it back exactly
            "value": value.astype(np.float32).astype(np.float64),
            "origin": pd.Categorical.from_codes(
                np.maximum(coded["origin"], 0), categories=pd.Index(ORIGIN_KEYS)
            ),
        }
    )
    return frame


def _parquet(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The log's columns in a Parquet file (text columns as text, ``""`` for none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise RecordsError((f"{path}: cannot be read as Parquet ({reason})",)) from None
    missing = [c for c in LOG_COLUMNS if c not in table.column_names]
    if missing:
        raise RecordsError(
            (
                f"{path}: missing column {missing[0]!r} "
                f"(an event log holds {', '.join(LOG_COLUMNS)})",
            )
        )
    out: dict[str, pd.Series] = {}
    for c in LOG_COLUMNS:
        column = table.column(c)
        if c in ("agency", "kind", "other", "origin"):
            if pa.types.is_dictionary(column.type):
                column = column.cast(pa.string())
            if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
                raise RecordsError((f"{path}: column {c}: must hold text, got {column.type}",))
            out[c] = pd.Series(column.to_pylist(), dtype=object).fillna("").astype(str)
        else:
            if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
                raise RecordsError((f"{path}: column {c}: must hold numbers, got {column.type}",))
            out[c] = pd.Series(column.to_numpy(), dtype=np.float64)
    return pd.DataFrame(out), np.arange(1, table.num_rows + 1)


def _csv(path: Path, p: Problems) -> tuple[pd.DataFrame, np.ndarray]:
    """The log's columns in a CSV file (``--events-csv``), numbers parsed."""
    t: Table = read_table(path, [Column(c, (c,)) for c in LOG_COLUMNS], p)
    out: dict[str, pd.Series] = {}
    for c in LOG_COLUMNS:
        if c in ("agency", "kind", "other", "origin"):
            out[c] = each_value(t.text(c), _unquoted)
        else:
            out[c] = numbers(t, c, p, needed=True, whole=c in ("child", "detail"))
    p.check()
    return pd.DataFrame(out), t.rows


__all__ = ["LOG_COLUMNS", "is_run_folder", "read_run_log", "record_folders"]
