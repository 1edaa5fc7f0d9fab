"""Local worker processes never outlive the command that started them (Linux only).

Each test starts a real ``jtai-sim compare`` or ``sweep`` with ``--jobs 2``,
waits until its workers are running replications, ends the command with
SIGKILL or SIGTERM, and checks that no process it started is left 5 s later.
Children are found through ``/proc/<pid>/task/*/children``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="reads /proc and relies on Linux process semantics"
)

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from runner.cli import main; main()"]
#: long enough that the command is still running when it is ended
LONG_COMPARE = [
    "compare",
    "minimal",
    "--set",
    "agencies.camhs.staff+=3",
    "-r",
    "20",
    "--days",
    "3000",
    "--jobs",
    "2",
    "-q",
]


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (none once it has gone)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return {c for c in found if alive(c)}


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def start(args: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CLI, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def wait_for_workers(proc: subprocess.Popen[bytes], count: int = 2) -> set[int]:
    """The command's worker processes, once ``count`` of them exist and have had time to
    start on a replication."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        workers = children(proc.pid)
        if len(workers) >= count:
            time.sleep(1.0)  # let them take a replication each
            return children(proc.pid)
        time.sleep(0.05)
    raise AssertionError("the workers never started")


def assert_all_end(workers: set[int], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(alive(w) for w in workers):
            return
        time.sleep(0.05)
    left = sorted(w for w in workers if alive(w))
    for pid in left:  # do not leave them behind for the next test
        os.kill(pid, signal.SIGKILL)
    raise AssertionError(f"workers {left} outlived their parent by {within} s")


def long_sweep(folder: Path) -> Path:
    """An experiment file whose sweep runs long enough to be stopped part-way."""
    experiment = folder / "long.toml"
    experiment.write_text(
        textwrap.dedent(
            """
            scenario = "minimal"
            replications = 10
            days = 3000
            [factors."agencies.camhs.staff"]
            add = [0, 3]
            """
        )
    )
    return experiment


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_workers_end_within_5_s_of_a_sigkill(tmp_path: Path, command: str) -> None:
    args = LONG_COMPARE if command == "compare" else ["sweep", str(long_sweep(tmp_path)), "-j", "2"]
    proc = start([*args, "--out", str(tmp_path / "out")])
    try:
        workers = wait_for_workers(proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(workers) >= 2
    assert_all_end(workers)


def test_sweep_ends_cleanly_on_sigterm_and_its_workers_with_it(tmp_path: Path) -> None:
    experiment = long_sweep(tmp_path)
    out = tmp_path / "out"
    proc = start(["sweep", str(experiment), "--out", str(out), "--jobs", "2", "-q"])
    try:
        workers = wait_for_workers(proc)
        os.kill(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, stderr.decode()
    lines = stderr.decode().strip().splitlines()
    assert lines == [
        "jtai-sim: stopped by SIGTERM; the finished runs are kept, and the same command resumes"
    ], lines
    assert_all_end(workers)
    # the store is consistent: no metrics or waits of a run that did not finish
    with duckdb.connect(str(out / "results.duckdb"), read_only=True) as con:
        for table in ("metrics", "waits"):
            row = con.execute(
                f"SELECT count(*) FROM {table} WHERE run_key NOT IN (SELECT run_key FROM runs)"
            ).fetchone()
            assert row == (0,), table


def test_the_watchdog_alone_ends_workers_when_the_kernel_is_not_asked(tmp_path: Path) -> None:
    """Without PR_SET_PDEATHSIG (other systems, a pool made off the main thread), each
    worker's watchdog thread still ends it soon after its parent dies."""
    script = textwrap.dedent(
        """
        import time
        from jtai_sim.experiments import executors
        executors._kill_me_with_my_parent = lambda: None
        with executors.open_executor(jobs=2) as pool:
            print("ready", flush=True)
            time.sleep(600)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        workers = children(proc.pid)
        assert len(workers) >= 2
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert_all_end(workers, within=5.0)
