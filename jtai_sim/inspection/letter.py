"""The mock findings letter: what is working well and what needs to improve, by criterion.

:func:`findings_letter` gathers the findings of the chosen children into points:
one point per kind of finding and subject (a clock, a pathway, an agency), citing
every child who shows it and the event rows that show it. A point is filed under
the first criterion of its kind (see ``jtai_sim/data/criteria.toml``) and names
the others. Concerns are always listed. A strength is listed only when it is the
rule for its subject: at least ``strength_share`` (three quarters by default) of
the children with findings on that subject show only the strength, so a clock
met for some children and missed for many is not praised.

>>> import datetime as dt
>>> from jtai_sim.inspection.model import Finding, Pick, Selection
>>> f = Finding(child=3, kind="information_lost", agencies=("police", "front_door"),
...     criteria=("information_sharing",), date=dt.date(2026, 1, 5), event_ids=(17,),
...     evidence="...", subject="Police to Front door")
>>> sel = Selection(tracked=(Pick(child=3, role="tracked", frame="tracking", reasons=("x",)),),
...     sample=(), eligible=10, seed=1)
>>> letter = findings_letter([f], sel)
>>> letter.to_improve[0].points[0].text
'Information from Police to Front door never arrived for 1 of the 1 children seen.'
>>> letter.to_improve[0].points[0].event_ids
(17,)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from jtai_sim.inspection.criteria import criteria, finding_kinds
from jtai_sim.inspection.model import (
    Finding,
    Letter,
    LetterPoint,
    LetterSection,
    Selection,
)


def findings_letter(
    findings: Sequence[Finding],
    selection: Selection,
    *,
    strength_share: float = 0.75,
) -> Letter:
    """The letter for ``findings`` about the children of ``selection``."""
    kinds = finding_kinds()
    crit = criteria()
    seen = selection.children
    total = len(seen)
    order = {c: i for i, c in enumerate(seen)}
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.kind, f.subject)].append(f)
    # per subject: children with a concern, children with a strength
    concern_children: dict[str, set[int]] = defaultdict(set)
    strength_children: dict[str, set[int]] = defaultdict(set)
    for f in findings:
        (strength_children if f.strength else concern_children)[f.subject].add(f.child)
    points: list[LetterPoint] = []
    for (kind, subject), group in groups.items():
        spec = kinds[kind]
        by_child: dict[int, list[int]] = defaultdict(list)
        agencies: list[str] = []
        for f in group:
            by_child[f.child].extend(f.event_ids)
            agencies += [a for a in f.agencies if a not in agencies]
        children = sorted(by_child, key=lambda c: (order.get(c, len(order)), c))
        if spec.strength:
            good = strength_children[subject] - concern_children[subject]
            anyone = strength_children[subject] | concern_children[subject]
            if not good or len(good) < strength_share * len(anyone):
                continue
            children = [c for c in children if c in good]
        ids = tuple(sorted({i for c in children for i in by_child[c]}))
        points.append(
            LetterPoint(
                text=spec.text(n=len(children), total=total, subject=subject),
                kind=kind,
                subject=subject,
                strength=spec.strength,
                criterion=spec.criteria[0],
                other_criteria=spec.criteria[1:],
                children=tuple(children),
                event_ids=ids,
                agencies=tuple(agencies),
                evidence=tuple((c, tuple(sorted(set(by_child[c])))) for c in children),
            )
        )

    def sections(strength: bool) -> tuple[LetterSection, ...]:
        out = []
        for key, criterion in crit.items():
            mine = [p for p in points if p.strength == strength and p.criterion == key]
            if mine:
                mine.sort(key=lambda p: (-len(p.children), kinds[p.kind].label, p.subject))
                out.append(LetterSection(criterion=criterion, points=tuple(mine)))
        return tuple(out)

    well, improve = sections(True), sections(False)
    n_well = sum(len(s.points) for s in well)
    n_improve = sum(len(s.points) for s in improve)
    summary = (
        f"Inspectors tracked {len(selection.tracked)} "
        f"{'child' if len(selection.tracked) == 1 else 'children'} and sampled "
        f"{len(selection.sample)} more, from {selection.eligible} eligible. Their records "
        f"show {n_well} {'thing' if n_well == 1 else 'things'} working well and {n_improve} "
        f"that {'needs' if n_improve == 1 else 'need'} to improve."
    )
    return Letter(working_well=well, to_improve=improve, children_seen=total, summary=summary)
