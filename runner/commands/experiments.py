"""``jtai-sim compare``, ``sweep``, ``results`` and ``warmup``: what-if experiments.

Every command checks all its input (scenario, variants, overrides, experiment
file, metric names) before it runs or writes anything; a mistake is one line
naming the file, key and value, with exit code 2, and an existing result store
is left as it was.

At load time the module needs only click: :mod:`jtai_sim.experiments` (scipy,
DuckDB, pandas) is imported by the command that runs, so ``--help`` starts
quickly.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from runner.errors import OneLineCommand, noted_when_stopped, user_errors
from runner.options import allow_large_option, check_seed_option, run_length

#: Said when compare or sweep is stopped part-way (Ctrl-C or SIGTERM).
RESUMES = "the finished runs are kept, and the same command resumes"

if TYPE_CHECKING:
    from jtai_sim.experiments import Experiment, Results

#: The rule of :func:`jtai_sim.experiments.executors.check_jobs`, for --help.
_JOBS_HELP = (
    "Local worker processes to run replications on: at most 4 per processor of this "
    "machine, and never more are started than there are runs."
)


_JOBS = click.option("--jobs", "-j", type=int, default=1, show_default=True, help=_JOBS_HELP)
_SEED_HELP = "Root seed, 0 to 15 digits (default: the scenario's)."

_RUN_OPTIONS = [
    _JOBS,
    click.option(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="Run on a Dask scheduler (tcp://host:8786), or 'local' for a "
        "LocalCluster of --jobs workers, or 'local:N' for one of N (N from 1 to the "
        "bound of --jobs). Needs jtai-sim[dask].",
    ),
    click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    click.option(
        "--replace",
        is_flag=True,
        help="Clear a folder that holds another experiment's results and start afresh "
        "(without it such a folder is refused; this experiment's own runs are resumed).",
    ),
    allow_large_option,
]


def _run_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_RUN_OPTIONS):
        f = option(f)
    return f


def _print_results(results: Results, out: Path | None) -> None:
    from jtai_sim.experiments.headlines import headlines, notes
    from jtai_sim.experiments.naming import describe, format_range, format_value, split
    from jtai_sim.experiments.store import FILE
    from jtai_sim.results.registry import why_missing

    keys = results.key_metrics()  # a chosen metric no replication measured says why
    summary = results.summary(keys)
    scenario = results.base.scenario
    click.echo(
        f"{results.settings.get('name')}: {len(results.variants)} variant(s), "
        f"{results.replications()} replications each, seed {results.settings.get('seed')}"
    )
    leading = headlines(results)
    for name in dict.fromkeys(h.variant for h in leading):
        click.echo(f"\nHeadlines: {results.info(name).title} against {results.base.title}")
        for h in leading:
            if h.variant == name:
                click.echo(f"- {h.sentence}")
    for line in notes(results, leading):
        click.echo(f"note: {line}")
    if leading:
        click.echo("\nKey metrics (the full table of every metric is in the report)")
    width = max([len(v.title) for v in results.variants] + [8])
    for key in keys:
        info = describe(key, scenario)
        click.echo(f"\n{info.phrase} ({key})")
        for row in summary[summary["metric"] == key].itertuples():
            title = results.info(str(row.variant)).title
            if not row.n:
                group, _, stat = split(key)
                click.echo(f"  {title:<{width}}  no value: {why_missing(group, stat)}")
                continue
            click.echo(
                f"  {title:<{width}}  {format_value(row.mean, info.unit):>14}  "
                f"95% CI {format_range(row.low, row.high, info.unit)}"
            )
    if out is not None:
        _print_warnings(results)
        click.echo(
            f"\nresults: {out / FILE}\nreport:  {out / 'report.html'}\n"
            f"summary: {out / 'summary.html'} (one page for a board; summary.md beside it)"
        )


def _print_warnings(results: Results) -> None:
    """The caveats on the numbers, one line each on standard error (after the work, so a
    refusal stays the one line it is)."""
    for line in results.warnings():
        click.echo(f"warning: {line}", err=True)


def _run_and_finish(
    experiment: Experiment, out: Path, how: tuple[int, str | None, bool, bool, bool]
) -> None:
    """Run ``experiment`` into ``out`` as the shared run options say, then write its files."""
    jobs, dask, quiet, replace, allow_large = how
    results = experiment.run(
        out, jobs=jobs, dask=dask, progress=not quiet, replace=replace, allow_large=allow_large
    )
    _finish(results, out)


def _finish(results: Results, out: Path) -> None:
    from jtai_sim.experiments import export_csv, write_report
    from jtai_sim.experiments.board import write_comparison_board

    write_report(results, out / "report.html")
    export_csv(results, out / "summary.csv")
    write_comparison_board(results, out)
    _print_results(results, out)


@click.command(cls=OneLineCommand)
@click.argument("base")
@click.argument("variants", nargs=-1, metavar="[VARIANT.toml ...]")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override for one more variant (repeatable): KEY=VALUE, KEY+=VALUE or "
    "KEY*=VALUE, e.g. agencies.camhs.staff+=3.",
)
@click.option("--label", default="", help="Label of the --set variant in the report.")
@click.option(
    "--replications",
    "-r",
    type=int,
    default=10,
    show_default=True,
    help="Replications per variant (the starting number with --precision).",
)
@click.option("--seed", type=int, default=None, callback=check_seed_option, help=_SEED_HELP)
@click.option("--days", type=float, default=None, help="Run length in days.")
@click.option(
    "--warmup",
    "warmup_days",
    type=float,
    default=None,
    help="Warm-up in days, left out of statistics (default: the scenario's).",
)
@click.option(
    "--metric",
    "-m",
    "metrics",
    multiple=True,
    metavar="KEY",
    help="A metric that matters (repeatable), e.g. wait.camhs.mean_days.",
)
@click.option(
    "--headline",
    "headline",
    multiple=True,
    metavar="KEY",
    help="A metric to lead with (repeatable; default: the waits, outcomes and clocks "
    "of the agencies the variants change).",
)
@click.option(
    "--precision",
    type=float,
    default=None,
    metavar="X",
    help="Add replications until each --metric's 95% half-width is within X "
    "(0.05 = 5%) of its mean.",
)
@click.option("--max-replications", type=int, default=100, show_default=True)
@click.option("--keep-events", is_flag=True, help="Keep each run's event log as Parquet.")
@click.option(
    "--equity",
    is_flag=True,
    help="Also compare each group of children (sex, ethnic group, disability, SEND, "
    "deprivation, age band, legal status): waits and turn-aways per group in the report.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/compare"),
    show_default=True,
    help="Experiment folder: result store, report.html, summary.csv.",
)
@_run_options
def compare(
    base: str,
    variants: tuple[str, ...],
    sets: tuple[str, ...],
    label: str,
    replications: int,
    seed: int | None,
    days: float | None,
    warmup_days: float | None,
    metrics: tuple[str, ...],
    headline: tuple[str, ...],
    precision: float | None,
    max_replications: int,
    keep_events: bool,
    equity: bool,
    out: Path,
    jobs: int,
    dask: str | None,
    quiet: bool,
    replace: bool,
    allow_large: bool,
) -> None:
    """Compare BASE with variants of it, with common random numbers.

    \b
    Each VARIANT.toml holds overrides of BASE:
      label = "Three more CAMHS clinicians"
      add = { "agencies.camhs_community.staff" = 3 }
    and --set makes one more variant from the command line. Runs finished
    earlier in the same --out folder are reused, so an interrupted compare
    resumes. Example:

    \b
      jtai-sim compare minimal --set agencies.camhs.staff+=3 -r 20 -j 2
    """
    from jtai_sim.errors import ExperimentError
    from jtai_sim.experiments import Experiment, Variant, load_variant, parse_set
    from jtai_sim.experiments.variants import TEXT_LIMITS, text_too_long
    from jtai_sim.scenario.builtin import load_scenario

    with user_errors(), noted_when_stopped(RESUMES):
        scenario = load_scenario(base)
        chosen: list[Variant] = [load_variant(v) for v in variants]
        too_long = text_too_long("label", label)
        if too_long:
            raise ExperimentError(too_long, key="--label")
        if sets:
            overrides = tuple(parse_set(s) for s in sets)
            chosen.append(
                Variant(
                    "set",
                    overrides,
                    label=label or textwrap.shorten("; ".join(sets), TEXT_LIMITS["label"]),
                )
            )
        experiment = Experiment(
            scenario,
            tuple(chosen),
            name=scenario.name,
            replications=replications,
            seed=seed,
            days=run_length(None, days),
            warmup_days=warmup_days,
            metrics=metrics,
            headline=headline,
            precision=precision,
            max_replications=max_replications,
            keep_events=keep_events,
            equity=equity,
            source=base,
        )
        _run_and_finish(experiment, out, (jobs, dask, quiet, replace, allow_large))


@click.command(cls=OneLineCommand)
@click.argument("experiment_file", metavar="EXPERIMENT.toml")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Experiment folder (default: out/<experiment file name>).",
)
@_run_options
def sweep(
    experiment_file: str,
    out: Path | None,
    jobs: int,
    dask: str | None,
    quiet: bool,
    replace: bool,
    allow_large: bool,
) -> None:
    """Run every variant or grid cell of EXPERIMENT.toml.

    Runs already finished in the folder are kept and not redone, so a sweep
    that was interrupted finishes where it stopped. See docs/experiments.md
    for the file format, and scenarios/experiments/ for examples.
    """
    from jtai_sim.experiments import read_experiment

    with user_errors(), noted_when_stopped(RESUMES):
        experiment = read_experiment(experiment_file, allow_large=allow_large)
        folder = out or Path("out") / Path(experiment_file).stem
        _run_and_finish(experiment, folder, (jobs, dask, quiet, replace, allow_large))


@click.command(cls=OneLineCommand)
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the summary table as CSV.",
)
@click.option(
    "--excel",
    "excel_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a workbook: summary, differences, replications, run.",
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML report again, here.",
)
def results(
    folder: Path, csv_file: Path | None, excel_file: Path | None, report_file: Path | None
) -> None:
    """Summarise the result store in FOLDER (finished runs only)."""
    from jtai_sim.experiments import export_csv, export_excel, results_from_store, write_report

    with user_errors():
        loaded = results_from_store(folder)
        _print_results(loaded, None)
        if csv_file:
            click.echo(f"csv: {export_csv(loaded, csv_file)}")
        if excel_file:
            click.echo(f"excel: {export_excel(loaded, excel_file)}")
        if report_file:
            click.echo(f"report: {write_report(loaded, report_file)}")
        _print_warnings(loaded)


@click.command(cls=OneLineCommand)
@click.argument("scenario")
@click.option(
    "--agency",
    default=None,
    help="Agency whose waits to watch (default: the queue with the longest waits).",
)
@click.option("--replications", "-r", type=int, default=5, show_default=True)
@click.option("--seed", type=int, default=None, callback=check_seed_option, help=_SEED_HELP)
@click.option("--days", type=float, default=None, help="Run length in days.")
@click.option(
    "--bin-days",
    type=float,
    default=7.0,
    show_default=True,
    help="Width of the periods whose mean waits form the series.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("out/warmup.svg"),
    show_default=True,
    help="Welch's plot (SVG).",
)
@_JOBS
@allow_large_option
def warmup(
    scenario: str,
    agency: str | None,
    replications: int,
    seed: int | None,
    days: float | None,
    bin_days: float,
    out: Path,
    jobs: int,
    allow_large: bool,
) -> None:
    """Suggest a warm-up for SCENARIO by MSER-5, and draw Welch's plot."""
    from jtai_sim.atomic import check_file, write_file
    from jtai_sim.budget import Job, check
    from jtai_sim.experiments import suggest_warmup
    from jtai_sim.scenario.builtin import load_scenario

    with user_errors():
        loaded = load_scenario(scenario)
        check_file(out, make_parents=True)
        length = run_length(None, days) or loaded.duration_days
        check(
            Job(scenario=loaded, days=length, runs=replications, at_once=jobs),
            allow_large=allow_large,
        )
        suggestion = suggest_warmup(
            loaded,
            agency=agency,
            replications=replications,
            seed=seed,
            days=days,
            bin_days=bin_days,
            jobs=jobs,
        )
        write_file(out, suggestion.svg(), make_parents=True)
    click.echo(
        f"suggested warm-up: {suggestion.warmup_days:g} days (MSER-5 on {bin_days:g}-day "
        "mean waits "
        f"at {suggestion.agency}, {replications} replications); the scenario has "
        f"{loaded.warmup_days:g}"
    )
    click.echo(f"Welch's plot: {out}")


COMMANDS: list[click.Command] = [compare, sweep, results, warmup]
