"""The stepping view of one decode: `step_figure` holds one frame per decoding step, so that
stepping can happen in the browser (the app's step control, ui/stage.py, applies a frame);
`step` picks the frame shown first, and `show_step` moves a built figure to another step
without a rebuild (a static export of one step). The figure has no slider or play button of
its own: one step control per page, and none in an exported picture.

The figure is a plain Plotly figure dict (`go.Figure(fig)` makes it an object; `plotly.io.show(fig)`
shows it): it is built for every decode a page shows, so it is built and sent light. Plotly's
objects validate every property (~0.7 s for a 60 x 40 decode's 60 frames); a dict costs a few
milliseconds. The heatmap is one float32 typed array with a colour scale, its hover one short
text per cell ("我 ← tea") in a hover template, the strip's bars numbers on the same scale, and
each frame only what changes.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass

import numpy as np
from plotly.colors import get_colorscale

from ..i18n import _
from ..subword import display, piece_text
from .layout import DEFAULT_WIDTH, Layout, StepBox
from .parts import gold_trace, step_shapes
from .style import ATTN_SCALE, FONT_FAMILY, HIGHLIGHT, STATE_SCALE, axis_labels, esc, sizes

DIGITS = 4  # the strip's and top-k bars' values, rounded (hover shows 4 decimals; the heatmap keeps float32)


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


def typed_array(a) -> dict:
    """A numpy array as Plotly's typed-array JSON (float32, base64): a 60 x 40 matrix is 13 KB
    instead of ~50 KB of decimal text, and decodes in the browser without parsing."""
    a = np.ascontiguousarray(a, dtype="<f4")
    spec = {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in a.shape)
    return spec


def _rounded(values) -> list[float]:
    return [round(float(x), DIGITS) for x in values]


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
                max_width: int = DEFAULT_WIDTH, max_height: int | None = None, present: bool = False) -> dict:
    """The stepping view of one decode, as a Plotly figure dict: output steps x source tokens,
    row `step` outlined and later rows veiled; under the source labels, step t's weights as bars
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
        matrix = trace.context  # (T, D)
        what = "value"
    what = _(what)
    matrix = np.asarray(matrix, dtype=np.float32)
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
    fig = {"data": data, "layout": _layout(v, step, title)}
    if frames and T > 1:
        fig["frames"] = _frames(v, strip_idx, topk_idx, title)
    return fig


# --- the traces ---------------------------------------------------------------------------

def _hover(v: _View, what: str) -> tuple[list, str]:
    """Per-cell hover text and the template around it: the template holds the words
    ("output ← source", "weight α = %{z}"), each cell only its token pair."""
    a, b = _("output"), _("source")
    rows = [r.replace("✎ ", "") for r in v.rows]
    if v.context:  # columns are the vector's dimensions: the column number needs no text
        text = [[r] * len(v.cols) for r in rows]
        return text, f"{a} %{{text}} · c%{{x}}<br>{what} = %{{z:.4f}}<extra></extra>"
    text = [[f"{r} ← {c}" for c in v.cols] for r in rows]
    return text, f"{a} ← {b}: %{{text}}<br>{what} = %{{z:.4f}}<extra></extra>"


