"""The evaluation criteria and kinds of finding of a theme (the default theme if none given).

The criteria are data, in each theme's file (:mod:`jtai_sim.inspection.theme`):
a facilitator can read and edit them without touching code. Each kind of
finding names the criteria it bears on (the first is where the annex files it)
and the sentences the annex and the letter use.

>>> crit = criteria()
>>> crit["information_sharing"].title
'Sharing information'
>>> kind = finding_kinds()["information_lost"]
>>> kind.criteria[0], kind.strength
('information_sharing', False)
"""

from __future__ import annotations

from jtai_sim.inspection.model import Criterion
from jtai_sim.inspection.theme import FindingKind, Theme, load_theme


def criteria(theme: Theme | None = None) -> dict[str, Criterion]:
    """The evaluation criteria of ``theme``, in file order."""
    return dict((theme or load_theme()).criteria)


def finding_kinds(theme: Theme | None = None) -> dict[str, FindingKind]:
    """The kinds of finding ``theme`` uses, in file order."""
    return dict((theme or load_theme()).findings)


def criteria_for(kind: str, agency_kinds: tuple[str, ...], theme: Theme) -> tuple[str, ...]:
    """The criteria a finding of ``kind`` about agencies of ``agency_kinds`` bears on.

    Those of the kind first, then every criterion that gathers findings about
    agencies of one of those kinds (a partner agency's own criterion).
    """
    own = theme.findings[kind].criteria
    extra = tuple(
        key
        for key, c in theme.criteria.items()
        if key not in own and set(c.kinds) & set(agency_kinds)
    )
    return own + extra
