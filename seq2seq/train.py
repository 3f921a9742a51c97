"""Train one model: `python -m seq2seq.train --task en-zh --arch transformer --data PATH --out DIR`.

Evaluates on dev after every epoch, keeps the best checkpoint in DIR, stops
early, logs one JSON line per epoch (DIR/train_log.jsonl), and resumes after a
kill from the last completed epoch (DIR/.resume/, never half-written). The
checkpoint's config.json records the recipe, the time and the machine it ran on.

    from seq2seq.train import TrainConfig, train
    train(TrainConfig(task="reverse", arch="lstm-attn", out="checkpoints/my-reverse", minutes=5))
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn
from tqdm import tqdm

from . import checkpoint, cli, resume
from .batching import greedy_batch, pad
from .data import TOKENIZERS, TRAIN_DATA, Example, find_corpus, load_task, sha256
from .distributed import Dist, all_sum, barrier, shard
from .models import REGISTRY, build_model
from .names import with_name_pairs
from .schema import model_config_problem
from .tasks import TASKS
from .tokenize import BOS_ID, EOS_ID, PAD_ID, Tokenizer

# Hyper-parameters per (task, arch): model config, batch size, peak learning rate.
# Sizes within a task are of the same order, so the comparison is fair.
DEFAULTS = {
    # The attention models: one vocabulary and tied embeddings, and names recipe 2 (seq2seq.names), so
    # that names pass through; the plain LSTM keeps the recipe it was trained with.
    ("en-zh", "transformer"): dict(config=dict(d_model=256, heads=4, enc_layers=2, dec_layers=2, d_ff=1024,
                                               dropout=0.15, tie=True), batch=64, lr=1e-3, warmup=800, names=2),
    ("en-zh", "lstm-attn"): dict(config=dict(emb=256, hidden=512, score="additive", attn_dim=256, dropout=0.2,
                                             tie=True), batch=64, lr=2e-3, warmup=300, names=2),
    ("en-zh", "lstm"): dict(config=dict(emb=256, hidden=512, dropout=0.2), batch=64, lr=2e-3, warmup=300),
    ("dates", "transformer"): dict(config=dict(d_model=128, heads=4, enc_layers=2, dec_layers=2, d_ff=256,
                                               dropout=0.1), batch=128, lr=1e-3, warmup=300),
    ("dates", "lstm-attn"): dict(config=dict(emb=64, hidden=256, score="additive", attn_dim=64, dropout=0.1),
                                 batch=128, lr=2e-3, warmup=100),
    ("dates", "lstm"): dict(config=dict(emb=64, hidden=256, dropout=0.1), batch=128, lr=2e-3, warmup=100),
    ("reverse", "transformer"): dict(config=dict(d_model=128, heads=4, enc_layers=2, dec_layers=2, d_ff=256,
                                                 dropout=0.1), batch=128, lr=1e-3, warmup=300),
    # Luong's general score: with the additive one the attention sat one letter off (see the model card).
    ("reverse", "lstm-attn"): dict(config=dict(emb=64, hidden=256, score="general", attn_dim=64, dropout=0.1),
                                   batch=128, lr=2e-3, warmup=100),
    ("reverse", "lstm"): dict(config=dict(emb=64, hidden=256, dropout=0.1), batch=128, lr=2e-3, warmup=100),
    # anyone's sentence pairs (--pairs): small models, for a corpus of thousands of pairs and minutes of training
    ("pairs", "transformer"): dict(config=dict(d_model=128, heads=4, enc_layers=2, dec_layers=2, d_ff=512,
                                               dropout=0.1), batch=64, lr=1e-3, warmup=300),
    ("pairs", "lstm-attn"): dict(config=dict(emb=128, hidden=256, score="additive", attn_dim=128, dropout=0.2),
                                 batch=64, lr=2e-3, warmup=100),
    ("pairs", "lstm"): dict(config=dict(emb=128, hidden=256, dropout=0.2), batch=64, lr=2e-3, warmup=100),
}
MAX_TRAIN_LEN = 60  # longer pairs (ids, with EOS / BOS) are left out of training


@dataclass
class TrainConfig:
    """One training run; `python -m seq2seq.train` fills it from its options."""

    task: str  # en-zh, dates, reverse, or pairs (with data: the pairs file)
    arch: str  # a key of seq2seq.models.REGISTRY
    out: str | Path  # the checkpoint folder to write, and to resume from
    data: str | None = None  # en-zh corpus (cmn-eng.tsv; None: $ATTENTION_LAB_DATA or ../shared/data), or pairs file
    epochs: int = 30  # at most this many epochs
    minutes: float | None = None  # start no new epoch after this much training time
    patience: int = 4  # stop after this many epochs without a better dev score
    device: str = "auto"  # auto | cpu | cuda | mps
    seed: int = 1  # weights and batch order
    threads: int | None = None  # torch CPU threads; None: torch's default
    model: dict = field(default_factory=dict)  # model config fields over DEFAULTS[(task, arch)]["config"]
    lr: float | None = None  # peak learning rate; None: DEFAULTS
    batch: int | None = None  # sentence pairs per batch; None: DEFAULTS
    warmup: int | None = None  # linear warm-up steps before the inverse square-root decay; None: DEFAULTS
    train_size: int | None = None  # generated tasks: training pairs to generate; None: data.TRAIN_DATA
    half: bool | None = None  # store weights as float16; None: above 2.5 M parameters (folders under 12 MB)
    average: int = 0  # at the end, average the weights of the last N epochs; kept if dev improves (0: off)
    quiet: bool = False  # no progress bar
    resume: bool = False  # go on from out/.resume (the same task, arch and model config only)
    overwrite: bool = False  # replace what `out` holds (the old model stays until the first new save)
    timeline: bool = False  # keep snapshots from initialisation to the final model (seq2seq.timeline)
    steps: int | None = None  # stop after this many optimizer steps in all (None: epochs decide)
    hard_stop: bool = False  # `minutes` stops training within an epoch too (then dev, save): the app's budget
    command: str | None = None  # the command line, recorded in config.json (main() sets it)

    def recipe(self) -> dict:
        """lr, batch and warmup: the ones given, else the task's and architecture's defaults."""
        defaults = DEFAULTS[(self.task, self.arch)]
        return {k: getattr(self, k) or defaults[k] for k in ("lr", "batch", "warmup")}


def encode_src(tok: Tokenizer, text: str) -> list[int]:
    """Source ids end with EOS, as in fairseq: it marks the end for every architecture."""
    return tok.encode(text) + [EOS_ID]


def batches(pairs, batch_size, rng):
    """Length-bucketed batches: sort within pools of 50 batches, then shuffle the batches."""
    pairs = pairs[:]
    rng.shuffle(pairs)
    out = []
    pool = batch_size * 50
    for i in range(0, len(pairs), pool):
        chunk = sorted(pairs[i: i + pool], key=lambda p: (len(p[0]), len(p[1])))
        out += [chunk[j: j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def dev_score(model, task, examples, limit=None):
    """Dev metric, higher is better: BLEU for en-zh, exact match % otherwise."""
    examples = examples[:limit] if limit else examples
    model.eval()
    outs, _ = greedy_batch(model, [encode_src(model.src_tok, e.src) for e in examples], max_len=80)
    hyps = [model.tgt_tok.detokenize(model.tgt_tok.ids_to_tokens(o)) for o in outs]
    model.train()
    if task in ("en-zh", "pairs"):
        import sacrebleu

        return sacrebleu.corpus_bleu(hyps, [[e.tgt for e in examples]], tokenize=bleu_tokenize(task, examples)).score
    return 100.0 * sum(h == e.tgt for h, e in zip(hyps, examples)) / len(examples)


def metric_of(task: str) -> str:
    """The dev metric a task's training reports: "bleu" for a corpus, "exact" for the generated tasks."""
    return "bleu" if task in ("en-zh", "pairs") else "exact"


