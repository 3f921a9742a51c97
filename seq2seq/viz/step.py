"""The stepping view of one decode: `step_figure` holds one frame per decoding step, so that
stepping can happen in the browser (the app's step control, ui/stage.py, applies a frame);
`step` picks the frame shown first, and `show_step` moves a built figure to another step
without a rebuild (a static export of one step). The figure has no slider or play button of
its own: one step control per page, and none in an exported picture."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..i18n import _
from ..subword import display, piece_text
from .layout import DEFAULT_WIDTH, Layout, StepBox
from .parts import gold_trace, hover_text, step_shapes
from .style import ATTN_SCALE, HIGHLIGHT, STATE_SCALE, axis_labels, bar_colours, esc, sized, sizes


def step_title(trace, t: int, keep: int = 40, present: bool = False) -> str:
    """'step t · wrote «x» p = 0.93 · output so far: …' (escaped)."""
    so_far = display(trace.tgt_tokens[: t + 1])  # subword pieces as "power ##ful"
    tok, p = so_far[-1], float(trace.probs[t])
    shown = ("… " if len(so_far) > keep else "") + " ".join(esc(x) for x in so_far[-keep:])
    wrote = (_("<b>step {step}</b> · wrote <b>{token}</b> (forced) with p = {p}") if trace.forced[t]
             else _("<b>step {step}</b> · wrote <b>{token}</b> with p = {p}"))
    written = _("output so far: {tokens}").format(tokens=shown)
    return (wrote.format(step=t, token=esc(tok), p=f"{p:.3f}")
            + f"<br><span style='font-size:{sizes(present).font}px'>{written}</span>")


def left_margin(tokens, marks=(), present: bool = False) -> int:
    """Pixels the output-token labels of a heatmap need (to line up stacked figures)."""
    return Layout(present=present).left(axis_labels(tokens, marks=set(marks)), 70)


@dataclass(frozen=True)
class _View:
    """What every piece of one step figure is drawn from."""

    trace: object
    matrix: np.ndarray  # (T, S) attention, or (T, D) the plain LSTM's context vectors
    context: bool
    rows: list[str]
    cols: list[str]
    box: StepBox
    zmax: float
    present: bool


def step_figure(trace, matrix=None, step: int = 0, *, gold=None, frames: bool = True, topk: bool = True,
                marks=(), what: str = "weight α", title: str | None = None, left: int | None = None,
                max_width: int = DEFAULT_WIDTH, max_height: int | None = None, present: bool = False) -> go.Figure:
    """The stepping view of one decode: output steps x source tokens, row `step`
    outlined and later rows veiled; under the source labels, step t's weights as bars
    hanging from their tokens; on the right the top-k candidates of step t.

    matrix: (T, S) attention (e.g. attention.cross_matrix) -- or None for the plain LSTM,
    then the panel shows trace.context (T, D): the one vector every step receives.
    frames: one frame per step (what changes: the strip, the top-k bars, the outline and the
            title), for stepping in the browser.
    gold:   (G, S) true alignment drawn as open squares.
    left:   left margin in pixels (give stacked figures the same one so their columns line up).
    max_width: pixels the figure should fit (the caller's column; DEFAULT_WIDTH in a
            notebook): cells grow to fill it (up to layout.MAX_CELL); beyond it the top-k
            panel moves under the chart, then cells shrink to MIN_CELL and only every n-th
            source label is written.
    max_height: pixels it should fit in height (the screen): rows flatten to fit, down to
            one line of text.
    present: presentation mode (larger text and cells).
    """
    T = trace.steps
    step = max(0, min(int(step), T - 1))
    context = matrix is None
    if context:
        if trace.context is None:
            raise ValueError("this trace has neither attention nor a context vector to show")
        matrix = np.asarray(trace.context, dtype=float)  # (T, D)
        what = "value"
    what = _(what)
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape[0] != T:
        raise ValueError(f"matrix has {matrix.shape[0]} rows, the trace {T} steps")
    S = matrix.shape[1]
    rows = axis_labels(trace.tgt_tokens, marks=set(marks))
    cols = [f"c{i}" for i in range(S)] if context else axis_labels(trace.src_tokens, trace.src_unknown)
    k = len(trace.topk_tokens[0]) if topk and T else 0
    box = Layout(max_width, present).step(rows, cols, (T, S), context=context, k=k, left=left, max_height=max_height)
    zmax = float(np.nanmax(np.abs(matrix))) if matrix.size else 1.0
    v = _View(trace, matrix, context, rows, cols, box, zmax if zmax > 0 else 1.0, present)
    data, strip_idx, topk_idx = _traces(v, step, gold, what)
    fig = go.Figure(data=data, layout=_layout(v, step, title))
    if frames and T > 1:
        fig.frames = _frames(fig, v, strip_idx, topk_idx, title)
    return sized(fig, sizes(present))


# --- the traces ---------------------------------------------------------------------------

def _traces(v: _View, step: int, gold, what: str) -> tuple[list, int | None, int | None]:
    """The heatmap, the gold markers, the strip of step's weights and the top-k bars; with
    the indices of the strip and the top-k bars (None where absent), which frames change."""
    box = v.box
    T, S = v.matrix.shape
    data = [go.Heatmap(
        z=v.matrix, x=np.arange(S), y=np.arange(T), xaxis="x", yaxis="y",
        colorscale=STATE_SCALE if v.context else ATTN_SCALE, zmin=-v.zmax if v.context else 0, zmax=v.zmax,
        zmid=0 if v.context else None, text=hover_text(v.matrix, v.rows, v.cols, what),
        hovertemplate="%{text}<extra></extra>",
        colorbar=dict(title=dict(text=_("value") if v.context else _("weight α"), side="right"),
                      x=box.hx + 12 / box.plot_w,
                      xanchor="left", y=1, yanchor="top", len=box.colourbar_len, thickness=14),
        xgap=1 if box.cx >= 10 else 0, ygap=1 if box.cy >= 10 else 0,
    )]
    g = None if v.context else gold_trace(gold, T, S, min(box.cx, box.cy))
    if g is not None:
        data.append(g)
    strip_idx = topk_idx = None
    if not v.context:
        strip_idx = len(data)
        data.append(_strip(v.matrix[step], v.cols, v.zmax))
    if box.k:
        topk_idx = len(data)
        data.append(go.Bar(orientation="h", xaxis="x3", yaxis="y3", showlegend=False, textposition="outside",
                           texttemplate="%{text}  %{x:.1%}", cliponaxis=False, name="top-k",
                           hovertemplate="%{customdata[0]} (%{customdata[1]})<br>p = %{x:.4f}<extra></extra>",
                           **_topk_bars(v.trace, step)))
    return data, strip_idx, topk_idx


def _strip(w, cols, zmax: float) -> go.Bar:
    """One step's weights as bars hanging from their source tokens."""
    now, source = _("this step"), _("source")
    return go.Bar(x=np.arange(len(w)), y=w, xaxis="x2", yaxis="y2", name=now,
                  marker=dict(color=bar_colours(w, zmax), line=dict(width=0)),
                  customdata=[[c] for c in cols], showlegend=False,
                  hovertemplate=f"{source} %{{customdata[0]}}<br>α = %{{y:.4f}}<extra>{now}</extra>")


