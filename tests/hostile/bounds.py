"""Wait for a child process within the promised time and memory, and measure it.

Shared by the subprocess runner and the fork server (:mod:`.server`), so both judge a
case by the same clock and the same memory reading. Needs only the standard library:
the fork server imports it before anything else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

# The promise: each bad input is refused within 15 s and 1 GB.
TIME_LIMIT_S = 15.0
MEMORY_LIMIT_KIB = 1024 * 1024  # ru_maxrss and /proc VmRSS are in KiB on Linux

# How often the clock and the resident size are read while the child runs: often
# enough that a runaway allocation is stopped well before it can hurt the machine.
_POLL_S = 0.01


@dataclass(frozen=True)
class Waited:
    """How a child ended: its exit code (None if killed), time, peak memory, why killed."""

    returncode: int | None
    seconds: float
    maxrss_kib: int
    timed_out: bool
    over_memory: bool


def _rss_kib(pid: int) -> int:
    """The child's resident size now (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def _kill_group(pid: int) -> None:
    """Kill the child's whole process group (it leads a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def wait_bounded(
    pid: int,
    started: float,
    timeout: float = TIME_LIMIT_S,
    memory_kib: int = MEMORY_LIMIT_KIB,
) -> Waited:
    """Reap ``pid`` (a session leader), killing its group past the time or memory bound."""
    timed_out = over_memory = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > timeout:
            timed_out = True
        elif _rss_kib(pid) > memory_kib:
            over_memory = True
        if timed_out or over_memory:
            _kill_group(pid)
            _, status, usage = os.wait4(pid, 0)
            break
        time.sleep(_POLL_S)
    seconds = time.monotonic() - started
    _kill_group(pid)  # workers it may have left behind
    code = os.waitstatus_to_exitcode(status)
    return Waited(
        returncode=None if (timed_out or over_memory) else code,
        seconds=seconds,
        maxrss_kib=int(usage.ru_maxrss),
        timed_out=timed_out,
        over_memory=over_memory or usage.ru_maxrss > memory_kib,
    )