def bleu_tokenize(task: str, examples) -> str:
    """sacrebleu's tokenizer for a task's references: "zh" for Chinese, "13a" for a corpus of
    pairs without Chinese, Japanese or Korean characters."""
    if task == "en-zh":
        return "zh"
    cjk = any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for e in examples[:200] for ch in e.tgt)
    return "zh" if cjk else "13a"


def _average(run: Run, out: Path, meta: dict, half: bool):
    """Average the weights of the last epochs kept (Vaswani et al. 2017 average the last 5
    checkpoints); keep the average as the checkpoint if its dev score beats the best epoch's."""
    files = resume.epoch_files(out)[-run.cfg.average:]
    if len(files) < 2:
        return
    last = {k: v.clone() for k, v in run.model.state_dict().items()}  # load_state_dict writes in place
    states = [load_file(f) for f in files]
    run.model.load_state_dict({k: sum(st[k].float() for st in states) / len(states) for k in states[0]})
    score = dev_score(run.model, run.cfg.task, run.dev)
    epochs = [int(f.stem.split("-")[1]) for f in files]
    print(json.dumps({"averaged_epochs": epochs, "dev": round(score, 2), "best_single": round(meta["best"], 2)}),
          file=sys.stderr, flush=True)
    if score > meta["best"]:
        meta["best"] = score
        checkpoint.save(run.model, out, task=run.cfg.task, half=half, **run.data,
                        train={"epochs": meta["epoch"], **run.record, "averaged_epochs": epochs})
    else:
        run.model.load_state_dict(last)


