"""Hand-written SVG: a canvas of shapes and text, written straight to SVG text.

Owns how jtai-sim writes a picture without a plotting library: numbers with at
most two decimals (so the same picture gives the same bytes), every text and
attribute escaped (through :func:`jtai_sim.results.markup.markup_text`, so a
control character cannot spoil the XML), text kept as ``<text>`` (searchable,
one element a line), and the accessible name (``role="img"``, ``aria-label`` and
a ``<title>``). Units are points (1/72 inch); ``y`` grows downwards.

Text has to be measured to lay out boxes and margins without a renderer:
:func:`text_width` adds up the advance widths of DejaVu Sans (the first font the
pictures ask for), read once from the font file at 1000 units an em
(``FT2Font.load_char(c).linearHoriAdvance``) for printable ASCII; any other
character counts as a wide one, so boxes err on the roomy side.

>>> canvas = Canvas(100, 40, title="A & B")
>>> canvas.rect(0, 0, 10, 10, fill="#fff")
>>> canvas.text(5, 20, "x < y", size=9)
>>> svg = canvas.svg()
>>> svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"')
True
>>> 'aria-label="A &amp; B"' in svg and "<title>A &amp; B</title>" in svg
True
>>> "x &lt; y</text>" in svg, num(1.005), num(-0.0), num(2.0)
(True, '1', '0', '2')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jtai_sim.results.markup import markup_text

#: Advance widths of DejaVu Sans (regular, bold) for characters 32 to 126, in 1/1000 em.
_WIDTHS = {
    False: (
        318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636,
        636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684,
        686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695,
        635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550,
        635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392,
        634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
    ),
    True: (
        348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696,
        696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774,
        762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770,
        720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593,
        716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478,
        712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
    ),
}  # fmt: skip
_WIDE = 1000  # any character outside printable ASCII
FONT = "'DejaVu Sans', Arial, Helvetica, sans-serif"


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in points of ``text`` on one line at ``size`` points.

    >>> round(text_width("Waits", 10), 1)
    27.9
    """
    table = _WIDTHS[bold]
    total = sum(table[o - 32] if 32 <= (o := ord(c)) < 127 else _WIDE for c in text)
    return total * size / 1000.0


def num(value: float) -> str:
    """``value`` with at most two decimals and no trailing zeros (``-0`` is ``0``)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def escape(text: str) -> str:
    """``text`` fit for SVG text and attributes: markup escaped, controls made visible."""
    text = str(markup_text(text))
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def points(xy: Iterable[tuple[float, float]]) -> str:
    """A ``points`` or path list: ``x,y x,y ...``."""
    return " ".join(f"{num(x)},{num(y)}" for x, y in xy)


class Canvas:
    """Shapes and text, in drawing order, for one SVG picture ``width`` by ``height`` points."""

    def __init__(self, width: float, height: float, *, title: str = "") -> None:
        self.width = width
        self.height = height
        self.title = title
        self.parts: list[str] = []

    def add(self, element: str) -> None:
        """Add an element already written as SVG."""
        self.parts.append(element)

    def rect(
        self, x: float, y: float, w: float, h: float, *, fill: str, style: str = "", rx: float = 0
    ) -> None:
        """A rectangle (``style`` adds a stroke and the like)."""
        corner = f' rx="{num(rx)}"' if rx else ""
        extra = f' style="{style}"' if style else ""
        self.add(
            f'<rect x="{num(x)}" y="{num(y)}" width="{num(max(w, 0.0))}" '
            f'height="{num(max(h, 0.0))}"{corner} fill="{fill}"{extra}/>'
        )

    def line(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        *,
        stroke: str,
        width: float = 1.0,
        dash: str = "",
    ) -> None:
        """A straight line (dashed by ``dash``, an SVG ``stroke-dasharray``, if given)."""
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line x1="{num(x0)}" y1="{num(y0)}" x2="{num(x1)}" y2="{num(y1)}" '
            f'stroke="{stroke}" stroke-width="{num(width)}"{dashed}/>'
        )

    def path(self, d: str, *, style: str) -> None:
        """A path (``d`` already written) styled by ``style``."""
        self.add(f'<path d="{d}" style="{style}"/>')

    def polyline(
        self, xy: Sequence[tuple[float, float]], *, stroke: str, width: float, clip: str = ""
    ) -> None:
        """An open line through ``xy`` (clipped to the clip path ``clip`` if given)."""
        clipped = f' clip-path="url(#{clip})"' if clip else ""
        self.add(
            f'<polyline points="{points(xy)}" fill="none" stroke="{stroke}" '
            f'stroke-width="{num(width)}" stroke-linejoin="round"{clipped}/>'
        )

    def circle(self, x: float, y: float, r: float, *, fill: str, stroke: str) -> None:
        """A dot."""
        self.add(
            f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{fill}" stroke="{stroke}" '
            'stroke-width="0.8"/>'
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float,
        anchor: str = "start",
        bold: bool = False,
        fill: str = "#000000",
        rotate: float = 0.0,
    ) -> None:
        """One line of text whose baseline starts (or middle or end, ``anchor``) at ``x, y``,
        turned ``rotate`` degrees clockwise about that point."""
        weight = ' font-weight="bold"' if bold else ""
        middle = f' text-anchor="{anchor}"' if anchor != "start" else ""
        colour = f' fill="{fill}"' if fill != "#000000" else ""
        turn = f' transform="rotate({num(rotate)} {num(x)} {num(y)})"' if rotate else ""
        self.add(
            f'<text x="{num(x)}" y="{num(y)}" font-size="{num(size)}"{middle}{weight}{colour}'
            f"{turn}>{escape(text)}</text>"
        )

    def lines(
        self,
        x: float,
        middle: float,
        lines: Sequence[str],
        *,
        size: float,
        spacing: float = 1.2,
        anchor: str = "start",
        bold: bool = False,
        fill: str = "#000000",
    ) -> None:
        """Lines of text centred vertically on ``middle``, ``spacing`` times ``size`` apart."""
        step = size * spacing
        first = middle - step * (len(lines) - 1) / 2 + 0.35 * size
        for i, line in enumerate(lines):
            self.text(x, first + i * step, line, size=size, anchor=anchor, bold=bold, fill=fill)

    def svg(self, *, standalone: bool = False, defs: str = "") -> str:
        """The picture as SVG text (with an XML declaration when ``standalone``)."""
        label = escape(self.title)
        head = (
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'aria-label="{label}" width="{num(self.width)}pt" height="{num(self.height)}pt" '
            f'viewBox="0 0 {num(self.width)} {num(self.height)}" version="1.1">\n'
        )
        body = [
            f"<title>{label}</title>",
            *([f"<defs>{defs}</defs>"] if defs else []),
            f'<g font-family="{escape(FONT)}">',
            *self.parts,
            "</g>",
            "</svg>\n",
        ]
        xml = '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' if standalone else ""
        return xml + head + "\n".join(body)


__all__ = ["FONT", "Canvas", "escape", "num", "points", "text_width"]
