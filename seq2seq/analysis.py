"""Small numpy helpers the app's views share: one attention matrix out of a trace,
the true alignment of typed text (dates, reverse), metrics flattened for tables.
Never imports Streamlit; usable from a notebook.

    matrix = cross_matrix(trace, layer=-1, head=None)    # (steps, src), mean over heads
    gold = gold_alignment(trace.task, trace.src_tokens)  # Gold(target, matrix (G, src), note)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np

from .data import MONTHS, MONTHS_ABBR, N_DATE_FORMATS, WEEKDAYS, Example, date_example, reverse_example
from .tokenize import EOS

METRIC_KEYS = ("bleu", "exact", "chrf", "token_acc", "accuracy", "token_accuracy")  # by_length value, first found


def head_matrix(weights, layer: int = -1, head: int | None = None) -> np.ndarray | None:
    """(steps, layers, heads, src) attention -> (steps, src) of one layer: one head, or the
    mean over heads (head=None). None in, None out (the plain LSTM has no attention)."""
    if weights is None:
        return None
    w = np.asarray(weights)[:, layer]  # (T, heads, S)
    return w.mean(axis=1) if head is None else w[:, head]


def cross_matrix(trace, layer: int = -1, head: int | None = None) -> np.ndarray | None:
    """trace.cross_weights of one layer and head (or the mean over heads) as (steps, src)."""
    return head_matrix(trace.cross_weights, layer, head)


def clamp_step(step, steps: int) -> int:
    """A step index inside 0..steps-1 (0 for an empty decode); junk reads as 0."""
    try:
        step = int(step)
    except (TypeError, ValueError):
        step = 0
    return max(0, min(step, steps - 1)) if steps else 0


@dataclass(frozen=True)
class Gold:
    """The true output of a typed input and where each output token comes from.

    target  the true output (e.g. "2018-05-09"), or None where it cannot be known
    matrix  (len(target), S) array, 1.0 where output token j comes from source token i;
            rows of tokens that copy nothing (the '-' of a date) are all 0. None if unknown.
    note    one sentence: where the alignment comes from, or why there is none
    """

    target: str | None
    matrix: np.ndarray | None
    note: str

    @property
    def known(self) -> bool:
        return self.matrix is not None


def parse_date(text: str):
    """(Example, remark): the `seq2seq.data.date_example` that generates exactly `text`
    (case and runs of spaces ignored), trying every date the numbers and month names in it
    allow and every generator format; None if the generator cannot write this text.

    A wrong weekday ("Tuesday, 9 May 2018": it was a Wednesday) is accepted, with the
    positions shifted and the remark saying so: the model never saw one, but the
    alignment of the digits is still known."""
    norm = " ".join(text.split())
    low = norm.lower()
    numbers = re.findall(r"\d+", norm)
    years = {int(n) for n in numbers if len(n) == 4}
    small = {int(n) for n in numbers if len(n) <= 2}
    months = {m for m in small if 1 <= m <= 12}
    months |= {i + 1 for i, (name, abbr) in enumerate(zip(MONTHS, MONTHS_ABBR))
               if name.lower() in low or abbr.lower() in low}
    days = [name.lower() for name in WEEKDAYS] + [name[:3].lower() for name in WEEKDAYS]
    for year in sorted(years):
        for month in sorted(months):
            for day in sorted(small):
                try:
                    date = dt.date(year, month, day)
                except ValueError:
                    continue
                for fmt in range(N_DATE_FORMATS):
                    ex = date_example(date, fmt)
                    src = ex.src.lower()
                    if src == low:
                        return ex, ""
                    true_day = next((d for d in days if src.startswith(d)), None)
                    typed_day = next((d for d in sorted(days, key=len, reverse=True) if low.startswith(d)), None)
                    if true_day and typed_day and len(typed_day) >= 3 and low[len(typed_day):] == src[len(true_day):] \
                            and (len(true_day) == 3) == (len(typed_day) == 3):
                        shift = len(typed_day) - len(true_day)
                        align = tuple(tuple(i + shift for i in a) for a in ex.align)
                        return (Example(norm, ex.tgt, align),
                                f"{date:%-d %B %Y} was a {date:%A}: the weekday is ignored")
    return None


def gold_alignment(task: str, src_tokens: list[str]) -> Gold:
    """True alignment for typed text of the generated tasks, rebuilt by regenerating
    the example: reverse (output j <- source n-1-j) and dates (parsed with the
    generator's own formats). `src_tokens` is trace.src_tokens (ending in "</s>")."""
    tokens = list(src_tokens[:-1]) if src_tokens and src_tokens[-1] == EOS else list(src_tokens)
    S = len(tokens) + 1
    if task == "reverse":
        if not tokens or any(len(t) != 1 for t in tokens):
            return Gold(None, None, "the reverse task reads single letters")
        ex = reverse_example("".join(tokens))
        note = "reverse: output letter j copies source letter n-1-j"
    elif task == "dates":
        # The date tokenizer is character-level with spaces kept, so the joined tokens are
        # the text the model read, and source positions are character positions.
        found = parse_date("".join(tokens)) if all(len(t) == 1 for t in tokens) else None
        if found is None or len(found[0].src) != len(tokens):
            return Gold(None, None, "this text is not in one of the 12 date formats the data generator "
                                    "writes, so its true alignment is unknown")
        ex, remark = found
        note = "dates: each ISO digit comes from the day, month or year it encodes" + (f" ({remark})" if remark else "")
    else:
        return Gold(None, None, f"no known alignment for the {task or 'unknown'} task: "
                                "only the generated tasks (dates, reverse) have one")
    m = np.zeros((len(ex.align), S), dtype=np.float32)  # (G, S)
    for j, positions in enumerate(ex.align):
        m[j, list(positions)] = 1.0
    m.setflags(write=False)
    return Gold(ex.tgt, m, note)


def gold_overlap(weights: np.ndarray, gold: np.ndarray) -> float | None:
    """Share of attention mass that falls on the true source positions, averaged over
    output steps that have a true position (rows compared up to the shorter length)."""
    n = min(len(weights), len(gold))
    rows = [j for j in range(n) if gold[j].any()]
    if not rows:
        return None
    return float(np.mean([weights[j][gold[j] > 0].sum() for j in rows]))


# --- metrics.json --------------------------------------------------------------

def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# metrics.json's metrics as the model zoo names them; True: a percentage (0-100)
METRIC_NAMES = {"bleu": ("BLEU", False), "chrf": ("chrF", False), "exact": ("exact", True),
                "token_acc": ("token acc.", True), "align_acc": ("alignment acc.", True)}


def metric_summary(metrics: dict | None) -> str:
    """'BLEU 23.4 · chrF 41.0 · exact 12.5 % · n = 2,000' from a metrics.json dict (its
    metrics in percent, n the number of test examples); '' when there is nothing."""
    if not isinstance(metrics, dict):
        return ""
    m = metrics.get("metrics", metrics)
    if not isinstance(m, dict):
        return ""
    known = [k for k in METRIC_NAMES if _number(m.get(k))]
    other = [k for k, v in m.items() if k not in METRIC_NAMES and k != "n" and _number(v)]
    parts = []
    for k in known:
        name, percent = METRIC_NAMES[k]
        parts.append(f"{name} {float(m[k]):.1f}" + (" %" if percent else ""))
    parts += [f"{k.replace('_', ' ')} {float(m[k]):.3g}" for k in other]
    if _number(m.get("n")):
        parts.append(f"n = {int(round(float(m['n']))):,}")
    return " · ".join(parts)


def by_length(metrics: dict | None) -> tuple[str | None, list[tuple[str, float, int | None]]]:
    """(metric name, [(bucket, value, n), ...]) from metrics.json's `by_length`; (None, [])
    when missing or malformed."""
    rows = metrics.get("by_length") if isinstance(metrics, dict) else None
    if not isinstance(rows, list):
        return None, []
    name, out = None, []
    for r in rows:
        if not isinstance(r, dict) or "bucket" not in r:
            continue
        key = name or next((k for k in METRIC_KEYS if _number(r.get(k))), None)
        if key is None or not _number(r.get(key)):
            continue
        name = key
        out.append((str(r["bucket"]), float(r[key]), r.get("n") if _number(r.get("n")) else None))
    return name, out


# --- self-attention and cross-attention, every head ---------------------------------

KINDS = ("encoder", "decoder", "cross")


@dataclass(frozen=True)
class AttentionStack:
    """Every head of one kind of attention in a trace, the way the views draw it.

    weights (layers, heads, Q, K)  softmax weights; row q attends over columns k
    rows, cols   query and key tokens: source tokens (encoder), the decoder inputs
                 "<s>", y_0, ... (decoder self-attention), output x source (cross)
    mask (Q, K) bool or None   True where attending is allowed (the decoder's causal mask)
    """

    kind: str
    weights: np.ndarray
    rows: list
    cols: list
    row_unknown: list | None
    col_unknown: list | None
    mask: np.ndarray | None

    @property
    def layers(self) -> int:
        return self.weights.shape[0]

    @property
    def heads(self) -> int:
        return self.weights.shape[1]

    def matrix(self, layer: int, head: int | None) -> np.ndarray:
        """(Q, K) of one head, or the mean over the layer's heads (head None)."""
        w = self.weights[layer]  # (H, Q, K)
        return w.mean(0) if head is None else w[head]


def attention_stack(trace, kind: str) -> AttentionStack:
    """The encoder self-attention, masked decoder self-attention or cross-attention of a
    trace as (layers, heads, query, key). Raises ValueError where the model has none."""
    if kind == "encoder":
        if trace.enc_self_weights is None:
            raise ValueError(f"{trace.arch} has no encoder self-attention")
        return AttentionStack(kind, np.asarray(trace.enc_self_weights), list(trace.src_tokens),
                              list(trace.src_tokens), list(trace.src_unknown), list(trace.src_unknown), None)
    if kind == "decoder":
        if trace.dec_self_weights is None:
            raise ValueError(f"{trace.arch} has no decoder self-attention")
        return AttentionStack(kind, np.asarray(trace.dec_self_weights), list(trace.dec_inputs),
                              list(trace.dec_inputs), None, None, np.asarray(trace.causal_mask, bool))
    if kind == "cross":
        if trace.cross_weights is None:
            raise ValueError(f"{trace.arch} has no attention")
        w = np.asarray(trace.cross_weights).transpose(1, 2, 0, 3)  # (T, L, H, S) -> (L, H, T, S)
        return AttentionStack(kind, w, list(trace.tgt_tokens), list(trace.src_tokens), None,
                              list(trace.src_unknown), None)
    raise ValueError(f"unknown attention kind {kind!r}: one of {', '.join(KINDS)}")


# --- train_log.jsonl -------------------------------------------------------------

def training_curves(log) -> tuple[list, list, str | None, list | None]:
    """(epochs, train losses, dev metric name, dev values) from train_log.jsonl rows
    ({"epoch", "train_loss", "dev_bleu" or "dev_exact", ...}); rows without an epoch are
    skipped, a missing value is None."""
    rows = [r for r in log or [] if isinstance(r, dict) and _number(r.get("epoch"))]
    dev_key = next((k for r in rows for k in r if k.startswith("dev_") and _number(r.get(k))), None)
    epochs = [r["epoch"] for r in rows]
    loss = [r.get("train_loss") if _number(r.get("train_loss")) else None for r in rows]
    dev = [r.get(dev_key) if _number(r.get(dev_key)) else None for r in rows] if dev_key else None
    return epochs, loss, dev_key, dev
