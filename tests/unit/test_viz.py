"""Pure figure builders: no Streamlit, tiny models."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from conftest import tiny_model

import seq2seq
from seq2seq import viz
from seq2seq.attention import attention_stack, cross_matrix
from seq2seq.gold import gold_alignment


@pytest.fixture(scope="module")
def traces():
    """One greedy trace per architecture on a date with a repeated character."""
    out = {}
    for arch in ("lstm", "lstm-attn", "transformer"):
        model = tiny_model(arch, "dates")
        out[arch] = seq2seq.decode(model, "Wednesday, 9 May 2018", "greedy", max_len=8)
    return out


def step_fig(*args, **kw) -> go.Figure:
    """viz.step_figure's dict as a Plotly object: Plotly validates every property of it (a
    typo in the hand-built dict fails here), and the tests read it by attribute."""
    return go.Figure(viz.step_figure(*args, **kw))


def _heat(fig):
    return next(t for t in fig.data if t.type == "heatmap")


def _z(fig) -> np.ndarray:
    """The heatmap's matrix (a float32 typed array in the figure)."""
    z = _heat(fig).z
    a = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
    return a.reshape([int(n) for n in z["shape"].split(",")])


def test_labels_are_the_tokens_escaped_and_placed_by_number(traces):
    tr = traces["transformer"]
    fig = step_fig(tr, cross_matrix(tr), step=2)
    ticks = list(fig.layout.xaxis.ticktext)
    assert len(ticks) == len(tr.src_tokens)
    assert ticks[-1] == "&lt;/s&gt;"  # Plotly would read a raw "</s>" as a tag; no "·21" suffix
    assert not any("·" in t for t in ticks + list(fig.layout.yaxis.ticktext))
    # repeated tokens ('d', 'a', 'y', ' ' in the source) stay apart: cells are placed by number
    assert len(set(ticks)) < len(ticks)
    assert list(fig.layout.xaxis.tickvals) == list(range(len(ticks)))
    assert (_heat(fig).x0, _heat(fig).dx) == (0, 1)  # column i at x = i


def test_step_figure_shapes_and_frames(traces):
    tr = traces["lstm-attn"]
    m = cross_matrix(tr)
    fig = step_fig(tr, m, step=3)
    assert _z(fig).shape == (tr.steps, len(tr.src_tokens))
    assert len(fig.frames) == tr.steps
    assert [f.name for f in fig.frames] == [str(t) for t in range(tr.steps)]
    # one step control per page (ui/stage.py), none in the figure or its exports
    assert not fig.layout.sliders and not fig.layout.updatemenus
    # the frames' titles keep the initial title's font
    assert all(f.layout.title.font == fig.layout.title.font for f in fig.frames)
    assert fig.layout.title.font.weight == "bold"  # as Streamlit shows the first title, so every frame's


def test_highlighted_row_and_veil(traces):
    tr = traces["lstm-attn"]
    fig = step_fig(tr, cross_matrix(tr), step=3)
    outline, veil = fig.layout.shapes
    assert (outline.y0, outline.y1) == (2.5, 3.5)  # row 3
    assert (veil.y0, veil.y1) == (3.5, tr.steps - 0.5)  # the rows not decoded yet
    last = step_fig(tr, cross_matrix(tr), step=tr.steps - 1, frames=False)
    assert len(last.layout.shapes) == 1  # nothing left to veil
    # each frame moves the outline to its own row
    assert fig.frames[5].layout.shapes[0].y0 == 4.5


def test_strip_shows_the_weights_of_the_step(traces):
    tr = traces["transformer"]
    m = cross_matrix(tr, layer=1, head=2)
    fig = step_fig(tr, m, step=4)
    strip = next(t for t in fig.data if t.type == "bar" and t.yaxis == "y2")
    np.testing.assert_allclose(strip.y, m[4], atol=5e-5)  # rounded to 4 decimals, as the hover shows
    assert list(strip.marker.color) == list(strip.y) and strip.marker.cmax == pytest.approx(m.max())  # the scale
    frame_strip = fig.frames[1].data[0]
    np.testing.assert_allclose(frame_strip.y, m[1], atol=5e-5)
    np.testing.assert_allclose(_z(fig), m, rtol=1e-6)  # the heatmap keeps every weight


