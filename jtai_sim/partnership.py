"""The partnership as a graph: agencies are nodes, pathways are edges.

Owns networkx and the checks that need the whole partnership: every name refers
to an agency that exists, outgoing referral chances never add up to more than
one for any child, every agency can be reached by some child, and no group of
agencies traps children with no way out.

>>> from jtai_sim.loading import scenario_from_toml
>>> s = scenario_from_toml('''
... name = "Two"
... [demand.walk_in]
... agency = "a"
... rate_per_10k_per_year = 5.0
... [agencies.a]
... [agencies.b]
... staff = 1
... [[pathways]]
... from = "a"
... to = "b"
... probability = 0.5
... ''')
>>> p = Partnership(s)
>>> sorted(p.graph.successors("a"))
['b']
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import networkx as nx

from jtai_sim.errors import ScenarioError
from jtai_sim.loading import PathPart, dotted
from jtai_sim.scenario import Pathway, Scenario

_TOLERANCE = 1e-9


class PartnershipError(ScenarioError):
    """A partnership check failed; ``path`` is the scenario key at fault."""

    def __init__(self, path: tuple[PathPart, ...], message: str) -> None:
        self.path = path
        super().__init__(message, key=dotted(path))


class Partnership:
    """A checked scenario with its agency graph.

    ``graph`` is a :class:`networkx.DiGraph`; each node carries its ``agency``
    and each edge the list of ``pathways`` between the two agencies.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        check_names(scenario)
        self.graph = build_graph(scenario)
        check_probabilities(scenario)
        check_reachable(scenario, self.graph)
        check_way_out(scenario)

    @property
    def agency_ids(self) -> tuple[str, ...]:
        """Agency keys in file order."""
        return self.scenario.agency_ids


def build_graph(scenario: Scenario) -> nx.DiGraph:
    """The partnership graph (agencies as nodes, pathways grouped on edges)."""
    graph = nx.DiGraph(name=scenario.name)
    for key, agency in scenario.agencies.items():
        graph.add_node(key, agency=agency, label=agency.label or key)
    for pathway in scenario.pathways:
        if graph.has_edge(pathway.source, pathway.to):
            graph.edges[pathway.source, pathway.to]["pathways"].append(pathway)
        else:
            graph.add_edge(pathway.source, pathway.to, pathways=[pathway])
    return graph


def _unknown(path: tuple[PathPart, ...], name: str, scenario: Scenario) -> PartnershipError:
    known = ", ".join(scenario.agencies) or "none defined"
    return PartnershipError(path, f"unknown agency {name!r} (agencies: {known})")


def check_names(scenario: Scenario) -> None:
    """Every agency named anywhere must exist."""
    agencies = scenario.agencies
    if not agencies:
        raise PartnershipError(("agencies",), "at least one agency is needed")
    if not scenario.demand:
        raise PartnershipError(("demand",), "at least one demand stream is needed")
    for key, demand in scenario.demand.items():
        if demand.agency not in agencies:
            raise _unknown(("demand", key, "agency"), demand.agency, scenario)
    for i, pathway in enumerate(scenario.pathways):
        if pathway.source not in agencies:
            raise _unknown(("pathways", i, "from"), pathway.source, scenario)
        if pathway.to not in agencies:
            raise _unknown(("pathways", i, "to"), pathway.to, scenario)
    for key, clock in scenario.clocks.items():
        for end in ("start", "stop"):
            for name in getattr(clock, end).agency:
                if name not in agencies:
                    raise _unknown(("clocks", key, end, "agency"), name, scenario)
    crisis = scenario.mental_health.crisis_agency
    if crisis is not None and crisis not in agencies:
        raise _unknown(("mental_health", "crisis_agency"), crisis, scenario)
    for stage in ("contact", "referral", "assessment", "plan", "camhs_referral", "camhs_support"):
        for name in getattr(scenario.flow, stage):
            if name not in agencies:
                raise _unknown(("flow", stage), name, scenario)


