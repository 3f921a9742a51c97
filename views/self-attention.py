"""Self-attention: the Transformer's encoder self-attention, masked decoder
self-attention and cross-attention -- every head of every layer at a glance, one head
(or the mean over heads) enlarged, and the encoder's attention rollout."""

import streamlit as st

from seq2seq.i18n import _
from ui import figures, shared, shell, stage, widgets
from ui.keys import Q_STEP, SHARED, k
from ui.text import ROLLOUT_NOTE, base_arch, filename
from ui.urlstate import write_url

st.title(_("Self-attention"))
shell.hint(_("In a Transformer every token looks at every other token directly: the encoder's tokens at each other "
             "(self-attention), the decoder's at the tokens it has already written (masked self-attention) and at "
             "the source (cross-attention). Each layer has several heads, each free to look for something else."))

switched = shared.prefer_transformer()  # opened from the sidebar on an LSTM: self-attention is the Transformer's
sel = shared.shared_view(decode=False)
if switched and base_arch(sel.arch) == "transformer":
    st.caption(_("Self-attention is the Transformer's: this page shows the Transformer of the task, on the same "
                 "input (the step page follows)."))
if base_arch(sel.arch) != "transformer":
    st.info(_("**The LSTMs have no self-attention.** Their encoder reads the source one token at a time, left to "
              "right and right to left, and each state only summarises what it has read so far; the decoder "
              "carries its own past in one state vector. Tokens looking at each other directly — self-attention — "
              "is the Transformer's idea. This model's view of the source is on the step page: its "
              "cross-attention, or for the plain LSTM the one context vector every step receives."))
    st.page_link("views/step.py", label=_("Step through this model's decoding"), icon=":material/step_over:",
                 query_params=sel.step_link())
    if "transformer" in sel.archs:
        st.button(_("Show the Transformer of this task"), icon=":material/swap_horiz:", key="b.self.transformer",
                  on_click=shared.switch_arch, args=("transformer",))
    else:
        st.caption(_("No Transformer is trained for this task yet."))
    write_url(SHARED, sel.url())
    st.stop()

shared.decode_view(sel)
trace = sel.trace
widgets.source_notices(trace)
st.divider()

kind = widgets.kind_picker()
layer, head = widgets.attention_pickers(SHARED, trace, kind)
t = None
if kind != "encoder":
    t = stage.stepper(SHARED, trace.steps, stage.step_captions(trace))
    shell.hint(_("The step outlines its row in the enlarged head; the rows below it are not decoded yet."))

st.subheader(_("Every head of every layer"))
figures.plot(figures.heads_figure(trace, kind, (layer, head)), filename(trace.model, kind, "heads"))
if kind == "decoder":
    st.markdown(_("Grey cells are **masked**: at each step the decoder may look only at the tokens it has already "
                  "written (the causal mask), so the future is drawn grey — it is not a weight of 0."))
shell.hint(_("One colour scale for all heads. The outlined panel is the one enlarged below; hover any cell for its "
             "token pair and weight."))

st.subheader(_("One head, enlarged") if head is not None else _("The mean over heads, enlarged"))
shell.hint(_("Pick a layer and a head above to enlarge it, or “mean over heads” for the layer's average."))
figures.plot(figures.head_figure(trace, kind, layer, head, t), filename(trace.model, kind, "layer", layer + 1,
                                                                 "mean" if head is None else f"head{head + 1}"))

if kind == "encoder":
    st.subheader(_("Attention rollout"))
    st.markdown(_(ROLLOUT_NOTE))
    figures.plot(figures.rollout_figure(trace), filename(trace.model, "rollout"))

write_url(SHARED, sel.url(t if t is not None else st.session_state.get(k(SHARED, Q_STEP)),
                                 (layer, head), kind))
