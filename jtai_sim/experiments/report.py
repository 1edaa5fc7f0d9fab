"""The comparison report: one offline HTML file with inline SVG charts.

It says what was run (scenario, hashes, seed, replications, run length, warm-up,
version), leads with the headlines (:mod:`jtai_sim.experiments.headlines`: the few
metrics the variant's changes bear on, ranked by effect against interval), then a
plain-language sentence per key metric and variant, each key
metric per variant with its 95% interval, the paired differences from the base
(with the unpaired interval beside them, to show what common random numbers
bought), waiting-time distributions, breach rates per statutory clock, every
metric in a table, and the STRESS-DES reporting checklist with where each item
is answered. No script, font or style is fetched from anywhere: the page works
offline, and the same results give the same bytes.

>>> import tempfile
>>> from pathlib import Path
>>> from jtai_sim import load_scenario
>>> from jtai_sim.experiments import Experiment, Variant
>>> exp = Experiment(load_scenario("scenarios/single_desk.toml"),
...                  (Variant.from_sets("four", ["agencies.desk.staff=4"], label="Four staff"),),
...                  replications=3, days=400)
>>> with tempfile.TemporaryDirectory() as out:
...     page = write_report(exp.run(), Path(out) / "report.html")
...     text = page.read_text()
>>> "Four staff cuts the mean wait for The desk" in text, "<script" in text
(True, False)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from jtai_sim.atomic import write_file
from jtai_sim.results import censored
from jtai_sim.results.registry import why_missing

from . import stats
from .headlines import headlines, notes
from .naming import describe, format_value, split
from .plots import breach_chart, distribution_chart, interval_chart
from .results import Results

_TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The STRESS-DES checklist (Monks et al., 2019): item, what it asks, where it is answered.
STRESS_DES: tuple[tuple[str, str, str], ...] = (
    (
        "1.1",
        "Purpose of the model",
        "Scenario description (below, 'What was run') and the scenario file's opening comment",
    ),
    (
        "1.2",
        "Model outputs",
        "'Key metrics' and 'All metrics' in this report; metric definitions in "
        "jtai_sim/results/metrics.py",
    ),
    (
        "1.3",
        "Experimentation aims",
        "The variants table in 'What was run': each variant is the base with the overrides listed",
    ),
    ("2.1", "Base model overview diagram", "`jtai-sim graph SCENARIO` draws the partnership"),
    (
        "2.2",
        "Base model logic",
        "The scenario file and scenarios/README.md (demand, agencies, pathways, clocks)",
    ),
    ("2.3", "Scenario logic", "The overrides of each variant, in 'What was run'"),
    (
        "2.4",
        "Algorithms",
        "Waiting lists by urgency then arrival; routing by pathway "
        "probability; see the scenario file",
    ),
    ("2.5.1", "Entities", "Children, created at their identifying agency by the demand streams"),
    ("2.5.2", "Activities", "Each agency's service distribution in the scenario file"),
    ("2.5.3", "Resources", "Each agency's staff and caseload in the scenario file"),
    ("2.5.4", "Queues", "One waiting list per agency, urgent children first"),
    (
        "2.5.5",
        "Entry and exit points",
        "Demand streams (entry); leaving the partnership from any agency (exit)",
    ),
    ("3.1", "Data sources", "The scenario file's comments and docs/domain sources"),
    ("3.2", "Pre-processing", "None in this report; rates are per 10,000 children"),
    (
        "3.3",
        "Input parameters",
        "The resolved scenario of each variant is kept in the "
        "result store (table 'scenarios') under the hash shown",
    ),
    ("3.4", "Assumptions", "The scenario file's comments"),
    (
        "4.1",
        "Initialisation",
        "Runs start empty; the warm-up shown in 'What was run' is "
        "left out of every statistic (`jtai-sim warmup` suggests one by MSER-5)",
    ),
    ("4.2", "Run length", "'What was run': run length and warm-up in days"),
    (
        "4.3",
        "Estimation approach",
        "Independent replications, 95% Student t intervals kept within each metric's bounds "
        "(log scale for times and counts, logit scale for shares); variants paired by "
        "replication (common random numbers); waits also by Kaplan-Meier, counting "
        "children still waiting as censored",
    ),
    ("5.1", "Software", "jtai-sim (version in 'What was run'), Python, SimPy"),
    (
        "5.2",
        "Random sampling",
        "numpy PCG64 streams from SeedSequence(seed, "
        "spawn_key=(replication, purpose)); one stream per purpose",
    ),
    (
        "5.3",
        "Model execution",
        "Discrete-event simulation (SimPy), one process per child journey step",
    ),
    (
        "5.4",
        "System specification",
        "Not recorded in the report (timings are in the result store, table 'runs')",
    ),
    (
        "6.1",
        "Computer model sharing statement",
        "jtai-sim is open source; the scenario and the result store reproduce every number here",
    ),
)


def _num(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    if unit == "share":
        return f"{100 * value:.1f}%"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _diff(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞"
    if unit == "share":
        return f"{100 * value:+.1f} pp"
    return f"{value:+,.3g}"


def report_context(results: Results) -> dict[str, Any]:
    """Everything the template shows, as plain values."""
    base = results.base
    scenario = base.scenario
    keys = results.key_metrics()  # a chosen metric no replication measured says why
    leading = headlines(results)
    summary = results.summary(keys)
    diffs = results.differences(keys)
    titles = {v.name: v.title for v in results.variants}
    metrics: list[dict[str, Any]] = []
    for key in keys:
        info = describe(key, scenario)
        rows = summary[summary["metric"] == key]
        d = diffs[diffs["metric"] == key]
        group, _, stat = split(key)
        per_variant = [
            {
                "variant": titles[r.variant],
                "n": int(r.n),
                "mean": _num(r.mean, info.unit) if r.n else "no value",
                "interval": f"{_num(r.low, info.unit)} to {_num(r.high, info.unit)}"
                if r.n
                else why_missing(group, stat),
            }
            for r in rows.itertuples()
        ]
        differences = [
            {
                "variant": titles[r.variant],
                "n": int(r.n),
                "difference": _diff(r.difference, info.unit),
                "low": _diff(r.low, info.unit),
                "high": _diff(r.high, info.unit),
                "unpaired_low": _diff(r.unpaired_low, info.unit),
                "unpaired_high": _diff(r.unpaired_high, info.unit),
                "narrower": (
                    f"{r.unpaired_half_width / r.half_width:.1f}x"
                    if r.half_width > 0 and math.isfinite(r.unpaired_half_width)
                    else "n/a"
                ),
            }
            for r in d.itertuples()
        ]
        title = info.phrase[0].upper() + info.phrase[1:]
        unit = "%" if info.unit == "share" else info.unit
        metrics.append(
            {
                "key": key,
                "title": title,
                "unit": unit,
                "per_variant": per_variant,
                "differences": differences,
                "chart": interval_chart(
                    [titles[v] for v in rows["variant"]],
                    rows["mean"].tolist(),
                    rows["low"].tolist(),
                    rows["high"].tolist(),
                    title=title,
                    unit=info.unit,
                    prefix=f"metric{len(metrics)}",
                ),
                "diff_chart": interval_chart(
                    [titles[v] for v in d["variant"]],
                    d["difference"].tolist(),
                    d["low"].tolist(),
                    d["high"].tolist(),
                    title=f"{title}: difference from {base.title}",
                    unit=info.unit,
                    zero_line=True,
                    prefix=f"difference{len(metrics)}",
                )
                if len(d)
                else "",
                "sentences": [results.sentence(key, v.name) for v in results.variants[1:]],
            }
        )
    return {
        "title": str(results.settings.get("name") or scenario.name),
        "settings": _settings(results),
        "variants": [
            {
                "name": v.name,
                "label": v.title,
                "hash": v.scenario_hash[:12],
                "overrides": list(v.overrides) or ["(unchanged scenario)"],
                "replications": results.replications(v.name),
            }
            for v in results.variants
        ],
        "sentences": [h.sentence for h in leading],
        "notes": notes(results, leading),
        "metrics": metrics,
        "waits": _waits(results, keys),
        "breaches": _breaches(results),
        "all_metrics": _all_metrics(results),
        "equity": _equity(results),
        "stress": [{"item": i, "name": n, "where": w} for i, n, w in STRESS_DES],
        "warnings": results.warnings(),
        "censored_method": censored.METHOD,
        "description": scenario.description,
    }


def _settings(results: Results) -> list[tuple[str, str]]:
    s = results.settings
    base = results.base
    rows = [
        ("Scenario", f"{base.scenario.name}" + (f" ({s['source']})" if s.get("source") else "")),
        ("Base scenario hash (SHA-256)", base.scenario_hash),
        ("Root seed", str(s.get("seed"))),
        (
            "Replications per variant",
            ", ".join(sorted({str(results.replications(v.name)) for v in results.variants})),
        ),
        ("Run length", f"{float(s.get('duration_days', base.scenario.duration_days)):g} days"),
        (
            "Warm-up (left out of statistics)",
            f"{float(s.get('warmup_days', base.scenario.warmup_days)):g} days",
        ),
        ("Intervals", stats.BOUNDED_METHOD),
        ("Waits counting those still waiting", censored.METHOD),
        ("jtai-sim version", str(s.get("version"))),
    ]
    if s.get("precision"):
        rows.append(
            (
                "Precision target",
                f"half-width within {100 * float(s['precision']):g}% "
                f"of the mean for {', '.join(s.get('metrics') or [])} "
                f"(at most {s.get('max_replications')} replications)",
            )
        )
    return rows


def _waits(results: Results, keys: list[str]) -> list[dict[str, str]]:
    agencies = [split(k)[1] for k in keys if k.startswith("wait.")]
    if not agencies:
        agencies = sorted(results.waits["agency"].unique().tolist())[:4]
    out: list[dict[str, str]] = []
    for agency in dict.fromkeys(agencies):
        wide = results.wait_distribution(agency)
        if wide.empty:
            continue
        titles = {v.name: v.title for v in results.variants}
        series = {titles[c]: wide[c].tolist() for c in wide.columns}
        label = results.base.scenario.agencies[agency].label or agency
        out.append(
            {
                "agency": label,
                "chart": distribution_chart(
                    wide.index.tolist(),
                    series,
                    title=f"Waits for {label} (mean quantiles over replications)",
                    prefix=f"waits{len(out)}",
                ),
            }
        )
    return out


def _breaches(results: Results) -> dict[str, Any] | None:
    clocks = list(results.base.scenario.clocks)
    keys = [f"clock.{c}.breach_share" for c in clocks]
    present = set(results.metric_keys())
    clocks = [c for c, k in zip(clocks, keys, strict=True) if k in present]
    if not clocks:
        return None
    names = results.names
    means = np.full((len(clocks), len(names)), np.nan)
    lows, highs = means.copy(), means.copy()
    rows = []
    summary = results.summary([f"clock.{c}.breach_share" for c in clocks])
    for i, clock in enumerate(clocks):
        label = results.base.scenario.clocks[clock].label
        cells = []
        for j, name in enumerate(names):
            r = summary[
                (summary["metric"] == f"clock.{clock}.breach_share") & (summary["variant"] == name)
            ].iloc[0]
            means[i, j], lows[i, j], highs[i, j] = r["mean"], r["low"], r["high"]
            cells.append(
                f"{format_value(r['mean'], 'share')} "
                f"({_num(r['low'], 'share')} to {_num(r['high'], 'share')})"
            )
        rows.append({"clock": label, "cells": cells})
    titles = [v.title for v in results.variants]
    labels = [results.base.scenario.clocks[c].label for c in clocks]
    return {
        "chart": breach_chart(labels, titles, means, lows, highs),
        "rows": rows,
        "variants": titles,
    }


#: The equity measures the comparison report shows per group: waits and turn-aways.
EQUITY_MEASURES: tuple[str, ...] = (
    "camhs_wait",
    "social_care_wait",
    "camhs_rejected",
    "camhs_turned_away",
)


def _equity(results: Results) -> list[dict[str, Any]]:
    """Per variant and group of children, the paired difference in each waiting and
    turn-away measure (rows only for an experiment run with ``equity``)."""
    from jtai_sim.results.equity import CHARACTERISTICS, MEASURES, group_label

    from .equity import equity_differences

    table = equity_differences(results, EQUITY_MEASURES)
    table = table[table["statistic"] == "rate"]
    titles = {v.name: v.title for v in results.variants}
    rows = []
    for r in table.itertuples():
        unit = "days" if MEASURES[str(r.measure)].unit == "days" else "share"
        rows.append(
            {
                "variant": titles[str(r.variant)],
                "characteristic": CHARACTERISTICS[str(r.characteristic)],
                "group": group_label(str(r.characteristic), str(r.group)),
                "measure": MEASURES[str(r.measure)].label,
                "base": _num(float(r.base_mean), unit),
                "value": _num(float(r.variant_mean), unit),
                "difference": _diff(float(r.difference), unit),
                "low": _diff(float(r.low), unit),
                "high": _diff(float(r.high), unit),
                "clear": bool(r.low > 0 or r.high < 0),
            }
        )
    return rows


def _all_metrics(results: Results) -> dict[str, Any]:
    summary = results.summary()
    # the per-group metrics have their own section
    summary = summary[~summary["metric"].str.startswith("equity.")]
    titles = [v.title for v in results.variants]
    rows = []
    for key, group in summary.groupby("metric", sort=True):
        unit = describe(str(key), results.base.scenario).unit
        by = {r.variant: r for r in group.itertuples()}
        g, _, stat = split(str(key))
        cells = []
        for n in results.names:
            r = by.get(n)
            if r is None or not r.n:
                cells.append(f"no value: {why_missing(g, stat)}")
            else:
                cells.append(f"{_num(r.mean, unit)} ({_num(r.low, unit)} to {_num(r.high, unit)})")
        rows.append({"key": key, "cells": cells})
    return {"variants": titles, "rows": rows}


def render_report(results: Results) -> str:
    """The report as HTML text."""
    from jtai_sim.results.report import environment

    template = environment(_TEMPLATES).get_template("compare.html.j2")
    return template.render(**report_context(results))


def write_report(results: Results, path: str | Path) -> Path:
    """Write the report to ``path`` (a file, or a folder to hold ``report.html``)."""
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        target = target / "report.html"
    return write_file(target, render_report(results), key="--report", make_parents=True)


__all__ = ["STRESS_DES", "render_report", "report_context", "write_report"]
