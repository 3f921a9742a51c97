"""The model zoo: which checkpoints exist, the cached loader every session shares, the
device models run on, and the example inputs of each task.

`_load_model` is st.cache_resource: one model per (folder, device, file stamp) per server
process, shared by every session -- so nothing is ever stored on it (a trace lives in
the session that asked for it). A retrained checkpoint has a new stamp and is loaded afresh.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
import threading
from pathlib import Path

import streamlit as st

import seq2seq
from seq2seq.checkpoint import CONFIG, WEIGHTS, CheckpointError
from seq2seq.configs import variant
from seq2seq.gold import gold_alignment
from seq2seq.i18n import _
from seq2seq.tokenize import EOS

from .keys import DEVICE
from .text import ARCH_LABELS, TASK_LABELS, USER, md

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_ARCH = "lstm-attn"


def _split_name(name: str):
    for arch in sorted(ARCH_LABELS, key=len, reverse=True):
        if name.endswith("-" + arch):
            return name[: -len(arch) - 1], arch
    try:
        info = seq2seq.read_config(name)
        return info.get("task"), info.get("arch")
    except CheckpointError:
        return None, None


def zoo() -> dict[str, dict[str, str]]:
    """{task: {arch: model name}} of the checkpoint folders that exist (tasks and archs in
    the order the app presents them). The arch keys are ARCH_LABELS' keys; a user-trained
    model (seq2seq.jobs) is under "<arch>@<its name>", after the shipped ones."""
    found: dict[str, dict[str, str]] = {}
    for name in seq2seq.available():
        task, arch = _split_name(name)
        if isinstance(task, str) and isinstance(arch, str) and arch in ARCH_LABELS:
            found.setdefault(task, {})[arch] = name
    users: dict[str, dict[str, str]] = {}
    for name in seq2seq.checkpoint.available_user():
        try:
            info = seq2seq.read_config(name)
        except CheckpointError:
            continue
        arch = variant(info.get("arch"), info.get("config"))
        if isinstance(info.get("task"), str) and arch in ARCH_LABELS:
            users.setdefault(info["task"], {})[f"{arch}{USER}{name}"] = name
    order = list(TASK_LABELS) + sorted(t for t in {*found, *users} if t not in TASK_LABELS)
    return {t: {**{a: found[t][a] for a in ARCH_LABELS if a in found.get(t, {})},
                **dict(sorted(users.get(t, {}).items()))} for t in order if t in found or t in users}


def user_model_names() -> list[str]:
    """The models trained in the app (seq2seq.jobs), by name."""
    return seq2seq.checkpoint.available_user()


def _gpu_possible() -> bool:
    """Whether this machine could have a GPU torch uses, by what the system shows (no torch)."""
    if sys.platform != "linux":
        return sys.platform == "win32" or (sys.platform == "darwin" and platform.machine() == "arm64")
    return Path("/proc/driver/nvidia").exists() or Path("/dev/kfd").exists() or any(Path("/dev").glob("nvidia[0-9]*"))


@functools.cache
def accelerator() -> str:
    """"cuda", "mps" or "cpu": the best device models can run on here. Asking torch imports it
    (~2 s on a small machine); where no GPU can be (a Linux machine with no NVIDIA or AMD GPU
    device) the answer is "cpu" without it, so the home page and the sidebar never wait for torch."""
    if "torch" not in sys.modules and not _gpu_possible():
        return "cpu"
    return seq2seq.resolve_device("auto").type


_warming = threading.Lock()
_warmed = False


def warm_up():
    """Import torch and the decoding code in the background, once per server process: called
    after a run has been sent (app.py), so the first page paints without waiting for them
    and the first decode finds them loaded."""
    global _warmed
    with _warming:
        if _warmed or os.environ.get("ATTENTION_LAB_WARM_UP") == "0":  # 0: load torch only when a page needs it
            return
        _warmed = True

    def work():
        import seq2seq.decoding  # noqa: F401  (torch and the models with it)
        import seq2seq.models  # noqa: F401

    threading.Thread(target=work, name="attention-lab-warm-up", daemon=True).start()


def device() -> str:
    """The device models run on in this session ("cuda", "mps" or "cpu")."""
    accel = accelerator()
    choice = st.session_state.get(DEVICE, accel)
    return choice if choice in (accel, "cpu") else accel


def _stamp(folder: Path) -> tuple:
    """Changes when the checkpoint's files change (a retrained model is loaded afresh)."""
    out = []
    for f in (CONFIG, WEIGHTS):
        p = folder / f
        out.append(p.stat().st_mtime_ns if p.exists() else 0)
    return tuple(out)


