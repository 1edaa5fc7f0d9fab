"""How the command line reports user mistakes: one line on stderr, exit code 2."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from jtai_sim.errors import InputError, JtaiError


class UserError(click.ClickException, JtaiError, ValueError):
    """A mistake in what the user gave us; click prints it and exits with code 2.

    It is a :class:`~jtai_sim.errors.JtaiError` and a ``ValueError`` like every
    other input mistake (the tree is drawn in :mod:`jtai_sim.errors`).
    """

    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"jtai-sim: error: {self.format_message()}", err=True)


class OneLineCommand(click.Command):
    """A command whose option and argument mistakes print one line and exit with 2
    (click's own usage errors run to three lines)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise UserError(
                f"{self.name}: {exc.format_message()} (see jtai-sim {self.name} --help)"
            ) from None


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn library input errors raised inside the block into :class:`UserError`."""
    try:
        yield
    except InputError as exc:
        raise UserError(str(exc)) from None
    except UserError:
        raise
    except JtaiError as exc:
        click.echo(f"jtai-sim: error: {exc}", err=True)
        sys.exit(1)


#: The signal that stopped the running command, once one has (Ctrl-C's SIGINT, or SIGTERM).
_STOPPED_BY: list[signal.Signals] = []


def stop_on(signum: int, _frame: object) -> None:
    """The handler of SIGINT and SIGTERM: remember the signal and unwind the command, as
    Ctrl-C does, so half-written folders and stores are cleaned up on the way out
    (``KeyboardInterrupt`` for SIGINT; ``SystemExit``, which no ``except Exception``
    stops, for SIGTERM). A second signal of the kind acts at once, as it would unhandled."""
    again = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
    signal.signal(signum, again)
    _STOPPED_BY.append(signal.Signals(signum))
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def stopped_by() -> signal.Signals | None:
    """The signal that stopped the command, if one has."""
    return _STOPPED_BY[0] if _STOPPED_BY else None


@contextmanager
def noted_when_stopped(note: str) -> Iterator[None]:
    """If the block is stopped part-way (Ctrl-C, SIGTERM), end the stop's line with ``note``.

    Whatever the block raises once a stop signal came counts: a library may turn the
    interruption into an error of its own (DuckDB's "Query interrupted").
    """
    try:
        yield
    except BaseException as exc:
        if stopped_by() is not None or isinstance(exc, KeyboardInterrupt):
            exc.add_note(note)
        raise


def stopped_line(stop: signal.Signals, exc: BaseException | None = None) -> str:
    """The one line said when a command is stopped part-way, with any notes on ``exc``
    or on the exceptions it came from.

    >>> stopped_line(signal.SIGTERM)
    'jtai-sim: stopped by SIGTERM'
    """
    how = "Ctrl-C" if stop == signal.SIGINT else stop.name
    notes: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        notes += [n for n in getattr(exc, "__notes__", []) if n not in notes]
        exc = exc.__cause__ or exc.__context__
    return "; ".join([f"jtai-sim: stopped by {how}", *notes])
