"""``jtai-sim validate`` (and, to come, ``run`` and ``graph``): single scenarios."""

from __future__ import annotations

import click

from jtai_sim import load_scenario
from runner.errors import user_errors


@click.command()
@click.argument("scenario")
def validate(scenario: str) -> None:
    """Check SCENARIO (a file, or a built-in name) and say what it holds."""
    with user_errors():
        loaded = load_scenario(scenario)
    click.echo(
        f"ok: {scenario}: {loaded.name}: {len(loaded.agencies)} agencies, "
        f"{len(loaded.pathways)} pathways, {len(loaded.demand)} demand streams, "
        f"{len(loaded.clocks)} clocks"
    )


COMMANDS = [validate]
