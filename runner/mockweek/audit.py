"""Week 2 of the inspection: the partnership's multi-agency audit of the tracked children.

In a real JTAI the partnership audits the five to seven *tracked* children
together in week 2 and sends the audits before the inspectors arrive; on site
the inspectors evaluate those audits against what the records show. This module
builds, as plain data for the pack's templates:

- :func:`audit_sheets`: one sheet per tracked child, with a section per
  *partner agency* involved with the child (the partnership's teams grouped by
  :data:`jtai_sim.inspection.partners.PARTNERS`: children's social care, health, police, youth
  justice, schools, the voluntary sector), each rated on :data:`SCALE` against
  every criterion it is given, with space for evidence, and a partnership
  overall view;
- :func:`evaluation_rows`: the inspectors' evaluation of each audit, with what
  the records show beside space for what the audit found, what it missed and the
  quality of the audit itself;
- :func:`reading_records`: a compact record of the sampled children for the
  inspectors reading them on site (no audit: sampled records are read by the
  inspectors, not audited by the partnership).

The criteria come in as a mapping of key to
:class:`~jtai_sim.inspection.model.Criterion`, so a theme's own criteria can be
passed; each is numbered in the mapping's order.

>>> [p["title"] for p in group_by_partner(["cp_plan", "police"], {"cp_plan": "cp_plan",
...     "police": "police"}, {})]
["Children's social care", 'The police']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jtai_sim.inspection.model import Criterion, Finding, Pick
from jtai_sim.inspection.partners import PARTNERS, partner_of_kind

#: The audit's rating scale (the partnership's own grades; a JTAI letter gives none).
SCALE: tuple[tuple[str, str], ...] = (
    ("G", "good: the child's needs were met in time, and the record shows why"),
    ("RI", "requires improvement: some needs met, or met late, or the record is thin"),
    ("I", "inadequate: needs missed or unmet, or the child left at risk"),
    ("NA", "not applicable to this agency or child"),
)


def group_by_partner(
    agencies: Iterable[str], kinds: Mapping[str, str], labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The partner agencies among ``agencies``, each with its teams, in the letter's order."""
    teams: dict[str, list[str]] = {}
    for agency in agencies:
        label = labels.get(agency, agency)
        names = teams.setdefault(partner_of_kind(kinds.get(agency, "generic")), [])
        if label not in names:
            names.append(label)
    return [
        {"key": key, "title": partner.heading, "teams": teams[key]}
        for key, partner in PARTNERS.items()
        if key in teams
    ]


def numbered(criteria: Mapping[str, Criterion]) -> list[dict[str, str]]:
    """The criteria numbered C1, C2, ... in the mapping's order."""
    return [
        {"n": f"C{n}", "key": key, "title": c.title, "description": c.description}
        for n, (key, c) in enumerate(criteria.items(), start=1)
    ]


def audit_sheets(
    tracked: Sequence[Pick],
    *,
    criteria: Mapping[str, Criterion],
    kinds: Mapping[str, str],
    labels: Mapping[str, str],
    child_labels: Mapping[int, str],
    met: Mapping[int, Sequence[str]],
    facts: Callable[[int], list[tuple[str, str]]],
    lead: Mapping[int, str],
    due: str,
) -> list[dict[str, Any]]:
    """One audit sheet per tracked child: a section per partner agency, rated per criterion.

    ``met`` gives each child's agencies (from the records up to notification);
    ``facts`` a child's summary lines; ``lead`` the lead inspector per child;
    ``due`` the date the audits are due.
    """
    heads = numbered(criteria)
    out = []
    for n, pick in enumerate(tracked, start=1):
        agencies = list(met.get(pick.child, ())) or list(pick.agencies)
        out.append(
            {
                "n": n,
                "child": pick.child,
                "anchor": f"audit-{pick.child}",
                "label": child_labels.get(pick.child, f"Child {pick.child}"),
                "facts": facts(pick.child),
                "lead": lead.get(pick.child, ""),
                "due": due,
                "partners": group_by_partner(agencies, kinds, labels),
                "criteria": heads,
            }
        )
    return out


def evaluation_rows(
    tracked: Sequence[Pick],
    findings_by_child: Mapping[int, Sequence[Finding]],
    child_labels: Mapping[int, str],
    kind_labels: Mapping[str, str],
    *,
    top: int = 3,
) -> list[dict[str, Any]]:
    """Per tracked child, what the records show, for the inspectors to set the audit beside."""
    rows = []
    for pick in tracked:
        found = list(findings_by_child.get(pick.child, ()))
        concerns = [f for f in found if not f.strength]
        strengths = [f for f in found if f.strength]
        shown: list[str] = []
        for f in concerns:
            label = kind_labels.get(f.kind, f.kind)
            if label not in shown:
                shown.append(label)
        rows.append(
            {
                "label": child_labels.get(pick.child, f"Child {pick.child}"),
                "concerns": len(concerns),
                "strengths": len(strengths),
                "main": shown[:top],
                "more": max(0, len(shown) - top),
            }
        )
    return rows


#: What the inspectors judge about each audit (prompts on the evaluation page).
AUDIT_QUALITY: tuple[str, ...] = (
    "Did every partner agency involved with the child take part, and agree the findings?",
    "Is each rating backed by evidence from the record, not by description of process?",
    "Does the audit say what difference the help made to the child, not only what was done?",
    "Does it hear the child and the family, and say how their views changed the help?",
    "Did it find the delays and breakdowns the records show, and say why they happened?",
    "Are the actions specific, owned by an agency, dated, and already under way?",
)


def reading_records(
    sample: Sequence[Pick],
    *,
    child_labels: Mapping[int, str],
    frame_words: Callable[[str], str],
    owner_label: Callable[[Pick], str],
    read: Mapping[int, str],
    findings_by_child: Mapping[int, Sequence[Finding]],
    date_words: Callable[[Pick], str],
    notes: Mapping[int, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per sampled child: where they came into the sample, when they are read,
    and any note for the facilitator (``notes``)."""
    rows = []
    for n, pick in enumerate(sample, start=1):
        found = findings_by_child.get(pick.child, ())
        rows.append(
            {
                "n": n,
                "anchor": f"sample-{pick.child}",
                "label": child_labels.get(pick.child, f"Child {pick.child}"),
                "frame": frame_words(pick.frame),
                "owner": owner_label(pick),
                "date": date_words(pick),
                "event": "" if pick.event_id is None else str(pick.event_id),
                "read": read.get(pick.child, ""),
                "concerns": sum(1 for f in found if not f.strength),
                "strengths": sum(1 for f in found if f.strength),
                "note": (notes or {}).get(pick.child, ""),
            }
        )
    return rows


__all__ = [
    "AUDIT_QUALITY",
    "SCALE",
    "audit_sheets",
    "evaluation_rows",
    "group_by_partner",
    "numbered",
    "reading_records",
]