def lr_at(step: int, peak: float, warmup: int) -> float:
    """Linear warm-up to `peak`, then inverse square-root decay."""
    step = max(step, 1)
    return peak * min(step / warmup, math.sqrt(warmup / step))


def machine(device: torch.device) -> dict:
    """The machine training runs on, as the config records it."""
    cpu = platform.processor() or platform.machine()
    try:  # Linux names the CPU model; platform only says "x86_64" there
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    name = (f"cuda:{torch.cuda.get_device_name(device)}" if device.type == "cuda"
            else str(device.type))  # "cuda:NVIDIA H100 80GB HBM3", "cpu", "mps"
    return {"cpu": cpu, "cores": os.cpu_count(), "threads": torch.get_num_threads(), "device": name,
            "python": platform.python_version(), "torch": torch.__version__}


@dataclass
class Run:
    """What a training run works with, built once from its TrainConfig."""

    cfg: TrainConfig
    model: torch.nn.Module
    opt: torch.optim.Optimizer
    pairs: list  # (source ids, target ids) within MAX_TRAIN_LEN
    dev: list[Example]
    record: dict  # config.json's "train" record of every checkpoint this run saves
    data: dict  # config.json's "data" and "data_sha256"
    dist: Dist = field(default_factory=Dist)  # this process's rank among torchrun's (seq2seq.distributed)
    ddp: torch.nn.Module | None = None  # the model wrapped in DistributedDataParallel (more than one rank)


def _tokenizers(task: str, train_ex: list[Example], joint: bool = False) -> tuple[Tokenizer, Tokenizer]:
    """Source and target tokenizers; `joint` (a model with tied embeddings): one vocabulary for both."""
    src_args, tgt_args = TOKENIZERS[task]
    if task == "pairs":  # one SentencePiece model of both sides, whatever the languages
        tok = Tokenizer.build([e.src for e in train_ex] + [e.tgt for e in train_ex], **src_args)
        return tok, tok
    src = Tokenizer.build([e.src for e in train_ex if not e.augmented], **src_args)  # pieces: the corpus alone
    if joint and not src.model:
        raise ValueError(f"tie needs subword pieces on both sides; {task} has none")
    tgt = Tokenizer.build((e.tgt for e in train_ex), **tgt_args,
                          **({"model": src.model, "joint": joint} if src.model else {}))
    return (tgt.joint_source() if joint else src), tgt


def _check(cfg: TrainConfig):
    """ValueError (one sentence) for a setting no run can use, before any data is read."""
    if cfg.task not in TASKS or cfg.arch not in REGISTRY:
        raise ValueError(f"unknown task {cfg.task!r} or arch {cfg.arch!r}")
    for name, low in (("epochs", 1), ("patience", 1), ("threads", 1), ("batch", 1), ("warmup", 1), ("steps", 1),
                      ("average", 0), ("train_size", 1)):
        value = getattr(cfg, name)
        if value is not None and (not isinstance(value, int) or value < low):
            raise ValueError(f"--{name.replace('_', '-')} must be a whole number of at least {low}, not {value!r}")
    for name in ("minutes", "lr"):
        value = getattr(cfg, name)
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"--{name} must be a positive number, not {value!r}")
    if not isinstance(cfg.model, dict):
        raise ValueError(f"bad model config {cfg.model!r} (not a JSON object)")
    problem = model_config_problem({**DEFAULTS[(cfg.task, cfg.arch)]["config"], **cfg.model}, REGISTRY[cfg.arch][1])
    if problem:
        raise ValueError(f"bad model config: {problem}")