def _topk_bars(trace, t: int) -> dict:
    """Data of the top-k bar trace at step t (the chosen token in the highlight colour)."""
    toks = [piece_text(x) for x in trace.topk_tokens[t]]
    probs = np.asarray(trace.topk_probs[t], dtype=float)
    chosen = piece_text(trace.tgt_tokens[t])
    colours = [HIGHLIGHT if tok == chosen else "#9ecae1" for tok in toks]
    return dict(x=probs.tolist(), y=list(range(len(toks))), text=[esc(x) for x in toks], marker=dict(color=colours),
                customdata=[[esc(x), _("chosen") if x == chosen else _("alternative")] for x in toks])


# --- the layout -----------------------------------------------------------------------------

def _layout(v: _View, step: int, title: str | None) -> dict:
    """Pixels from the StepBox, turned into margins and axis domains."""
    box, sz = v.box, sizes(v.present)
    T, S = v.matrix.shape
    layout = dict(
        width=box.width, height=box.height, margin=dict(box.margin(), autoexpand=False),
        font=dict(size=sz.font), plot_bgcolor="white", bargap=0.15, hovermode="closest",
        hoverlabel=dict(font=dict(size=sz.font)),
        title=dict(text=title if title is not None else step_title(v.trace, step, present=v.present), x=0,
                   xref="paper", yref="container", y=1 - (sz.title + 10) / box.height, yanchor="top",
                   font=dict(size=sz.title, weight="bold")),  # Streamlit bolds a title; frames too
        xaxis=dict(domain=[0, box.hx], range=[-0.5, S - 0.5], tickmode="array", tickvals=list(range(0, S, box.every)),
                   ticktext=v.cols[::box.every], tickangle=-90 if box.rotated else 0, showgrid=False,
                   zeroline=False, anchor="y", automargin=False, title=None),
        yaxis=dict(domain=[box.heat_bottom, 1], range=[T - 0.5, -0.5], tickmode="array",
                   tickvals=list(range(0, T, box.yevery)), ticktext=v.rows[::box.yevery], showgrid=False,
                   zeroline=False, anchor="x", automargin=False,
                   title=dict(text=_("output step"), standoff=4) if T > 3 else None),
        shapes=step_shapes(step, T, S, halo=v.context),
        legend=dict(orientation="h", x=box.hx, xanchor="right", y=1, yanchor="bottom",
                    bgcolor="rgba(255,255,255,0.8)", font=dict(size=sz.small)),
    )
    if not v.context:
        layout["xaxis2"] = dict(domain=[0, box.hx], matches="x", anchor="y2", showticklabels=False, showgrid=False,
                                zeroline=False)
        layout["yaxis2"] = dict(domain=box.strip_domain, range=[v.zmax * 1.08, 0], anchor="x2", showgrid=True,
                                gridcolor="#eee", nticks=3, title=dict(text=_("α now"), standoff=2), automargin=False)
    if box.k:
        layout.update(_topk_axes(box, sz))
    return layout


