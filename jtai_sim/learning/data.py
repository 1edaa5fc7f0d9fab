"""The records ``jtai-sim learn`` reads: :func:`read_case_book`.

For now a case-list folder (``children.csv``, ``events.csv`` and optionally
``agencies.csv``, as ``scenarios/cases/README.md`` documents them), read by
:func:`jtai_sim.inspection.load_case_list`; every mistake in it is a
:class:`~jtai_sim.errors.CaseListError` naming the file, line, column and value.

>>> book = read_case_book("scenarios/cases")
>>> book.source, len(book.children) > 0
('case list', True)
"""

from __future__ import annotations

from pathlib import Path

from jtai_sim.inspection import load_case_list
from jtai_sim.inspection.model import CaseBook


def read_case_book(path: str | Path) -> CaseBook:
    """The case book held at ``path`` (a case-list folder, or a file in one)."""
    return load_case_list(path)
