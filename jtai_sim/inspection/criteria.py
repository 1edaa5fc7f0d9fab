"""The evaluation criteria and the kinds of finding, read from ``jtai_sim/data/criteria.toml``.

The criteria are data, in our own words: a facilitator can read and edit them
without touching code. Each kind of finding names the criteria it bears on
(the first is where the letter files it) and the sentences the letter uses.

>>> crit = criteria()
>>> crit["information_sharing"].title
'Sharing information'
>>> kind = finding_kinds()["information_lost"]
>>> kind.criteria[0], kind.strength
('information_sharing', False)
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from attrs import frozen

from jtai_sim.inspection.model import Criterion


@frozen(kw_only=True)
class FindingKind:
    """One kind of finding: its heading, criteria and letter sentence."""

    key: str
    label: str
    criteria: tuple[str, ...]
    strength: bool
    sentence: str

    def text(self, *, n: int, total: int, subject: str) -> str:
        """The letter's sentence for ``n`` of ``total`` children about ``subject``."""
        return self.sentence.format(
            n=n, total=total, subject=subject, were="was" if n == 1 else "were"
        )


@cache
def _data() -> dict[str, Any]:
    text = resources.files("jtai_sim").joinpath("data/criteria.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def criteria() -> dict[str, Criterion]:
    """The evaluation criteria, in file order."""
    return {
        key: Criterion(
            key=key,
            title=str(c["title"]),
            description=str(c["description"]),
            prompts=tuple(str(p) for p in c.get("prompts", ())),
        )
        for key, c in _data()["criteria"].items()
    }


@cache
def finding_kinds() -> dict[str, FindingKind]:
    """Every kind of finding, in file order."""
    known = criteria()
    out: dict[str, FindingKind] = {}
    for key, f in _data()["findings"].items():
        crit = tuple(str(c) for c in f["criteria"])
        unknown = [c for c in crit if c not in known]
        if unknown:  # pragma: no cover - guarded by a test of the shipped file
            raise ValueError(f"criteria.toml: findings.{key}: unknown criteria {unknown}")
        strength = bool(f["strength"])
        out[key] = FindingKind(
            key=key,
            label=str(f["label"]),
            criteria=crit,
            strength=strength,
            sentence=str(f["praise"] if strength else f["concern"]),
        )
    return out


def criteria_for(kind: str) -> tuple[str, ...]:
    """The criteria a finding of ``kind`` bears on."""
    return finding_kinds()[kind].criteria
