"""Generated hostile inputs: every option of every command (``tests/test_hostile_options.py``),
every numeric key of every file kind (``tests/test_hostile_keys.py``), every file kind
broken in every usual way (here).

Each runs the real entry point (``runner.cli.main``) in a fork of a server that has
imported jtai-sim once (``tests/hostile/server.py``), so a case costs its own work
rather than an interpreter's start-up, and is still timed, measured and killed whole.
A generated value may be valid for its key: a case passes if the command refuses it
properly (exit 2, one line, nothing written) or succeeds (exit 0) within the bounds.
"""

from __future__ import annotations

import pytest
from hostile.cases import Case, file_cases, key_cases, option_cases
from hostile.play import check, params

OPTIONS = option_cases()
KEYS = key_cases()
FILES = file_cases()


def test_there_are_cases_of_every_sort_and_distinct_ids() -> None:
    ids = [c.id for c in (*OPTIONS, *KEYS, *FILES)]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for sort in ("scenario ", "theme ", "settings ", "experiment ", "variant "):
        assert any(c.id.startswith(sort) for c in KEYS), sort
    commands = {c.argv[0] for c in OPTIONS}
    assert commands == {
        "validate",
        "run",
        "graph",
        "compare",
        "sweep",
        "results",
        "warmup",
        "mock-week",
        "themes",
    }


@pytest.mark.parametrize("case", params(FILES))
def test_broken_file(
    case: Case, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    check(case, request, tmp_path_factory)
