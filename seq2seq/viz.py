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
"""

from __future__ import annotations

import html

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


def cell_size(n: int) -> int:
    """Pixels per heatmap cell for n cells along an axis: big for few, never a smear."""
    return 34 if n <= 10 else 28 if n <= 20 else 22 if n <= 35 else 17 if n <= 50 else 14


def _label_px(texts, rotated: bool) -> int:
    """Room tick labels need: their length if rotated (or on the y axis), else one line."""
    plain = [html.unescape(t.split(">")[1].split("<")[0]) if t.startswith("<span") else html.unescape(t)
             for t in texts] or [""]
    longest = max(len(t) for t in plain)
    return int(7.2 * longest + 18) if rotated else 26


def _rotate(texts, cell: int) -> bool:
    plain = [html.unescape(t) for t in texts] or [""]
    return max(len(t) for t in plain) * 7.2 > cell - 4


def _colours(weights, zmax: float) -> list[str]:
    """Bar colours matching the heatmap's scale (as strings: Plotly 7 warns on numbers)."""
    return sample_colorscale(ATTN_SCALE, [min(1.0, max(0.0, float(w) / zmax)) for w in weights])


def _hover(matrix, row_labels, col_labels, what: str) -> list[list[str]]:
    """hover text per cell: the token pair and the exact value."""
    rows = [r.replace("✎ ", "") for r in row_labels]
    return [[f"output {rows[t]} ← source {col_labels[i]}<br>{what} = {matrix[t, i]:.4f}"
             for i in range(matrix.shape[1])] for t in range(matrix.shape[0])]


def _step_shapes(step: int, T: int, S: int, xref="x", yref="y") -> list[dict]:
    """Outline row `step`; veil the rows after it (not decoded yet at this step)."""
    shapes = [dict(type="rect", xref=xref, yref=yref, x0=-0.5, x1=S - 0.5, y0=step - 0.5, y1=step + 0.5,
                   line=dict(color=HIGHLIGHT, width=3), fillcolor="rgba(0,0,0,0)", layer="above")]
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


def step_title(trace, t: int, keep: int = 40) -> str:
    """'step t · wrote «x» p = 0.93 · output so far: …' (escaped)."""
    tok, p = trace.tgt_tokens[t], float(trace.probs[t])
    so_far = trace.tgt_tokens[: t + 1]
    shown = ("… " if len(so_far) > keep else "") + " ".join(esc(x) for x in so_far[-keep:])
    how = " (forced)" if trace.forced[t] else ""
    return (f"<b>step {t}</b> · wrote <b>{esc(tok)}</b>{how} with p = {p:.3f}"
            f"<br><span style='font-size:12px'>output so far: {shown}</span>")


def left_margin(tokens, marks=()) -> int:
    """Pixels the output-token labels of a heatmap need (to line up stacked figures)."""
    return max(70, _label_px(axis_labels(tokens, marks=set(marks)), True))