def test_hover_names_the_pair_and_the_exact_weight(traces):
    tr = traces["lstm-attn"]
    m = cross_matrix(tr)
    fig = step_fig(tr, m, step=0)
    heat = _heat(fig)
    cell = heat.text[2][13]  # output step 2, source position 13 ('M'): the pair, the words in the template
    assert cell == f"{viz.esc(tr.tgt_tokens[2])} ← M"
    assert heat.hovertemplate.startswith("output ← source: %{text}<br>weight α = %{z:.4f}")
    assert _heat(fig).colorbar.title.text  # a colour bar with a title


def test_topk_panel_marks_the_chosen_token(traces):
    tr = traces["transformer"]
    fig = step_fig(tr, cross_matrix(tr), step=1)
    bars = next(t for t in fig.data if t.type == "bar" and t.orientation == "h")
    assert list(bars.text) == [viz.esc(x) for x in tr.topk_tokens[1]]
    chosen = [c == viz.HIGHLIGHT for c in bars.marker.color]
    assert chosen[list(tr.topk_tokens[1]).index(tr.tgt_tokens[1])]


def test_show_step_matches_a_fresh_figure(traces):
    tr = traces["lstm-attn"]
    m = cross_matrix(tr)
    moved = go.Figure(viz.show_step(viz.step_figure(tr, m, step=0), 5))
    fresh = step_fig(tr, m, step=5)
    assert moved.layout.shapes == fresh.layout.shapes
    assert moved.layout.title.text == fresh.layout.title.text
    assert list(moved.data[1].y) == pytest.approx(list(fresh.data[1].y))


def test_plain_lstm_shows_the_context_vector(traces):
    tr = traces["lstm"]
    assert cross_matrix(tr) is None
    fig = step_fig(tr, None, step=2)
    z = _z(fig)
    assert z.shape == tr.context.shape
    np.testing.assert_allclose(z, np.repeat(z[:1], len(z), axis=0))  # the same c at every step
    assert not any(t.type == "bar" and t.yaxis == "y2" for t in fig.data)
    # the current row: a black band under the orange outline, visible on the red-blue scale
    assert [sh.line.color for sh in fig.layout.shapes[:2]] == ["#111111", viz.HIGHLIGHT]
    assert fig.frames[3].layout.shapes[0].line.color == "#111111"


def test_plain_lstm_in_a_narrow_column_writes_every_nth_dimension(traces):
    tr = traces["lstm"]
    fig = step_fig(tr, None, step=0, frames=False, topk=False, max_width=370)
    ticks = list(fig.layout.xaxis.tickvals)
    px = viz.cell_width(fig) * (ticks[1] - ticks[0])
    assert px >= viz.FONT + 8 and ticks[1] - ticks[0] in (1, 2, 4, 8, 16, 32, 64, 128, 256), (ticks, px)


def test_topk_panel_under_the_chart_keeps_its_labels(traces):
    tr = traces["lstm"]
    fig = step_fig(tr, None, step=0, max_width=700)
    assert fig.layout.yaxis3.domain[0] == 0  # under the chart
    assert fig.layout.margin.b >= 2 * viz.FONT  # room for its 0% / 50% / 100% labels


@pytest.mark.parametrize("n", [1, 5, 30, 60])
def test_figures_grow_with_the_token_count(n):
    rng = np.random.default_rng(0)
    src = [f"w{i}" for i in range(n)] + ["</s>"]
    tgt = [f"t{i}" for i in range(n)]
    m = rng.dirichlet(np.ones(n + 1), size=n)
    fig = viz.attention_figure(m, tgt, src)
    plot_w = fig.layout.width - fig.layout.margin.l - fig.layout.margin.r
    plot_h = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert plot_w / (n + 1) >= 14 - 1e-9 or plot_w >= 14 * (n + 1)  # never a smear
    assert plot_h / n >= 14
    if n >= 30:
        assert fig.layout.xaxis.tickangle == -90
    json.loads(fig.to_json())


def test_gold_markers_and_unknown_tokens():
    src = list("cab") + ["</s>"]
    gold = gold_alignment("reverse", src)
    m = np.eye(4)[::-1][:3]
    fig = viz.attention_figure(m, list("bac"), src, col_unknown=[False, True, False, False], gold=gold.matrix)
    marks = next(t for t in fig.data if t.type == "scatter")
    assert list(zip(marks.y, marks.x)) == [(0, 2), (1, 1), (2, 0)]
    assert "?" in fig.layout.xaxis.ticktext[1] and "color" in fig.layout.xaxis.ticktext[1]


