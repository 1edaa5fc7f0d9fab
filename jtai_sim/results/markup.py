"""Text fit for XML and HTML: control characters written as visible escapes.

XML 1.0 allows no control character but tab, newline and carriage return, so an
agency labelled ``"a\\x01b"`` would make an SVG that no XML parser reads, and an
escape sequence (``\\x1b[31m``) in a child's name would reach a browser or a
terminal that shows the pack. Every text that goes into an SVG drawing, a run
report or a mock-week pack goes through :func:`markup_text` (the drawing's labels
directly; the templates through the jinja2 environment's ``finalize``): each
character XML refuses, and each C1 control, becomes its Python escape, so the
reader still sees that something odd was typed and where.

>>> markup_text("a\\x01b\\tc\\nd\\x1b[31m\\x85")
'a\\\\x01b\\tc\\nd\\\\x1b[31m\\\\x85'
>>> markup_text(3)
3
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

#: Characters XML 1.0 forbids (every C0 control but tab, newline and carriage return;
#: lone surrogates; U+FFFE and U+FFFF), DEL and the C1 controls, which it allows but
#: which no label means.
_UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    return repr(match[0])[1:-1]


def markup_text(value: Any) -> Any:
    """``value`` with every character unfit for XML or HTML written as an escape.

    Text that is already markup (a ``Markup`` SVG) stays markup; anything that is
    not text is returned as it is.
    """
    if isinstance(value, Markup):
        return Markup(_UNFIT.sub(_escape, str(value)))
    if isinstance(value, str):
        return _UNFIT.sub(_escape, value)
    return value


__all__ = ["markup_text"]