def _topk_axes(box: StepBox, sz) -> dict:
    """The top-k panel's axes and its heading."""
    kx, ky = box.topk_domains()
    return dict(
        xaxis3=dict(domain=kx, range=[0, 1.45], anchor="y3", tickformat=".0%", nticks=3, showgrid=True,
                    gridcolor="#eee", title=None),
        yaxis3=dict(domain=ky, range=[box.k - 0.5, -0.5], anchor="x3", showticklabels=False, showgrid=False,
                    zeroline=False),
        annotations=[dict(text=_("top-{k} next tokens").format(k=box.k), xref="paper", yref="paper", x=kx[0], y=ky[1],
                          xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.font))],
    )


# --- stepping in the browser: one frame per step -----------------------------------------------

def _frames(fig: go.Figure, v: _View, strip_idx, topk_idx, title: str | None) -> list[go.Frame]:
    """One frame per step: the strip, the top-k bars, the outline and the title change."""
    T, S = v.matrix.shape
    look = {k: x for k, x in fig.layout.title.to_plotly_json().items() if k != "text"}  # font, place
    frames = []
    for t in range(T):
        data, idx = [], []
        if strip_idx is not None:
            w = v.matrix[t].tolist()  # lists validate ~5x faster than arrays in Plotly
            data.append(go.Bar(y=w, marker=dict(color=bar_colours(w, v.zmax))))
            idx.append(strip_idx)
        if topk_idx is not None:
            data.append(go.Bar(**_topk_bars(v.trace, t)))
            idx.append(topk_idx)
        frames.append(go.Frame(name=str(t), data=data, traces=idx,
                               layout=dict(shapes=step_shapes(t, T, S, halo=v.context),
                                           title=dict(look, text=title if title is not None
                                                      else step_title(v.trace, t, present=v.present)))))
    return frames


# --- reading and moving a built figure -------------------------------------------------------

def cell_width(fig: go.Figure) -> float:
    """Pixels per column of a figure's main heatmap (to decide whether charts fit side by side)."""
    lay = fig.layout
    heat = next(t for t in fig.data if t.type == "heatmap")
    cols = np.shape(heat.z)[1]
    return (lay.width - lay.margin.l - lay.margin.r) * lay.xaxis.domain[1] / max(cols, 1)


def show_step(fig: go.Figure, step: int) -> go.Figure:
    """Make a built step_figure open on `step` (copy that frame into the figure): a step
    change costs this, not a rebuild. Figures without frames are returned unchanged."""
    frame = next((f for f in fig.frames if f.name == str(step)), None)
    if frame is None:
        return fig
    with fig.batch_update():
        for idx, tr in zip(frame.traces or (), frame.data):
            d = tr.to_plotly_json()
            d.pop("type", None)
            fig.data[idx].update(d)
        fig.layout.shapes = frame.layout.shapes
        fig.layout.title.text = frame.layout.title.text
    return fig
