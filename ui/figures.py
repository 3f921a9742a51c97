"""Figures as the pages show them: cached over the pure builders of `seq2seq.viz` in one
store per server process (ui/session.figure_store: a class opening the same link builds each
figure once), sized for the page, and plotted with the sidebar's export format.

The app owns the page width: the browser reports the main column's width (ui/stage.py), and
the builders fit whatever width they are given (stage.DEFAULT_SCREEN until the browser has said).
A figure holds words in the session's language (titles, axes, hovers: seq2seq.viz translates
at call time), so the figure cache keys every figure by the language as well (`_cached`).
"""

from __future__ import annotations

import os

import plotly.graph_objects as go
import streamlit as st

from seq2seq import viz
from seq2seq.attention import attention_stack, clamp_step, cross_matrix, head_matrix, rollout
from seq2seq.checkpoint import read_metrics
from seq2seq.i18n import _, current, language, ngettext
from seq2seq.reports import by_length, dev_name, training_curves
from seq2seq.subword import display

from . import stage
from .keys import EXPORT
from .session import figure_store, stored
from .shell import presenting
from .text import KIND_LABELS, arch_label, head_title, label

INSIDE_WIDTH = {False: 520, True: 680}  # the inside page's right column (3/5), by presentation mode
# The benchmark's baseline (scripts/bench_stepping.py): every step through a server rerun that
# sends the figure again, as before the step control moved charts in the browser.
SERVER_STEPPING = os.environ.get("ATTENTION_LAB_STEPPING") == "server"
STAGE_ABOVE = 250  # presentation mode: pixels of the window above a stepping chart (header, pickers folded, control)
COMPARE_HEIGHT = 560  # compare: each chart at most this tall (rows flatten; a long decode never fills pages)
SIDE_BY_SIDE_CELL = 12  # compare: side by side only while attention cells stay this wide (every label written)


class _Built(go.Figure):
    """A finished figure dict that st.plotly_chart sends as it is. Given a dict, Streamlit builds
    Plotly objects from it to validate it (0.2 s for a step figure's 60 frames); given a Figure,
    it deep-copies it (`to_dict`) on every run, even when only the step moved. Figures here are
    built by seq2seq.viz (valid by construction, checked by the tests through go.Figure) and
    never changed after: this one hands over its dict, so a rerun costs the JSON alone."""

    def __init__(self, spec: dict):
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


def plot(fig, name: str, key: str | None = None):
    """A chart whose toolbar camera button saves PNG or SVG (sidebar setting) as `name`.
    `fig` is a figure dict (what the caches hold) or a go.Figure."""
    fmt = st.session_state.get(EXPORT, "png")
    st.plotly_chart(_Built(fig) if isinstance(fig, dict) else fig, width="content",
                    config=viz.export_config(name, fmt), key=key)


def trace_key(trace) -> tuple:
    """What tells two traces apart, for the caches of what is computed from a trace."""
    return (trace.model, trace.device, trace.text, trace.strategy, repr(trace.params), tuple(trace.tgt_tokens),
            trace.logprob)


def evidence_figure(trace, rows: dict, step: int):
    """The explain page's evidence rows of one step over the source tokens."""
    tok = display(list(trace.tgt_tokens))[step]
    title = _("Step {step} wrote {token}: attention and attribution over the source").format(step=step,
                                                                                          token=viz.esc(tok))
    return viz.evidence_figure(trace.src_tokens, rows, title=title, src_unknown=trace.src_unknown,
                               max_width=chart_width(), present=presenting())


def importance_figure(grid: dict):
    """A model's head-importance grid (explain.json)."""
    return viz.importance_figure(grid, present=presenting(), max_width=chart_width())


def figure_bytes(trace) -> int:
    """About what a figure of `trace` holds: its matrix, per-cell hover text and one frame per
    step (an estimate from the trace's size: sizing a built figure would cost a serialisation)."""
    return 3 * trace.nbytes


