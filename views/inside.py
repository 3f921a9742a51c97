"""Inside attention: the formulas of the encoder, the decoder, attention and
self-attention, each next to its live numbers for the current model, input and step.
Every number comes from the trace through seq2seq.attention.inside; nothing is run again."""

import streamlit as st

from seq2seq.attention import inside
from seq2seq.i18n import N_, _
from ui import figures, shared, shell, stage, tables, widgets
from ui.keys import SHARED
from ui.text import agreement, code, filename, head_title, md
from ui.urlstate import write_url

P = "inside"

# One formula per st.latex, each short enough for the left column.
ENCODER_RNN = (r"\overrightarrow{h}_i = \mathrm{LSTM}(\overrightarrow{h}_{i-1},\,x_i)",
               r"\overleftarrow{h}_i = \mathrm{LSTM}(\overleftarrow{h}_{i+1},\,x_i)",
               r"h_i = \big[\,\overrightarrow{h}_i\,;\,\overleftarrow{h}_i\,\big]")
DECODER_ATTN = (r"s_t = \mathrm{LSTM}(s_{t-1},\,y_{t-1})",
                r"\tilde{s}_t = \tanh\big(W_c\,[c_t ; s_t]\big)",
                r"p(y_t) = \mathrm{softmax}(W_o\,\tilde{s}_t)")
SCORES = {  # the score functions of LSTMAttnConfig.score (their names: show them with _())
    "additive": (r"e_{t,i} = v^\top \tanh(W s_t + U h_i)", N_("additive (Bahdanau)")),
    "dot": (r"e_{t,i} = s_t^\top h_i", N_("dot (Luong)")),
    "general": (r"e_{t,i} = s_t^\top W h_i", N_("general (Luong)")),
}
SOFTMAX = r"\alpha_{t,i} = \frac{\exp e_{t,i}}{\sum_j \exp e_{t,j}}"
# Bahdanau's arrangement (config query="prev"): the article's formulas (section 4.2), symbol for symbol
SCORES_PREV = {
    "additive": r"e_{t,i} = v^\top \tanh(W s_{t-1} + U h_i)",
    "dot": r"e_{t,i} = s_{t-1}^\top h_i",
    "general": r"e_{t,i} = s_{t-1}^\top W h_i",
}
ARTICLE_SCORE = r"e_{t,i} = \text{score}(s_{t-1}, h_i)"
ARTICLE_SOFTMAX = r"\alpha_{t,i} = \frac{\exp(e_{t,i})}{\sum_{j=1}^{n} \exp(e_{t,j})}"
ARTICLE_CONTEXT = r"c_t = \sum_{i=1}^{n} \alpha_{t,i} h_i"
DECODER_PREV = (r"s_t = \mathrm{LSTM}\big(s_{t-1},\,[\,y_{t-1} ; c_t\,]\big)",
                r"\tilde{s}_t = \tanh\big(W_c\,[c_t ; s_t]\big)",
                r"p(y_t) = \mathrm{softmax}(W_o\,\tilde{s}_t)")
CONTEXT = r"c_t = \sum_i \alpha_{t,i}\, h_i"
BOTTLENECK = (r"c = \tanh\big(W_b\,[\,\overrightarrow{h}_S\,;\,\overleftarrow{h}_1\,]\big)",
              r"s_0 = c",
              r"s_t = \mathrm{LSTM}\big(s_{t-1},\,[\,y_{t-1} ; c\,]\big)",
              r"p(y_t) = \mathrm{softmax}\big(W\,[\,s_t ; c\,] + b\big)")
ENCODER_TF = (r"z = x + \mathrm{Attn}\big(\mathrm{LN}(x)\big)",
              r"x' = z + \mathrm{FFN}\big(\mathrm{LN}(z)\big)")
DECODER_TF = (r"z_1 = y + \mathrm{Attn}_{\text{masked}}\big(\mathrm{LN}(y)\big)",
              r"z_2 = z_1 + \mathrm{Attn}\big(\mathrm{LN}(z_1),\, M\big)",
              r"y' = z_2 + \mathrm{FFN}\big(\mathrm{LN}(z_2)\big)")