def prepare(cfg: TrainConfig) -> Run:
    """Data, tokenizers, model and optimizer of a run, and what its checkpoints will record."""
    if cfg.train_size and cfg.task in ("en-zh", "pairs"):
        raise ValueError("--train-size is for the generated tasks; a corpus is split by its fixed hash split")
    _check(cfg)
    hp, splits = cfg.recipe(), load_task(cfg.task, cfg.data, train_size=cfg.train_size)
    names = DEFAULTS[(cfg.task, cfg.arch)].get("names", 1)
    if "names_seed" in TRAIN_DATA.get(cfg.task, {}):  # en-zh: pairs that teach names to pass through
        splits["train"] = with_name_pairs(splits, TRAIN_DATA[cfg.task]["names_seed"], recipe=names)
    model_cfg = {**DEFAULTS[(cfg.task, cfg.arch)]["config"], **cfg.model}
    src_tok, tgt_tok = _tokenizers(cfg.task, splits["train"], joint=bool(model_cfg.get("tie")))
    device = checkpoint.resolve_device(cfg.device)
    try:
        model = build_model(cfg.arch, **{**model_cfg, "src_vocab": len(src_tok), "tgt_vocab": len(tgt_tok)}).to(device)
    except TypeError as e:  # an unknown field in --config, or not a JSON object
        raise ValueError(f"bad model config {cfg.model!r} ({e})") from None
    model.src_tok, model.tgt_tok = src_tok, tgt_tok
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"], betas=(0.9, 0.98), eps=1e-9, fused=True)  # one kernel
    pairs = [(encode_src(src_tok, e.src), [BOS_ID] + tgt_tok.encode(e.tgt) + [EOS_ID]) for e in splits["train"]]
    pairs = [p for p in pairs if len(p[0]) <= MAX_TRAIN_LEN and len(p[1]) <= MAX_TRAIN_LEN]
    generated = {**TRAIN_DATA.get(cfg.task, {}), **({"size": cfg.train_size} if cfg.train_size else {}),
                 **({"names_recipe": names} if names > 1 else {})}
    record = {"seed": cfg.seed, "device": str(device), "threads": torch.get_num_threads(),
              "train_pairs": len(pairs), "command": cfg.command, **hp, "generated": generated or None,
              "machine": machine(device)}
    corpus = find_corpus(cfg.data) if cfg.task == "en-zh" else Path(cfg.data) if cfg.task == "pairs" else None
    data = {"data": corpus.name if corpus else f"generated ({cfg.task})",
            "data_sha256": sha256(corpus) if corpus else None}
    return Run(cfg, model, opt, pairs, splits["dev"], record, data)


def train_epoch(run: Run, epoch: int, meta: dict, on_step=None) -> tuple[float, int]:
    """One pass over the training pairs in length-bucketed batches; (mean token loss, tokens).
    on_step(step, epoch, i, n, loss): after the i-th (1-based) of the epoch's n optimizer steps."""
    cfg, model, opt, hp, d = run.cfg, run.model, run.opt, run.cfg.recipe(), run.dist
    smoothing = 0.1 if cfg.task == "en-zh" else 0.0
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD_ID, label_smoothing=smoothing)
    sum_fn = nn.CrossEntropyLoss(ignore_index=PAD_ID, label_smoothing=smoothing, reduction="sum")
    t0, total, ntok = time.time(), 0.0, 0
    deadline = t0 - meta["seconds"] + cfg.minutes * 60 if cfg.hard_stop and cfg.minutes else None
    bar = tqdm(batches(run.pairs, hp["batch"], random.Random(cfg.seed * 1000 + epoch)), disable=cfg.quiet or not d.main,
               desc=f"{cfg.task}-{cfg.arch} epoch {epoch}", mininterval=2 if sys.stderr.isatty() else 60,
               file=sys.stderr)
    for i, batch in enumerate(bar, 1):
        if (cfg.steps and meta["step"] >= cfg.steps) or (deadline and time.time() > deadline and i > 1):
            break
        rows, weight = shard(batch, d) if d.world > 1 else (batch, 1.0)
        src, src_mask = pad([p[0] for p in rows], model.device)
        tgt, _ = pad([p[1] for p in rows], model.device)
        meta["step"] += 1
        for g in opt.param_groups:
            g["lr"] = lr_at(meta["step"], hp["lr"], hp["warmup"])
        if d.world > 1:  # this rank's share of the whole batch's mean loss; DDP averages gradients over ranks
            n = sum(len(p[1]) - 1 for p in batch)  # the whole batch's target tokens
            logits = run.ddp(src, src_mask, tgt[:, :-1])
            part = sum_fn(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1)) * weight
            loss = part * d.world / n
            value = all_sum(part.item(), d) / n  # the whole batch's mean loss, as one process would see it
        else:
            logits = model(src, src_mask, tgt[:, :-1])  # (B, T, V)
            loss = loss_fn(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1))
            n = None
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if n is None:
            n, value = int((tgt[:, 1:] != PAD_ID).sum()), loss.item()
        total, ntok = total + value * n, ntok + n
        if on_step is not None:
            on_step(meta["step"], epoch, i, len(bar), value)
        bar.set_postfix(loss=f"{total / ntok:.3f}", tok_s=f"{ntok / (time.time() - t0):.0f}", refresh=False)
    return total / max(ntok, 1), ntok


