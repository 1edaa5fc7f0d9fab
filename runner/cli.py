"""The ``jtai-sim`` command line: one group, a module per family of subcommands.

The command modules import their libraries inside the commands, so ``jtai-sim
--help``, any ``COMMAND --help`` and ``validate`` load neither the engine nor
pandas, scipy or DuckDB.

A user mistake (a bad scenario, a bad option value) prints one line naming the
file, the key and the value, and exits with code 2, leaving nothing half written.

>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(cli, ["validate", "scenarios/minimal.toml"])
>>> result.exit_code, result.output.split(":")[0]
(0, 'ok')
"""

from __future__ import annotations

import os
import signal
import sys
from typing import NoReturn

import click

from jtai_sim.errors import one_line, os_reason
from runner.commands import app, experiments, learn, mock_week, simulation
from runner.errors import UserError, stop_on, stopped_by, stopped_line, user_errors


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: look the version up only when it is asked for."""
    if not value or ctx.resilient_parsing:
        return
    import jtai_sim

    click.echo(f"jtai-sim, version {jtai_sim.__version__}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Simulate a children's services partnership and rehearse a joint targeted
    area inspection (JTAI): the front door by default, or another theme.

    \b
    Start with:
      jtai-sim validate midshire                      check a scenario file
      jtai-sim run midshire --years 2                 simulate and write a report
      jtai-sim graph midshire                         draw the partnership
      jtai-sim mock-week midshire --notify 2025-06-03 rehearse a JTAI week
      jtai-sim themes                                 list the inspection themes
      jtai-sim compare midshire --set agencies.camhs_community.staff+=3
                                                      what if? with intervals
      jtai-sim app                                    the planner's web app

    Every command takes a scenario file or the name of a built-in scenario
    (midshire, minimal, jackson, single_desk). Scenario keys are documented in
    scenarios/README.md; each command's options in its --help and in docs/.
    """


for module in (simulation, experiments, mock_week, learn, app):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    """Entry point of the ``jtai-sim`` script: every failure ends in one line on stderr.

    A user mistake, or a condition of the machine the user can fix (a folder that
    cannot be written, a full disk, too many open files, too little memory),
    exits with code 2; an interruption (Ctrl-C, SIGTERM) with 130 or 143, after
    the command has removed what it had half written; anything else is a fault of
    ours, said in one line with code 1 (set ``JTAI_SIM_TRACEBACK=1`` to see where).
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_on)
    try:
        with user_errors():
            code = cli.main(standalone_mode=False)
    except BaseException as exc:
        _end(exc)
    sys.exit(code if isinstance(code, int) else 0)


def _end(exc: BaseException) -> NoReturn:
    """Say in one line how the command ended on ``exc``, and exit with its code."""
    stop = stopped_by()
    if stop is not None:  # whatever was raised while the command unwound from the stop
        click.echo(stopped_line(stop, exc), err=True)
        sys.exit(128 + stop)
    if isinstance(exc, SystemExit):
        raise exc
    if isinstance(exc, click.ClickException):
        _fail(usage_line(exc), exc.exit_code)
    if isinstance(exc, OSError):
        _fail(f"error: {os_error_line(exc)}", 2)
    if isinstance(exc, MemoryError):
        _fail("error: ran out of memory; try a shorter run, fewer --jobs or --replications", 2)
    if isinstance(exc, Exception) and not os.environ.get("JTAI_SIM_TRACEBACK"):
        # a fault of ours: one line, the traceback on request
        _fail(f"internal error: {type(exc).__name__}: {one_line(str(exc))} (please report it)", 1)
    raise exc


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"jtai-sim: {message}", err=True)
    sys.exit(code)


def usage_line(exc: click.ClickException) -> str:
    """One line for a click exception (click's own usage errors run to three)."""
    if isinstance(exc, UserError):
        return f"error: {exc.format_message()}"
    if isinstance(exc, click.UsageError):
        return f"error: {one_line(exc.format_message())} (see jtai-sim --help)"
    return f"error: {one_line(exc.format_message())}"


def os_error_line(exc: OSError) -> str:
    """One line for what the operating system refused: the file, the reason, what to do."""
    where = f"{exc.filename}: " if exc.filename else ""
    return one_line(f"{where}{os_reason(exc)}")