ATTENTION_TF = (r"\mathrm{head} = \mathrm{softmax}\Big(\frac{q\,K^\top}{\sqrt{d_k}} + m\Big)\,V",
                r"m_j = \begin{cases} 0 & \text{allowed} \\ -\infty & \text{masked} \end{cases}")
PROJECTIONS = {
    "encoder": (r"q = x_i W^Q", r"K = X W^K,\quad V = X W^V", r"X:\ \text{the source positions}"),
    "decoder": (r"q = y_t W^Q", r"K = Y W^K,\quad V = Y W^V", r"Y:\ \text{the decoder inputs } y_{\le t}"),
    "cross": (r"q = y_t W^Q", r"K = M W^K,\quad V = M W^V", r"M:\ \text{the encoder's memory}"),
}

st.title(_("Inside attention"))
shell.hint(_("The formulas of an encoder-decoder, each next to its numbers for the model, input and step you are "
             "looking at — the same as on the step page. Every number is read from the decode's trace."))

sel = shared.shared_view()
trace = sel.trace
widgets.source_notices(trace)
t = stage.stepper(SHARED, trace.steps, stage.step_captions(trace))
src = trace.src_tokens
out_tok, in_tok = trace.tgt_tokens[t], trace.dec_inputs[t]
cfg = sel.model.config


def section(title: str, formulas):
    """A heading (translated already), then two columns: the formulas (left), and the container
    for their numbers (right), which is returned."""
    st.subheader(title)
    left, right = st.columns([2, 3], gap="large")
    with left:
        for f in [formulas] if isinstance(formulas, str) else formulas:
            st.latex(f)
    return right


def explained(at: int, kind: str, layer: int = 0, head: int = 0):
    """(seq2seq's Inside of one attention computation, None) or (None, why there is none)."""
    try:
        return inside(trace, at, kind, layer, head), None
    except (ValueError, IndexError) as e:
        return None, str(e)


def decoder_numbers():
    st.markdown(_("Step **{step}** reads yₜ₋₁ = **{input}** and writes yₜ = **{output}**.").format(
        step=t, input=md(in_tok), output=md(out_tok)))
    m1, m2 = st.columns(2)
    m1.metric(_("Chosen token"), out_tok)
    m2.metric("p(yₜ)", f"{float(trace.probs[t]):.1%}")


def scores_and_weights(ins, kind: str, figs: dict):
    """The scores, the mask and the softmax: a chart and the exact numbers."""
    tokens = figures.key_tokens(trace, kind)[0]
    figures.plot(figs["scores"], filename(trace.model, "inside", kind, "scores", t))
    st.dataframe(tables.scores_table(ins, tokens), hide_index=True, width="stretch", key=f"{P}.scores",
                 column_config={c: st.column_config.NumberColumn(format="%.6f")  # the headers of tables.scores_table
                                for c in (_("score e"), _("weight α"), _("softmax(e), recomputed"))})
    st.caption(_("softmax(e) recomputed from the scores matches the weights the model used {agreement}.").format(
        agreement=agreement(ins.weights, ins.recomputed)))


def context_section(ins, figs: dict, formula: str):
    """c_t = Σ α h: the chart, the numbers, and the sum recomputed from the trace."""
    with section(_("Context vector"), formula):
        figures.plot(figs["context"], filename(trace.model, "inside", "context", t))
        st.dataframe(tables.context_table(ins), hide_index=True, width="stretch", height=240, key=f"{P}.context")
        st.caption(_("Σ α h recomputed from the trace's states and weights matches the model's cₜ {agreement}.").format(
            agreement=agreement(ins.context, ins.context_recomputed)))


def no_self_attention():
    st.subheader(_("Self-attention"))
    st.info(_("The LSTMs have no self-attention: the encoder's states hᵢ see the source only through the LSTM's "
              "recurrence. Switch the architecture above to **Transformer** to see it."))