def _finish(out: Path, model, meta: dict):
    """Record the whole run's time and epochs in the kept checkpoint's config."""
    info = checkpoint.read_config(out)
    info["train"].update(minutes=round(meta["seconds"] / 60, 1), epochs_run=meta["epoch"],
                         best_dev=round(meta["best"], 2), torch=torch.__version__, config_used=asdict(model.config))
    checkpoint.write_json(out / checkpoint.CONFIG, info)


def train(cfg: TrainConfig, on_event=None) -> dict:
    """Train until `epochs`, `minutes`, `steps` or `patience` runs out; returns the final resume
    state. on_event(dict, model): progress as it happens (seq2seq.jobs writes it to a file):
    {"event": "start", ...}, {"event": "step", ...} every 1 % of an epoch, {"event": "epoch", ...}
    after each dev evaluation, {"event": "done", ...}."""
    from .distributed import device_of, setup, teardown

    _check(cfg)
    d = setup(cfg.device)
    if d.world > 1:
        cfg = replace(cfg, device=device_of(d, cfg.device), timeline=False)  # (a timeline: one process)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    if d.main:
        out.mkdir(parents=True, exist_ok=True)
    try:
        return _train(cfg, out, d, on_event)
    finally:
        teardown(d)


def _train(cfg: TrainConfig, out: Path, d: Dist, on_event) -> dict:
    run = prepare(cfg)
    run.dist = d
    half = cfg.half if cfg.half is not None else run.model.num_parameters() > 2_500_000  # folders under 12 MB
    identity = {"task": cfg.task, "arch": cfg.arch, "config": asdict(run.model.config)}  # what a resume must match
    if d.main:
        meta = resume.open_run(out, identity, run.model, run.opt, resume=cfg.resume, overwrite=cfg.overwrite)
    barrier(d)
    if not d.main:  # the state rank 0 resumed from, or a fresh start (rank 0 removed the old state)
        state = out / checkpoint.RESUME / "state.json"
        meta = resume.load_state(out, run.model, run.opt) if cfg.resume and state.is_file() else dict(resume.FRESH)
    if d.world > 1:
        from torch.nn.parallel import DistributedDataParallel

        run.ddp = DistributedDataParallel(run.model)

    def emit(event: dict):
        if on_event is not None and d.main:
            on_event(event, run.model)

    recorder = None
    if cfg.timeline:
        from .timeline import DEV_LIMIT, Recorder

        recorder = Recorder(out, run.model, lambda m: dev_score(m, cfg.task, run.dev, limit=DEV_LIMIT), meta["step"])
    n_batches = math.ceil(len(run.pairs) / run.cfg.recipe()["batch"])  # about: the buckets may add a few
    emit({"event": "start", "epochs": cfg.epochs, "minutes": cfg.minutes, "steps_per_epoch": n_batches,
          "parameters": run.model.num_parameters(), "metric": metric_of(cfg.task),
          "resumed_epoch": meta["epoch"]})
    started = time.time() - meta["seconds"]

    def on_step(step, epoch, i, n, loss):
        if recorder is not None:
            recorder.on_step(step, epoch, i, n, loss)
        if i % max(1, n // 100) == 0 or i == n:
            emit({"event": "step", "step": step, "epoch": epoch - 1 + i / n, "loss": round(loss, 4),
                  "seconds": round(time.time() - started, 2)})

    run.model.train()
    while meta["epoch"] < cfg.epochs and meta["bad_epochs"] < cfg.patience:
        if cfg.minutes and meta["seconds"] > cfg.minutes * 60:
            print(f"time budget of {cfg.minutes} min reached", file=sys.stderr)
            break
        if cfg.steps and meta["step"] >= cfg.steps:
            break
        epoch, t0 = meta["epoch"] + 1, time.time()
        loss, ntok = train_epoch(run, epoch, meta, on_step)
        if recorder is not None:
            recorder.on_epoch(meta["step"], epoch, loss)
        score = dev_score(run.model, cfg.task, run.dev)
        seconds = time.time() - t0
        meta["seconds"] += seconds
        improved = score > meta["best"]
        if improved:
            meta["best"], meta["bad_epochs"], meta["best_step"] = score, 0, meta["step"]
            if d.main:
                checkpoint.save(run.model, out, task=cfg.task, half=half, **run.data,
                                train={"epochs": epoch, **run.record, **({"ranks": d.world} if d.world > 1 else {})})
        else:
            meta["bad_epochs"] += 1
        row = {"epoch": epoch, "train_loss": round(loss, 4), "dev_" + metric_of(cfg.task):
               round(score, 2), "lr": lr_at(meta["step"], run.record["lr"], run.record["warmup"]),
               "seconds": round(seconds, 1), "tokens_per_s": round(ntok / seconds), "best": improved}
        meta["epoch"] = epoch
        if d.main:
            checkpoint.append_train_log(out, row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            emit({"event": "epoch", **row, "step": meta["step"], "elapsed": round(time.time() - started, 2)})
            resume.save_state(out, run.model, run.opt, meta, identity)
            if cfg.average:
                resume.keep_epoch(out, run.model, epoch, cfg.average)
        barrier(d)
    if not d.main:
        return meta
    if cfg.average:
        _average(run, out, meta, half)
    _finish(out, run.model, meta)
    if recorder is not None and "averaged_epochs" not in checkpoint.read_config(out)["train"]:
        from .timeline import finish

        finish(out, meta.get("best_step", meta["step"]), metric_of(cfg.task), cfg.command)
    emit({"event": "done", "out": str(out), "best": meta["best"], "epochs": meta["epoch"], "step": meta["step"]})
    return meta


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", choices=TASKS, help="required unless --pairs is given (then: pairs)")
    p.add_argument("--pairs", help="train on this TSV of sentence pairs (source TAB target per line): --task pairs")
    p.add_argument("--arch", required=True, choices=sorted(REGISTRY))
    p.add_argument("--out", required=True, help="checkpoint folder to write")
    p.add_argument("--data", help="en-zh corpus (cmn-eng.tsv); default ../shared/data/cmn-eng.tsv")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--minutes", type=float, help="stop starting new epochs after this much training time")
    p.add_argument("--patience", type=int, default=4, help="epochs without dev improvement before stopping")
    p.add_argument("--device", default="auto")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--config", type=json.loads, default={}, help="JSON object overriding model config fields")
    p.add_argument("--lr", type=float, help="peak learning rate (default: per task and architecture)")
    p.add_argument("--batch", type=int, help="sentence pairs per batch (default: per task and architecture)")
    p.add_argument("--warmup", type=int, help="warm-up steps (default: per task and architecture)")
    p.add_argument("--train-size", type=int, help="generated tasks: how many training pairs to generate")
    p.add_argument("--average", type=int, default=0,
                   help="at the end, average the weights of the last N epochs (kept if dev improves)")
    p.add_argument("--timeline", action="store_true",
                   help="keep snapshots from initialisation to the final model, for the app's /training page")
    p.add_argument("--steps", type=int, help="stop after this many optimizer steps in all")
    p.add_argument("--resume", action="store_true",
                   help="go on from the last completed epoch in OUT (the same task, arch and config)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace what OUT holds (with --resume: resume if there is a state, else start afresh)")
    args = vars(p.parse_args(argv))
    args["model"] = args.pop("config")
    pairs = args.pop("pairs")
    if pairs:
        args["task"], args["data"] = "pairs", pairs
    elif not args["task"]:
        p.error("--task is required (or --pairs FILE)")
    command = "python -m seq2seq.train " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        train(TrainConfig(**args, command=command))
    except cli.BAD_INPUT as e:
        sys.exit(cli.fail(e))
    return 0


if __name__ == "__main__":
    cli.run(main)
