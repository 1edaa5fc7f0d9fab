"""Headlines: the few comparisons that answer the question a variant asks.

A variant changes some agencies (their staff, service, caseload, the pathways into
them, the demand that arrives at them); its headlines are chosen from the metrics
those changes bear on, in three tiers:

1. **waits at the changed agencies**: where a list takes urgent referrals first, the
   urgent and the routine waits apart (a mean that mixes the two never leads), each
   counting the children still waiting at the end (the restricted mean of
   :mod:`jtai_sim.results.censored`, else the Kaplan-Meier median) in preference to
   the mean over those who started;
2. **their outcomes**: the share of CAMHS referrals supported where a CAMHS agency
   changed (first: it is what a change to CAMHS is for), then the breach share of every
   clock that stops at a changed agency (or that the variant itself changes);
3. **downstream**: the same waits at agencies the changed ones refer on to (their
   descendants in the partnership graph, :func:`jtai_sim.scenario.partnership.build_graph`),
   only where the difference is clear (its 95% interval leaves out zero) and at least
   :data:`MATERIAL` of the base value.

A variant whose change bears on no agency or clock leads with the default key metrics
whose difference is clear, ranked. Within a tier, metrics are ranked by their
effect against its interval: the
paired difference over its 95% half-width. At most :data:`MOST` lead; an experiment
can name its own (``headline = [...]``), and those lead instead, in the order given.
Everything else stays in the full tables.

>>> from jtai_sim import load_scenario
>>> from jtai_sim.experiments import Experiment, Variant
>>> exp = Experiment(load_scenario("scenarios/single_desk.toml"),
...                  (Variant.from_sets("four", ["agencies.desk.staff=4"], label="Four staff"),),
...                  replications=3, days=400)
>>> [h.metric for h in headlines(exp.run())][:1]
['wait.desk.restricted_mean_days']
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence

import attrs

from jtai_sim.scenario.model import Scenario

from .naming import describe, format_value
from .results import Results

#: The most headlines a comparison leads with (per variant).
MOST = 5

#: The smallest change a downstream metric needs, as a share of the base value, to lead.
MATERIAL = 0.05

#: Agency kinds whose change bears on the CAMHS pathway's outcomes (``camhs.camhs.*``).
_CAMHS_KINDS = ("camhs_spa", "camhs_community")

#: The CAMHS pathway's outcome shown among a CAMHS change's headlines.
_CAMHS_OUTCOMES = ("camhs.camhs.supported_share",)

#: Means over those who started that can move the other way from the wait counting
#: those still waiting, and the agency kind whose wait to set them beside.
_STARTED_ONLY = {"camhs.camhs.mean_wait_to_support_days": "camhs_community"}


@attrs.frozen
class Headline:
    """One headline: the metric, the variant, the sentence and why it leads.

    ``score`` is the paired difference over its 95% half-width (infinite when every
    pair differs by the same amount, nan when it cannot be computed); ``tier`` is
    ``chosen``, ``changed``, ``outcome``, ``downstream`` or ``ranked`` (a change bearing
    on no agency or clock: the default key metrics with a clear difference, ranked).
    """

    metric: str
    variant: str
    sentence: str
    score: float
    tier: str
    clear: bool


def changed_agencies(base: Scenario, variant: Scenario) -> list[str]:
    """Agencies ``variant`` changes from ``base``: their own settings, the pathways into
    them, or the demand that arrives at them (in the base's order).

    >>> from jtai_sim import load_scenario
    >>> from jtai_sim.experiments import Variant
    >>> s = load_scenario("scenarios/minimal.toml")
    >>> changed_agencies(s, Variant.from_sets("v", ["agencies.camhs.staff+=1"]).apply(s))
    ['camhs']
    """
    out: list[str] = []
    for name in base.agencies:
        if variant.agencies.get(name) != base.agencies[name]:
            out.append(name)
    before: dict[tuple[str, str], list[object]] = {}
    after: dict[tuple[str, str], list[object]] = {}
    for table, pathways in ((before, base.pathways), (after, variant.pathways)):
        for p in pathways:
            table.setdefault((p.source, p.to), []).append(p)
    for edge in sorted(set(before) | set(after)):
        if before.get(edge) != after.get(edge):
            out.append(edge[1])
    for name, stream in base.demand.items():
        other = variant.demand.get(name)
        if other != stream:
            out.append(stream.agency)
    return [a for a in dict.fromkeys(out) if a in variant.agencies]


def downstream(scenario: Scenario, agencies: Sequence[str]) -> list[str]:
    """Agencies children reach from ``agencies`` along the partnership's pathways."""
    import networkx as nx

    from jtai_sim.scenario.partnership import build_graph

    graph = build_graph(scenario)
    found: set[str] = set()
    for agency in agencies:
        if agency in graph:
            found |= nx.descendants(graph, agency)
    return [a for a in scenario.agencies if a in found and a not in agencies]


def wait_metrics(results: Results, agency: str) -> list[str]:
    """The waits that lead for ``agency``: urgent and routine apart where its list
    prioritises, each counting those still waiting where that was measured."""
    present = set(results.metric_keys())
    stem = f"wait.{agency}."

    def best(prefix: str) -> str | None:
        for stat in ("restricted_mean_days", "km_median_days", "mean_days"):
            key = f"{stem}{prefix}{stat}"
            if key in present and _measured(results, key):
                return key
        return None

    urgent, routine = best("urgent_"), best("routine_")
    if urgent and routine:
        return [routine, urgent]
    overall = best("")
    return [overall] if overall else []


def _measured(results: Results, key: str) -> bool:
    """Whether ``key`` has a value in some replication of the base."""
    table = results.table(key)
    base = results.base.name
    return base in table and bool(table[base].notna().any())


def _outcomes(results: Results, scenario: Scenario, agencies: Sequence[str]) -> list[str]:
    present = set(results.metric_keys())
    keys: list[str] = []
    if any(scenario.agencies[a].kind in _CAMHS_KINDS for a in agencies):
        keys += [k for k in _CAMHS_OUTCOMES if k in present]
    for name, clock in scenario.clocks.items():
        key = f"clock.{name}.breach_share"
        if key in present and set(clock.stop.agency) & set(agencies):
            keys.append(key)
    return keys


def _score(results: Results, key: str, variant: str) -> tuple[float, bool, float]:
    """Effect against interval, whether it is clear, and the change relative to the base."""
    diff = results.differences([key])
    row = diff[diff["variant"] == variant]
    if row.empty or int(row["n"].iloc[0]) < 2:
        return math.nan, False, math.nan
    r = row.iloc[0]
    d, hw, low, high = (float(r[c]) for c in ("difference", "half_width", "low", "high"))
    clear = low > 0 or high < 0
    if hw > 0:
        score = abs(d) / hw
    else:
        score = math.inf if d != 0 else 0.0
        clear = d != 0
    base = float(r["base_mean"])
    relative = abs(d) / abs(base) if base else (math.inf if d else 0.0)
    return score, clear, relative


def _rank(results: Results, keys: Sequence[str], variant: str) -> list[tuple[str, float, bool]]:
    scored = [(k, *_score(results, k, variant)[:2]) for k in dict.fromkeys(keys)]
    return sorted(scored, key=lambda t: -(t[1] if math.isfinite(t[1]) else 1e300 * (t[1] > 0)))


#: Headlines already chosen, per results object (the report, the tables, the warnings and
#: the board all ask for them).
_CHOSEN: weakref.WeakKeyDictionary[Results, dict[tuple[str, int], list[Headline]]] = (
    weakref.WeakKeyDictionary()
)


def headlines(results: Results, variant: str | None = None, most: int = MOST) -> list[Headline]:
    """The headlines of ``variant`` (default: every variant but the base, in order)."""
    names = [variant] if variant else results.names[1:]
    known = _CHOSEN.setdefault(results, {})
    out: list[Headline] = []
    for name in names:
        if (name, most) not in known:
            known[name, most] = _headlines_of(results, name, most)
        out += known[name, most]
    return out


def _headlines_of(results: Results, name: str, most: int) -> list[Headline]:
    chosen = list(results.settings.get("headline") or [])
    base = results.base.scenario
    info = results.info(name)
    picked: list[tuple[str, float, bool, str]] = []
    if chosen:
        present = set(results.metric_keys())
        for key in chosen:
            if key in present:
                score, clear, _ = _score(results, key, name)
                picked.append((key, score, clear, "chosen"))
    else:
        changed = changed_agencies(base, info.scenario)
        waits = [k for a in changed for k in wait_metrics(results, a)]
        for key, score, clear in _rank(results, waits, name):
            picked.append((key, score, clear, "changed"))
        outcomes = _outcomes(results, base, changed) + [
            f"clock.{c}.breach_share"
            for c in base.clocks
            if info.scenario.clocks.get(c) != base.clocks[c]
            and f"clock.{c}.breach_share" in results.metric_keys()
        ]
        # the pathway's own outcome (children supported) before the clocks, then each ranked
        pathway = [k for k in outcomes if k in _CAMHS_OUTCOMES]
        clocks = [k for k in outcomes if k not in _CAMHS_OUTCOMES]
        for key, score, clear in _rank(results, pathway, name) + _rank(results, clocks, name):
            picked.append((key, score, clear, "outcome"))
        later = downstream(info.scenario, changed)
        further = [k for a in later for k in wait_metrics(results, a)]
        for key in further:
            score, clear, relative = _score(results, key, name)
            if clear and relative >= MATERIAL:
                picked.append((key, score, clear, "downstream"))
        tail = sorted(
            (p for p in picked if p[3] == "downstream"),
            key=lambda p: -(p[1] if math.isfinite(p[1]) else 1e300),
        )
        picked = [p for p in picked if p[3] != "downstream"] + tail
        if not picked:  # a change bearing on no agency or clock: the defaults, ranked
            from .results import default_metrics

            keys = default_metrics(base, results.metric_keys(), results)
            ranked = _rank(results, keys, name)
            plain = [r for r in ranked if r[2]]
            picked = [(k, sc, cl, "ranked") for k, sc, cl in (plain or ranked[:3])]
    return [
        Headline(key, name, results.sentence(key, name), score, tier, clear)
        for key, score, clear, tier in picked[:most]
    ]


def notes(results: Results, leading: Sequence[Headline]) -> list[str]:
    """Lines for where a mean over those who started moves the other way from the
    leading wait that counts those still waiting, so the full tables below the
    headlines do not seem to contradict them."""
    out: list[str] = []
    present = set(results.metric_keys())
    base = results.base.scenario
    for name in dict.fromkeys(h.variant for h in leading):
        heads = {h.metric for h in leading if h.variant == name}
        agencies = [m.split(".")[1] for m in heads if m.startswith("wait.")]
        pairs = {f"wait.{a}.mean_days": a for a in agencies}
        for key, kind in _STARTED_ONLY.items():
            for a in agencies:
                if base.agencies[a].kind == kind:
                    pairs[key] = a
        for key, agency in pairs.items():
            counted = f"wait.{agency}.restricted_mean_days"
            if key in heads or key not in present or counted not in present:
                continue
            before, after = _direction(results, key, name), _direction(results, counted, name)
            if not after or before == after:
                continue
            held = _base_value(results, f"wait.{agency}.still_waiting_share")
            out.append(
                f"{results.info(name).title}: {describe(key, base).phrase} {_MOVES[before]} "
                f"while the wait for {base.agencies[agency].label or agency} counting those "
                f"still waiting {_MOVES[after]}. That mean is over the children who started; "
                f"those still "
                f"waiting at the end ({format_value(held, 'share')} in the base) are left out "
                f"of it, so it moves with who gets to start, not with how long children wait."
            )
    return out


_MOVES = {1: "rises", -1: "falls", 0: "shows no clear change"}


def _direction(results: Results, key: str, variant: str) -> int:
    diff = results.differences([key])
    row = diff[diff["variant"] == variant]
    if row.empty:
        return 0
    low, high = float(row["low"].iloc[0]), float(row["high"].iloc[0])
    return 1 if low > 0 else -1 if high < 0 else 0


def _base_value(results: Results, key: str) -> float:
    table = results.table(key)
    base = results.base.name
    return float(table[base].mean()) if base in table else math.nan


__all__ = [
    "MATERIAL",
    "MOST",
    "Headline",
    "changed_agencies",
    "downstream",
    "headlines",
    "notes",
    "wait_metrics",
]
