"""Training jobs for the app: each in its own process, one at a time per jobs folder, their
progress in files that any page (or a reload) reads back.

    job = submit(JobSpec(task="reverse", arch="lstm-attn", minutes=2, name="my-reverse"))
    status(job)   # {"state": "waiting" | "running" | "done" | "failed" | "cancelled", "place": 1, ...}
    events(job)   # the training's progress events (seq2seq.train), in order
    cancel(job)   # stops its process (within 2 s) and says so

A job is a folder JOBS/<id>/: spec.json (what to train), pid, state.json (written by the
worker, or by `cancel`), events.jsonl (one line per event: seq2seq.train's, plus "probe":
the attention of the probe input, refreshed as training goes), and worker.log. The worker
(`python -m seq2seq.jobs run FOLDER`) waits for its turn: the oldest waiting job whose
process is alive goes first, once no job is running (a lock file makes the hand-over
atomic). The model is saved as an ordinary checkpoint in USER_MODELS/<name>, marked
user-trained in its config.json, and every page lists it.

USER_MODELS is $ATTENTION_LAB_USER_MODELS, or user_models/ beside checkpoints/ (never inside it).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from .tasks import TASKS

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
STATES = ("waiting", "running", "done", "failed", "cancelled")
ARCHS = ("lstm", "lstm-attn", "lstm-bahdanau", "transformer")  # what the app offers (lstm-bahdanau: query="prev")
MINUTES = (0.1, 10)  # the time budget a job may ask for (the app offers 1 to 10 minutes; tests ask less)
PROBE_EVERY = 5.0  # seconds between two probes of the attention while training
# The generated tasks' training sets in the app: smaller than the shipped models' (which train for
# tens of minutes), so that epochs are short and the dev score moves often.
APP_TRAIN_SIZE = {"dates": 20000, "reverse": 30000}
APP_BATCH = 64  # half the shipped generated-task models' batch: twice the updates a minute, and it learns sooner


def user_models() -> Path:
    """The folder user-trained models are saved in (created on first use)."""
    from .checkpoint import user_models as folder

    return folder()


def jobs_dir() -> Path:
    return user_models() / ".jobs"


@dataclass
class JobSpec:
    """What to train: task (reverse, dates or pairs with `pairs`: the uploaded file's path), the
    architecture, a time budget in minutes, the model's name and the input whose attention is
    shown while it trains."""

    task: str
    arch: str
    minutes: float
    name: str
    probe: str = ""
    pairs: str | None = None
    created: float = 0.0

    def problem(self) -> str | None:
        """What makes this spec impossible, in one sentence, or None."""
        from .checkpoint import CHECKPOINTS

        if self.task not in TASKS or self.task == "en-zh":
            return f"the app trains reverse, dates or your own pairs, not {self.task!r}"
        if self.arch not in ARCHS:
            return f"unknown architecture {self.arch!r}: one of {', '.join(ARCHS)}"
        if not (isinstance(self.minutes, (int, float)) and MINUTES[0] <= self.minutes <= MINUTES[1]):
            return f"the time budget is {MINUTES[0]} to {MINUTES[1]} minutes, not {self.minutes!r}"
        if not NAME.match(self.name or ""):
            return "a model name is 1 to 40 lower-case letters, digits and dashes, starting with a letter or digit"
        if (CHECKPOINTS / self.name).exists():
            return f"{self.name!r} is the name of a shipped model: pick another"
        if self.task == "pairs" and not (self.pairs and Path(self.pairs).is_file()):
            return "the pairs task needs its file"
        return None


def train_config(spec: JobSpec, out: Path):
    """The seq2seq.train config of a job: the time budget as a hard stop within epochs."""
    from .train import TrainConfig

    arch, model = (("lstm-attn", {"query": "prev"}) if spec.arch == "lstm-bahdanau" else (spec.arch, {}))
    return TrainConfig(task=spec.task, arch=arch, out=out, data=spec.pairs, model=model, minutes=spec.minutes,
                       hard_stop=True, epochs=1000, patience=1000, threads=1, quiet=True, overwrite=True,
                       train_size=APP_TRAIN_SIZE.get(spec.task), batch=APP_BATCH,
                       command=f"the app's training page ({spec.task}, {spec.arch}, {spec.minutes:g} min)")


# --- the app's side ------------------------------------------------------------------------

def submit(spec: JobSpec) -> str:
    """Start a job's worker process (it waits for its turn); returns the job's id."""
    problem = spec.problem()
    if problem:
        raise ValueError(problem)
    spec.created = time.time()
    job = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    folder = jobs_dir() / job
    folder.mkdir(parents=True)
    (folder / "spec.json").write_text(json.dumps(asdict(spec)), encoding="utf-8")
    _write_state(folder, {"state": "waiting"})
    log = open(folder / "worker.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "seq2seq.jobs", "run", str(folder)], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    (folder / "pid").write_text(str(proc.pid))
    return job


def folder_of(job: str) -> Path:
    if not re.match(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$", str(job)):
        raise ValueError(f"no such job {job!r}")
    return jobs_dir() / job


def spec_of(job: str) -> JobSpec:
    return JobSpec(**json.loads((folder_of(job) / "spec.json").read_text(encoding="utf-8")))


def _alive(folder: Path) -> bool:
    try:
        pid = int((folder / "pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    try:  # a zombie (exited, not yet reaped by the app that started it) is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def _read_state(folder: Path) -> dict:
    try:
        return json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"state": "waiting"}


def _write_state(folder: Path, state: dict):
    tmp = folder / "state.json.tmp"
    tmp.write_text(json.dumps({**state, "at": time.time()}), encoding="utf-8")
    tmp.replace(folder / "state.json")


def all_jobs() -> list[str]:
    """Every job's id, oldest first (by the time it was submitted)."""
    d = jobs_dir()
    if not d.is_dir():
        return []
    found = []
    for p in d.iterdir():
        try:
            found.append((float(json.loads((p / "spec.json").read_text(encoding="utf-8"))["created"]), p.name))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return [name for _t, name in sorted(found)]


def status(job: str) -> dict:
    """The job's state; a waiting job's place in the queue (1: next); a job whose process died
    without saying so is "failed"."""
    folder = folder_of(job)
    state = _read_state(folder)
    if state["state"] in ("waiting", "running") and not _alive(folder) and (folder / "pid").exists():
        state = {"state": "failed", "error": _tail(folder / "worker.log") or "the training process ended"}
    if state["state"] == "waiting":
        order = all_jobs()
        before = order[: order.index(job)] if job in order else []
        ahead = [j for j in before if _read_state(jobs_dir() / j)["state"] in ("waiting", "running")
                 and _alive(jobs_dir() / j)]
        state["place"] = len(ahead)  # jobs before this one (a running one included)
    return state


def _tail(path: Path, lines: int = 3) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def events(job: str) -> list[dict]:
    """The job's events so far, in order (a half-written last line is left for the next read)."""
    out = []
    try:
        with open(folder_of(job) / "events.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.endswith("\n"):
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    return out


def cancel(job: str, wait: float = 2.0) -> dict:
    """Stop the job's process (SIGTERM, then SIGKILL if it has not gone within `wait` seconds)."""
    folder = folder_of(job)
    state = status(job)
    if state["state"] not in ("waiting", "running"):
        return state
    try:
        pid = int((folder / "pid").read_text())
        os.killpg(pid, signal.SIGTERM)
        end = time.time() + wait
        while time.time() < end and _alive(folder):
            time.sleep(0.05)
        if _alive(folder):
            os.killpg(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass
    _write_state(folder, {"state": "cancelled"})
    return status(job)


# --- the worker ------------------------------------------------------------------------------

def _my_turn(folder: Path) -> bool:
    """Whether this job may start now: no job running, and none waiting before it."""
    with open(jobs_dir() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for j in all_jobs():
            other = jobs_dir() / j
            state = _read_state(other)["state"]
            if other == folder:
                _write_state(folder, {"state": "running", "started": time.time()})
                return True
            if state in ("waiting", "running") and _alive(other):
                return False
    return False


def run(folder: Path):
    """The worker: wait for the turn, train, write every event, say how it ended."""
    folder = Path(folder)
    spec = JobSpec(**json.loads((folder / "spec.json").read_text(encoding="utf-8")))
    while not _my_turn(folder):
        time.sleep(0.3)
    out = user_models() / spec.name
    log = open(folder / "events.jsonl", "a", encoding="utf-8")
    last_probe = [0.0]

    def write(event: dict):
        log.write(json.dumps(event, ensure_ascii=False) + "\n")
        log.flush()

    def on_event(event: dict, model=None):
        write(event)
        if model is not None and spec.probe and (event["event"] in ("epoch", "done")
                                                 or time.time() - last_probe[0] >= PROBE_EVERY):
            last_probe[0] = time.time()
            write(_probe(model, spec.probe, event))

    from .train import train

    try:
        train(train_config(spec, out), on_event=on_event)
        _mark_user_trained(out, spec)
        _write_state(folder, {"state": "done", "model": spec.name})
    except Exception as e:  # say why in the job's state; the worker log keeps the traceback
        _write_state(folder, {"state": "failed", "error": f"{type(e).__name__}: {e}"})
        raise
    finally:
        log.close()


def _probe(model, text: str, event: dict) -> dict:
    """The attention of the probe input under the weights of this moment (greedy, eval mode)."""
    import numpy as np

    from .attention import cross_matrix
    from .decoding import decode

    was = model.training
    model.eval()
    try:
        trace = decode(model, text, "greedy")
    except ValueError as e:
        return {"event": "probe", "error": str(e)}
    finally:
        model.train(was)
    matrix = cross_matrix(trace, -1, None)
    return {"event": "probe", "step": event.get("step"), "epoch": event.get("epoch"), "output": trace.output,
            "src": list(trace.src_tokens), "tgt": list(trace.tgt_tokens),
            "attention": None if matrix is None else np.round(matrix, 4).tolist()}


def _mark_user_trained(out: Path, spec: JobSpec):
    from .checkpoint import CONFIG, read_config, write_json

    info = read_config(out)
    info["user_trained"] = {"task": spec.task, "arch": spec.arch, "minutes": spec.minutes, "at": time.time()}
    write_json(out / CONFIG, info)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "run":
        print("usage: python -m seq2seq.jobs run JOB_FOLDER", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))  # cancel: go now, whatever is running
    run(Path(args[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
