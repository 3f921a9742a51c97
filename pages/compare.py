"""Compare architectures: one input through two or three models of the same task, one
shared step control; and every architecture's test quality by source length."""

import streamlit as st

import ui

P = "compare"

st.title("Compare architectures")
st.caption("The same input through the plain LSTM, the LSTM with attention and the Transformer, stepped together.")

zoo = ui.zoo()
if not zoo:
    ui.no_models()
    st.stop()
ui.restore_url(P, zoo)

c1, c2 = st.columns([1, 2])
with c1:
    task = ui.task_picker(P, zoo)
with c2:
    archs = ui.archs_picker(P, zoo, task)
text = ui.text_picker(P, task)
strategy, params = ui.strategy_picker(P, task, zoo[task][archs[0]] if archs else "")

runs = []  # (arch, trace or None, error or None)
if not text.strip():
    st.info("Type a sentence (or pick an example) to decode.")
elif not archs:
    st.info("Pick at least one architecture.")
else:
    with st.spinner("Decoding…"):
        for arch in archs:
            model, error = ui.load_model(zoo[task][arch])
            trace = None
            if model is not None:
                trace, error = ui.get_trace(model, text, strategy, params)
                error = error and f"Cannot decode with **{ui.md(zoo[task][arch])}**: {ui.md(error)}."
            runs.append((arch, trace, error))

traces = [tr for _, tr, _ in runs if tr is not None]
t, view, gold = 0, None, None
if traces:
    ui.source_notices(traces[0])
    c1, c2 = st.columns([2, 1])
    with c1:
        transformer = next((tr for tr in traces if tr.arch == "transformer"), None)
        if transformer is not None:
            view = ui.attention_pickers(P, transformer)
            st.caption("Layer and head apply to the Transformer; the RNN attention has one of each.")
    with c2:
        gold = ui.gold_toggle(P, task, next((tr for tr in traces if tr.has_attention), traces[0]))
    t = ui.step_control(P, max(tr.steps for tr in traces))
    st.caption("One step control for all models; a model that finished earlier shows its last step.")

figs, side_by_side = ui.compare_figures(P, runs, t, view, gold) if traces else ({}, False)
cols = st.columns(len(runs)) if runs else []
for col, (arch, trace, error) in zip(cols, runs):
    with col:
        st.subheader(ui.ARCH_LABELS.get(arch, arch))
        if error or trace is None:
            st.error(error or "No trace.")
            continue
        s = min(t, trace.steps - 1)
        st.markdown(f"**Output:** {ui.md(trace.output) or '(empty)'}")
        note = f" (finished at step {trace.steps - 1})" if t >= trace.steps else ""
        st.markdown(f"Step {s}{note}: {ui.output_line(trace, s)}")
        st.metric("Probability of this token", f"{float(trace.probs[s]):.1%}")
        if not trace.has_attention:
            st.caption("No attention: the chart shows the one context vector every step receives.")
        if side_by_side:
            ui.plot(figs[arch], ui.filename(trace.model, "compare", "step", s), key=f"{P}.fig.{arch}")
if figs and not side_by_side:
    st.caption("The charts are stacked, one per model, so the cells stay legible; their source columns line up.")
    for arch, trace, _ in runs:
        if arch in figs:
            st.markdown(f"**{ui.md(ui.ARCH_LABELS.get(arch, arch))}**")
            ui.plot(figs[arch], ui.filename(trace.model, "compare", "step", min(t, trace.steps - 1)),
                    key=f"{P}.fig.{arch}")

st.divider()
st.subheader("Quality by source length (test set)")
fig, missing = ui.quality_chart(zoo, task)
if fig is not None:
    ui.plot(fig, ui.filename(task, "quality-by-length"))
    if task == "reverse":
        st.caption("Reversing needs the first letter last: without attention the whole string must survive the "
                   "one context vector, and accuracy falls with length; with attention each output step looks "
                   "straight at the letter it copies. This is why attention was invented.")
if missing:
    st.info(f"Not evaluated yet: {', '.join(ui.md(n) for n in missing)} "
            "(run `python -m seq2seq.evaluate` to write their metrics.json).")

ui.write_url(P, ui.compare_url(task, archs, text, strategy, params, t if traces else None, view, gold is not None))
