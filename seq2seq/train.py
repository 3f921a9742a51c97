"""Train one model: `python -m seq2seq.train --task en-zh --arch transformer --data PATH --out DIR`.

Evaluates on dev after every epoch, keeps the best checkpoint in DIR, stops
early, logs one JSON line per epoch (DIR/train_log.jsonl), and resumes after a
kill from the last completed epoch (DIR/.resume/, never half-written).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from . import checkpoint
from .batching import greedy_batch, pad
from .data import TASKS, TOKENIZERS, TRAIN_DATA, find_corpus, load_task, sha256
from .models import REGISTRY, build_model
from .tokenize import BOS_ID, EOS_ID, PAD_ID, Tokenizer

# Hyper-parameters per (task, arch): model config, batch size, peak learning rate.
# Sizes within a task are of the same order, so the comparison is fair.
DEFAULTS = {
    ("en-zh", "transformer"): dict(config=dict(d_model=256, heads=4, enc_layers=2, dec_layers=2, d_ff=1024,
                                               dropout=0.15), batch=64, lr=1e-3, warmup=800),
    ("en-zh", "lstm-attn"): dict(config=dict(emb=256, hidden=512, score="additive", attn_dim=256, dropout=0.2),
                                 batch=64, lr=2e-3, warmup=300),
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
}
MAX_TRAIN_LEN = 60


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
    if task == "en-zh":
        import sacrebleu

        return sacrebleu.corpus_bleu(hyps, [[e.tgt for e in examples]], tokenize="zh").score
    return 100.0 * sum(h == e.tgt for h, e in zip(hyps, examples)) / len(examples)


def _save_resume(folder: Path, model, opt, meta):
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for idx, st in opt.state_dict()["state"].items():
        for name, v in st.items():
            tensors[f"opt.{idx}.{name}"] = torch.as_tensor(v).cpu().contiguous()
    tensors["rng"] = torch.get_rng_state()
    tmp = folder / ".state.safetensors.tmp"
    save_file(tensors, tmp)
    tmp.replace(folder / "state.safetensors")
    checkpoint.write_json(folder / "state.json", {**meta, "param_groups": opt.state_dict()["param_groups"]})


def _load_resume(folder: Path, model, opt):
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


def train(task, arch, out, data=None, epochs=30, device="auto", seed=1, minutes=None, patience=4,
          threads=None, config_overrides=None, quiet=False, train_limit=None, half=None, lr=None, batch=None,
          warmup=None, train_size=None):
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    hp = {**DEFAULTS[(task, arch)], **{k: v for k, v in dict(lr=lr, batch=batch, warmup=warmup).items() if v}}
    if train_size and task == "en-zh":
        raise ValueError("--train-size is for the generated tasks; en-zh uses the corpus's fixed split")
    splits = load_task(task, data, train_size=train_size)
    train_ex = splits["train"][:train_limit] if train_limit else splits["train"]
    src_args, tgt_args = TOKENIZERS[task]
    src_tok = Tokenizer.build((e.src for e in train_ex), **src_args)
    tgt_tok = Tokenizer.build((e.tgt for e in train_ex), **tgt_args)
    config = {**hp["config"], **(config_overrides or {}), "src_vocab": len(src_tok), "tgt_vocab": len(tgt_tok)}
    dev = checkpoint.resolve_device(device)
    model = build_model(arch, **config).to(dev)
    model.src_tok, model.tgt_tok = src_tok, tgt_tok
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"], betas=(0.9, 0.98), eps=1e-9)
    warmup = hp["warmup"]

    def lr_at(step):  # linear warm-up, then inverse square-root decay
        step = max(step, 1)
        return hp["lr"] * min(step / warmup, math.sqrt(warmup / step))

    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD_ID, label_smoothing=0.1 if task == "en-zh" else 0.0)
    pairs = [(encode_src(src_tok, e.src), [BOS_ID] + tgt_tok.encode(e.tgt) + [EOS_ID]) for e in train_ex]
    pairs = [p for p in pairs if len(p[0]) <= MAX_TRAIN_LEN and len(p[1]) <= MAX_TRAIN_LEN]

    resume = out / ".resume"
    meta = {"epoch": 0, "step": 0, "best": -1.0, "bad_epochs": 0, "seconds": 0.0}
    if (resume / "state.json").is_file():
        meta = _load_resume(resume, model, opt)
        print(f"resuming {out} after epoch {meta['epoch']} (best dev {meta['best']:.2f})", file=sys.stderr)
    log_path = out / "train_log.jsonl"
    if meta["epoch"] == 0 and log_path.exists():
        log_path.unlink()
    corpus = find_corpus(data) if task == "en-zh" else None
    cmd = "python -m seq2seq.train " + " ".join(sys.argv[1:]) if sys.argv[0].endswith("train.py") else None
    data_meta = {"data": corpus.name if corpus else f"generated ({task})",
                 "data_sha256": sha256(corpus) if corpus else None}
    if half is None:
        half = model.num_parameters() > 2_500_000  # keep folders under 12 MB
    model.train()
    while meta["epoch"] < epochs and meta["bad_epochs"] < patience:
        if minutes and meta["seconds"] > minutes * 60:
            print(f"time budget of {minutes} min reached", file=sys.stderr)
            break
        epoch = meta["epoch"] + 1
        t0 = time.time()
        rng = random.Random(seed * 1000 + epoch)
        total, ntok = 0.0, 0
        bar = tqdm(batches(pairs, hp["batch"], rng), desc=f"{task}-{arch} epoch {epoch}", disable=quiet,
                   mininterval=2 if sys.stderr.isatty() else 60, file=sys.stderr)
        for batch in bar:
            src, src_mask = pad([p[0] for p in batch], dev)
            tgt, _ = pad([p[1] for p in batch], dev)
            meta["step"] += 1
            for g in opt.param_groups:
                g["lr"] = lr_at(meta["step"])
            logits = model(src, src_mask, tgt[:, :-1])  # (B, T, V)
            loss = loss_fn(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            n = int((tgt[:, 1:] != PAD_ID).sum())
            total, ntok = total + loss.item() * n, ntok + n
            bar.set_postfix(loss=f"{total / ntok:.3f}", tok_s=f"{ntok / (time.time() - t0):.0f}", refresh=False)
        score = dev_score(model, task, splits["dev"])
        seconds = time.time() - t0
        meta["seconds"] += seconds
        improved = score > meta["best"]
        if improved:
            meta["best"], meta["bad_epochs"] = score, 0
            checkpoint.save(model, out, task=task, half=half, **data_meta,
                            train={"epochs": epoch, "seed": seed, "device": str(dev),
                                   "threads": torch.get_num_threads(), "train_pairs": len(pairs), "command": cmd,
                                   "lr": hp["lr"], "batch": hp["batch"], "warmup": hp["warmup"],
                                   "generated": {**TRAIN_DATA.get(task, {}), **({"size": train_size} if train_size
                                                                                 else {})} or None})
        else:
            meta["bad_epochs"] += 1
        row = {"epoch": epoch, "train_loss": round(total / ntok, 4), "dev_" + ("bleu" if task == "en-zh" else "exact"):
               round(score, 2), "lr": lr_at(meta["step"]), "seconds": round(seconds, 1),
               "tokens_per_s": round(ntok / seconds), "best": improved}
        with open(log_path, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), file=sys.stderr, flush=True)
        meta["epoch"] = epoch
        _save_resume(resume, model, opt, meta)
    # Record the total training time in the kept checkpoint's config.
    info = checkpoint.read_config(out)
    info["train"].update(minutes=round(meta["seconds"] / 60, 1), epochs_run=meta["epoch"],
                         best_dev=round(meta["best"], 2), torch=torch.__version__,
                         config_used={k: v for k, v in asdict(model.config).items()})
    checkpoint.write_json(out / checkpoint.CONFIG, info)
    return meta


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", required=True, choices=TASKS)
    p.add_argument("--arch", required=True, choices=sorted(REGISTRY))
    p.add_argument("--out", required=True, help="checkpoint folder to write")
    p.add_argument("--data", help="en-zh corpus (cmn-eng.tsv); default ../shared/data/cmn-eng.tsv")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--minutes", type=float, help="stop starting new epochs after this much training time")
    p.add_argument("--patience", type=int, default=4, help="epochs without dev improvement before stopping")
    p.add_argument("--device", default="auto")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--config", type=json.loads, help="JSON object overriding model config fields")
    p.add_argument("--lr", type=float, help="peak learning rate (default: per task and architecture)")
    p.add_argument("--batch", type=int, help="sentence pairs per batch (default: per task and architecture)")
    p.add_argument("--warmup", type=int, help="warm-up steps (default: per task and architecture)")
    p.add_argument("--train-size", type=int, help="generated tasks: how many training pairs to generate")
    args = p.parse_args(argv)
    try:
        train(args.task, args.arch, args.out, data=args.data, epochs=args.epochs, device=args.device,
              seed=args.seed, minutes=args.minutes, patience=args.patience, threads=args.threads,
              config_overrides=args.config, lr=args.lr, batch=args.batch, warmup=args.warmup,
              train_size=args.train_size)
    except (FileNotFoundError, ValueError, checkpoint.CheckpointError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
