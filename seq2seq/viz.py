"""Plotly figure builders: numpy arrays or a Trace in, `go.Figure` out. Never imports
Streamlit, so every figure also works in a notebook (`fig.show()`).

Legibility rules every heatmap follows, from 1 to 60+ tokens:
- axes are numeric with tick text from `seq2seq.labels` (position-unique: Plotly would
  merge two "the" categories), so repeated tokens never collapse;
- cells have a minimum size and the figure grows with the token count (width, height
  and margins are set in pixels); source labels are turned vertical when they crowd;
- hover names the token pair and the exact weight; a colour bar gives the scale;
- every piece of text is HTML-escaped (Plotly reads a subset of HTML in labels, and
  "</s>" or a typed "<b>" must show as typed).

`step_figure` holds one frame per decoding step with a slider and a play button, so
stepping happens in the browser; `step` picks the frame shown first.

Every builder takes `present`: presentation mode (a 1280 x 720 projector seen from the
back of a room) -- larger fonts and tick labels, larger cells, the same pixel rules.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from .analysis import gold_alignment
from .tokenize import labels

ATTN_SCALE = "Blues"
STATE_SCALE = "RdBu"
HIGHLIGHT = "#e4572e"  # the current step: outline of its row, the chosen top-k bar
GOLD = "#f2a900"  # true-alignment markers
UNKNOWN = "#d62728"  # source tokens the model does not know
ARCH_COLOURS = {"lstm": "#7f7f7f", "lstm-attn": "#1f77b4", "transformer": "#e4572e"}
FONT = 12
MIN_CELL = 8  # pixels: the smallest heatmap cell, still one clear square per token pair
MAX_WIDTH = 1100  # pixels a figure aims to fit: a wide page's main column on a laptop screen
MASKED = "#bdbdbd"  # cells attention may not look at (the decoder's future): drawn, never a silent 0


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
PROJECTOR = Sizes(18, 22, 15, 1.3)  # presentation mode


def sizes(present: bool = False) -> Sizes:
    return PROJECTOR if present else SCREEN


def _sized(fig: go.Figure, sz: Sizes) -> go.Figure:
    """Tick labels, axis titles and colour-bar ticks at the figure's sizes, explicitly: a
    theme's template (Streamlit's) would otherwise set its own and outrank layout.font."""
    fig.update_xaxes(tickfont_size=sz.font, title_font_size=sz.font)
    fig.update_yaxes(tickfont_size=sz.font, title_font_size=sz.font)
    fig.update_traces(colorbar=dict(tickfont_size=sz.small, title_font_size=sz.font),
                      selector=lambda t: t.type == "heatmap" and t.showscale is not False)
    if fig.layout.coloraxis.colorbar is not None:
        fig.update_coloraxes(colorbar=dict(tickfont_size=sz.small, title_font_size=sz.font))
    fig.update_layout(legend_font_size=sz.small)
    return fig


def esc(text) -> str:
    """Text as Plotly should show it literally (it parses <b>, <br>, &amp; ...)."""
    return html.escape(str(text), quote=False)


def axis_labels(tokens, unknown=None, marks=()) -> list[str]:
    """Escaped position-unique labels; unknown tokens in red with a '?', `marks`
    (step indices) with a pencil (what-if edits)."""
    out = []
    for i, lab in enumerate(labels(list(tokens))):
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


def cell_size(n: int, present: bool = False) -> int:
    """Pixels per heatmap cell for n cells along an axis: big for few, never a smear."""
    px = 34 if n <= 10 else 28 if n <= 20 else 22 if n <= 35 else 17 if n <= 50 else 14
    return round(px * sizes(present).cell)


def _width(text: str) -> float:
    """A label's width in characters of tick text: wide (CJK) characters count 1.7."""
    plain = html.unescape(text.split(">")[1].split("<")[0] if text.startswith("<span") else text)
    return sum(1.7 if unicodedata.east_asian_width(c) in "WF" else 1 for c in plain)


def _label_px(texts, rotated: bool, sz: Sizes = SCREEN) -> int:
    """Room tick labels need: their length if rotated (or on the y axis), else one line
    (with the tick mark and its gap)."""
    longest = max((_width(t) for t in texts), default=0)
    return int(sz.char * longest + 18) if rotated else int(2.2 * sz.font) + 10


def _rotate(texts, cell: int, sz: Sizes = SCREEN) -> bool:
    return max((_width(t) for t in texts), default=0) * sz.char > cell - 4


def _colours(weights, zmax: float) -> list[str]:
    """Bar colours matching the heatmap's scale (as strings: Plotly 7 warns on numbers)."""
    return sample_colorscale(ATTN_SCALE, [min(1.0, max(0.0, float(w) / zmax)) for w in weights])


def _hover(matrix, row_labels, col_labels, what: str, names=("output", "source")) -> list[list[str]]:
    """hover text per cell: the token pair and the exact value."""
    rows = [r.replace("✎ ", "") for r in row_labels]
    a, b = names
    return [[f"{a} {rows[t]} ← {b} {col_labels[i]}<br>{what} = {matrix[t, i]:.4f}"
             for i in range(matrix.shape[1])] for t in range(matrix.shape[0])]


def _step_shapes(step: int, T: int, S: int, xref="x", yref="y", halo: bool = False) -> list[dict]:
    """Outline row `step`; veil the rows after it (not decoded yet at this step).
    halo: a black band under the outline, for a red-blue colour scale (the plain LSTM's
    context vector) on which the orange-red outline alone gets lost."""
    row = dict(type="rect", xref=xref, yref=yref, x0=-0.5, x1=S - 0.5, y0=step - 0.5, y1=step + 0.5,
               fillcolor="rgba(0,0,0,0)", layer="above")
    shapes = [dict(row, line=dict(color=HIGHLIGHT, width=3))]
    if halo:
        shapes = [dict(row, line=dict(color="#111111", width=7)), dict(row, line=dict(color=HIGHLIGHT, width=3))]
    if step < T - 1:
        shapes.append(dict(type="rect", xref=xref, yref=yref, x0=-0.5, x1=S - 0.5, y0=step + 0.5, y1=T - 0.5,
                           line=dict(width=0), fillcolor="rgba(255,255,255,0.72)", layer="above"))
    return shapes


def _gold_trace(gold, T, S, size):
    """Open squares on the cells of the true alignment (rows beyond the decode dropped)."""
    if gold is None:
        return None
    rows, cols = np.nonzero(np.asarray(gold)[: T, : S] > 0)
    return go.Scatter(x=cols, y=rows, mode="markers", name="true alignment", hoverinfo="skip",
                      marker=dict(symbol="square-open", size=max(6, size - 6), color=GOLD, line=dict(width=2.5)),
                      showlegend=True, xaxis="x", yaxis="y")


