"""The results of an experiment as tables: per replication, per variant, and differences.

:class:`Results` holds one value per (variant, replication, metric) and the
wait quantiles of every run; everything else is computed from those:

* :meth:`Results.summary`: mean and 95% t interval per variant and metric;
* :meth:`Results.differences`: each variant minus the base, paired by
  replication (common random numbers), with the unpaired Welch interval beside
  it so the gain from pairing is visible;
* :meth:`Results.sentence`: the plain-language summary of one comparison.

The first variant is the base. Metrics are those of
:func:`jtai_sim.results.metrics.key_metrics`, plus ``clock.NAME.breach_share``
(breached over met-or-breached) for every clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

import attrs
import numpy as np
import pandas as pd

from jtai_sim.results import registry, trust
from jtai_sim.results.registry import statistic
from jtai_sim.scenario.model import Scenario

from . import stats
from .naming import describe, format_change, format_value, split
from .replicate import QUANTILES, ReplicationResult


@attrs.frozen
class VariantInfo:
    """One variant as run: name, label, resolved scenario, its hash and the overrides."""

    name: str
    label: str
    scenario: Scenario
    scenario_hash: str
    overrides: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The label, or the name."""
        return self.label or self.name


def with_breach_shares(metrics: Mapping[str, float]) -> dict[str, float]:
    """Add ``clock.X.breach_share`` for every clock with ``met`` and ``breached`` counts.

    >>> with_breach_shares({"clock.c.met": 3.0, "clock.c.breached": 1.0})["clock.c.breach_share"]
    0.25
    """
    out = dict(metrics)
    for key, met in metrics.items():
        if key.startswith("clock.") and key.endswith(".met"):
            stem = key[: -len(".met")]
            breached = metrics.get(stem + ".breached", math.nan)
            decided = met + breached
            out[stem + ".breach_share"] = breached / decided if decided > 0 else math.nan
    return out


#: The relative 95% half-width above which a key metric is warned of, when the experiment
#: sets no precision target of its own.
PRECISION = 0.10

#: Columns of :meth:`Results.summary`.
SUMMARY_COLUMNS = ("variant", "metric", "n", "mean", "sd", "half_width", "low", "high", "interval")


