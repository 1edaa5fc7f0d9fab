"""The partnership as a graph: agencies are nodes, pathways are edges.

Owns networkx and the checks that need the whole partnership: every name refers
to an agency that exists (and no table is named with empty text), outgoing
referral chances never add up to more than one for any child, every agency can
be reached by some child, no group of agencies traps children with no way out,
the keys whose bounds depend on other tables hold (a stream's growth over the
run, the children open at an agency on day 0), and term-time demand meets a term.
The checks need no graph library, so checking a scenario does not load networkx;
the graph is built when first asked for.

>>> from jtai_sim.scenario.loading import scenario_from_toml
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

import datetime as dt
import itertools
import math
from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING

from jtai_sim.errors import PartnershipError as PartnershipError  # raised by the checks here
from jtai_sim.scenario.converter import suggest, toml_value
from jtai_sim.scenario.model import (
    DAYS_PER_YEAR,
    FLOW_STAGES,
    MAX_GROWTH,
    Inject,
    Pathway,
    Scenario,
)
from jtai_sim.scenario.toml_lines import PathPart
from jtai_sim.vocabulary import pathways_named

if TYPE_CHECKING:
    import networkx as nx

_TOLERANCE = 1e-9


class Partnership:
    """A checked scenario with its agency graph.

    ``graph`` is a :class:`networkx.DiGraph`; each node carries its ``agency``
    and each edge the list of ``pathways`` between the two agencies.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        check_names(scenario)
        check_sizes(scenario)
        check_terms(scenario)
        check_cases(scenario)
        check_probabilities(scenario)
        check_reachable(scenario)
        check_way_out(scenario)
        check_injects(scenario)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The agency graph, built on first use."""
        return build_graph(self.scenario)

    @property
    def agency_ids(self) -> tuple[str, ...]:
        """Agency keys in file order."""
        return self.scenario.agency_ids


def build_graph(scenario: Scenario) -> nx.DiGraph:
    """The partnership graph (agencies as nodes, pathways grouped on edges)."""
    import networkx as nx

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
    known = list(scenario.agencies)
    close = suggest(name, known)
    if close:
        hint = f"did you mean {toml_value(close[0])}?"
    else:
        hint = "agencies: " + (", ".join(known) or "none defined")
    return PartnershipError(path, f"unknown agency ({hint}), got {toml_value(name)}")


def check_table_names(scenario: Scenario) -> None:
    """Agencies, demand streams and clocks must be named: reports and logs show the name."""
    for table in ("agencies", "demand", "clocks"):
        for key in getattr(scenario, table):
            if not key.strip():
                raise PartnershipError(
                    (table, key),
                    f"needs a name: write [{table}.NAME] with NAME a word such as "
                    f"{'camhs' if table == 'agencies' else 'walk_in'}, got {toml_value(key)}",
                )


def check_names(scenario: Scenario) -> None:
    """Every table is named, and every agency named anywhere must exist."""
    check_table_names(scenario)
    agencies = scenario.agencies
    if not agencies:
        raise PartnershipError(
            ("agencies",), "at least one agency is needed: add an [agencies.NAME] table"
        )
    if not scenario.demand:
        raise PartnershipError(
            ("demand",), "at least one demand stream is needed: add a [demand.NAME] table"
        )
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
            names = getattr(clock, end).agency
            if not names:
                raise PartnershipError(
                    ("clocks", key, end, "agency"), "needs at least one agency, got []"
                )
            for j, name in enumerate(names):
                if name not in agencies:
                    where: tuple[PathPart, ...] = ("clocks", key, end, "agency")
                    raise _unknown((*where, j) if len(names) > 1 else where, name, scenario)
    for key, clock in scenario.clocks.items():  # a split by urgency needs urgent referrals
        starts = clock.start.agency
        if clock.urgency != "any" and not any(scenario.prioritises(a) for a in starts):
            raise PartnershipError(
                ("clocks", key, "urgency"),
                f"{clock.urgency!r} needs a start agency that marks referrals urgent "
                f"(`urgent_if`, or a pathway to it with `urgent`); {', '.join(starts)} "
                "never does, so every referral there is routine",
            )
    for key, agency in agencies.items():
        back = agency.backlog.returns_to if agency.backlog is not None else None
        if back is not None and back not in agencies:
            raise _unknown(("agencies", key, "backlog", "returns_to"), back, scenario)
    for key, agency in agencies.items():  # --- placements (children in care)
        placements = agency.placements
        if placements is None:
            continue
        for j, name in enumerate(placements.services):
            if name not in agencies:
                raise _unknown(("agencies", key, "placements", "services", j), name, scenario)
        back = placements.re_refer_to
        if back is not None and back not in agencies:
            raise _unknown(("agencies", key, "placements", "re_refer_to"), back, scenario)
    for key, agency in agencies.items():  # --- signposting while waiting
        ww = agency.while_waiting
        if ww is not None and ww.signpost_to is not None:
            if ww.signpost_to not in agencies:
                where = ("agencies", key, "while_waiting", "signpost_to")
                raise _unknown(where, ww.signpost_to, scenario)
            if ww.signpost_to == key:
                raise PartnershipError(
                    ("agencies", key, "while_waiting", "signpost_to"),
                    "must be another agency (the offer a child is signposted to), "
                    f"got {toml_value(key)}",
                )
    for i, pathway in enumerate(scenario.pathways):
        if pathway.at == "placement" and agencies[pathway.source].placements is None:
            raise PartnershipError(
                ("pathways", i, "at"),
                f"{toml_value(pathway.source)} makes no placements: give it "
                f'[agencies.{pathway.source}.placements] or choose another at, got "placement"',
            )
    groups = scenario.ethnic_groups
    for i, pathway in enumerate(scenario.pathways):
        for group in pathway.ethnicity_factors:
            if group not in groups:
                close = suggest(group, groups)
                hint = (
                    f"did you mean {toml_value(close[0])}?"
                    if close
                    else "groups: " + ", ".join(groups)
                )
                raise PartnershipError(
                    ("pathways", i, "ethnicity_factors", group),
                    f"no profile names this ethnic group ({hint}), got {toml_value(group)}",
                )
    crisis = scenario.mental_health.crisis_agency
    if crisis is not None and crisis not in agencies:
        raise _unknown(("mental_health", "crisis_agency"), crisis, scenario)
    for stage in FLOW_STAGES:
        for j, name in enumerate(getattr(scenario.flow, stage)):
            if name not in agencies:
                raise _unknown(("flow", stage, j), name, scenario)


def growth(scenario: Scenario, trend_per_year: float) -> float:
    """How many times its starting rate a stream with ``trend_per_year`` reaches by the end.

    >>> from jtai_sim.scenario.builtin import load_scenario
    >>> scenario = load_scenario("minimal")
    >>> scenario.duration_days, round(growth(scenario, 0.05), 3)  # a year at 5%
    (365.0, 1.05)
    """
    return float((1 + trend_per_year) ** (scenario.duration_days / DAYS_PER_YEAR))


def check_sizes(scenario: Scenario) -> None:
    """Bounds of one key that depend on another table.

    A stream's rate may grow at most ``MAX_GROWTH`` times over the run (arrivals are
    drawn at the peak rate and thinned, so a runaway trend is a runaway run), and an
    agency cannot have more children open on day 0 than the area has children.
    """
    for key, demand in scenario.demand.items():
        if demand.trend_per_year > 0 and growth(scenario, demand.trend_per_year) > MAX_GROWTH:
            raise PartnershipError(
                ("demand", key, "trend_per_year"),
                f"grows the rate {growth(scenario, demand.trend_per_year):.3g} times over "
                f"duration_days = {scenario.duration_days:g}, more than the {MAX_GROWTH:g} times "
                f"allowed; lower it or shorten the run, got {toml_value(demand.trend_per_year)}",
            )
    for key, agency in scenario.agencies.items():
        backlog = agency.backlog
        if backlog is None:
            continue
        for name in ("waiting", "in_service"):
            count = getattr(backlog, name)
            if count is not None and count > scenario.children:
                raise PartnershipError(
                    ("agencies", key, "backlog", name),
                    f"is more than the {scenario.children:,} children in the area "
                    f"(children), got {count}",
                )


def check_terms(scenario: Scenario) -> None:
    """School terms given for a scenario with term-time demand must be near the run.

    Terms all more than a year from the run (given for other years) would make every
    day a holiday, and ``term_factor`` would silently never apply; a short run that
    falls within one holiday is fine.
    """
    terms = scenario.calendar.terms
    seasonal = [k for k, d in scenario.demand.items() if d.seasonality == "school_terms"]
    if terms is None or not seasonal:
        return
    first = scenario.start_date
    last = first + dt.timedelta(days=math.ceil(scenario.duration_days) - 1)
    year = dt.timedelta(days=366)
    if not any(t.start <= last + year and t.end >= first - year for t in terms):
        raise PartnershipError(
            ("calendar", "terms"),
            f"no term falls within a year of the run ({first} to {last}), so demand "
            f'{toml_value(seasonal[0])} (seasonality = "school_terms") would never see a '
            f"school day; give the terms of the years the run covers, got {len(terms)} "
            f"term(s) from {min(t.start for t in terms)} to {max(t.end for t in terms)}",
        )


def conditions_of(pathways: list[Pathway]) -> list[str]:
    """The condition names the given pathways depend on."""
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
    return sorted(a for a in cuts if a <= MAX_AGE)


#: The oldest age a scenario can give a child.
MAX_AGE = 25
_STATUS_FLAGS = ("child_in_need", "child_protection", "looked_after")


def possible(flags: frozenset[str], names: list[str]) -> bool:
    """Whether some child can have exactly ``flags`` among the conditions ``names``.

    Conditions not in ``names`` are free. The rules are those of the engine's
    ``Child.mask``: mental ill health and a recognised need both imply a
    mental-health need; a child has at most one legal status, and is known to
    social care exactly when they have one; a hand-off's information is partial
    or lost, not both.

    >>> possible(frozenset({"mental_ill_health"}), ["mental_health_need", "mental_ill_health"])
    False
    >>> both = ["child_in_need", "known_to_social_care"]
    >>> possible(frozenset(both), both), possible(frozenset({"child_in_need"}), both)
    (True, False)
    """

    def false(name: str) -> bool:
        return name in names and name not in flags

    need_implied = "mental_ill_health" in flags or "mental_health_identified" in flags
    if need_implied and false("mental_health_need"):
        return False
    statuses = [f for f in _STATUS_FLAGS if f in flags]
    if len(statuses) > 1 or (statuses and false("known_to_social_care")):
        return False
    if "known_to_social_care" in flags and all(false(f) for f in _STATUS_FLAGS):
        return False
    return not {"information_partial", "information_lost"} <= flags


def combinations(pathways: list[Pathway]) -> Iterator[tuple[frozenset[str], int]]:
    """Every distinct (conditions, age) case the pathways can tell apart that a child can be in."""
    names = conditions_of(pathways)
    for bits in itertools.product((False, True), repeat=len(names)):
        flags = frozenset(n for n, b in zip(names, bits, strict=True) if b)
        if not possible(flags, names):
            continue
        for age in _ages(pathways):
            yield flags, age


def _who(flags: frozenset[str], age: int, pathways: list[Pathway]) -> str:
    """``children aged 5 to 9 who are at_risk`` for the case ``(flags, age)``."""
    cuts = [*_ages(pathways), MAX_AGE + 1]
    upper = min(c for c in cuts if c > age) - 1
    ages = "" if (age, upper) == (0, MAX_AGE) else f" aged {age} to {upper}"
    parts = [*sorted(flags), *(f"not {n}" for n in conditions_of(pathways) if n not in flags)]
    conditions = f" who are {', '.join(parts)}" if parts else ""
    return f"children{ages}{conditions}" if ages or conditions else "every child"


#: The kinds of child (conditions and age bands) the referral checks go through for the
#: pathways out of one agency, and the (kind, pathway) pairs for the whole partnership:
#: our bounds, so the checks take seconds at most. The built-in scenarios need at most 16
#: kinds out of one agency (midshire.toml's schools: 4 conditions, one age band).
MAX_CASES = 4_096
MAX_CASE_WORK = 1_000_000


def _refer_out(scenario: Scenario, key: str) -> list[tuple[int, Pathway]]:
    """The referral pathways out of agency ``key``, with their positions."""
    return [
        (i, p) for i, p in enumerate(scenario.pathways) if p.source == key and p.mode == "refer"
    ]


def check_cases(scenario: Scenario) -> None:
    """The referral checks below must have a bounded number of kinds of child to go through.

    Each condition a pathway out of an agency tests doubles the kinds of child the
    checks tell apart, and each age limit adds a band; past ``MAX_CASES`` kinds out of
    one agency (or ``MAX_CASE_WORK`` in all) the scenario is refused, located at the
    first pathway of that agency that tests a condition or an age.
    """
    work = 0
    for key in scenario.agencies:
        outgoing = _refer_out(scenario, key)
        if len(outgoing) < 2:
            continue
        refer = [p for _, p in outgoing]
        conditions, bands = len(conditions_of(refer)), len(_ages(refer))
        cases = 2**conditions * bands
        work += cases * len(refer)
        if cases > MAX_CASES or work > MAX_CASE_WORK:
            first = next(
                (
                    i
                    for i, p in outgoing
                    if p.when or p.unless or (p.min_age, p.max_age) != (None, None)
                ),
                outgoing[0][0],
            )
            bound = (
                f"more than the {MAX_CASES:,} the referral checks go through for one agency"
                if cases > MAX_CASES
                else f"taking the partnership past the {MAX_CASE_WORK:,} checks allowed in all"
            )
            raise PartnershipError(
                ("pathways", first),
                f"the referrals out of {toml_value(key)} tell apart {cases:,} kinds of child "
                f"({conditions} conditions in when and unless, {bands} age bands), {bound}; "
                "test fewer conditions or ages on the pathways out of one agency",
            )


def check_probabilities(scenario: Scenario) -> None:
    """Referral chances out of an agency must not exceed 1 for any child (an equity
    gradient's factors above 1 taken as applying)."""
    for key in scenario.agencies:
        outgoing = [
            (i, p) for i, p in enumerate(scenario.pathways) if p.source == key and p.mode == "refer"
        ]
        if len(outgoing) < 2:
            continue
        refer = [p for _, p in outgoing]
        for flags, age in combinations(refer):
            taken = [(i, p) for i, p in outgoing if applies(p, flags, age)]
            # an equity gradient above 1 counts at its highest, as if the child had it
            total = sum(p.highest_chance() for _, p in taken)
            if total > 1 + _TOLERANCE:
                parts = " + ".join(f"pathways[{i}] {p.highest_chance():g}" for i, p in taken)
                raise PartnershipError(
                    ("pathways", taken[-1][0], "probability"),
                    f"referral chances out of {toml_value(key)} add up to more than 1 for "
                    f"{_who(flags, age, refer)} ({parts}), got {total:g}",
                )


def entry_agencies(scenario: Scenario) -> set[str]:
    """Agencies where children first appear (demand, crisis presentations, and
    children already there on day 0)."""
    entries = {d.agency for d in scenario.demand.values()}
    entries |= {k for k, a in scenario.agencies.items() if getattr(a, "backlog", None) is not None}
    if scenario.mental_health.crisis_agency:
        entries.add(scenario.mental_health.crisis_agency)
    return entries


def reachable(scenario: Scenario) -> set[str]:
    """The agencies children can get to from where they first appear, along any pathway.

    >>> from jtai_sim.scenario.builtin import load_scenario
    >>> sorted(reachable(load_scenario("scenarios/jackson.toml")))
    ['A', 'B', 'C']
    """
    onward: dict[str, set[str]] = {}
    for pathway in scenario.pathways:
        onward.setdefault(pathway.source, set()).add(pathway.to)
    for key, agency in scenario.agencies.items():  # signposting while waiting
        ww = agency.while_waiting
        if ww is not None and ww.signposting > 0 and ww.signpost_to is not None:
            onward.setdefault(key, set()).add(ww.signpost_to)
    reached = set(entry_agencies(scenario))
    todo = list(reached)
    while todo:
        for nxt in onward.get(todo.pop(), set()) - reached:
            reached.add(nxt)
            todo.append(nxt)
    return reached


def check_reachable(scenario: Scenario) -> None:
    """Every agency must be reachable from where children first appear."""
    reached = reachable(scenario)
    for key in scenario.agencies:
        if key not in reached:
            raise PartnershipError(
                ("agencies", key),
                "no child can reach this agency: no demand stream starts there and no pathway "
                "leads to it from an agency children reach",
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
        index = next(
            i
            for i, p in enumerate(scenario.pathways)
            if p.source == trapped[0] and p.mode == "refer"
        )
        names = ", ".join(toml_value(t) for t in trapped)
        raise PartnershipError(
            ("pathways", index, "probability"),
            f"no way out: children at {names} are always referred on among these agencies "
            "(their referral chances add up to 1) and can never leave; lower one, "
            f"got {toml_value(scenario.pathways[index].probability)}",
        )


def check_injects(scenario: Scenario) -> None:
    """Each inject names what exists, falls within the run, and leaves staff to lose.

    A period must begin before the run ends and end by its end (a facilitator who
    shortens the run is told which inject no longer fits, not left with one that
    silently never happens). A staff inject must leave at least no staff, counting
    every other staff inject of the agency whose period overlaps its start.
    """
    for i, inject in enumerate(scenario.injects):
        where: tuple[PathPart, ...] = ("injects", i)
        end = scenario.duration_days
        if inject.from_day >= end:
            raise PartnershipError(
                (*where, "from_day"),
                f"must be before the end of the run (duration_days = {end:g}), "
                f"got {toml_value(inject.from_day)}",
            )
        if inject.until_day > end + _TOLERANCE:
            raise PartnershipError(
                (*where, "days"),
                f"runs the period to day {inject.until_day:g}, past the end of the run "
                f"(duration_days = {end:g}); shorten it to at most {end - inject.from_day:g}, "
                f"got {toml_value(inject.days)}",
            )
        if inject.kind == "staff":
            _check_staff_inject(scenario, i, inject)
        elif inject.kind == "demand":
            _check_demand_inject(scenario, i, inject)
        else:
            _check_sharing_inject(scenario, i, inject)


def _check_staff_inject(scenario: Scenario, i: int, inject: Inject) -> None:
    """The agency exists and has staff, and no moment of the period has fewer than none."""
    where: tuple[PathPart, ...] = ("injects", i)
    name = inject.agency or ""
    agency = scenario.agencies.get(name)
    if agency is None:
        raise _unknown((*where, "agency"), name, scenario)
    if agency.staff is None:
        raise PartnershipError(
            (*where, "agency"),
            f"{toml_value(name)} has no staff (no queue, unlimited places), so its staff "
            f"cannot change; give it staff or name another agency, got {toml_value(name)}",
        )
    change = inject.change or 0
    others = sum(
        other.change or 0
        for j, other in enumerate(scenario.injects)
        if j != i
        and other.kind == "staff"
        and other.agency == name
        and other.from_day <= inject.from_day < other.until_day
    )
    if agency.staff + others + change < 0:
        also = f" with the other staff injects then ({others:+d})" if others else ""
        raise PartnershipError(
            (*where, "change"),
            f"leaves {name} {agency.staff + others + change} staff{also}; it has "
            f"{agency.staff}, so it can lose at most {agency.staff + others}, got {change}",
        )


def _check_demand_inject(scenario: Scenario, i: int, inject: Inject) -> None:
    """Every stream named is a demand stream of the scenario."""
    known = list(scenario.demand)
    names = inject.streams or ()
    for j, name in enumerate(names):
        if name not in scenario.demand:
            close = suggest(name, known)
            hint = (
                f"did you mean {toml_value(close[0])}?" if close else "streams: " + ", ".join(known)
            )
            where: tuple[PathPart, ...] = ("injects", i, "streams")
            raise PartnershipError(
                (*where, j) if len(names) > 1 else where,
                f"unknown demand stream ({hint}), got {toml_value(name)}",
            )


def inject_pathways(scenario: Scenario, inject: Inject) -> list[int]:
    """The positions of the pathways a sharing inject names (by the overrides' names)."""
    return pathways_named([p.name for p in scenario.pathways], inject.pathway or "")


def _check_sharing_inject(scenario: Scenario, i: int, inject: Inject) -> None:
    """The pathway named exists."""
    if inject_pathways(scenario, inject):
        return
    names = sorted({p.name for p in scenario.pathways})
    close = suggest(inject.pathway or "", names)
    hint = (
        f"did you mean {toml_value(close[0])}?"
        if close
        else "name it from -> to, from => to or from ~> to"
    )
    raise PartnershipError(
        ("injects", i, "pathway"),
        f"no pathway of that name ({hint}), got {toml_value(inject.pathway or '')}",
    )
