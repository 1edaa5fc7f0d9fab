"""A fork server: imports jtai-sim once, then runs each case in a fresh fork of itself.

Started by :class:`hostile.harness.ForkServer` as ``python server.py`` with
``PYTHONPATH`` at the checkout under test. It reads one JSON request a line on stdin
(``argv``, ``cwd``, ``stdout``, ``stderr``, ``stdin``, ``timeout``) and answers one
JSON line on its own copy of stdout. Each case is a fork that leads its own session,
so it can be timed, measured (``ru_maxrss``) and killed whole like a subprocess, but
starts in milliseconds instead of the second an interpreter takes to import pandas,
SimPy and OR-Tools. The fork runs ``runner.cli.main`` exactly as the console script
does, and an exception that escapes is printed as the interpreter would print it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# What the commands import inside themselves, loaded once here so a fork need not.
import duckdb  # noqa: F401
import jinja2  # noqa: F401
import scipy.stats  # noqa: F401
from bounds import wait_bounded

import jtai_sim.experiments
import jtai_sim.inspection.cases_csv
import jtai_sim.results.output  # noqa: F401
import runner.cli
import runner.mockweek.pipeline


def _exit_code(exc: SystemExit) -> int:
    """The process exit code ``sys.exit(x)`` gives, as the interpreter works it out."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _child(request: dict[str, Any]) -> None:
    """In the fork: redirect the standard streams, run the command, never return."""
    code = 1
    try:
        os.setsid()
        os.chdir(request["cwd"])
        for fd, path, flags in (
            (0, request["stdin"], os.O_RDONLY),
            (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        ):
            opened = os.open(path, flags, 0o644)
            os.dup2(opened, fd)
            os.close(opened)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.argv = ["jtai-sim", *request["argv"]]
        try:
            runner.cli.main()
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc)
        except BaseException:
            traceback.print_exc()
            code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def serve(request: dict[str, Any]) -> dict[str, Any]:
    """Run one case in a fork and say how it ended."""
    sys.stdout.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(request)
    waited = wait_bounded(pid, started, timeout=float(request["timeout"]))
    return {
        "returncode": waited.returncode,
        "seconds": waited.seconds,
        "maxrss_kib": waited.maxrss_kib,
        "timed_out": waited.timed_out,
        "over_memory": waited.over_memory,
    }


def main() -> None:
    """Answer requests until stdin closes."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    for line in sys.stdin:
        replies.write(json.dumps(serve(json.loads(line))) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
