"""Model cards: each model's config, parameters, training curves, test metrics and
data credits -- all read from its checkpoint folder (config.json, metrics.json,
train_log.jsonl, README.md), nothing typed by hand."""

import streamlit as st

import seq2seq
from seq2seq.checkpoint import read_card, read_metrics, read_train_log
from seq2seq.tasks import data_credit
from ui import figures, shared, shell, tables, widgets
from ui.keys import Q_MODEL, SHARED
from ui.text import ARCH_LABELS, TASK_LABELS, code, filename, label, md
from ui.urlstate import write_url

st.title("Model cards")
shell.hint("Everything on this page is read from the model's checkpoint folder: config.json (configuration and "
        "training run), train_log.jsonl (one line per epoch), metrics.json (written by "
        "`python -m seq2seq.evaluate`) and README.md (the card itself).")

zoo = shared.open_page(SHARED)
task, arch, name = widgets.model_picker(SHARED, zoo)
write_url(SHARED, {Q_MODEL: name})

st.header(name)
try:
    info = seq2seq.read_config(name)
except seq2seq.CheckpointError as e:
    st.error(f"The card of **{md(name)}** cannot be read: {md(e.problem)} (file {code(e.path.name)}).")
    st.stop()

st.markdown(f"**{md(label(ARCH_LABELS, info.get('arch')))}** for "
            f"**{md(label(TASK_LABELS, info.get('task')))}**")
train = info.get("train") if isinstance(info.get("train"), dict) else {}
m1, m2, m3, m4 = st.columns(4)
parameters = info.get("parameters")
m1.metric("Parameters", f"{parameters:,}" if isinstance(parameters, int) else "unknown")
m2.metric("Epochs trained", str(train.get("epochs_run", "unknown")))
m3.metric("Minutes of training", str(train.get("minutes", "unknown")))
m4.metric("Weights stored as", str(info.get("weights_dtype", "unknown")))

c1, c2 = st.columns(2)
with c1:
    st.subheader("Configuration")
    config = info.get("config")
    if isinstance(config, dict) and config:
        st.dataframe(tables.settings_table(config), hide_index=True, width="stretch", key="cards.config")
    else:
        st.info("config.json holds no model configuration.")
with c2:
    st.subheader("Training run")
    if train:
        st.dataframe(tables.settings_table(train, skip=("config_used",)), hide_index=True, width="stretch",
                     key="cards.train")
    else:
        st.info("config.json records no training run.")

st.subheader("Training curves")
fig, note = figures.training_figure(read_train_log(name))
if fig is not None:
    figures.plot(fig, filename(name, "training"))
    shell.hint("Training loss per epoch (left axis) and the dev-set metric after each epoch (right axis), "
            "from train_log.jsonl.")
if note:
    (st.info if fig is None else st.caption)(note)

st.subheader("Test metrics")
metrics = read_metrics(name)
if metrics is None:
    st.info(f"Test metrics: not evaluated yet — this folder has no metrics.json (run "
            f"{code('python -m seq2seq.evaluate --model ' + name)}).")
else:
    overall = metrics.get("metrics")
    if isinstance(overall, dict) and overall:
        st.dataframe(tables.records_table([overall]), hide_index=True, width="stretch", key="cards.metrics")
    split = metrics.get("split")
    if split:
        st.caption(f"Split: {md(split)}.")
    by_length = tables.records_table(metrics.get("by_length"))
    st.markdown("**By source length**")
    if by_length.empty:
        st.info("metrics.json has no table by source length.")
    else:
        st.dataframe(by_length, hide_index=True, width="stretch", key="cards.by_length")
    decode = metrics.get("decode")
    if isinstance(decode, dict) and decode:
        st.markdown("**Decoding speed**")
        st.dataframe(tables.settings_table(decode), hide_index=True, width="stretch", key="cards.decode")
    examples = tables.records_table(metrics.get("examples"))
    if not examples.empty:
        with st.expander(f"Examples from the test set ({len(examples)})"):
            st.dataframe(examples, hide_index=True, width="stretch", key="cards.examples")

st.subheader("Data")
st.markdown(data_credit(info))

card = read_card(name)
with st.expander("The model card as written in the folder (README.md)"):
    if card is None:
        st.info("This folder has no README.md yet (`python -m seq2seq.evaluate` writes it).")
    else:
        st.markdown(card)

st.divider()
st.subheader("All models")
table, problems = tables.zoo_table()
st.dataframe(table, hide_index=True, width="stretch", key="cards.all",
             column_config={"parameters": st.column_config.NumberColumn(format="localized")})
for line in problems:
    st.error(f"Broken checkpoint — {line}.")