def _cached(key: tuple, make, trace) -> dict:
    """The figure of `key` in the current language (a figure's words are in the language it
    was built in: switching language builds it again), shared by every session that asks; kept
    as a figure dict (a go.Figure is turned into one once), which plot() sends without a copy."""

    def build():
        fig = make()
        return fig.to_dict() if isinstance(fig, go.Figure) else fig

    return stored(figure_store(), (current(), *key), build, lambda _fig: figure_bytes(trace))


def step_figure(page: str, trace, matrix_view: tuple | None, gold, marks=(), step: int = 0, topk: bool = True,
                left: int | None = None, max_width: int | None = None, max_height: int | None = None) -> dict:
    """The cached step figure of a trace and view. It holds every step (frames: the step
    control moves it in the browser) and is cached WITHOUT the step: the figure a page sends
    does not change when only the step does, so stepping never redraws the chart. It opens
    on the step shown when it was first built. matrix_view = (layer, head) for cross_matrix,
    or None for the context vector. Sized for the screen (stage.screen) unless told."""
    present = presenting()
    max_width = max_width or chart_width()
    max_height = max_height if max_height is not None else chart_height()
    key = (page, *trace_key(trace), matrix_view, gold is not None, tuple(sorted(marks)), topk, left, max_width,
           max_height, present, step if SERVER_STEPPING else None)

    def make():
        matrix = None if matrix_view is None else cross_matrix(trace, *matrix_view)
        return viz.step_figure(trace, matrix, clamp_step(step, trace.steps), gold=None if gold is None else gold.matrix,
                               topk=topk, marks=marks, left=left, max_width=max_width, max_height=max_height,
                               present=present)

    return _cached(key, make, trace)


def chart_width() -> int:
    """Pixels a chart across the main column may take (the width the browser reported)."""
    return max(360, stage.screen()["width"] - 10)


def chart_height() -> int | None:
    """Pixels a stepping chart should fit in height: in presentation mode the window under the
    step control (so that control, chart and current token share one screen); else None (the
    page scrolls; rows stay square)."""
    if not presenting():
        return None
    return max(320, stage.screen()["height"] - STAGE_ABOVE)


def slide_exports(page: str, fig: go.Figure, trace, step: int, name: str):
    """Two downloads for slides, made when clicked (not on every run): the whole step-through
    as one offline HTML file (keys and a clicker step it), and an animated GIF of the decode,
    one frame per step."""
    lang = current()

    def html():
        with language(lang):  # the download runs on its own thread: the session's language, passed on
            return viz.step_html(fig, title=trace.text, step=step, lang=lang)

    def gif():
        return viz.step_gif(fig)

    c1, c2, _rest = st.columns([1, 1, 1])
    c1.download_button(_("Step-through for slides (HTML, works offline)"), data=html, file_name=f"{name}.html",
                       mime="text/html", on_click="ignore", key=f"b.{page}.html", icon=":material/slideshow:",
                       help=_("One file with the whole decode: open it on any laptop, no network needed, and step "
                              "with the arrow keys or a presentation clicker."))
    c2.download_button(_("Animated GIF (one frame per step)"), data=gif, file_name=f"{name}.gif", mime="image/gif",
                       on_click="ignore", key=f"b.{page}.gif", icon=":material/animated_images:",
                       help=_("The decode step by step as a looping picture, for slides that take no HTML. Takes a "
                              "few seconds to draw."))


