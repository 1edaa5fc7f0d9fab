"""How the command line reports user mistakes: one line on stderr, exit code 2."""

from __future__ import annotations

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


@contextmanager
def noted_when_stopped(note: str) -> Iterator[None]:
    """If the block is stopped part-way (Ctrl-C, SIGTERM), end the stop's line with ``note``."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit) as exc:
        exc.add_note(note)
        raise


def stopped_line(how: str, exc: BaseException | None = None) -> str:
    """The one line said when a command is stopped part-way: ``how``, then any note.

    >>> stopped_line("by SIGTERM")
    'jtai-sim: stopped by SIGTERM'
    """
    notes = getattr(exc, "__notes__", []) if exc is not None else []
    return "; ".join([f"jtai-sim: stopped {how}", *notes])
