"""Print the shipped-models table (markdown) from each checkpoint's config.json and metrics.json.

    python scripts/models_table.py            # prints the table the README carries
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seq2seq import checkpoint  # noqa: E402
from seq2seq.tasks import TASKS  # noqa: E402

# the shipped tasks (not "pairs": a user's own corpus), each with the LSTM + attention of both arrangements
ORDER = [f"{t}-{a}" for t in TASKS if t != "pairs" for a in ("lstm", "lstm-attn", "lstm-bahdanau", "transformer")
         if a != "lstm-bahdanau" or t in ("en-zh", "dates")]


def metrics_cells(task: str, metrics: dict | None) -> tuple[str, str]:
    """(test metrics, by source length) cells from a metrics.json."""
    if metrics is None or "metrics" not in metrics:
        return "not evaluated", "—"
    m = metrics["metrics"]
    if task == "en-zh":
        text, key = f"BLEU {m.get('bleu', '—')}, chrF {m.get('chrf', '—')}", "bleu"
    else:
        text, key = f"exact {m.get('exact', '—')} %, token acc {m.get('token_acc', '—')} %", "exact"
        if "align_acc" in m:
            text += f", attention on true source {m['align_acc']} %"
    return text, ", ".join(f"{r['bucket']}: {r.get(key, '—')}" for r in metrics.get("by_length", []))


def row(name: str) -> str:
    if not (checkpoint.CHECKPOINTS / name / checkpoint.CONFIG).is_file():
        return f"| `{name}` | — | not trained | — | — |"
    try:
        info = checkpoint.read_config(checkpoint.CHECKPOINTS / name)
    except checkpoint.CheckpointError as e:
        return f"| `{name}` | — | unreadable: {e.problem} | — | — |"
    tr = info.get("train", {})
    metric, lengths = metrics_cells(info.get("task", ""), checkpoint.read_metrics(checkpoint.CHECKPOINTS / name))
    threads = tr.get("threads", "?")
    trained = (f"{tr.get('epochs_run', '?')} epochs, {tr.get('minutes', '?')} min, {threads} "
               f"thread{'' if threads == 1 else 's'}")
    return (f"| [`{name}`](checkpoints/{name}/README.md) | {info.get('parameters', 0) / 1e6:.2f} M | {trained} "
            f"| {metric} | {lengths} |")


def main():
    rows = ["| model | params | trained | test metrics (greedy) | by source length |", "|---|---|---|---|---|"]
    print("\n".join(rows + [row(name) for name in ORDER]))


if __name__ == "__main__":
    main()
