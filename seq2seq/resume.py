"""A training run's state on disk, in `<checkpoint>/.resume/`, so that a killed run goes on
from its last completed epoch (seq2seq.train), and whether a folder may be trained into.

    state.safetensors   model weights, optimiser state and the RNG after the last epoch
    state.json          the loop's counters (epoch, step, best, ...), the optimiser's param
                        groups, and the run's task, arch and model config (a resume must match)
    epoch-N.safetensors the weights of the last epochs, for --average

Every file is written through seq2seq.files (a kill leaves the old file or the new one).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from . import checkpoint
from .files import atomic_save

FRESH = {"epoch": 0, "step": 0, "best": -1.0, "bad_epochs": 0, "seconds": 0.0}


def _refuse(out: Path, problem: str):
    raise ValueError(f"{out}: {problem}")


def save_state(out: Path, model, opt, meta: dict, run: dict):
    """The state after an epoch: weights, optimiser, RNG, the loop's counters and `run`
    ({task, arch, config}: what a resume must match)."""
    folder = out / checkpoint.RESUME
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu().clone() for k, v in model.state_dict().items()}  # tied: a copy each
    for idx, st in opt.state_dict()["state"].items():
        for name, v in st.items():
            tensors[f"opt.{idx}.{name}"] = torch.as_tensor(v).cpu().contiguous()
    tensors["rng"] = torch.get_rng_state()
    atomic_save(folder / "state.safetensors", lambda tmp: save_file(tensors, tmp))
    checkpoint.write_json(folder / "state.json", {**meta, **run, "param_groups": opt.state_dict()["param_groups"]})


def load_state(out: Path, model, opt) -> dict:
    """Put the saved weights, optimiser state and RNG back; the loop's counters."""
    folder = out / checkpoint.RESUME
    meta = json.loads((folder / "state.json").read_text())
    tensors = load_file(folder / "state.safetensors")
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    state: dict = {}
    for k, v in tensors.items():
        if k.startswith("opt."):
            _, idx, name = k.split(".", 2)
            state.setdefault(int(idx), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": meta.pop("param_groups")})
    torch.set_rng_state(tensors["rng"])
    return meta


def keep_epoch(out: Path, model, epoch: int, keep: int):
    """The epoch's weights beside the resume state, the last `keep` of them (for --average)."""
    folder = out / checkpoint.RESUME
    weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}  # tied weights: a copy each
    atomic_save(folder / f"epoch-{epoch}.safetensors", lambda tmp: save_file(weights, tmp))
    for old in epoch_files(out):
        if int(old.stem.split("-")[1]) <= epoch - keep:
            old.unlink()


def epoch_files(out: Path) -> list[Path]:
    """The kept epochs' weights, oldest first."""
    return sorted((out / checkpoint.RESUME).glob("epoch-*.safetensors"), key=lambda f: int(f.stem.split("-")[1]))


def open_run(out: Path, run: dict, model, opt, *, resume: bool, overwrite: bool) -> dict:
    """The loop's counters to start from: those after the last completed epoch (resume), or a
    fresh start. A folder that holds anything is only resumed (resume, the same task, arch and
    config as `run`) or replaced (overwrite), never by default."""
    state = out / checkpoint.RESUME / "state.json"
    held = [p.name for p in out.iterdir()] if out.is_dir() else []
    if resume and state.is_file():
        _check_same_run(out, run, json.loads(state.read_text()))
        meta = load_state(out, model, opt)
        print(f"resuming {out} after epoch {meta['epoch']} (best dev {meta['best']:.2f})", file=sys.stderr)
        return meta
    if resume and not overwrite:
        _refuse(out, "there is no training state to resume (.resume/state.json); pass --overwrite to start afresh")
    if held and not overwrite:
        _refuse(out, "the folder exists and holds " + ", ".join(sorted(held)[:4])
                + ": pass --resume to go on with its training or --overwrite to replace it")
    # a fresh start: they belong to another run
    for old in (checkpoint.TRAIN_LOG, checkpoint.RESUME, checkpoint.TIMELINE_WORK):
        path = out / old
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    return dict(FRESH)


def _check_same_run(out: Path, run: dict, saved: dict):
    """Resume only the run that was started: same task, arch and model config."""
    if "task" not in saved and (out / checkpoint.CONFIG).is_file():  # a state from before these were kept
        info = checkpoint.read_config(out)
        saved = {**saved, "task": info.get("task"), "arch": info.get("arch"), "config": info.get("config")}
    for key in ("task", "arch", "config"):
        if key in saved and saved[key] != run[key]:
            _refuse(out, f"its training state is of {key} {json.dumps(saved[key])[:80]}, not "
                         f"{json.dumps(run[key])[:80]}: pass --overwrite to start a new run there")
