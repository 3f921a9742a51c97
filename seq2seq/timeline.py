"""Attention forming during training: snapshots of a model's weights from initialisation to
the final model, with its training curve.

`python -m seq2seq.train ... --timeline` keeps a candidate snapshot (float16, in
OUT/.timeline/) at initialisation, at a dozen points of the first epoch and at the end of every
epoch, each with its dev score on the first DEV_LIMIT dev pairs, and the training loss every
1 % of an epoch. Recording reads the model and never draws a random number, so the run is the
same run as without it. At the end, `finish` keeps at most MAX_SNAPSHOTS of them -- the
initial weights and those where the dev score had climbed by about equal parts of its final
value -- as int8 (seq2seq.weights) in OUT/timeline.safetensors, with OUT/timeline.json:

    {"metric": "exact", "steps_per_epoch": 235, "command": "...",
     "snapshots": [{"step": 0, "epoch": 0.0, "dev": 0.0, "loss": null}, ..., {"step": 470, "final": true}],
     "loss": [[step, epoch, mean loss over the last 1 %], ...]}

The last snapshot is the checkpoint itself (its weights are model.safetensors, not copied).

    info = read_timeline("dates-lstm-attn")          # None: the model has no timeline
    model = load_snapshot("dates-lstm-attn", 2)      # a model with the third snapshot's weights
"""

from __future__ import annotations

import json
from pathlib import Path

CANDIDATES = (0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.55, 0.7, 0.85)  # of the first epoch
MAX_SNAPSHOTS = 6  # stored ones; the final model is the checkpoint's own weights
DEV_LIMIT = 300  # dev pairs each candidate is scored on (the same ones for every candidate)
FILE, INFO = "timeline.safetensors", "timeline.json"
MAX_BYTES = 8 * 2**20  # a timeline file larger than this is not read
WORK = ".timeline"  # the candidates, while a run lasts (resumes keep them): checkpoint.TIMELINE_WORK


