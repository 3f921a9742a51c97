"""Score a model on a test split (or any pairs) and write metrics.json and its model card (seq2seq.card).

    python -m seq2seq.evaluate --model en-zh-transformer [--data PATH] [--split test] [--json]
    python -m seq2seq.evaluate --model dates-lstm-attn --pairs my_pairs.tsv
    python -m seq2seq.evaluate --model user_models/my-model --pairs my_pairs.tsv   (trained --pairs: its test split)

Only the test split is saved: metrics.json and the card always hold test numbers (what the
app and the cards present). `--split dev`, `--split train` and `--pairs` print their scores
and change nothing; `--no-save` scores the test split without writing.

en-zh: sacrebleu corpus BLEU (tokenize="zh"), chrF, exact match. dates and
reverse: exact match and per-token accuracy, and for attention models the share
of output tokens whose attention argmax falls inside the true source span.
All tasks: the same scores by source-length bucket.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import torch

from . import checkpoint, cli
from .batching import greedy_batch
from .card import write_card
from .data import Example, find_corpus, load_task, sha256
from .decoding import decode
from .tasks import BUCKETS, bucket_name, source_length
from .train import bleu_tokenize, encode_src


def token_accuracy(hyp: str, ref: str) -> float:
    """Share of reference characters matched at the same position."""
    return sum(a == b for a, b in zip(hyp, ref)) / max(1, len(ref))


def score(task: str, hyps: list[str], examples: list[Example], argmaxes=None) -> dict:
    refs = [e.tgt for e in examples]
    out = {"n": len(examples), "exact": 100.0 * sum(h == r for h, r in zip(hyps, refs)) / max(1, len(refs))}
    if task in ("en-zh", "pairs"):
        import sacrebleu

        out["bleu"] = sacrebleu.corpus_bleu(hyps, [refs], tokenize=bleu_tokenize(task, examples)).score
        out["chrf"] = sacrebleu.corpus_chrf(hyps, [refs]).score
    else:
        out["token_acc"] = 100.0 * sum(token_accuracy(h, r) for h, r in zip(hyps, refs)) / max(1, len(refs))
    if argmaxes and argmaxes[0] is not None and all(e.align for e in examples):
        hit = total = 0
        for arg, e in zip(argmaxes, examples):
            for j, span in enumerate(e.align[: len(arg)]):
                if span:
                    total += 1
                    hit += arg[j] in span
        out["align_acc"] = 100.0 * hit / max(1, total)
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}


def read_pairs(path) -> list[Example]:
    """Every pair of a TSV (seq2seq.data.read_pairs, without its minimum count)."""
    from .data import MIN_PAIRS, PairsError
    from .data import read_pairs as read

    try:
        return read(path)
    except PairsError as e:
        if f"at least {MIN_PAIRS}" not in str(e):
            raise
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if line.strip():
                pairs.append(Example(cols[0].strip(), cols[1].strip()))
    return pairs


def evaluate(model, examples: list[Example], task: str) -> dict:
    t0 = time.time()
    outs, argmaxes = greedy_batch(model, [encode_src(model.src_tok, e.src) for e in examples], max_len=120)
    seconds = time.time() - t0
    hyps = [model.tgt_tok.detokenize(model.tgt_tok.ids_to_tokens(o)) for o in outs]
    result = {"metrics": score(task, hyps, examples, argmaxes), "by_length": []}
    for lo, hi in BUCKETS[task]:
        idx = [i for i, e in enumerate(examples) if lo <= source_length(task, e.src) <= hi]
        if idx:
            row = score(task, [hyps[i] for i in idx], [examples[i] for i in idx], [argmaxes[i] for i in idx])
            result["by_length"].append({"bucket": bucket_name(lo, hi), **row})
    # Latency of the app's path: one full trace per sentence (median over 20 sentences).
    lat = []
    for e in examples[:20]:
        t = time.perf_counter()
        decode(model, e.src)
        lat.append(1000 * (time.perf_counter() - t))
    result["decode"] = {"strategy": "greedy", "batch_seconds": round(seconds, 2),
                        "sentences_per_s": round(len(examples) / seconds, 1),
                        "trace_ms_median": round(statistics.median(lat), 1), "device": str(model.device),
                        "threads": torch.get_num_threads()}
    result["examples"] = [{"src": e.src, "ref": e.tgt, "hyp": h} for e, h in list(zip(examples, hyps))[:8]]
    return result


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m seq2seq.evaluate", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a name under checkpoints/ or a checkpoint folder")
    p.add_argument("--data", help="en-zh corpus (cmn-eng.tsv); default ../shared/data/cmn-eng.tsv")
    p.add_argument("--split", default="test", choices=["train", "dev", "test"])
    p.add_argument("--pairs", help="score these pairs instead (source TAB reference per line); not saved")
    p.add_argument("--device", default="auto")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--no-save", action="store_true", help="do not write metrics.json and the card (test split)")
    args = p.parse_args(argv)
    try:
        model = checkpoint.load(args.model, device=args.device)
        task = model.task
        folder = checkpoint.find(args.model)
        if args.pairs and task == "pairs":  # a model trained on this file: its test split, saved like any test
            examples = load_task(task, args.pairs)[args.split]
        elif args.pairs:
            examples = read_pairs(args.pairs)
        else:
            examples = load_task(task, args.data)[args.split]
        result = evaluate(model, examples, task)
    except cli.BAD_INPUT as e:
        return cli.fail(e)
    corpus = find_corpus(args.data) if task == "en-zh" and not args.pairs else None
    result = {"model": folder.name, "task": task, "arch": model.arch,
              "split": "pairs:" + Path(args.pairs).name if args.pairs and task != "pairs" else args.split, **result,
              "data": corpus.name if corpus else (Path(args.pairs).name if args.pairs else f"generated ({task})"),
              "data_sha256": sha256(corpus) if corpus else None,
              "command": "python -m seq2seq.evaluate " + " ".join(argv if argv is not None else sys.argv[1:]),
              "evaluated": dt.date.today().isoformat()}
    saved = (not args.pairs or task == "pairs") and args.split == "test" and not args.no_save
    if saved:
        checkpoint.write_metrics(folder, result)
        write_card(folder)
    else:
        print(f"note: {result['split']} scores are printed, not saved: metrics.json and the card keep the test "
              "split's", file=sys.stderr)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        m = result["metrics"]
        print(f"{folder.name} {result['split']}: " + ", ".join(f"{k} {v}" for k, v in m.items()))
        for r in result["by_length"]:
            print("  " + ", ".join(f"{k} {v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    cli.run(main)
