"""Static attention heatmaps: `attention_figure` (one matrix: a beam hypothesis, one head,
a rollout) and `heads_grid` (every head of every layer at a glance). Cells attention may
not look at (the decoder's future) are drawn grey, never as a weight of 0."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..i18n import _
from .layout import DEFAULT_WIDTH, GridBox, Layout
from .parts import gold_trace, hover_text, step_shapes
from .style import ATTN_SCALE, HIGHLIGHT, MASKED, Sizes, axis_labels, sized

WITH_TEXT = 60_000  # token pairs named in a grid's hover up to this many cells; beyond, positions (a light page)


def _masked_legend(sz: Sizes) -> go.Scatter:
    """A legend entry for the grey masked cells (a heatmap has none of its own)."""
    return go.Scatter(x=[None], y=[None], mode="markers", name=_("masked (a later position: not visible)"),
                      marker=dict(symbol="square", size=sz.font, color=MASKED), hoverinfo="skip", showlegend=True)


def _masked_heatmap(mask, hover, xaxis="x", yaxis="y", xgap=0, ygap=0) -> go.Heatmap:
    """The cells attention may not look at, drawn grey; NaN (transparent) elsewhere."""
    mask = np.asarray(mask, bool)
    masked = _("masked")
    return go.Heatmap(z=np.where(mask, np.nan, 1.0), x=np.arange(mask.shape[1]), y=np.arange(mask.shape[0]),
                      xaxis=xaxis, yaxis=yaxis, colorscale=[[0, MASKED], [1, MASKED]], showscale=False,
                      name=masked, text=hover, hovertemplate=f"%{{text}}<extra>{masked}</extra>" if hover else None,
                      hoverinfo=None if hover else "skip", xgap=xgap, ygap=ygap)


def _peak(shown) -> float:
    """The top of the colour scale: the largest weight not masked (NaN), 1 if none is > 0."""
    finite = shown[np.isfinite(shown)]
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def _gaps(box) -> dict:
    """White lines between cells big enough to show them."""
    return dict(xgap=1 if box.cx >= 10 else 0, ygap=1 if box.cy >= 10 else 0)


def attention_figure(matrix, rows, cols, *, row_unknown=None, col_unknown=None, step=None, gold=None,
                     title: str = "", what: str = "weight α", mask=None, names=("output", "source"),
                     large: bool = False, max_width: int = DEFAULT_WIDTH, present: bool = False) -> go.Figure:
    """A plain static heatmap (rows x cols tokens), e.g. one beam hypothesis, one head of
    self-attention or a rollout; with `step` that row is outlined and later rows veiled.

    mask:  (T, S) bool, True where attention may look: the other cells are drawn grey
           ("masked"), never as a weight of 0.
    names: what rows and columns are, for the hover: ("output", "source"), ("query", "key").
    what, names: in English (shown translated) or already in the page's language.
    large: cells as big as max_width allows (up to 48 px): one head enlarged.
    title: shown as given (escape token text in it with `esc`).
    max_width: pixels the figure should fit (the caller's column; DEFAULT_WIDTH in a notebook).
    """
    matrix = np.asarray(matrix, dtype=float)
    T, S = matrix.shape
    what = _(what)
    lay = Layout(max_width, present)
    sz = lay.sz
    r, c = axis_labels(rows, row_unknown), axis_labels(cols, col_unknown)
    box = lay.attention(r, c, (T, S), title=title, masked=mask is not None, large=large)
    shown = matrix if mask is None else np.where(np.asarray(mask, bool), matrix, np.nan)
    hover = hover_text(matrix, r, c, what, names)
    fig = go.Figure(go.Heatmap(
        z=shown, x=np.arange(S), y=np.arange(T), colorscale=ATTN_SCALE, zmin=0, zmax=_peak(shown), name=what,
        text=hover, hovertemplate="%{text}<extra></extra>",
        colorbar=dict(title=dict(text=what, side="right"), thickness=14, len=1, x=1, xanchor="right"), **_gaps(box),
    ))
    if mask is not None:
        hidden = _("masked: not visible from this query")
        masked_hover = [[f"{h.split('<br>')[0]}<br>{hidden}" for h in row] for row in hover]
        fig.add_trace(_masked_heatmap(mask, masked_hover, **_gaps(box)))
        fig.add_trace(_masked_legend(sz))
    g = gold_trace(gold, T, S, min(box.cx, box.cy))
    if g is not None:
        fig.add_trace(g)
    fig.update_layout(
        width=box.width, height=box.height, margin=box.margin(),
        title=dict(text=title, x=0, font=dict(size=sz.title)), plot_bgcolor="white", font=dict(size=sz.font),
        hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(domain=[0, (S * box.cx) / box.plot_w], range=[-0.5, S - 0.5], tickmode="array",
                   tickvals=list(range(0, S, box.every)), ticktext=c[::box.every],
                   tickangle=-90 if box.rotated else 0, showgrid=False, zeroline=False, automargin=False),
        yaxis=dict(range=[T - 0.5, -0.5], tickmode="array", tickvals=list(range(0, T, box.yevery)),
                   ticktext=r[::box.yevery], showgrid=False, zeroline=False, automargin=False),
        legend=dict(orientation="h", x=0, y=1, yanchor="bottom", font=dict(size=sz.small)),
    )
    if step is not None and T:
        fig.update_layout(shapes=step_shapes(max(0, min(int(step), T - 1)), T, S))
    return sized(fig, sz)


# --- every head of every layer ---------------------------------------------------------------

@dataclass(frozen=True)
class _Grid:
    """What every panel of one heads_grid is drawn from."""

    w: np.ndarray  # (layers, heads, Q, K)
    shown: np.ndarray  # w with masked cells NaN
    allowed: np.ndarray  # (Q, K) bool
    masked: bool
    rows: list[str]
    cols: list[str]
    base: list | None  # hover text of the token pairs (None: too many cells, positions only)
    what: str
    names: tuple
    box: GridBox
    sz: Sizes


def _axis_id(letter: str, n: int) -> tuple[str, str]:
    """('x', 'xaxis') for the first subplot, ('x3', 'xaxis3') for the third."""
    suffix = "" if n == 1 else str(n)
    return letter + suffix, f"{letter}axis{suffix}"


def heads_grid(weights, rows, cols, *, mask=None, row_unknown=None, col_unknown=None, what: str = "weight α",
               names=("query", "key"), title: str = "", selected=None, max_width: int = DEFAULT_WIDTH,
               present: bool = False) -> go.Figure:
    """Every head of every layer at a glance: weights (layers, heads, Q, K) -> one figure,
    a row of small heatmaps per layer and one colour scale for all of them. Every panel
    has the same tokens, so the first column carries the row labels and the bottom row
    the column labels.

    mask:     (Q, K) bool, True where attention may look; the other cells are grey.
    selected: (layer, head), 0-based: that panel is outlined (head None: the whole layer,
              e.g. when the enlarged view shows the mean over its heads).
    max_width: pixels the panels of a layer should fit side by side (the caller's column).
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 4:
        raise ValueError(f"heads_grid wants (layers, heads, query, key) weights, got shape {w.shape}")
    L, H, Q, K = w.shape
    what, names = _(what), (_(names[0]), _(names[1]))
    lay = Layout(max_width, present)
    r, c = axis_labels(rows, row_unknown), axis_labels(cols, col_unknown)
    allowed = np.ones((Q, K), bool) if mask is None else np.asarray(mask, bool)
    base = hover_text(w[0, 0], r, c, what, names) if L * H * Q * K <= WITH_TEXT else None
    g = _Grid(w, np.where(allowed, w, np.nan), allowed, mask is not None, r, c, base, what, names,
              lay.grid(r, c, w.shape, title=title, masked=mask is not None), lay.sz)
    data, axes, notes = [], {}, []
    for layer in range(L):
        for head in range(H):
            traces, panel_axes, note = _panel(g, layer, head, selected)
            data += traces
            axes.update(panel_axes)
            notes.append(note)
    if mask is not None:
        data.append(_masked_legend(g.sz))
    fig = go.Figure(data=data)
    fig.update_layout(**_grid_layout(g, title, _peak(g.shown), notes, _outline(g.box, selected, L, H)), **axes)
    return sized(fig, g.sz)


def _panel(g: _Grid, layer: int, head: int, selected) -> tuple[list, dict, dict]:
    """One head's panel: its traces, its two axes and its title (bold and coloured if selected)."""
    L, H, Q, K = g.w.shape
    box, sz = g.box, g.sz
    n = layer * H + head + 1
    (xa, xkey), (ya, ykey) = _axis_id("x", n), _axis_id("y", n)
    xd, yd = box.panel(layer, head)
    name = (f"L{layer + 1}·H{head + 1}" if box.short
            else _("layer {layer} · head {head}").format(layer=layer + 1, head=head + 1))
    traces = [go.Heatmap(z=g.shown[layer, head], x=np.arange(K), y=np.arange(Q), xaxis=xa, yaxis=ya,
                         coloraxis="coloraxis", name=name, **_panel_hover(g, layer, head, name), **_gaps(box))]
    if g.masked:
        traces.append(_masked_heatmap(g.allowed, None, xa, ya, **_gaps(box)))
    last_row, first_col = layer == L - 1, head == 0
    axes = {
        xkey: dict(domain=xd, anchor=ya, range=[-0.5, K - 0.5], showgrid=False, zeroline=False, automargin=False,
                   tickmode="array", tickvals=list(range(0, K, box.every)), ticktext=g.cols[::box.every],
                   tickangle=-90 if box.rotated else 0, showticklabels=last_row,
                   ticks="outside" if last_row else "", **({} if n == 1 else {"matches": "x"})),
        ykey: dict(domain=yd, anchor=xa, range=[Q - 0.5, -0.5], showgrid=False, zeroline=False, automargin=False,
                   tickmode="array", tickvals=list(range(0, Q, box.yevery)), ticktext=g.rows[::box.yevery],
                   showticklabels=first_col, ticks="outside" if first_col else "",
                   **({} if n == 1 else {"matches": "y"})),
    }
    picked = selected is not None and selected[0] == layer and selected[1] in (None, head)
    note = dict(text=f"<b>{name}</b>" if picked else name, xref="paper", yref="paper", x=(xd[0] + xd[1]) / 2,
                y=yd[1], yshift=2, xanchor="center", yanchor="bottom", showarrow=False,
                font=dict(size=sz.small, color=HIGHLIGHT if picked else "#333"))
    return traces, axes, note


def _panel_hover(g: _Grid, layer: int, head: int, name: str) -> dict:
    """Hover of one panel: the head, the token pair and the weight (positions only in a big grid)."""
    what, names = g.what, g.names
    if g.base is None:
        return dict(hovertemplate=f"<b>{name}</b><br>{names[0]} ·%{{y}} ← {names[1]} ·%{{x}}<br>"
                                  f"{what} = %{{z:.4f}}<extra></extra>")
    text = [[f"<b>{name}</b><br>{h.split('<br>')[0]}<br>{what} = {g.w[layer, head, t, i]:.4f}"
             for i, h in enumerate(row)] for t, row in enumerate(g.base)]
    return dict(text=text, hovertemplate="%{text}<extra></extra>")


def _outline(box: GridBox, selected, L: int, H: int) -> list[dict]:
    """A frame around the selected head (or the whole selected layer); none if out of range."""
    if selected is None or not 0 <= selected[0] < L:
        return []
    layer, head = selected
    heads = range(H) if head is None else [head] if 0 <= head < H else []
    if not heads:
        return []
    return [dict(type="rect", xref="paper", yref="paper", **box.outline(layer, heads[0], heads[-1]), layer="above",
                 line=dict(color=HIGHLIGHT, width=3), fillcolor="rgba(0,0,0,0)")]


def _grid_layout(g: _Grid, title: str, zmax: float, notes: list, shapes: list) -> dict:
    """The grid's size, title, shared colour axis and legend (the panels' axes come from _panel)."""
    box, sz = g.box, g.sz
    return dict(
        width=box.width, height=box.height, margin=dict(box.margin(), autoexpand=False),
        title=dict(text=title, x=0, xref="paper", yref="container", y=1 - 8 / box.height,
                   yanchor="top", font=dict(size=sz.title)), plot_bgcolor="white",
        font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)), annotations=notes, shapes=shapes,
        coloraxis=dict(colorscale=ATTN_SCALE, cmin=0, cmax=zmax,
                       colorbar=dict(title=dict(text=g.what, side="right"), thickness=14, xanchor="left",
                                     x=box.colourbar_x, y=1, yanchor="top", len=box.colourbar_len)),
        legend=dict(orientation="h", x=0, xref="paper", y=1, yanchor="bottom", yref="container",
                    font=dict(size=sz.small)) if not g.masked else
        dict(orientation="h", x=0, y=box.legend_y, yanchor="bottom", font=dict(size=sz.small)),
    )
