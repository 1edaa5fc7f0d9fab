"""The run record: all that metrics read from one replication.

A :class:`RunRecord` holds the packed event log, the scenario that produced it,
its calendar and each child's household: nothing else. Every metric in
:mod:`jtai_sim.results.metrics` is a pure function of one, so a metric can be checked
on a log built by hand.

>>> import datetime as dt
>>> import numpy as np
>>> from jtai_sim import load_scenario
>>> from jtai_sim.calendar import WorkingCalendar
>>> from jtai_sim.simulation.eventlog import EventLog
>>> scenario = load_scenario("scenarios/single_desk.toml")
>>> log = EventLog(scenario.agency_ids)
>>> record = RunRecord(scenario, WorkingCalendar(dt.date(2025, 1, 6), 30), log.records())
>>> record.window_days == scenario.duration_days - scenario.warmup_days
True
"""

from __future__ import annotations

import numpy as np
from attrs import field, frozen

from jtai_sim.calendar import WorkingCalendar
from jtai_sim.scenario.model import Scenario


class RunWindow:
    """The agencies and observation window of a run, read from its ``scenario``."""

    scenario: Scenario

    @property
    def agency_ids(self) -> tuple[str, ...]:
        """Agency keys; an agency's position is its code in the log."""
        return self.scenario.agency_ids

    @property
    def duration_days(self) -> float:
        """Length of the run in days."""
        return self.scenario.duration_days

    @property
    def warmup_days(self) -> float:
        """Start-up period excluded from statistics."""
        return self.scenario.warmup_days

    @property
    def window_days(self) -> float:
        """Length of the observation window (after warm-up)."""
        return self.duration_days - self.warmup_days


@frozen
class RunRecord(RunWindow):
    """One replication's event log (packed records), scenario and calendar."""

    scenario: Scenario
    calendar: WorkingCalendar = field(eq=False)
    log: np.ndarray = field(eq=False)
    #: each child's household (``households[child - 1]``), where the run knows them: at an
    #: agency that deals with families together, brothers and sisters share one place
    households: np.ndarray | None = field(default=None, eq=False, kw_only=True)
