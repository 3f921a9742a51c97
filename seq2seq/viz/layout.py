"""Every pixel of every token figure, computed in one place: numbers in, numbers out, no
Plotly. `Layout(max_width, present)` takes the page width the figure must fit and the size
set; its methods take the tick labels (and data shapes) of one figure and return a frozen
`Box`: cell sizes, which labels are written and whether they turn vertical, margins, the
plot area, and the figure's width and height. The builders only turn a Box into Plotly.

The page width belongs to the caller: the app passes its main column's width as
`max_width`; `DEFAULT_WIDTH` is only the default for notebook use.

The rules, from 1 to 60+ tokens: cells have a minimum size and a figure grows with its
token count; when it would pass `max_width`, cells shrink (never below `MIN_CELL` where a
cell is a token pair) and only every n-th label is written (the hover names them all);
labels that do not fit under their cell are turned vertical.
"""

from __future__ import annotations

import html
import math
import unicodedata
from dataclasses import dataclass

from ..i18n import _
from .style import Sizes, sizes

DEFAULT_WIDTH = 1100  # pixels: a notebook's default; the app passes its own column width
MIN_CELL = 8  # pixels: the smallest heatmap cell, still one clear square per token pair
MAX_CELL = {False: 64, True: 84}  # pixels: the biggest cell a step figure grows to (screen, presentation)
COLOURBAR = 90  # pixels right of a heatmap for its colour bar (a single-heatmap figure)


def cell_size(n: int, present: bool = False) -> int:
    """Pixels per heatmap cell for n cells along an axis: big for few, never a smear."""
    px = 34 if n <= 10 else 28 if n <= 20 else 22 if n <= 35 else 17 if n <= 50 else 14
    return round(px * sizes(present).cell)


def text_width(text: str) -> float:
    """A label's width in characters of tick text: wide (CJK) characters count 1.7."""
    plain = html.unescape(text.split(">")[1].split("<")[0] if text.startswith("<span") else text)
    return sum(1.7 if unicodedata.east_asian_width(c) in "WF" else 1 for c in plain)


def every_nth(text_px: float, cell: float) -> int:
    """Write every n-th label of cells `cell` pixels apart, each label needing text_px."""
    return max(1, int(math.ceil(text_px / cell)))


@dataclass(frozen=True, kw_only=True)
class Box:
    """A figure in pixels: the plot area (plot_w x plot_h) inside its margins, its
    heatmap cells (cx x cy) and which column / row labels are written (every n-th)."""

    left: int
    top: int
    bottom: int
    plot_w: int
    plot_h: int
    right: int = 10
    cx: int = 0
    cy: int = 0
    every: int = 1
    yevery: int = 1
    rotated: bool = False  # column labels vertical
    side: int = 0  # a bar panel's width beside the heatmap (softmax, context)

    @property
    def width(self) -> int:
        return self.left + self.plot_w + self.right

    @property
    def height(self) -> int:
        return self.top + self.plot_h + self.bottom

    def margin(self) -> dict:
        return dict(l=self.left, r=self.right, t=self.top, b=self.bottom)


@dataclass(frozen=True, kw_only=True)
class StepBox(Box):
    """step_figure: the heatmap, the strip of this step's weights under it, the colour
    bar, and the top-k panel (right of them, or `below` under the strip)."""

    k: int  # top-k candidates (0: no panel)
    below: bool
    heat_w: int
    heat_h: int
    strip_h: int  # 0: no strip (the plain LSTM's context vector)
    xlab: int  # the source labels' band
    under: int  # the top-k panel and its gap, under the strip
    cbar_w: int
    gap: int
    topk_h: int

    @property
    def hx(self) -> float:
        """The heatmap's right edge (paper units)."""
        return self.heat_w / self.plot_w

    @property
    def heat_bottom(self) -> float:
        return (self.under + self.strip_h + self.xlab) / self.plot_h

    @property
    def strip_domain(self) -> list[float]:
        return [self.under / self.plot_h, (self.under + self.strip_h) / self.plot_h]

    @property
    def colourbar_len(self) -> float:
        return min(1.0, max(self.heat_h, 120) / self.plot_h)

    def topk_domains(self) -> tuple[list[float], list[float]]:
        """(x, y) domains of the top-k panel."""
        if self.below:
            return [0, min(1.0, 320 / self.plot_w)], [0, self.topk_h / self.plot_h]
        x0 = (self.heat_w + self.cbar_w + self.gap) / self.plot_w  # right of the colour bar, at the top
        return [x0, 1], [1 - min(self.topk_h, self.plot_h) / self.plot_h, 1]


