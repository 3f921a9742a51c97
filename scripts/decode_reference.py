"""Write (or check) tests/shipped/decode_reference.npz: what every shipped model decodes for a
few fixed inputs (greedy and beam 4: tokens, probabilities, cross-attention, context vectors),
so that a change made for speed is shown to change nothing (tests/shipped/test_decode_reference.py).

    python scripts/decode_reference.py          # write it (only when a model is retrained)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from seq2seq import decode, load  # noqa: E402
from seq2seq.checkpoint import available  # noqa: E402

OUT = REPO / "tests" / "shipped" / "decode_reference.npz"
INPUTS = {
    "en-zh": ["The weather is very nice in Beijing today.", "ChatGPT is powerful."],
    "dates": ["9 May 2018", "Tuesday, the 3rd of March 1998"],
    "reverse": ["neuralmachine", "attention"],
}
SETTINGS = {"greedy": {}, "beam": {"beam": 4}}
FIELDS = ("probs", "cross_weights", "context", "topk_probs")


def references() -> dict[str, np.ndarray]:
    """key 'model|strategy|i|field' -> array; tokens as a unicode array."""
    torch.set_num_threads(1)
    out = {}
    for name in available():
        model = load(name)
        for i, text in enumerate(INPUTS[model.task]):
            for strategy, kw in SETTINGS.items():
                tr = decode(model, text, strategy, **kw)
                key = f"{name}|{strategy}|{i}"
                out[f"{key}|tokens"] = np.array(tr.tgt_tokens)
                for f in FIELDS:
                    v = getattr(tr, f)
                    if v is not None:
                        out[f"{key}|{f}"] = np.asarray(v, dtype=np.float32)
    return out


if __name__ == "__main__":
    refs = references()
    np.savez_compressed(OUT, **refs)
    print(f"wrote {OUT.relative_to(REPO)}: {len(refs)} arrays, {OUT.stat().st_size / 1024:.0f} KB")
