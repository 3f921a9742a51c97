"""Score a model on a test split (or any pairs) and write metrics.json and its model card.

    python -m seq2seq.evaluate --model en-zh-transformer [--data PATH] [--split test] [--json]
    python -m seq2seq.evaluate --model dates-lstm-attn --pairs my_pairs.tsv

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

from . import checkpoint
from .batching import greedy_batch
from .data import BUCKETS, Example, bucket_name, find_corpus, load_task, sha256, source_length
from .decoding import decode
from .train import encode_src


def token_accuracy(hyp: str, ref: str) -> float:
    """Share of reference characters matched at the same position."""
    return sum(a == b for a, b in zip(hyp, ref)) / max(1, len(ref))


def score(task: str, hyps: list[str], examples: list[Example], argmaxes=None) -> dict:
    refs = [e.tgt for e in examples]
    out = {"n": len(examples), "exact": 100.0 * sum(h == r for h, r in zip(hyps, refs)) / max(1, len(refs))}
    if task == "en-zh":
        import sacrebleu

        out["bleu"] = sacrebleu.corpus_bleu(hyps, [refs], tokenize="zh").score
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
    pairs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 2:
                raise ValueError(f"{path}:{n}: expected 'source<TAB>reference'")
            pairs.append(Example(cols[0], cols[1]))
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


def write_card(folder: Path) -> str:
    """The model card README.md, from config.json, metrics.json and train_log.jsonl."""
    info = json.loads((folder / checkpoint.CONFIG).read_text())
    mpath, lpath = folder / "metrics.json", folder / "train_log.jsonl"
    metrics = json.loads(mpath.read_text()) if mpath.is_file() else None
    log = [json.loads(x) for x in lpath.read_text().splitlines() if x.strip()] if lpath.is_file() else []
    task, arch, tr = info["task"], info["arch"], info.get("train", {})
    titles = {"en-zh": "English → Chinese (Tatoeba)", "dates": "date normalisation → ISO 8601",
              "reverse": "sequence reversal"}
    describe = {"lstm": "plain LSTM encoder-decoder (no attention: the decoder sees one context vector)",
                "lstm-attn": f"LSTM encoder-decoder with {info['config'].get('score', '')} attention",
                "transformer": "encoder-decoder Transformer (pre-norm, sinusoidal positions)"}
    article = "An" if describe[arch][0] in "aeiouL" else "A"  # "an LSTM": said "el-es-tee-em"
    lines = [f"# {folder.name}", "", f"{article} {describe[arch]} for {titles[task]}, trained by Attention Lab.", "",
             "## Model", "", f"- architecture: `{arch}`; parameters: {info['parameters']:,}; "
             f"weights stored as {info['weights_dtype']}"
             + (" (one scale per row; cast to float32 at load)" if info["weights_dtype"] == "int8" else ""),
             "- config: " + ", ".join(f"`{k}={v}`" for k, v in info["config"].items()), ""]
    lines += ["## Data", ""]
    if task == "en-zh":
        lines += [f"Tatoeba English–Chinese pairs (`{info.get('data')}`, sha256 `{info.get('data_sha256')}`), "
                  "the fixed split of `shared/data/README.md` (by a SHA-1 of the English sentence), Chinese "
                  "converted to Simplified with OpenCC (t2s), one token per character; English split into words "
                  "and punctuation, lower-cased.", "",
                  "Data credit: sentences from [Tatoeba](https://tatoeba.org) and its contributors, via "
                  "www.manythings.org/anki, licensed CC-BY 2.0 France "
                  "(https://creativecommons.org/licenses/by/2.0/fr/).", ""]
    else:
        gen = tr.get("generated") or {}
        n = gen.get("size") or tr.get("train_pairs")
        size = f"{n:,} training pairs" if n else "the training pairs"
        harder = ([f"each letter repeats the one before with probability {gen['repeat']}"] if gen.get("repeat")
                  else []) + ([f"{100 * gen['patterns']:g} % of the sequences repeat a short unit (`abcabc`, "
                               "`aaaa`, `defgdefg`)"] if gen.get("patterns") else [])
        runs = (f"; in training {' and '.join(harder)}, where a model cannot find its place by the letter it "
                "just wrote and must count positions, while dev and test letters are uniform" if harder else "")
        lines += [f"Generated by `seq2seq.data` (`{task}`): {size} from seed 1, dev (1,000) from seed 2, test "
                  f"(2,000) from seed 3, test and dev sources excluded from train{runs}. The true alignment of "
                  "every output character is known.", ""]
    command = tr.get("command") or (f"python -m seq2seq.train --task {task} --arch {arch} --out checkpoints/"
                                    f"{folder.name} --threads {tr.get('threads', 1)}"
                                    + (" --data ../shared/data/cmn-eng.tsv" if task == "en-zh" else ""))
    recipe = ", ".join(f"{k} {tr[k]}" for k in ("batch", "lr", "warmup") if k in tr)
    lines += ["## Training", "",
              f"- command: `{command}` (or `scripts/train_all.sh`)"
              + (f"; {recipe} (peak learning rate, then inverse square-root decay)" if recipe else ""),
              f"- {tr.get('epochs_run', '?')} epochs in {tr.get('minutes', '?')} min on {tr.get('device', 'cpu')} "
              f"({tr.get('threads', '?')} thread{'' if tr.get('threads') == 1 else 's'} of a 2-core machine, torch "
              f"{tr.get('torch', '?')}); best dev "
              f"epoch {tr.get('epochs', '?')} (dev {'BLEU' if task == 'en-zh' else 'exact match'} "
              f"{tr.get('best_dev', '?')}); seed {tr.get('seed', '?')}"]
    if info["weights_dtype"] == "int8":
        lines.append(f"- then stored as int8: `python -m seq2seq.compress {folder.name} --dtype int8`")
    lines.append("")
    if log:
        key = next(k for k in log[0] if k.startswith("dev_"))
        lines += ["| epoch | train loss | " + key.replace("_", " ") + " | seconds |", "|---|---|---|---|"]
        lines += [f"| {r['epoch']} | {r['train_loss']} | {r[key]} | {r['seconds']} |" for r in log]
        lines.append("")
    lines += ["## Test metrics", ""]
    if metrics:
        m = metrics["metrics"]
        lines += [f"Split `{metrics['split']}` ({m['n']} pairs), greedy decoding. Command: `{metrics['command']}`", ""]
        cols = [k for k in ("bleu", "chrf", "exact", "token_acc", "align_acc") if k in m]
        names = {"bleu": "BLEU", "chrf": "chrF", "exact": "exact %", "token_acc": "token acc %",
                 "align_acc": "attention argmax in true span %"}
        lines += ["| bucket | n | " + " | ".join(names[c] for c in cols) + " |", "|---" * (len(cols) + 2) + "|"]
        lines += [f"| all | {m['n']} | " + " | ".join(str(m[c]) for c in cols) + " |"]
        for r in metrics["by_length"]:
            lines += [f"| {r['bucket']} | {r['n']} | " + " | ".join(str(r.get(c, '')) for c in cols) + " |"]
        d = metrics["decode"]
        lines += ["", f"Decoding: {d['sentences_per_s']} sentences/s batched; one full trace (what the app "
                      f"computes) {d['trace_ms_median']} ms median, on {d['device']}.", ""]
    else:
        lines += ["Not evaluated yet: run `python -m seq2seq.evaluate --model " + folder.name + "`.", ""]
    if (folder / "NOTES.md").is_file():  # what the numbers alone do not say: how the recipe was chosen
        lines += ["## Notes", "", (folder / "NOTES.md").read_text().strip(), ""]
    text = "\n".join(lines)
    checkpoint.atomic_write(folder / "README.md", text)
    return text


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m seq2seq.evaluate", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a name under checkpoints/ or a checkpoint folder")
    p.add_argument("--data", help="en-zh corpus (cmn-eng.tsv); default ../shared/data/cmn-eng.tsv")
    p.add_argument("--split", default="test", choices=["train", "dev", "test"])
    p.add_argument("--pairs", help="score these pairs instead (source TAB reference per line); not saved")
    p.add_argument("--device", default="auto")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = p.parse_args(argv)
    try:
        model = checkpoint.load(args.model, device=args.device)
        task = model.task
        folder = checkpoint.find(args.model)
        if args.pairs:
            examples = read_pairs(args.pairs)
        else:
            examples = load_task(task, args.data)[args.split]
        result = evaluate(model, examples, task)
    except (checkpoint.CheckpointError, FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    corpus = find_corpus(args.data) if task == "en-zh" and not args.pairs else None
    result = {"model": folder.name, "task": task, "arch": model.arch,
              "split": "pairs:" + Path(args.pairs).name if args.pairs else args.split, **result,
              "data": corpus.name if corpus else (args.pairs or f"generated ({task})"),
              "data_sha256": sha256(corpus) if corpus else None,
              "command": "python -m seq2seq.evaluate " + " ".join(argv if argv is not None else sys.argv[1:]),
              "evaluated": dt.date.today().isoformat()}
    if not args.pairs:
        checkpoint.write_json(folder / "metrics.json", result)
        write_card(folder)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        m = result["metrics"]
        print(f"{folder.name} {result['split']}: " + ", ".join(f"{k} {v}" for k, v in m.items()))
        for r in result["by_length"]:
            print("  " + ", ".join(f"{k} {v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
