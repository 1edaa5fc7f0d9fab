"""``jtai-sim mock-week``: run a mock JTAI week and write the facilitator pack.

A user mistake (a bad date, an unknown inspectorate in the settings, a case
list missing a column, a folder that is not empty) prints one line and exits
with code 2. A week that cannot be timetabled prints the rules that clash and
also exits with code 2: it is fixed by changing the inputs (the team, the
absences, the limits).

At load time the module needs only click: the simulation, pandas and OR-Tools
are imported when the command runs, so ``--help`` starts quickly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jtai_sim.errors import InfeasibleTimetable, InputError
from runner.errors import OneLineCommand, UserError, user_errors
from runner.options import allow_large_option, check_seed_option

if TYPE_CHECKING:
    import pandas as pd

    from jtai_sim.inspection.theme import Theme
    from runner.mockweek.absences import AbsenceRow
    from runner.mockweek.pipeline import MockWeek
    from runner.mockweek.settings import InspectionSettings


def notification_date(text: str) -> dt.date:
    """``--notify``'s text as a date, or the one-line error naming the option."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--notify: must be a date (YYYY-MM-DD), got {text!r}") from None


@click.command("mock-week", cls=OneLineCommand)
@click.argument("scenario", required=False)
@click.option(
    "--cases",
    "cases",
    type=click.Path(path_type=Path),
    help="The partnership's own records instead of SCENARIO: a folder (or file) of Annex A "
    "lists, an SSDA903 return, a CAMHS extract, a case list (children.csv, events.csv) or "
    "a folder written by jtai-sim run.",
)
@click.option(
    "--real-ids",
    is_flag=True,
    help="Show children by the ids the records give (default: keyed pseudonyms, so no real "
    "id leaves the machine in the pack).",
)
@click.option(
    "--notify",
    required=True,
    metavar="YYYY-MM-DD",
    help="Notification date (day 1; a working day).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    callback=check_seed_option,
    help="Seed for the simulation, the selection and drawn absences "
    "(default: the scenario's, or 1 for a case list).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("out/mock-week"),
    show_default=True,
    help="Folder to write the pack into.",
)
@click.option(
    "--theme",
    "theme_name",
    default="front-door",
    show_default=True,
    metavar="NAME|FILE",
    help="The inspection's theme: a shipped theme (jtai-sim themes lists them) or a theme file.",
)
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(path_type=Path),
    help="Inspection settings (TOML): team, day, rooms, sizes, offsets.",
)
@click.option(
    "--absences",
    type=click.Path(path_type=Path),
    help="CSV of absences (who,date[,until]) instead of drawn ones.",
)
@click.option(
    "--drop-outs",
    "drop_outs",
    type=click.Path(path_type=Path),
    help="CSV (who,date[,until], as --absences) of people who drop out during the on-site "
    "week: the timetable is re-planned from the first day they are away with the fewest "
    "changes (timetable-replanned.csv, changes.csv).",
)
@click.option(
    "--detect",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Replications for 'would the inspectors see it?' (0: leave it out).",
)
@click.option("--force", is_flag=True, help="Replace --out if it is not empty.")
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
@allow_large_option
def mock_week_command(
    scenario: str | None,
    cases: Path | None,
    real_ids: bool,
    notify: str,
    seed: int | None,
    out: Path,
    theme_name: str,
    settings_file: Path | None,
    absences: Path | None,
    drop_outs: Path | None,
    detect: int,
    force: bool,
    quiet: bool,
    allow_large: bool,
) -> None:
    """Rehearse a JTAI on SCENARIO (or --cases): choose the children, timetable the
    on-site week and write the facilitator pack (index.html, pack.md,
    timetable.csv, people.csv) to --out. The theme (default: the front door)
    decides who is chosen, what is evaluated and who inspects.

    \b
    Example:
      jtai-sim mock-week scenarios/midshire.toml --notify 2025-06-03 --out out/mw
      jtai-sim mock-week midshire --notify 2025-06-03 --theme mental-health-2019
    """
    from jtai_sim.inspection.theme import load_theme
    from runner.mockweek.absences import read_absences
    from runner.mockweek.pipeline import check_out_dir, write_pack
    from runner.mockweek.settings import load_settings, theme_settings

    def say(message: str) -> None:
        if not quiet:
            click.echo(f"mock-week: {message}", err=True)

    notification = notification_date(notify)
    if scenario is None and cases is None:
        raise UserError("give a SCENARIO (or --cases FOLDER for the partnership's own records)")
    if scenario is not None and cases is not None:
        raise UserError("give a SCENARIO or --cases FOLDER, not both")
    with user_errors():
        check_out_dir(out, force=force)
        theme = load_theme(theme_name)
        settings = load_settings(settings_file, base=theme_settings(theme))
        rows: list[AbsenceRow] | None = read_absences(absences) if absences else None
        try:
            week = run_mock_week(
                scenario,
                cases,
                notification,
                seed,
                settings,
                theme,
                rows,
                str(absences) if absences else "absences.csv",
                detect,
                say,
                allow_large,
                real_ids=real_ids,
            )
        except InfeasibleTimetable as exc:
            raise UserError(f"no timetable fits this week: {'; '.join(exc.reasons)}") from None
        if drop_outs is not None:
            week = _replanned(week, read_absences(drop_outs), str(drop_outs), say)
        files = write_pack(week, out, force=force)
    t = week.timetable
    click.echo(
        f"wrote {out}: {', '.join(str(f) for f in files)} ({len(week.selection.tracked)} tracked, "
        f"{len(week.selection.sample)} sampled, {len(t.bookings)} sessions, "
        f"{sum(1 for f in week.findings if not f.strength)} concerns)"
    )


