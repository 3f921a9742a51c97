"""Plotly figure builders: numpy arrays or a Trace in, `go.Figure` out -- except `step_figure`,
built for every decode a page shows, which returns a plain figure dict (light to build and send;
`go.Figure(fig)` or `plotly.io.show(fig)` in a notebook). Never imports Streamlit.

    style      colours, fonts, the screen / projector size sets, escaping, tick labels, export config
    layout     Layout: every pixel of a token figure (cells, labels, margins, size), numbers only
    parts      Plotly pieces the heatmaps share: hover text, the step outline, gold markers
    step       step_figure (one decode, stepped in the browser), show_step, cell_width, left_margin
    attention  attention_figure (one matrix), heads_grid (every head of every layer)
    inside     one attention computation laid open: qk, softmax, context and vectors figures
    charts     quality_figure (quality by source length), training_figure (training curves), timeline_figure
               and strip_figure (attention forming over a timeline's snapshots)
    explain    attention beside attribution (evidence_figure), the head-importance grid
    export     a step-through for slides: step_html (offline, keyboard), step_gif (one frame per step)

Legibility rules every heatmap follows, from 1 to 60+ tokens:
- axes are numeric (cells placed by position) with the tokens as tick text, so two "the"
  never collapse into one category and no label needs a position suffix;
- cells have a minimum size and the figure grows with the token count (width, height
  and margins are set in pixels, by `layout.Layout`); source labels are turned vertical
  when they crowd;
- hover names the token pair and the exact weight; a colour bar gives the scale;
- every piece of text is HTML-escaped (Plotly reads a subset of HTML in labels, and
  "</s>" or a typed "<b>" must show as typed);
- every word a builder writes (titles, axis and colour-bar titles, legends, hovers) is a
  message of `seq2seq.i18n`, in the current language; the font family lists a CJK font.

The page width is the caller's: builders take `max_width`, the pixels the figure should fit
(the app passes its main column's width); without it they fit `DEFAULT_WIDTH`, a notebook's.

Every builder takes `present`: presentation mode (a 1280 x 720 projector seen from the
back of a room) -- larger fonts and tick labels, larger cells, the same pixel rules.
"""

from .attention import attention_figure, heads_grid
from .charts import quality_figure, snapshot_label, strip_figure, timeline_figure, training_figure
from .explain import evidence_figure, importance_figure
from .export import step_gif, step_html, step_images
from .inside import context_figure, qk_figure, softmax_figure, vectors_figure
from .layout import DEFAULT_WIDTH, MIN_CELL, Box, Layout, cell_size
from .step import cell_width, heatmap_shape, left_margin, show_step, step_figure, step_title, typed_array
from .style import (
    ARCH_COLOURS,
    ATTN_SCALE,
    FONT,
    FONT_FAMILY,
    GOLD,
    HIGHLIGHT,
    MASKED,
    PROJECTOR,
    SCREEN,
    STATE_SCALE,
    UNKNOWN,
    Sizes,
    axis_labels,
    esc,
    export_config,
    sizes,
)

__all__ = [
    "ARCH_COLOURS", "ATTN_SCALE", "DEFAULT_WIDTH", "FONT", "FONT_FAMILY", "GOLD", "HIGHLIGHT", "MASKED", "MIN_CELL",
    "PROJECTOR", "SCREEN", "STATE_SCALE", "UNKNOWN", "Box", "Layout", "Sizes", "attention_figure", "axis_labels",
    "cell_size", "cell_width", "context_figure", "esc", "evidence_figure", "export_config", "heads_grid",
    "heatmap_shape", "importance_figure", "left_margin", "qk_figure", "quality_figure", "show_step", "sizes",
    "snapshot_label", "softmax_figure", "step_figure", "step_gif", "step_html", "step_images", "step_title",
    "strip_figure", "timeline_figure", "training_figure",
    "typed_array", "vectors_figure",
]
