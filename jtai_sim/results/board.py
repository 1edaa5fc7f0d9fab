"""The one-page board summary of a run or a comparison: HTML for one A4 page, and Markdown.

A board paper has room for one page: what was run (scenario, variants, replications,
run length, seed, version), three to five findings in words, each with its interval,
and the caveats (the warnings of :mod:`jtai_sim.results.trust`, and what a model of
this kind cannot know). :class:`Board` holds those; :func:`board_html` and
:func:`board_markdown` write it out; :func:`run_board` builds it for one run (the
clocks most breached, each with a Wilson interval on its share, and the longest
waits counting those still waiting). The comparison's board is built by
:func:`jtai_sim.experiments.board.comparison_board` from its headlines.

The HTML has its style inline and fetches nothing (no script, font or image), and
prints to one A4 page; the same board gives the same bytes.

>>> b = Board("Midshire", (("Scenario", "Midshire"),), ("A finding.",), ("A caveat.",))
>>> "<script" in board_html(b), board_markdown(b).splitlines()[0]
(False, '# Midshire: board summary')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from jtai_sim.atomic import write_file

if TYPE_CHECKING:
    from jtai_sim.results.report import RunTables, ScenarioSource
    from jtai_sim.simulation.run import Run

_TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The board summary's file names in a result or experiment folder.
HTML_FILE, MARKDOWN_FILE = "summary.html", "summary.md"

#: The most findings and caveats a board shows (more would not fit one page).
MOST_FINDINGS, MOST_CAVEATS = 5, 6

#: What a model of this kind cannot know, said on every board.
LIMITS = (
    "The model knows only what its scenario file says: the demand, staffing, service times "
    "and pathways entered there (each figure names its source; assumptions are marked). Its "
    "figures are as good as those inputs.",
    "It cannot see the quality of practice, what children and families experience, or how "
    "they fare after a service ends; an inspection judges those from case files and "
    "conversations.",
    "Its intervals measure the model's own chance variation, not the uncertainty in the inputs.",
)

#: Said on a single run's board: one run has no run-to-run interval.
ONE_RUN = (
    "This is one run: its waits vary from run to run, and the clocks' intervals cover only "
    "the chance variation among this run's children. Run jtai-sim compare for intervals "
    "across replications."
)


@attrs.frozen
class Board:
    """A board summary: its title, what was run (label, value), findings and caveats."""

    title: str
    what: tuple[tuple[str, str], ...]
    findings: tuple[str, ...]
    caveats: tuple[str, ...]
    limits: tuple[str, ...] = LIMITS


def board_html(board: Board) -> str:
    """The board as a self-contained HTML page that prints to one A4 page."""
    from jtai_sim.results.report import environment

    template = environment(_TEMPLATES).get_template("board.html.j2")
    return template.render(board=board)


def board_markdown(board: Board) -> str:
    """The board as Markdown."""
    lines = [f"# {board.title}: board summary", "", "## What was run", ""]
    lines += [f"- **{label}:** {value}" for label, value in board.what]
    lines += ["", "## Findings", ""]
    lines += [f"{i}. {text}" for i, text in enumerate(board.findings, 1)]
    if not board.findings:
        lines.append("No findings: nothing was measured after the warm-up.")
    lines += ["", "## Caveats", ""]
    lines += [f"- {text}" for text in (*board.caveats, *board.limits)]
    return "\n".join(lines) + "\n"


def write_board(board: Board, folder: str | Path) -> tuple[Path, Path]:
    """Write ``summary.html`` and ``summary.md`` into ``folder``, each all at once."""
    target = Path(folder)
    html = write_file(target / HTML_FILE, board_html(board), make_parents=True)
    markdown = write_file(target / MARKDOWN_FILE, board_markdown(board), make_parents=True)
    return html, markdown


def wilson(successes: float, trials: float, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score 95% interval of a share (Wilson, 1927).

    >>> [round(x, 3) for x in wilson(10, 100)]
    [0.055, 0.174]
    """
    if trials <= 0:
        return math.nan, math.nan
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    half /= 1 + z * z / trials
    return max(0.0, centre - half), min(1.0, centre + half)


