"""Play a :class:`~hostile.cases.Case` in a fresh working folder and judge it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .cases import XFAIL, Case
from .harness import WORKERS, Outcome, judge, run_forked, run_subprocess, snapshot

Runner = Callable[..., Outcome]


def lay_out(case: Case, work: Path) -> None:
    """Write the case's files into ``work`` and run its ``prepare``."""
    for name, made in case.files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        content = made() if callable(made) else made
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


def sample(cases: Sequence[Case]) -> set[str]:
    """The ids of the cases ``make test`` plays; ``make test-slow`` plays the rest.

    A generated case's id is its slot (an option, a key, a file kind) then the hostile
    value's name. The sample takes one value of every slot, the n-th slot its
    (n mod size)-th value, so every slot and, across the slots, every value is played.
    Ids of one word are slots of their own.
    """
    slots: dict[str, list[str]] = {}
    for item in cases:
        slot = item.id.rsplit(" ", 1)[0] if " " in item.id else item.id
        slots.setdefault(slot, []).append(item.id)
    return {ids[n % len(ids)] for n, ids in enumerate(slots.values())}


def params(cases: Sequence[Case], kept: set[str] | None = None) -> list[Any]:
    """pytest parameters of ``cases``, each marked xfail (strict) if ``XFAIL`` lists it,
    and ``slow`` unless it is ``kept`` (by default, in :func:`sample`)."""
    kept = sample(cases) if kept is None else kept
    out = []
    for item in cases:
        marks: list[Any] = []
        if item.id in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[item.id]))
        if item.id not in kept:
            marks.append(pytest.mark.slow)
        out.append(pytest.param(item, id=item.id, marks=marks))
    return out


Played = tuple[Outcome, list[str]] | BaseException
_PLAYED: dict[tuple[str, str], Played] = {}


def _play_or_raise(case: Case, tmp_path: Path, runner: Runner) -> Played:
    try:
        return play(case, tmp_path, runner)
    except BaseException as exc:  # a skip or a broken prepare: raised again in the test
        return exc


def _selected(request: pytest.FixtureRequest) -> list[Case]:
    """The cases of this test function that this session will run."""
    node = request.node
    return [
        item.callspec.params["case"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == node.originalname
        and item.module is node.module
        and hasattr(item, "callspec")
        and "case" in item.callspec.params
    ]


def play_batched(
    case: Case, request: pytest.FixtureRequest, factory: pytest.TempPathFactory, runner: Runner
) -> tuple[Outcome, list[str]]:
    """The result of ``case``, playing every selected case of its test two at a time
    the first time one is asked for (the machine has two cores; each case is bounded
    and measured on its own all the same)."""
    key = (str(request.node.module.__name__), request.node.originalname)
    if (key[0], case.id) not in _PLAYED:
        todo = [c for c in _selected(request) if (key[0], c.id) not in _PLAYED] or [case]
        with ThreadPoolExecutor(WORKERS) as pool:
            folders = {c.id: factory.mktemp("case") for c in todo}
            done = pool.map(lambda c: _play_or_raise(c, folders[c.id], runner), todo)
            for item, result in zip(todo, done, strict=True):
                _PLAYED[(key[0], item.id)] = result
    result = _PLAYED.pop((key[0], case.id))
    if isinstance(result, BaseException):
        raise result
    return result


def check(
    case: Case,
    request: pytest.FixtureRequest,
    factory: pytest.TempPathFactory,
    runner: Runner = run_forked,
) -> None:
    """Assert that ``case`` keeps the promise."""
    outcome, problems = play_batched(case, request, factory, runner)
    shown = " ".join(case.argv)[:300]
    assert not problems, (
        f"{case.id}: jtai-sim {shown}\n  "
        + "\n  ".join(problems)
        + f"\n  exit {outcome.returncode}, {outcome.seconds:.1f} s, "
        f"{outcome.maxrss_kib // 1024} MB"
    )


__all__ = ["check", "params", "play", "run_forked", "run_subprocess"]
