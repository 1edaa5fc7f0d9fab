"""One mock week in the background: the command's pipeline in a worker process.

:func:`run_week` does what ``jtai-sim mock-week`` does with the same options: it
loads the theme, the inspection settings and the absences with the command's
own readers, runs the week through the command's own ``run_mock_week`` (the simulation
or the case list, the selection, the findings, the letter and the timetable),
and writes the pack with :func:`~runner.mockweek.pipeline.write_pack`.

:class:`BackgroundWeek` runs it in a spawned process of its own, so Cancel ends
it at once, even in the middle of the simulation or the timetable solver. A
thread of the server reads the worker's progress lines and its answer (a
:class:`~runner.app.weekview.WeekView`, or the one line of a mistake) from a
queue. Each browser session holds its own weeks; nothing here is shared.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import attrs

from runner.app.weekform import WeekRequest
from runner.app.weekview import WeekView

State = Literal["running", "done", "cancelled", "failed"]

#: The steps a week goes through, for the progress bar: the run (or reading the
#: records), the selection, the timetable and writing the pack.
STEPS = 4


def run_week(request: WeekRequest, out: Path, progress: Callable[[str], None]) -> WeekView:
    """Run the mock week ``request`` asks for and write its pack into ``out``."""
    from jtai_sim.errors import InfeasibleTimetable
    from jtai_sim.inspection.theme import load_theme
    from runner.commands.mock_week import run_mock_week
    from runner.errors import UserError
    from runner.mockweek.absences import read_absences
    from runner.mockweek.pipeline import write_pack
    from runner.mockweek.settings import load_settings, theme_settings

    root = request.workspace
    theme = load_theme(request.theme)
    settings_path = root / request.settings_file if request.settings_file else None
    settings = load_settings(settings_path, base=theme_settings(theme))
    rows = read_absences(root / request.absences_file) if request.absences_file else None
    try:
        week = run_mock_week(
            _scenario_of(request),
            root / request.cases if request.cases is not None else None,
            request.notification,
            request.seed,
            settings,
            theme,
            rows,
            request.absences_file or "absences.csv",
            0,
            progress,
        )
    except InfeasibleTimetable as exc:
        raise UserError(f"no timetable fits this week: {'; '.join(exc.reasons)}") from None
    progress("writing the pack")
    files = write_pack(week, out, force=True)
    from runner.app.weekview import week_view

    return week_view(week, tuple(str(f) for f in files))


def _scenario_of(request: WeekRequest) -> str | None:
    """The scenario as ``run_mock_week`` takes it: a built-in's name, or the file in the
    workspace."""
    if request.scenario is None:
        return None
    file = request.workspace / request.scenario
    return str(file) if request.scenario.endswith(".toml") else request.scenario


def error_line(exc: BaseException, workspace: Path | None = None) -> str:
    """The one line the page shows for what stopped a week (no traceback).

    Files in ``workspace`` are named from it, as the command run there names them.
    """
    from click import ClickException

    from jtai_sim.errors import JtaiError

    if isinstance(exc, ClickException):
        line = exc.format_message()
    elif isinstance(exc, JtaiError):
        line = str(exc)
    else:
        text = str(exc).strip().splitlines()
        line = f"the mock week stopped: {type(exc).__name__}" + (f": {text[0]}" if text else "")
    line = " ".join(line.split())
    return line.replace(f"{workspace}/", "") if workspace is not None else line


def _worker(request: WeekRequest, out: Path, answers: Any) -> None:
    """The worker process: progress lines, then ``("done", view)`` or ``("failed", line)``."""
    try:
        view = run_week(request, out, lambda line: answers.put(("progress", line)))
    except BaseException as exc:  # everything ends as one line on the page
        answers.put(("failed", error_line(exc, request.workspace)))
        return
    answers.put(("done", view))


@attrs.frozen
class WeekSnapshot:
    """How far a week has got, for the progress bar."""

    state: State
    steps: tuple[str, ...]
    message: str
    seconds: float
    view: WeekView | None = None

    @property
    def done(self) -> int:
        """Steps finished, at most :data:`STEPS`."""
        return STEPS if self.state == "done" else min(len(self.steps), STEPS - 1)


class BackgroundWeek:
    """A mock week running in a worker process of its own, written into ``out``."""

    def __init__(self, request: WeekRequest, out: Path) -> None:
        self.request = request
        self.out = out
        context = multiprocessing.get_context("spawn")
        self._answers: Any = context.Queue()
        self._process = context.Process(
            target=_worker, args=(request, out, self._answers), name="mock-week", daemon=True
        )
        self._lock = threading.Lock()
        self._state: State = "running"
        self._steps: list[str] = []
        self._message = ""
        self._view: WeekView | None = None
        self._started = time.monotonic()
        self._ended: float | None = None
        self._cancel = threading.Event()
        self._process.start()
        self._thread = threading.Thread(target=self._listen, name="mock-week", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while True:
            try:
                kind, value = self._answers.get(timeout=0.2)
            except queues.Empty:
                if self._cancel.is_set() or not self._process.is_alive():
                    self._process.join(5)
                    if self._cancel.is_set():
                        self._end("cancelled", "cancelled: the worker was stopped")
                    else:
                        code = self._process.exitcode
                        self._end("failed", f"the mock week stopped (worker exit code {code})")
                    return
                continue
            if kind == "progress":
                with self._lock:
                    self._steps.append(str(value))
                continue
            if kind == "done":
                with self._lock:
                    self._view = value
                self._end("done", "")
            else:
                self._end("failed", str(value))
            self._process.join(10)
            return

    def _end(self, state: State, message: str) -> None:
        with self._lock:
            if self._state == "running":
                self._state = state
                self._message = message
                self._ended = time.monotonic()

    def cancel(self) -> None:
        """Stop the week now: the worker process is ended, whatever it is doing."""
        self._cancel.set()
        if self._process.is_alive():
            self._process.terminate()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the week's listening thread to end (for tests and shutdown)."""
        self._thread.join(timeout)

    def snapshot(self) -> WeekSnapshot:
        """The week's state, its progress lines and, when done, its view."""
        with self._lock:
            end = self._ended if self._ended is not None else time.monotonic()
            return WeekSnapshot(
                self._state, tuple(self._steps), self._message, end - self._started, self._view
            )


__all__ = ["STEPS", "BackgroundWeek", "WeekSnapshot", "error_line", "run_week"]
