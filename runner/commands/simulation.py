"""``jtai-sim validate``, ``run`` and ``graph``: commands about a single scenario.

``run`` simulates one replication and writes a result folder (see
:mod:`jtai_sim.results.output`); ``graph`` draws the partnership as SVG. Bad option
values and bad scenario files print one line and exit with code 2, and nothing
is written.

At load time the module needs only click: what a command uses (the engine,
pandas, tqdm) is imported inside it, so ``--help`` and ``validate`` start
quickly.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from jtai_sim.errors import JtaiError, one_line
from runner.errors import OneLineCommand, UserError, user_errors
from runner.options import allow_large_option, check_seed_option, run_length


@click.command(cls=OneLineCommand)
@click.argument("scenario")
@click.option(
    "--capacity",
    is_flag=True,
    help="Also simulate the scenario once and compare each agency's offered load with its "
    "places: say which waiting lists cannot settle and the staff that would settle them.",
)
@click.option(
    "--seed",
    type=int,
    callback=check_seed_option,
    metavar="S",
    help="Seed of the --capacity run.  [default: the scenario's]",
)
@click.option(
    "--inject",
    "inject",
    multiple=True,
    metavar="FILE",
    help="Add the [[injects]] of FILE (a TOML file) to the scenario's own: things that "
    "happen for a period of the run (README, Injects). May be given more than once.",
)
@allow_large_option
def validate(
    scenario: str, capacity: bool, seed: int | None, inject: tuple[str, ...], allow_large: bool
) -> None:
    """Check SCENARIO (a file, or a built-in name) and say what it holds.

    With --capacity, simulate it once (its own length) and print, for each agency with
    places, the arrivals, the places they ask for and the utilisation; each agency at 95%
    or more of its places gets a warning naming the figures to change (docs/cli.md).
    """
    from jtai_sim.scenario.builtin import load_scenario, with_injects

    with user_errors():
        loaded = load_scenario(scenario)
        for path in inject:
            loaded = with_injects(loaded, path)
    click.echo(
        f"ok: {scenario}: {loaded.name}: {len(loaded.agencies)} agencies, "
        f"{len(loaded.pathways)} pathways, {len(loaded.demand)} demand streams, "
        f"{len(loaded.clocks)} clocks" + _injects_said(len(loaded.injects))
    )
    if capacity:
        from jtai_sim import budget

        with user_errors():
            budget.check(
                budget.Job(scenario=loaded, days=loaded.duration_days), allow_large=allow_large
            )
        report_capacity(loaded, seed=seed)


def report_capacity(scenario: Any, *, seed: int | None, table: bool = True) -> None:
    """Print the offered load of each agency with places (``table``) and a warning for
    each that is full or close to it."""
    from jtai_sim.validation.capacity import capacity_lines, offered_loads

    loads = offered_loads(scenario, seed=seed)
    if table:
        click.echo(
            f"capacity over {scenario.duration_days - scenario.warmup_days:g} days after the "
            "warm-up (arrivals a day, of the agency's days; mean service; places asked for; "
            "places; utilisation):"
        )
        for x in sorted(loads, key=lambda x: -x.utilisation):
            click.echo(
                f"  {x.agency:<30} {x.arrivals_per_agency_day:9.3g} {x.service_days:8.3g} "
                f"{x.offered:9.1f} {x.places:7d} {x.utilisation:6.0%}"
            )
    for line in capacity_lines(loads):
        click.echo(f"warning: capacity: {line}", err=True)


def _injects_said(count: int) -> str:
    """``, 2 injects`` for what ``validate`` prints (nothing when there are none)."""
    if not count:
        return ""
    return f", {count} inject" if count == 1 else f", {count} injects"


def _command(
    scenario: str,
    years: float | None,
    days: float | None,
    seed: int,
    out: str,
    flags: dict[str, bool],
) -> list[str]:
    """The command line that repeats this run (seed made explicit)."""
    argv = ["jtai-sim", "run", scenario]
    if years is not None:
        argv += ["--years", f"{years:g}"]
    if days is not None:
        argv += ["--days", f"{days:g}"]
    argv += ["--seed", str(seed), "--out", out]
    argv += [f"--{name.replace('_', '-')}" for name, on in flags.items() if on]
    return argv


#: The formats ``--export`` takes (as :data:`jtai_sim.results.exports.FORMATS` names them;
#: spelled here so that ``--help`` loads neither numpy nor the engine).
EXPORT_FORMATS = ("ocel", "sqlite", "xes", "annex-a", "ssda903", "camhs")
#: The ``--export`` formats that are the area's records rather than the log: each is
#: written as a folder (:data:`jtai_sim.results.output.RECORD_FOLDERS`) by its writer in
#: :mod:`jtai_sim.records`.
RECORD_EXPORTS = {"annex-a": "annex_a", "ssda903": "ssda903", "camhs": "camhs"}


def _export_formats(value: str | None) -> list[str]:
    """The formats ``--export`` names, in order, each once; one line for a bad name."""
    if value is None:
        return []
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    bad = [name for name in names if name not in EXPORT_FORMATS]
    if bad or not names:
        raise UserError(
            f"--export {value!r}: formats are {', '.join(EXPORT_FORMATS)} "
            "(give one, or several as ocel,annex-a)"
        )
    return list(dict.fromkeys(names))


@click.command(cls=OneLineCommand, short_help="Simulate SCENARIO; write results and a report.")
@click.argument("scenario")
@click.option("--years", type=float, metavar="N", help="Simulate N years (365.25 days each).")
@click.option("--days", type=float, metavar="N", help="Simulate N days.  [default: the scenario's]")
@click.option(
    "--seed",
    type=int,
    callback=check_seed_option,
    metavar="S",
    help="Root seed, 0 to 15 digits.  [default: the scenario's]",
)
@click.option(
    "--out",
    "out",
    metavar="DIR",
    help="Result folder.  [default: runs/<scenario file name>-seed<S>]",
)
@click.option("--force", is_flag=True, help="Replace DIR if it already holds files.")
@click.option("--no-events", is_flag=True, help="Do not write the event log (events.parquet).")
@click.option("--events-csv", is_flag=True, help="Also write the event log as events.csv.")
@click.option(
    "--export",
    "export",
    metavar="FORMATS",
    help="Also write, comma-separated: the event log for process-mining tools, as ocel "
    "(OCEL 2.0 JSON, events.ocel.json), sqlite (OCEL 2.0 SQLite, events.ocel.sqlite) or "
    "xes (events.xes); the simulated area's records, as annex-a (Ofsted's Annex A lists "
    "1 to 8, annex_a/), ssda903 (the children looked after return's header and "
    "episodes, ssda903/) or camhs (a CAMHS referral extract, camhs/).",
)
@click.option(
    "--flows",
    is_flag=True,
    help="Also write flows.html: the run's waiting lists, caseloads and hand-offs played "
    "day by day over the partnership drawing (one offline page; play, pause, slider).",
)
@click.option(
    "--inject",
    "inject",
    multiple=True,
    metavar="FILE",
    help="Add the [[injects]] of FILE (a TOML file) to the scenario's own: things that "
    "happen for a period of the run (README, Injects). May be given more than once.",
)
@allow_large_option
def run(
    scenario: str,
    years: float | None,
    days: float | None,
    seed: int | None,
    out: str | None,
    force: bool,
    no_events: bool,
    events_csv: bool,
    export: str | None,
    flows: bool,
    inject: tuple[str, ...],
    allow_large: bool,
) -> None:
    """Simulate SCENARIO (a file, or a built-in name) and write a result folder.

    \b
    The folder holds:
      report.html       offline report: what was run, headlines, tables, charts
      summary.html      one-page board summary (summary.md: the same in Markdown)
      run.json          resolved scenario, seed, version, command, timings
      metrics.csv       every metric, one row each (group, name, statistic, value, unit)
      waits.csv, clocks.csv, handoffs.csv   the main metric tables
      children.csv      one row per child who came to notice
      events.parquet    the event log (events.csv too with --events-csv)
      partnership.svg   the partnership drawing
      flows.html        the flows played over the drawing, with --flows
      events.ocel.json, events.ocel.sqlite, events.xes
                        the log for process mining, with --export
      annex_a/          the area's Annex A lists, with --export annex-a
      ssda903/          its SSDA903 header and episodes, with --export ssda903
      camhs/            its CAMHS referral extract, with --export camhs

    The folder is written complete or not at all; the same scenario and seed
    give the same files (run.json's timings apart).

    \b
    Example:
      jtai-sim run scenarios/midshire.toml --years 2 --seed 7 --out out/midshire
    """
    from tqdm import tqdm

    from jtai_sim.budget import Job, check
    from jtai_sim.results.output import FILES, RECORD_FOLDERS, check_folder, write_run
    from jtai_sim.results.report import ScenarioSource
    from jtai_sim.scenario.builtin import check as check_partnership
    from jtai_sim.scenario.builtin import load_scenario, resolve, with_injects
    from jtai_sim.simulation.run import simulate, with_length

    started = time.perf_counter()
    length = run_length(years, days)
    if no_events and events_csv:
        raise UserError("--events-csv and --no-events: give one or the other, not both")
    exports = _export_formats(export)
    with user_errors():
        loaded = load_scenario(scenario)
        for inject_file in inject:
            loaded = with_injects(loaded, inject_file)
        if length is not None and loaded.injects:  # each period must fit the run asked for
            try:
                check_partnership(with_length(loaded, length))
            except JtaiError as exc:
                raise UserError(f"--days/--years ({length:g} days): {one_line(str(exc))}") from None
        path = resolve(scenario)
        seed = loaded.seed if seed is None else seed
        out = out or str(Path("runs") / f"{path.stem}-seed{seed}")
        check_folder(out, force=force, owned=FILES + RECORD_FOLDERS)
        source = ScenarioSource.of_file(path)
        horizon = length if length is not None else loaded.duration_days
        check(Job(scenario=loaded, days=horizon), allow_large=allow_large)
    t_load = time.perf_counter() - started
    with tqdm(
        total=round(horizon),
        unit="day",
        desc=f"simulating {loaded.name}",
        file=sys.stderr,
        disable=None,
        leave=False,
        dynamic_ncols=True,
    ) as bar:

        def progress(clock_day: float) -> None:
            bar.update(max(0, min(round(clock_day), bar.total) - bar.n))

        result = simulate(loaded, seed=seed, days=length, progress=progress)
    command = _command(
        scenario,
        years,
        days,
        seed,
        out,
        {"force": force, "no_events": no_events, "events_csv": events_csv, "flows": flows},
    )
    if exports:
        command += ["--export", ",".join(exports)]
    for inject_file in inject:
        command += ["--inject", inject_file]
    click.echo(
        f"simulated {result.duration_days:g} days of {loaded.name}: "
        f"{len(result.children):,} children, {len(result.log):,} events "
        f"in {result.timings['simulate']:.1f} s; writing results",
        err=True,
    )
    with user_errors():
        folder = write_run(
            result,
            out,
            force=force,
            events=not no_events,
            events_csv=events_csv,
            exports=[e for e in exports if e not in RECORD_EXPORTS],
            source=source,
            command=command,
            timings={"load": t_load},
            records=_record_writers(result, [e for e in exports if e in RECORD_EXPORTS]),
            flows=flows,
        )
    from jtai_sim.results.trust import run_warnings

    for line in run_warnings(result.record, result.table("censored_waits")):
        click.echo(f"warning: {line}", err=True)
    click.echo(f"wrote {folder}/ ({time.perf_counter() - started:.1f} s in all)")
    click.echo(f"summary: {folder / 'summary.html'} (one page for a board; summary.md beside it)")
    click.echo(f"report: {folder / 'report.html'}")
    if flows:
        click.echo(f"flows: {folder / 'flows.html'} (the run played over the partnership)")


def _record_writers(result: Any, names: list[str]) -> dict[str, Callable[[Path], object]]:
    """The writers of the record folders ``names`` asks for, on one case book of ``result``
    (made once, when the first folder is written)."""
    if not names:
        return {}
    from functools import cache

    from jtai_sim.inspection import casebook_from_run
    from jtai_sim.records.annex_a import write_annex_a
    from jtai_sim.records.camhs_extract import write_camhs_extract
    from jtai_sim.records.ssda903 import write_ssda903

    book = cache(lambda: casebook_from_run(result))
    writers: dict[str, Callable[[Path], object]] = {
        "annex-a": lambda folder: write_annex_a(book(), folder, seed=result.seed),
        "ssda903": lambda folder: write_ssda903(book(), folder, seed=result.seed),
        "camhs": lambda folder: write_camhs_extract(book(), folder, seed=result.seed),
    }
    return {RECORD_EXPORTS[name]: writers[name] for name in names}


@click.command(cls=OneLineCommand, short_help="Draw the partnership of SCENARIO as SVG.")
@click.argument("scenario")
@click.option(
    "--out",
    "out",
    metavar="FILE.svg",
    help="Where to write the drawing ('-' for standard output).  "
    "[default: <scenario file name>-partnership.svg]",
)
def graph(scenario: str, out: str | None) -> None:
    """Draw the partnership of SCENARIO as SVG: agencies, pathways, entry points.

    Agencies are boxes (label, staff and caseload; entry agencies have a heavy
    blue border); pathways are arrows (solid: refer, dashed: parallel, dotted:
    notify) labelled with their probability and conditions. A partnership too
    long to fit a page across is drawn top to bottom. The layout is fixed: the
    same scenario always gives the same drawing.
    """
    from jtai_sim.atomic import write_file
    from jtai_sim.results.drawing import partnership_svg
    from jtai_sim.scenario.builtin import load_scenario, resolve

    with user_errors():
        loaded = load_scenario(scenario)
        svg = partnership_svg(loaded)
    if out == "-":
        click.echo(svg, nl=False)
        return
    with user_errors():
        target = write_file(out or f"{resolve(scenario).stem}-partnership.svg", svg)
    click.echo(f"wrote {target} ({len(loaded.agencies)} agencies, {len(loaded.pathways)} pathways)")


COMMANDS = [validate, run, graph]

__all__ = ["COMMANDS", "OneLineCommand", "graph", "run", "validate"]
