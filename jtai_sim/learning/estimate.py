"""One learned value and where it came from: the provenance of every key ``learn`` writes.

An :class:`Estimate` holds the value, the number of records it rests on, its 95% interval
and its source: ``"data"`` (measured in the case book) or ``"default"`` (taken from
Midshire, ``scenarios/midshire.toml``, because the records cannot give it).
:func:`comment` turns one into the TOML comment written next to the key.

>>> comment(Estimate(estimate=0.31, n=1200, low=0.28, high=0.34))
'# n = 1200, 95% interval 0.28 to 0.34'
>>> comment(Estimate(estimate=2.0, source="default", note="Midshire's"))
"# default: Midshire's"
"""

from __future__ import annotations

import math
from typing import Literal

from attrs import frozen

Source = Literal["data", "default"]


@frozen(kw_only=True)
class Estimate:
    """A learned (or defaulted) value with its sample size and 95% interval."""

    estimate: float
    n: int = 0
    low: float = math.nan
    high: float = math.nan
    source: Source = "data"
    #: what the value means or why it is a default
    note: str = ""

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval (``nan`` ends when none could be given)."""
        return (self.low, self.high)


def number(x: float) -> str:
    """``x`` to four significant figures, as a comment writes it.

    >>> number(0.123456), number(1234.5678), number(3.0)
    ('0.1235', '1235', '3')
    """
    return f"{x:.4g}"


def comment(e: Estimate) -> str:
    """The TOML comment for ``e``: sample size and interval, or the default it came from."""
    if e.source == "default":
        return f"# default: {e.note}" if e.note else "# default"
    if e.n == 0 and math.isnan(e.low):
        return f"# {e.note}" if e.note else ""
    text = f"# n = {e.n}"
    if not (math.isnan(e.low) or math.isnan(e.high)):
        text += f", 95% interval {number(e.low)} to {number(e.high)}"
    return f"{text}; {e.note}" if e.note else text
