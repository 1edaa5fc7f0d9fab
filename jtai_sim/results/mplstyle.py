"""The one matplotlib style jtai-sim's matplotlib charts are drawn in.

Used by the experiment charts (:mod:`jtai_sim.experiments.plots`): the object
API, a fixed ``svg.hashsalt``, no date in the metadata, text kept as ``<text>``
so it is searchable and escaped, and every id prefixed so several charts can
share a page. The run report's charts and the partnership drawing are written
as SVG directly (:mod:`jtai_sim.results.svg`), in the same palette
(:data:`jtai_sim.results.charts.PALETTE`) and fonts, so ``jtai-sim run`` never
imports matplotlib.

>>> with svg_style():
...     fig = new_figure(2.0, 1.0)
...     _ = fig.add_subplot().plot([0, 1], [1, 0])
>>> svg = figure_svg(fig, prefix="x", title="A line")
>>> svg.startswith('<svg class="chart" role="img" aria-label="A line"')
True
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, cast

import matplotlib as mpl
from matplotlib.figure import Figure

from jtai_sim.results.svg import FONT, escape

P = ParamSpec("P")
R = TypeVar("R")

_RC: dict[str, Any] = {
    "svg.hashsalt": "jtai-sim",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": [f.strip(" '") for f in FONT.split(",")[:3]],
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "path.simplify": True,
}


@contextmanager
def svg_style() -> Iterator[None]:
    """The matplotlib settings every jtai-sim matplotlib SVG is drawn with."""
    with mpl.rc_context(cast(Any, _RC)):
        yield


def styled(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` (which builds and renders a figure) inside :func:`svg_style`."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with svg_style():
            return function(*args, **kwargs)

    return wrapper


_ID = re.compile(r'\bid="([^"]+)"')
#: Where an SVG names an id: its definition and the two ways to refer to it.
_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)([")])')


def figure_svg(
    fig: Figure, *, prefix: str, title: str = "", standalone: bool = False, tight: bool = False
) -> str:
    """``fig`` as SVG text with every id prefixed by ``prefix`` (unique within a page).

    Without ``standalone`` the XML declaration and doctype are dropped so the
    text can be placed inside HTML; ``title`` becomes the accessible name.
    ``tight`` crops the figure to what is drawn (for figures without a layout).
    """
    buffer = io.StringIO()
    with svg_style():
        fig.savefig(
            buffer, format="svg", metadata={"Date": None}, bbox_inches="tight" if tight else None
        )
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\n?", "", text, flags=re.S)
    ids = set(_ID.findall(text))

    def prefixed(m: re.Match[str]) -> str:
        return f"{m[1]}{prefix}-{m[2]}{m[3]}" if m[2] in ids else m[0]

    text = _REFERENCE.sub(prefixed, text)
    label = f' role="img" aria-label="{escape(title)}"' if title else ""
    text = text.replace("<svg ", f'<svg class="chart"{label} ', 1)
    if standalone:
        text = '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + text
    return text


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure (object API, no pyplot state); build it inside :func:`svg_style`."""
    return Figure(figsize=(width_in, height_in), layout="constrained")


__all__ = ["figure_svg", "new_figure", "styled", "svg_style"]
