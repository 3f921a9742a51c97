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


def timeline_figure(info: dict, selected: int | None, *, present: bool = False, dev_name: str = DEV,
                    budget: float | None = None) -> go.Figure:
    """A timeline's training curve (seq2seq.timeline): the training loss every 1 % of an epoch
    (left axis, log scale), the dev score of each snapshot (right axis, diamonds), and the
    snapshot `selected` (an index of info["snapshots"]; None: none) marked by a line and a
    ring. A training under way draws the same from its events (budget: its last epoch so far)."""
    sz = sizes(present)
    dev_name, loss_name = _(dev_name), _("train loss")
    fig = go.Figure()
    loss = [row for row in info.get("loss", []) if row[2] > 0]
    fig.add_trace(go.Scatter(x=[row[1] for row in loss], y=[row[2] for row in loss], mode="lines", name=loss_name,
                             line=dict(width=3, color="#1f77b4"),
                             hovertemplate=_("epoch {epoch}").format(epoch="%{x:.2f}")
                             + f"<br>{loss_name} = %{{y:.4f}}<extra></extra>"))
    snaps = info["snapshots"]
    xs, devs = [s["epoch"] for s in snaps], [s["dev"] for s in snaps]
    names = [snapshot_label(s, i) for i, s in enumerate(snaps)]
    fig.add_trace(go.Scatter(x=xs, y=devs, mode="lines+markers", name=esc(dev_name), yaxis="y2",
                             line=dict(width=2, color=HIGHLIGHT, dash="dot"), marker=dict(size=11, symbol="diamond"),
                             customdata=[[esc(n)] for n in names],
                             hovertemplate=f"%{{customdata[0]}}<br>{esc(dev_name)} = %{{y:.1f}}<extra></extra>"))
    if selected is not None and snaps:
        chosen = snaps[selected]
        fig.add_trace(go.Scatter(x=[chosen["epoch"]], y=[chosen["dev"]], mode="markers", yaxis="y2", showlegend=False,
                                 marker=dict(size=24, symbol="circle-open", line=dict(width=4, color="black")),
                                 hoverinfo="skip"))
        fig.add_vline(x=chosen["epoch"], line=dict(color="black", width=2, dash="dash"))
    height = round(300 * sz.cell)
    last = max([s["epoch"] for s in snaps] + [row[1] for row in loss] + [budget or 0.0, 1.0 if budget is None else 0.1])
    fig.update_layout(
        height=height, margin=dict(l=70 + 2 * (sz.font - FONT), r=70 + 2 * (sz.font - FONT), t=sz.small + 26,
                                   b=50 + 2 * (sz.font - FONT)),
        plot_bgcolor="white", font=dict(size=sz.font), hoverlabel=dict(font=dict(size=sz.font)),
        xaxis=dict(title=_("epoch"), showgrid=False, range=[-0.02 * last, last * 1.02]),
        yaxis=dict(title=_("train loss (log)"), type="log", gridcolor="#eee", color="#1f77b4", exponentformat="power"),
        yaxis2=dict(title=esc(dev_name), overlaying="y", side="right", showgrid=False, color=HIGHLIGHT,
                    range=[0, max(max(devs, default=1.0), 1.0) * 1.08], tickmode="auto", nticks=6),
        legend=dict(orientation="h", x=0, y=1, yanchor="bottom", yref="paper", font=dict(size=sz.small)),
    )
    return sized(fig, sz)


def snapshot_label(snapshot: dict, i: int) -> str:
    """'at initialisation', 'epoch 0.30', 'epoch 2 (final)': where a snapshot sits in training."""
    if snapshot.get("final"):
        return _("epoch {epoch} (final model)").format(epoch=f"{snapshot['epoch']:g}")
    if snapshot["step"] == 0:
        return _("at initialisation")
    return _("epoch {epoch}").format(epoch=f"{snapshot['epoch']:.2f}".rstrip("0").rstrip("."))


def strip_figure(matrices: list, titles: list[str], rows: list[list], cols: list, selected: int, *,
                 present: bool = False, max_width: int = 1100) -> go.Figure:
    """One small heatmap per snapshot, side by side, on one colour scale 0..1: the same
    attention matrix of one input as training goes (the selected one outlined). matrices:
    (steps, src) each, or None where the model wrote nothing to show; rows: each matrix's
    output tokens; cols: the source tokens."""
    from plotly.subplots import make_subplots

    sz = sizes(present)
    n = len(matrices)
    per_row = min(n, 4)  # panels wide enough to read from the back of a room: at most four across
    lines = -(-n // per_row)
    fig = make_subplots(rows=lines, cols=per_row, subplot_titles=[esc(t) for t in titles], horizontal_spacing=0.03,
                        vertical_spacing=0.12 / max(lines - 1, 1) if lines > 1 else 0.0)
    for i, (m, out) in enumerate(zip(matrices, rows), 1):
        if m is None or not np.size(m):
            continue
        r, c = (i - 1) // per_row + 1, (i - 1) % per_row + 1
        m = np.asarray(m, dtype=float)
        hover = [[f"{esc(out[r] if r < len(out) else '?')} ← {esc(cols[c] if c < len(cols) else '?')}"
                  for c in range(m.shape[1])] for r in range(m.shape[0])]
        fig.add_trace(go.Heatmap(z=m, zmin=0, zmax=1, colorscale="Blues", showscale=i == n, text=hover,
                                 hovertemplate="%{text}<br>α = %{z:.3f}<extra></extra>", xgap=0, ygap=0,
                                 colorbar=dict(title=dict(text="α"), len=0.9, thickness=12)), row=r, col=c)
        fig.update_yaxes(autorange="reversed", row=r, col=c)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    panel = max(80, (max_width - 90) / per_row)
    shapes = [np.shape(m) for m in matrices if m is not None and np.size(m)] or [(1, 1)]
    aspect = float(np.median([s[0] / max(s[1], 1) for s in shapes]))  # rows per column, most panels
    panel_height = int(min(max(panel * aspect, 90), 300 * sz.cell))
    height = lines * (panel_height + sz.small + 30) + 20
    key = str(selected + 1) if selected else ""
    fig.add_shape(type="rect", xref=f"x{key} domain", yref=f"y{key} domain", x0=-0.03, x1=1.03, y0=-0.04, y1=1.04,
                  line=dict(color=HIGHLIGHT, width=4))
    fig.update_annotations(font_size=sz.font)
    fig.update_layout(height=height, width=max_width, margin=dict(l=10, r=10, t=30 + sz.small, b=10),
                      plot_bgcolor="white", font=dict(size=sz.font))
    return sized(fig, sz)
