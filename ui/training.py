"""The train page's side of seq2seq.jobs: what to train (with an uploaded corpus saved and
checked), and a job's progress as figures and words. Training runs in its own process; the
page only reads the job's files."""

from __future__ import annotations

import hashlib

from seq2seq import jobs
from seq2seq.data import PairsError, read_pairs
from seq2seq.i18n import N_, _
from seq2seq.subword import display
from seq2seq.viz import attention_figure, timeline_figure

from .shell import presenting
from .stage import screen

STATE_LABELS = {"waiting": N_("waiting"), "running": N_("training"), "done": N_("done"), "failed": N_("failed"),
                "cancelled": N_("cancelled")}


def default_name(task: str, arch: str) -> str:
    """The name a model trained in the app gets when the user gives none (a name, never translated)."""
    return f"my-{task}-{arch}"


def save_upload(data: bytes, name: str) -> str:
    """Check an uploaded pairs file (seq2seq.data.read_pairs: PairsError naming the first bad
    line) and keep it beside the jobs; its path."""
    read_pairs(data, name)
    folder = jobs.jobs_dir().parent / ".uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (hashlib.sha256(data).hexdigest()[:16] + ".tsv")
    if not path.exists():
        path.write_bytes(data)
    return str(path)


def upload_problem(upload) -> str | None:
    """What is wrong with an uploaded file, in one sentence, or None."""
    if upload is None:
        return _("Upload a file of sentence pairs first.")
    try:
        read_pairs(upload.getvalue(), upload.name)
    except PairsError as e:
        return str(e)
    return None


def progress(state: dict, evs: list[dict], minutes: float) -> tuple[float, str]:
    """(fraction of the time budget used, what the bar says)."""
    if state["state"] == "waiting":
        place = state.get("place", 0)
        return 0.0, (_("Waiting for its turn: {n} job(s) ahead of yours.").format(n=place) if place
                     else _("Starting…"))
    seconds = max((e.get("seconds") or e.get("elapsed") or 0.0 for e in evs if e["event"] in ("step", "epoch")),
                  default=0.0)
    budget = minutes * 60
    if state["state"] == "running":
        if not evs:
            return 0.0, _("Preparing the data and the model…")
        left = max(0.0, budget - seconds)
        return min(seconds / budget, 1.0), _("{done:.0f} s of {budget:.0f} s trained · about {left:.0f} s left").format(
            done=seconds, budget=budget, left=left)
    return min(seconds / budget, 1.0) if budget else 1.0, _("Trained for {done:.0f} s.").format(done=seconds)


def curve_figure(evs: list[dict], metric: str):
    """The loss and dev score so far, drawn as a timeline's curve is."""
    loss = [[e["step"], e["epoch"], e["loss"]] for e in evs if e["event"] == "step"]
    dev = [{"step": e["step"], "epoch": float(e["epoch"]), "dev": e.get("dev_" + metric, 0.0)}
           for e in evs if e["event"] == "epoch"]
    last = max([row[1] for row in loss], default=0.0)
    from seq2seq.reports import dev_name

    return timeline_figure({"loss": loss, "snapshots": dev}, None, present=presenting(),
                           dev_name=dev_name("dev_" + metric), budget=last)


def probe_figure(evs: list[dict]):
    """The probe input's attention at the last probe, or None."""
    probe = next((e for e in reversed(evs) if e["event"] == "probe" and e.get("attention")), None)
    if probe is None:
        return None, None
    import numpy as np

    matrix = np.asarray(probe["attention"], dtype=float)
    fig = attention_figure(matrix, display(probe["tgt"]), display(probe["src"]), present=presenting(),
                           max_width=min(screen()["width"], 900),
                           title=_("Its attention on the probe input now (epoch {epoch:.2f})").format(
                               epoch=float(probe.get("epoch") or 0.0)))
    return fig, probe.get("output", "")
