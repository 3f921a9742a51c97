"""Translate one sentence from the command line and print the output or the whole trace.

    python -m seq2seq.translate --model dates-transformer "Tuesday, 9 May 2018"
    python -m seq2seq.translate --model en-zh-transformer --strategy beam --beam 4 --json "I like tea."
"""

from __future__ import annotations

import argparse
import sys

from . import cli
from .checkpoint import load
from .decoding import STOPS, STRATEGIES, decode


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m seq2seq.translate", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a name under checkpoints/ or a checkpoint folder")
    p.add_argument("--strategy", default="greedy", choices=STRATEGIES)
    p.add_argument("--beam", type=int, default=4, help="beam size (beam strategy)")
    p.add_argument("--length-penalty", type=float, default=1.0)
    p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature")
    p.add_argument("--top-k", type=int, default=0, help="sample from the k most likely tokens (0: all)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed: same seed, same output")
    p.add_argument("--target", help="reference to force (forced strategy)")
    p.add_argument("--max-len", type=int)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | mps")
    p.add_argument("--json", action="store_true", help="print the whole trace as JSON")
    p.add_argument("text", help="the sentence to translate")
    args = p.parse_args(argv)
    try:
        text, target = cli.utf8(args.text), args.target and cli.utf8(args.target, "--target")
        model = load(args.model, device=args.device)
        trace = decode(model, text, args.strategy, beam=args.beam, length_penalty=args.length_penalty,
                       temperature=args.temperature, top_k=args.top_k, seed=args.seed, target=target,
                       max_len=args.max_len)
    except (*cli.BAD_INPUT, RuntimeError) as e:
        return cli.fail(e)
    print(trace.to_json() if args.json else trace.output)
    if not trace.finished:  # in the JSON too, as "stopped": "length" or "budget"
        print(f"note: {STOPS[trace.stopped]} ({trace.steps} steps)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    cli.run(main)
