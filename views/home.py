"""Home: what encoder-decoder attention is, the model zoo, where to start, credits."""

import streamlit as st

from seq2seq.i18n import N_, _
from ui import models, shell, tables
from ui.keys import Q_ARCHS, Q_MODEL, Q_STEP, Q_TASK, Q_TEXT

st.title("Attention Lab")  # the app's name, as in its page title (app.py): not translated
st.markdown(_(
    "An **encoder-decoder** turns one sequence into another: the encoder reads the source into a list of "
    "vectors *h₁ … hₙ*, one per token, and the decoder writes the output one token at a time. "
    "Without attention the decoder gets a single summary vector *c* of the whole source — the same at every "
    "step. With **attention**, at each step *t* the decoder scores every source state against its own state, "
    "turns the scores *e* into weights *α* with a softmax, and reads a fresh context *cₜ = Σᵢ αₜ,ᵢ hᵢ*: it "
    "looks back at the part of the source it needs now. The weights *α* are what the heatmaps here show."
))
st.image(str(models.ASSETS / "attention.svg"), caption=_("One decoding step of a date model with attention "
         "(illustration)."), width=820)

st.subheader(_("The model zoo"))
table, problems = tables.zoo_table()
if table.empty:
    shell.no_models()
else:
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={_("parameters"): st.column_config.NumberColumn(format="localized")})
    st.caption(_("Three architectures per task, trained on the same data: a plain LSTM encoder-decoder, an LSTM "
                 "with attention (additive scores; Luong's general score for reversal) and a Transformer. Test "
                 "metrics come from each model's metrics.json; its model card says how it was trained."))
for line in problems:
    st.error(_("Broken checkpoint — {problem}. The other models keep working.").format(problem=line))

st.subheader(_("Where to start"))
zoo = models.zoo()
starts = [  # the inputs are what the models read: never translated
    ("en-zh", "transformer", "ChatGPT is powerful.", N_("The article's own example: “ChatGPT is powerful” → "
                                                        "ChatGPT很强大, step by step")),
    ("dates", "lstm-attn", "Wednesday, 9 May 2018", N_("Watch a date model find the day, month and year")),
    ("reverse", "lstm", "abcdefghijklmnopqrstuvwxyz", N_("See the bottleneck: a plain LSTM reversing 26 letters")),
]
any_start = False
for task, arch, text, label in starts:
    name = zoo.get(task, {}).get(arch)
    if name:
        any_start = True
        st.page_link("views/step.py", label=_(label), icon=":material/play_circle:",
                     query_params={Q_MODEL: name, Q_TEXT: text, Q_STEP: "0"})
if any_start:
    st.page_link("views/compare.py", label=_("Compare the three architectures on one input"),
                 icon=":material/compare:")
timed = models.timeline_zoo(zoo)
watch = timed.get("reverse", {}).get("lstm-attn") or next((n for archs in timed.values() for n in archs.values()), None)
if watch:
    st.page_link("views/training.py", label=_("Watch attention form: a model from random weights to the final one"),
                 icon=":material/timeline:", query_params={Q_MODEL: watch, Q_TEXT: "attention" if "reverse" in watch
                                                           else "Wednesday, 9 May 2018"})
if "lstm-bahdanau" in zoo.get("dates", {}) and "lstm-attn" in zoo.get("dates", {}):
    st.page_link("views/compare.py", label=_("The article's attention decoder (Bahdanau's) beside Luong's"),
                 icon=":material/function:",
                 query_params={Q_TASK: "dates", Q_ARCHS: ",".join(("lstm-attn", "lstm-bahdanau")),
                               Q_TEXT: "Wednesday, 9 May 2018"})
st.markdown(_(
    "- **Step through decoding**: pick a model, type an input, and walk through the decode — the output so "
    "far, the top candidates, where the model looks. Click an alternative token to see *what if* it had "
    "written that.\n"
    "- **Compare architectures**: one input through all three models, stepped together; and quality against "
    "input length for each, which shows why attention was invented.\n"
    "- **Self-attention**: every head of every layer of a Transformer — the encoder's, the decoder's masked one "
    "and the cross-attention — one head enlarged, and the encoder's attention rollout.\n"
    "- **Inside attention**: the formulas, each next to its numbers for your model, input and step — scores, "
    "softmax, context vector; queries, keys and the mask.\n"
    "- **Model cards**: each model's configuration, training curves, test metrics and data.\n"
    "- **Presentation mode** (sidebar): larger text and charts for a projector.\n"
    "- Every view lives in the address bar: copy it into your slides and it reopens exactly."
))
st.markdown(_(
    "- **Watch attention form**: a model's attention at snapshots from random weights to the final model, "
    "beside its training curve.\n"
    "- **Train a model**: train a small model on reversal, dates or your own sentence pairs in a few minutes, "
    "and watch its loss, its dev score and its attention live."
))

st.subheader(_("Data and credits"))
st.markdown(_(
    "English–Chinese sentence pairs come from [Tatoeba](https://tatoeba.org), licensed under "
    "[CC-BY 2.0 France](https://creativecommons.org/licenses/by/2.0/fr/), in the tab-separated release of "
    "[manythings.org/anki](https://www.manythings.org/anki/). The date and letter-reversal tasks are generated "
    "by this project, so their true alignment is known."
))
