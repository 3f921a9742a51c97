"""One attention computation laid open (the inside page): the query over its keys
(`qk_figure`), scores to weights (`softmax_figure`), weights times states to the context
vector (`context_figure`), and a few vectors side by side (`vectors_figure`). States,
queries and keys have any sign: they share one diverging colour scale around 0."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..i18n import _
from .layout import DEFAULT_WIDTH, Layout
from .style import MASKED, STATE_SCALE, axis_labels, bar_colours, esc, sized


def _state_scale(*arrays) -> float:
    """A symmetric colour range for vectors of any sign (states, queries, keys)."""
    finite = np.concatenate([np.abs(np.asarray(a, float)).ravel() for a in arrays if a is not None])
    finite = finite[np.isfinite(finite)]
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def _title(title: str, sz) -> dict:
    return dict(text=title, x=0, font=dict(size=sz.title))


def qk_figure(query, keys, key_tokens, *, mask=None, key_unknown=None, title: str = "",
              max_width: int = DEFAULT_WIDTH, present: bool = False) -> go.Figure:
    """One head's query vector q (top) over its key matrix K (one row k_j per token), same
    columns (the d_k dimensions), one diverging colour scale; keys the query may not see
    (the mask) are greyed."""
    q = np.asarray(query, float)[None, :]  # (1, d_k)
    K = np.asarray(keys, float)  # (S, d_k)
    S, D = K.shape
    lay = Layout(max_width, present)
    sz = lay.sz
    r = axis_labels(key_tokens, key_unknown)
    box = lay.qk(r, (S, D), title=title)
    zmax = _state_scale(q, K)
    ticks = lay.dim_ticks(D, box.cx)
    heat = dict(colorscale=STATE_SCALE, zmin=-zmax, zmax=zmax, zmid=0, xgap=1 if box.cx >= 8 else 0,
                ygap=1 if box.cy >= 10 else 0)
    value = _("value")
    fig = go.Figure([
        go.Heatmap(z=q, x=np.arange(D), y=[0], xaxis="x2", yaxis="y2", name="q", showscale=False,
                   hovertemplate=_("query q, dimension {dim}").format(dim="%{x}")
                   + f"<br>{value} = %{{z:.4f}}<extra></extra>", **heat),
        go.Heatmap(z=K, x=np.arange(D), y=np.arange(S), name="K", text=[[lab] * D for lab in r],
                   hovertemplate=_("key k of {token}, dimension {dim}").format(token="%{text}", dim="%{x}")
                   + f"<br>{value} = %{{z:.4f}}<extra></extra>",
                   colorbar=dict(title=dict(text=value, side="right"), thickness=14, x=1, xanchor="right"),
                   **heat),
    ])
    shapes = [] if mask is None else [
        dict(type="rect", xref="x", yref="y", x0=-0.5, x1=D - 0.5, y0=j - 0.5, y1=j + 0.5, fillcolor=MASKED,
             opacity=0.85, line=dict(width=0), layer="above") for j in np.flatnonzero(~np.asarray(mask, bool))]
    kd = (S * box.cy) / box.plot_h  # the keys' share of the height
    xd = [0, D * box.cx / box.plot_w]
    fig.update_layout(
        width=box.width, height=box.height, margin=box.margin(), title=_title(title, sz), plot_bgcolor="white",
        font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)), shapes=shapes,
        xaxis=dict(domain=xd, range=[-0.5, D - 0.5], tickmode="array", tickvals=ticks[0],
                   ticktext=ticks[1], title=dict(text=_("dimension of d_k"), standoff=4), showgrid=False,
                   zeroline=False, automargin=False),
        yaxis=dict(domain=[0, kd], range=[S - 0.5, -0.5], tickmode="array", tickvals=list(range(0, S, box.yevery)),
                   ticktext=r[::box.yevery], showgrid=False, zeroline=False, automargin=False),
        xaxis2=dict(domain=xd, range=[-0.5, D - 0.5], matches="x", anchor="y2",
                    showticklabels=False, ticks="", showgrid=False, zeroline=False),
        yaxis2=dict(domain=[1 - box.cy / box.plot_h, 1], range=[0.5, -0.5], anchor="x2", tickmode="array",
                    tickvals=[0], ticktext=[_("query q")], showgrid=False, zeroline=False, automargin=False),
        annotations=[dict(text=_("keys k<sub>j</sub> (one row per token)"), xref="paper", yref="paper", x=0, y=kd,
                          xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.small))],
    )
    return sized(fig, sz)


def softmax_figure(tokens, scores, weights, *, mask=None, unknown=None, score_name: str = "score e",
                   title: str = "", max_width: int = DEFAULT_WIDTH, present: bool = False) -> go.Figure:
    """From scores to weights, one row per token: the scores e_j (left; a masked position
    shows grey, its score is −∞) and the weights α_j = softmax(e)_j (right)."""
    e = np.asarray(scores, float)
    a = np.asarray(weights, float)
    S = len(e)
    score_name, weight, zero = _(score_name), _("weight α"), _("0 (masked)")
    allowed = np.ones(S, bool) if mask is None else np.asarray(mask, bool)
    lay = Layout(max_width, present)
    sz = lay.sz
    r = axis_labels(tokens, unknown)
    box = lay.softmax(r, S, title=title)
    finite = e[allowed & np.isfinite(e)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    span = max(hi - lo, 1e-6)
    e_shown = np.where(allowed, e, np.nan)
    data = [
        go.Bar(x=e_shown, y=np.arange(S), orientation="h", name=esc(score_name), xaxis="x", yaxis="y",
               marker=dict(color=["#6baed6" if v >= 0 else "#fc9272" for v in np.nan_to_num(e_shown)]),
               customdata=[[lab] for lab in r], showlegend=False,
               hovertemplate="%{customdata[0]}<br>" + esc(score_name) + " = %{x:.4f}<extra></extra>"),
        go.Bar(x=a, y=np.arange(S), orientation="h", name=weight, xaxis="x2", yaxis="y2", showlegend=False,
               marker=dict(color=bar_colours(a, max(float(a.max()), 1e-9)), line=dict(color="#9ecae1", width=1)),
               customdata=[[lab] for lab in r], text=[f"{v:.3f}" if ok else zero for v, ok in zip(a, allowed)],
               textposition="outside", cliponaxis=False,
               hovertemplate="%{customdata[0]}<br>α = %{x:.4f}<extra></extra>"),
    ]
    notes = [dict(text=esc(score_name), xref="x domain", yref="paper", x=0, y=1, yshift=4, xanchor="left",
                  yanchor="bottom", showarrow=False, font=dict(size=sz.font)),
             dict(text=_("weight α = softmax(e)"), xref="x2 domain", yref="paper", x=0, y=1, yshift=4,
                  xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.font))]
    shapes = []
    for j in np.flatnonzero(~allowed):
        shapes.append(dict(type="rect", xref="paper", yref="y", x0=0, x1=1, y0=j - 0.5, y1=j + 0.5,
                           fillcolor=MASKED, opacity=0.55, line=dict(width=0), layer="below"))
        notes.append(dict(text=_("masked: −∞"), xref="x", yref="y", x=lo - 0.02 * span if lo < 0 else 0, y=j,
                          xanchor="left", showarrow=False, font=dict(size=sz.small, color="#555")))
    fig = go.Figure(data)
    fig.update_layout(
        width=box.width, height=box.height, margin=box.margin(), title=_title(title, sz), plot_bgcolor="white",
        font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)), bargap=0.25, annotations=notes,
        shapes=shapes,
        xaxis=dict(domain=[0, box.side / box.plot_w], range=[min(lo, 0) - 0.08 * span, max(hi, 0) + 0.08 * span],
                   zeroline=True, zerolinecolor="#888", gridcolor="#eee", nticks=5),
        yaxis=dict(range=[S - 0.5, -0.5], tickmode="array", tickvals=list(range(0, S, box.yevery)),
                   ticktext=r[::box.yevery], showgrid=False, automargin=False),
        xaxis2=dict(domain=[(box.side + 60) / box.plot_w, 1], range=[0, min(1.25, float(a.max()) * 1.45 + 0.05)],
                    tickformat=".0%", gridcolor="#eee", nticks=4, anchor="y2"),
        yaxis2=dict(range=[S - 0.5, -0.5], matches="y", anchor="x2", showticklabels=False, showgrid=False),
    )
    return sized(fig, sz)


def context_figure(values, weights, context, tokens, *, unknown=None, title: str = "",
                   max_width: int = DEFAULT_WIDTH, present: bool = False) -> go.Figure:
    """c_t = Σ_i α_i h_i: the encoder states h_i (one row per source token, one column per
    dimension) with their weights α_i on the left, and the context vector c_t they make
    (bottom row), on one diverging colour scale."""
    h = np.asarray(values, float)  # (S, D)
    a = np.asarray(weights, float)  # (S,)
    c = np.asarray(context, float)[None, :]  # (1, D)
    S, D = h.shape
    lay = Layout(max_width, present)
    sz = lay.sz
    r = axis_labels(tokens, unknown)
    box = lay.context(r, (S, D), title=title)
    zmax = _state_scale(h, c)
    heat = dict(colorscale=STATE_SCALE, zmin=-zmax, zmax=zmax, zmid=0, ygap=1 if box.cy >= 10 else 0)
    ticks = lay.dim_ticks(D, box.cx)
    value = _("value")
    fig = go.Figure([
        go.Bar(x=a, y=np.arange(S), orientation="h", xaxis="x", yaxis="y", name="α", showlegend=False,
               marker=dict(color=bar_colours(a, max(float(a.max()), 1e-9)), line=dict(color="#9ecae1", width=1)),
               customdata=[[lab] for lab in r], hovertemplate="%{customdata[0]}<br>α = %{x:.4f}<extra></extra>"),
        go.Heatmap(z=h, x=np.arange(D), y=np.arange(S), xaxis="x2", yaxis="y2", name="h",
                   text=[[lab] * D for lab in r],
                   hovertemplate=_("state h of {token}, dimension {dim}").format(token="%{text}", dim="%{x}")
                   + f"<br>{value} = %{{z:.4f}}<extra></extra>",
                   colorbar=dict(title=dict(text=value, side="right"), thickness=14, x=1, xanchor="right"),
                   **heat),
        go.Heatmap(z=c, x=np.arange(D), y=[0], xaxis="x3", yaxis="y3", name="c", showscale=False,
                   hovertemplate=_("context c_t, dimension {dim}").format(dim="%{x}")
                   + f"<br>{value} = %{{z:.4f}}<extra></extra>", **heat),
    ])
    x0 = (box.side + 40) / box.plot_w  # the states' columns: right of the α bars
    x1 = x0 + D * box.cx / box.plot_w
    hd = S * box.cy / box.plot_h
    axis = dict(showgrid=False, zeroline=False, automargin=False)
    fig.update_layout(
        width=box.width, height=box.height, margin=box.margin(), title=_title(title, sz), plot_bgcolor="white",
        font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)), bargap=0.2,
        xaxis=dict(domain=[0, box.side / box.plot_w], range=[max(float(a.max()), 1e-9) * 1.05, 0], nticks=3,
                   tickformat=".0%", gridcolor="#eee", anchor="y", automargin=False),
        yaxis=dict(domain=[1 - hd, 1], range=[S - 0.5, -0.5], tickmode="array",
                   tickvals=list(range(0, S, box.yevery)), ticktext=r[::box.yevery], anchor="x", **axis),
        xaxis2=dict(domain=[x0, x1], range=[-0.5, D - 0.5], anchor="y2", showticklabels=False, ticks="", **axis),
        yaxis2=dict(domain=[1 - hd, 1], range=[S - 0.5, -0.5], matches="y", anchor="x2", showticklabels=False,
                    **axis),
        xaxis3=dict(domain=[x0, x1], range=[-0.5, D - 0.5], matches="x2", anchor="y3", tickmode="array",
                    tickvals=ticks[0], ticktext=ticks[1], title=dict(text=_("dimension"), standoff=4), **axis),
        yaxis3=dict(domain=[0, box.cy / box.plot_h], range=[0.5, -0.5], anchor="x3", tickmode="array", tickvals=[],
                    **axis),
        annotations=_context_notes(box, x0, sz),
    )
    return sized(fig, sz)


def _context_notes(box, x0: float, sz) -> list[dict]:
    """The three headings: α_i over the bars, h_i over the states, c_t beside its row."""
    return [
        dict(text="α<sub>i</sub>", xref="paper", yref="paper", x=box.side / box.plot_w, y=1, yshift=4,
             xanchor="right", yanchor="bottom", showarrow=False, font=dict(size=sz.font)),
        dict(text=_("encoder states h<sub>i</sub>"), xref="paper", yref="paper", x=x0, y=1, yshift=4,
             xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=sz.font)),
        dict(text="c<sub>t</sub> = Σ<sub>i</sub> α<sub>i</sub> h<sub>i</sub>", xref="paper", yref="paper",
             x=x0, xshift=-8, y=box.cy / box.plot_h / 2, xanchor="right", yanchor="middle", showarrow=False,
             font=dict(size=sz.font)),
    ]


def vectors_figure(rows: dict, *, title: str = "", what: str = "value", max_width: int = DEFAULT_WIDTH,
                   present: bool = False) -> go.Figure:
    """A few vectors of the same size as rows of one heatmap ({label: (D,) vector}),
    e.g. the plain LSTM's context vector c at every step."""
    labels_ = [esc(k) for k in rows]
    what = _(what)
    z = np.stack([np.asarray(v, float) for v in rows.values()])  # (R, D)
    R, D = z.shape
    lay = Layout(max_width, present)
    sz = lay.sz
    box = lay.vectors(labels_, D, title=title)
    zmax = _state_scale(z)
    ticks = lay.dim_ticks(D, box.cx)
    fig = go.Figure(go.Heatmap(z=z, x=np.arange(D), y=np.arange(R), colorscale=STATE_SCALE, zmin=-zmax, zmax=zmax,
                               zmid=0, text=[[lab] * D for lab in labels_], ygap=1 if box.cy >= 10 else 0,
                               hovertemplate=_("{row}, dimension {dim}").format(row="%{text}", dim="%{x}")
                               + "<br>" + esc(what) + " = %{z:.4f}<extra></extra>",
                               colorbar=dict(title=dict(text=esc(what), side="right"), thickness=14)))
    fig.update_layout(
        width=box.width, height=box.height, margin=box.margin(), title=_title(title, sz), plot_bgcolor="white",
        font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(range=[-0.5, D - 0.5], tickmode="array", tickvals=ticks[0], ticktext=ticks[1], showgrid=False,
                   zeroline=False, title=dict(text=_("dimension"), standoff=4), automargin=False),
        yaxis=dict(range=[R - 0.5, -0.5], tickmode="array", tickvals=list(range(0, R, box.yevery)),
                   ticktext=labels_[::box.yevery], showgrid=False, zeroline=False, automargin=False),
    )
    return sized(fig, sz)