def _topk_bars(trace, t: int) -> dict:
    """Data of the top-k bar trace at step t (the chosen token in the highlight colour)."""
    toks = list(trace.topk_tokens[t])
    probs = np.asarray(trace.topk_probs[t], dtype=float)
    chosen = trace.tgt_tokens[t]
    colours = [HIGHLIGHT if tok == chosen else "#9ecae1" for tok in toks]
    return dict(x=probs.tolist(), y=list(range(len(toks))), text=[esc(x) for x in toks], marker=dict(color=colours),
                customdata=[[esc(x), "chosen" if x == chosen else "alternative"] for x in toks])


def step_title(trace, t: int, keep: int = 40, present: bool = False) -> str:
    """'step t · wrote «x» p = 0.93 · output so far: …' (escaped)."""
    tok, p = trace.tgt_tokens[t], float(trace.probs[t])
    so_far = trace.tgt_tokens[: t + 1]
    shown = ("… " if len(so_far) > keep else "") + " ".join(esc(x) for x in so_far[-keep:])
    how = " (forced)" if trace.forced[t] else ""
    return (f"<b>step {t}</b> · wrote <b>{esc(tok)}</b>{how} with p = {p:.3f}"
            f"<br><span style='font-size:{sizes(present).font}px'>output so far: {shown}</span>")


def left_margin(tokens, marks=(), present: bool = False) -> int:
    """Pixels the output-token labels of a heatmap need (to line up stacked figures)."""
    return max(70, _label_px(axis_labels(tokens, marks=set(marks)), True, sizes(present)))