def compare_figures(page: str, runs, step: int, view, gold) -> tuple[dict, bool]:
    """{arch: figure opened on `step`} for the compare page, and whether they go side by
    side: yes while each fits its column with legible cells, else stacked at full width
    with one left margin, so their source columns line up."""
    traces = [tr for _arch, tr, _error in runs if tr is not None]
    left = max(viz.left_margin(tr.tgt_tokens, present=presenting()) for tr in traces)

    def build(max_width):
        figs = {}
        for arch, trace, _error in runs:
            if trace is None:
                continue
            tf = trace.arch == "transformer"
            v = None if not trace.has_attention else view if tf and view is not None else (-1, None)
            figs[arch] = step_figure(page, trace, v, gold if trace.has_attention else None,
                                     step=min(step, trace.steps - 1), topk=False, left=left,
                                     max_width=max_width, max_height=COMPARE_HEIGHT)
        return figs

    width = chart_width()
    narrow = build(width // max(len(runs), 1) - 20)
    attention = [arch for arch, tr, _error in runs if tr is not None and tr.has_attention]
    least = SIDE_BY_SIDE_CELL * (1.5 if presenting() else 1)  # larger labels need wider cells
    if all(viz.cell_width(narrow[a]) >= least for a in attention):
        return narrow, True
    return build(width), False


def quality_chart(zoo: dict, task: str):
    """(figure or None, [models not evaluated yet]): every architecture's test-set quality
    by source length, from each model's metrics.json `by_length`."""
    series, missing, metric = {}, [], None
    for arch, name in zoo.get(task, {}).items():
        m, rows = by_length(read_metrics(name))
        if rows:
            series[arch] = rows
            metric = metric or m
        else:
            missing.append(name)
    labels = {arch: arch_label(arch) for arch in series}
    return (viz.quality_figure(series, metric, present=presenting(), labels=labels) if series else None), missing


def beam_figure(trace, i: int, matrix_view) -> go.Figure | None:
    """The attention of beam hypothesis `i` (1-based), or None where it has none."""
    h = trace.beam[i - 1]
    if h.cross_weights is None:
        return None
    layer, head = matrix_view if matrix_view is not None else (-1, None)
    return viz.attention_figure(head_matrix(h.cross_weights, layer, head), h.tokens, trace.src_tokens,
                                col_unknown=trace.src_unknown, title=_("beam hypothesis {rank}").format(rank=i),
                                names=(_("output"), _("source")), present=presenting(),
                                max_width=chart_width())


# --- the self-attention page ------------------------------------------------------------------

def heads_figure(trace, kind: str, selected) -> dict:
    """Every head of every layer of one kind of attention (cached per trace and view)."""
    present = presenting()

    def make():
        a = attention_stack(trace, kind)
        names = (_("output"), _("source")) if kind == "cross" else (_("query"), _("key"))
        return viz.heads_grid(a.weights, a.rows, a.cols, mask=a.mask, row_unknown=a.row_unknown,
                              col_unknown=a.col_unknown, names=names, selected=selected, present=present,
                              title=_("{kind}: every head of every layer").format(kind=label(KIND_LABELS, kind)),
                              max_width=chart_width())

    return _cached(("heads", *trace_key(trace), kind, selected, present), make, trace)


def head_figure(trace, kind: str, layer: int, head: int | None, step: int | None = None) -> go.Figure:
    """One head (or the mean over heads) enlarged, masked cells grey, hover with the token pair."""
    a = attention_stack(trace, kind)
    names = (_("output"), _("source")) if kind == "cross" else (_("query"), _("key"))
    return viz.attention_figure(a.matrix(layer, head), a.rows, a.cols, row_unknown=a.row_unknown,
                                col_unknown=a.col_unknown, mask=a.mask, names=names, large=True,
                                step=None if kind == "encoder" else step, title=viz.esc(head_title(kind, layer, head)),
                                present=presenting(), max_width=chart_width())


def rollout_figure(trace) -> go.Figure:
    """The encoder's attention rollout after all its layers (rows sum to 1)."""
    R = rollout(trace.enc_self_weights)[-1]  # (S, S) after the last layer
    L = trace.enc_self_weights.shape[0]
    return viz.attention_figure(R, trace.src_tokens, trace.src_tokens, row_unknown=trace.src_unknown,
                                col_unknown=trace.src_unknown, what=_("rollout"),
                                names=(_("position"), _("input token")), large=True,
                                title=_("Attention rollout through all {n} encoder layers").format(n=L),
                                present=presenting(), max_width=chart_width())


# --- the inside page ----------------------------------------------------------------------------

def key_tokens(trace, kind: str) -> tuple[list, list | None]:
    """The tokens attention looks over: the source (encoder, cross) or the decoder inputs."""
    return (list(trace.dec_inputs), None) if kind == "decoder" else (list(trace.src_tokens), list(trace.src_unknown))


def inside_figures(trace, ins, kind: str) -> dict[str, go.Figure]:
    """The inside page's charts of one computation: {"scores", "qk" (Transformer), "context" (RNN)}."""
    fit = dict(present=presenting(), max_width=INSIDE_WIDTH[presenting()])
    tokens, unknown = key_tokens(trace, kind)
    out = {"scores": viz.softmax_figure(tokens, ins.scores, ins.weights, mask=ins.mask, unknown=unknown, **fit)}
    if ins.query is not None:
        out["qk"] = viz.qk_figure(ins.query, ins.keys, tokens, mask=ins.mask, key_unknown=unknown, **fit)
    if ins.values is not None:
        out["context"] = viz.context_figure(ins.values, ins.weights, ins.context, tokens, unknown=unknown, **fit)
    return out


def bottleneck_figure(trace, step: int) -> go.Figure:
    """The plain LSTM's context vector c at the first, the current and the last step: the same."""
    rows = {_("c at step {step} ({token})").format(step=t, token=trace.tgt_tokens[t]): trace.context[t]
            for t in sorted({0, step, trace.steps - 1})}
    return viz.vectors_figure(rows, title=_("The context vector every step receives"), present=presenting(),
                              max_width=INSIDE_WIDTH[presenting()])


# --- the training page -------------------------------------------------------------------------

def snapshot_name(snapshot: dict, i: int) -> str:
    """Where a timeline snapshot sits in training, with its dev score: 'epoch 0.3 · dev 45'."""
    return _("{when} · dev {dev}").format(when=viz.snapshot_label(snapshot, i), dev=f"{snapshot['dev']:g}")


def timeline_figure(info: dict, selected: int) -> go.Figure:
    metric = info.get("metric")
    return viz.timeline_figure(info, selected, present=presenting(),
                               dev_name=dev_name("dev_" + metric) if isinstance(metric, str) else _("dev"))


def strip_figure(traces: list, snapshots: list, selected: int) -> go.Figure:
    """The same input's attention at every snapshot (cross-attention of the last layer, mean
    over heads; the plain LSTM has none: an empty panel)."""
    matrices = [None if tr is None else cross_matrix(tr, -1, None) for tr in traces]
    first = next((tr for tr in traces if tr is not None), None)
    rows = [[] if tr is None else display(tr.tgt_tokens) for tr in traces]
    cols = [] if first is None else display(first.src_tokens)
    titles = [viz.snapshot_label(s, i) for i, s in enumerate(snapshots)]
    return viz.strip_figure(matrices, titles, rows, cols, selected, present=presenting(), max_width=chart_width())


# --- the model cards page ----------------------------------------------------------------------

def training_figure(log) -> tuple[go.Figure | None, str | None]:
    """(figure or None, note or None) from a model's train_log.jsonl as read: (rows, bad lines) or None."""
    if log is None:
        return None, _("Training curves: not evaluated yet — this folder has no `train_log.jsonl`.")
    rows, bad = log
    epochs, loss, dev_key, dev = training_curves(rows)
    if not epochs:
        if not bad:
            return None, _("Training curves: not evaluated yet — `train_log.jsonl` has no epochs.")
        return None, ngettext("Training curves: not evaluated yet — `train_log.jsonl` has no epochs ({n} unreadable "
                              "line skipped).",
                              "Training curves: not evaluated yet — `train_log.jsonl` has no epochs ({n} unreadable "
                              "lines skipped).", bad).format(n=bad)
    # the dev-set metric as train_log.jsonl names it ("dev_bleu" -> "dev bleu")
    dev_label = dev_name(dev_key) if dev_key else _("dev")
    fig = viz.training_figure(epochs, loss, dev, dev_label,
                              title=_("Training curves ({n} epochs)").format(n=len(epochs)), present=presenting())
    if not bad:
        return fig, None
    return fig, ngettext("Read from `train_log.jsonl` ({n} unreadable line skipped).",
                         "Read from `train_log.jsonl` ({n} unreadable lines skipped).", bad).format(n=bad)
