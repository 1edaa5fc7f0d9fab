"""Play a :class:`~hostile.cases.Case` in a fresh working folder and judge it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from .cases import XFAIL, Case
from .harness import Outcome, judge, run_forked, run_subprocess, snapshot

Runner = Callable[..., Outcome]


def lay_out(case: Case, work: Path) -> None:
    """Write the case's files into ``work`` and run its ``prepare``."""
    for name, content in case.files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.prepare is not None:
        case.prepare(work)


def play(case: Case, tmp_path: Path, runner: Runner) -> tuple[Outcome, list[str]]:
    """Run ``case`` in ``tmp_path/work``; the outcome and the promises it broke."""
    if case.root_skips and os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder: the case means nothing as root")
    work = tmp_path / "work"
    work.mkdir()
    lay_out(case, work)
    before = snapshot(work)
    stdin = Path(case.stdin) if case.stdin else None
    outcome = runner(case.argv, work, timeout=case.timeout, stdin=stdin)
    after = snapshot(work)
    problems = judge(outcome, before, after, case.expect, case.says)
    if not problems and outcome.returncode == 0 and case.verify is not None:
        problems = case.verify(work, outcome)
    return outcome, problems


def params(cases: Iterable[Case]) -> list[Any]:
    """pytest parameters of ``cases``, each marked xfail (strict) if ``XFAIL`` lists it."""
    out = []
    for item in cases:
        marks: Sequence[Any] = ()
        if item.id in XFAIL:
            marks = (pytest.mark.xfail(strict=True, reason=XFAIL[item.id]),)
        out.append(pytest.param(item, id=item.id, marks=marks))
    return out


def check(case: Case, tmp_path: Path, runner: Runner = run_forked) -> None:
    """Assert that ``case`` keeps the promise."""
    outcome, problems = play(case, tmp_path, runner)
    shown = " ".join(case.argv)[:300]
    assert not problems, (
        f"{case.id}: jtai-sim {shown}\n  " + "\n  ".join(problems)
        + f"\n  exit {outcome.returncode}, {outcome.seconds:.1f} s, "
        f"{outcome.maxrss_kib // 1024} MB"
    )


__all__ = ["check", "params", "play", "run_forked", "run_subprocess"]