@dataclass(frozen=True, kw_only=True)
class GridBox(Box):
    """heads_grid: layers x heads panels of panel_w x panel_h, gap_x apart, each with a
    title band head_h high; one colour bar cbar_w wide at the right."""

    panel_w: int
    panel_h: int
    gap_x: int
    head_h: int
    cbar_w: int
    short: bool  # panel titles abbreviated ("L1·H2")

    def panel(self, layer: int, head: int) -> tuple[list[float], list[float]]:
        """(x, y) domains of one panel (paper units)."""
        x0 = head * (self.panel_w + self.gap_x) / self.plot_w
        y1 = 1 - layer * (self.panel_h + self.head_h + 8) / self.plot_h
        return [x0, x0 + self.panel_w / self.plot_w], [max(0.0, y1 - self.panel_h / self.plot_h), y1]

    @property
    def colourbar_x(self) -> float:
        return (self.plot_w - self.cbar_w + 12) / self.plot_w

    @property
    def colourbar_len(self) -> float:
        return min(1.0, max(self.panel_h, 140) / self.plot_h)

    @property
    def legend_y(self) -> float:
        """The masked cells' legend: above the first row of panel titles (paper units)."""
        return 1 + (self.head_h + 2) / self.plot_h

    def outline(self, layer: int, first: int, last: int) -> dict:
        """Paper coordinates of a frame around heads first..last of one layer."""
        x0 = first * (self.panel_w + self.gap_x) - 3
        x1 = last * (self.panel_w + self.gap_x) + self.panel_w + 3
        y1 = self.plot_h - layer * (self.panel_h + self.head_h + 8) + 3
        return dict(x0=x0 / self.plot_w, x1=x1 / self.plot_w, y0=(y1 - self.panel_h - 6) / self.plot_h,
                    y1=y1 / self.plot_h)


