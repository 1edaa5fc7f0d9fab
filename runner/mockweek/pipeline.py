"""From a scenario (or a partnership's case book) to a written facilitator pack.

:func:`mock_week` runs the whole inspection on a case book: the calendar, the
eligible cohort, the selection, the findings and the letter (from
:mod:`jtai_sim.inspection`), the meetings planned during the on-site week
(:mod:`runner.mockweek.request`), then the on-site week and its timetable.
:func:`mock_week_from_scenario` first simulates the scenario up to the end of
the notification day. :func:`write_pack` writes the result to a folder
atomically, as every result folder is written (:mod:`jtai_sim.atomic`): into a
hidden folder beside it, renamed into place at the end, so a failure leaves
nothing half written and a replaced pack is restored if the rename fails.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import pandas as pd
from attrs import field, frozen

from jtai_sim.atomic import atomic_folder, check_folder
from jtai_sim.calendar import calendar_for
from jtai_sim.errors import InputError, MockWeekError
from jtai_sim.inspection.casebook import casebook_from_run
from jtai_sim.inspection.cohort import eligible_cohort, summarise
from jtai_sim.inspection.findings import findings_for
from jtai_sim.inspection.letter import findings_letter
from jtai_sim.inspection.model import (
    CaseBook,
    ChildSummary,
    Finding,
    InspectionCalendar,
    Letter,
    Selection,
)
from jtai_sim.inspection.selection import select
from jtai_sim.inspection.theme import Theme, load_theme
from jtai_sim.inspection.timeline import Offsets as CalendarOffsets
from jtai_sim.inspection.timeline import check_notification, inspection_calendar
from jtai_sim.scenario.model import MAX_DAYS, Scenario
from jtai_sim.simulation.run import simulate
from runner.mockweek.absences import AbsenceRow
from runner.mockweek.replan import Replan
from runner.mockweek.request import PlannedMeeting, planned_meetings
from runner.mockweek.settings import InspectionSettings, for_team
from runner.mockweek.timetable import Timetable, solve_week
from runner.mockweek.week import WeekPlan, plan_week

Progress = Callable[[str], None]


@frozen(kw_only=True)
class MockWeek:
    """Everything the facilitator pack shows."""

    name: str
    book: CaseBook = field(eq=False)
    calendar: InspectionCalendar
    cohort: tuple[ChildSummary, ...]
    selection: Selection
    findings: tuple[Finding, ...]
    letter: Letter
    theme: Theme = field(eq=False)
    plan: WeekPlan = field(eq=False)
    timetable: Timetable
    settings: InspectionSettings
    seed: int
    meetings: tuple[PlannedMeeting, ...] = ()
    detection: pd.DataFrame | None = field(eq=False, default=None)
    timings: dict[str, float] = field(eq=False, factory=dict)
    #: the week re-planned after someone dropped out during it (none: no one did)
    replan: Replan | None = None


def calendar_offsets(settings: InspectionSettings) -> CalendarOffsets:
    """The settings' offsets in the form :func:`inspection_calendar` takes."""
    return CalendarOffsets(**attrs.asdict(settings.offsets))


