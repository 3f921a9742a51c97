"""Re-store a checkpoint's weights in another dtype, to fit the size budget.

    python -m seq2seq.compress checkpoints/en-zh-lstm --dtype int8
"""

from __future__ import annotations

import argparse

from . import cli
from .checkpoint import convert
from .weights import DTYPES


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m seq2seq.compress", description=__doc__.splitlines()[0])
    p.add_argument("model", help="a name under checkpoints/ or a checkpoint folder")
    p.add_argument("--dtype", required=True, choices=DTYPES)
    a = p.parse_args(argv)
    try:
        print(convert(a.model, a.dtype))
    except cli.BAD_INPUT as e:
        return cli.fail(e)
    return 0


if __name__ == "__main__":
    cli.run(main)
