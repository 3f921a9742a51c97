"""Plotly pieces the token heatmaps share (the stepping view and the static ones): hover text
per cell, the current step's outline and veil, the true-alignment markers."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from .style import GOLD, HIGHLIGHT

# What a heatmap's rows and columns are and what its cells hold, as the builders' callers name
# them (in English): the builders show them translated (`_`; text already translated passes).
WORDS = (N_("output"), N_("source"), N_("query"), N_("key"), N_("position"), N_("input token"),
         N_("weight α"), N_("value"), N_("rollout"), N_("score e"))


def hover_text(matrix, row_labels, col_labels, what: str, names=("output", "source")) -> list[list[str]]:
    """hover text per cell: the token pair and the exact value (`what` and `names` translated)."""
    rows = [r.replace("✎ ", "") for r in row_labels]
    a, b = _(names[0]), _(names[1])
    what = _(what)
    return [[f"{a} {rows[t]} ← {b} {col_labels[i]}<br>{what} = {matrix[t, i]:.4f}"
             for i in range(matrix.shape[1])] for t in range(matrix.shape[0])]


def step_shapes(step: int, T: int, S: int, xref="x", yref="y", halo: bool = False) -> list[dict]:
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


def gold_trace(gold, T, S, size):
    """Open squares on the cells of the true alignment (rows beyond the decode dropped), as a
    trace dict (a step figure is a dict; go.Figure.add_trace takes one too)."""
    if gold is None:
        return None
    rows, cols = np.nonzero(np.asarray(gold)[: T, : S] > 0)
    return dict(type="scatter", x=cols.tolist(), y=rows.tolist(), mode="markers", name=_("true alignment"),
                hoverinfo="skip", showlegend=True, xaxis="x", yaxis="y",
                marker=dict(symbol="square-open", size=max(6, size - 6), color=GOLD, line=dict(width=2.5)))
