"""Self-attention: the Transformer's encoder self-attention, masked decoder
self-attention and cross-attention -- every head of every layer at a glance, one head
(or the mean over heads) enlarged, and the encoder's attention rollout."""

import streamlit as st

import ui

st.title("Self-attention")
ui.hint("In a Transformer every token looks at every other token directly: the encoder's tokens at each other "
        "(self-attention), the decoder's at the tokens it has already written (masked self-attention) and at the "
        "source (cross-attention). Each layer has several heads, each free to look for something else.")

view = ui.shared_view(decode=False)
if view.arch != "transformer":
    st.info("**The LSTMs have no self-attention.** Their encoder reads the source one token at a time, left to "
            "right and right to left, and each state only summarises what it has read so far; the decoder carries "
            "its own past in one state vector. Tokens looking at each other directly — self-attention — is the "
            "Transformer's idea. This model's view of the source is on the step page: its cross-attention, or "
            "for the plain LSTM the one context vector every step receives.")
    st.page_link("pages/step.py", label="Step through this model's decoding", icon=":material/step_over:",
                 query_params=view.step_link())
    if "transformer" in view.archs:
        st.button("Show the Transformer of this task", icon=":material/swap_horiz:", key="b.self.transformer",
                  on_click=ui.switch_arch, args=("transformer",))
    else:
        st.caption("No Transformer is trained for this task yet.")
    ui.write_url(ui.SHARED, view.url())
    st.stop()

ui.decode_view(view)
trace = view.trace
ui.source_notices(trace)
st.divider()

kind = ui.kind_picker()
layer, head = ui.attention_pickers(ui.SHARED, trace, kind)
t = None
if kind != "encoder":
    t = ui.step_control(ui.SHARED, trace.steps)
    ui.hint("The step outlines its row in the enlarged head; the rows below it are not decoded yet.")

st.subheader("Every head of every layer")
ui.plot(ui.heads_figure(trace, kind, (layer, head)), ui.filename(trace.model, kind, "heads"))
if kind == "decoder":
    st.markdown("Grey cells are **masked**: at each step the decoder may look only at the tokens it has already "
                "written (the causal mask), so the future is drawn grey — it is not a weight of 0.")
ui.hint("One colour scale for all heads. The outlined panel is the one enlarged below; hover any cell for its "
        "token pair and weight.")

st.subheader("One head, enlarged" if head is not None else "The mean over heads, enlarged")
ui.hint("Pick a layer and a head above to enlarge it, or “mean over heads” for the layer's average.")
ui.plot(ui.head_figure(trace, kind, layer, head, t), ui.filename(trace.model, kind, "layer", layer + 1,
                                                                 "mean" if head is None else f"head{head + 1}"))

if kind == "encoder":
    st.subheader("Attention rollout")
    st.markdown(ui.ROLLOUT_NOTE)
    ui.plot(ui.rollout_figure(trace), ui.filename(trace.model, "rollout"))

ui.write_url(ui.SHARED, view.url(t if t is not None else st.session_state.get(ui.k(ui.SHARED, ui.Q_STEP)),
                                 (layer, head), kind))
