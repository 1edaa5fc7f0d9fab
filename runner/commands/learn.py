"""``jtai-sim learn`` and ``jtai-sim new``: a scenario from a partnership's own records,
or from its published figures.

``learn`` reads DATA (Annex A lists, an SSDA903 return, a CAMHS extract, a case list or a
folder written by ``jtai-sim run``, through :func:`jtai_sim.records.book.load_records`),
learns demand, pathways, services and capacity with
:func:`jtai_sim.learning.learn_scenario`, optionally back-tests it
(:mod:`jtai_sim.learning.backtest`), and writes the scenario TOML to ``--out`` all at
once or not at all. ``new`` calibrates Midshire's structure to a profile
(:mod:`jtai_sim.learning.profile`). Bad options and bad records print one line and exit
with code 2.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from runner.errors import OneLineCommand, UserError, user_errors
from runner.options import check_seed_option

F = TypeVar("F", bound=Callable[..., Any])

_STAFF = re.compile(r"([A-Za-z0-9_-]+)=([0-9]+)")


def parse_staff(values: tuple[str, ...]) -> dict[str, int]:
    """``("camhs=12",)`` as ``{"camhs": 12}``; a malformed value is a :class:`UserError`.

    >>> parse_staff(("desk=3", "team=10"))
    {'desk': 3, 'team': 10}
    """
    staff: dict[str, int] = {}
    for text in values:
        match = _STAFF.fullmatch(text.strip())
        if match is None or int(match.group(2)) < 1:
            raise UserError(
                f"--staff: must be AGENCY=N with N a whole number of at least 1, got {text!r}"
            )
        if match.group(1) in staff:
            raise UserError(f"--staff: agency {match.group(1)!r} given twice, got {text!r}")
        staff[match.group(1)] = int(match.group(2))
    return staff


def _no_capacity(what: str) -> Callable[[F], F]:
    """The ``--no-capacity`` option of a command that writes a ``what`` scenario."""
    return click.option(
        "--no-capacity",
        "check_capacity",
        flag_value=False,
        default=True,
        help=f"Do not simulate the {what} scenario once more to check each agency's load "
        "against its places.",
    )


@click.command("learn", cls=OneLineCommand, short_help="Learn a scenario from own records.")
@click.argument("data")
@click.option("--out", "out", required=True, metavar="SCENARIO.toml", help="File to write.")
@click.option(
    "--children",
    type=click.IntRange(min=1),
    default=None,
    help="Children living in the area (not in the records).  [default: Midshire's, "
    "marked as a default in the file, with a warning]",
)
@click.option(
    "--staff",
    multiple=True,
    metavar="AGENCY=N",
    help="Workforce of an agency (repeat for several): its caseload is then learned.",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Learn only from events on or before this date.",
)
@click.option(
    "--check",
    "check",
    is_flag=True,
    help="Also back-test: learn on the first two thirds of the records, simulate the last "
    "third from the state at the cut and compare waits, arrivals, caseloads and clocks (writes "
    "OUT-check.html and OUT-check.csv beside --out).",
)
@click.option(
    "--replications",
    type=click.IntRange(2, 1000),
    default=10,
    show_default=True,
    metavar="R",
    help="Simulations of the last third in the back-test.",
)
@_no_capacity("learned")
def learn(
    data: str,
    out: str,
    children: int | None,
    staff: tuple[str, ...],
    until: dt.datetime | None,
    check: bool,
    replications: int,
    check_capacity: bool,
) -> None:
    """Learn a scenario from DATA (the area's records: Annex A lists, an SSDA903 return, a
    CAMHS extract, a case list, or a folder written by jtai-sim run) and write it to --out.

    Arrivals, pathways, information on hand-offs, service times and caseload places are
    fitted; waits are not (they are what a back-test checks). Each learned value has its
    sample size and 95% interval in a comment, and values the records cannot give are
    Midshire's, marked '# default'. The learned scenario is then simulated once and each
    agency whose waiting list cannot settle (or nearly) is named, with the staff that would
    settle it (--no-capacity to skip). See docs/learning.md.
    """
    from jtai_sim.atomic import check_file, write_file
    from jtai_sim.learning import learn_scenario, read_case_book
    from jtai_sim.learning.backtest import back_test

    given = parse_staff(staff)
    with user_errors():
        check_file(out, make_parents=True)
        book = read_case_book(data)
        if children is None:
            from jtai_sim.learning.learn import midshire

            n = midshire().children
        else:
            n = children
        learned = learn_scenario(
            book,
            children=n,
            until=until.date() if until is not None else None,
            staff=given,
            children_default=children is None,
        )
        # the back-test runs before anything is written, so a failure leaves nothing
        tested = (
            back_test(book, children=n, staff=given, replications=replications) if check else None
        )
        target = write_file(out, learned.toml, make_parents=True)
    if children is None:
        click.echo(
            f"warning: --children not given: used Midshire's {n} (marked as a default "
            "in the file); rates per 10,000 children depend on it",
            err=True,
        )
    s = learned.scenario
    click.echo(
        f"wrote {target}: {len(s.demand)} demand streams, {len(s.agencies)} agencies, "
        f"{len(s.pathways)} pathways from {len(book.events)} event rows"
    )
    if check_capacity:
        from runner.commands.simulation import report_capacity

        report_capacity(s, seed=None, table=False)
    if tested is not None:
        _write_back_test(tested, Path(target))


def _write_back_test(result: Any, target: Path) -> None:
    """Write the back-test's page and table beside the learned scenario, and say where
    the model and the records disagree."""
    from jtai_sim.atomic import write_file
    from jtai_sim.learning.backtest import back_test_page

    replications = result.replications
    stem = target.with_suffix("")
    page = write_file(stem.parent / f"{stem.name}-check.html", back_test_page(result, stem.name))
    table = write_file(
        stem.parent / f"{stem.name}-check.csv",
        result.table.to_csv(index=False, float_format="%.6g"),
    )
    off = result.disagreements
    for row in off.itertuples():
        click.echo(
            f"back-test: {row.agency}, {row.measure}: {row.verdict} (records {row.records:.4g}, "
            f"simulated {row.simulated:.4g})"
        )
    click.echo(
        f"back-test from {result.cut:%d/%m/%Y} to {result.end:%d/%m/%Y}, {replications} runs: "
        f"agrees on {len(result.table) - len(off)} of {len(result.table)} rows; wrote {page} "
        f"and {table}"
    )


@click.command("new", cls=OneLineCommand, short_help="A scenario from published figures.")
@click.option(
    "--profile",
    "profile_file",
    required=True,
    metavar="FILE",
    help="The area's published figures (TOML; see scenarios/profiles/README.md).",
)
@click.option("--out", "out", required=True, metavar="SCENARIO.toml", help="File to write.")
@click.option(
    "--replications",
    type=click.IntRange(2, 100),
    default=3,
    show_default=True,
    metavar="R",
    help="Replications of the calibration table.",
)
@click.option(
    "--seed",
    type=int,
    callback=check_seed_option,
    metavar="S",
    help="Root seed of the calibration runs.  [default: Midshire's]",
)
@_no_capacity("calibrated")
def new(
    profile_file: str, out: str, replications: int, seed: int | None, check_capacity: bool
) -> None:
    """Write a scenario for an area from its published figures (--profile): Midshire's
    structure with its children, staff and caseloads scaled to the area, calibrated to
    each figure given, and staffed so each agency is as full as Midshire's.

    Prints the calibration table (the figure, the simulated value with its 95% interval,
    and what calibration moved to meet it) and writes it beside --out as
    OUT-calibration.csv. An area twice Midshire's size took 114 s of CPU
    (scenarios/profiles/westshire.toml). See docs/learning.md.
    """
    from jtai_sim.atomic import check_file, write_file
    from jtai_sim.learning.profile import calibration_text, read_profile, scenario_from_profile

    with user_errors():
        check_file(out, make_parents=True)
        profile = read_profile(profile_file)
        calibrated = scenario_from_profile(profile, replications=replications, seed=seed)
    target = Path(out)
    stem = target.with_suffix("")
    table_file = stem.parent / f"{stem.name}-calibration.csv"
    written = write_file(target, calibrated.toml, make_parents=True)
    write_file(table_file, calibrated.table.to_csv(index=False, float_format="%.6g"))
    click.echo(calibration_text(calibrated.table))
    met = int(calibrated.table["within_tolerance"].sum())
    click.echo(
        f"wrote {written} and {table_file}: {met} of {len(calibrated.table)} figures within "
        "their tolerance"
    )
    if check_capacity:
        from runner.commands.simulation import report_capacity

        report_capacity(calibrated.scenario, seed=seed, table=False)


COMMANDS: list[click.Command] = [learn, new]

__all__ = ["COMMANDS", "learn", "new", "parse_staff"]