def step_figure(trace, matrix=None, step: int = 0, *, gold=None, frames: bool = True, topk: bool = True,
                marks=(), what: str = "weight α", title: str | None = None, left: int | None = None,
                max_width: int = MAX_WIDTH, present: bool = False) -> go.Figure:
    """The stepping view of one decode: output steps x source tokens, row `step`
    outlined and later rows veiled; under the source labels, step t's weights as bars
    hanging from their tokens; on the right the top-k candidates of step t.

    matrix: (T, S) attention (e.g. analysis.cross_matrix) -- or None for the plain LSTM,
    then the panel shows trace.context (T, D): the one vector every step receives.
    frames: one frame per step plus slider and play button (stepping in the browser).
    gold:   (G, S) true alignment drawn as open squares.
    left:   left margin in pixels (give stacked figures the same one so their columns line up).
    max_width: pixels the figure should fit (a wide page's main column): beyond it the
            top-k panel moves under the chart, then cells shrink to MIN_CELL and only every
            n-th source label is written.
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
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape[0] != T:
        raise ValueError(f"matrix has {matrix.shape[0]} rows, the trace {T} steps")
    S = matrix.shape[1]
    rows = axis_labels(trace.tgt_tokens, marks=set(marks))
    cols = [f"c{i}" for i in range(S)] if context else axis_labels(trace.src_tokens, trace.src_unknown)
    sz = sizes(present)
    cy = max(cell_size(T, present), min(round(40 * sz.cell), 150 // T))
    yevery = max(1, int(np.ceil((sz.font + 2) / cy)))  # rows shorter than the text: every n-th label

    # --- pixels: everything is laid out in pixels, then turned into domains ----------
    # The figure should fit max_width: first the top-k panel moves under the chart, then
    # cells shrink to a floor and only every n-th source label is written (hover has all).
    k = len(trace.topk_tokens[0]) if topk and T else 0
    left = max(left or 0, 70, _label_px(rows, True, sz))
    cbar_w, topk_w, gap = 80, round(250 * sz.cell), 40
    cx = cell_size(S, present)
    below = bool(k) and left + S * cx + cbar_w + gap + topk_w + 90 > max_width
    right = 90 if k and not below else 10
    room = max_width - left - cbar_w - right - (0 if below or not k else gap + topk_w)
    cx = max(1 if context else MIN_CELL, min(cx, room // max(S, 1)))
    every = max(1, int(np.ceil((sz.font + 1) / cx)))  # rotated labels need ~13 px each
    if context:  # c0 … c255: a round step, and room between labels (the hover names every column)
        every = next((k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256) if k * cx >= sz.font + 8), S)
    rotated = _rotate(cols, cx, sz)
    strip_h = 0 if context else round(84 * sz.cell)
    xlab = _label_px(cols[::every], rotated, sz)
    heat_h, heat_w = T * cy, S * cx
    topk_h = round(32 * sz.cell) * k + 20 if k else 0
    under = topk_h + 50 if below else 0  # the top-k panel and its gap, under the strip
    plot_h = heat_h + xlab + strip_h + under
    plot_w = heat_w + cbar_w + (gap + topk_w if k and not below else 0)
    top = round((62 + (58 if frames and T > 1 else 0)) * sz.cell)
    bottom = int(2.2 * sz.font) + 10 if below else 20  # the top-k panel's % labels sit under it

    zmax = float(np.nanmax(np.abs(matrix))) if matrix.size else 1.0
    zmax = zmax if zmax > 0 else 1.0
    hx = heat_w / plot_w
    heat = go.Heatmap(
        z=matrix, x=np.arange(S), y=np.arange(T), xaxis="x", yaxis="y",
        colorscale=STATE_SCALE if context else ATTN_SCALE, zmin=-zmax if context else 0, zmax=zmax,
        zmid=0 if context else None, text=_hover(matrix, rows, cols, what), hovertemplate="%{text}<extra></extra>",
        colorbar=dict(title=dict(text="value" if context else "weight α", side="right"), x=hx + 12 / plot_w,
                      xanchor="left", y=1, yanchor="top", len=min(1.0, max(heat_h, 120) / plot_h), thickness=14),
        xgap=1 if cx >= 10 else 0, ygap=1 if cy >= 10 else 0,
    )
    data = [heat]
    g = None if context else _gold_trace(gold, T, S, min(cx, cy))
    if g is not None:
        data.append(g)
    strip_idx = topk_idx = None
    if not context:
        w = matrix[step]
        strip_idx = len(data)
        data.append(go.Bar(x=np.arange(S), y=w, xaxis="x2", yaxis="y2", name="this step",
                           marker=dict(color=_colours(w, zmax), line=dict(width=0)),
                           customdata=[[c] for c in cols], showlegend=False,
                           hovertemplate="source %{customdata[0]}<br>α = %{y:.4f}<extra>this step</extra>"))
    if k:
        topk_idx = len(data)
        data.append(go.Bar(orientation="h", xaxis="x3", yaxis="y3", showlegend=False, textposition="outside",
                           texttemplate="%{text}  %{x:.1%}", cliponaxis=False, name="top-k",
                           hovertemplate="%{customdata[0]} (%{customdata[1]})<br>p = %{x:.4f}<extra></extra>",
                           **_topk_bars(trace, step)))

    heat_bottom = (under + strip_h + xlab) / plot_h
    layout = dict(
        width=left + plot_w + right, height=top + plot_h + bottom,
        margin=dict(l=left, r=right, t=top, b=bottom, autoexpand=False),
        font=dict(size=sz.font), plot_bgcolor="white", bargap=0.15, hovermode="closest",
        hoverlabel=dict(font=dict(size=sz.font)),
        title=dict(text=title if title is not None else step_title(trace, step, present=present), x=0,
                   xref="paper", yref="container", y=1 - 12 / (top + plot_h + bottom), yanchor="top",
                   font=dict(size=sz.title, weight="bold")),  # Streamlit bolds a title; frames too
        xaxis=dict(domain=[0, hx], range=[-0.5, S - 0.5], tickmode="array", tickvals=list(range(0, S, every)),
                   ticktext=cols[::every], tickangle=-90 if rotated else 0, showgrid=False, zeroline=False,
                   anchor="y", automargin=False, title=None),
        yaxis=dict(domain=[heat_bottom, 1], range=[T - 0.5, -0.5], tickmode="array",
                   tickvals=list(range(0, T, yevery)), ticktext=rows[::yevery], showgrid=False, zeroline=False,
                   anchor="x", automargin=False,
                   title=dict(text="output step", standoff=4) if T > 3 else None),
        shapes=_step_shapes(step, T, S, halo=context),
        legend=dict(orientation="h", x=hx, xanchor="right", y=1, yanchor="bottom", bgcolor="rgba(255,255,255,0.8)",
                    font=dict(size=sz.small)),
    )
    if not context:
        layout["xaxis2"] = dict(domain=[0, hx], matches="x", anchor="y2", showticklabels=False, showgrid=False,
                                zeroline=False)
        layout["yaxis2"] = dict(domain=[under / plot_h, (under + strip_h) / plot_h], range=[zmax * 1.08, 0],
                                anchor="x2", showgrid=True,
                                gridcolor="#eee", nticks=3, title=dict(text="α now", standoff=2),
                                automargin=False)
    if k:
        if below:
            kx, ky = [0, min(1.0, 320 / plot_w)], [0, topk_h / plot_h]
        else:
            kx, ky = [(heat_w + cbar_w + gap) / plot_w, 1], [1 - min(topk_h, plot_h) / plot_h, 1]
        layout["xaxis3"] = dict(domain=kx, range=[0, 1.45], anchor="y3", tickformat=".0%", nticks=3,
                                showgrid=True, gridcolor="#eee", title=None)
        layout["yaxis3"] = dict(domain=ky, range=[k - 0.5, -0.5], anchor="x3",
                                showticklabels=False, showgrid=False, zeroline=False)
        layout["annotations"] = [dict(text=f"top-{k} next tokens", xref="paper", yref="paper", x=kx[0], y=ky[1],
                                      xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.font))]
    fig = go.Figure(data=data, layout=layout)
    if frames and T > 1:
        _add_frames(fig, trace, matrix, step, strip_idx, topk_idx, T, S, zmax, title, present, plot_w)
    return _sized(fig, sz)


def _play_frames(step: int, T: int) -> list[str]:
    """The frames ▶ play goes through from `step`: the following steps (all of them from the
    last). Plotly's `fromcurrent` only knows a frame an animation has shown, not the one a
    figure opened on; with this list it starts at the step shown, and after in-chart
    stepping within it `fromcurrent` goes on from the frame shown."""
    step = 0 if step >= T - 1 else max(0, step)
    return [str(t) for t in range(step, T)]


def _add_frames(fig, trace, matrix, step, strip_idx, topk_idx, T, S, zmax, title, present=False,
                plot_w: float = 800):
    """One frame per step: the strip, the top-k bars, the outline and the title change."""
    frames = []
    look = {k: v for k, v in fig.layout.title.to_plotly_json().items() if k != "text"}  # font, place
    for t in range(T):
        data, idx = [], []
        if strip_idx is not None:
            w = matrix[t].tolist()  # lists validate ~5x faster than arrays in Plotly
            data.append(go.Bar(y=w, marker=dict(color=_colours(w, zmax))))
            idx.append(strip_idx)
        if topk_idx is not None:
            data.append(go.Bar(**_topk_bars(trace, t)))
            idx.append(topk_idx)
        frames.append(go.Frame(name=str(t), data=data, traces=idx,
                               layout=dict(shapes=_step_shapes(t, T, S, halo=strip_idx is None),
                                           title=dict(look, text=title if title is not None
                                                      else step_title(trace, t, present=present)))))
    fig.frames = frames
    anim = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    hide_labels = T > 24  # the slider prints every step's label; past ~24 they collide
    sz = sizes(present)
    # the buttons take a fixed width in pixels at the left; the slider starts right of them
    buttons_px = round(10.5 * sz.font) + 16
    sx = min(0.5, buttons_px / max(plot_w, 1))
    fig.update_layout(
        sliders=[dict(
            active=step, x=sx, len=1 - sx, xanchor="left", y=1, yanchor="bottom", pad=dict(t=0, b=44),
            currentvalue=dict(visible=False),  # the title names the step
            font=dict(size=sizes(present).small - 1, color="rgba(0,0,0,0)" if hide_labels else "#444"),
            steps=[dict(method="animate", label=str(t), args=[[str(t)], anim]) for t in range(T)],
        )],
        updatemenus=[dict(
            type="buttons", direction="left", x=0, xanchor="left", y=1, yanchor="bottom", pad=dict(t=0, b=48),
            showactive=False,
            buttons=[
                dict(label="▶ play", method="animate",
                     args=[_play_frames(step, T), dict(frame=dict(duration=700, redraw=True),
                                                       transition=dict(duration=0), fromcurrent=True,
                                                       mode="immediate")]),
                dict(label="❚❚", method="animate",
                     args=[[None], dict(frame=dict(duration=0, redraw=True), mode="immediate")]),
            ],
        )],
    )


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
        fig.layout.sliders[0].active = int(step)
        if fig.layout.updatemenus:
            play = fig.layout.updatemenus[0].buttons[0]
            play.args = [_play_frames(int(step), len(fig.frames)), play.args[1]]
    return fig


def _masked_legend(sz: Sizes) -> go.Scatter:
    """A legend entry for the grey masked cells (a heatmap has none of its own)."""
    return go.Scatter(x=[None], y=[None], mode="markers", name="masked (a later position: not visible)",
                      marker=dict(symbol="square", size=sz.font, color=MASKED), hoverinfo="skip", showlegend=True)


def _masked_heatmap(mask, hover, xaxis="x", yaxis="y", xgap=0, ygap=0) -> go.Heatmap:
    """The cells attention may not look at, drawn grey; NaN (transparent) elsewhere."""
    mask = np.asarray(mask, bool)
    return go.Heatmap(z=np.where(mask, np.nan, 1.0), x=np.arange(mask.shape[1]), y=np.arange(mask.shape[0]),
                      xaxis=xaxis, yaxis=yaxis, colorscale=[[0, MASKED], [1, MASKED]], showscale=False,
                      name="masked", text=hover, hovertemplate="%{text}<extra>masked</extra>" if hover else None,
                      hoverinfo=None if hover else "skip", xgap=xgap, ygap=ygap)


def attention_figure(matrix, rows, cols, *, row_unknown=None, col_unknown=None, step=None, gold=None,
                     title: str = "", what: str = "weight α", mask=None, names=("output", "source"),
                     large: bool = False, max_width: int = MAX_WIDTH, present: bool = False) -> go.Figure:
    """A plain static heatmap (rows x cols tokens), e.g. one beam hypothesis, one head of
    self-attention or a rollout; with `step` that row is outlined and later rows veiled.

    mask:  (T, S) bool, True where attention may look: the other cells are drawn grey
           ("masked"), never as a weight of 0.
    names: what rows and columns are, for the hover: ("output", "source"), ("query", "key").
    large: cells as big as max_width allows (up to 48 px): one head enlarged.
    title: shown as given (escape token text in it with `esc`).
    """
    matrix = np.asarray(matrix, dtype=float)
    T, S = matrix.shape
    sz = sizes(present)
    r = axis_labels(rows, row_unknown)
    c = axis_labels(cols, col_unknown)
    left = max(70, _label_px(r, True, sz))
    room = (max_width - left - 100) // max(S, 1)
    biggest = min(round(48 * sz.cell), max(cell_size(max(T, S), present), round(640 * sz.cell) // max(T, S, 1)))
    cx = max(MIN_CELL, min(biggest if large else cell_size(S, present), room))
    cy = max(cell_size(T, present), min(round(40 * sz.cell), 150 // max(T, 1)))
    if large:
        cy = max(cy, min(cx, biggest))
    every = max(1, int(np.ceil((sz.font + 1) / cx)))
    yevery = max(1, int(np.ceil((sz.font + 2) / cy)))
    rotated = _rotate(c, cx, sz)
    top, bottom = (round(50 * sz.cell) if title else 16), _label_px(c[::every], rotated, sz)
    if mask is not None:
        top += sz.small + 14  # the legend of the grey cells
    plot_w, plot_h = S * cx + 90, T * cy
    shown = matrix if mask is None else np.where(np.asarray(mask, bool), matrix, np.nan)
    finite = shown[np.isfinite(shown)]
    zmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    hover = _hover(matrix, r, c, what, names)
    gaps = dict(xgap=1 if cx >= 10 else 0, ygap=1 if cy >= 10 else 0)
    fig = go.Figure(go.Heatmap(
        z=shown, x=np.arange(S), y=np.arange(T), colorscale=ATTN_SCALE, zmin=0, zmax=zmax, name=what,
        text=hover, hovertemplate="%{text}<extra></extra>",
        colorbar=dict(title=dict(text=what, side="right"), thickness=14, len=1, x=1, xanchor="right"), **gaps,
    ))
    if mask is not None:
        masked_hover = [[f"{h.split('<br>')[0]}<br>masked: not visible from this query" for h in row]
                        for row in hover]
        fig.add_trace(_masked_heatmap(mask, masked_hover, **gaps))
        fig.add_trace(_masked_legend(sz))
    g = _gold_trace(gold, T, S, min(cx, cy))
    if g is not None:
        fig.add_trace(g)
    # room for the whole title: a narrow figure gets a wider right margin
    right = max(10, int(len(html.unescape(title)) * 0.6 * sz.title) + 20 - left - plot_w)
    fig.update_layout(
        width=left + plot_w + right, height=top + plot_h + bottom, margin=dict(l=left, r=right, t=top, b=bottom),
        title=dict(text=title, x=0, font=dict(size=sz.title)), plot_bgcolor="white", font=dict(size=sz.font),
        hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(domain=[0, (S * cx) / plot_w], range=[-0.5, S - 0.5], tickmode="array",
                   tickvals=list(range(0, S, every)), ticktext=c[::every], tickangle=-90 if rotated else 0,
                   showgrid=False, zeroline=False, automargin=False),
        yaxis=dict(range=[T - 0.5, -0.5], tickmode="array", tickvals=list(range(0, T, yevery)),
                   ticktext=r[::yevery], showgrid=False, zeroline=False, automargin=False),
        legend=dict(orientation="h", x=0, y=1, yanchor="bottom", font=dict(size=sz.small)),
    )
    if step is not None and T:
        fig.update_layout(shapes=_step_shapes(max(0, min(int(step), T - 1)), T, S))
    return _sized(fig, sz)


def quality_figure(series: dict, metric: str, title: str = "", present: bool = False) -> go.Figure:
    """Test-set quality by source length, one line per model.

    series: {label: [(bucket, value, n), ...]}, label like "lstm-attn" (coloured by arch)."""
    sz = sizes(present)
    fig = go.Figure()
    for name, rows in series.items():
        if not rows:
            continue
        buckets, values, ns = zip(*rows)
        fig.add_trace(go.Scatter(
            x=list(buckets), y=list(values), mode="lines+markers", name=esc(name),
            line=dict(width=3, color=ARCH_COLOURS.get(name)),
            marker=dict(size=9), customdata=[[n if n is not None else "?"] for n in ns],
            hovertemplate=f"{esc(name)}<br>length %{{x}}<br>{esc(metric)} = %{{y:.3f}}<br>"
                          "n = %{customdata[0]}<extra></extra>"))
    fig.update_layout(
        title=dict(text=title or f"test-set {esc(metric)} by source length", x=0, font=dict(size=sz.title)),
        height=round(380 * sz.cell), margin=dict(l=60 + 2 * (sz.font - FONT), r=20, t=50, b=60 + 3 * (sz.font - FONT)),
        plot_bgcolor="white", font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(title="source length (bucket)", type="category", showgrid=False),
        yaxis=dict(title=esc(metric), rangemode="tozero", gridcolor="#eee"),
        legend=dict(orientation="h", x=0, y=-0.25),
        showlegend=True,  # Plotly hides the legend of a single line: which model is it?
    )
    return _sized(fig, sz)


def demo_figure() -> go.Figure:
    """A worked toy example for the home page: 'Tuesday, 9 May 2018' -> '2018-05-09' with
    hand-made weights that follow the true alignment (data, not a trained model)."""
    src = list("9 May 2018") + ["</s>"]
    gold = gold_alignment("dates", src)
    tgt = list(gold.target) + ["</s>"]
    m = np.full((len(tgt), len(src)), 0.02)
    for j in range(len(tgt)):
        row = gold.matrix[j] if j < len(gold.matrix) else np.zeros(len(src))
        if row.any():
            m[j] += row / row.sum()
        else:
            m[j, -1] += 1.0  # '-' and the end: nothing to copy, look at the end marker
    m /= m.sum(axis=1, keepdims=True)
    return attention_figure(m, tgt, src, gold=gold.matrix,
                            title="What a good date model attends to (illustration)")


# --- the teaching views: every head, training curves, one attention computation laid open ---

def _axis_id(letter: str, n: int) -> tuple[str, str]:
    """('x', 'xaxis') for the first subplot, ('x3', 'xaxis3') for the third."""
    suffix = "" if n == 1 else str(n)
    return letter + suffix, f"{letter}axis{suffix}"


def heads_grid(weights, rows, cols, *, mask=None, row_unknown=None, col_unknown=None, what: str = "weight α",
               names=("query", "key"), title: str = "", selected=None, max_width: int = MAX_WIDTH,
               present: bool = False) -> go.Figure:
    """Every head of every layer at a glance: weights (layers, heads, Q, K) -> one figure,
    a row of small heatmaps per layer and one colour scale for all of them. Every panel
    has the same tokens, so the first column carries the row labels and the bottom row
    the column labels.

    mask:     (Q, K) bool, True where attention may look; the other cells are grey.
    selected: (layer, head), 0-based: that panel is outlined (head None: the whole layer,
              e.g. when the enlarged view shows the mean over its heads).
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 4:
        raise ValueError(f"heads_grid wants (layers, heads, query, key) weights, got shape {w.shape}")
    L, H, Q, K = w.shape
    sz = sizes(present)
    r, c = axis_labels(rows, row_unknown), axis_labels(cols, col_unknown)
    left = max(60, _label_px(r, True, sz))
    cbar_w, right, gap_x = 100, 10, max(12, sz.font)
    room = (max_width - left - cbar_w - right - gap_x * (H - 1)) // max(H * K, 1)
    cx = max(2, min(cell_size(K, present), room))
    cy = cx if Q * cx <= 420 * sz.cell else max(2, int(420 * sz.cell) // Q)
    every = max(1, int(np.ceil((sz.font + 1) / cx)))
    yevery = max(1, int(np.ceil((sz.font + 2) / cy)))
    rotated = _rotate(c[::every], cx * every, sz)
    panel_w, panel_h = K * cx, Q * cy
    head_h = sz.small + 12  # the panel titles
    bottom = _label_px(c[::every], rotated, sz) + 4
    legend_h = sz.small + 14 if mask is not None else 0
    top = (round(40 * sz.cell) if title else 8) + legend_h + head_h
    plot_w = H * panel_w + (H - 1) * gap_x + cbar_w
    plot_h = L * panel_h + (L - 1) * (head_h + 8)
    allowed = np.ones((Q, K), bool) if mask is None else np.asarray(mask, bool)
    shown = np.where(allowed, w, np.nan)
    finite = shown[np.isfinite(shown)]
    zmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    with_text = L * H * Q * K <= 60_000  # token pairs in the hover; beyond, positions (keeps the page light)
    base = _hover(w[0, 0], r, c, what, names) if with_text else None
    gaps = dict(xgap=1 if cx >= 10 else 0, ygap=1 if cy >= 10 else 0)
    short = panel_w < sz.char * 17
    data, layout, notes, shapes = [], {}, [], []
    for layer in range(L):
        for head in range(H):
            n = layer * H + head + 1
            (xa, xkey), (ya, ykey) = _axis_id("x", n), _axis_id("y", n)
            x0 = head * (panel_w + gap_x) / plot_w
            y1 = 1 - layer * (panel_h + head_h + 8) / plot_h
            xd, yd = [x0, x0 + panel_w / plot_w], [max(0.0, y1 - panel_h / plot_h), y1]
            name = f"L{layer + 1}·H{head + 1}" if short else f"layer {layer + 1} · head {head + 1}"
            if with_text:
                text = [[f"<b>{name}</b><br>{h.split('<br>')[0]}<br>{what} = {w[layer, head, t, i]:.4f}"
                         for i, h in enumerate(row)] for t, row in enumerate(base)]
                hov = dict(text=text, hovertemplate="%{text}<extra></extra>")
            else:
                hov = dict(hovertemplate=f"<b>{name}</b><br>{names[0]} ·%{{y}} ← {names[1]} ·%{{x}}<br>"
                                         f"{what} = %{{z:.4f}}<extra></extra>")
            data.append(go.Heatmap(z=shown[layer, head], x=np.arange(K), y=np.arange(Q), xaxis=xa, yaxis=ya,
                                   coloraxis="coloraxis", name=name, **hov, **gaps))
            if mask is not None:
                data.append(_masked_heatmap(allowed, None, xa, ya, **gaps))
            last_row, first_col = layer == L - 1, head == 0
            layout[xkey] = dict(domain=xd, anchor=ya, range=[-0.5, K - 0.5], showgrid=False, zeroline=False,
                                automargin=False, tickmode="array", tickvals=list(range(0, K, every)),
                                ticktext=c[::every], tickangle=-90 if rotated else 0, showticklabels=last_row,
                                ticks="outside" if last_row else "",
                                **({} if n == 1 else {"matches": "x"}))
            layout[ykey] = dict(domain=yd, anchor=xa, range=[Q - 0.5, -0.5], showgrid=False, zeroline=False,
                                automargin=False, tickmode="array", tickvals=list(range(0, Q, yevery)),
                                ticktext=r[::yevery], showticklabels=first_col, ticks="outside" if first_col else "",
                                **({} if n == 1 else {"matches": "y"}))
            picked = selected is not None and selected[0] == layer and selected[1] in (None, head)
            notes.append(dict(text=f"<b>{name}</b>" if picked else name, xref="paper", yref="paper",
                              x=(xd[0] + xd[1]) / 2, y=yd[1], yshift=2, xanchor="center", yanchor="bottom",
                              showarrow=False, font=dict(size=sz.small, color=HIGHLIGHT if picked else "#333")))
    if selected is not None and 0 <= selected[0] < L:
        layer, head = selected
        heads = range(H) if head is None else [head] if 0 <= head < H else []
        if heads:
            x0 = heads[0] * (panel_w + gap_x) - 3
            x1 = heads[-1] * (panel_w + gap_x) + panel_w + 3
            y1 = plot_h - layer * (panel_h + head_h + 8) + 3
            shapes.append(dict(type="rect", xref="paper", yref="paper", x0=x0 / plot_w, x1=x1 / plot_w,
                               y0=(y1 - panel_h - 6) / plot_h, y1=y1 / plot_h, layer="above",
                               line=dict(color=HIGHLIGHT, width=3), fillcolor="rgba(0,0,0,0)"))
    if mask is not None:
        data.append(_masked_legend(sz))
    fig = go.Figure(data=data)
    fig.update_layout(
        width=left + plot_w + right, height=top + plot_h + bottom,
        margin=dict(l=left, r=right, t=top, b=bottom, autoexpand=False),
        title=dict(text=title, x=0, xref="paper", yref="container", y=1 - 8 / (top + plot_h + bottom),
                   yanchor="top", font=dict(size=sz.title)), plot_bgcolor="white",
        font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)), annotations=notes, shapes=shapes,
        coloraxis=dict(colorscale=ATTN_SCALE, cmin=0, cmax=zmax,
                       colorbar=dict(title=dict(text=what, side="right"), thickness=14, xanchor="left",
                                     x=(plot_w - cbar_w + 12) / plot_w, y=1, yanchor="top",
                                     len=min(1.0, max(panel_h, 140) / plot_h))),
        legend=dict(orientation="h", x=0, xref="paper", y=1, yanchor="bottom", yref="container",
                    font=dict(size=sz.small)) if mask is None else
        dict(orientation="h", x=0, y=1 + (head_h + 2) / plot_h, yanchor="bottom", font=dict(size=sz.small)),
        **layout,
    )
    return _sized(fig, sz)