class Results:
    """Replication values of every variant of an experiment."""

    def __init__(
        self,
        variants: Sequence[VariantInfo],
        values: pd.DataFrame,
        waits: pd.DataFrame,
        settings: Mapping[str, Any],
    ) -> None:
        self.variants = list(variants)
        self.values = values
        self.waits = waits
        self.settings = dict(settings)

    @classmethod
    def from_runs(
        cls,
        variants: Sequence[VariantInfo],
        runs: Mapping[str, Sequence[ReplicationResult]],
        settings: Mapping[str, Any],
    ) -> Results:
        """Build from each variant's replication results (keyed by variant name)."""
        rows: list[tuple[str, int, str, float]] = []
        wait_rows: list[tuple[str, int, str, float, float]] = []
        for info in variants:
            for result in sorted(runs.get(info.name, ()), key=lambda r: r.replication):
                metrics = with_breach_shares(result.metrics)
                rows += [(info.name, result.replication, k, v) for k, v in metrics.items()]
                for agency, days in result.waits.items():
                    wait_rows += [
                        (info.name, result.replication, agency, q, d)
                        for q, d in zip(QUANTILES, days, strict=True)
                    ]
        values = pd.DataFrame(rows, columns=["variant", "replication", "metric", "value"])
        waits = pd.DataFrame(
            wait_rows, columns=["variant", "replication", "agency", "quantile", "days"]
        )
        return cls(variants, values, waits, settings)

    # ------------------------------------------------------------------ basics

    @property
    def base(self) -> VariantInfo:
        """The base variant (the first)."""
        return self.variants[0]

    @property
    def names(self) -> list[str]:
        """Variant names in order."""
        return [v.name for v in self.variants]

    def info(self, name: str) -> VariantInfo:
        """The variant called ``name``."""
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)

    def replications(self, variant: str | None = None) -> int:
        """Replications finished (of one variant, or the fewest of any)."""
        counts = self.values.groupby("variant")["replication"].nunique()
        if variant is not None:
            return int(counts.get(variant, 0))
        return int(min((counts.get(n, 0) for n in self.names), default=0))

    def metric_keys(self) -> list[str]:
        """Every metric present, sorted."""
        return sorted(self.values["metric"].unique())

    def key_metrics(self) -> list[str]:
        """The metrics of interest: the headlines' (:mod:`jtai_sim.experiments.headlines`),
        then those chosen, else a default set for the scenario."""
        from .headlines import headlines  # headlines read these results

        leading = [h.metric for h in headlines(self)] if len(self.variants) > 1 else []
        chosen = list(self.settings.get("metrics") or [])
        rest = chosen or default_metrics(self.base.scenario, self.metric_keys(), self)
        return list(dict.fromkeys(leading + rest))

    @cached_property
    def _wide(self) -> dict[str, pd.DataFrame]:
        """Per metric, the replication x variant table (one pivot for all metrics)."""
        if self.values.empty:
            return {}
        wide = self.values.pivot_table(
            index=["metric", "replication"],
            columns="variant",
            values="value",
            aggfunc="first",
            dropna=False,
        )
        wide = wide.reindex(columns=[n for n in self.names if n in wide.columns])
        return {str(k): g.droplevel("metric") for k, g in wide.groupby(level="metric")}

    def table(self, metric: str) -> pd.DataFrame:
        """Replication x variant values of one metric (no rows if it was never measured)."""
        found = self._wide.get(metric)
        if found is None:
            return pd.DataFrame(columns=[n for n in self.names], dtype=float)
        return found

    # ------------------------------------------------------------------ tables

    def summary(self, metrics: Iterable[str] | None = None) -> pd.DataFrame:
        """Mean and 95% interval of each metric per variant.

        The interval respects the metric's bound (:func:`jtai_sim.experiments.stats.
        bounded_interval`): ``low`` and ``high`` never pass zero, nor a share past 1;
        ``half_width`` is the plain t half-width the precision rule reads, and
        ``interval`` names the method.
        """
        keys = list(metrics) if metrics is not None else self.metric_keys()
        rows = []
        for key in keys:
            wide = self.table(key)
            group, _, stat = split(key)
            entry = statistic(group, stat)
            bound = stats.bound_of(entry.unit) if entry else None
            for name in self.names:
                values = wide[name].to_numpy() if name in wide else np.array([])
                iv = stats.bounded_interval(values, bound)
                rows.append(
                    {
                        "variant": name,
                        "metric": key,
                        "n": iv.n,
                        "mean": iv.mean,
                        "sd": iv.sd,
                        "half_width": iv.half_width,
                        "low": iv.low,
                        "high": iv.high,
                        "interval": iv.method,
                    }
                )
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def differences(self, metrics: Iterable[str] | None = None) -> pd.DataFrame:
        """Each variant minus the base: paired (common random numbers) and unpaired intervals."""
        keys = list(metrics) if metrics is not None else self.metric_keys()
        base = self.base.name
        rows = []
        for key in keys:
            wide = self.table(key)
            if base not in wide:
                continue
            for name in self.names[1:]:
                if name not in wide:
                    continue
                pair = wide[[base, name]].dropna()
                paired = stats.paired_difference(pair[base].to_numpy(), pair[name].to_numpy())
                unpaired = stats.welch_difference(wide[base].to_numpy(), wide[name].to_numpy())
                rows.append(
                    {
                        "variant": name,
                        "metric": key,
                        "n": paired.n,
                        "base_mean": float(pair[base].mean()) if len(pair) else math.nan,
                        "variant_mean": float(pair[name].mean()) if len(pair) else math.nan,
                        "difference": paired.mean,
                        "low": paired.low,
                        "high": paired.high,
                        "half_width": paired.half_width,
                        "unpaired_low": unpaired.low,
                        "unpaired_high": unpaired.high,
                        "unpaired_half_width": unpaired.half_width,
                    }
                )
        return pd.DataFrame(
            rows,
            columns=[
                "variant",
                "metric",
                "n",
                "base_mean",
                "variant_mean",
                "difference",
                "low",
                "high",
                "half_width",
                "unpaired_low",
                "unpaired_high",
                "unpaired_half_width",
            ],
        )

    def wait_distribution(self, agency: str) -> pd.DataFrame:
        """Mean wait quantile per variant (averaged over replications): quantile x variant."""
        rows = self.waits[self.waits["agency"] == agency]
        if rows.empty:
            return pd.DataFrame()
        wide = rows.pivot_table(index="quantile", columns="variant", values="days", aggfunc="mean")
        return wide.reindex(columns=[n for n in self.names if n in wide.columns])

    # ------------------------------------------------------------------ warnings

    def warnings(self, precision: float | None = None) -> list[str]:
        """Plain lines on what these results cannot show (see :mod:`jtai_sim.results.trust`).

        The run's length against each clock and the restricted mean's horizon; per
        variant, agencies where most of the cohort is still waiting at the end (on the
        mean over replications) or whose list kept growing in at least half the
        replications; and key metrics whose 95% half-width is above ``precision`` of the
        mean (the experiment's precision target, else :data:`PRECISION`), or that have a
        value in only some replications (a median not reached in the others, say).
        """
        base = self.base.scenario
        duration = float(self.settings.get("duration_days") or base.duration_days)
        warmup = float(self.settings.get("warmup_days") or base.warmup_days)
        window = duration - warmup
        out = trust.short_for_clocks(base, window) + trust.short_for_horizon(window)
        stats_of = ("still_waiting_share", "growing_list_share")
        waits = self.values[self.values["metric"].str.startswith("wait.")]
        if len(waits):
            parts = waits["metric"].str.rpartition(".")
            waits = waits.assign(agency=parts[0].str.slice(5), stat=parts[2])
            waits = waits[waits["stat"].isin(stats_of)]
            means = waits.groupby(["variant", "agency", "stat"])["value"].mean()
            seen: dict[str, list[str]] = {}  # a line, and the variants it holds for
            for info in self.variants:
                if info.name not in means.index.get_level_values(0):
                    continue
                per = means.loc[info.name].unstack("stat")
                values = {str(a): dict(row.dropna()) for a, row in per.iterrows()}
                for line in trust.agency_warnings(info.scenario, values, replications=True):
                    seen.setdefault(line, []).append(info.title)
            for line, titles in seen.items():
                every = len(titles) == len(self.variants) > 1
                out.append(f"{'Every variant' if every else ', '.join(titles)}: {line}")
        threshold = precision or self.settings.get("precision") or PRECISION
        present = set(self.metric_keys())
        for key in self.key_metrics():
            if key not in present:
                group, _, stat = split(key)
                phrase = describe(key, base).phrase
                out.append(
                    f"{phrase[0].upper()}{phrase[1:]} ({key}) has no value in any "
                    f"replication: {registry.why_missing(group, stat)}"
                )
        keys = [k for k in self.key_metrics() if k in present]
        summary = self.summary(keys)
        for key in keys:
            rows = summary[summary["metric"] == key]
            ran = {v.name: self.replications(v.name) for v in self.variants}
            partial = [r for r in rows.itertuples() if 0 < int(r.n) < ran[str(r.variant)]]
            if partial:
                group, _, stat = split(key)
                counts = ", ".join(
                    f"{self.info(str(r.variant)).title} {int(r.n)} of {ran[str(r.variant)]}"
                    for r in partial
                )
                phrase = describe(key, base).phrase
                out.append(
                    f"{phrase[0].upper()}{phrase[1:]} ({key}) has a value in only some "
                    f"replications ({counts}): its mean is over those alone (in the others, "
                    f"{registry.why_missing(group, stat)})"
                )
            loose: list[tuple[str, float, int, int]] = []  # variant, width, n, needed
            for r in summary[summary["metric"] == key].itertuples():
                iv = stats.Interval(mean=r.mean, half_width=r.half_width, n=int(r.n), sd=r.sd)
                if iv.n and not stats.precise_enough(iv, threshold):
                    needed = stats.replications_needed(iv, threshold)
                    loose.append(
                        (self.info(str(r.variant)).title, iv.relative_half_width, iv.n, needed)
                    )
            if not loose:
                continue
            widths = [w for _, w, _, _ in loose]
            size = (
                "infinite"
                if any(math.isinf(w) for w in widths)
                else f"{min(widths):.0%} of the mean"
                if len(widths) == 1
                else f"{min(widths):.0%} to {max(widths):.0%} of the mean"
            )
            where = loose[0][0] if len(loose) == 1 else f"{len(loose)} variants"
            fewest, needed = min(v[2] for v in loose), max(v[3] for v in loose)
            phrase = describe(key, base).phrase
            out.append(
                f"{phrase[0].upper()}{phrase[1:]} ({key}) is not precise enough in {where}: its "
                f"95% half-width is {size}, above {threshold:.0%}, from {fewest} "
                f"replications; about {needed} would be needed"
            )
        return out

    # ------------------------------------------------------------------ words

    def sentence(self, metric: str, variant: str) -> str:
        """One plain-language sentence comparing ``variant`` with the base on ``metric``."""
        info = describe(metric, self.base.scenario)
        diff = self.differences([metric])
        row = diff[diff["variant"] == variant]
        title = self.info(variant).title
        if row.empty or row["n"].iloc[0] < 2:
            return f"{title}: too few replications to compare {info.phrase}."
        r = row.iloc[0]
        was, now = (
            format_value(r["base_mean"], info.unit),
            format_value(r["variant_mean"], info.unit),
        )
        low, high = float(r["low"]), float(r["high"])
        if low == high == 0.0:
            return f"{title} leaves {info.phrase} unchanged ({was} in every replication pair)."
        level = f"95% CI {_ends(low, high, info.unit)}"
        if low > 0 or high < 0:
            verb = "raises" if low > 0 else "cuts"
            return f"{title} {verb} {info.phrase} from {was} to {now} ({level})."
        return f"{title} makes no clear difference to {info.phrase} ({was} against {now}; {level})."