def short_caveats(lines: Sequence[str], most: int = MOST_CAVEATS) -> tuple[str, ...]:
    """The warnings that fit a board: precision warnings folded into one line, and at
    most ``most`` lines, the last saying how many more the full report has."""
    loose = [x for x in lines if "is not precise enough" in x or "only some replications" in x]
    kept = [x for x in lines if x not in loose]
    if loose:
        kept.append(
            f"{len(loose)} of the metrics are less precise than the target or have no value in "
            "some replications; more replications would narrow them (the report lists them)"
        )
    if len(kept) > most:
        more = len(kept) - most + 1
        kept = [*kept[: most - 1], f"{more} more warnings are in the full report"]
    return tuple(x if x.endswith(".") else x + "." for x in kept)


def _share(value: float) -> str:
    return f"{100 * value:.1f}%"


def run_board(run: Run, tables: RunTables, source: ScenarioSource) -> Board:
    """The board of one run: the clocks most breached and the longest waits counting
    those still waiting, with the run's warnings."""
    from jtai_sim.results import trust

    scenario = run.scenario
    end = run.calendar.date_of(run.duration_days - 1e-9)
    start = scenario.start_date
    what = (
        ("Scenario", scenario.name + (f" ({source.file})" if source.file else "")),
        ("Scenario hash (SHA-256)", source.sha256[:16]),
        ("Run", "one run (one replication)"),
        (
            "Run length",
            f"{run.duration_days:g} days ({start.isoformat()} to {end.isoformat()}), the first "
            f"{run.warmup_days:g} days a warm-up left out of every figure",
        ),
        ("Seed", str(run.seed)),
        ("Children who came to notice", f"{len(run.children):,}"),
        ("jtai-sim version", str(run.version)),
    )
    findings: list[str] = []
    clocks = [r for r in tables.clocks.to_dict("records") if r["met"] + r["breached"] > 0]
    clocks = [r for r in clocks if r["breached"] > 0]
    clocks.sort(key=lambda r: (-(r["breached"] / (r["met"] + r["breached"])), str(r["clock"])))
    for r in clocks[: MOST_FINDINGS - 2]:
        decided = r["met"] + r["breached"]
        low, high = wilson(r["breached"], decided)
        findings.append(
            f"'{r['label']}' was breached for {_share(r['breached'] / decided)} of the "
            f"{int(decided):,} children whose clock stopped or ran out (95% interval "
            f"{_share(low)} to {_share(high)})."
        )
    names = {k: (a.label or k) for k, a in scenario.agencies.items()}
    waits = [
        r
        for r in tables.censored_waits.to_dict("records")
        if isinstance(r.get("restricted_mean_days"), float)
        and math.isfinite(r["restricted_mean_days"])
        and r["restricted_mean_days"] >= 1.0
    ]
    waits.sort(key=lambda r: (-r["restricted_mean_days"], str(r["agency"])))
    for r in waits[: MOST_FINDINGS - len(findings)]:
        agency = str(r["agency"])
        held = r.get("still_waiting_share") or 0.0
        split = ""
        if scenario.prioritises(agency) and _finite(r.get("urgent_restricted_mean_days")):
            split = (
                f"; urgent referrals {r['urgent_restricted_mean_days']:.1f} days, routine "
                f"{r['routine_restricted_mean_days']:.1f} days"
            )
        findings.append(
            f"The wait for {names.get(agency, agency)}, counting the {_share(held)} of "
            f"referrals still waiting at the end, averaged {r['restricted_mean_days']:.1f} days "
            f"over the first {r['horizon_days']:g} days (restricted mean, Kaplan-Meier){split}."
        )
    caveats = short_caveats(trust.run_warnings(run.record, tables.censored_waits))
    return Board(scenario.name, what, tuple(findings), (*caveats, ONE_RUN))


def _finite(value: object) -> bool:
    return isinstance(value, float) and math.isfinite(value)


__all__ = [
    "HTML_FILE",
    "LIMITS",
    "MARKDOWN_FILE",
    "Board",
    "board_html",
    "board_markdown",
    "run_board",
    "short_caveats",
    "wilson",
    "write_board",
]
