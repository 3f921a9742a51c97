"""Check the shipped checkpoints on a CUDA GPU against the CPU, and time both.

    python scripts/cuda_check.py [--out cuda_check.json]

For every checkpoint under checkpoints/: load it on the CPU and on the GPU,
decode fixed sentences with both (greedy, one full trace each) and compare
the outputs and the attention; for dates and reverse also decode the whole
test split in batches on the GPU and compare exact match with metrics.json.
Prints one line per model and exits 1 if anything disagrees.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import seq2seq  # noqa: E402
from seq2seq.data import load_task  # noqa: E402
from seq2seq.evaluate import evaluate  # noqa: E402

SENTENCES = {
    "en-zh": ["I like tea.", "Tom wants to go to Boston next week.", "Where is the station?"],
    "dates": ["Tuesday, 9 May 2018", "the 31st of December 1999", "2018年5月9日"],
    "reverse": ["abcdefghij", "attentionisallyouneed", "thequickbrownfoxjumpsoverthelazydogabcde"],
}
ATOL = 2e-3  # float32 on both, but different kernels: allow rounding differences


def timed(fn, repeats=5):
    fn()  # warm-up (CUDA context, kernels)
    times = []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(1000 * (time.perf_counter() - t))
    return statistics.median(times)


def check(name: str, device: str = "cuda") -> dict:
    cpu, gpu = seq2seq.load(name, device="cpu"), seq2seq.load(name, device=device)
    row = {"model": name, "ok": True, "problems": []}
    for text in SENTENCES[cpu.task]:
        a, b = seq2seq.decode(cpu, text), seq2seq.decode(gpu, text)
        if a.output != b.output:
            row["problems"].append(f"{text!r}: cpu {a.output!r} != cuda {b.output!r}")
        elif a.cross_weights is not None:
            diff = float(np.abs(a.cross_weights - b.cross_weights).max())
            row["max_attention_diff"] = max(row.get("max_attention_diff", 0.0), diff)
            if diff > ATOL:
                row["problems"].append(f"{text!r}: attention differs by {diff:.2g}")
        if b.device.split(":")[0] != device:
            row["problems"].append(f"trace says device {b.device!r}")
    text = SENTENCES[cpu.task][1]
    row["trace_ms_cpu"] = round(timed(lambda: seq2seq.decode(cpu, text)), 1)
    row[f"trace_ms_{device}"] = round(timed(lambda: seq2seq.decode(gpu, text)), 1)
    metrics = seq2seq.checkpoint.read_metrics(name)
    shipped = (metrics or {}).get("metrics", {}).get("exact")
    if cpu.task != "en-zh" and shipped is None:
        row["problems"].append("no test exact match in metrics.json to compare with")
    elif cpu.task != "en-zh":
        with torch.no_grad():
            result = evaluate(gpu, load_task(cpu.task)["test"], cpu.task)
        row["test_exact"], row["test_exact_shipped"] = result["metrics"]["exact"], shipped
        row["test_seconds"] = result["decode"]["batch_seconds"]
        if abs(result["metrics"]["exact"] - shipped) > 0.1:
            row["problems"].append(f"test exact {result['metrics']['exact']} on {device}, {shipped} in metrics.json")
    row["ok"] = not row["problems"]
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", help="write the rows as JSON here too")
    p.add_argument("--device", default="cuda", help="the device to compare with the CPU (cpu: a dry run)")
    args = p.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA GPU here", file=sys.stderr)
        return 2
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0) if args.device == 'cuda' else args.device}")
    rows = []
    for name in seq2seq.available():
        try:
            row = check(name, args.device)
        except Exception as e:  # report every model, not just the first failure
            row = {"model": name, "ok": False, "problems": [f"{type(e).__name__}: {e}"]}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, ensure_ascii=False, indent=2))
    bad = [r["model"] for r in rows if not r["ok"]]
    print("all agree" if not bad else f"disagree: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