def _traces(v: _View, step: int, gold, what: str) -> tuple[list, int | None, int | None]:
    """The heatmap, the gold markers, the strip of step's weights and the top-k bars; with
    the indices of the strip and the top-k bars (None where absent), which frames change."""
    box, sz = v.box, sizes(v.present)
    T, S = v.matrix.shape
    text, template = _hover(v, what)
    data = [dict(
        type="heatmap", z=typed_array(v.matrix), x0=0, dx=1, y0=0, dy=1, xaxis="x", yaxis="y",
        colorscale=get_colorscale(STATE_SCALE if v.context else ATTN_SCALE), zmin=-v.zmax if v.context else 0,
        zmax=v.zmax, zmid=0 if v.context else None, text=text, hovertemplate=template,
        colorbar=dict(title=dict(text=_("value") if v.context else _("weight α"), side="right",
                                 font=dict(size=sz.font)),
                      tickfont=dict(size=sz.small), x=box.hx + 12 / box.plot_w, xanchor="left", y=1, yanchor="top",
                      len=box.colourbar_len, thickness=14),
        xgap=1 if box.cx >= 10 else 0, ygap=1 if box.cy >= 10 else 0,
    )]
    if not v.context:
        data[0].pop("zmid")
    g = None if v.context else gold_trace(gold, T, S, min(box.cx, box.cy))
    if g is not None:
        data.append(g)
    strip_idx = topk_idx = None
    if not v.context:
        strip_idx = len(data)
        data.append(_strip(v.matrix[step], v.cols, v.zmax))
    if box.k:
        topk_idx = len(data)
        data.append(dict(type="bar", orientation="h", xaxis="x3", yaxis="y3", showlegend=False,
                         textposition="outside", texttemplate="%{text}  %{x:.1%}", cliponaxis=False, name="top-k",
                         hovertemplate="%{customdata[0]} (%{customdata[1]})<br>p = %{x:.4f}<extra></extra>",
                         **_topk_bars(v.trace, step)))
    return data, strip_idx, topk_idx


def _strip(w, cols, zmax: float) -> dict:
    """One step's weights as bars hanging from their source tokens, coloured on the heatmap's scale."""
    now, source = _("this step"), _("source")
    w = _rounded(w)
    return dict(type="bar", x=list(range(len(w))), y=w, xaxis="x2", yaxis="y2", name=now,
                marker=dict(color=w, colorscale=get_colorscale(ATTN_SCALE), cmin=0, cmax=zmax, line=dict(width=0)),
                customdata=[[c] for c in cols], showlegend=False,
                hovertemplate=f"{source} %{{customdata[0]}}<br>α = %{{y:.4f}}<extra>{now}</extra>")


def _topk_bars(trace, t: int) -> dict:
    """Data of the top-k bar trace at step t (the chosen token in the highlight colour)."""
    toks = [piece_text(x) for x in trace.topk_tokens[t]]
    chosen = piece_text(trace.tgt_tokens[t])
    colours = [HIGHLIGHT if tok == chosen else "#9ecae1" for tok in toks]
    return dict(x=_rounded(trace.topk_probs[t]), y=list(range(len(toks))), text=[esc(x) for x in toks],
                marker=dict(color=colours),
                customdata=[[esc(x), _("chosen") if x == chosen else _("alternative")] for x in toks])


# --- the layout -----------------------------------------------------------------------------

def _axis(sz, **kw) -> dict:
    """An axis with the figure's tick and title sizes set explicitly: a theme's template
    (Streamlit's) would otherwise set its own and outrank layout.font."""
    title = kw.pop("title", None)
    if isinstance(title, dict):
        title = dict(title, font=dict(size=sz.font))
    return dict(kw, title=title, tickfont=dict(size=sz.font))


def _title(v: _View, t: int, title: str | None) -> dict:
    box, sz = v.box, sizes(v.present)
    return dict(text=title if title is not None else step_title(v.trace, t, present=v.present), x=0, xref="paper",
                yref="container", y=1 - (sz.title + 10) / box.height, yanchor="top",
                font=dict(size=sz.title, weight="bold"))  # Streamlit bolds a title; frames too