def _ends(low: float, high: float, unit: str) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "not available"
    down, up = ("shorter", "longer") if unit in _TIME_UNITS else ("lower", "higher")
    if high < 0:
        return f"{_bare(-high, unit)} to {format_change(low, unit)} {down}"
    if low > 0:
        return f"{_bare(low, unit)} to {format_change(high, unit)} {up}"
    return f"{format_change(low, unit)} {down} to {format_change(high, unit)} {up}"


_TIME_UNITS = ("days", "working days", "weeks", "hours")


def _bare(value: float, unit: str) -> str:
    """A change without its unit (for the first end of a range)."""
    if unit == "share":
        return f"{100 * abs(value):.1f}"
    text = format_value(abs(value), unit)
    return text[: -len(unit)].strip() if unit and text.endswith(unit) else text


def default_metrics(
    scenario: Scenario, present: Sequence[str], results: Results | None = None
) -> list[str]:
    """A sensible default set: CAMHS waits, the longest queues (with their restricted mean
    wait counting those still waiting, where at least 5% are), every clock, deterioration."""
    have = set(present)
    keys: list[str] = [k for k in ("camhs.camhs.mean_wait_to_support_days",) if k in have]
    queues = [
        f"wait.{a}.mean_days"
        for a, spec in scenario.agencies.items()
        if spec.servers is not None and f"wait.{a}.mean_days" in have
    ]
    if results is not None and queues:
        base = results.values[
            (results.values["variant"] == results.base.name) & results.values["metric"].isin(queues)
        ]
        order = base.groupby("metric")["value"].mean().sort_values(ascending=False)
        queues = [k for k in order.index if order[k] > 0][:6] or queues[:6]
    keys += queues[:6]
    if results is not None:
        # where children are still waiting at the end, the censoring-aware wait beside it
        for key in queues[:6]:
            stem = key[: -len(".mean_days")]
            held = results.values[
                (results.values["variant"] == results.base.name)
                & (results.values["metric"] == stem + ".still_waiting_share")
            ]
            if (
                len(held)
                and held["value"].mean() >= 0.05
                and stem + ".restricted_mean_days" in have
            ):
                keys.append(stem + ".restricted_mean_days")
    keys += [
        f"clock.{c}.breach_share" for c in scenario.clocks if f"clock.{c}.breach_share" in have
    ]
    mental = [k for k in present if k.startswith("mental_health.")]
    if results is not None and mental:
        seen = results.values[results.values["metric"].isin(mental)]
        nonzero = set(seen.loc[seen["value"] != 0, "metric"])
        mental = [k for k in mental if k in nonzero]
    keys += mental
    return list(dict.fromkeys(keys))


__all__ = [
    "PRECISION",
    "SUMMARY_COLUMNS",
    "Results",
    "VariantInfo",
    "default_metrics",
    "with_breach_shares",
]
