"""The pixel rules of `seq2seq.viz.layout`: numbers in, numbers out, no Plotly, no model."""

from __future__ import annotations

import dataclasses

import pytest

from seq2seq import viz
from seq2seq.viz.layout import DEFAULT_WIDTH, MAX_CELL, MIN_CELL, Layout, cell_size, text_width
from seq2seq.viz.style import axis_labels


def tokens(n: int, word: str = "w") -> list[str]:
    return axis_labels([f"{word}{i}" for i in range(n)] + ["</s>"])


def test_the_package_exports_the_width_default_and_no_page_width():
    assert viz.DEFAULT_WIDTH == DEFAULT_WIDTH == 1100
    assert not hasattr(viz, "MAX_WIDTH")  # the page width is the caller's


def test_layout_is_frozen_and_pure():
    lay = Layout(600, present=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        lay.max_width = 900
    rows, cols = tokens(5, "t"), tokens(12)
    assert lay.step(rows, cols, k=5) == lay.step(rows, cols, k=5)
    assert hash(lay) == hash(Layout(600, present=True))


@pytest.mark.parametrize("width", [370, 600, 1100, 1150])
@pytest.mark.parametrize("n", [5, 30, 60, 100])
def test_long_inputs_fit_the_width_and_cells_never_smear(width, n):
    rows, cols = tokens(6, "t"), tokens(n)
    for k in (0, 5):
        box = Layout(width).step(rows, cols, k=k)
        assert box.cx >= MIN_CELL
        if box.left + len(cols) * MIN_CELL + box.cbar_w + box.right <= width:  # it can fit: it does
            assert box.width <= width, (width, n, k, box)
        assert box.width == box.left + box.plot_w + box.right
        assert box.every * box.cx >= Layout(width).sz.font + 1  # written labels do not overlap
    att = Layout(width).attention(rows, cols)
    assert att.cx >= MIN_CELL
    if att.left + len(cols) * MIN_CELL + 90 + att.right <= width:
        assert att.width <= width


def test_topk_panel_moves_under_the_chart_when_the_page_is_narrow():
    rows, cols = tokens(6, "t"), tokens(20)
    wide, narrow = Layout(2000).step(rows, cols, k=5), Layout(700).step(rows, cols, k=5)
    assert not wide.below and wide.under == 0
    assert narrow.below and narrow.under > 0 and narrow.topk_domains()[1][0] == 0
    assert narrow.under >= narrow.topk_h  # the panel's height went under the strip
    assert narrow.plot_h == narrow.heat_h + narrow.xlab + narrow.strip_h + narrow.under


def test_cells_grow_to_fill_the_column_up_to_a_readable_maximum():
    rows, cols = tokens(10, "t"), tokens(10)
    small, big = Layout(900).step(rows, cols, k=5), Layout(1800).step(rows, cols, k=5)
    assert big.cx > small.cx and big.cx == MAX_CELL[False]  # a wide screen: bigger cells, never huge
    present = Layout(1220, present=True).step(rows, cols, k=5)
    assert present.heat_w >= 0.55 * 1220  # a 10 x 10 decode fills the projector's column
    assert not present.rotated  # labels that fit stay horizontal


def test_rows_flatten_to_fit_the_height_but_stay_a_line_of_text():
    rows, cols = tokens(10, "t"), tokens(10)
    free = Layout(1220, present=True).step(rows, cols, k=5)
    fit = Layout(1220, present=True).step(rows, cols, k=5, max_height=560)
    assert free.cy == free.cx and fit.height <= 560 < free.height and fit.cy < fit.cx
    tight = Layout(1220, present=True).step(tokens(60, "t"), cols, k=5, max_height=520)
    assert tight.cy == Layout(present=True).sz.font + 6  # too many rows to fit: they keep a readable height


def test_the_plain_lstm_context_may_use_thin_columns_with_round_label_steps():
    cols = [f"c{i}" for i in range(256)]
    box = Layout(370).step(tokens(6, "t"), cols, context=True, k=0)
    assert box.cx < MIN_CELL  # 256 dimensions in a narrow column: thinner than a token cell
    assert box.every in (1, 2, 4, 8, 16, 32, 64, 128, 256) and box.every * box.cx >= Layout().sz.font + 8
    assert box.strip_h == 0


def test_presentation_sizes_are_larger():
    rows, cols = tokens(5, "t"), tokens(8)
    screen, projector = Layout(2000), Layout(2000, present=True)
    assert cell_size(8, present=True) > cell_size(8)
    assert projector.attention(rows, cols).cx > screen.attention(rows, cols).cx
    assert projector.step(rows, cols, k=5).top > screen.step(rows, cols, k=5).top
    assert projector.label_px(rows, True) > screen.label_px(rows, True)
    assert projector.qk(rows, (len(rows), 16)).cx > screen.qk(rows, (len(rows), 16)).cx


def test_cells_shrink_with_the_token_count_but_figures_grow():
    sizes = [cell_size(n) for n in (5, 15, 30, 45, 80)]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] >= MIN_CELL
    small, big = Layout(5000).attention(tokens(3), tokens(3)), Layout(5000).attention(tokens(40), tokens(40))
    assert big.width > small.width and big.height > small.height


