"""Every shipped model's explain.json as Markdown tables (what BENCHMARKS.md quotes):

    python scripts/explain_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from seq2seq.checkpoint import available, read_explain  # noqa: E402

METHODS = ("ig", "grad_x_input", "erasure")


def _cell(f: dict, view: str) -> str:
    if view not in f:
        return "–"
    return " / ".join("–" if f[view].get(m) is None else f"{f[view][m]:.2f}" for m in METHODS)


def main():
    rows, grids = [], []
    for name in available():
        e = read_explain(name)
        if e is None:
            print(f"{name}: no explain.json", file=sys.stderr)
            continue
        f = e["faithfulness"]
        layer1 = _cell(f, "layer 1") if "layer 1" in f else _cell(f, "last layer")
        agree = e.get("attributions_agree", {})
        rows.append(f"| {name} | {e['sample']} | {layer1} | {_cell(f, 'last layer')} | {_cell(f, 'rollout')} | "
                    + " / ".join(f"{agree.get(k, float('nan')):.2f}" for k in
                                 ("ig ~ grad_x_input", "ig ~ erasure", "grad_x_input ~ erasure")) + " |")
        heads = e["head_importance"]["heads"]
        if heads:
            by: dict = {}
            for h in heads:
                kind = h["knockout"][0] if isinstance(h["knockout"], list) else h["knockout"]
                by.setdefault(kind, []).append(h["change"])
            worst = min(heads, key=lambda h: h["change"])
            grids.append(f"| {name} | {e['head_importance']['metric']} {e['head_importance']['none']} | "
                         + ", ".join(f"{k} {sum(v) / len(v):+.2f}" for k, v in by.items())
                         + f" | {worst['knockout']} {worst['change']:+.2f} |")
    print("| model | sentences | first layer: IG / G×I / erasure | last layer | rollout | "
          "IG~G×I / IG~erasure / G×I~erasure |")
    print("|---|---:|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| model | quality, nothing knocked out | mean change with one head knocked out, by kind | the worst |")
    print("|---|---|---|---|")
    print("\n".join(grids))


if __name__ == "__main__":
    main()