def bahdanau_attention(ins, figs: dict, score_name: str):
    """LSTM + attention in Bahdanau's arrangement, the article's order: score with s_{t-1}, softmax,
    context, then the LSTM step that reads the context."""
    with section(_("Attention: the score of the previous state"), (ARTICLE_SCORE, SCORES_PREV.get(cfg.score, ""),
                                                                   ARTICLE_SOFTMAX)):
        st.markdown(_("As the article writes it: before step {step} writes anything, the decoder's previous state "
                      "sₜ₋₁ scores every source state hᵢ with the **{score}** score ({setting} in its config), and a "
                      "softmax turns the scores into weights.").format(
            step=t, score=_(score_name), setting=code("score = " + str(cfg.score))))
        if t == 0:
            st.caption(_("At step 0, sₜ₋₁ = s₀: the encoder's last states, passed through a bridge layer."))
        elif trace.dec_states is not None:
            with st.expander(_("sₜ₋₁: the state step {step} wrote ({d} numbers)").format(
                    step=t - 1, d=trace.dec_states.shape[1])):
                st.dataframe(tables.vector_table({"sₜ₋₁": trace.dec_states[t - 1]}), hide_index=True,
                             width="stretch", height=200, key=f"{P}.prev")
        scores_and_weights(ins, "cross", figs)
    context_section(ins, figs, ARTICLE_CONTEXT)
    with section(_("Decoder: the context goes into the LSTM"), DECODER_PREV):
        decoder_numbers()
        st.caption(_("Only now does the LSTM step: it reads the previous word and the context together, and its new "
                     "state sₜ writes the output — and will score the source at the next step. Training must run "
                     "step by step, since each step's weights need the state the step before wrote."))
    no_self_attention()


if trace.arch == "lstm":
    with section(_("Encoder"), ENCODER_RNN):
        st.markdown(_("{n} source tokens → {n} states hᵢ of {d} numbers each.").format(
            n=len(src), d=trace.enc_states.shape[1]))
    with section(_("The bottleneck: one context vector"), BOTTLENECK):
        decoder_numbers()
        st.markdown(_("**This model has no attention.** The decoder never sees the states hᵢ: the whole source "
                      "reaches it through one vector *c*, built from the encoder's last states — and every step "
                      "receives the same *c*. The rows below are step 0, this step and the last step: identical."))
        figures.plot(figures.bottleneck_figure(trace, t), filename(trace.model, "context", t))
        st.dataframe(tables.vector_table({_("c at step {step}").format(step=t): trace.context[t]}), hide_index=True,
                     width="stretch", height=240, key=f"{P}.context")
    st.subheader(_("Attention and self-attention"))
    st.info(_("None here: the plain LSTM is the model attention was invented to fix (Bahdanau, Cho and Bengio, "
              "2015). Switch the architecture above to **LSTM + attention** or **Transformer** to see them."))
    write_url(SHARED, sel.url(t))
    st.stop()

if trace.arch == "lstm-attn":
    ins, error = explained(t, "cross")
    if error:
        st.error(md(error))
        st.stop()
    figs = figures.inside_figures(trace, ins, "cross")
    score_tex, score_name = SCORES.get(getattr(cfg, "score", "additive"), SCORES["additive"])
    prev = getattr(cfg, "query", "current") == "prev"
    with section(_("Encoder"), ENCODER_RNN):
        st.markdown(_("{n} source tokens → {n} states hᵢ of {d} numbers each (the rows of the chart under "
                      "*Context vector*).").format(n=len(src), d=ins.values.shape[1]))
    if prev:
        bahdanau_attention(ins, figs, score_name)
        write_url(SHARED, sel.url(t))
        st.stop()
    with section(_("Decoder"), DECODER_ATTN):
        decoder_numbers()
        st.caption(_("The article scores with the previous state, e = score(sₜ₋₁, hᵢ), and feeds the context into "
                     "the LSTM (Bahdanau's arrangement). This model is in Luong's: the LSTM steps first and its new "
                     "state sₜ scores the source, so in training the LSTM runs over all steps at once instead of one "
                     "step at a time. Pick **LSTM + attention (Bahdanau, as in the article)** to see the article's "
                     "arrangement."))
    with section(_("Attention: {score} scores, then a softmax").format(score=_(score_name)), (score_tex, SOFTMAX)):
        st.markdown(_("This model's score function is **{score}** ({setting} in its config). At step {step} its "
                      "state sₜ scores every source state hᵢ:").format(
            score=_(score_name), setting=code("score = " + str(cfg.score)), step=t))
        scores_and_weights(ins, "cross", figs)
    context_section(ins, figs, CONTEXT)
    no_self_attention()
    write_url(SHARED, sel.url(t))
    st.stop()

