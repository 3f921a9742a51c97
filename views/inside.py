"""Inside attention: the formulas of the encoder, the decoder, attention and
self-attention, each next to its live numbers for the current model, input and step.
Every number comes from the trace through seq2seq.attention.inside; nothing is run again."""

import streamlit as st

from seq2seq.attention import inside
from ui import figures, shared, shell, tables, widgets
from ui.keys import SHARED
from ui.text import agreement, code, filename, head_title, md
from ui.urlstate import write_url

P = "inside"

# One formula per st.latex, each short enough for the left column.
ENCODER_RNN = (r"\overrightarrow{h}_i = \mathrm{LSTM}(\overrightarrow{h}_{i-1},\,x_i)",
               r"\overleftarrow{h}_i = \mathrm{LSTM}(\overleftarrow{h}_{i+1},\,x_i)",
               r"h_i = \big[\,\overrightarrow{h}_i\,;\,\overleftarrow{h}_i\,\big]")
DECODER_ATTN = (r"s_t = \mathrm{LSTM}(s_{t-1},\,y_{t-1})",
                r"p(y_t) = \mathrm{softmax}\big(W_o \tanh(W_c\,[c_t ; s_t])\big)")
SCORES = {  # the score functions of LSTMAttnConfig.score
    "additive": (r"e_{t,i} = v^\top \tanh(W s_t + U h_i)", "additive (Bahdanau)"),
    "dot": (r"e_{t,i} = s_t^\top h_i", "dot (Luong)"),
    "general": (r"e_{t,i} = s_t^\top W h_i", "general (Luong)"),
}
SOFTMAX = r"\alpha_{t,i} = \frac{\exp e_{t,i}}{\sum_j \exp e_{t,j}}"
CONTEXT = r"c_t = \sum_i \alpha_{t,i}\, h_i"
BOTTLENECK = (r"c = \tanh\big(W_b\,[\,\overrightarrow{h}_S\,;\,\overleftarrow{h}_1\,]\big),\quad s_0 = c",
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

st.title("Inside attention")
shell.hint("The formulas of an encoder-decoder, each next to its numbers for the model, input and step you are "
        "looking at — the same as on the step page. Every number is read from the decode's trace.")

sel = shared.shared_view()
trace = sel.trace
widgets.source_notices(trace)
t = widgets.step_control(SHARED, trace.steps)
src = trace.src_tokens
out_tok, in_tok = trace.tgt_tokens[t], trace.dec_inputs[t]
cfg = sel.model.config


def section(title: str, formulas):
    """A heading, then two columns: the formulas (left) and a container for their numbers (right)."""
    st.subheader(title)
    left, right = st.columns([2, 3], gap="large")
    with left:
        for f in [formulas] if isinstance(formulas, str) else formulas:
            st.latex(f)
    return left, right


def explained(at: int, kind: str, layer: int = 0, head: int = 0):
    """(seq2seq's Inside of one attention computation, None) or (None, why there is none)."""
    try:
        return inside(trace, at, kind, layer, head), None
    except (ValueError, IndexError) as e:
        return None, str(e)


def decoder_numbers():
    st.markdown(f"Step **{t}** reads yₜ₋₁ = **{md(in_tok)}** and writes yₜ = **{md(out_tok)}**.")
    m1, m2 = st.columns(2)
    m1.metric("Chosen token", out_tok)
    m2.metric("p(yₜ)", f"{float(trace.probs[t]):.1%}")


def scores_and_weights(ins, kind: str, figs: dict):
    """The scores, the mask and the softmax: a chart and the exact numbers."""
    tokens, _ = figures.key_tokens(trace, kind)
    figures.plot(figs["scores"], filename(trace.model, "inside", kind, "scores", t))
    st.dataframe(tables.scores_table(ins, tokens), hide_index=True, width="stretch", key=f"{P}.scores",
                 column_config={c: st.column_config.NumberColumn(format="%.6f")
                                for c in ("score e", "weight α", "softmax(e), recomputed")})
    st.caption(f"softmax(e) recomputed from the scores matches the weights the model used "
               f"{agreement(ins.weights, ins.recomputed)}.")


if trace.arch == "lstm":
    _, right = section("Encoder", ENCODER_RNN)
    with right:
        st.markdown(f"{len(src)} source tokens → {len(src)} states hᵢ of {trace.enc_states.shape[1]} numbers each.")
    _, right = section("The bottleneck: one context vector", BOTTLENECK)
    with right:
        decoder_numbers()
        st.markdown("**This model has no attention.** The decoder never sees the states hᵢ: the whole source "
                    "reaches it through one vector *c*, built from the encoder's last states — and every step "
                    "receives the same *c*. The rows below are step 0, this step and the last step: identical.")
        figures.plot(figures.bottleneck_figure(trace, t), filename(trace.model, "context", t))
        st.dataframe(tables.vector_table({f"c at step {t}": trace.context[t]}), hide_index=True, width="stretch",
                     height=240, key=f"{P}.context")
    st.subheader("Attention and self-attention")
    st.info("None here: the plain LSTM is the model attention was invented to fix (Bahdanau, Cho and Bengio, 2015). "
            "Switch the architecture above to **LSTM + attention** or **Transformer** to see them.")
    write_url(SHARED, sel.url(t))
    st.stop()

if trace.arch == "lstm-attn":
    ins, error = explained(t, "cross")
    if error:
        st.error(md(error))
        st.stop()
    figs = figures.inside_figures(trace, ins, "cross")
    score_tex, score_name = SCORES.get(getattr(cfg, "score", "additive"), SCORES["additive"])
    _, right = section("Encoder", ENCODER_RNN)
    with right:
        st.markdown(f"{len(src)} source tokens → {len(src)} states hᵢ of {ins.values.shape[1]} numbers each "
                    "(the rows of the chart under *Context vector*).")
    _, right = section("Decoder", DECODER_ATTN)
    with right:
        decoder_numbers()
    _, right = section(f"Attention: {score_name} scores, then a softmax", (score_tex, SOFTMAX))
    with right:
        st.markdown(f"This model's score function is **{score_name}** ({code('score = ' + str(cfg.score))} in its "
                    f"config). At step {t} its state sₜ scores every source state hᵢ:")
        scores_and_weights(ins, "cross", figs)
    _, right = section("Context vector", CONTEXT)
    with right:
        figures.plot(figs["context"], filename(trace.model, "inside", "context", t))
        st.dataframe(tables.context_table(ins), hide_index=True, width="stretch", height=240, key=f"{P}.context")
        st.caption(f"Σ α h recomputed from the trace's states and weights matches the model's cₜ "
                   f"{agreement(ins.context, ins.context_recomputed)}.")
    st.subheader("Self-attention")
    st.info("The LSTMs have no self-attention: the encoder's states hᵢ see the source only through the LSTM's "
            "recurrence. Switch the architecture above to **Transformer** to see it.")
    write_url(SHARED, sel.url(t))
    st.stop()

# --- the Transformer ------------------------------------------------------------------------------
d_k = cfg.d_model // cfg.heads
_, right = section("Encoder (one layer, pre-norm)", ENCODER_TF)
with right:
    st.markdown(f"{cfg.enc_layers} encoder layers, each with {cfg.heads} heads of self-attention (Attn) over the "
                f"{len(src)} source positions; d_model = {cfg.d_model}, so each head has d_k = {d_k}. "
                "LN is layer normalisation, FFN a two-layer feed-forward network.")
_, right = section("Decoder (one layer)", DECODER_TF)
with right:
    st.markdown(f"{cfg.dec_layers} decoder layers, each with {cfg.heads} heads of masked self-attention and "
                f"{cfg.heads} of cross-attention over the encoder's output *M* (its memory).")
    decoder_numbers()

st.subheader("Attention in one head")
kind = widgets.kind_picker()
layer, head = widgets.attention_pickers(SHARED, trace, kind, mean=False)
pos = widgets.position_picker(trace) if kind == "encoder" else None
query_at = pos if kind == "encoder" else t
ins, error = explained(query_at, kind, layer, head)
if error:
    st.error(md(error))
    st.stop()
tokens, _ = figures.key_tokens(trace, kind)
figs = figures.inside_figures(trace, ins, kind)
who = (f"source position {pos} (**{md(src[pos])}**)" if kind == "encoder"
       else f"the decoder at step {t}, which reads **{md(in_tok)}**")
_, right = section("Self-attention and cross-attention: queries, keys, values", PROJECTIONS[kind])
with right:
    st.markdown(f"**{head_title(kind, layer, head)}.** The query is {who}; the keys are "
                + ("the source tokens." if kind != "decoder" else "the decoder inputs up to this step (the later "
                   "ones are masked).") + f" Query q and key matrix K, {ins.keys.shape[0]} × {d_k}:")
    figures.plot(figs["qk"], filename(trace.model, "inside", kind, "qk"))
    with st.expander("q and K as numbers"):
        st.dataframe(tables.vector_table({"q": ins.query}), hide_index=True, width="stretch", height=200,
                     key=f"{P}.q")
        st.dataframe(tables.keys_table(ins, tokens), width="stretch", key=f"{P}.k")
_, right = section("Scaled dot product, mask, softmax", ATTENTION_TF)
with right:
    st.markdown(f"Each score is q · kⱼ / √d_k with √d_k = {ins.scale:.3f}; masked positions get −∞, so their "
                "weight is exactly 0.")
    scores_and_weights(ins, kind, figs)

write_url(SHARED, sel.url(t, (layer, head), kind, pos))
