"""What every writer of the area's records says about a child: id, sex, ethnicity code,
date of birth and disability, as one table.

A simulated child has an age, not a date of birth; a writer draws one from ``seed``
that gives the child exactly that age on the day they first came to notice
(:func:`~jtai_sim.inspection.cases_csv.draw_date_of_birth`), so every format written
from one run with one seed gives a child the same birthday.

>>> from jtai_sim import load_scenario, simulate
>>> from jtai_sim.inspection import casebook_from_run
>>> book = casebook_from_run(simulate(load_scenario("scenarios/minimal.toml"), seed=1, days=30))
>>> list(written_children(book, seed=0).columns)
['child', 'reference', 'female', 'ethnicity', 'dob', 'disability']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jtai_sim.inspection.cases_csv import draw_date_of_birth
from jtai_sim.inspection.model import CaseBook
from jtai_sim.records.codes import ethnicity_code

#: How every writer writes a date (the form of the DfE's returns and Ofsted's lists).
DATE_FORMAT = "%d/%m/%Y"


def written_children(book: CaseBook, seed: int) -> pd.DataFrame:
    """One row per child of ``book``: ``child`` (the case book's number), ``reference``
    (the id as written), ``female``, ``ethnicity`` (a DfE code), ``dob`` (a datetime) and
    ``disability``."""
    k = book.children
    rng = np.random.default_rng(seed)
    born = pd.to_datetime(k["date_of_birth"]) if "date_of_birth" in k else None
    dob = [
        born.iat[i].date()
        if born is not None and not pd.isna(born.iat[i])
        else draw_date_of_birth(int(age), arrived, rng)
        for i, (age, arrived) in enumerate(zip(k["age"], k["arrived_date"], strict=True))
    ]
    return pd.DataFrame(
        {
            "child": k["child"].to_numpy(),
            "reference": k["reference"].astype(str).to_numpy(),
            "female": k["female"].to_numpy(bool),
            "ethnicity": [ethnicity_code(str(e)) for e in k["ethnicity"]],
            "dob": pd.to_datetime(pd.Series(dob)).to_numpy(),
            "disability": k["disability"].to_numpy(bool),
        }
    )


def written_dates(values: pd.Series) -> pd.Series:
    """Dates as the sector's files write them, ``DD/MM/YYYY`` (empty for none).

    >>> written_dates(pd.Series(pd.to_datetime(["2024-04-01", None]))).tolist()
    ['01/04/2024', '']
    """
    return pd.to_datetime(values).dt.strftime(DATE_FORMAT).fillna("")


__all__ = ["DATE_FORMAT", "written_children", "written_dates"]