def test_user_text_is_escaped():
    fig = viz.attention_figure(np.ones((1, 2)) / 2, ["<b>x</b>"], ["<i>", "</s>"])
    assert "<b>" not in "".join(fig.layout.yaxis.ticktext)
    assert fig.layout.xaxis.ticktext[0] == "&lt;i&gt;"


def test_export_config_offers_png_and_svg():
    assert viz.export_config("a", "png")["toImageButtonOptions"]["format"] == "png"
    assert viz.export_config("a", "svg")["toImageButtonOptions"]["format"] == "svg"
    assert viz.export_config("a", "bogus")["toImageButtonOptions"]["format"] == "png"


def test_quality_figure_one_line_per_model():
    fig = viz.quality_figure({"lstm": [("1-10", 0.9, 100), ("11-20", 0.4, 100)],
                              "lstm-attn": [("1-10", 0.99, 100), ("11-20", 0.97, None)]}, "exact")
    assert [t.name for t in fig.data] == ["lstm", "lstm-attn"]
    assert "exact" in fig.layout.yaxis.title.text
    one = viz.quality_figure({"lstm-attn": [("1-10", 0.99, 100)]}, "exact")
    assert one.layout.showlegend is True  # a single line still names its model


def test_the_caller_owns_the_page_width(traces):
    """Every token builder fits the max_width it is given (the app's column), and draws
    exactly the pixels the Layout computed for it."""
    tr = traces["transformer"]
    m = cross_matrix(tr)
    for width in (600, 1150):
        fig = step_fig(tr, m, step=1, max_width=width)
        assert fig.layout.width <= width
        rows, cols = viz.axis_labels(tr.tgt_tokens), viz.axis_labels(tr.src_tokens, tr.src_unknown)
        box = viz.Layout(width).step(rows, cols, k=len(tr.topk_tokens[0]))
        assert (fig.layout.width, fig.layout.height, fig.layout.margin.l) == (box.width, box.height, box.left)
    a = attention_stack(tr, "encoder")
    grid = viz.heads_grid(a.weights, a.rows, a.cols, max_width=600)
    assert grid.layout.width <= 600 < viz.heads_grid(a.weights, a.rows, a.cols, max_width=1100).layout.width
    one = viz.attention_figure(m, tr.tgt_tokens, tr.src_tokens, large=True, max_width=500)
    assert one.layout.width <= 500
    assert step_fig(tr, m).layout.width <= viz.DEFAULT_WIDTH  # a notebook's default


@pytest.mark.parametrize("n,all_labels", [(20, True), (60, True), (100, False)])
def test_long_inputs_fit_the_page(n, all_labels):
    model = tiny_model("transformer", "reverse")
    tr = seq2seq.decode(model, ("abcdefghij" * 10)[:n], max_len=6)
    fig = step_fig(tr, cross_matrix(tr), step=0)
    S = n + 1
    assert fig.layout.width <= viz.DEFAULT_WIDTH
    heat_px = (fig.layout.width - fig.layout.margin.l - fig.layout.margin.r) * fig.layout.xaxis.domain[1]
    assert heat_px / S >= viz.MIN_CELL - 1e-6  # one clear cell per token, never a smear
    assert (len(fig.layout.xaxis.ticktext) == S) == all_labels  # beyond ~70 tokens every n-th label
    if n > 20:
        assert fig.layout.yaxis3.domain[0] == 0  # the top-k panel moved under the chart


# --- the step-through exported for slides (the GIF needs Chromium: tests/browser) ----------------------

def test_step_html_is_self_contained_with_every_step(traces):
    tr = traces["lstm-attn"]
    fig = viz.step_figure(tr, cross_matrix(tr), step=0)
    page = viz.step_html(fig, title="<b>9 May</b>", step=2)
    assert "<script src" not in page and "http://" not in page.split("<script>", 2)[-1][:200]
    assert "&lt;b&gt;9 May&lt;/b&gt;" in page  # the title as typed, not as HTML
    figure = json.loads(re.search(r"const FIG = (.*);\nconst LAST", page).group(1))
    assert len(figure["frames"]) == tr.steps
    assert "sliders" not in figure["layout"]  # the page's own control steps it
    assert re.search(r"let cur = 2;", page) and f"const LAST = {tr.steps - 1};" in page
    for key in ("ArrowRight", "PageDown", "PageUp", "Home", "End"):
        assert key in page
    np.testing.assert_allclose(figure["frames"][3]["data"][0]["y"], cross_matrix(tr)[3], atol=5e-5)
    assert figure["layout"]["template"]["layout"]  # Plotly's own look, out of Streamlit's theme