def conditions_of(pathways: list[Pathway]) -> list[str]:
    """The condition names (and age bands) the given pathways depend on."""
    names: set[str] = set()
    for p in pathways:
        names.update(p.when)
        names.update(p.unless)
    return sorted(names)


def applies(pathway: Pathway, flags: frozenset[str], age: int | None = None) -> bool:
    """Whether ``pathway`` applies to a child with ``flags`` (and ``age``, if given)."""
    if not all(f in flags for f in pathway.when) or any(f in flags for f in pathway.unless):
        return False
    if age is None:
        return True
    if pathway.min_age is not None and age < pathway.min_age:
        return False
    return not (pathway.max_age is not None and age > pathway.max_age)


def _ages(pathways: list[Pathway]) -> list[int]:
    cuts = {0}
    for p in pathways:
        if p.min_age is not None:
            cuts.add(p.min_age)
        if p.max_age is not None:
            cuts.add(p.max_age + 1)
    return sorted(a for a in cuts if a <= 25)


def combinations(pathways: list[Pathway]) -> Iterator[tuple[frozenset[str], int]]:
    """Every distinct (conditions, age) case the pathways can tell apart."""
    names = conditions_of(pathways)
    for bits in itertools.product((False, True), repeat=len(names)):
        flags = frozenset(n for n, b in zip(names, bits, strict=True) if b)
        for age in _ages(pathways):
            yield flags, age


def check_probabilities(scenario: Scenario) -> None:
    """Referral chances out of an agency must not exceed 1 for any child."""
    for key in scenario.agencies:
        outgoing = [(i, p) for i, p in enumerate(scenario.pathways) if p.source == key]
        refer = [p for _, p in outgoing if p.mode == "refer"]
        if len(refer) < 2:
            continue
        for flags, age in combinations(refer):
            total = sum(p.probability for p in refer if applies(p, flags, age))
            if total > 1 + _TOLERANCE:
                first = next(i for i, p in outgoing if p.mode == "refer" and applies(p, flags, age))
                who = ", ".join(sorted(flags)) or "any child"
                raise PartnershipError(
                    ("pathways", first, "probability"),
                    f"referral chances out of {key!r} add up to {total:g} (> 1) "
                    f"for children aged {age} with [{who}]",
                )


def entry_agencies(scenario: Scenario) -> set[str]:
    """Agencies where children first appear (demand and crisis presentations)."""
    entries = {d.agency for d in scenario.demand.values()}
    if scenario.mental_health.crisis_agency:
        entries.add(scenario.mental_health.crisis_agency)
    return entries


def check_reachable(scenario: Scenario, graph: nx.DiGraph) -> None:
    """Every agency must be reachable from where children first appear."""
    reached: set[str] = set()
    for entry in entry_agencies(scenario):
        reached |= {entry} | nx.descendants(graph, entry)
    for key in scenario.agencies:
        if key not in reached:
            raise PartnershipError(
                ("agencies", key),
                "no child can reach this agency (no demand stream and no pathway leads to it)",
            )


def check_way_out(scenario: Scenario) -> None:
    """Children must be able to leave: no group of agencies may refer everyone
    among themselves for ever."""
    sealed: dict[str, set[str]] = {}
    for key in scenario.agencies:
        refer = [p for p in scenario.pathways if p.source == key and p.mode == "refer"]
        if not refer:
            continue
        always = all(
            sum(p.probability for p in refer if applies(p, flags, age)) >= 1 - _TOLERANCE
            for flags, age in combinations(refer)
        )
        if always:
            sealed[key] = {p.to for p in refer}
    can_leave = {k for k in scenario.agencies if k not in sealed}
    changed = True
    while changed:
        changed = False
        for key, targets in sealed.items():
            if key not in can_leave and targets & can_leave:
                can_leave.add(key)
                changed = True
    trapped = [k for k in scenario.agencies if k not in can_leave]
    if trapped:
        index = next(i for i, p in enumerate(scenario.pathways) if p.source == trapped[0])
        raise PartnershipError(
            ("pathways", index, "probability"),
            f"no way out: children at {', '.join(repr(t) for t in trapped)} are always "
            "referred on among these agencies and can never leave",
        )
