"""One row per child from the rows of a format's files, each of which names the child.

Annex A lists repeat a child's gender, ethnicity and date of birth on every list the
child is on, and a CAMHS extract on every referral. :func:`one_row_per_child` keeps the
first row's facts in file order (a disability counts if any row records it) and refuses a
child whose date of birth or gender differs between rows, naming both rows, since the
records cannot say which is right.

>>> import pandas as pd
>>> rows = pd.DataFrame({"reference": ["A1", "A1"], "line": [1, 2], "file": ["f", "g"],
...     "row": [2, 5], "dob": pd.to_datetime(["2015-01-02", None]), "age_given": [None, 9.0],
...     "sex": ["female", ""], "ethnicity": ["WBRI", "WBRI"], "disability": [False, True]})
>>> kid = one_row_per_child(rows).iloc[0]
>>> kid["dob"], bool(kid["female"]), bool(kid["disability"])
(datetime.date(2015, 1, 2), True, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jtai_sim.errors import RecordsError
from jtai_sim.records.written import DATE_FORMAT

#: The most mistakes listed in one error (the rest are left for the next reading).
MAX_LISTED = 50


def one_row_per_child(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per ``reference`` from ``rows`` (columns ``reference``, ``line``, the order
    the rows were read in, ``file`` and ``row``, where each was read, and the child's
    ``dob``, ``age_given``, ``sex``, ``ethnicity`` and ``disability``): the first row's
    facts in ``line`` order and ``female``; raises naming every child whose date of birth
    or gender differs between rows (up to :data:`MAX_LISTED`)."""
    rows = rows.sort_values("line", kind="stable").reset_index(drop=True)
    # grouped by a number for each child, worked out once (grouping by text is slow)
    by = pd.Series(pd.factorize(rows["reference"])[0], index=rows.index)
    lines: list[str] = []
    for column, what in (("dob", "date of birth"), ("sex", "gender")):
        values = rows[column].where(rows[column] != "", None) if column == "sex" else rows[column]
        known = values.notna()
        first_value = values.groupby(by).transform("first")
        first_file = rows["file"].where(known).groupby(by).transform("first")
        first_row = rows["row"].where(known).groupby(by).transform("first")
        differ = (known & first_value.notna() & (values != first_value)).to_numpy()
        for i in np.flatnonzero(differ):
            shown, was = values.iat[i], first_value.iat[i]
            if column == "dob":
                shown, was = f"{shown:{DATE_FORMAT}}", f"{was:{DATE_FORMAT}}"
            lines.append(
                f"{rows['file'].iat[i]}:{rows['row'].iat[i]}: child {rows['reference'].iat[i]!r}: "
                f"{what} {shown} differs from {was} in {first_file.iat[i]}:{int(first_row.iat[i])}"
            )
    if lines:
        raise RecordsError(tuple(lines[:MAX_LISTED]))
    rows["sex_given"] = rows["sex"].where(rows["sex"] != "")
    firsts = rows.groupby(by, sort=False).agg(
        reference=("reference", "first"),
        line=("line", "first"),
        file=("file", "first"),
        row=("row", "first"),
        dob=("dob", "first"),
        age_given=("age_given", "first"),
        sex=("sex_given", "first"),
        ethnicity=("ethnicity", "first"),
        disability=("disability", "max"),
    )
    out = firsts.reset_index(drop=True)
    out["female"] = (out["sex"] == "female").to_numpy(bool)
    out["dob"] = [d.date() if not pd.isna(d) else None for d in out["dob"].tolist()]
    return out.drop(columns=["sex"])


__all__ = ["MAX_LISTED", "one_row_per_child"]