# Each session's decode runs on one CPU thread (ATTENTION_LAB_THREADS sets another number): on a
# server several sessions decode at once, and torch's threads per decode would fight for the cores.
THREADS = int(os.environ.get("ATTENTION_LAB_THREADS") or 1)


@st.cache_resource(show_spinner=False, max_entries=24)  # the spinner: load_model (its text is translated)
def _load_model(folder: str, device: str, stamp: tuple):
    import torch

    torch.set_num_threads(THREADS)
    return seq2seq.load(folder, device=device)


def load_model(name: str):
    """(model, None) or (None, a sentence saying what is wrong with the checkpoint)."""
    try:
        folder = seq2seq.checkpoint.find(name)
        with st.spinner(_("Loading the model…")):  # shown only when loading takes a while (a cache miss)
            # the folder as named (a link keeps its name: model.name is what find() knows it by)
            return _load_model(str(folder.parent.resolve() / folder.name), device(), _stamp(folder)), None
    except CheckpointError as e:
        return None, _("The model **{name}** cannot be loaded: {problem} (file `{file}`).").format(
            name=md(name), problem=md(e.problem), file=e.path.name.replace("`", "'"))  # in a code span: as is
    except Exception as e:  # a broken file can fail in torch or safetensors in many ways
        return None, _("The model **{name}** cannot be loaded: {kind}: {error}").format(
            name=md(name), kind=md(type(e).__name__), error=md(e))


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_snapshot(folder: str, n: int, device: str, stamp: tuple):
    import torch

    from seq2seq.timeline import load_snapshot

    torch.set_num_threads(THREADS)
    model = load_snapshot(folder, n, device=device)
    model.snapshot = n  # decodes of a snapshot are cached apart from the final model's (model_key)
    return model


def load_snapshot(name: str, n: int):
    """(the model `name` with its timeline snapshot n's weights, None) or (None, what is wrong)."""
    try:
        folder = seq2seq.checkpoint.find(name)
        stamp = (*_stamp(folder), *((folder / f).stat().st_mtime_ns for f in ("timeline.json", "timeline.safetensors")
                                    if (folder / f).exists()))
        with st.spinner(_("Loading the model…")):
            return _load_snapshot(str(folder.parent.resolve() / folder.name), n, device(), stamp), None
    except (CheckpointError, ValueError) as e:
        return None, _("The snapshot cannot be loaded: {problem}").format(problem=md(e))
    except Exception as e:  # a broken file can fail in torch or safetensors in many ways
        return None, _("The snapshot cannot be loaded: {kind}: {error}").format(kind=md(type(e).__name__), error=md(e))


def timeline(name: str) -> dict | None:
    """A model's training timeline (seq2seq.timeline), or None."""
    from seq2seq.timeline import read_timeline

    return read_timeline(name)


def timeline_zoo(zoo: dict) -> dict:
    """The zoo {task: {arch: name}} cut to the models that have a training timeline."""
    out = {task: {a: n for a, n in archs.items() if timeline(n) is not None} for task, archs in zoo.items()}
    return {task: archs for task, archs in out.items() if archs}


def model_key(model) -> tuple:
    """What identifies a loaded model across reruns: its folder, file stamp and device (and
    the timeline snapshot its weights come from, if any)."""
    folder = seq2seq.checkpoint.find(model.name)
    return str(folder.resolve()), _stamp(folder), str(model.device), getattr(model, "snapshot", None)


@st.cache_data(show_spinner=False)
def _examples() -> dict:
    try:
        return json.loads((ASSETS / "examples.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def examples(task: str) -> list[dict]:
    """The example inputs of a task (assets/examples.json): [{"text", "target"?}, ...]."""
    items = _examples().get(task, [])
    return [e for e in items if isinstance(e, dict) and isinstance(e.get("text"), str)]


def known_target(task: str, model, text: str) -> str:
    """The true output of `text` where the app knows it: from the generator (dates,
    reverse) or the example list (en-zh). '' otherwise."""
    if model is not None and text.strip():
        gold = gold_alignment(task, model.src_tok.tokenize(text) + [EOS])
        if gold.target:
            return gold.target
    return next((e.get("target", "") for e in examples(task) if e["text"] == text.strip()), "")

