"""Model cards: each model's config, parameters, training curves, test metrics and
data credits -- all read from its checkpoint folder (config.json, metrics.json,
train_log.jsonl, README.md), nothing typed by hand."""

import streamlit as st

import seq2seq
from seq2seq.card import card_text
from seq2seq.checkpoint import read_card, read_explain, read_metrics, read_train_log
from seq2seq.configs import variant
from seq2seq.i18n import _, is_zh
from seq2seq.tasks import data_credit
from ui import evidence, figures, shared, shell, tables, widgets
from ui.keys import Q_MODEL, SHARED
from ui.text import ARCH_LABELS, SPLIT_LABELS, TASK_LABELS, code, filename, label, md
from ui.urlstate import write_url

st.title(_("Model cards"))
shell.hint(_("Everything on this page is read from the model's checkpoint folder: config.json (configuration and "
             "training run), train_log.jsonl (one line per epoch), metrics.json (written by "
             "`python -m seq2seq.evaluate`) and README.md (the card itself)."))

zoo = shared.open_page(SHARED)
task, arch, name = widgets.model_picker(SHARED, zoo)
write_url(SHARED, {Q_MODEL: name})

st.header(name)
try:
    info = seq2seq.read_config(name)
except seq2seq.CheckpointError as e:
    st.error(_("The card of **{model}** cannot be read: {problem} (file {file}).").format(
        model=md(name), problem=md(e.problem), file=code(e.path.name)))
    st.stop()

kind = variant(info.get("arch"), info.get("config"))
st.markdown(_("**{arch}** for **{task}**").format(arch=md(label(ARCH_LABELS, kind)),
                                                  task=md(label(TASK_LABELS, info.get("task")))))
train = info.get("train") if isinstance(info.get("train"), dict) else {}
m1, m2, m3, m4 = st.columns(4)
parameters = info.get("parameters")
m1.metric(_("Parameters"), f"{parameters:,}" if isinstance(parameters, int) else _("unknown"))
m2.metric(_("Epochs trained"), str(train.get("epochs_run", _("unknown"))))
m3.metric(_("Minutes of training"), str(train.get("minutes", _("unknown"))))
m4.metric(_("Weights stored as"), str(info.get("weights_dtype", _("unknown"))))

c1, c2 = st.columns(2)
with c1:
    st.subheader(_("Configuration"))
    config = info.get("config")
    if isinstance(config, dict) and config:
        st.dataframe(tables.settings_table(config), hide_index=True, width="stretch", key="cards.config")
    else:
        st.info(_("config.json holds no model configuration."))
with c2:
    st.subheader(_("Training run"))
    if train:
        st.dataframe(tables.settings_table(train, skip=("config_used",)), hide_index=True, width="stretch",
                     key="cards.train")
    else:
        st.info(_("config.json records no training run."))

st.subheader(_("Training curves"))
fig, note = figures.training_figure(read_train_log(name))
if fig is not None:
    figures.plot(fig, filename(name, "training"))
    shell.hint(_("Training loss per epoch (left axis) and the dev-set metric after each epoch (right axis), "
                 "from train_log.jsonl."))
if note:
    (st.info if fig is None else st.caption)(note)

st.subheader(_("Test metrics"))
metrics = read_metrics(name)
if metrics is None:
    st.info(_("Test metrics: not evaluated yet — this folder has no metrics.json (run {command}).").format(
        command=code("python -m seq2seq.evaluate --model " + name)))
else:
    overall = metrics.get("metrics")
    if isinstance(overall, dict) and overall:
        st.dataframe(tables.records_table([overall]), hide_index=True, width="stretch", key="cards.metrics")
    split = metrics.get("split")
    if split:
        st.caption(_("Split: {split}.").format(split=md(label(SPLIT_LABELS, split))))
    by_length = tables.records_table(metrics.get("by_length"))
    st.markdown(_("**By source length**"))
    if by_length.empty:
        st.info(_("metrics.json has no table by source length."))
    else:
        st.dataframe(by_length, hide_index=True, width="stretch", key="cards.by_length")
    decode = metrics.get("decode")
    if isinstance(decode, dict) and decode:
        st.markdown(_("**Decoding speed**"))
        st.dataframe(tables.settings_table(decode), hide_index=True, width="stretch", key="cards.decode")
    examples = tables.records_table(metrics.get("examples"))
    if not examples.empty:
        with st.expander(_("Examples from the test set ({n})").format(n=len(examples))):
            st.dataframe(examples, hide_index=True, width="stretch", key="cards.examples")

st.subheader(_("Is attention an explanation?"))
explained = read_explain(name)
if explained is None:
    st.info(_("Not computed yet for this model: `python -m seq2seq.explain --model {name}` writes it.").format(
        name=name))
else:
    faith, agree = evidence.model_table(explained)
    if not faith.empty:
        st.markdown(_("**Faithfulness**: attention against attribution, mean Spearman over {n} test sentences").format(
            n=explained.get("sample")))
        st.dataframe(faith, width="stretch", key="cards.faithfulness")
    st.markdown(_("**The attributions against each other**"))
    st.dataframe(agree, width="stretch", key="cards.agree")
    if explained["head_importance"]["heads"]:
        figures.plot(figures.importance_figure(explained["head_importance"]), filename(name, "head-importance"))
    st.page_link("views/explain.py", label=_("Step through it on the explain page"), icon=":material/fact_check:",
                 query_params={Q_MODEL: name})

st.subheader(_("Data"))
st.markdown(data_credit(info))

card = read_card(name)
if card is not None and is_zh():  # the same card, written from the same files in Chinese (NOTES.md as written)
    try:
        card = card_text(seq2seq.checkpoint.find(name))
    except seq2seq.CheckpointError:
        pass
with st.expander(_("The model card as written in the folder (README.md)") if not is_zh() else
                 _("The model card (README.md in the folder, here written in Chinese from the same files)")):
    if card is None:
        st.info(_("This folder has no README.md yet (`python -m seq2seq.evaluate` writes it)."))
    else:
        st.markdown(card)

st.divider()
st.subheader(_("All models"))
table, problems = tables.zoo_table()
st.dataframe(table, hide_index=True, width="stretch", key="cards.all",
             column_config={_("parameters"): st.column_config.NumberColumn(format="localized")})
for line in problems:
    st.error(_("Broken checkpoint — {problem}.").format(problem=line))
