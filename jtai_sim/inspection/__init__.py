"""The mock inspection: from records to the children inspectors choose and what they find.

The analysis half of a mock JTAI week, as pure functions of a
:class:`CaseBook` (a simulated run's log, or a partnership's own case list):

1. :func:`casebook_from_run` / :func:`casebook_from_csv` / :func:`load_case_list`:
   the records;
2. :func:`inspection_calendar`: the dates, from notification (day 1) to the
   written statement of action;
3. :func:`load_theme`: the theme pack (eligibility, sample frames, criteria,
   letter, team), as data;
4. :func:`eligible_cohort`: the children on the area's list for the theme,
   judged only on what agencies recorded;
5. :func:`select`: the tracked children and the sample, with reasons;
6. :func:`findings_for` and :func:`findings_letter`: what their records show,
   by evaluation criterion, as a letter in the inspectorates' form and a
   cited annex.

How likely the chosen children are to show each breakdown in the partnership
needs many simulated runs, so it is an experiment:
:func:`jtai_sim.experiments.detection_probability`.

>>> import datetime as dt
>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection import (casebook_from_run, eligible_cohort, select,
...     findings_for, findings_letter)
>>> book = casebook_from_run(simulate(load_scenario("minimal"), seed=3))
>>> day, theme = dt.date(2026, 2, 3), load_theme("front-door")
>>> cohort = eligible_cohort(book, day, theme.eligibility)
>>> chosen = select(book, cohort, day, theme=theme, seed=7)
>>> letter = findings_letter(findings_for(book, chosen, day, theme=theme), chosen, theme=theme)
>>> letter.children_seen == len(chosen.tracked) + len(chosen.sample)
True
"""

from jtai_sim.inspection.casebook import casebook_from_run, standard_clocks
from jtai_sim.inspection.cases_csv import casebook_from_csv, load_case_list, write_case_list
from jtai_sim.inspection.cohort import cohort_table, describe_child, eligible_cohort
from jtai_sim.inspection.criteria import criteria, finding_kinds
from jtai_sim.inspection.findings import findings_for
from jtai_sim.inspection.letter import findings_letter
from jtai_sim.inspection.model import (
    AgencyInfo,
    CaseBook,
    ChildSummary,
    Criterion,
    Finding,
    InspectionCalendar,
    Letter,
    LetterPoint,
    LetterSection,
    Milestone,
    Pick,
    Selection,
)
from jtai_sim.inspection.selection import select
from jtai_sim.inspection.theme import (
    FindingKind,
    SampleFrame,
    Theme,
    load_theme,
    theme_names,
)
from jtai_sim.inspection.timeline import Offsets, inspection_calendar

__all__ = [
    "AgencyInfo",
    "CaseBook",
    "ChildSummary",
    "Criterion",
    "Finding",
    "FindingKind",
    "InspectionCalendar",
    "Letter",
    "LetterPoint",
    "LetterSection",
    "Milestone",
    "Offsets",
    "Pick",
    "SampleFrame",
    "Selection",
    "Theme",
    "casebook_from_csv",
    "casebook_from_run",
    "cohort_table",
    "criteria",
    "describe_child",
    "eligible_cohort",
    "finding_kinds",
    "findings_for",
    "findings_letter",
    "inspection_calendar",
    "load_case_list",
    "load_theme",
    "select",
    "standard_clocks",
    "theme_names",
    "write_case_list",
]
