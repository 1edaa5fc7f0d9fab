"""Generated hostile inputs: every numeric key of every file kind given hostile values, each run as
``tests/test_hostile_generated.py`` says (a file of its own, so that the suite's
processes can play it beside the others)."""

from __future__ import annotations

import pytest
from hostile.cases import Case, key_cases
from hostile.play import check, params

KEYS = key_cases()


@pytest.mark.parametrize("case", params(KEYS))
def test_file_key_value(
    case: Case, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    check(case, request, tmp_path_factory)
