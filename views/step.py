"""Step through decoding: one decode, step by step -- output so far, top-k candidates,
what-if branches, and where the model looks (cross-attention) at each step."""

import streamlit as st

from seq2seq.i18n import _
from seq2seq.subword import display, merge_words
from ui import figures, models, session, shared, stage, tables, widgets
from ui.keys import HYP, TEXT, k
from ui.session import valid
from ui.shell import presenting
from ui.text import base_arch, filename, md, output_line
from ui.urlstate import step_view, to_query, write_url

P = "step"
CHART = "stage-step"  # the container of the chart the step control moves

present = presenting()
if not present:  # on the stage the screen belongs to the chart
    st.title(_("Step through decoding"))
    st.caption(_("Pick a model and an input, then walk through the decode one output token at a time: what the "
                 "model wrote, what else it considered, and where in the source it looked."))

zoo = shared.open_page(P)

# presentation mode folds the pickers away: control, chart and current token share one screen
setup = st.expander(_("Model, input and strategy: {text}").format(text=md(st.session_state.get(k(P, TEXT), ""))
                                                                   or "—")) if present else st.container()
with setup:
    task, key, name = widgets.model_picker(P, zoo)
    arch = base_arch(key)  # a model trained in the app is "transformer@its-name"
    text = widgets.text_picker(P, task)
    strategy, params = widgets.strategy_picker(P, task, name)


def stop():
    write_url(P, to_query(step_view(name, text, strategy, params)))
    st.stop()


model, error = models.load_model(name)
if error:
    st.error(error)
    st.caption(_("The other models keep working: pick another architecture or task above."))
    stop()
if not text.strip():
    st.info(_("Type a sentence (or pick an example) to decode."))
    stop()

with st.spinner(_("Decoding…")):
    dec = session.decode_with_edits(P, model, text, strategy, params)
if dec.error:
    st.error(_("Cannot decode this input: {error}.").format(error=md(dec.error)))
    stop()
widgets.dropped_notice(dec)
widgets.input_notice(task, text)
widgets.source_notices(dec.trace)
widgets.stop_notice(dec.trace)
if not present:
    st.divider()

# --- what to look at (folded away with the pickers in presentation mode) -------------------
with setup:
    words = widgets.words_toggle(P, dec.trace)
    trace = merge_words(dec.trace) if words else dec.trace  # the word view: pieces merged (seq2seq.subword)
    if trace.has_attention:
        c1, c2 = st.columns([2, 1]) if arch == "transformer" else (st.container(), st.container())
        with c1:
            view = widgets.attention_pickers(P, trace)
        with c2:
            gold = widgets.gold_toggle(P, task, trace)
    else:
        gold, view = None, None
if not trace.has_attention and not present:
    st.info(_("**This model has no attention.** The plain encoder-decoder reads the whole source into one "
              "fixed-size vector *c* (the encoder's last state), and every output step receives that same *c*. "
              "The chart shows it: one row per step, and every row is identical. Whatever the source length, "
              "everything must squeeze through this bottleneck — which is why long inputs go wrong and why "
              "attention was invented (Bahdanau, Cho and Bengio, 2015)."))

# --- the stage: the step control, the chart it moves in the browser, the step in words ------------
what = "attention" if view else "context"
server = figures.SERVER_STEPPING  # the benchmark's baseline: every step a rerun
t = stage.stepper(P, trace.steps, stage.step_captions(trace), charts=[] if server else [CHART],
                         filename=filename(trace.model, what, "step") + "-", sync_ms=0 if server else None)
# the link first: it is how the browser (and a benchmark) learns that Python follows the step
write_url(P, to_query(step_view(name, text, strategy, params, t, view if arch == "transformer" else None,
                                gold is not None, dec.edits, words)))
stage_fig = figures.step_figure(P, trace, view, gold, marks=set() if words else dec.marks, step=t)
with st.container(key=CHART):
    figures.plot(stage_fig, filename(trace.model, what, "step"))
widgets.gold_caption(trace, view, gold, t)

c1, c2 = st.columns([2, 3])
with c1:
    st.markdown(_("**Step {step}** — output so far: {output}").format(step=t, output=output_line(trace, t)))
    m1, m2 = st.columns(2)
    m1.metric(_("Chosen token"), display(trace.tgt_tokens)[t])
    m2.metric(_("Probability"), f"{float(trace.probs[t]):.1%}")
    if trace.forced[t]:
        st.caption(_("This token was forced (teacher forcing or a what-if), not chosen by the model."))
with c2:
    if words:
        st.caption(_("What-if works on the pieces the model writes: turn off *Merge pieces into words* to force "
                     "another token."))
    else:
        widgets.whatif_buttons(P, trace, t, len(dec.edits))
    widgets.branch_result(P, dec)

if trace.beam:
    with st.expander(_("The final beam ({n} hypotheses)").format(n=len(trace.beam))):
        st.dataframe(tables.beam_table(trace), hide_index=True, width="stretch")
        if trace.has_attention:
            valid(k(P, HYP), range(1, len(trace.beam) + 1), 1)
            i = st.selectbox(_("Attention of hypothesis"), range(1, len(trace.beam) + 1), key=k(P, HYP),
                             format_func=lambda r: _("rank {rank}").format(rank=r))
            fig = figures.beam_figure(trace, i, view)
            if fig is not None:
                figures.plot(fig, filename(trace.model, "beam", i))

tables.downloads(trace, view, P)
figures.slide_exports(P, stage_fig, trace, t, filename(trace.model, "step-through"))
st.caption(_("Model **{model}** on {device} · {steps} steps · output: {output}").format(
    model=md(trace.model), device=md(trace.device), steps=trace.steps, output=md(trace.output) or _("(empty)")))

