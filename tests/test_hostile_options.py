"""Generated hostile inputs: every option of every command given hostile values, each run as
``tests/test_hostile_generated.py`` says (a file of its own, so that the suite's
processes can play it beside the others)."""

from __future__ import annotations

import pytest
from hostile.cases import Case, option_cases
from hostile.play import check, params

OPTIONS = option_cases()


@pytest.mark.parametrize("case", params(OPTIONS))
def test_option_value(
    case: Case, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    check(case, request, tmp_path_factory)