def test_labels_rotate_when_they_do_not_fit_their_cell():
    lay = Layout()
    assert not lay.rotates(["a", "b"], 28)
    assert lay.rotates(["international"], 28)
    short = lay.attention(axis_labels(list("ab")), axis_labels(list("xyz")))
    long = lay.attention(axis_labels(list("ab")), axis_labels(["international", "cooperation", "x"]))
    assert not short.rotated and long.rotated
    assert long.bottom > short.bottom  # vertical labels need their length under the chart


def test_wide_characters_count_wider():
    assert text_width("茶茶") == pytest.approx(3.4)
    assert text_width("ab") == 2
    assert text_width('<span style="color:red">&lt;x ?</span>') == 4  # the shown text, unescaped


def test_left_margin_fits_the_row_labels_and_a_given_minimum():
    lay = Layout()
    rows = axis_labels(["a-very-long-output-token", "b"])
    box = lay.step(rows, tokens(5), k=0)
    assert box.left >= lay.label_px(rows, True) > 70
    assert lay.step(axis_labels(["a"]), tokens(5), k=0, left=200).left == 200
    assert viz.left_margin(["a-very-long-output-token", "b"]) == box.left


def test_large_attention_cells_fill_the_room_up_to_48_px():
    lay = Layout(1100)
    rows, cols = tokens(4), tokens(4)
    assert lay.attention(rows, cols, large=True).cx > lay.attention(rows, cols).cx
    assert lay.attention(rows, cols, large=True).cx <= 48


def test_a_long_title_widens_the_right_margin():
    rows, cols = tokens(1), tokens(1)
    plain, titled = Layout().attention(rows, cols), Layout().attention(rows, cols, title="x" * 120)
    assert titled.right > plain.right and titled.width >= 0.6 * Layout().sz.title * 120


def test_heads_grid_fits_the_width_and_panels_do_not_overlap():
    rows, cols = tokens(9), tokens(9)
    for width in (500, 1100):
        box = Layout(width).grid(rows, cols, (2, 4, 10, 10))
        assert box.width <= width
        domains = [box.panel(layer, head) for layer in range(2) for head in range(4)]
        for (x, y) in domains:
            assert 0 <= x[0] < x[1] <= 1 and 0 <= y[0] < y[1] <= 1
        row0 = [x for x, _ in domains[:4]]
        assert all(a[1] < b[0] for a, b in zip(row0, row0[1:]))  # a gap between heads
        assert domains[4][1][1] < domains[0][1][0]  # layer 2 under layer 1
    masked = Layout().grid(rows, cols, (2, 4, 10, 10), masked=True)
    assert masked.top > Layout().grid(rows, cols, (2, 4, 10, 10)).top  # the grey cells' legend


def test_heads_grid_outline_frames_the_chosen_panels():
    box = Layout().grid(tokens(9), tokens(9), (2, 4, 10, 10))
    one, layer = box.outline(1, 2, 2), box.outline(1, 0, 3)
    x, y = box.panel(1, 2)
    assert one["x0"] < x[0] < x[1] < one["x1"] and one["y0"] < y[0] < y[1] < one["y1"]
    assert layer["x0"] < box.panel(1, 0)[0][0] and layer["x1"] > box.panel(1, 3)[0][1]


def test_dimension_ticks_are_round_and_leave_label_room():
    lay = Layout()
    vals, text = lay.dim_ticks(256, 2)
    step = vals[1] - vals[0]
    assert step in (16, 20, 32, 50, 64) and step * 2 >= len("255") * lay.sz.char + 10
    assert text == [str(v) for v in vals]
    assert lay.dim_ticks(8, 30)[0] == list(range(8))


@pytest.mark.parametrize("method", ["qk", "context", "vectors"])
def test_inside_figures_fit_their_column(method):
    rows = tokens(12)
    for width in (520, 680):
        lay = Layout(width)
        box = lay.vectors(rows, 64) if method == "vectors" else getattr(lay, method)(rows, (len(rows), 64))
        assert box.width <= width
    assert Layout(520).softmax(rows).width <= 520