def run_mock_week(
    scenario: str | None,
    cases: Path | None,
    notification: dt.date,
    seed: int | None,
    settings: InspectionSettings,
    theme: Theme,
    rows: list[AbsenceRow] | None,
    absences_file: str,
    detect: int,
    progress: Callable[[str], None],
    allow_large: bool = False,
    *,
    real_ids: bool = False,
) -> MockWeek:
    """The mock week the command runs, from a scenario or from the area's records
    (``cases``), with the detection study when ``detect`` asks for it; the app's
    facilitator tab runs the same."""
    import attrs

    from jtai_sim.budget import Job, check
    from jtai_sim.records.book import load_records
    from jtai_sim.scenario.builtin import load_scenario
    from runner.mockweek.pipeline import mock_week, mock_week_from_scenario, simulation_days

    if cases is not None:
        if detect:
            raise InputError("needs a SCENARIO to replicate, not records", key="--detect")
        book = load_records(cases, pseudonymise=not real_ids)
        progress(
            f"read {len(book.children):,} children and {len(book.events):,} events from {cases}"
        )
        return mock_week(
            book,
            notification,
            settings,
            seed=1 if seed is None else seed,
            theme=theme,
            absences=rows,
            absences_file=absences_file,
            progress=progress,
        )
    assert scenario is not None
    loaded = load_scenario(scenario)
    days = simulation_days(loaded, notification)
    check(Job(scenario=loaded, days=days, runs=1 + detect), allow_large=allow_large)
    week = mock_week_from_scenario(
        loaded,
        notification,
        settings,
        seed=seed,
        theme=theme,
        absences=rows,
        absences_file=absences_file,
        progress=progress,
    )
    if detect:
        from jtai_sim.experiments.detection import detection_probability

        progress(f"replicating {detect} times for 'would the inspectors see it?'")
        table = detection_probability(
            loaded,
            detect,
            notification,
            seed=week.seed,
            tracked=settings.tracked,
            sample_size=settings.sample,
            theme=theme,
        )
        week = attrs.evolve(week, detection=_detection_view(table))
    return week


def _replanned(
    week: MockWeek, rows: list[AbsenceRow], file: str, progress: Callable[[str], None]
) -> MockWeek:
    """``week`` with its timetable re-planned for the people in ``rows`` who drop out, from
    the first on-site day any of them is away."""
    import attrs

    from runner.mockweek.absences import resolve_absences
    from runner.mockweek.replan import replan_week
    from runner.mockweek.week import absence_groups

    plan = week.plan
    late = resolve_absences(
        rows, file=file, dates=plan.dates, groups=absence_groups(plan.people, week.settings)
    )
    days = sorted({d for away in late.values() for d in away})
    if not days:
        on_site = f"{plan.dates[0].isoformat()} to {plan.dates[-1].isoformat()}"
        raise InputError(f"no one in it is away during the on-site week ({on_site})", file=file)
    try:
        replan = replan_week(week.timetable, late, from_day=days[0], settings=week.settings.solver)
    except InfeasibleTimetable as exc:
        raise UserError(
            f"{file}: no timetable fits the week after the drop-outs: {'; '.join(exc.reasons)}"
        ) from None
    progress(
        f"re-planned from {plan.day_name(days[0])}: {len(replan.changes)} of "
        f"{len(plan.sessions)} sessions change ({replan.timetable.solve_seconds:.2f} s)"
    )
    return attrs.evolve(week, replan=replan)


def _detection_view(table: pd.DataFrame) -> pd.DataFrame:
    """The columns of the detection table the pack shows, with readable headings."""
    view = table[["label", "subject", "occurred_share", "probability", "ci_low", "ci_high"]]
    return view.rename(
        columns={
            "label": "Breakdown",
            "subject": "Where",
            "occurred_share": "Happened (share of runs)",
            "probability": "Seen by inspectors",
            "ci_low": "95% low",
            "ci_high": "95% high",
        }
    )


@click.command("themes", cls=OneLineCommand)
def themes_command() -> None:
    """List the shipped inspection themes for mock-week --theme."""
    from jtai_sim.inspection.theme import DEFAULT_THEME, load_theme, theme_names

    for name in theme_names():
        theme = load_theme(name)
        mark = " (default)" if name == DEFAULT_THEME else ""
        click.echo(f"{name}{mark}: {theme.theme.title}")
        if theme.theme.guidance:
            click.echo(f"    {theme.theme.guidance}")


COMMANDS: list[click.Command] = [mock_week_command, themes_command]
