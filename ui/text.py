"""What the app says: labels, page copy that more than one page uses, and escaping.

Every user-typed string goes through `md` (Markdown shown literally) or `code` (an
inline code span) before it reaches st.markdown.
"""

from __future__ import annotations

import numpy as np

from seq2seq.subword import display
from seq2seq.tasks import LABELS

TASK_LABELS = LABELS  # one place for a task's name: seq2seq.tasks
ARCH_LABELS = {"lstm": "LSTM (no attention)", "lstm-attn": "LSTM + attention", "transformer": "Transformer"}
STRATEGY_LABELS = {"greedy": "Greedy", "beam": "Beam search", "sample": "Sampling", "forced": "Forced target"}
DEVICE_LABELS = {"cuda": "GPU (CUDA)", "mps": "GPU (Apple MPS)", "cpu": "CPU"}
KIND_LABELS = {"encoder": "Encoder self-attention", "decoder": "Decoder self-attention (masked)",
               "cross": "Cross-attention"}
LAYER_HELP = {"encoder": "Encoder layer whose self-attention is shown.",
              "decoder": "Decoder layer whose masked self-attention is shown.",
              "cross": "Decoder layer whose cross-attention is shown."}

ROLLOUT_NOTE = ("**Attention rollout** (Abnar & Zuidema, 2020) estimates how much each input token flows into "
                "each position after all encoder layers: every layer's attention, averaged over heads, is mixed "
                "with the residual connection as 0.5·I + 0.5·A, its rows are renormalised to sum to 1, and the "
                "layers are multiplied from the first up (R = A′ₗ ⋯ A′₂ A′₁). Each row of the chart sums to 1.")


def label(labels: dict, key) -> str:
    """A label for `key`, or the key itself as text (a checkpoint may name a task we do not know)."""
    return labels.get(key, str(key)) if isinstance(key, str) else str(key)


def head_title(kind: str, layer: int, head: int | None) -> str:
    """'Decoder self-attention (masked) · layer 2 · head 3' (0-based in; head None = mean)."""
    who = "mean over heads" if head is None else f"head {head + 1}"
    return f"{KIND_LABELS[kind]} · layer {layer + 1} · {who}"


# --- text safety -------------------------------------------------------------------------

_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=^")


def md(text) -> str:
    """Text as Markdown shows it literally: a user's '**' or '<b>' stays as typed."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text)).replace("\n", " ")


def code(text) -> str:
    """Text as an inline code span (shown literally; Markdown escapes would show there)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def output_line(trace, step: int) -> str:
    """Markdown: the output up to `step`, the token of `step` highlighted."""
    toks = [md(t) for t in display(trace.tgt_tokens[: step + 1])]  # subword pieces as "power ##ful"
    if toks:
        toks[-1] = f":orange-background[**{toks[-1]}**]"
    return " ".join(toks)


def filename(*parts) -> str:
    """A download's file name from its parts: letters, digits and -_. only, at most 80 characters."""
    safe = "-".join(str(p) for p in parts if p != "")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in safe)[:80]


def agreement(a, b) -> str:
    """'exactly' or 'to within 1.5e-08': how closely two computations of the same numbers agree."""
    gap = float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float)))) if len(a) else 0.0
    return "exactly" if gap == 0 else f"to within {gap:.1e}"

