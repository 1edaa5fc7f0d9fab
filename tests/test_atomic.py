"""The one folder writer: all at once or not at all, and the old folder kept on failure.

Both writers of result folders go through :func:`jtai_sim.atomic.atomic_folder`:
a run's (``jtai_sim.results.output.write_run``) and a mock week's pack
(``runner.mockweek.pipeline.write_pack``), so the pack is checked here too.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any, cast

import pytest

import runner.mockweek.pack
from jtai_sim.atomic import atomic_folder, check_folder
from jtai_sim.errors import OutputFolderError
from runner.mockweek.pipeline import MockWeek, write_pack

#: the pack's files are replaced below, so no real week is needed
WEEK = cast(MockWeek, object())


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def old_folder(tmp_path: Path, name: str = "old.txt") -> Path:
    """A folder of earlier results: one file ``name`` holding "previous results"."""
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("previous results")
    return out


def fail_the_final_move(monkeypatch: pytest.MonkeyPatch, out: Path) -> list[Path]:
    """Make renaming the finished hidden folder onto ``out`` fail, as a full disk might."""
    tried: list[Path] = []
    rename = Path.rename

    def flaky(self: Path, target: Any) -> Path:
        if ".partial-" in self.name and Path(target) == out.absolute():
            tried.append(self)
            raise OSError(errno.EIO, "input/output error")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", flaky)
    return tried


def test_writes_the_folder_and_replaces_an_old_one_only_with_force(tmp_path: Path) -> None:
    out = old_folder(tmp_path)
    with pytest.raises(OutputFolderError, match="not empty"), atomic_folder(out):
        raise AssertionError("not reached")  # pragma: no cover
    with atomic_folder(out, force=True) as folder:
        (folder / "new.txt").write_text("new results")
        assert out.exists() and contents(out) == {"old.txt": "previous results"}
    assert contents(out) == {"new.txt": "new results"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_part_way_leaves_nothing_and_the_old_folder_as_it_was(tmp_path: Path) -> None:
    out = old_folder(tmp_path)
    with pytest.raises(KeyboardInterrupt), atomic_folder(out, force=True) as folder:
        (folder / "new.txt").write_text("half")
        raise KeyboardInterrupt
    assert contents(out) == {"old.txt": "previous results"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    deep = tmp_path / "a" / "b" / "c"
    with pytest.raises(RuntimeError), atomic_folder(deep):
        raise RuntimeError("stop")
    assert not (tmp_path / "a").exists(), "the parent folders made for it are removed"


def test_a_failed_final_move_puts_the_previous_folder_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = old_folder(tmp_path)
    tried = fail_the_final_move(monkeypatch, out)
    with (
        pytest.raises(OutputFolderError, match="could not be written: input/output error"),
        atomic_folder(out, force=True) as folder,
    ):
        (folder / "new.txt").write_text("new results")
    assert tried, "the final move was attempted"
    assert contents(out) == {"old.txt": "previous results"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "nothing hidden left beside it"


def test_the_pack_writer_puts_the_previous_pack_back_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        runner.mockweek.pack, "pack_files", lambda week: {"index.html": "new", "a/b.csv": b"x"}
    )
    out = old_folder(tmp_path, "timetable.csv")  # an earlier pack's file
    with pytest.raises(OutputFolderError, match="not empty"):
        write_pack(WEEK, out)
    tried = fail_the_final_move(monkeypatch, out)
    with pytest.raises(OutputFolderError, match="could not be written: input/output error"):
        write_pack(WEEK, out, force=True)
    assert tried
    assert contents(out) == {"timetable.csv": "previous results"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    monkeypatch.undo()
    monkeypatch.setattr(
        runner.mockweek.pack, "pack_files", lambda week: {"index.html": "new", "a/b.csv": b"x"}
    )
    assert write_pack(WEEK, out, force=True) == [Path("a/b.csv"), Path("index.html")]
    assert (out / "index.html").read_text() == "new" and (out / "a" / "b.csv").read_bytes() == b"x"
    assert not (out / "timetable.csv").exists()


def test_force_refuses_a_folder_with_files_the_writer_does_not_own(tmp_path: Path) -> None:
    out = old_folder(tmp_path, "notes.txt")
    with (
        pytest.raises(OutputFolderError, match=r"did not write \(notes.txt\)"),
        atomic_folder(out, force=True, owned={"index.html"}),
    ):
        raise AssertionError("not reached")  # pragma: no cover
    assert contents(out) == {"notes.txt": "previous results"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_file_in_the_way_is_named(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text("")
    with pytest.raises(OutputFolderError, match=r"'.*plain\.txt' is a file"):
        check_folder(tmp_path / "plain.txt" / "out")
    with pytest.raises(OutputFolderError, match="exists and is not a folder"):
        check_folder(tmp_path / "plain.txt")
