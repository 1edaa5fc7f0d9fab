"""Run ``jtai-sim`` on a case and judge the outcome against the suite's promise.

Two ways to run, judged alike:

* :func:`run_subprocess`: the real command in a fresh interpreter
  (``python -c "from runner.cli import main; main()" ARGS``), for the named cases whose
  point is bounded work;
* :func:`run_forked`: the same entry point in a fork of a server that imported
  jtai-sim once (:mod:`.server`), for the many cheap generated cases.

Both run with ``PYTHONPATH`` at the checkout holding this file, in a working folder
of their own, with a 15 s and 1 GB bound; :func:`judge` lists what broke the promise.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import queue
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .bounds import MEMORY_LIMIT_KIB, TIME_LIMIT_S, wait_bounded

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent  # the checkout under test: tests/hostile/ is two levels down
SCENARIOS = REPO / "scenarios"
ENTRY = "from runner.cli import main; main()"
PREFIX = "jtai-sim: error:"


@dataclass(frozen=True)
class Outcome:
    """What one run of the command did."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    maxrss_kib: int
    timed_out: bool
    over_memory: bool


def _env() -> dict[str, str]:
    """The environment of a run: this checkout first on the path, no bytecode written."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONWARNINGS", None)
    return env


def _io_dir(work: Path) -> Path:
    """Where a run's standard streams are kept: beside the working folder, not in it."""
    folder = work.parent / f"{work.name}.io"
    folder.mkdir(exist_ok=True)
    return folder


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def run_subprocess(
    argv: Sequence[str], work: Path, timeout: float = TIME_LIMIT_S, stdin: Path | None = None
) -> Outcome:
    """Run the command in a fresh interpreter with ``work`` as its folder."""
    io = _io_dir(work)
    out, err = io / "stdout", io / "stderr"
    with (
        open(stdin or os.devnull, "rb") as given,
        open(out, "wb") as out_file,
        open(err, "wb") as err_file,
    ):
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", ENTRY, *argv],
            cwd=work,
            env=_env(),
            stdin=given,
            stdout=out_file,
            stderr=err_file,
            start_new_session=True,
        )
        waited = wait_bounded(process.pid, started, timeout=timeout)
        process.returncode = waited.returncode if waited.returncode is not None else -9
    return Outcome(
        waited.returncode,
        _read(out),
        _read(err),
        waited.seconds,
        waited.maxrss_kib,
        waited.timed_out,
        waited.over_memory,
    )


class ForkServer:
    """The fork server of :mod:`.server`, started on first use and stopped at exit."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "server.py")],
            cwd=REPO,
            env=_env() | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        ready = process.stdout.readline()
        if not ready:
            raise RuntimeError("the hostile-input fork server did not start")
        atexit.register(self.close)
        return process

    def run(self, argv: Sequence[str], work: Path, timeout: float, stdin: Path | None) -> Outcome:
        """Run one case in a fork of the server."""
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        io = _io_dir(work)
        request = {
            "argv": list(argv),
            "cwd": str(work),
            "stdin": str(stdin or os.devnull),
            "stdout": str(io / "stdout"),
            "stderr": str(io / "stderr"),
            "timeout": timeout,
        }
        pipe_in: IO[str] | None = self._process.stdin
        pipe_out: IO[str] | None = self._process.stdout
        assert pipe_in is not None and pipe_out is not None
        pipe_in.write(json.dumps(request) + "\n")
        pipe_in.flush()
        reply: dict[str, Any] = json.loads(pipe_out.readline())
        return Outcome(
            reply["returncode"],
            _read(io / "stdout"),
            _read(io / "stderr"),
            reply["seconds"],
            reply["maxrss_kib"],
            reply["timed_out"],
            reply["over_memory"],
        )

    def close(self) -> None:
        """Stop the server (it exits when its stdin closes)."""
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


# Cases run two at a time (the suite's machine has two cores), one server for each; one
# at a time when pytest-xdist runs the suite in a process per core, so that each case's
# time limit is measured with no more processes than cores.
WORKERS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 2
_SERVERS: queue.Queue[ForkServer] = queue.Queue()
for _ in range(WORKERS):
    _SERVERS.put(ForkServer())


def run_forked(
    argv: Sequence[str], work: Path, timeout: float = TIME_LIMIT_S, stdin: Path | None = None
) -> Outcome:
    """Run the command in a fork of a pre-loaded server with ``work`` as its folder."""
    server = _SERVERS.get()
    try:
        return server.run(argv, work, timeout, stdin)
    finally:
        _SERVERS.put(server)


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its SHA-256 ("dir" for folders, "link" for links)."""
    tree: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        for name in dirnames:
            tree[str((here / name).relative_to(root))] = "dir"
        for name in filenames:
            path = here / name
            key = str(path.relative_to(root))
            if path.is_symlink() or not path.is_file():
                tree[key] = "special"
            else:
                tree[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return tree


def tree_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What appeared, disappeared or changed between two snapshots."""
    changes = [f"new {p}" for p in sorted(after.keys() - before.keys())]
    changes += [f"removed {p}" for p in sorted(before.keys() - after.keys())]
    changes += [
        f"changed {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]
    ]
    return changes


_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")


def _last_line(text: str) -> str:
    """The line that says what went wrong: an exception's, else the last one."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    named = [line for line in lines if _EXCEPTION.match(line)]
    return (named or lines or ["(nothing)"])[-1][:200]


def judge(
    outcome: Outcome,
    before: dict[str, str],
    after: dict[str, str],
    expect: str,
    says: Iterable[str] = (),
) -> list[str]:
    """The ways ``outcome`` broke the promise (none: it kept it).

    ``expect`` is ``"refused"`` (exit 2 and one line), ``"ok"`` (exit 0) or
    ``"either"`` (a generated value that may be valid for its key). A refusal must
    leave the working folder exactly as it was; a success must leave no
    ``.partial`` folder behind. ``says`` are texts the error line must hold.
    """
    problems: list[str] = []
    if outcome.timed_out:
        problems.append(f"timeout: still running after {outcome.seconds:.0f} s")
    if outcome.over_memory:
        problems.append(f"memory: {outcome.maxrss_kib // 1024} MB, over {MEMORY_LIMIT_KIB // 1024}")
    if "Traceback" in outcome.stdout or "Traceback" in outcome.stderr:
        problems.append(f"traceback: {_last_line(outcome.stderr)}")
    code = outcome.returncode
    if code == 2 and expect in ("refused", "either"):
        lines = outcome.stderr.splitlines()
        if len(lines) != 1 or not lines[0].strip() or not lines[0].startswith(PREFIX):
            shown = " | ".join(line[:120] for line in lines[:4])
            problems.append(f"lines: {len(lines)} stderr lines: {shown}")
        else:
            problems += [
                f"message: does not name {s!r}: {lines[0]}" for s in says if s not in lines[0]
            ]
        changes = tree_changes(before, after)
        if changes:
            problems.append(f"files: left behind after refusal: {', '.join(changes[:5])}")
    elif code == 0 and expect in ("ok", "either"):
        partial = [p for p in after if ".partial" in p and p not in before]
        if partial:
            problems.append(f"files: partial output left: {', '.join(partial[:3])}")
    elif code is not None:
        wanted = {"refused": "2", "ok": "0", "either": "0 or 2"}[expect]
        problems.append(f"exit {code}: wanted {wanted}: {_last_line(outcome.stderr)}")
    return problems
