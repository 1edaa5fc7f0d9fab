"""Small-number suppression for published tables, as official statistics do it.

Tables about groups of children can point at a child: a count of three Black disabled
girls turned away by CAMHS is about three children someone may know. Official
statistics in England hide such cells. The practice followed here is the one the
Government Statistical Service sets out for tables of counts (disclosure control:
primary suppression of small counts, then secondary suppression so that no hidden
cell can be worked out by taking the shown cells from a total) and the mark the
Department for Education's statistics use for a hidden figure, ``c`` (confidential):

* **primary**: a count from 1 to 9 (:data:`THRESHOLD` is 10) is hidden; a true zero
  is shown, as it is in those tables;
* **derived figures**: a rate, share, mean or ratio built on a hidden count is hidden
  with it;
* **secondary**: within a table whose cells add up to a total shown beside them, a
  single hidden cell could be found by subtraction, so the smallest other cell is
  hidden too (:func:`hidden_cells`);
* **rounding**: shares are shown in whole percent (:func:`whole_percent`).

>>> import pandas as pd
>>> t = pd.DataFrame({"table": ["a"] * 4, "total": [False, False, False, True],
...                   "n": [4, 30, 50, 84]})
>>> hidden_cells(t, ["n"], by=["table"], total="total")["n"].tolist()
[True, True, False, False]
>>> whole_percent(0.2749), MARK
(27, 'c')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Counts below this (and above zero) are hidden.
THRESHOLD = 10
#: What a table shows for a hidden figure (the DfE's mark for a confidential figure).
MARK = "c"


def small(values: pd.Series | np.ndarray, threshold: int = THRESHOLD) -> np.ndarray:
    """Which counts are hidden by primary suppression: from 1 to ``threshold - 1``.

    >>> small(np.array([0, 1, 9, 10])).tolist()
    [False, True, True, False]
    """
    v = np.asarray(values, dtype=np.float64)
    return (v > 0) & (v < threshold)


def hidden_cells(
    frame: pd.DataFrame,
    counts: Sequence[str],
    *,
    by: Sequence[str],
    total: str,
    threshold: int = THRESHOLD,
) -> pd.DataFrame:
    """Which cells of each count column in ``counts`` to hide (a frame of booleans).

    Rows with the same values in ``by`` form one table whose cells add up to the row
    marked in the boolean column ``total``. A count is hidden if it is small
    (:func:`small`); then, in each table with exactly one hidden cell (the total
    not counted) the smallest shown cell is hidden as well (a zero only if no other is
    left), so the hidden one cannot be found from the total. A total is hidden only if
    it is small itself, and then its table needs no second cell hidden.
    """
    out = pd.DataFrame(index=frame.index)
    if frame.empty:
        return out.assign(**{c: np.zeros(0, bool) for c in counts})
    is_total = frame[total].to_numpy(bool)
    keys = (
        frame[list(by)].astype(str).agg("\x1f".join, axis=1)
        if by
        else pd.Series("", index=frame.index)
    )
    for column in counts:
        values = frame[column].to_numpy(np.float64)
        hide = small(values, threshold)
        parts = pd.DataFrame(
            {"key": keys.to_numpy(), "hide": hide & ~is_total, "value": values}, index=frame.index
        )
        # a table whose total is hidden gives nothing away by subtraction
        closed = set(parts.loc[is_total & hide, "key"])
        parts = parts[~is_total & ~parts["key"].isin(closed)]
        lone = parts.groupby("key")["hide"].transform("sum") == 1
        candidates = parts[lone & ~parts["hide"]].assign(zero=lambda f: f["value"] == 0)
        if len(candidates):
            # the smallest shown cell of each table with one hidden cell, a zero only if
            # there is no other (a hidden zero leaves the pair summing to the small count)
            order = candidates.sort_values(["zero", "value"], kind="stable")
            pick = order.groupby("key").head(1).index
            hide[frame.index.get_indexer(pick)] = True
        out[column] = hide
    return out


def whole_percent(share: float) -> int:
    """A share in whole percent, rounded half away from zero as published tables do
    (Python's ``round`` would take 0.125 to 12, not 13).

    >>> whole_percent(0.125), whole_percent(0.994), whole_percent(0.0)
    (13, 99, 0)
    """
    scaled = abs(share) * 100
    return int(np.sign(share) * np.floor(scaled + 0.5 + 1e-9))


__all__ = ["MARK", "THRESHOLD", "hidden_cells", "small", "whole_percent"]
