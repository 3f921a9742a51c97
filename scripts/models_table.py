"""Print the shipped-models table (markdown) from each checkpoint's config.json and metrics.json.

    python scripts/models_table.py            # prints the table the README carries
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "checkpoints"
ORDER = [f"{t}-{a}" for t in ("en-zh", "dates", "reverse") for a in ("lstm", "lstm-attn", "transformer")]


def main():
    rows = ["| model | params | trained | test metrics (greedy) | by source length |", "|---|---|---|---|---|"]
    for name in ORDER:
        folder = ROOT / name
        if not (folder / "config.json").is_file():
            rows.append(f"| `{name}` | — | not trained | — | — |")
            continue
        info = json.loads((folder / "config.json").read_text())
        tr = info.get("train", {})
        mpath = folder / "metrics.json"
        if mpath.is_file():
            m = json.loads(mpath.read_text())
            mm = m["metrics"]
            if info["task"] == "en-zh":
                metric = f"BLEU {mm['bleu']}, chrF {mm['chrf']}"
                key = "bleu"
            else:
                metric = f"exact {mm['exact']} %, token acc {mm['token_acc']} %"
                if "align_acc" in mm:
                    metric += f", attention on true source {mm['align_acc']} %"
                key = "exact"
            lengths = ", ".join(f"{r['bucket']}: {r[key]}" for r in m["by_length"])
        else:
            metric, lengths = "not evaluated", "—"
        threads = tr.get("threads", "?")
        trained = (f"{tr.get('epochs_run', '?')} epochs, {tr.get('minutes', '?')} min, {threads} "
                   f"thread{'' if threads == 1 else 's'}")
        rows.append(f"| [`{name}`](checkpoints/{name}/README.md) | {info['parameters'] / 1e6:.2f} M | {trained} "
                    f"| {metric} | {lengths} |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