def training_figure(epochs, train_loss, dev=None, dev_name: str = "dev", *, title: str = "",
                    present: bool = False) -> go.Figure:
    """Training curves from train_log.jsonl: the training loss per epoch (left axis, log
    scale when it falls by more than 20x; a loss logged as 0 is drawn at the bottom of the
    axis, its hover says 0) and the dev metric (right axis)."""
    sz = sizes(present)
    epochs = list(epochs)
    loss = [np.nan if v is None else float(v) for v in train_loss]
    positive = [v for v in loss if np.isfinite(v) and v > 0]
    log = bool(positive) and max(positive) / min(positive) > 20 and not any(v < 0 for v in loss)
    shown = [min(positive) / 2 if log and v == 0 else v for v in loss]
    fig = go.Figure(go.Scatter(x=epochs, y=shown, mode="lines+markers", name="train loss",
                               line=dict(width=3, color="#1f77b4"), marker=dict(size=8),
                               customdata=[[v] for v in loss],
                               hovertemplate="epoch %{x}<br>train loss = %{customdata[0]:.4f}<extra></extra>"))
    if dev is not None:
        fig.add_trace(go.Scatter(x=epochs, y=[None if v is None else float(v) for v in dev], mode="lines+markers",
                                 name=esc(dev_name), yaxis="y2", line=dict(width=3, color=HIGHLIGHT, dash="dot"),
                                 marker=dict(size=9, symbol="diamond"),
                                 hovertemplate=f"epoch %{{x}}<br>{esc(dev_name)} = %{{y:.2f}}<extra></extra>"))
    top = (sz.title + 16 if title else 8) + sz.small + 18  # the title, then the legend
    height = round(340 * sz.cell)
    fig.update_layout(
        title=dict(text=title, x=0, xref="container", yref="container", y=1 - 8 / height, yanchor="top",
                   font=dict(size=sz.title)),
        height=height, width=round(560 * sz.cell),
        margin=dict(l=70 + 2 * (sz.font - FONT), r=70 + 2 * (sz.font - FONT), t=top, b=50 + 2 * (sz.font - FONT)),
        plot_bgcolor="white", font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(title="epoch", showgrid=False, tickmode="linear" if len(epochs) <= 15 else "auto", dtick=1),
        yaxis=dict(title="train loss" + (" (log)" if log else ""), type="log" if log else "linear",
                   gridcolor="#eee", color="#1f77b4", **(dict(dtick=1, exponentformat="power") if log else {})),
        legend=dict(orientation="h", x=0, y=1, yanchor="bottom", yref="paper", font=dict(size=sz.small)),
    )
    if dev is not None:
        top_dev = max([float(v) for v in dev if v is not None] or [1.0])
        fig.update_layout(yaxis2=dict(title=esc(dev_name), overlaying="y", side="right", showgrid=False,
                                      color=HIGHLIGHT, tickmode="auto", nticks=6,
                                      range=[0, top_dev * 1.08 if top_dev > 0 else 1]))
    return _sized(fig, sz)


