"""The records ``jtai-sim learn`` reads: :func:`read_case_book`.

Any records :func:`jtai_sim.records.book.load_records` reads: a case-list folder
(``children.csv``, ``events.csv`` and optionally ``agencies.csv``, as
``scenarios/cases/README.md`` documents them), Annex A lists, an SSDA903 return, a
CAMHS extract, or a folder written by ``jtai-sim run`` (its exported records, else its
event log less what only the simulation knows); every mistake in them is a
:class:`~jtai_sim.errors.CaseListError` naming the file, line, column and value. A
scenario holds no child ids, so the ids are pseudonymised as they are everywhere else.

>>> book = read_case_book("scenarios/cases")
>>> book.source, len(book.children) > 0
('case list', True)
"""

from __future__ import annotations

from pathlib import Path

from jtai_sim.inspection.model import CaseBook
from jtai_sim.records.book import load_records


def read_case_book(path: str | Path) -> CaseBook:
    """The case book held at ``path`` (a folder of records, or a file of them)."""
    return load_records(path)
