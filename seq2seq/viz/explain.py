"""Is attention an explanation? One step's attention beside its attributions on one token axis
(`evidence_figure`), and a model's head-importance grid (`importance_figure`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import _
from .layout import DEFAULT_WIDTH
from .style import ARCH_COLOURS, HIGHLIGHT, axis_labels, sized, sizes

ROW_COLOURS = ("#1f77b4", "#6baed6", HIGHLIGHT, "#f2a900", "#7f7f7f")


def evidence_figure(src_tokens, rows: dict[str, np.ndarray], *, title: str = "", src_unknown=None,
                    max_width: int = DEFAULT_WIDTH, present: bool = False) -> go.Figure:
    """One bar row per piece of evidence (attention views first, then attributions), every row over
    the same source tokens. Each row is scaled to its largest magnitude (1 = that row's most
    important token), so rows of different units compare by shape; hover gives the raw value."""
    sz = sizes(present)
    cols = axis_labels(src_tokens, src_unknown)
    S = len(cols)
    n = max(1, len(rows))
    row_h = 70 if present else 56
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.45 / n,
                        subplot_titles=[name for name in rows])
    for i, (name, values) in enumerate(rows.items(), start=1):
        v = np.asarray(values, dtype=float)
        peak = float(np.abs(v).max()) if v.size and np.abs(v).max() > 0 else 1.0
        fig.add_trace(go.Bar(x=list(range(S)), y=(v / peak).round(4).tolist(), name=name, showlegend=False,
                             marker=dict(color=ROW_COLOURS[(i - 1) % len(ROW_COLOURS)]),
                             customdata=[[c, f"{x:.4g}"] for c, x in zip(cols, v)],
                             hovertemplate=f"{name}<br>%{{customdata[0]}}: %{{customdata[1]}}<extra></extra>"),
                      row=i, col=1)
        fig.update_yaxes(range=[min(-0.05, float((v / peak).min()) * 1.1), 1.1], nticks=3, row=i, col=1,
                         zeroline=True, zerolinecolor="#999")
    width = max(min(max_width, 120 + S * (90 if present else 70)), min(max_width, 640))  # the title fits
    fig.update_xaxes(tickmode="array", tickvals=list(range(S)), ticktext=cols, range=[-0.5, S - 0.5],
                     tickangle=-90 if S > 18 else 0, row=n, col=1)
    fig.update_layout(width=width, height=90 + n * row_h + (60 if S > 18 else 30), title=dict(text=title, x=0),
                      margin=dict(l=50, r=10, t=80 if present else 64, b=10), plot_bgcolor="white", bargap=0.2,
                      font=dict(size=sz.font))
    fig.update_annotations(font=dict(size=sz.font), x=0, xanchor="left")
    return sized(fig, sz)


def importance_figure(grid: dict, *, present: bool = False, max_width: int = DEFAULT_WIDTH) -> go.Figure:
    """A model's head-importance grid (explain.json's `head_importance`): the quality change when
    one head is knocked out, one row per (kind, layer), one column per head (Transformer); one bar
    per baseline (LSTM + attention)."""
    sz = sizes(present)
    metric = {"bleu": "BLEU", "exact": _("exact match")}.get(grid.get("metric"), grid.get("metric", ""))
    heads = grid.get("heads", [])
    title = _("Quality with one head knocked out: {metric} change from {none}").format(
        metric=metric, none=grid.get("none"))
    if heads and isinstance(heads[0]["knockout"], list):
        kinds = {"encoder": _("encoder self"), "decoder": _("decoder self"), "cross": _("cross")}
        rows = sorted({(h["knockout"][0], h["knockout"][1]) for h in heads},
                      key=lambda r: (list(kinds).index(r[0]) if r[0] in kinds else 9, r[1]))
        H = 1 + max(h["knockout"][2] for h in heads)
        z = np.full((len(rows), H), np.nan)
        for h in heads:
            kind, layer, head = h["knockout"]
            z[rows.index((kind, layer)), head] = h["change"]
        peak = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() and np.nanmax(np.abs(z)) > 0 else 1.0
        labels = [_("{kind} · layer {layer}").format(kind=kinds.get(k, k), layer=n + 1) for k, n in rows]
        fig = go.Figure(go.Heatmap(
            z=z, x=[_("head {n}").format(n=i + 1) for i in range(H)], y=labels, colorscale="RdBu", zmid=0,
            zmin=-peak, zmax=peak, text=[[f"{x:+.2f}" for x in row] for row in z], texttemplate="%{text}",
            hovertemplate="%{y} · %{x}<br>" + metric + " %{z:+.2f}<extra></extra>",
            colorbar=dict(title=dict(text=metric, side="right"), thickness=14)))
        fig.update_yaxes(autorange="reversed")
        height = 120 + 34 * len(rows)
    else:
        names = {"uniform": _("alpha uniform"), "frozen": _("alpha frozen at step 0")}
        fig = go.Figure(go.Bar(x=[names.get(h["knockout"], h["knockout"]) for h in heads],
                               y=[h["change"] for h in heads], marker=dict(color=ARCH_COLOURS["lstm-attn"]),
                               text=[f"{h['change']:+.2f}" for h in heads], textposition="outside",
                               hovertemplate="%{x}<br>" + metric + " %{y:+.2f}<extra></extra>"))
        height = 320
    fig.update_layout(width=min(max_width, 640), height=height, title=dict(text=title, x=0),
                      margin=dict(l=10, r=10, t=60, b=40), plot_bgcolor="white", font=dict(size=sz.font))
    return sized(fig, sz)
