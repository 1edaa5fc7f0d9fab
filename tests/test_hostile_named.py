"""The named hostile inputs, each run as the real command in a fresh interpreter.

These are the cases whose point is bounded work (a rate of 1e300, a 10,000-cell grid,
/dev/zero, a thousand workers) or a folder the command must not harm, so each is a
subprocess timed and measured on its own: refused (exit 2, one line) or finished
(exit 0) within 15 s and 1 GB, with nothing left behind by a refusal.
"""

from __future__ import annotations

import pytest
from hostile.cases import Case, named_cases
from hostile.play import check, params, run_subprocess

NAMED = named_cases()


def test_the_named_cases_have_distinct_ids() -> None:
    ids = [c.id for c in NAMED]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


#: ``make test`` plays every third named case, ``make test-slow`` the others
EVERY_THIRD = {c.id for c in NAMED[::3]}


@pytest.mark.parametrize("case", params(NAMED, EVERY_THIRD))
def test_named_case_keeps_the_promise(
    case: Case, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    check(case, request, tmp_path_factory, run_subprocess)