def _layout(v: _View, step: int, title: str | None) -> dict:
    """Pixels from the StepBox, turned into margins and axis domains."""
    box, sz = v.box, sizes(v.present)
    T, S = v.matrix.shape
    layout = dict(
        width=box.width, height=box.height, margin=dict(box.margin(), autoexpand=False),
        font=dict(size=sz.font, family=FONT_FAMILY), plot_bgcolor="white", bargap=0.15, hovermode="closest",
        hoverlabel=dict(font=dict(size=sz.font, family=FONT_FAMILY)),
        title=_title(v, step, title),
        xaxis=_axis(sz, domain=[0, box.hx], range=[-0.5, S - 0.5], tickmode="array",
                    tickvals=list(range(0, S, box.every)), ticktext=v.cols[::box.every],
                    tickangle=-90 if box.rotated else 0, showgrid=False, zeroline=False, anchor="y",
                    automargin=False, title=None),
        yaxis=_axis(sz, domain=[box.heat_bottom, 1], range=[T - 0.5, -0.5], tickmode="array",
                    tickvals=list(range(0, T, box.yevery)), ticktext=v.rows[::box.yevery], showgrid=False,
                    zeroline=False, anchor="x", automargin=False,
                    title=dict(text=_("output step"), standoff=4) if T > 3 else None),
        shapes=step_shapes(step, T, S, halo=v.context),
        legend=dict(orientation="h", x=box.hx, xanchor="right", y=1, yanchor="bottom",
                    bgcolor="rgba(255,255,255,0.8)", font=dict(size=sz.small)),
    )
    if not v.context:
        layout["xaxis2"] = _axis(sz, domain=[0, box.hx], matches="x", anchor="y2", showticklabels=False,
                                 showgrid=False, zeroline=False)
        layout["yaxis2"] = _axis(sz, domain=box.strip_domain, range=[v.zmax * 1.08, 0], anchor="x2", showgrid=True,
                                 gridcolor="#eee", nticks=3, title=dict(text=_("α now"), standoff=2),
                                 automargin=False)
    if box.k:
        layout.update(_topk_axes(box, sz))
    return layout


def _topk_axes(box: StepBox, sz) -> dict:
    """The top-k panel's axes and its heading."""
    kx, ky = box.topk_domains()
    return dict(
        xaxis3=_axis(sz, domain=kx, range=[0, 1.45], anchor="y3", tickformat=".0%", nticks=3, showgrid=True,
                     gridcolor="#eee", title=None),
        yaxis3=_axis(sz, domain=ky, range=[box.k - 0.5, -0.5], anchor="x3", showticklabels=False, showgrid=False,
                     zeroline=False),
        annotations=[dict(text=_("top-{k} next tokens").format(k=box.k), xref="paper", yref="paper", x=kx[0], y=ky[1],
                          xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.font))],
    )


# --- stepping in the browser: one frame per step -----------------------------------------------

def _frames(v: _View, strip_idx, topk_idx, title: str | None) -> list[dict]:
    """One frame per step: the strip, the top-k bars, the outline and the title change."""
    T, S = v.matrix.shape
    frames = []
    for t in range(T):
        data, idx = [], []
        if strip_idx is not None:
            w = _rounded(v.matrix[t])
            data.append(dict(type="bar", y=w, marker=dict(color=w)))
            idx.append(strip_idx)
        if topk_idx is not None:
            data.append(dict(type="bar", **_topk_bars(v.trace, t)))
            idx.append(topk_idx)
        frames.append(dict(name=str(t), data=data, traces=idx,
                           layout=dict(shapes=step_shapes(t, T, S, halo=v.context), title=_title(v, t, title))))
    return frames


# --- reading and moving a built figure -------------------------------------------------------

def heatmap_shape(fig: dict) -> tuple[int, int]:
    """(rows, columns) of a step figure's heatmap."""
    heat = next(t for t in fig["data"] if t["type"] == "heatmap")
    z = heat["z"]
    if isinstance(z, dict):
        return tuple(int(n) for n in z["shape"].split(","))
    return np.shape(z)


def cell_width(fig: dict) -> float:
    """Pixels per column of a step figure's heatmap (to decide whether charts fit side by side)."""
    lay = fig["layout"]
    cols = heatmap_shape(fig)[1]
    return (lay["width"] - lay["margin"]["l"] - lay["margin"]["r"]) * lay["xaxis"]["domain"][1] / max(cols, 1)


def show_step(fig: dict, step: int) -> dict:
    """A copy of a built step_figure opened on `step` (that frame copied into the figure): a step
    change costs this, not a rebuild. Figures without frames come back as they are."""
    frame = next((f for f in fig.get("frames", ()) if f["name"] == str(step)), None)
    if frame is None:
        return fig
    out = dict(fig, data=list(fig["data"]), layout=dict(fig["layout"]))
    for idx, tr in zip(frame["traces"], frame["data"]):
        merged = copy.deepcopy(out["data"][idx])
        for key, value in tr.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = dict(merged[key], **value)
            else:
                merged[key] = value
        out["data"][idx] = merged
    out["layout"]["shapes"] = frame["layout"]["shapes"]
    out["layout"]["title"] = frame["layout"]["title"]
    return out
