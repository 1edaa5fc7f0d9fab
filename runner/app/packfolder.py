"""Where one browser session's mock-week packs are written, served and zipped.

Each browser session gets a temporary folder of its own (made on its first
week, removed when the browser session ends). Every week is written into a new
``pack-N`` folder inside it, and the previous one is removed, so a cancelled
week never leaves half a pack where the page looks. :meth:`PackFolder.file`
answers the page's requests for the pack's files (the letter is shown from
``index.html``) and only ever names a file the pipeline writes; :func:`zip_pack`
is the Download pack button's zip.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

#: The prefix of a browser session's temporary folder.
PREFIX = "jtai-sim-facilitator-"


class PackFolder:
    """A browser session's temporary folder of packs."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._count = 0
        self.current: Path | None = None

    def next_out(self) -> Path:
        """A fresh folder (not yet made) for the next week's pack; the last one is removed."""
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix=PREFIX))
        self._drop_current()
        self._count += 1
        self.current = self._root / f"pack-{self._count}"
        return self.current

    def _drop_current(self) -> None:
        if self.current is not None:
            shutil.rmtree(self.current, ignore_errors=True)
        self.current = None

    def file(self, name: str) -> Path | None:
        """The pack file ``name`` of the current week, if the pipeline writes one by that name."""
        from runner.mockweek.pipeline import PACK_FILES

        if self.current is None or name not in PACK_FILES:
            return None
        path = self.current / name
        return path if path.is_file() else None

    def remove(self) -> None:
        """Remove the whole folder (when the browser session ends)."""
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
        self._root = None
        self.current = None


def zip_pack(folder: Path) -> bytes:
    """The pack's files in a zip, at its top level, in name order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


__all__ = ["PREFIX", "PackFolder", "zip_pack"]
