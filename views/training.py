"""Watch attention form: one input through snapshots of a model taken during its training,
from random weights to the final model, beside its training curve; step through the decode
at any snapshot."""

import streamlit as st

from seq2seq.i18n import _
from ui import figures, models, session, shared, shell, stage, widgets
from ui.keys import Q_SNAPSHOT, k
from ui.session import valid
from ui.text import filename, md, output_line
from ui.urlstate import View, to_query, write_url

P = "training"
CHART = "stage-training"

st.title(_("Watch attention form"))
shell.hint(_("A model starts from random weights: its attention is spread evenly, and it writes nonsense. Move the "
             "slider through training and watch where it looks take shape — the anti-diagonal of the reverse task, "
             "the year, month and day of a date — while the loss falls and the dev score climbs."))

zoo = shared.open_page(P)
timed = models.timeline_zoo(zoo)
if not timed:
    st.info(_("No model here has a training timeline. Train one with `python -m seq2seq.train ... --timeline`."))
    st.stop()
task, arch, name = widgets.model_picker(P, timed, missing=False)
text = widgets.text_picker(P, task)
info = models.timeline(name)
snaps = info["snapshots"]
key = k(P, Q_SNAPSHOT)
valid(key, range(len(snaps)), len(snaps) - 1)


def view(step=None) -> dict:
    return to_query(View(model=name, text=text, snapshot=st.session_state[key], step=step))


n = st.select_slider(_("Training time"), options=range(len(snaps)), key=key,
                     format_func=lambda i: figures.snapshot_name(snaps[i], i))
figures.plot(figures.timeline_figure(info, n), filename(name, "training-curve"))
if not text.strip():
    st.info(_("Type a sentence (or pick an example) to decode."))
    write_url(P, view())
    st.stop()

traces, errors = [], []
with st.spinner(_("Decoding at every snapshot…")):
    for i in range(len(snaps)):
        model, error = models.load_snapshot(name, i)
        trace, error = (None, error) if model is None else session.get_trace(model, text, "greedy", {})
        traces.append(trace)
        errors.append(error)
if errors[n]:
    st.error(_("Cannot decode this input: {error}.").format(error=md(errors[n])))
    write_url(P, view())
    st.stop()
widgets.input_notice(task, text)
widgets.source_notices(traces[n])

st.subheader(_("The same input at every snapshot"))
figures.plot(figures.strip_figure(traces, snaps, n), filename(name, "attention-forming"))
shell.hint(_("Each panel is this input's attention (rows: the tokens written, columns: the source) at one point "
             "of training, on one colour scale; the outlined one is the snapshot the slider picked. Below, step "
             "through its decode."))

trace = traces[n]
st.subheader(_("{when}: step through the decode").format(when=figures.snapshot_name(snaps[n], n)))
matrix_view = (-1, None) if trace.has_attention else None
t = stage.stepper(P, trace.steps, stage.step_captions(trace), charts=[CHART],
                  filename=filename(name, "snapshot", n, "step") + "-")
write_url(P, view(t))
gold = widgets.gold_toggle(P, task, trace) if trace.has_attention else None
fig = figures.step_figure(P, trace, matrix_view, gold, step=t)
with st.container(key=CHART):
    figures.plot(fig, filename(name, "snapshot", n, "step"))
widgets.gold_caption(trace, matrix_view, gold, t)
st.markdown(_("**Step {step}** — output so far: {output}").format(step=t, output=output_line(trace, t)))
truth = models.known_target(task, trace and models.load_model(name)[0], text)
if truth:
    widgets.verdict(trace, truth)
st.caption(_("{when}: dev score {dev} on the first {n} dev pairs, training loss {loss}. Model **{model}**.").format(
    when=figures.snapshot_name(snaps[n], n), dev=f"{snaps[n]['dev']:g}", n=300,
    loss="—" if snaps[n].get("loss") is None else f"{snaps[n]['loss']:.3f}", model=md(name)))
if info.get("command"):
    shell.hint(_("Recorded by `{command}`.").format(command=info["command"]))
