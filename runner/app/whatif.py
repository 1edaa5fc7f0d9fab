"""One what-if run in the background: the base and one variant, with progress and cancel.

:func:`experiment_for` builds the same :class:`~jtai_sim.experiments.Experiment`
``jtai-sim compare BASE VARIANT.toml --replications R --seed S --days D`` builds,
so the app's numbers are the command line's. :class:`BackgroundRun` runs it on a
thread of the server, its replications in one worker process of their own
(spawned, so nothing of the server's threads is copied into it): the thread
counts each replication as it finishes, per variant, and :meth:`BackgroundRun.cancel`
ends the worker process at once, so a long replication does not run on.

Each browser session holds its own runs; nothing here is shared between them.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

import attrs

if TYPE_CHECKING:
    from jtai_sim.experiments import Experiment, Results, Variant
    from jtai_sim.scenario.model import Scenario

P = ParamSpec("P")
T = TypeVar("T")

State = Literal["running", "done", "cancelled", "failed"]


def experiment_for(
    scenario: Scenario,
    source: str,
    variant: Variant,
    *,
    replications: int,
    seed: int | None,
    days: float | None,
) -> Experiment:
    """The experiment ``jtai-sim compare`` makes of the same base, variant and settings."""
    from jtai_sim.experiments import Experiment

    return Experiment(
        scenario,
        (variant,),
        name=scenario.name,
        replications=replications,
        seed=seed,
        days=days,
        source=source,
    )


class _Counting(Executor):
    """An executor that hands work to ``inner`` and reports each task that finishes well."""

    def __init__(self, inner: Executor, finished: Callable[[Any], None]) -> None:
        self.inner = inner
        self.finished = finished

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = self.inner.submit(fn, *args, **kwargs)
        task = args[0] if args else None

        def done(f: Future[T]) -> None:
            if not f.cancelled() and f.exception() is None:
                self.finished(task)

        future.add_done_callback(done)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


@attrs.define
class Snapshot:
    """What a run has done so far, for the progress bar."""

    state: State
    finished: dict[str, int]
    total: int
    message: str = ""

    @property
    def done(self) -> int:
        """Replications finished, over every variant."""
        return sum(self.finished.values())


class BackgroundRun:
    """An experiment running on a thread, its replications in a worker process."""

    def __init__(self, experiment: Experiment) -> None:
        infos = experiment.resolve()  # refuses bad settings here, before any thread starts
        experiment.budget(infos)  # and a job past the budget's limits, as compare does
        self.experiment = experiment
        self.titles = {i.scenario_hash: i.title for i in infos}
        self.order = [i.title for i in infos]
        self.total = len(infos) * experiment.replications
        self.results: Results | None = None
        self._lock = threading.Lock()
        self._finished: dict[str, int] = dict.fromkeys(self.order, 0)
        self._state: State = "running"
        self._message = ""
        self._cancel = threading.Event()
        self._pool: ProcessPoolExecutor | None = None
        self._thread = threading.Thread(target=self._work, name="what-if", daemon=True)
        self._thread.start()

    def _count(self, task: Any) -> None:
        title = self.titles.get(getattr(task, "scenario_hash", ""), "")
        with self._lock:
            self._finished[title] = self._finished.get(title, 0) + 1

    def _work(self) -> None:
        try:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                with self._lock:
                    self._pool = pool
                if self._cancel.is_set():
                    raise InterruptedError("cancelled")
                results = self.experiment.run(executor=_Counting(pool, self._count))
            self._end("done", "", results)
        except Exception as exc:  # the run's own errors, and the end of a cancelled one
            if self._cancel.is_set():
                self._end("cancelled", "cancelled: the worker was stopped", None)
            else:
                self._end("failed", str(exc) or type(exc).__name__, None)

    def _end(self, state: State, message: str, results: Results | None) -> None:
        with self._lock:
            self.results = results
            self._message = message
            self._state = state
            self._pool = None

    def cancel(self) -> None:
        """Stop the run now: pending replications are dropped and the worker is ended."""
        from jtai_sim.experiments.executors import _stop_workers

        self._cancel.set()
        with self._lock:
            pool = self._pool
        if pool is not None:
            _stop_workers(pool)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the run's thread to end (for tests and shutdown)."""
        self._thread.join(timeout)

    def snapshot(self) -> Snapshot:
        """The run's state and the replications finished per variant, consistently read."""
        with self._lock:
            return Snapshot(self._state, dict(self._finished), self.total, self._message)


__all__ = ["BackgroundRun", "Snapshot", "experiment_for"]
