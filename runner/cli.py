"""The ``jtai-sim`` command line: one group, a module per family of subcommands.

The command modules import their libraries inside the commands, so ``jtai-sim
--help``, any ``COMMAND --help`` and ``validate`` load neither the engine nor
pandas, scipy, matplotlib or DuckDB.

A user mistake (a bad scenario, a bad option value) prints one line naming the
file, the key and the value, and exits with code 2, leaving nothing half written.

>>> from click.testing import CliRunner
>>> result = CliRunner().invoke(cli, ["validate", "scenarios/minimal.toml"])
>>> result.exit_code, result.output.split(":")[0]
(0, 'ok')
"""

from __future__ import annotations

import sys

import click

from runner.commands import experiments, mock_week, simulation
from runner.errors import user_errors


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

    Every command takes a scenario file or the name of a built-in scenario
    (midshire, minimal, jackson, single_desk). Scenario keys are documented in
    scenarios/README.md; each command's options in its --help and in docs/.
    """


for module in (simulation, experiments, mock_week):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    """Entry point of the ``jtai-sim`` script."""
    with user_errors():
        cli.main(standalone_mode=True)
    sys.exit(0)  # pragma: no cover
