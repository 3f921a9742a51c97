"""Line charts of the models rather than of one decode: test-set quality by source length
(`quality_figure`, one line per model) and training curves (`training_figure`). No token
axes here, so no Layout: Plotly sizes them to the column, at the size set's fonts."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..i18n import N_, _
from ..reports import METRIC_NAMES
from .style import ARCH_COLOURS, FONT, HIGHLIGHT, esc, sized, sizes

LINE_STYLES = (("solid", "circle"), ("dash", "diamond"), ("dot", "square"))  # one per model, in order


def quality_figure(series: dict, metric: str, title: str = "", present: bool = False,
                   labels: dict | None = None) -> go.Figure:
    """Test-set quality by source length, one line per model.

    series: {label: [(bucket, value, n), ...]}, label like "lstm-attn" (coloured by arch);
    labels: {label: the name the legend shows} (default: the label itself).
    metric: a metrics.json key ("bleu", "exact"), shown translated where it is a word."""
    sz = sizes(present)
    metric = _(METRIC_NAMES[metric][0]) if metric in METRIC_NAMES else _(metric) if isinstance(metric, str) else metric
    length = _("length {length}").format(length="%{x}")
    fig = go.Figure()
    drawn = [name for name, rows in series.items() if rows]
    for i, name in enumerate(drawn):
        buckets, values, ns = zip(*series[name])
        shown = esc((labels or {}).get(name, name))
        # lines that coincide (two models both at 100 %) never hide each other: each model its
        # own dash and marker, later lines thinner, and its points a little to the side
        style = LINE_STYLES[i % len(LINE_STYLES)]
        fig.add_trace(go.Scatter(
            x=list(buckets), y=list(values), mode="lines+markers", name=shown, xaxis="x",
            line=dict(width=max(2, 5 - 1.5 * i), color=ARCH_COLOURS.get(name), dash=style[0]),
            marker=dict(size=max(7, 13 - 3 * i), symbol=style[1], line=dict(width=1, color="white")),
            customdata=[[n if n is not None else "?"] for n in ns],
            hovertemplate=f"{shown}<br>{length}<br>{esc(metric)} = %{{y:.3f}}<br>"
                          "n = %{customdata[0]}<extra></extra>"))
    fig.update_layout(
        title=dict(text=title or _("test-set {metric} by source length").format(metric=esc(metric)), x=0,
                   font=dict(size=sz.title)),
        height=round(380 * sz.cell), margin=dict(l=60 + 2 * (sz.font - FONT), r=20, t=50, b=60 + 3 * (sz.font - FONT)),
        plot_bgcolor="white", font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(title=_("source length (bucket)"), type="category", showgrid=False),
        scattermode="group", scattergap=0.6,  # the models' points side by side within a length bucket
        yaxis=dict(title=esc(metric), rangemode="tozero", gridcolor="#eee"),
        legend=dict(orientation="h", x=0, y=-0.25),
        showlegend=True,  # Plotly hides the legend of a single line: which model is it?
    )
    return sized(fig, sz)


DEV = N_("dev")  # training_figure's default name of the dev metric


def training_figure(epochs, train_loss, dev=None, dev_name: str = DEV, *, title: str = "",
                    present: bool = False) -> go.Figure:
    """Training curves from train_log.jsonl: the training loss per epoch (left axis, log
    scale when it falls by more than 20x; a loss logged as 0 is drawn at the bottom of the
    axis, its hover says 0) and the dev metric (right axis). dev_name: shown translated."""
    sz = sizes(present)
    dev_name, loss_name, epoch = _(dev_name), _("train loss"), _("epoch {epoch}").format(epoch="%{x}")
    epochs = list(epochs)
    loss = [np.nan if v is None else float(v) for v in train_loss]
    positive = [v for v in loss if np.isfinite(v) and v > 0]
    log = bool(positive) and max(positive) / min(positive) > 20 and not any(v < 0 for v in loss)
    shown = [min(positive) / 2 if log and v == 0 else v for v in loss]
    fig = go.Figure(go.Scatter(x=epochs, y=shown, mode="lines+markers", name=loss_name,
                               line=dict(width=3, color="#1f77b4"), marker=dict(size=8),
                               customdata=[[v] for v in loss],
                               hovertemplate=f"{epoch}<br>{loss_name} = %{{customdata[0]:.4f}}<extra></extra>"))
    if dev is not None:
        fig.add_trace(go.Scatter(x=epochs, y=[None if v is None else float(v) for v in dev], mode="lines+markers",
                                 name=esc(dev_name), yaxis="y2", line=dict(width=3, color=HIGHLIGHT, dash="dot"),
                                 marker=dict(size=9, symbol="diamond"),
                                 hovertemplate=f"{epoch}<br>{esc(dev_name)} = %{{y:.2f}}<extra></extra>"))
    top = (sz.title + 16 if title else 8) + sz.small + 18  # the title, then the legend
    height = round(340 * sz.cell)
    fig.update_layout(
        title=dict(text=title, x=0, xref="container", yref="container", y=1 - 8 / height, yanchor="top",
                   font=dict(size=sz.title)),
        height=height, width=round(560 * sz.cell),
        margin=dict(l=70 + 2 * (sz.font - FONT), r=70 + 2 * (sz.font - FONT), t=top, b=50 + 2 * (sz.font - FONT)),
        plot_bgcolor="white", font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(title=_("epoch"), showgrid=False, tickmode="linear" if len(epochs) <= 15 else "auto", dtick=1),
        yaxis=dict(title=_("train loss (log)") if log else loss_name, type="log" if log else "linear",
                   gridcolor="#eee", color="#1f77b4", **(dict(dtick=1, exponentformat="power") if log else {})),
        legend=dict(orientation="h", x=0, y=1, yanchor="bottom", yref="paper", font=dict(size=sz.small)),
    )
    if dev is not None:
        top_dev = max([float(v) for v in dev if v is not None] or [1.0])
        fig.update_layout(yaxis2=dict(title=esc(dev_name), overlaying="y", side="right", showgrid=False,
                                      color=HIGHLIGHT, tickmode="auto", nticks=6,
                                      range=[0, top_dev * 1.08 if top_dev > 0 else 1]))
    return sized(fig, sz)
