"""What the app says: labels, page copy that more than one page uses, and escaping.

Every message goes through the catalogue (seq2seq.i18n): the label dicts hold English
marked with `N_`, and `label(LABELS, key)` translates where a label is shown (never index
a label dict directly). Every user-typed string goes through `md` (Markdown shown
literally) or `code` (an inline code span) before it reaches st.markdown.
"""

from __future__ import annotations

import numpy as np

from seq2seq.i18n import N_, _
from seq2seq.subword import display
from seq2seq.tasks import LABELS

TASK_LABELS = LABELS  # one place for a task's name: seq2seq.tasks
# The app's name for each kind of model (a key of the zoo: seq2seq.configs.variant): the architectures,
# and LSTM + attention in each of its two arrangements (seq2seq.models.lstm_attn).
ARCH_LABELS = {"lstm": N_("LSTM (no attention)"), "lstm-attn": N_("LSTM + attention (Luong)"),
               "lstm-bahdanau": N_("LSTM + attention (Bahdanau, as in the article)"), "transformer": "Transformer"}
STRATEGY_LABELS = {"greedy": N_("Greedy"), "beam": N_("Beam search"), "sample": N_("Sampling"),
                   "forced": N_("Forced target")}
SPLIT_LABELS = {"train": N_("train"), "dev": N_("dev"), "test": N_("test")}  # a metrics.json split
DEVICE_LABELS = {"cuda": "GPU (CUDA)", "mps": "GPU (Apple MPS)", "cpu": "CPU"}
KIND_LABELS = {"encoder": N_("Encoder self-attention"), "decoder": N_("Decoder self-attention (masked)"),
               "cross": N_("Cross-attention")}
LAYER_HELP = {"encoder": N_("Encoder layer whose self-attention is shown."),
              "decoder": N_("Decoder layer whose masked self-attention is shown."),
              "cross": N_("Decoder layer whose cross-attention is shown.")}

ROLLOUT_NOTE = N_("**Attention rollout** (Abnar & Zuidema, 2020) estimates how much each input token flows into "
                  "each position after all encoder layers: every layer's attention, averaged over heads, is mixed "
                  "with the residual connection as 0.5·I + 0.5·A, its rows are renormalised to sum to 1, and the "
                  "layers are multiplied from the first up (R = A′ₗ ⋯ A′₂ A′₁). Each row of the chart sums to 1.")


USER = "@"  # a zoo key "<arch>@<name>": a model trained in the app (ui.models.zoo)


def base_arch(key) -> str:
    """The kind of model a zoo key names: "transformer@my-model" -> "transformer"."""
    return str(key).split(USER, 1)[0]


def arch_label(key) -> str:
    """A zoo key's label: the architecture's, and for a user-trained model its name."""
    base, _sep, name = str(key).partition(USER)
    shown = label(ARCH_LABELS, base)
    return _("{arch} · yours: {name}").format(arch=shown, name=name) if name else shown


def label(labels: dict, key) -> str:
    """A label for `key` in the current language, or the key itself as text (a checkpoint may
    name a task we do not know)."""
    return _(labels[key]) if isinstance(key, str) and key in labels else str(key)


def head_title(kind: str, layer: int, head: int | None) -> str:
    """'Decoder self-attention (masked) · layer 2 · head 3' (0-based in; head None = mean)."""
    who = _("mean over heads") if head is None else _("head {n}").format(n=head + 1)
    return _("{kind} · layer {layer} · {who}").format(kind=label(KIND_LABELS, kind), layer=layer + 1, who=who)


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
    return _("exactly") if gap == 0 else _("to within {gap}").format(gap=f"{gap:.1e}")