def mock_week(
    book: CaseBook,
    notification: dt.date,
    settings: InspectionSettings,
    *,
    seed: int,
    theme: Theme | None = None,
    absences: Sequence[AbsenceRow] | None = None,
    absences_file: str = "absences.csv",
    detection: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> MockWeek:
    """Run the mock inspection of ``theme`` (the default theme if ``None``) on ``book``
    for a notification on ``notification``."""
    say = progress or (lambda _: None)
    theme = theme or load_theme()
    settings = for_team(settings)
    timings: dict[str, float] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    calendar = inspection_calendar(notification, book.calendar, calendar_offsets(settings))
    cohort = tuple(eligible_cohort(book, notification, theme.eligibility))
    if not cohort:
        raise MockWeekError(
            f"no child is on the {theme.short} list on {notification.isoformat()} "
            f"({theme.eligibility.list_name}); notify later or use a larger scenario",
            key="--notify",
        )
    selection = select(
        book,
        cohort,
        notification,
        theme=theme,
        tracked=settings.tracked,
        sample_size=settings.sample,
        seed=seed,
    )
    findings = tuple(findings_for(book, selection, notification, theme=theme))
    chosen = {c.child: c for c in cohort} | {
        c.child: c for c in summarise(book, notification, [p.child for p in selection.sample])
    }
    letter = findings_letter(
        findings,
        selection,
        theme=theme,
        book=book,
        calendar=calendar,
        children=chosen,
    )
    timings["selection_and_findings"] = time.perf_counter() - t0
    timings["selection_and_findings_cpu"] = time.process_time() - c0
    say(
        f"chose {len(selection.tracked)} tracked children and {len(selection.sample)} "
        f"sampled from {len(cohort)} on the {theme.short} list; {len(findings)} findings"
    )
    t1, c1 = time.perf_counter(), time.process_time()
    until = book.calendar.day_of(notification) + 1.0
    meetings = tuple(planned_meetings(book, notification, calendar.on_site))
    plan = plan_week(
        book,
        selection,
        settings,
        calendar.on_site,
        seed=seed,
        until=until,
        absences=absences,
        absences_file=absences_file,
        ages={c.child: c.age for c in cohort},
        meetings=meetings,
    )
    timetable = solve_week(plan, settings.solver)
    timings["timetable"] = time.perf_counter() - t1
    timings["timetable_cpu"] = time.process_time() - c1
    timings["timetable_solve"] = timetable.solve_seconds
    timings["timetable_solve_cpu"] = timetable.solve_cpu_seconds
    say(
        f"timetabled {len(plan.sessions)} sessions for {len(plan.inspectors)} inspectors "
        f"({timetable.status}, {timetable.solve_seconds:.2f} s)"
    )
    return MockWeek(
        name=book.name or "Partnership",
        book=book,
        calendar=calendar,
        cohort=cohort,
        selection=selection,
        findings=findings,
        letter=letter,
        theme=theme,
        plan=plan,
        timetable=timetable,
        settings=settings,
        seed=seed,
        meetings=meetings,
        detection=detection,
        timings=timings,
    )


def simulation_days(scenario: Scenario, notification: dt.date) -> int:
    """Days to simulate so the run covers the whole notification day."""
    if notification <= scenario.start_date:
        raise MockWeekError(
            f"{notification.isoformat()} is not after the scenario starts "
            f"({scenario.start_date.isoformat()}); notify later",
            key="--notify",
        )
    days = (notification - scenario.start_date).days + 1
    if days > MAX_DAYS:
        raise MockWeekError(
            f"{notification.isoformat()} is more than 100 years after the scenario starts "
            f"({scenario.start_date.isoformat()}), the longest a run may be; notify earlier",
            key="--notify",
        )
    return days


def mock_week_from_scenario(
    scenario: Scenario,
    notification: dt.date,
    settings: InspectionSettings,
    *,
    seed: int | None = None,
    theme: Theme | None = None,
    absences: Sequence[AbsenceRow] | None = None,
    absences_file: str = "absences.csv",
    progress: Progress | None = None,
) -> MockWeek:
    """Simulate ``scenario`` up to ``notification`` and run the mock inspection on it."""
    say = progress or (lambda _: None)
    days = simulation_days(scenario, notification)
    try:
        check_notification(calendar_for(scenario), notification)
    except InputError as exc:
        raise MockWeekError(exc.message, key="--notify") from None
    run_seed = scenario.seed if seed is None else seed
    t0 = time.perf_counter()
    run = simulate(scenario, seed=run_seed, days=days)
    book = casebook_from_run(run)
    seconds = time.perf_counter() - t0
    say(f"simulated {scenario.name} for {days} days ({len(run.log):,} events, {seconds:.1f} s)")
    week = mock_week(
        book,
        notification,
        settings,
        seed=run_seed,
        theme=theme,
        absences=absences,
        absences_file=absences_file,
        progress=progress,
    )
    week.timings["simulation"] = seconds
    return week


#: The files a pack holds (:func:`runner.mockweek.pack.pack_files` writes exactly these):
#: ``--force`` replaces a folder only when it holds nothing else.
PACK_FILES = (
    "index.html",
    "pack.md",
    "timetable.csv",
    "people.csv",
    "chronology.csv",
    "planned-meetings.csv",
    "children-list.csv",
)


def check_out_dir(out: Path, *, force: bool) -> None:
    """Refuse to write into a folder that holds something, unless ``force``.

    The same check as every result folder's (:func:`jtai_sim.atomic.check_folder`).
    """
    check_folder(out, force=force, owned=PACK_FILES)


def write_pack(week: MockWeek, out: Path, *, force: bool = False) -> list[Path]:
    """Write the pack into ``out`` atomically; returns the files written (relative)."""
    from runner.mockweek.pack import pack_files

    with atomic_folder(out, force=force, owned=PACK_FILES) as tmp:
        files = pack_files(week)
        for name, content in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="\n")
    return [Path(n) for n in sorted(files)]


__all__ = [
    "PACK_FILES",
    "MockWeek",
    "MockWeekError",
    "calendar_offsets",
    "check_out_dir",
    "mock_week",
    "mock_week_from_scenario",
    "simulation_days",
    "write_pack",
]
