"""Writing a folder all at once or not at all.

Owns the one way jtai-sim writes a folder of results (a run's result folder, a
mock week's pack): :func:`check_folder` says whether a folder may be written,
and :func:`atomic_folder` hands out a hidden folder beside it to fill, which is
renamed into place only when the block finishes without an error. A single file
(a drawing, a report, an export) is written the same way by :func:`write_file`,
checked beforehand by :func:`check_file`; a file too large to hold as
one string is streamed into :func:`atomic_file` (or written at the path
:func:`atomic_path` gives).

* A failure (or Ctrl-C) part-way removes the hidden folder, and any parent
  folders made for it, so nothing half written is left behind; a failure the
  operating system raises (a full disk, say) becomes one
  :class:`~jtai_sim.errors.OutputFolderError` naming the folder and the reason.
* A place that cannot be written is refused by :func:`check_folder`, before any
  work is done.
* An existing folder (replaced only with ``force``) is moved aside just before
  the rename and removed after it; if the rename fails, it is moved back, so
  the previous results are still where they were.
* The folder is checked again just before the rename, in case something
  appeared there while the results were being made.
* ``force`` never destroys what the user did not ask to lose: given the names
  a command writes (``owned``), it replaces only a folder holding nothing else,
  so ``--out`` pointed at a folder of scenarios or notes is refused, whatever
  ``--force`` says.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     with atomic_folder(Path(tmp) / "out") as folder:
...         _ = (folder / "a.txt").write_text("new")
...     sorted(p.name for p in Path(tmp).iterdir())
['out']
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO

from jtai_sim.errors import OutputFolderError, os_reason


def check_folder(
    out: str | Path, *, force: bool = False, owned: Collection[str] | None = None
) -> Path:
    """Raise :class:`OutputFolderError` unless ``out`` may be written: missing or empty,
    or, with ``force``, holding only names in ``owned`` (any folder when ``owned`` is
    ``None``).

    >>> check_folder("no/such/folder/yet")
    PosixPath('no/such/folder/yet')
    """
    out = Path(out)
    above = out.parent
    while not above.exists() and above.parent != above:
        above = above.parent
    if above.exists() and not above.is_dir():
        raise OutputFolderError(
            f"cannot create the folder: {str(above)!r} is a file", key="--out", file=str(out)
        )
    if out.exists() and not out.is_dir():
        raise OutputFolderError("exists and is not a folder", key="--out", file=str(out))
    if above.is_dir():
        _check_writable(above, out)
    if out.is_dir() and not force and any(out.iterdir()):
        raise OutputFolderError(
            "folder exists and is not empty (use --force to replace it)",
            key="--out",
            file=str(out),
        )
    if out.is_dir() and force and owned is not None:
        foreign = sorted(p.name for p in out.iterdir() if p.name not in owned)
        if foreign:
            shown = ", ".join(foreign[:3]) + (
                f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            )
            raise OutputFolderError(
                f"holds files jtai-sim did not write ({shown}); --force replaces only a folder "
                "of its own results, so choose another folder",
                key="--out",
                file=str(out),
            )
    return out


def _check_writable(folder: Path, out: Path) -> None:
    """Raise :class:`OutputFolderError` unless a folder can be made in ``folder``, where
    the first folder of ``out`` will be made: so a read-only place is refused before
    any work is done, not after it. The probe folder is removed at once."""
    try:
        probe = tempfile.mkdtemp(prefix=".jtai-sim-probe-", dir=folder)
    except OSError as exc:
        raise OutputFolderError(
            f"cannot write in {str(folder)!r}: {exc.strerror or exc}", key="--out", file=str(out)
        ) from None
    os.rmdir(probe)


@contextlib.contextmanager
def atomic_folder(
    out: str | Path, *, force: bool = False, owned: Collection[str] | None = None
) -> Iterator[Path]:
    """An empty hidden folder beside ``out`` to fill; it becomes ``out`` when the block ends.

    ``out`` is checked with :func:`check_folder` first (``force`` and ``owned`` as
    there). If the block raises, nothing is left behind and an existing ``out`` is
    untouched.
    """
    shown = check_folder(out, force=force, owned=owned)
    target = Path(os.path.abspath(shown))
    tmp = target.parent / f".{target.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    created: list[Path] = []
    try:
        created = _make_parents(target.parent)
        tmp.mkdir()
    except OSError as exc:
        for folder in created:
            _remove_if_empty(folder)
        raise OutputFolderError(
            f"cannot create the folder: {exc.strerror or exc}", key="--out", file=str(shown)
        ) from None
    try:
        yield tmp
        check_folder(shown, force=force, owned=owned)  # it may have appeared while we worked
        _move_into_place(tmp, target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:
            _remove_if_empty(folder)
        if isinstance(exc, OSError):  # a full disk, a lost mount: one located line
            notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", ()))
            raise OutputFolderError(
                f"could not be written: {os_reason(exc)}{notes}", key="--out", file=str(shown)
            ) from None
        raise


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, deepest first."""
    missing: list[Path] = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        for made in missing:
            _remove_if_empty(made)
        raise
    return missing


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()


