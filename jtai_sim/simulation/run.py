"""One simulated run of a scenario: :func:`simulate` and the :class:`Run` it returns.

This module alone knows the order of the stages: check the partnership, build
the calendar, run the engine, then hand the log to metrics on demand.

>>> from jtai_sim import load_scenario, simulate
>>> run = simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=120)
>>> run.events.columns.tolist()[:4]
['time', 'date', 'child', 'agency']
>>> run.seed
1
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

import attrs
import pandas as pd

from jtai_sim.calendar import WorkingCalendar, calendar_for
from jtai_sim.errors import ScenarioError
from jtai_sim.results import equity as _equity
from jtai_sim.results import metrics as _metrics
from jtai_sim.results.record import RunRecord, RunWindow
from jtai_sim.scenario.model import FieldError, Scenario
from jtai_sim.scenario.partnership import Partnership
from jtai_sim.simulation.engine import ChildRegister, Engine
from jtai_sim.simulation.eventlog import EventLog
from jtai_sim.vocabulary import CHILD_COLUMNS, CHILD_FLAGS, HOUSEHOLD_FLAGS


def package_version() -> str:
    """The installed jtai-sim version (``jtai_sim.__version__``)."""
    import jtai_sim

    return jtai_sim.__version__


class Run(RunWindow):
    """The outcome of one replication: the event log, who the children are, and metrics.

    Tables are computed from the log when first asked for and then kept.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int,
        replication: int,
        log: EventLog,
        children: ChildRegister,
        calendar: WorkingCalendar,
        timings: dict[str, float],
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.log = log
        self._children = children
        self.calendar = calendar
        self.timings = timings
        self.version = package_version()
        self._tables: dict[str, pd.DataFrame] = {}
        self._equity: pd.DataFrame | None = None

    @cached_property
    def events(self) -> pd.DataFrame:
        """The event log as a table, with dates."""
        return self.log.to_pandas(self.calendar)

    @cached_property
    def children(self) -> pd.DataFrame:
        """One row per child: who they are when they first came to notice."""
        frame = pd.DataFrame(self._children.columns(), columns=list(CHILD_COLUMNS))
        frame["stream"] = frame["stream"].astype("category")
        for col in (*CHILD_FLAGS, *HOUSEHOLD_FLAGS):
            frame[col] = frame[col].astype(bool)
        frame["arrived_date"] = self.calendar.dates_of(frame["arrived"].to_numpy())
        return frame

    @cached_property
    def record(self) -> RunRecord:
        """What the metrics read: the packed log, the scenario and the calendar."""
        return RunRecord(
            self.scenario,
            self.calendar,
            self.log.records(),
            households=self.children["household"].to_numpy(),
        )

    def table(self, name: str) -> pd.DataFrame:
        """The metric table ``name`` (one of ``jtai_sim.results.metrics.TABLES``), kept once made.

        A copy is returned, so callers may change it freely.
        """
        if name not in self._tables:
            try:
                compute = _metrics.TABLES[name]
            except KeyError:
                tables = sorted(_metrics.TABLES)
                raise KeyError(f"no metric table {name!r}; tables are {tables}") from None
            self._tables[name] = compute(self.record)
        return self._tables[name].copy()

    def _all_tables(self) -> dict[str, pd.DataFrame]:
        for name in _metrics.TABLES:
            self.table(name)
        return self._tables

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Every metric in one tidy table (see :func:`jtai_sim.results.metrics.metrics_table`)."""
        return _metrics.metrics_table(self.record, self._all_tables())

    def summary(self) -> dict[str, float]:
        """Metrics as a flat ``{"group.name.statistic": value}`` mapping."""
        return _metrics.key_metrics(self.record, self._all_tables())

    def waits(self) -> pd.DataFrame:
        """Waits per agency (see :func:`jtai_sim.results.metrics.waits`)."""
        return self.table("waits")

    def clocks(self) -> pd.DataFrame:
        """Statutory clocks met and breached (see :func:`jtai_sim.results.metrics.clocks`)."""
        return self.table("clocks")

    def flow(self) -> pd.DataFrame:
        """The contact-to-plan funnel (see :func:`jtai_sim.results.metrics.flow`)."""
        return self.table("flow")

    def camhs(self) -> pd.DataFrame:
        """CAMHS referral outcomes (see :func:`jtai_sim.results.metrics.camhs_outcomes`)."""
        return self.table("camhs_outcomes")

    def handoffs(self) -> pd.DataFrame:
        """Hand-offs by completeness per pathway (see :func:`jtai_sim.results.metrics.handoffs`)."""
        return self.table("handoffs")

    def equity(self, *, suppress: bool = True) -> pd.DataFrame:
        """Waits, clock breaches, CAMHS turn-aways, deterioration while waiting and lost
        hand-offs by group of children (sex, ethnic group, disability, special needs,
        deprivation, age band, legal status), with each group's ratio to the other children
        (see :mod:`jtai_sim.results.equity`): as an official table prints it, small counts
        suppressed, or every figure raw with ``suppress=False``. Computed once per run.
        """
        if self._equity is None:
            self._equity = _equity.equity_table(self.record, self.children)
        return _equity.published(self._equity) if suppress else self._equity.copy()

    def describe(self) -> dict[str, Any]:
        """What was run: scenario name, seed, replication, version, sizes and timings."""
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replication": self.replication,
            "version": self.version,
            "duration_days": self.duration_days,
            "warmup_days": self.warmup_days,
            "children": len(self._children),
            "events": len(self.log),
            "timings_seconds": dict(self.timings),
        }


def with_length(scenario: Scenario, days: float, *, keep_warmup: bool = True) -> Scenario:
    """``scenario`` lasting ``days``: its warm-up is kept if it still fits (and
    ``keep_warmup``), otherwise there is none. A bad length is a ScenarioError.

    >>> from jtai_sim import load_scenario
    >>> with_length(load_scenario("minimal"), 30).warmup_days
    0.0
    >>> with_length(load_scenario("minimal"), -5)
    Traceback (most recent call last):
    ...
    jtai_sim.errors.ScenarioError: days: must be > 0, got -5.0
    """
    fits = keep_warmup and scenario.warmup_days < days
    try:
        return attrs.evolve(
            scenario,
            duration_days=float(days),
            warmup_days=scenario.warmup_days if fits else 0.0,
        )
    except FieldError as exc:
        raise ScenarioError(exc.message, key="days") from None


def simulate(
    scenario: Scenario,
    *,
    seed: int | None = None,
    replication: int = 0,
    days: float | None = None,
    log_events: bool = True,
    progress: Callable[[float], None] | None = None,
) -> Run:
    """Run one replication of ``scenario`` and return its :class:`Run`.

    ``seed`` defaults to the scenario's; ``days`` overrides ``duration_days``
    (and keeps the warm-up if it still fits, else drops it). ``progress`` is
    called with the simulation clock as the run goes.
    """
    if days is not None:
        scenario = with_length(scenario, days)
    if seed is not None and seed < 0:
        raise ScenarioError(f"must be >= 0, got {seed}", key="seed")
    t0 = time.perf_counter()
    partnership = Partnership(scenario)
    calendar = calendar_for(scenario)
    engine = Engine(
        scenario,
        seed=seed,
        replication=replication,
        log_events=log_events,
        calendar=calendar,
        partnership=partnership,
    )
    t1 = time.perf_counter()
    engine.run(progress=progress)
    t2 = time.perf_counter()
    return Run(
        scenario,
        seed=engine.seed,
        replication=replication,
        log=engine.log,
        children=engine.children,
        calendar=calendar,
        timings={"build": t1 - t0, "simulate": t2 - t1},
    )
