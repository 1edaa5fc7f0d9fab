"""What the app's background jobs (a what-if, a mock week) share on the page: a Cancel
button that stops the running one, and a status that asks it how far it has got.

A job is anything with ``cancel()`` and ``snapshot()``, whose snapshot has a ``state``
(``running`` while it works); :class:`~runner.app.whatif.BackgroundRun` and
:class:`~runner.app.weekrun.BackgroundWeek` are the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from shiny import reactive

#: How often the page asks a running job how far it has got, in seconds.
POLL_SECONDS = 0.5

S = TypeVar("S", covariant=True)


class Job(Protocol[S]):
    """A job running in the background for one browser session."""

    def cancel(self) -> None: ...

    def snapshot(self) -> S: ...


J = TypeVar("J", bound=Job[Any])


def job_status(
    running: reactive.Value[J | None], cancel: Callable[[], Any], say: Callable[[str], None]
) -> Callable[[], Any]:
    """Make the job controls of one tab: pressing ``cancel`` (the tab's Cancel input)
    stops the running job, and the returned reactive status gives the running job's
    snapshot (asking again every :data:`POLL_SECONDS` while it runs), or ``None``."""

    @reactive.effect
    @reactive.event(cancel)
    def _cancel() -> None:
        current = running.get()
        if current is None or current.snapshot().state != "running":
            say("Nothing is running.")
            return
        current.cancel()
        say("Cancelling: the worker is being stopped.")

    @reactive.calc
    def status() -> Any:
        current = running.get()
        if current is None:
            return None
        snap = current.snapshot()
        if snap.state == "running":
            reactive.invalidate_later(POLL_SECONDS)
        return snap

    return cast(Callable[[], Any], status)


def cancel_on_end(running: reactive.Value[J | None]) -> J | None:
    """Cancel the browser session's running job, if any (when the browser session
    ends), and give it back so the caller can wait for it."""
    with reactive.isolate():
        current = running.get()
    if current is not None:
        current.cancel()
    return current


__all__ = ["POLL_SECONDS", "Job", "cancel_on_end", "job_status"]