def _move_into_place(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` to ``out``; an old ``out`` is moved aside first, and back if that fails."""
    if not out.exists():
        tmp.rename(out)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    out.rename(old)
    try:
        tmp.rename(out)
    except BaseException as exc:
        try:
            old.rename(out)
        except OSError:
            exc.add_note(f"the previous folder {str(out)!r} is kept at {str(old)!r}")
        raise
    shutil.rmtree(old, ignore_errors=True)


def check_file(path: str | Path, *, key: str = "--out", make_parents: bool = False) -> Path:
    """Raise :class:`OutputFolderError` unless the file ``path`` may be written: not a
    folder, in a folder that exists (or, with ``make_parents``, can be made) and
    can be written. Called before the work, so a bad place is refused at once.

    >>> check_file("drawing.svg")
    PosixPath('drawing.svg')
    """
    target = Path(path)
    if not target.name or target.is_dir():
        raise OutputFolderError("is a folder; give a file name", key=key, file=str(path))
    above = target.parent
    if not make_parents and not above.exists():
        raise OutputFolderError(
            f"folder {str(target.parent)!r} does not exist", key=key, file=str(path)
        )
    while not above.exists() and above.parent != above:
        above = above.parent
    if not above.is_dir():
        raise OutputFolderError(
            f"cannot create the file: {str(above)!r} is a file", key=key, file=str(path)
        )
    _check_writable(above, target)
    return target


@contextlib.contextmanager
def atomic_path(
    path: str | Path, *, key: str = "--out", make_parents: bool = False
) -> Iterator[Path]:
    """A hidden path beside ``path`` to write a file at (by any means: a database, a
    stream), renamed to ``path`` only when the block ends without an error (checked as
    :func:`check_file` does).

    A failure leaves neither a partial file nor folders made for it, and one the
    operating system raises is an :class:`OutputFolderError` naming the file.
    """
    target = check_file(path, key=key, make_parents=make_parents)
    created: list[Path] = []
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        created = _make_parents(target.parent) if make_parents else []
        yield partial
        partial.replace(target)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        for folder in created:
            _remove_if_empty(folder)
        if isinstance(exc, OSError):
            raise OutputFolderError(
                f"could not be written: {os_reason(exc)}", key=key, file=str(path)
            ) from None
        raise


@contextlib.contextmanager
def atomic_file(
    path: str | Path, *, key: str = "--out", make_parents: bool = False
) -> Iterator[IO[str]]:
    """A text file to stream into (UTF-8), that becomes ``path`` only when the block
    ends without an error (as :func:`atomic_path`): for output too large to hold in
    memory as one string.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with atomic_file(Path(tmp) / "log.txt") as out:
    ...         _ = out.write("streamed")
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['log.txt']
    """
    with (
        atomic_path(path, key=key, make_parents=make_parents) as partial,
        partial.open("w", encoding="utf-8", newline="") as handle,
    ):
        yield handle


def write_file(
    path: str | Path, content: str | bytes, *, key: str = "--out", make_parents: bool = False
) -> Path:
    """Write ``content`` to ``path`` all at once or not at all (checked as
    :func:`check_file` does): a hidden file beside it is written, then renamed over it.

    A failure leaves neither a partial file nor folders made for it, and one the
    operating system raises is an :class:`OutputFolderError` naming the file.
    """
    with atomic_path(path, key=key, make_parents=make_parents) as partial:
        if isinstance(content, bytes):
            partial.write_bytes(content)
        else:
            partial.write_text(content, encoding="utf-8", newline="")
    return Path(path)


__all__ = [
    "atomic_file",
    "atomic_folder",
    "atomic_path",
    "check_file",
    "check_folder",
    "write_file",
]
