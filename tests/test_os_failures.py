"""What the operating system refuses ends in one line, exit code 2 and nothing left.

Each case runs the real ``jtai-sim`` script in its own process, on a real
condition: a disk that fills up part-way (a file-size limit set on the process,
which makes every write past it fail as a full disk does, and a real 300 KB
``tmpfs`` when this machine lets us mount one), a place that cannot be written
(``/proc``), a folder under a file, and SIGTERM part-way through a run.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAIN = "from runner.cli import main; main()"


def jtai(
    args: list[str], cwd: Path, *, file_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``jtai-sim ARGS`` in ``cwd``; with ``file_limit``, no file may grow past it."""

    def limit() -> None:
        if file_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("jtai-sim:")]
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize(
    "args",
    [
        ["run", "minimal", "--days", "200", "--out", "out"],
        ["mock-week", "minimal", "--notify", "2025-06-03", "--out", "out", "-q"],
        ["graph", "midshire", "--out", "out.svg"],
    ],
    ids=["run", "mock-week", "graph"],
)
def test_a_disk_that_fills_part_way_leaves_nothing(tmp_path: Path, args: list[str]) -> None:
    line = one_line(jtai(args, tmp_path, file_limit=20_000))
    assert "File too large" in line and "out" in line
    assert tree(tmp_path) == set()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 300 KB file system, where this machine lets us mount one."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        (disk / "fill").write_bytes(b"\0" * 250_000)
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_is_one_line_naming_the_folder(tiny_disk: Path) -> None:
    line = one_line(jtai(["run", "minimal", "--days", "200", "--out", "x"], tiny_disk))
    assert "x: --out: could not be written" in line and "No space left on device" in line
    assert tree(tiny_disk) == {"fill"}


def test_a_place_that_cannot_be_written_is_refused_before_the_simulation(
    tmp_path: Path,
) -> None:
    result = jtai(["run", "minimal", "--days", "30", "--out", "/proc/jtai-out"], tmp_path)
    assert "cannot write in '/proc'" in one_line(result)
    assert "simulated" not in result.stderr, "refused before any work"


def test_a_folder_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    line = one_line(jtai(["run", "minimal", "--days", "30", "--out", "notes.txt/x"], tmp_path))
    assert "'notes.txt' is a file" in line
    assert tree(tmp_path) == {"notes.txt"}


def test_sigterm_part_way_leaves_nothing_half_written(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["run", "midshire", "--years", "5", "--out", "out"]
    proc = subprocess.Popen(
        [sys.executable, "-c", MAIN, *args], cwd=tmp_path, env=env, stderr=subprocess.PIPE
    )
    time.sleep(4.0)  # loaded and simulating
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1] == "jtai-sim: stopped by SIGTERM"
    assert tree(tmp_path) == set()


def test_an_error_raised_while_a_stop_unwinds_is_reported_as_the_stop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB turns a signal that arrives mid-query into its own error ("Query
    interrupted"); the command was still stopped, and says so with the note it set."""
    import runner.errors
    from runner.cli import _end

    monkeypatch.setattr(runner.errors, "_STOPPED_BY", [signal.SIGTERM])
    with (
        pytest.raises(RuntimeError) as raised,
        runner.errors.noted_when_stopped("the finished runs are kept"),
    ):
        raise RuntimeError("Query interrupted")
    with pytest.raises(SystemExit) as ended:
        _end(raised.value)
    assert ended.value.code == 143
    line = capsys.readouterr().err.strip()
    assert line == "jtai-sim: stopped by SIGTERM; the finished runs are kept"
