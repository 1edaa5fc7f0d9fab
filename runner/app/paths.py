"""Keep every path a user types into the app inside the workspace folder.

The app reads and writes only under its workspace. :func:`confine` is the one
check: it resolves the path the user gave (following every symbolic link) and
refuses it with a one-line :class:`OutsideWorkspace` message unless the result
is the workspace or lies under it. ``..``, absolute paths, ``~``, and links that
point out are all caught by resolving first and comparing after.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> confine(root, "variants/more.toml") == root.resolve() / "variants" / "more.toml"
True
>>> confine(root, "../elsewhere.toml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
runner.app.paths.OutsideWorkspace: ../elsewhere.toml: outside the workspace ...
"""

from __future__ import annotations

import os
from pathlib import Path

from jtai_sim.errors import InputError

#: The longest path text accepted, in characters: our bound, far past any real
#: workspace file name, so a pasted page of text is refused rather than resolved.
MAX_PATH_CHARS = 1_000


class OutsideWorkspace(InputError):
    """A path the user gave that would leave the workspace (or is no path at all)."""


def confine(workspace: Path, given: str) -> Path:
    """``given`` resolved inside ``workspace``, or :class:`OutsideWorkspace` saying why not.

    A relative path is taken from the workspace. The answer is fully resolved, so
    what is later opened is exactly what was checked.
    """
    root = workspace.resolve(strict=True)
    text = given.strip()
    if not text:
        raise OutsideWorkspace("give a file name inside the workspace")
    if len(text) > MAX_PATH_CHARS or "\x00" in text or any(c in text for c in "\r\n"):
        raise OutsideWorkspace(
            f"{text[:40]!r}...: not a file name (at most {MAX_PATH_CHARS} characters on one line)"
        )
    candidate = Path(os.path.expanduser(text))
    if not candidate.is_absolute():
        candidate = root / candidate
    resolved = candidate.resolve(strict=False)
    if resolved != root and root not in resolved.parents:
        raise OutsideWorkspace(
            f"{text}: outside the workspace {root}; the app reads and writes only there"
        )
    return resolved


__all__ = ["MAX_PATH_CHARS", "OutsideWorkspace", "confine"]
