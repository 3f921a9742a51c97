"""A model's answer to "is attention an explanation?", measured on a fixed test sample and written
to its folder as `explain.json` (the model card and the explain page show it):

    python -m seq2seq.explain --model en-zh-transformer [--data PATH] [--sample 300]

faithfulness     the mean over sentences of each sentence's mean per-step Spearman correlation
                 between attention (each layer's mean over heads, the last layer, the rollout)
                 and each attribution's magnitude (seq2seq.attribute), with the attributions'
                 agreement with each other
head_importance  the sample's quality (BLEU for en-zh, exact match for dates and reverse) with
                 each single head knocked out (Transformer: every head of the encoder, the
                 decoder and the cross-attention; LSTM + attention: alpha uniform, alpha frozen
                 at step 0), against the quality with none

The sample is the first `--sample` pairs of the test split in a fixed shuffle (seed 0): the same
sentences for every model of a task. A retrained model drops the file (it described the old weights).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time

import numpy as np

from . import checkpoint, cli
from .attribute import IG_STEPS, METHODS, attribute, faithfulness, knockouts
from .data import load_task
from .decoding import decode
from .evaluate import score

SAMPLE = 300


def sample(examples, n: int = SAMPLE) -> list:
    """The fixed sample: n pairs of a seeded shuffle (seed 0) of the split."""
    order = list(range(len(examples)))
    random.Random(0).shuffle(order)
    return [examples[i] for i in sorted(order[:n])]


def _quality(model, examples, task, knockout=()) -> float:
    hyps = [decode(model, e.src, knockout=knockout).output for e in examples]
    m = score(task, hyps, examples)
    return float(m["bleu"] if task == "en-zh" else m["exact"])


def explain(model, examples, task: str, ig_steps: int = IG_STEPS, log=None) -> dict:
    """The faithfulness table and the head-importance grid of `model` on `examples`."""
    t0 = time.time()
    views: dict = {}
    between: dict = {}
    for i, e in enumerate(examples):
        tr = decode(model, e.src)
        f = faithfulness(tr, {m: attribute(model, tr, m, ig_steps=ig_steps) for m in METHODS})
        for view, row in f.sentence.items():
            for m, rho in row.items():
                views.setdefault(view, {}).setdefault(m, []).append(rho)
        for (m1, m2), rho in f.between.items():
            between.setdefault(f"{m1} ~ {m2}", []).append(rho)
        if log and (i + 1) % 50 == 0:
            log(f"  attribution: {i + 1}/{len(examples)} sentences, {time.time() - t0:.0f} s")

    def mean(xs):
        xs = [x for x in xs if np.isfinite(x)]
        return round(float(np.mean(xs)), 3) if xs else None

    table = {view: {m: mean(v) for m, v in row.items()} for view, row in views.items()}
    t1 = time.time()
    base = _quality(model, examples, task)
    grid = []
    for item in knockouts(model):
        q = _quality(model, examples, task, knockout=[item])
        grid.append({"knockout": list(item) if isinstance(item, tuple) else item, "quality": round(q, 2),
                     "change": round(q - base, 2)})
        if log:
            log(f"  knocked out {item}: {q:.2f} ({q - base:+.2f})")
    return {"faithfulness": table, "attributions_agree": {k: mean(v) for k, v in between.items()},
            "head_importance": {"metric": "bleu" if task == "en-zh" else "exact", "none": round(base, 2),
                                "heads": grid},
            "sample": len(examples), "ig_steps": ig_steps,
            "seconds": {"attribution": round(t1 - t0, 1), "knockout": round(time.time() - t1, 1)}}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m seq2seq.explain", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a name under checkpoints/ or a checkpoint folder")
    p.add_argument("--data", help="en-zh corpus (cmn-eng.tsv); default ../shared/data/cmn-eng.tsv")
    p.add_argument("--sample", type=int, default=SAMPLE, help=f"test pairs (default {SAMPLE})")
    p.add_argument("--ig-steps", type=int, default=IG_STEPS)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    import torch

    try:
        if not 1 <= args.sample <= 5000 or not 2 <= args.ig_steps <= 300 or not 1 <= args.threads <= 64:
            raise ValueError("--sample 1..5000, --ig-steps 2..300, --threads 1..64")
        torch.set_num_threads(args.threads)
        model = checkpoint.load(args.model, device="cpu")
        folder = checkpoint.find(args.model)
        examples = sample(load_task(model.task, args.data)["test"], args.sample)
    except cli.BAD_INPUT as e:
        return cli.fail(e)
    result = {"model": folder.name, "task": model.task, "arch": model.arch,
              **explain(model, examples, model.task, args.ig_steps, log=lambda s: print(s, file=sys.stderr)),
              "command": "python -m seq2seq.explain " + " ".join(argv if argv is not None else sys.argv[1:]),
              "evaluated": dt.date.today().isoformat()}
    checkpoint.write_json(folder / checkpoint.EXPLAIN, result)
    print(f"{folder.name}: faithfulness {result['faithfulness']}, quality with none knocked out "
          f"{result['head_importance']['none']}")
    return 0


if __name__ == "__main__":
    cli.run(main)
