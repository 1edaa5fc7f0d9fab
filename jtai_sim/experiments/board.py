"""The one-page board summary of a comparison (see :mod:`jtai_sim.results.board`).

Its findings are the comparison's headlines (:mod:`jtai_sim.experiments.headlines`):
with one variant, its first five; with more, the strongest headline of each variant
(by effect against interval), five at most. Its caveats are the comparison's
warnings, shortened to fit (:func:`jtai_sim.results.board.short_caveats`), and the
notes on means that move the other way from the headline waits.

>>> import tempfile
>>> from jtai_sim import load_scenario
>>> from jtai_sim.experiments import Experiment, Variant
>>> exp = Experiment(load_scenario("scenarios/single_desk.toml"),
...                  (Variant.from_sets("four", ["agencies.desk.staff=4"], label="Four staff"),),
...                  replications=3, days=400)
>>> board = comparison_board(exp.run())
>>> board.findings[0].startswith("Four staff cuts the restricted mean wait for The desk")
True
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

from jtai_sim.results.board import MOST_FINDINGS, Board, short_caveats, write_board

from .headlines import Headline, headlines, notes
from .naming import format_range, format_value
from .results import Results

#: The most variants the board lists one per line, with their overrides (a grid has more).
MOST_LISTED = 4


def _strength(h: Headline) -> float:
    return h.score if math.isfinite(h.score) else (1e300 if h.score > 0 else -1.0)


def comparison_board(results: Results) -> Board:
    """The board of a comparison: what was run, its headlines and its caveats."""
    s = results.settings
    base = results.base
    variants = results.variants[1:]
    what: list[tuple[str, str]] = [
        ("Scenario", base.scenario.name + (f" ({s['source']})" if s.get("source") else "")),
        ("Base scenario hash (SHA-256)", base.scenario_hash[:16]),
    ]
    if len(variants) <= MOST_LISTED:
        for v in variants:
            what.append((f"Variant: {v.title}", "; ".join(v.overrides) or "(unchanged scenario)"))
    else:  # a grid: its cells named, as far as a line or two holds them
        names = ", ".join(v.title for v in variants)
        what.append(("Variants", textwrap.shorten(f"{len(variants)}: {names}", 240)))
    reps = sorted({results.replications(v.name) for v in results.variants})
    duration = float(s.get("duration_days", base.scenario.duration_days))
    warmup = float(s.get("warmup_days", base.scenario.warmup_days))
    what += [
        (
            "Replications",
            f"{', '.join(map(str, reps))} per variant, paired by their random numbers",
        ),
        (
            "Run length",
            f"{duration:g} days, the first {warmup:g} days a warm-up left out of every figure",
        ),
        ("Seed", str(s.get("seed"))),
        ("jtai-sim version", str(s.get("version"))),
    ]
    if not variants:
        return Board(
            str(s.get("name") or base.scenario.name),
            tuple(what),
            _base_findings(results),
            short_caveats(results.warnings()),
        )
    leading = headlines(results)
    if len(variants) <= 1:
        findings = leading[:MOST_FINDINGS]
    else:
        best: dict[str, Headline] = {}
        for h in leading:
            if h.variant not in best or _strength(h) > _strength(best[h.variant]):
                best[h.variant] = h
        findings = sorted(best.values(), key=lambda h: -_strength(h))[:MOST_FINDINGS]
    caveats = list(notes(results, findings))
    if len(variants) > len(findings):
        more = len(variants) - len(findings)
        caveats.append(
            f"{more} more variant{' is' if more == 1 else 's are'} compared in the full report"
        )
    caveats += results.warnings()
    return Board(
        str(s.get("name") or base.scenario.name),
        tuple(what),
        tuple(h.sentence for h in findings),
        short_caveats(caveats),
    )


def _base_findings(results: Results) -> tuple[str, ...]:
    """Replications of the base alone: its most-breached clocks and longest waits counting
    those still waiting, each with its 95% interval over the replications."""
    scenario = results.base.scenario
    present = set(results.metric_keys())
    clocks = [f"clock.{c}.breach_share" for c in scenario.clocks]
    waits = [
        f"wait.{a}.restricted_mean_days"
        for a in scenario.agencies
        if f"wait.{a}.restricted_mean_days" in present
    ]
    summary = results.summary([k for k in clocks + waits if k in present])
    summary = summary[summary["n"] > 0]
    out: list[str] = []
    worst = summary[summary["metric"].isin(clocks) & (summary["mean"] > 0)]
    for r in worst.sort_values(["mean", "metric"], ascending=[False, True]).head(3).itertuples():
        label = scenario.clocks[str(r.metric).split(".")[1]].label
        out.append(
            f"'{label}' was breached for {format_value(r.mean, 'share')} of the clocks that "
            f"stopped or ran out "
            f"(95% CI {format_range(r.low, r.high, 'share')}, {int(r.n)} replications)."
        )
    longest = summary[summary["metric"].isin(waits) & (summary["mean"] >= 1.0)]
    for r in longest.sort_values(["mean", "metric"], ascending=[False, True]).head(2).itertuples():
        agency = str(r.metric).split(".")[1]
        label = scenario.agencies[agency].label or agency
        out.append(
            f"The wait for {label}, counting those still waiting, averaged "
            f"{format_value(r.mean, 'days')} over its first year (restricted mean, "
            f"Kaplan-Meier; 95% CI {format_range(r.low, r.high, 'days')})."
        )
    return tuple(out)


def write_comparison_board(results: Results, folder: str | Path) -> tuple[Path, Path]:
    """Write the comparison's ``summary.html`` and ``summary.md`` into ``folder``."""
    return write_board(comparison_board(results), folder)


__all__ = ["comparison_board", "write_comparison_board"]
