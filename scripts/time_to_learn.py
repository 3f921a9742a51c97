"""How long the app's training takes to teach reverse-lstm-attn the short reversals: seconds of
training until 95 % of the test split's 1-10-letter sequences come out exactly reversed, with
the app's settings (seq2seq.jobs.train_config: one thread, the app's training set). The model
is scored every `--every` seconds of training (the scoring time is not counted).

    python scripts/time_to_learn.py [--minutes 3] [--every 10] [--arch lstm-attn]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seq2seq import jobs  # noqa: E402
from seq2seq.attention import cross_matrix  # noqa: E402
from seq2seq.batching import greedy_batch  # noqa: E402
from seq2seq.data import load_task  # noqa: E402
from seq2seq.decoding import decode  # noqa: E402
from seq2seq.train import encode_src, train  # noqa: E402


def anti_diagonal(model, text="abcdefghij") -> float:
    """Share of the attention of reversing `text` on the mirrored source letter."""
    model.eval()
    trace = decode(model, text)
    model.train()
    m = cross_matrix(trace, -1, None)
    n = len(text)
    return float(sum(m[j, n - 1 - j] for j in range(min(n, m.shape[0]))) / n)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=3)
    p.add_argument("--every", type=float, default=10, help="seconds of training between two scorings")
    p.add_argument("--arch", default="lstm-attn")
    a = p.parse_args(argv)
    short = [e for e in load_task("reverse")["test"] if len(e.src) <= 10]
    spec = jobs.JobSpec(task="reverse", arch=a.arch, minutes=a.minutes, name="time-to-learn")
    scored, last = [], [0.0]

    def on_event(event, model):
        if event["event"] != "step" or event["seconds"] - last[0] < a.every:
            return
        last[0] = event["seconds"]
        model.eval()
        outs, _ = greedy_batch(model, [encode_src(model.src_tok, e.src) for e in short], max_len=16)
        model.train()
        hyps = [model.tgt_tok.detokenize(model.tgt_tok.ids_to_tokens(o)) for o in outs]
        exact = 100.0 * sum(h == e.tgt for h, e in zip(hyps, short)) / len(short)
        row = {"seconds": event["seconds"], "epoch": round(event["epoch"], 3), "exact_1_10": round(exact, 1),
               "anti_diagonal": round(anti_diagonal(model), 3)}
        scored.append(row)
        print(json.dumps(row), flush=True)

    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        train(jobs.train_config(spec, Path(tmp) / "model"), on_event=on_event)
    first = next((r for r in scored if r["exact_1_10"] >= 95), None)
    print(json.dumps({"arch": a.arch, "seconds_to_95": first and first["seconds"], "at": first,
                      "wall_s": round(time.time() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