def _state_scale(*arrays) -> float:
    """A symmetric colour range for vectors of any sign (states, queries, keys)."""
    finite = np.concatenate([np.abs(np.asarray(a, float)).ravel() for a in arrays if a is not None])
    finite = finite[np.isfinite(finite)]
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def _dims(n: int, cx: float, sz: Sizes) -> tuple[list[int], list[str]]:
    """Tick values and labels for n dimensions drawn cx pixels apart: every k-th, k a round
    number that leaves each label room."""
    need = (len(str(max(n - 1, 0))) * sz.char + 10) / max(cx, 0.1)
    every = next((k for k in (1, 2, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100, 128, 256) if k >= need), n)
    return list(range(0, n, every)), [str(i) for i in range(0, n, every)]


def qk_figure(query, keys, key_tokens, *, mask=None, key_unknown=None, title: str = "",
              max_width: int = MAX_WIDTH, present: bool = False) -> go.Figure:
    """One head's query vector q (top) over its key matrix K (one row k_j per token), same
    columns (the d_k dimensions), one diverging colour scale; keys the query may not see
    (the mask) are greyed."""
    q = np.asarray(query, float)[None, :]  # (1, d_k)
    K = np.asarray(keys, float)  # (S, d_k)
    S, D = K.shape
    sz = sizes(present)
    r = axis_labels(key_tokens, key_unknown)
    left = max(80, _label_px(r + ["query q"], True, sz))
    cx = max(4, min(round(28 * sz.cell), (max_width - left - 100) // max(D, 1)))
    cy = max(cell_size(S, present) * 2 // 3, sz.font + 2)
    yevery = max(1, int(np.ceil((sz.font + 2) / cy)))
    gap = sz.font + 26
    plot_h, plot_w = (S + 1) * cy + gap, D * cx + 90
    top, bottom = (round(46 * sz.cell) if title else 16), int(2.2 * sz.font) + sz.font + 14
    zmax = _state_scale(q, K)
    ticks = _dims(D, cx, sz)
    heat = dict(colorscale=STATE_SCALE, zmin=-zmax, zmax=zmax, zmid=0, xgap=1 if cx >= 8 else 0,
                ygap=1 if cy >= 10 else 0)
    fig = go.Figure([
        go.Heatmap(z=q, x=np.arange(D), y=[0], xaxis="x2", yaxis="y2", name="q", showscale=False,
                   hovertemplate="query q, dimension %{x}<br>value = %{z:.4f}<extra></extra>", **heat),
        go.Heatmap(z=K, x=np.arange(D), y=np.arange(S), name="K", text=[[lab] * D for lab in r],
                   hovertemplate="key k of %{text}, dimension %{x}<br>value = %{z:.4f}<extra></extra>",
                   colorbar=dict(title=dict(text="value", side="right"), thickness=14, x=1, xanchor="right"),
                   **heat),
    ])
    shapes = []
    if mask is not None:
        for j in np.flatnonzero(~np.asarray(mask, bool)):
            shapes.append(dict(type="rect", xref="x", yref="y", x0=-0.5, x1=D - 0.5, y0=j - 0.5, y1=j + 0.5,
                               fillcolor=MASKED, opacity=0.85, line=dict(width=0), layer="above"))
    kd = (S * cy) / plot_h
    fig.update_layout(
        width=left + plot_w + 10, height=top + plot_h + bottom, margin=dict(l=left, r=10, t=top, b=bottom),
        title=dict(text=title, x=0, font=dict(size=sz.title)), plot_bgcolor="white", font=dict(size=sz.font),
        hoverlabel=dict(font=dict(size=sz.font)), shapes=shapes,
        xaxis=dict(domain=[0, D * cx / plot_w], range=[-0.5, D - 0.5], tickmode="array", tickvals=ticks[0],
                   ticktext=ticks[1], title=dict(text="dimension of d_k", standoff=4), showgrid=False,
                   zeroline=False, automargin=False),
        yaxis=dict(domain=[0, kd], range=[S - 0.5, -0.5], tickmode="array", tickvals=list(range(0, S, yevery)),
                   ticktext=r[::yevery], showgrid=False, zeroline=False, automargin=False),
        xaxis2=dict(domain=[0, D * cx / plot_w], range=[-0.5, D - 0.5], matches="x", anchor="y2",
                    showticklabels=False, ticks="", showgrid=False, zeroline=False),
        yaxis2=dict(domain=[1 - cy / plot_h, 1], range=[0.5, -0.5], anchor="x2", tickmode="array", tickvals=[0],
                    ticktext=["query q"], showgrid=False, zeroline=False, automargin=False),
        annotations=[dict(text="keys k<sub>j</sub> (one row per token)", xref="paper", yref="paper", x=0, y=kd,
                          xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.small))],
    )
    return _sized(fig, sz)


def softmax_figure(tokens, scores, weights, *, mask=None, unknown=None, score_name: str = "score e",
                   title: str = "", max_width: int = MAX_WIDTH, present: bool = False) -> go.Figure:
    """From scores to weights, one row per token: the scores e_j (left; a masked position
    shows grey, its score is −∞) and the weights α_j = softmax(e)_j (right)."""
    e = np.asarray(scores, float)
    a = np.asarray(weights, float)
    S = len(e)
    allowed = np.ones(S, bool) if mask is None else np.asarray(mask, bool)
    sz = sizes(present)
    r = axis_labels(tokens, unknown)
    left = max(70, _label_px(r, True, sz))
    cy = max(cell_size(S, present) * 3 // 4, sz.font + 4)
    yevery = max(1, int(np.ceil((sz.font + 2) / cy)))
    panel = max(120, min(round(300 * sz.cell), (max_width - left - 70) // 2))
    plot_h, plot_w = S * cy, 2 * panel + 60
    top, bottom = (round(46 * sz.cell) if title else 12) + sz.font + 10, int(2.2 * sz.font) + 8
    finite = e[allowed & np.isfinite(e)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    span = max(hi - lo, 1e-6)
    e_shown = np.where(allowed, e, np.nan)
    data = [
        go.Bar(x=e_shown, y=np.arange(S), orientation="h", name=esc(score_name), xaxis="x", yaxis="y",
               marker=dict(color=["#6baed6" if v >= 0 else "#fc9272" for v in np.nan_to_num(e_shown)]),
               customdata=[[lab] for lab in r], showlegend=False,
               hovertemplate="%{customdata[0]}<br>" + esc(score_name) + " = %{x:.4f}<extra></extra>"),
        go.Bar(x=a, y=np.arange(S), orientation="h", name="weight α", xaxis="x2", yaxis="y2", showlegend=False,
               marker=dict(color=_colours(a, max(float(a.max()), 1e-9)), line=dict(color="#9ecae1", width=1)),
               customdata=[[lab] for lab in r], text=[f"{v:.3f}" if ok else "0 (masked)" for v, ok in zip(a, allowed)],
               textposition="outside", cliponaxis=False,
               hovertemplate="%{customdata[0]}<br>α = %{x:.4f}<extra></extra>"),
    ]
    notes = [dict(text=esc(score_name), xref="x domain", yref="paper", x=0, y=1, yshift=4, xanchor="left",
                  yanchor="bottom", showarrow=False, font=dict(size=sz.font)),
             dict(text="weight α = softmax(e)", xref="x2 domain", yref="paper", x=0, y=1, yshift=4,
                  xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.font))]
    shapes = []
    for j in np.flatnonzero(~allowed):
        shapes.append(dict(type="rect", xref="paper", yref="y", x0=0, x1=1, y0=j - 0.5, y1=j + 0.5,
                           fillcolor=MASKED, opacity=0.55, line=dict(width=0), layer="below"))
        notes.append(dict(text="masked: −∞", xref="x", yref="y", x=lo - 0.02 * span if lo < 0 else 0, y=j,
                          xanchor="left", showarrow=False, font=dict(size=sz.small, color="#555")))
    fig = go.Figure(data)
    fig.update_layout(
        width=left + plot_w + 10, height=top + plot_h + bottom, margin=dict(l=left, r=10, t=top, b=bottom),
        title=dict(text=title, x=0, font=dict(size=sz.title)), plot_bgcolor="white", font=dict(size=sz.font),
        hoverlabel=dict(font=dict(size=sz.font)), bargap=0.25, annotations=notes, shapes=shapes,
        xaxis=dict(domain=[0, panel / plot_w], range=[min(lo, 0) - 0.08 * span, max(hi, 0) + 0.08 * span],
                   zeroline=True, zerolinecolor="#888", gridcolor="#eee", nticks=5),
        yaxis=dict(range=[S - 0.5, -0.5], tickmode="array", tickvals=list(range(0, S, yevery)),
                   ticktext=r[::yevery], showgrid=False, automargin=False),
        xaxis2=dict(domain=[(panel + 60) / plot_w, 1], range=[0, min(1.25, float(a.max()) * 1.45 + 0.05)],
                    tickformat=".0%", gridcolor="#eee", nticks=4, anchor="y2"),
        yaxis2=dict(range=[S - 0.5, -0.5], matches="y", anchor="x2", showticklabels=False, showgrid=False),
    )
    return _sized(fig, sz)


def context_figure(values, weights, context, tokens, *, unknown=None, title: str = "",
                   max_width: int = MAX_WIDTH, present: bool = False) -> go.Figure:
    """c_t = Σ_i α_i h_i: the encoder states h_i (one row per source token, one column per
    dimension) with their weights α_i on the left, and the context vector c_t they make
    (bottom row), on one diverging colour scale."""
    h = np.asarray(values, float)  # (S, D)
    a = np.asarray(weights, float)  # (S,)
    c = np.asarray(context, float)[None, :]  # (1, D)
    S, D = h.shape
    sz = sizes(present)
    r = axis_labels(tokens, unknown)
    left = max(80, _label_px(r + ["c_t = Σ α h"], True, sz))
    bars = round(130 * sz.cell)
    cx = max(1, min(round(14 * sz.cell), (max_width - left - bars - 40 - 90) // max(D, 1)))
    cy = max(cell_size(S, present) * 2 // 3, sz.font + 2)
    yevery = max(1, int(np.ceil((sz.font + 2) / cy)))
    gap = sz.font + 24
    plot_h, plot_w = (S + 1) * cy + gap, bars + 40 + D * cx + 90
    top, bottom = (round(46 * sz.cell) if title else 12) + sz.font + 8, int(2.2 * sz.font) + sz.font + 14
    zmax = _state_scale(h, c)
    heat = dict(colorscale=STATE_SCALE, zmin=-zmax, zmax=zmax, zmid=0, ygap=1 if cy >= 10 else 0)
    x0 = (bars + 40) / plot_w
    x1 = x0 + D * cx / plot_w
    ticks = _dims(D, cx, sz)
    hd = S * cy / plot_h
    fig = go.Figure([
        go.Bar(x=a, y=np.arange(S), orientation="h", xaxis="x", yaxis="y", name="α", showlegend=False,
               marker=dict(color=_colours(a, max(float(a.max()), 1e-9)), line=dict(color="#9ecae1", width=1)),
               customdata=[[lab] for lab in r], hovertemplate="%{customdata[0]}<br>α = %{x:.4f}<extra></extra>"),
        go.Heatmap(z=h, x=np.arange(D), y=np.arange(S), xaxis="x2", yaxis="y2", name="h",
                   text=[[lab] * D for lab in r],
                   hovertemplate="state h of %{text}, dimension %{x}<br>value = %{z:.4f}<extra></extra>",
                   colorbar=dict(title=dict(text="value", side="right"), thickness=14, x=1, xanchor="right"),
                   **heat),
        go.Heatmap(z=c, x=np.arange(D), y=[0], xaxis="x3", yaxis="y3", name="c", showscale=False,
                   hovertemplate="context c_t, dimension %{x}<br>value = %{z:.4f}<extra></extra>", **heat),
    ])
    axis = dict(showgrid=False, zeroline=False, automargin=False)
    fig.update_layout(
        width=left + plot_w + 10, height=top + plot_h + bottom, margin=dict(l=left, r=10, t=top, b=bottom),
        title=dict(text=title, x=0, font=dict(size=sz.title)), plot_bgcolor="white", font=dict(size=sz.font),
        hoverlabel=dict(font=dict(size=sz.font)), bargap=0.2,
        xaxis=dict(domain=[0, bars / plot_w], range=[max(float(a.max()), 1e-9) * 1.05, 0], nticks=3,
                   tickformat=".0%", gridcolor="#eee", anchor="y", automargin=False),
        yaxis=dict(domain=[1 - hd, 1], range=[S - 0.5, -0.5], tickmode="array", tickvals=list(range(0, S, yevery)),
                   ticktext=r[::yevery], anchor="x", **axis),
        xaxis2=dict(domain=[x0, x1], range=[-0.5, D - 0.5], anchor="y2", showticklabels=False, ticks="", **axis),
        yaxis2=dict(domain=[1 - hd, 1], range=[S - 0.5, -0.5], matches="y", anchor="x2", showticklabels=False,
                    **axis),
        xaxis3=dict(domain=[x0, x1], range=[-0.5, D - 0.5], matches="x2", anchor="y3", tickmode="array",
                    tickvals=ticks[0], ticktext=ticks[1], title=dict(text="dimension", standoff=4), **axis),
        yaxis3=dict(domain=[0, cy / plot_h], range=[0.5, -0.5], anchor="x3", tickmode="array", tickvals=[],
                    **axis),
        annotations=[
            dict(text="α<sub>i</sub>", xref="paper", yref="paper", x=bars / plot_w, y=1, yshift=4,
                 xanchor="right", yanchor="bottom", showarrow=False, font=dict(size=sz.font)),
            dict(text="encoder states h<sub>i</sub>", xref="paper", yref="paper", x=x0, y=1, yshift=4,
                 xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.font)),
            dict(text="c<sub>t</sub> = Σ<sub>i</sub> α<sub>i</sub> h<sub>i</sub>", xref="paper", yref="paper",
                 x=x0, xshift=-8, y=cy / plot_h / 2, xanchor="right", yanchor="middle", showarrow=False,
                 font=dict(size=sz.font)),
        ],
    )
    return _sized(fig, sz)


def vectors_figure(rows: dict, *, title: str = "", what: str = "value", max_width: int = MAX_WIDTH,
                   present: bool = False) -> go.Figure:
    """A few vectors of the same size as rows of one heatmap ({label: (D,) vector}),
    e.g. the plain LSTM's context vector c at every step."""
    labels_ = [esc(k) for k in rows]
    z = np.stack([np.asarray(v, float) for v in rows.values()])  # (R, D)
    R, D = z.shape
    sz = sizes(present)
    left = max(70, _label_px(labels_, True, sz))
    cx = max(1, min(round(14 * sz.cell), (max_width - left - 100) // max(D, 1)))
    cy = max(sz.font + 4, min(round(30 * sz.cell), 300 // max(R, 1)))
    yevery = max(1, int(np.ceil((sz.font + 2) / cy)))
    top, bottom = (round(46 * sz.cell) if title else 12), int(2.2 * sz.font) + sz.font + 14
    zmax = _state_scale(z)
    ticks = _dims(D, cx, sz)
    fig = go.Figure(go.Heatmap(z=z, x=np.arange(D), y=np.arange(R), colorscale=STATE_SCALE, zmin=-zmax, zmax=zmax,
                               zmid=0, text=[[lab] * D for lab in labels_], ygap=1 if cy >= 10 else 0,
                               hovertemplate="%{text}, dimension %{x}<br>" + esc(what) + " = %{z:.4f}<extra></extra>",
                               colorbar=dict(title=dict(text=esc(what), side="right"), thickness=14)))
    fig.update_layout(
        width=left + D * cx + 100, height=top + R * cy + bottom, margin=dict(l=left, r=10, t=top, b=bottom),
        title=dict(text=title, x=0, font=dict(size=sz.title)), plot_bgcolor="white", font=dict(size=sz.font),
        hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(range=[-0.5, D - 0.5], tickmode="array", tickvals=ticks[0], ticktext=ticks[1], showgrid=False,
                   zeroline=False, title=dict(text="dimension", standoff=4), automargin=False),
        yaxis=dict(range=[R - 0.5, -0.5], tickmode="array", tickvals=list(range(0, R, yevery)),
                   ticktext=labels_[::yevery], showgrid=False, zeroline=False, automargin=False),
    )
    return _sized(fig, sz)
