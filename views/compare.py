"""Compare architectures: one input through two or three models of the same task, one
shared step control; and every architecture's test quality by source length."""

from dataclasses import replace

import streamlit as st

from seq2seq.i18n import _
from seq2seq.subword import merge_words
from ui import figures, models, session, shared, stage, widgets
from ui.text import arch_label, filename, md, output_line
from ui.urlstate import step_view, to_query, write_url

P = "compare"

st.title(_("Compare architectures"))
st.caption(_("The same input through the plain LSTM, the LSTM with attention and the Transformer, stepped "
             "together."))

zoo = shared.open_page(P)

c1, c2 = st.columns([1, 2])
with c1:
    task = widgets.task_picker(P, zoo)
with c2:
    archs = widgets.archs_picker(P, zoo, task)
text = widgets.text_picker(P, task)
strategy, params = widgets.strategy_picker(P, task, zoo[task][archs[0]] if archs else "")
prefix = widgets.prefix_picker(P) if strategy != "forced" else ""

runs = []  # (arch, trace or None, error or None)
truth = ""  # the true output, where the task knows it (dates, reverse)
if not text.strip():
    st.info(_("Type a sentence (or pick an example) to decode."))
elif not archs:
    st.info(_("Pick at least one architecture."))
else:
    with st.spinner(_("Decoding…")):
        for arch in archs:
            model, error = models.load_model(zoo[task][arch])
            trace = None
            forced = widgets.prefix_tokens(model, prefix)
            unknown = [t for t in forced if model.tgt_tok.is_unknown(t)]
            if unknown:
                error = _("**{model}** cannot be made to write {tokens}: not in its vocabulary.").format(
                    model=md(zoo[task][arch]), tokens=", ".join(md(t) for t in unknown))
            elif model is not None:
                settings = {**params, "prefix": forced} if forced else params
                trace, error = session.get_trace(model, text, strategy, settings)
                error = error and _("Cannot decode with **{model}**: {error}.").format(model=md(zoo[task][arch]),
                                                                                      error=md(error))
            runs.append((arch, trace, error))
    truth = models.known_target(task, model, text) if task in ("dates", "reverse") and model is not None else ""

first = next((tr for _a, tr, _e in runs if tr is not None), None)
if first is not None:
    widgets.input_notice(task, text)
    widgets.source_notices(first)
words = widgets.words_toggle(P, first)
if words:  # the word view of every model: pieces merged (seq2seq.subword)
    runs = [(arch, None if tr is None else merge_words(tr), error) for arch, tr, error in runs]
traces = [tr for _a, tr, _e in runs if tr is not None]
t, view, gold = 0, None, None
if traces:
    c1, c2 = st.columns([2, 1])
    with c1:
        transformer = next((tr for tr in traces if tr.arch == "transformer"), None)
        if transformer is not None:
            view = widgets.attention_pickers(P, transformer)
            st.caption(_("Layer and head apply to the Transformer; the RNN attention has one of each."))
    with c2:
        gold = widgets.gold_toggle(P, task, next((tr for tr in traces if tr.has_attention), traces[0]))
    longest = max(traces, key=lambda tr: tr.steps)
    t = stage.stepper(P, longest.steps, charts=[f"stage-{P}-{arch}" for arch, tr, _e in runs if tr is not None],
                             filename=filename(task, "compare", "step") + "-")
    st.caption(_("One step control for all models; a model that finished earlier shows its last step."))

figs, side_by_side = figures.compare_figures(P, runs, t, view, gold) if traces else ({}, False)
cols = st.columns(len(runs)) if runs else []
for col, (arch, trace, error) in zip(cols, runs):
    with col:
        st.subheader(arch_label(arch))
        if error or trace is None:
            st.error(error or _("No trace."))
            continue
        s = min(t, trace.steps - 1)
        st.markdown(_("**Output:** {output}").format(output=md(trace.output) or _("(empty)")))
        widgets.verdict(trace, truth)
        line = (_("Step {step} (finished at step {last}): {output}") if t >= trace.steps
                else _("Step {step}: {output}"))
        st.markdown(line.format(step=s, last=trace.steps - 1, output=output_line(trace, s)))
        st.metric(_("Probability of this token"), f"{float(trace.probs[s]):.1%}")
        if not trace.has_attention:
            st.caption(_("No attention: the chart shows the one context vector every step receives."))
        if side_by_side:
            with st.container(key=f"stage-{P}-{arch}"):
                figures.plot(figs[arch], filename(trace.model, "compare", "step"), key=f"{P}.fig.{arch}")
if figs and not side_by_side:
    st.caption(_("The charts are stacked, one per model, so the cells stay legible; their source columns line "
                 "up."))
    for arch, trace, _e in runs:
        if arch in figs:
            st.markdown(f"**{md(arch_label(arch))}**")
            with st.container(key=f"stage-{P}-{arch}"):
                figures.plot(figs[arch], filename(trace.model, "compare", "step"), key=f"{P}.fig.{arch}")

st.divider()
st.subheader(_("Quality by source length (test set)"))
fig, missing = figures.quality_chart(zoo, task)
if fig is not None:
    figures.plot(fig, filename(task, "quality-by-length"))
    if task == "reverse":
        st.caption(_("Reversing needs the first letter last: without attention the whole string must survive the "
                     "one context vector, and accuracy falls with length; with attention each output step looks "
                     "straight at the letter it copies. This is why attention was invented."))
if missing:
    st.info(_("Not evaluated yet: {models} (run `python -m seq2seq.evaluate` to write their metrics.json).").format(
        models=", ".join(md(n) for n in missing)))

write_url(P, to_query(replace(step_view(None, text, strategy, params, t if traces else None, view, gold is not None),
                              task=task, archs=tuple(archs), words=words, prefix=prefix or None)))
