"""How often each en-zh model copies a name it never saw: the 36 sentences of
tests/shipped/names.json (names and brands not in the corpus), greedy decoding.

    python scripts/copy_names.py                 # the three shipped en-zh models
    python scripts/copy_names.py --show          # and every output
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

import seq2seq  # noqa: E402

NAMES = json.loads((REPO / "tests" / "shipped" / "names.json").read_text(encoding="utf-8"))["sentences"]
SEED = "ChatGPT is powerful."


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="*", default=[f"en-zh-{a}" for a in ("lstm", "lstm-attn", "transformer")])
    ap.add_argument("--show", action="store_true", help="print every output")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    print("| model | names copied verbatim | \"ChatGPT is powerful.\" |\n|---|---:|---|")
    for name in args.models:
        model = seq2seq.load(name, device="cpu")
        outs = [seq2seq.decode(model, text).output for text, _ in NAMES]
        hits = sum(n in o for (_, n), o in zip(NAMES, outs))
        rate = f"{hits}/{len(NAMES)} ({100 * hits / len(NAMES):.0f} %)"
        print(f"| {name} | {rate} | {seq2seq.decode(model, SEED).output} |")
        if args.show:
            for (text, n), o in zip(NAMES, outs):
                print(f"    {'✓' if n in o else '✗'} {text} → {o}", file=sys.stderr)


if __name__ == "__main__":
    main()
