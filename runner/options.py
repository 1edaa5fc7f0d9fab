"""Options and option values more than one command shares."""

from __future__ import annotations

import click

from runner.errors import UserError

#: ``--allow-large``: lift the soft limits of :mod:`jtai_sim.budget` (never the hard ones).
allow_large_option = click.option(
    "--allow-large",
    is_flag=True,
    help="Start a job bigger than the soft limits (estimated events, runs, hours); "
    "the memory this machine has is still a limit.",
)


def run_length(years: float | None, days: float | None) -> float | None:
    """The run length ``--years`` or ``--days`` asks for, in days, within the scenario's range."""
    from jtai_sim.scenario.model import DAYS_PER_YEAR, MAX_DAYS

    if years is not None and days is not None:
        raise UserError("--years and --days: give one or the other, not both")
    if years is not None:
        if not 0 < years <= MAX_DAYS / DAYS_PER_YEAR:
            raise UserError(f"--years: must be more than 0 and at most 100, got {years:g}")
        return years * DAYS_PER_YEAR
    if days is not None and not 0 < days <= MAX_DAYS:
        raise UserError(f"--days: must be more than 0 and at most {MAX_DAYS:,}, got {days:g}")
    return days


def check_seed_option(
    _ctx: click.Context, _param: click.Parameter, value: int | None
) -> int | None:
    """``--seed``: refused as the options are read unless a scenario could have it as its
    ``seed`` (0 to 15 digits: the one rule, :data:`jtai_sim.scenario.model.SEED`)."""
    if value is None:
        return None
    from jtai_sim.scenario.model import SEED

    if not SEED.holds(value):
        raise click.BadParameter(f"{SEED.refusal(value)}, got {value}")
    return value
