"""Writing a run's result folder, all at once or not at all.

Owns the layout of a result folder and how it is written:

=====================  ====================================================
file                   what it holds
=====================  ====================================================
``events.parquet``     the event log (``events.csv`` too when asked)
``children.csv``       one row per child who came to notice
``metrics.csv``        every metric, tidy (group, name, statistic, value, unit)
``waits.csv``          waits per agency
``clocks.csv``         statutory and NHS clocks met and breached
``handoffs.csv``       hand-offs by completeness per pathway
``equity.csv``         the equity table by group of children, small counts suppressed
``run.json``           resolved scenario, seed, version, command, timings
``partnership.svg``    the partnership drawing
``flows.html``         the run's flows played over the drawing, when asked (``flows``)
``report.html``        the offline run report
``summary.html``       the one-page board summary (prints to one A4 page)
``summary.md``         the board summary as Markdown
``events.ocel.json``   the log as OCEL 2.0 JSON, when asked (``exports``)
``events.ocel.sqlite`` the log as OCEL 2.0 SQLite, when asked (``exports``)
``events.xes``         the log as XES, when asked (``exports``)
``annex_a/``           the area's Annex A lists, when asked (``records``)
``ssda903/``           its SSDA903 return, when asked (``records``)
``camhs/``             its CAMHS referral extract, when asked (``records``)
=====================  ====================================================

Everything is written into a hidden sibling folder first and renamed into
place at the end (:func:`jtai_sim.atomic.atomic_folder`), so a failure (or
Ctrl-C) part-way leaves nothing behind, and an existing folder is only replaced
(with ``force``) once the new one is complete. Every file except ``run.json``
is byte-identical for the same scenario, seed and version; ``run.json`` differs
only in ``timings_seconds``.

>>> import tempfile
>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/jackson.toml"), seed=2, days=30)
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = write_run(run, Path(tmp) / "result")
...     sorted(p.name for p in folder.iterdir())[:4]
['children.csv', 'clocks.csv', 'equity.csv', 'events.parquet']
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from jtai_sim.atomic import atomic_folder, check_folder
from jtai_sim.cells import text_cells
from jtai_sim.errors import OutputFolderError
from jtai_sim.results.board import HTML_FILE, MARKDOWN_FILE, board_html, board_markdown, run_board
from jtai_sim.results.drawing import partnership_svg
from jtai_sim.results.exports import FORMATS, export
from jtai_sim.results.flows_page import FLOWS_FILE, flows_page
from jtai_sim.results.report import RunTables, ScenarioSource, render_report
from jtai_sim.scenario.loading import scenario_to_dict

if TYPE_CHECKING:
    from jtai_sim.simulation.run import Run


#: The file that makes a folder a result folder: what was run, and how.
RUN_RECORD = "run.json"
#: The child register, one row per child who came to notice.
CHILDREN_FILE = "children.csv"
#: The event log's files, the one always written (unless asked not to) first.
EVENT_FILES = ("events.parquet", "events.csv")

#: Files a result folder holds, in the order the report lists them.
FILES = (
    "report.html",
    "summary.html",
    "summary.md",
    "run.json",
    "metrics.csv",
    "waits.csv",
    "clocks.csv",
    "handoffs.csv",
    "equity.csv",
    "children.csv",
    "events.parquet",
    "events.csv",
    "events.ocel.json",
    "events.ocel.sqlite",
    "events.xes",
    "partnership.svg",
    "flows.html",
)

#: Folders of records a result folder may hold, when asked: the simulated area's lists in
#: the formats councils and the NHS keep (written by :mod:`jtai_sim.records`, which this
#: stage may not import: the writers are passed in), to train on and to read back.
RECORD_FOLDERS = ("annex_a", "ssda903", "camhs")


def _csv(frame: pd.DataFrame, path: Path) -> None:
    text_cells(frame).to_csv(path, index=False, float_format="%.9g", lineterminator="\n")


def write_run(
    run: Run,
    out: str | Path,
    *,
    force: bool = False,
    events: bool = True,
    events_csv: bool = False,
    exports: Sequence[str] = (),
    source: ScenarioSource | None = None,
    command: Sequence[str] | None = None,
    timings: dict[str, float] | None = None,
    records: Mapping[str, Callable[[Path], object]] | None = None,
    flows: bool = False,
) -> Path:
    """Write ``run``'s result folder at ``out`` atomically and return its path.

    ``events`` writes ``events.parquet``, ``events_csv`` also ``events.csv``;
    ``exports`` names event-log formats (``ocel``, ``sqlite``, ``xes``: see
    :mod:`jtai_sim.results.exports`) to write as well; ``records`` maps names in
    :data:`RECORD_FOLDERS` to a writer that fills that folder; ``flows`` writes
    ``flows.html``, the run's flows played over the partnership drawing
    (:mod:`jtai_sim.results.flows_page`).
    ``source`` names the scenario file (else the resolved scenario is hashed);
    ``command`` is recorded in ``run.json``; ``timings`` are added to the run's
    own (seconds) under ``timings_seconds``.
    """
    started = time.perf_counter()
    out = Path(out)
    source = source or ScenarioSource.of_scenario(run.scenario)
    records = dict(records or {})
    unknown_records = sorted(set(records) - set(RECORD_FOLDERS))
    if unknown_records:
        raise ValueError(f"unknown record folders {unknown_records}; they are {RECORD_FOLDERS}")
    with atomic_folder(out, force=force, owned=FILES + RECORD_FOLDERS) as tmp:
        wanted = set(FILES) - ({"events.parquet"} if not events else set())
        wanted -= {"events.csv"} if not (events and events_csv) else set()
        unknown = sorted(set(exports) - set(FORMATS))
        if unknown:
            raise ValueError(f"unknown export formats {unknown}; formats are {sorted(FORMATS)}")
        wanted -= {name for fmt, name in FORMATS.items() if fmt not in exports}
        wanted -= set() if flows else {FLOWS_FILE}
        files = [name for name in FILES if name in wanted]
        t0 = time.perf_counter()
        tables = RunTables.of(run)
        metrics_table = run.metrics
        t1 = time.perf_counter()
        _csv(metrics_table, tmp / "metrics.csv")
        _csv(tables.waits, tmp / "waits.csv")
        _csv(tables.clocks, tmp / "clocks.csv")
        _csv(tables.handoffs, tmp / "handoffs.csv")
        _csv(run.equity(), tmp / "equity.csv")
        children = run.children.copy()
        children["stream"] = children["stream"].astype(str)
        children["arrived_date"] = children["arrived_date"].dt.strftime("%Y-%m-%d")
        _csv(children, tmp / "children.csv")
        if events:
            run.log.to_parquet(tmp / "events.parquet", run.calendar)
            if events_csv:
                run.log.to_csv(tmp / "events.csv", run.calendar)
        t_exports = time.perf_counter()
        for fmt in sorted(set(exports)):
            export(run, fmt, tmp / FORMATS[fmt])
        t_records = time.perf_counter()
        for name in RECORD_FOLDERS:
            if name in records:
                records[name](tmp / name)
                files.append(f"{name}/")
        t2 = time.perf_counter()
        drawing = partnership_svg(run.scenario)
        (tmp / "partnership.svg").write_text(drawing, encoding="utf-8")
        html = render_report(
            run,
            tables,
            source,
            files=[f for f in files if f != "report.html"],
            partnership=drawing,
        )
        (tmp / "report.html").write_text(html, encoding="utf-8")
        board = run_board(run, tables, source)
        (tmp / HTML_FILE).write_text(board_html(board), encoding="utf-8")
        (tmp / MARKDOWN_FILE).write_text(board_markdown(board), encoding="utf-8")
        t3 = time.perf_counter()
        if flows:
            (tmp / FLOWS_FILE).write_text(flows_page(run.record, seed=run.seed), encoding="utf-8")
        t4 = time.perf_counter()
        record = run_record(run, source, command=command, files=files)
        record["timings_seconds"] = {
            **{k: round(v, 4) for k, v in run.timings.items()},
            **{k: round(v, 4) for k, v in (timings or {}).items()},
            "metrics": round(t1 - t0, 4),
            "tables": round(t_exports - t1, 4),
            **({"exports": round(t_records - t_exports, 4)} if exports else {}),
            **({"records": round(t2 - t_records, 4)} if records else {}),
            "report": round(t3 - t2, 4),
            **({"flows": round(t4 - t3, 4)} if flows else {}),
            "write_total": round(time.perf_counter() - started, 4),
        }
        (tmp / "run.json").write_text(
            json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return out


def run_record(
    run: Run,
    source: ScenarioSource,
    *,
    command: Sequence[str] | None = None,
    files: Sequence[str] = (),
) -> dict[str, Any]:
    """What ``run.json`` holds, without the timings."""
    return {
        "jtai_sim_version": run.version,
        "scenario_name": run.scenario.name,
        "scenario_file": source.file,
        "scenario_sha256": source.sha256,
        "scenario_hashed": source.hashed,
        "seed": run.seed,
        "replication": run.replication,
        "command": shlex.join(command) if command is not None else None,
        "duration_days": run.duration_days,
        "warmup_days": run.warmup_days,
        "start_date": run.scenario.start_date.isoformat(),
        "children": len(run.children),
        "events": len(run.log),
        "files": list(files),
        "scenario": scenario_to_dict(run.scenario),
    }


__all__ = [
    "CHILDREN_FILE",
    "EVENT_FILES",
    "FILES",
    "RECORD_FOLDERS",
    "RUN_RECORD",
    "OutputFolderError",
    "check_folder",
    "run_record",
    "write_run",
]
