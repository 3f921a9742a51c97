"""Step through decoding: one decode, step by step -- output so far, top-k candidates,
what-if branches, and where the model looks (cross-attention) at each step."""

import streamlit as st

import ui

P = "step"

st.title("Step through decoding")
st.caption("Pick a model and an input, then walk through the decode one output token at a time: what the model "
           "wrote, what else it considered, and where in the source it looked.")

zoo = ui.zoo()
if not zoo:
    ui.no_models()
    st.stop()
ui.restore_url(P, zoo)

task, arch, name = ui.model_picker(P, zoo)
text = ui.text_picker(P, task)
strategy, params = ui.strategy_picker(P, task, name)

model, error = ui.load_model(name)
if error:
    st.error(error)
    st.caption("The other models keep working: pick another architecture or task above.")
    ui.write_url(P, ui.step_url(name, text, strategy, params))
    st.stop()
if not text.strip():
    st.info("Type a sentence (or pick an example) to decode.")
    ui.write_url(P, ui.step_url(name, text, strategy, params))
    st.stop()

with st.spinner("Decoding…"):
    dec = ui.decode_with_edits(P, model, text, strategy, params)
if dec.error:
    st.error(f"Cannot decode this input: {ui.md(dec.error)}.")
    ui.write_url(P, ui.step_url(name, text, strategy, params))
    st.stop()
trace = dec.trace

ui.branch_bar(P, dec)
ui.source_notices(trace)
st.divider()

# --- what to look at ---------------------------------------------------------------
if trace.has_attention:
    c1, c2 = st.columns([2, 1]) if arch == "transformer" else (st.container(), st.container())
    with c1:
        view = ui.attention_pickers(P, trace)
    with c2:
        gold = ui.gold_toggle(P, task, trace)
else:
    gold, view = None, None
    st.info("**This model has no attention.** The plain encoder-decoder reads the whole source into one "
            "fixed-size vector *c* (the encoder's last state), and every output step receives that same *c*. "
            "The chart shows it: one row per step, and every row is identical. Whatever the source length, "
            "everything must squeeze through this bottleneck — which is why long inputs go wrong and why "
            "attention was invented (Bahdanau, Cho and Bengio, 2015).")

t = ui.step_control(P, trace.steps)
st.caption("▶ play and the slider *inside the chart* step in your browser, with no round trip to the server. "
           "The step control above sets the step the chart opens on — and it is the only step Python knows: "
           "the what-if buttons, the downloads and the link in the address bar follow it.")

# --- step t in words, and the what-if --------------------------------------------------
c1, c2 = st.columns([2, 3])
with c1:
    st.markdown(f"**Step {t}** — output so far: {ui.output_line(trace, t)}")
    m1, m2 = st.columns(2)
    m1.metric("Chosen token", trace.tgt_tokens[t])
    m2.metric("Probability", f"{float(trace.probs[t]):.1%}")
    if trace.forced[t]:
        st.caption("This token was forced (teacher forcing or a what-if), not chosen by the model.")
with c2:
    ui.whatif_buttons(P, trace, t)

ui.plot(ui.step_figure(P, trace, view, gold, marks=dec.marks, step=t),
        ui.filename(trace.model, "attention" if view else "context", "step", t))
ui.gold_caption(trace, view, gold)

if trace.beam:
    with st.expander(f"The final beam ({len(trace.beam)} hypotheses)"):
        ui.beam_view(P, trace, view)

ui.downloads(trace, view, P)
st.caption(f"Model **{ui.md(trace.model)}** on {ui.md(trace.device)} · {trace.steps} steps · "
           f"output: {ui.md(trace.output) or '(empty)'}")

ui.write_url(P, ui.step_url(name, text, strategy, params, t, view if arch == "transformer" else None,
                         gold is not None, dec.edits))