# --- the Transformer ------------------------------------------------------------------------------
d_k = cfg.d_model // cfg.heads
with section(_("Encoder (one layer, pre-norm)"), ENCODER_TF):
    st.markdown(_("{layers} encoder layers, each with {heads} heads of self-attention (Attn) over the {n} source "
                  "positions; d_model = {d_model}, so each head has d_k = {d_k}. LN is layer normalisation, FFN a "
                  "two-layer feed-forward network.").format(layers=cfg.enc_layers, heads=cfg.heads, n=len(src),
                                                            d_model=cfg.d_model, d_k=d_k))
with section(_("Decoder (one layer)"), DECODER_TF):
    st.markdown(_("{layers} decoder layers, each with {heads} heads of masked self-attention and {heads} of "
                  "cross-attention over the encoder's output *M* (its memory).").format(layers=cfg.dec_layers,
                                                                                         heads=cfg.heads))
    decoder_numbers()

st.subheader(_("Attention in one head"))
kind = widgets.kind_picker(first="cross")  # arriving from the step page: the attention it showed
layer, head = widgets.attention_pickers(SHARED, trace, kind, mean=False)
pos = widgets.position_picker(trace) if kind == "encoder" else None
query_at = pos if kind == "encoder" else t
ins, error = explained(query_at, kind, layer, head)
if error:
    st.error(md(error))
    st.stop()
tokens = figures.key_tokens(trace, kind)[0]
figs = figures.inside_figures(trace, ins, kind)
if kind == "encoder":
    query = _("**{title}.** The query is source position {pos} (**{token}**); the keys are the source tokens. "
              "Query q and key matrix K, {rows} × {d_k}:")
elif kind == "cross":
    query = _("**{title}.** The query is the decoder at step {step}, which reads **{token}**; the keys are the "
              "source tokens. Query q and key matrix K, {rows} × {d_k}:")
else:
    query = _("**{title}.** The query is the decoder at step {step}, which reads **{token}**; the keys are the "
              "decoder inputs up to this step (the later ones are masked). Query q and key matrix K, {rows} × {d_k}:")
with section(_("Self-attention and cross-attention: queries, keys, values"), PROJECTIONS[kind]):
    st.markdown(query.format(title=head_title(kind, layer, head), pos=pos, step=t,
                             token=md(src[pos] if kind == "encoder" else in_tok), rows=ins.keys.shape[0], d_k=d_k))
    figures.plot(figs["qk"], filename(trace.model, "inside", kind, "qk"))
    with st.expander(_("q and K as numbers")):
        st.dataframe(tables.vector_table({"q": ins.query}), hide_index=True, width="stretch", height=200,
                     key=f"{P}.q")
        st.dataframe(tables.keys_table(ins, tokens), width="stretch", key=f"{P}.k")
with section(_("Scaled dot product, mask, softmax"), ATTENTION_TF):
    st.markdown(_("Each score is q · kⱼ / √d_k with √d_k = {scale}; masked positions get −∞, so their weight is "
                  "exactly 0.").format(scale=f"{ins.scale:.3f}"))
    scores_and_weights(ins, kind, figs)

write_url(SHARED, sel.url(t, (layer, head), kind, pos))
