"""Train a model in the app: pick a task (reverse, dates, or your own sentence pairs), an
architecture and a time budget, and watch it learn -- its loss, its dev score and the
attention of a probe input, live. Training runs in its own process (seq2seq.jobs), one job
per server at a time; the job is in the URL, so a reload finds it again."""

import streamlit as st

from seq2seq import jobs
from seq2seq.i18n import _
from ui import figures, models, shell, training
from ui.keys import Q_JOB, button, k
from ui.session import default
from ui.text import ARCH_LABELS, TASK_LABELS, arch_label, code, label, md

P = "train"
TASKS = ("reverse", "dates", "pairs")
PROBES = {"reverse": "attention", "dates": "Wednesday, 9 May 2018", "pairs": ""}
UPLOAD = "upload.train"  # not a kept value-widget key (shell.keep_widgets): a file uploader's value cannot be set

st.title(_("Train a model"))
shell.hint(_("Train a small model here and watch attention form as it learns: pick a task, an architecture and a "
             "few minutes. The model is saved beside the shipped ones and every page can show it."))


MINE = "train.job"  # this session's last job: back in the link when the page is opened from the sidebar


def known(job) -> bool:
    try:
        return bool(job) and (jobs.folder_of(job) / "spec.json").is_file()
    except ValueError:
        return False


def job_in_url() -> str | None:
    """The job the link names; else this session's job while it waits or trains (put back in the link)."""
    job = st.query_params.get(Q_JOB)
    if known(job):
        return job
    mine = st.session_state.get(MINE)
    if not job and known(mine) and jobs.status(mine)["state"] in ("waiting", "running"):
        st.query_params[Q_JOB] = mine
        return mine
    return None


def start():
    """The start button's callback: read the form, check, save the upload, submit; the job goes into the URL."""
    st.session_state.pop(k(P, "error"), None)
    get = st.session_state.get
    task, arch, minutes = get(k(P, "task"), "reverse"), get(k(P, "arch")) or "lstm-attn", get(k(P, "minutes"), 2)
    name = (get(k(P, "name")) or "").strip() or training.default_name(task, arch)
    probe, upload = get(k(P, "probe") + task, PROBES[task]) or "", get(UPLOAD)
    pairs = None
    if task == "pairs":
        problem = training.upload_problem(upload)
        if problem:
            st.session_state[k(P, "error")] = problem
            return
        pairs = training.save_upload(upload.getvalue(), upload.name)
    try:
        job = jobs.submit(jobs.JobSpec(task=task, arch=arch, minutes=float(minutes), name=name, probe=probe.strip(),
                                       pairs=pairs))
    except (ValueError, OSError) as e:
        st.session_state[k(P, "error")] = str(e)
        return
    st.query_params[Q_JOB] = job
    st.session_state[MINE] = job


def new_job_form():
    c1, c2 = st.columns([1, 2])
    with c1:
        task = st.radio(_("Task"), TASKS, key=k(P, "task"), format_func=lambda t: label(TASK_LABELS, t))
    with c2:
        if task == "pairs":
            st.file_uploader(_("Sentence pairs (TSV: source, a tab, target, one pair per line; at most "
                                        "10 MB)"), type=["tsv", "txt"], key=UPLOAD)
    default(k(P, "arch"), "lstm-attn")  # a row of its own: four labels, none cut off
    arch = st.segmented_control(_("Architecture"), list(ARCH_LABELS), key=k(P, "arch"), required=True,
                                format_func=arch_label)
    c1, c2, c3 = st.columns([1, 1, 1])
    with c1:
        st.slider(_("Time budget (minutes)"), 1, 10, 2, key=k(P, "minutes"))
    with c2:
        default(k(P, "name"), "")
        st.text_input(_("Model name"), key=k(P, "name"), placeholder=training.default_name(task, arch),
                             help=_("Lower-case letters, digits and dashes. The model is saved under this name."))
    with c3:
        default(k(P, "probe") + task, PROBES[task])
        st.text_input(_("Probe input"), key=k(P, "probe") + task,
                              help=_("Its attention is drawn as the model trains."))
    st.button(_("Start training"), type="primary", icon=":material/play_arrow:", key=button(P, "start"),
              on_click=start)
    error = st.session_state.get(k(P, "error"))
    if error:
        st.error(md(error))


def show_job(job: str):
    spec = jobs.spec_of(job)
    state = jobs.status(job)
    active = state["state"] in ("waiting", "running")

    @st.fragment(run_every=1.0 if active else None)
    def live():
        now = jobs.status(job)
        evs = jobs.events(job)
        if (now["state"] in ("waiting", "running")) != active:  # it has started or ended: draw the page anew
            st.rerun()
        st.subheader(_("{name}: {arch} on {task}, {minutes:g} min — {state}").format(
            name=md(spec.name), arch=arch_label(spec.arch), task=label(TASK_LABELS, spec.task), minutes=spec.minutes,
            state=label(training.STATE_LABELS, now["state"])))
        fraction, words = training.progress(now, evs, spec.minutes)
        st.progress(fraction, text=words)
        if now["state"] in ("waiting", "running"):
            st.button(_("Cancel"), icon=":material/stop:", key=button(P, "cancel"), on_click=jobs.cancel, args=(job,))
        if now["state"] == "failed":
            st.error(_("Training failed: {error}").format(error=md(now.get("error", ""))))
        if now["state"] == "cancelled":
            st.warning(_("Cancelled."))
        metric = next((e["metric"] for e in evs if e["event"] == "start"), "exact")
        if any(e["event"] == "step" for e in evs):
            c1, c2 = st.columns([1, 1])
            with c1:
                figures.plot(training.curve_figure(evs, metric), f"{spec.name}-training")
            with c2:
                fig, output = training.probe_figure(evs)
                if fig is not None:
                    figures.plot(fig, f"{spec.name}-probe")
                    st.markdown(_("It writes: {output}").format(output=code(output)))
        if now["state"] == "done":
            st.success(_("**{name}** is saved and ready on every page (marked as yours).").format(name=md(spec.name)))
            st.page_link("views/step.py", label=_("Step through its decoding"), icon=":material/step_over:",
                         query_params={"model": spec.name, **({"text": spec.probe} if spec.probe else {})})

    live()
    if not active:
        st.button(_("Train another model"), key=button(P, "again"), on_click=lambda: st.query_params.pop(Q_JOB, None))


job = job_in_url()
if job:
    show_job(job)
else:
    new_job_form()
    mine = [n for n in models.user_model_names()]
    if mine:
        st.caption(_("Models trained here so far: {names}.").format(names=", ".join(md(n) for n in mine)))