def step_figure(trace, matrix=None, step: int = 0, *, gold=None, frames: bool = True, topk: bool = True,
                marks=(), what: str = "weight α", title: str | None = None, left: int | None = None,
                max_width: int = MAX_WIDTH) -> go.Figure:
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
    cy = max(cell_size(T), min(40, 150 // T))

    # --- pixels: everything is laid out in pixels, then turned into domains ----------
    # The figure should fit max_width: first the top-k panel moves under the chart, then
    # cells shrink to a floor and only every n-th source label is written (hover has all).
    k = len(trace.topk_tokens[0]) if topk and T else 0
    left = max(left or 0, 70, _label_px(rows, True))
    cbar_w, topk_w, gap = 80, 250, 40
    cx = cell_size(S)
    below = bool(k) and left + S * cx + cbar_w + gap + topk_w + 90 > max_width
    right = 90 if k and not below else 10
    room = max_width - left - cbar_w - right - (0 if below or not k else gap + topk_w)
    cx = max(1 if context else MIN_CELL, min(cx, room // max(S, 1)))
    every = max(1, int(np.ceil(13 / cx)))  # rotated labels need ~13 px each
    rotated = _rotate(cols, cx)
    strip_h = 0 if context else 84
    xlab = _label_px(cols[::every], rotated)
    heat_h, heat_w = T * cy, S * cx
    topk_h = 32 * k + 20 if k else 0
    under = topk_h + 50 if below else 0  # the top-k panel and its gap, under the strip
    plot_h = heat_h + xlab + strip_h + under
    plot_w = heat_w + cbar_w + (gap + topk_w if k and not below else 0)
    top = 62 + (58 if frames and T > 1 else 0)
    bottom = 20

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
        font=dict(size=FONT), plot_bgcolor="white", bargap=0.15, hovermode="closest",
        title=dict(text=title if title is not None else step_title(trace, step), x=0, xref="paper",
                   yref="container", y=1 - 12 / (top + plot_h + bottom), yanchor="top", font=dict(size=14)),
        xaxis=dict(domain=[0, hx], range=[-0.5, S - 0.5], tickmode="array", tickvals=list(range(0, S, every)),
                   ticktext=cols[::every], tickangle=-90 if rotated else 0, showgrid=False, zeroline=False,
                   anchor="y", automargin=False, title=None),
        yaxis=dict(domain=[heat_bottom, 1], range=[T - 0.5, -0.5], tickmode="array", tickvals=list(range(T)),
                   ticktext=rows, showgrid=False, zeroline=False, anchor="x", automargin=False,
                   title=dict(text="output step", standoff=4) if T > 3 else None),
        shapes=_step_shapes(step, T, S),
        legend=dict(orientation="h", x=hx, xanchor="right", y=1, yanchor="bottom", bgcolor="rgba(255,255,255,0.8)",
                    font=dict(size=11)),
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
                                      xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=12))]
    fig = go.Figure(data=data, layout=layout)
    if frames and T > 1:
        _add_frames(fig, trace, matrix, step, strip_idx, topk_idx, T, S, zmax, title)
    return fig


def _add_frames(fig, trace, matrix, step, strip_idx, topk_idx, T, S, zmax, title):
    """One frame per step: the strip, the top-k bars, the outline and the title change."""
    frames = []
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
                               layout=dict(shapes=_step_shapes(t, T, S),
                                           title=dict(text=title if title is not None else step_title(trace, t)))))
    fig.frames = frames
    anim = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    hide_labels = T > 24  # the slider prints every step's label; past ~24 they collide
    fig.update_layout(
        sliders=[dict(
            active=step, x=0.14, len=0.86, xanchor="left", y=1, yanchor="bottom", pad=dict(t=0, b=44),
            currentvalue=dict(visible=False),  # the title names the step
            font=dict(size=10, color="rgba(0,0,0,0)" if hide_labels else "#444"),
            steps=[dict(method="animate", label=str(t), args=[[str(t)], anim]) for t in range(T)],
        )],
        updatemenus=[dict(
            type="buttons", direction="left", x=0, xanchor="left", y=1, yanchor="bottom", pad=dict(t=0, b=48),
            showactive=False,
            buttons=[
                dict(label="▶ play", method="animate",
                     args=[None, dict(frame=dict(duration=700, redraw=True), transition=dict(duration=0),
                                      fromcurrent=True, mode="immediate")]),
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
    return fig


def attention_figure(matrix, rows, cols, *, row_unknown=None, col_unknown=None, step=None, gold=None,
                     title: str = "", what: str = "weight α", max_width: int = MAX_WIDTH) -> go.Figure:
    """A plain static heatmap (rows x cols tokens), e.g. one beam hypothesis or a side-by-side
    panel; with `step` that row is outlined and later rows veiled."""
    matrix = np.asarray(matrix, dtype=float)
    T, S = matrix.shape
    r = axis_labels(rows, row_unknown)
    c = axis_labels(cols, col_unknown)
    left = max(70, _label_px(r, True))
    cx = max(MIN_CELL, min(cell_size(S), (max_width - left - 100) // max(S, 1)))
    cy = max(cell_size(T), min(40, 150 // max(T, 1)))
    every = max(1, int(np.ceil(13 / cx)))
    rotated = _rotate(c, cx)
    top, bottom = 50 if title else 16, _label_px(c[::every], rotated)
    plot_w, plot_h = S * cx + 90, T * cy
    zmax = float(matrix.max()) if matrix.size and matrix.max() > 0 else 1.0
    fig = go.Figure(go.Heatmap(
        z=matrix, x=np.arange(S), y=np.arange(T), colorscale=ATTN_SCALE, zmin=0, zmax=zmax,
        text=_hover(matrix, r, c, what), hovertemplate="%{text}<extra></extra>",
        colorbar=dict(title=dict(text=what, side="right"), thickness=14, len=1, x=1, xanchor="right"),
        xgap=1 if cx >= 10 else 0, ygap=1 if cy >= 10 else 0,
    ))
    g = _gold_trace(gold, T, S, min(cx, cy))
    if g is not None:
        fig.add_trace(g)
    fig.update_layout(
        width=left + plot_w + 10, height=top + plot_h + bottom, margin=dict(l=left, r=10, t=top, b=bottom),
        title=dict(text=title, x=0, font=dict(size=14)), plot_bgcolor="white", font=dict(size=FONT),
        xaxis=dict(domain=[0, (S * cx) / plot_w], range=[-0.5, S - 0.5], tickmode="array",
                   tickvals=list(range(0, S, every)), ticktext=c[::every], tickangle=-90 if rotated else 0,
                   showgrid=False, zeroline=False, automargin=False),
        yaxis=dict(range=[T - 0.5, -0.5], tickmode="array", tickvals=list(range(T)), ticktext=r, showgrid=False,
                   zeroline=False, automargin=False),
        legend=dict(orientation="h", x=0, y=1, yanchor="bottom", font=dict(size=11)),
    )
    if step is not None and T:
        fig.update_layout(shapes=_step_shapes(max(0, min(int(step), T - 1)), T, S))
    return fig


def quality_figure(series: dict, metric: str, title: str = "") -> go.Figure:
    """Test-set quality by source length, one line per model.

    series: {label: [(bucket, value, n), ...]}, label like "lstm-attn" (coloured by arch)."""
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
        title=dict(text=title or f"test-set {esc(metric)} by source length", x=0), height=380,
        margin=dict(l=60, r=20, t=50, b=60), plot_bgcolor="white", font=dict(size=FONT),
        xaxis=dict(title="source length (bucket)", type="category", showgrid=False),
        yaxis=dict(title=esc(metric), rangemode="tozero", gridcolor="#eee"),
        legend=dict(orientation="h", x=0, y=-0.25),
    )
    return fig


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
