"""The look every figure shares: colours, the two size sets (screen and projector), and the
text helpers (escaping, position-unique tick labels, the export button's config).

Plotly reads a subset of HTML in labels, so every piece of text goes through `esc`: "</s>"
or a typed "<b>" must show as typed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from ..subword import display

ATTN_SCALE = "Blues"
STATE_SCALE = "RdBu"
HIGHLIGHT = "#e4572e"  # the current step: outline of its row, the chosen top-k bar
GOLD = "#f2a900"  # true-alignment markers
UNKNOWN = "#d62728"  # source tokens the model does not know
ARCH_COLOURS = {"lstm": "#7f7f7f", "lstm-attn": "#1f77b4", "lstm-bahdanau": "#2ca02c", "transformer": "#e4572e"}
MASKED = "#bdbdbd"  # cells attention may not look at (the decoder's future): drawn, never a silent 0
FONT = 12
# Latin fonts first (Streamlit's own, then Plotly's), then CJK fonts so Chinese text renders in
# the charts and their exports; the browser (or the exporter's Chromium) falls back glyph by glyph.
FONT_FAMILY = ('"Source Sans", "Source Sans Pro", "Open Sans", Verdana, Arial, "Noto Sans CJK SC", "Noto Sans SC", '
               '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "WenQuanYi Micro Hei", sans-serif')


@dataclass(frozen=True)
class Sizes:
    """Text and cell sizes of a figure, in pixels."""

    font: int  # tick labels and body text
    title: int  # figure and panel titles
    small: int  # legends, the slider's labels, second lines
    cell: float  # heatmap cells are cell_size(n) times this

    @property
    def char(self) -> float:
        return 0.6 * self.font  # the width of one character of tick text


SCREEN = Sizes(FONT, 14, 11, 1.0)
PROJECTOR = Sizes(18, 22, 15, 1.3)  # presentation mode: a 1280 x 720 projector seen from the back of a room


def sizes(present: bool = False) -> Sizes:
    return PROJECTOR if present else SCREEN


def sized(fig: go.Figure, sz: Sizes) -> go.Figure:
    """Tick labels, axis titles and colour-bar ticks at the figure's sizes, explicitly: a
    theme's template (Streamlit's) would otherwise set its own and outrank layout.font.
    The font family lists a CJK font after the Latin ones (Chinese labels, titles, hovers)."""
    fig.update_xaxes(tickfont_size=sz.font, title_font_size=sz.font)
    fig.update_yaxes(tickfont_size=sz.font, title_font_size=sz.font)
    fig.update_traces(colorbar=dict(tickfont_size=sz.small, title_font_size=sz.font),
                      selector=lambda t: t.type == "heatmap" and t.showscale is not False)
    if fig.layout.coloraxis.colorbar is not None:
        fig.update_coloraxes(colorbar=dict(tickfont_size=sz.small, title_font_size=sz.font))
    fig.update_layout(legend_font_size=sz.small, font_family=FONT_FAMILY, hoverlabel_font_family=FONT_FAMILY)
    return fig


def esc(text) -> str:
    """Text as Plotly should show it literally (it parses <b>, <br>, &amp; ...)."""
    return html.escape(str(text), quote=False)


def axis_labels(tokens, unknown=None, marks=()) -> list[str]:
    """Escaped tick labels, the tokens as written (subword pieces as "power ##ful"); unknown
    tokens in red with a '?', `marks` (step indices) with a pencil (what-if edits). No
    position suffix: every axis places its cells by number (tickvals), so a repeated token
    is never merged, and the hover names the cell under the pointer."""
    out = []
    for i, lab in enumerate("␣" if t == " " else t for t in display(list(tokens))):
        lab = esc(lab)
        if i in marks:
            lab = f"✎ {lab}"
        if unknown is not None and i < len(unknown) and unknown[i]:
            lab = f'<span style="color:{UNKNOWN}">{lab} ?</span>'
        out.append(lab)
    return out


def export_config(filename: str, fmt: str = "png") -> dict:
    """Plotly config: the toolbar's camera button downloads `filename`.png or .svg."""
    fmt = fmt if fmt in ("png", "svg", "jpeg", "webp") else "png"
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": fmt, "filename": filename, "scale": 2 if fmt == "png" else 1},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def bar_colours(weights, zmax: float) -> list[str]:
    """Bar colours matching the heatmap's scale (as strings: Plotly 7 warns on numbers)."""
    return sample_colorscale(ATTN_SCALE, [min(1.0, max(0.0, float(w) / zmax)) for w in weights])
