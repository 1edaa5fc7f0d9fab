"""The mock findings letter, in the form the inspectorates write it, with its evidence annex.

:func:`findings_letter` turns the findings of the chosen children into two things:

* **The facilitator's annex**: one point per kind of finding and subject (a
  clock, a pathway, an agency), counted ("for 5 of the 36 children seen") and
  citing every child and event row that shows it, filed under the first
  criterion of its kind in the theme. Concerns are always listed. A strength is
  listed only when it is the rule for its subject: at least ``strength_share``
  (three quarters by default) of the children with findings on that subject show
  only the strength, so a clock met for some children and missed for many is not
  praised.
* **The letter**: addressed to the partnership's leaders (the theme's
  ``[letter]``), an opening naming the dates, the inspectorates and the theme, a
  short headline, key strengths and prioritised areas for improvement (at most
  the theme's ``strengths`` and ``improvements``, about seven and eight), each
  naming the partner agencies concerned, an anonymised case study of good
  practice and one of concern from the tracked children, a paragraph for each
  partner agency, the criteria records cannot evidence with where their evidence
  must come from, and next steps with the written-statement date. It is in
  words, not counts, and names no child or event.

Words for how often something happens (the *band*): a concern seen in at least
half of the children whose records touch its subject happens "too often", in a
fifth "sometimes", otherwise "occasionally"; a strength is "consistently" so for
nine in ten and "mostly" so otherwise. An area for improvement ranks by the
children its points concern (the widest problem first), then by how often.

Findings are attributed to partner agencies (:mod:`jtai_sim.inspection.partners`),
never to the council's internal teams.

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
>>> letter.improvements[0].text
'Sharing information: information passed from Police to Front door is too often lost on the way.'
>>> letter.improvements[0].partners
('social_care', 'police')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from jtai_sim.inspection.casebook import fmt_date
from jtai_sim.inspection.model import (
    CaseBook,
    ChildSummary,
    Finding,
    InspectionCalendar,
    Letter,
    LetterParagraph,
    LetterPoint,
    LetterSection,
    LetterStatement,
    Selection,
)
from jtai_sim.inspection.partners import PARTNERS, join_words, partners_of
from jtai_sim.inspection.theme import FindingKind, Theme, load_theme
from jtai_sim.vocabulary import STATUS_WORDS


def band(share: float, *, strength: bool) -> str:
    """How often, in words, for a share of the children concerned.

    >>> band(0.6, strength=False), band(0.3, strength=False), band(0.1, strength=False)
    ('too often', 'sometimes', 'occasionally')
    >>> band(0.95, strength=True), band(0.8, strength=True)
    ('consistently', 'mostly')
    """
    if strength:
        return "consistently" if share >= 0.9 else "mostly"
    if share >= 0.5:
        return "too often"
    return "sometimes" if share >= 0.2 else "occasionally"


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]) if text else text


def findings_letter(
    findings: Sequence[Finding],
    selection: Selection,
    *,
    theme: Theme | None = None,
    book: CaseBook | None = None,
    calendar: InspectionCalendar | None = None,
    children: Mapping[int, ChildSummary] | None = None,
    strength_share: float = 0.75,
) -> Letter:
    """The letter and its annex for ``findings`` about the children of ``selection``.

    ``book`` gives the agencies' kinds and the area's name, ``calendar`` the dates,
    ``children`` the summaries the case studies describe; each is optional.
    """
    theme = theme or load_theme()
    kinds = theme.findings
    crit = theme.criteria
    seen = selection.children
    total = len(seen)
    order = {c: i for i, c in enumerate(seen)}
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.kind in kinds:
            groups[(f.kind, f.subject)].append(f)
    # per subject: children with a concern, children with a strength, anyone
    concern_children: dict[str, set[int]] = defaultdict(set)
    strength_children: dict[str, set[int]] = defaultdict(set)
    for f in findings:
        (strength_children if f.strength else concern_children)[f.subject].add(f.child)
    points: list[LetterPoint] = []
    shares: dict[int, float] = {}
    for (kind, subject), group in groups.items():
        spec = kinds[kind]
        by_child: dict[int, list[int]] = defaultdict(list)
        agencies: list[str] = []
        for f in group:
            by_child[f.child].extend(f.event_ids)
            agencies += [a for a in f.agencies if a not in agencies]
        members = sorted(by_child, key=lambda c: (order.get(c, len(order)), c))
        anyone = strength_children[subject] | concern_children[subject]
        if spec.strength:
            good = strength_children[subject] - concern_children[subject]
            if not good or len(good) < strength_share * len(anyone):
                continue
            members = [c for c in members if c in good]
        ids = tuple(sorted({i for c in members for i in by_child[c]}))
        point = LetterPoint(
            text=spec.text(n=len(members), total=total, subject=subject),
            kind=kind,
            subject=subject,
            strength=spec.strength,
            criterion=group[0].criteria[0] if group[0].criteria else spec.criteria[0],
            other_criteria=tuple(c for c in group[0].criteria[1:]),
            children=tuple(members),
            event_ids=ids,
            agencies=tuple(agencies),
            evidence=tuple((c, tuple(sorted(set(by_child[c])))) for c in members),
        )
        points.append(point)
        shares[len(points) - 1] = len(members) / max(len(anyone), 1)

    def sections(strength: bool) -> tuple[LetterSection, ...]:
        out = []
        for key, criterion in crit.items():
            mine = [p for p in points if p.strength == strength and p.criterion == key]
            if mine:
                mine.sort(key=lambda p: (-len(p.children), kinds[p.kind].label, p.subject))
                out.append(LetterSection(criterion=criterion, points=tuple(mine)))
        return tuple(out)

    well, improve = sections(True), sections(False)
    annex = tuple(p for sec in well + improve for p in sec.points)
    share_of = {id(p): shares[i] for i, p in enumerate(points)}
    n_well = sum(len(s.points) for s in well)
    n_improve = sum(len(s.points) for s in improve)
    summary = (
        f"Inspectors tracked {len(selection.tracked)} "
        f"{'child' if len(selection.tracked) == 1 else 'children'} and sampled "
        f"{len(selection.sample)} more, from {selection.eligible} on the area's list. Their "
        f"records show {n_well} {'thing' if n_well == 1 else 'things'} working well and "
        f"{n_improve} that {'needs' if n_improve == 1 else 'need'} to improve."
    )
    kind_of = {k: a.kind for k, a in book.agencies.items()} if book is not None else {}

    def partners(agencies: Sequence[str]) -> tuple[str, ...]:
        return partners_of(kind_of.get(a, a) for a in agencies)

    def statements(sections_: tuple[LetterSection, ...], limit: int) -> list[LetterStatement]:
        out = []
        for sec in sections_:
            top = sorted(sec.points, key=lambda p: (-len(p.children), -share_of[id(p)], p.subject))[
                :3
            ]
            words = [
                kinds[p.kind].letter.format(
                    subject=p.subject, band=band(share_of[id(p)], strength=p.strength)
                )
                for p in top
            ]
            agencies = [a for p in top for a in p.agencies]
            named = partners(agencies) or tuple(sec.criterion.partners)
            out.append(
                LetterStatement(
                    criterion=sec.criterion.key,
                    title=sec.criterion.title,
                    text=f"{sec.criterion.title}: " + "; ".join(words) + ".",
                    partners=named,
                    points=tuple(annex.index(p) for p in top),
                    children=len({c for p in sec.points for c in p.children}),
                )
            )
        out.sort(key=lambda s: -s.children)
        return out[:limit]

    strengths = statements(well, theme.letter.strengths)
    improvements = statements(improve, theme.letter.improvements)
    area = (book.name if book is not None else "") or "the area"
    present = (
        partners_of(a.kind for a in book.agencies.values()) if book is not None else tuple(PARTNERS)
    )
    return Letter(
        working_well=well,
        to_improve=improve,
        children_seen=total,
        summary=summary,
        area=area,
        date=calendar.publication if calendar is not None else None,
        addressees=tuple(f"{role}, {area}" for role in theme.letter.addressees),
        opening=_opening(theme, area, selection, calendar),
        headline=_headline(strengths, improvements),
        strengths=tuple(strengths),
        improvements=tuple(improvements),
        case_studies=_case_studies(findings, selection, children, kinds),
        partners=tuple(_partner_paragraph(key, strengths, improvements, annex) for key in present),
        to_gather=_to_gather(theme, annex),
        next_steps=_next_steps(calendar),
        signatories=theme.letter.signatories,
    )


def _opening(
    theme: Theme, area: str, selection: Selection, calendar: InspectionCalendar | None
) -> str:
    when = ""
    if calendar is not None and calendar.on_site:
        when = f"Between {fmt_date(calendar.on_site[0])} and {fmt_date(calendar.on_site[-1])}, "
    who = join_words(theme.letter.signatories)
    text = (
        f"{when}{who} carried out a joint inspection in {area} of {theme.theme.title}. "
        f"This letter sets out what inspectors found"
    )
    if theme.theme.about:
        text += f" about {theme.theme.about}"
    return (
        text + f". Inspectors looked in depth at the experiences of {len(selection.tracked)} "
        f"children, sampled the records of {len(selection.sample)} more, and evaluated the "
        "partnership's own audits of the children they tracked."
    )


def _headline(
    strengths: Sequence[LetterStatement], improvements: Sequence[LetterStatement]
) -> tuple[str, ...]:
    out = []
    if strengths:
        titles = join_words(s.title.lower() for s in strengths[:3])
        out.append(f"Inspectors found strengths in {titles}.")
    if improvements:
        titles = join_words(s.title.lower() for s in improvements[:3])
        out.append(f"The most important areas for improvement are {titles}.")
        named = {p for s in improvements for p in s.partners}
        if len(named) > 1:
            out.append(
                "These weaknesses are not confined to one agency: they involve "
                + join_words(PARTNERS[p].title for p in PARTNERS if p in named)
                + "."
            )
    if not improvements and not strengths:
        out.append("The records of the children seen show too little to judge from records alone.")
    return tuple(out)


def _child_words(c: ChildSummary | None) -> str:
    if c is None:
        return "One child"
    who = "girl" if c.female else "boy"
    status = STATUS_WORDS.get(c.legal_status, c.legal_status)
    return f"A {c.age}-year-old {who} ({status})"


def _case_studies(
    findings: Sequence[Finding],
    selection: Selection,
    children: Mapping[int, ChildSummary] | None,
    kinds: Mapping[str, FindingKind],
) -> tuple[LetterParagraph, ...]:
    """One anonymised case of good practice and one of concern, from the tracked children."""
    tracked = [p.child for p in selection.tracked]
    mine: dict[int, list[Finding]] = {c: [] for c in tracked}
    for f in findings:
        if f.child in mine and f.kind in kinds:
            mine[f.child].append(f)
    if not tracked:
        return ()

    def score(c: int, strength: bool) -> tuple[int, int]:
        good = sum(f.strength for f in mine[c])
        bad = len(mine[c]) - good
        return (good - bad, good) if strength else (bad, -good)

    out = []
    best = max(tracked, key=lambda c: score(c, True))
    worst = max((c for c in tracked if c != best), key=lambda c: score(c, False), default=None)
    lookup = children or {}
    for child, strength, heading in (
        (best, True, "Case study: practice that made a difference"),
        (worst, False, "Case study: where practice needs to improve"),
    ):
        if child is None:
            continue
        chosen = [f for f in mine[child] if f.strength == strength][:3]
        if not chosen:
            continue
        events = " ".join(f.evidence for f in chosen)  # agencies and dates, never ids
        out.append(
            LetterParagraph(heading=heading, text=f"{_child_words(lookup.get(child))}. {events}")
        )
    return tuple(out)


def _partner_paragraph(
    key: str,
    strengths: Sequence[LetterStatement],
    improvements: Sequence[LetterStatement],
    annex: Sequence[LetterPoint],
) -> LetterParagraph:
    partner = PARTNERS[key]
    good = [s for s in strengths if key in s.partners]
    bad = [s for s in improvements if key in s.partners]
    parts = []
    if good:
        parts.append(
            f"For the children seen, {partner.title} contributed to strengths in "
            + join_words(s.title.lower() for s in good)
            + "."
        )
    if bad:
        parts.append(
            ("However, " if good else "")
            + f"{partner.title} {partner.need} to improve their part in "
            + join_words(s.title.lower() for s in bad)
            + "."
        )
    if not parts:
        parts.append(
            f"The records of the children seen say little about the work of {partner.title}; "
            "the audits and conversations on site must supply the evidence."
        )
    return LetterParagraph(heading=partner.heading, text=_sentence(" ".join(parts)), partner=key)


_SOURCES = {
    "audits": "the partnership's audits of the tracked children",
    "conversations": "conversations with children, families, practitioners and leaders",
    "records": "the records",
}


def _to_gather(theme: Theme, annex: Sequence[LetterPoint]) -> tuple[LetterParagraph, ...]:
    """Criteria the records cannot evidence, or did not for these children: where to look."""
    evidenced = {p.criterion for p in annex} | {c for p in annex for c in p.other_criteria}
    out = []
    for key, c in theme.criteria.items():
        if c.from_records and key in evidenced:
            continue
        why = (
            "The records cannot show this."
            if not c.from_records
            else "The records of the children seen did not show this."
        )
        sources = [s for s in c.evidence if s != "records"] or ["audits", "conversations"]
        text = f"{why} Its evidence must come from " + join_words(_SOURCES[s] for s in sources)
        if c.prompts:
            text += ". Ask: " + " ".join(c.prompts)
        else:
            text += "."
        out.append(LetterParagraph(heading=c.title, text=text))
    return tuple(out)


def _next_steps(calendar: InspectionCalendar | None) -> str:
    due = f" by {fmt_date(calendar.action_statement)}" if calendar is not None else ""
    return (
        "The director of children's services should prepare a written statement of proposed "
        "action in response to these findings, on behalf of the partnership and overseen by "
        f"the safeguarding partners, and send it to Ofsted{due}. The statement should say "
        "how each partner agency will act on the areas for improvement and how leaders will "
        "know that practice has changed."
    )