class Recorder:
    """Takes the candidates of one training run (train.py calls it)."""

    def __init__(self, out: Path, model, score, resumed_step: int):
        """score(model) -> the dev score on DEV_LIMIT pairs; resumed_step: the optimizer steps the
        run resumes after (candidates and loss past it belong to a lost epoch and are dropped)."""
        self.dir, self.model, self.score = Path(out) / WORK, model, score
        self.dir.mkdir(parents=True, exist_ok=True)
        index = self.dir / "index.json"
        self.index = json.loads(index.read_text()) if index.exists() else {"snapshots": [], "loss": []}
        self.index["snapshots"] = [s for s in self.index["snapshots"] if s["step"] <= resumed_step]
        self.index["loss"] = [row for row in self.index["loss"] if row[0] <= resumed_step]
        self._sum = self._n = 0
        if not self.index["snapshots"]:
            self.take(0, 0.0, None)

    def take(self, step: int, epoch: float, loss):
        from safetensors.torch import save_file

        from .weights import encode_weights

        save_file(encode_weights(self.model.state_dict(), "float16"), str(self.dir / f"step-{step}.safetensors"))
        dev = self.score(self.model)
        self.index["snapshots"] = [s for s in self.index["snapshots"] if s["step"] != step]
        self.index["snapshots"].append({"step": step, "epoch": round(epoch, 4), "dev": round(dev, 2),
                                        "loss": None if loss is None else round(loss, 4)})
        self._save()

    def on_step(self, step: int, epoch: int, i: int, n: int, loss: float):
        """After optimizer step `step`, the i-th (1-based) of the n batches of `epoch`."""
        self.index["steps_per_epoch"] = n
        self._sum, self._n = self._sum + loss, self._n + 1
        every = max(1, n // 100)
        if i % every == 0 or i == n:
            mean = self._sum / self._n
            self.index["loss"].append([step, round(epoch - 1 + i / n, 4), round(mean, 4)])
            self._sum = self._n = 0
        if epoch == 1 and i < n and i in {max(1, round(f * n)) for f in CANDIDATES}:
            self.take(step, i / n, self.index["loss"][-1][2] if self.index["loss"] else loss)

    def on_epoch(self, step: int, epoch: int, loss: float):
        """loss: the epoch's mean; the snapshot keeps the last 1 %'s, like the others."""
        self.take(step, float(epoch), self.index["loss"][-1][2] if self.index["loss"] else loss)

    def _save(self):
        tmp = self.dir / "index.json.tmp"
        tmp.write_text(json.dumps(self.index))
        tmp.replace(self.dir / "index.json")


def progress(s: dict, first: dict, final: dict) -> float:
    """How far training had come at snapshot s, 0 (first) .. 1 (final): the mean of the share of
    the final dev score reached and of the fall in training loss (the loss falls long before
    an exact-match score moves, and the attention with it)."""
    dev = s["dev"] / final["dev"] if final["dev"] > 0 else 0.0
    start = first.get("loss") or s.get("loss")
    if start and s.get("loss") and final.get("loss") and start > final["loss"] > 0:
        fall = (start - s["loss"]) / (start - final["loss"])
    else:
        fall = dev
    return 0.5 * min(max(dev, 0.0), 1.0) + 0.5 * min(max(fall, 0.0), 1.0)


def pick(snapshots: list[dict], final: dict, keep: int = MAX_SNAPSHOTS) -> list[dict]:
    """The initial snapshot and, for each of keep-1 equal parts of the way to the final model
    (`progress`), the first snapshot that had come that far (each one once; ordered by step)."""
    earlier = sorted((s for s in snapshots if s["step"] < final["step"]), key=lambda s: s["step"])
    if not earlier:
        return []
    chosen = [earlier[0]]
    # the initial weights have no training loss yet: the first 1 % of training stands for it
    first = {**earlier[0], "loss": next((s["loss"] for s in earlier if s.get("loss")), None)}
    for k in range(1, keep):
        target = k / keep
        hit = next((s for s in earlier if progress(s, first, final) >= target and s not in chosen), None)
        if hit is not None:
            chosen.append(hit)
    rest = [s for s in earlier if s not in chosen]  # fewer distinct climbs than `keep`: fill evenly in time
    while len(chosen) < keep and rest:
        gaps = sorted(s["step"] for s in chosen) + [final["step"]]
        lo, hi = max(zip(gaps, gaps[1:]), key=lambda g: g[1] - g[0])  # the widest gap without a snapshot
        best = min(rest, key=lambda s: abs(s["step"] - (lo + hi) / 2))
        chosen.append(best)
        rest.remove(best)
    return sorted(chosen, key=lambda s: s["step"])


def finish(out, best_step: int, metric: str, command: str | None) -> dict | None:
    """Write OUT/timeline.safetensors and OUT/timeline.json from the run's candidates (the
    final model being the checkpoint of optimizer step `best_step`); returns the json."""
    from safetensors.torch import load_file

    from .checkpoint import _write_weights
    from .weights import decode_weights, encode_weights

    out = Path(out)
    index_file = out / WORK / "index.json"
    if not index_file.exists():
        return None
    index = json.loads(index_file.read_text())
    final = next((s for s in index["snapshots"] if s["step"] == best_step), None)
    if final is None:
        return None
    chosen = pick(index["snapshots"], final)
    tensors = {}
    for n, s in enumerate(chosen):
        state = decode_weights(load_file(str(out / WORK / f"step-{s['step']}.safetensors")))
        tensors.update({f"{n}.{k}": v for k, v in encode_weights(state, "int8").items()})
    _write_weights(tensors, out / FILE)
    info = {"metric": metric, "steps_per_epoch": index.get("steps_per_epoch"), "command": command,
            "snapshots": [*chosen, {**final, "final": True}],
            "loss": [row for row in index["loss"] if row[0] <= best_step]}
    (out / INFO).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def read_timeline(name) -> dict | None:
    """timeline.json of a model (a name under checkpoints/ or a folder), or None without one."""
    from .checkpoint import CheckpointError, _read_json, find

    try:
        folder = find(name)
        if not (folder / INFO).exists() or not (folder / FILE).exists():
            return None
        info = _read_json(folder / INFO)
    except CheckpointError:
        return None
    snaps = info.get("snapshots")
    if not isinstance(snaps, list) or not snaps or not all(isinstance(s, dict) and isinstance(s.get("step"), int)
                                                           for s in snaps):
        return None
    return info


def load_snapshot(name, n: int, device: str = "cpu"):
    """The model `name` with the weights of its timeline's snapshot n (the last: the checkpoint)."""
    from safetensors.torch import load_file

    from .checkpoint import CheckpointError, checked_file, find, load
    from .weights import decode_weights

    info = read_timeline(name)
    if info is None:
        raise CheckpointError(find(name), "has no timeline (train it with --timeline)")
    if not 0 <= n < len(info["snapshots"]):
        raise ValueError(f"snapshot {n} is not one of 0..{len(info['snapshots']) - 1}")
    model = load(name, device=device)
    if info["snapshots"][n].get("final"):
        return model
    stored = load_file(str(checked_file(find(name) / FILE, MAX_BYTES)))
    prefix = f"{n}."
    state = decode_weights({k[len(prefix):]: v for k, v in stored.items() if k.startswith(prefix)})
    model.load_state_dict(state)
    return model.to(device).eval()