@dataclass(frozen=True)
class Layout:
    """The pixel rules for one page width and size set. Pure: no Plotly, no state."""

    max_width: int = DEFAULT_WIDTH
    present: bool = False

    @property
    def sz(self) -> Sizes:
        return sizes(self.present)

    def cell(self, n: int) -> int:
        return cell_size(n, self.present)

    def label_px(self, texts, rotated: bool) -> int:
        """Room tick labels need: their length if rotated (or on the y axis), else one line
        (with the tick mark and its gap)."""
        longest = max((text_width(t) for t in texts), default=0)
        return int(self.sz.char * longest + 18) if rotated else int(2.2 * self.sz.font) + 10

    def rotates(self, texts, cell: float) -> bool:
        """Whether labels `cell` pixels apart must turn vertical."""
        return max((text_width(t) for t in texts), default=0) * self.sz.char > cell - 4

    def left(self, row_labels, least: int) -> int:
        """The left margin: the row labels' length, at least `least`."""
        return max(least, self.label_px(row_labels, True))

    def dim_ticks(self, n: int, cx: float) -> tuple[list[int], list[str]]:
        """Tick values and labels for n dimensions drawn cx pixels apart: every k-th, k a
        round number that leaves each label room."""
        need = (len(str(max(n - 1, 0))) * self.sz.char + 10) / max(cx, 0.1)
        every = next((k for k in (1, 2, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100, 128, 256) if k >= need), n)
        return list(range(0, n, every)), [str(i) for i in range(0, n, every)]

    # --- the figure families ---------------------------------------------------------

    def step(self, rows, cols, shape=None, *, context: bool = False, k: int = 0, left: int | None = None,
             max_height: int | None = None) -> StepBox:
        """step_figure's pixels. Cells grow to fill max_width, up to MAX_CELL; when even the
        smallest cells would not fit beside it, the top-k panel moves under the chart, then
        cells shrink to a floor and only every n-th source label is written.
        max_height: pixels the whole figure should fit (the screen under the step control):
        rows are as tall as they are wide, or flatter (never below a line of text) to fit it.
        context: the columns are dimensions of the plain LSTM's context vector (cells may
        be 1 px; labels at round steps). left: at least this left margin (stacked figures)."""
        sz = self.sz
        T, S = shape or (len(rows), len(cols))
        left = max(left or 0, self.left(rows, 70))
        cbar_w, gap = (70, 24) if self.present else (80, 40)
        topk_w = round(190 * sz.cell)
        side_k = 90  # right of the top-k panel: its bars' "token  92.1%" labels run past the bars
        below = bool(k) and left + S * self.cell(S) + cbar_w + gap + topk_w + side_k > self.max_width
        right = side_k if k and not below else 10
        room = self.max_width - left - cbar_w - right - (0 if below or not k else gap + topk_w)
        biggest = MAX_CELL[self.present]
        cx = max(1 if context else MIN_CELL, min(biggest, room // max(S, 1)))
        if not context and self.rotates(cols, cx):  # wider cells where that keeps the labels horizontal
            wide = int(max(text_width(c) for c in cols) * sz.char) + 6
            if wide <= min(room // max(S, 1), 2 * biggest):
                cx = wide
        every = every_nth(sz.font + 1, cx)  # rotated labels need ~13 px each
        if context:  # c0 … c255: a round step, and room between labels (the hover names every column)
            every = next((n for n in (1, 2, 4, 8, 16, 32, 64, 128, 256) if n * cx >= sz.font + 8), S)
        rotated = self.rotates(cols[::every], cx * every)
        strip_h = 0 if context else round((50 if self.present else 70) * sz.cell)
        xlab = self.label_px(cols[::every], rotated)
        topk_h = round(30 * sz.cell) * k + 20 if k else 0
        under = topk_h + 50 if below else 0
        plot_w = S * cx + cbar_w + (gap + topk_w if k and not below else 0)
        top = round(62 * sz.cell) + 12  # the two-line title: the step, the output so far
        bottom = int(2.2 * sz.font) + 10 if below else 20  # the top-k panel's % labels sit under it
        least = sz.font + 6  # a row never flatter than its label
        cy = self.cell(T) if context else cx  # square cells, as tall as they are wide
        if max_height:
            fit = (max_height - top - bottom - xlab - strip_h - under) // max(T, 1)
            cy = min(cy, fit)
        cy = max(cy, least, min(round(40 * sz.cell), 150 // max(T, 1)))
        return StepBox(
            left=left, right=right, top=top, bottom=bottom,
            plot_w=plot_w, plot_h=T * cy + xlab + strip_h + under, cx=cx, cy=cy, every=every,
            yevery=every_nth(sz.font + 2, cy), rotated=rotated, k=k, below=below, heat_w=S * cx, heat_h=T * cy,
            strip_h=strip_h, xlab=xlab, under=under, cbar_w=cbar_w, gap=gap, topk_h=topk_h)

    def attention(self, rows, cols, shape=None, *, title: str = "", masked: bool = False,
                  large: bool = False) -> Box:
        """attention_figure's pixels. large: cells as big as max_width allows (up to 48 px)."""
        sz = self.sz
        T, S = shape or (len(rows), len(cols))
        left = self.left(rows, 70)
        room = (self.max_width - left - 100) // max(S, 1)
        biggest = min(round(48 * sz.cell), max(self.cell(max(T, S)), round(640 * sz.cell) // max(T, S, 1)))
        cx = max(MIN_CELL, min(biggest if large else self.cell(S), room))
        cy = max(self.cell(T), min(round(40 * sz.cell), 150 // max(T, 1)))
        if large:
            cy = max(cy, min(cx, biggest))
        every = every_nth(sz.font + 1, cx)
        rotated = self.rotates(cols, cx)
        plot_w = S * cx + COLOURBAR
        # room for the whole title: a narrow figure gets a wider right margin
        right = max(10, int(text_width(title) * 0.6 * sz.title) + 20 - left - plot_w)  # CJK counts wide
        top = (round(50 * sz.cell) if title else 16) + (sz.small + 14 if masked else 0)  # + the grey cells' legend
        return Box(left=left, right=right, top=top, bottom=self.label_px(cols[::every], rotated), plot_w=plot_w,
                   plot_h=T * cy, cx=cx, cy=cy, every=every, yevery=every_nth(sz.font + 2, cy), rotated=rotated)

    def grid(self, rows, cols, shape, *, title: str = "", masked: bool = False) -> GridBox:
        """heads_grid's pixels for shape (layers, heads, queries, keys): a row of panels per
        layer, all of them fitting max_width side by side."""
        sz = self.sz
        L, H, Q, K = shape
        left = self.left(rows, 60)
        cbar_w, right, gap_x = 100, 10, max(12, sz.font)
        room = (self.max_width - left - cbar_w - right - gap_x * (H - 1)) // max(H * K, 1)
        cx = max(2, min(self.cell(K), room))
        cy = cx if Q * cx <= 420 * sz.cell else max(2, int(420 * sz.cell) // Q)  # a tall panel: flatter cells
        every = every_nth(sz.font + 1, cx)
        rotated = self.rotates(cols[::every], cx * every)
        panel_w, panel_h, head_h = K * cx, Q * cy, sz.small + 12  # head_h: the panel titles
        legend_h = sz.small + 14 if masked else 0
        return GridBox(
            left=left, right=right, top=(round(40 * sz.cell) if title else 8) + legend_h + head_h,
            bottom=self.label_px(cols[::every], rotated) + 4, plot_w=H * panel_w + (H - 1) * gap_x + cbar_w,
            plot_h=L * panel_h + (L - 1) * (head_h + 8), cx=cx, cy=cy, every=every,
            yevery=every_nth(sz.font + 2, cy), rotated=rotated, panel_w=panel_w, panel_h=panel_h, gap_x=gap_x,
            head_h=head_h, cbar_w=cbar_w, short=panel_w < sz.char * 17)

    # --- one attention computation laid open (the inside page) ---------------------------

    def qk(self, rows, shape, *, title: str = "") -> Box:
        """qk_figure: the query row over the keys, shape (tokens, dims): a row per token."""
        sz = self.sz
        S, dims = shape
        left = self.left(rows + [_("query q")], 80)
        cx = max(4, min(round(28 * sz.cell), (self.max_width - left - 100) // max(dims, 1)))
        cy = max(self.cell(S) * 2 // 3, sz.font + 2)
        return Box(left=left, top=round(46 * sz.cell) if title else 16, bottom=int(2.2 * sz.font) + sz.font + 14,
                   plot_w=dims * cx + COLOURBAR, plot_h=(S + 1) * cy + sz.font + 26, cx=cx, cy=cy,
                   yevery=every_nth(sz.font + 2, cy))

    def softmax(self, rows, n: int | None = None, *, title: str = "") -> Box:
        """softmax_figure: two bar panels (`side` wide each) with one row per token (n)."""
        sz = self.sz
        S = len(rows) if n is None else n
        left = self.left(rows, 70)
        cy = max(self.cell(S) * 3 // 4, sz.font + 4)
        panel = max(120, min(round(300 * sz.cell), (self.max_width - left - 70) // 2))
        return Box(left=left, top=(round(46 * sz.cell) if title else 12) + sz.font + 10,
                   bottom=int(2.2 * sz.font) + 8, plot_w=2 * panel + 60, plot_h=S * cy, cy=cy,
                   yevery=every_nth(sz.font + 2, cy), side=panel)

    def context(self, rows, shape, *, title: str = "") -> Box:
        """context_figure: the α bars (`side` wide), then the states h, shape (tokens, dims),
        over the context vector c."""
        sz = self.sz
        S, dims = shape
        left = self.left(rows + ["c_t = Σ α h"], 80)
        bars = round(130 * sz.cell)
        cx = max(1, min(round(14 * sz.cell), (self.max_width - left - bars - 40 - 100) // max(dims, 1)))
        cy = max(self.cell(S) * 2 // 3, sz.font + 2)
        return Box(left=left, top=(round(46 * sz.cell) if title else 12) + sz.font + 8,
                   bottom=int(2.2 * sz.font) + sz.font + 14, plot_w=bars + 40 + dims * cx + COLOURBAR,
                   plot_h=(S + 1) * cy + sz.font + 24, cx=cx, cy=cy, yevery=every_nth(sz.font + 2, cy), side=bars)

    def vectors(self, rows, dims: int, *, title: str = "") -> Box:
        """vectors_figure: a few vectors of dims values, one row each."""
        sz = self.sz
        R = len(rows)
        left = self.left(rows, 70)
        cx = max(1, min(round(14 * sz.cell), (self.max_width - left - 100) // max(dims, 1)))
        cy = max(sz.font + 4, min(round(30 * sz.cell), 300 // max(R, 1)))
        return Box(left=left, top=round(46 * sz.cell) if title else 12, bottom=int(2.2 * sz.font) + sz.font + 14,
                   plot_w=dims * cx + COLOURBAR, plot_h=R * cy, cx=cx, cy=cy, yevery=every_nth(sz.font + 2, cy))
