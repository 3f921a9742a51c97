"""Attention views, from a decoding trace alone: nothing here runs the model again.

One matrix of cross-attention (a head, or the mean over a layer's heads), every head of one
kind of attention as the views draw it, attention rollout, and one attention computation
laid open (scores, mask, softmax, context) for the teaching pages. Pure numpy; the shapes
are those of the `Trace` docstring in seq2seq.decoding.

    matrix = cross_matrix(trace, layer=-1, head=None)   # (steps, src), mean over heads
    stack = attention_stack(trace, "decoder")           # weights (layers, heads, query, key)
    ins = inside(trace, step=2, kind="cross")           # ins.scores, ins.weights, ins.context
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .i18n import _
from .trace import Trace


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


# --- self-attention and cross-attention, every head -------------------------------------

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


# --- rollout and the inside of one attention computation ---------------------------------

def rollout(weights: np.ndarray, residual: float = 0.5) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) of self-attention weights.

    weights: (layers, heads, S, S). Each layer's head-mean A is mixed with the
    residual connection as residual * I + (1 - residual) * A, its rows are
    renormalised, and the layers are multiplied from the first up:
    R = A_L' ... A_2' A_1'. Returns (layers, S, S): R after each layer.
    """
    L, _, S, _ = weights.shape
    eye = np.eye(S)
    out, R = [], eye
    for layer in range(L):
        A = residual * eye + (1 - residual) * weights[layer].mean(0)  # (S, S)
        A = A / A.sum(-1, keepdims=True)
        R = A @ R
        out.append(R)
    return np.stack(out)


@dataclass(frozen=True)
class Inside:
    """One attention computation at one step, laid open.

    query (d_k,) or None, keys (K, d_k) or None   Transformer: q and the keys k_j
    scores (K,)     e_j, pre-softmax (q . k_j / sqrt(d_k), or the RNN's score(s_t, h_j))
    mask (K,) bool  True where attending is allowed
    weights (K,)    alpha_j = softmax over allowed j of e_j (0 where masked)
    values (K, D) or None, context (D,) or None     RNN: h_j and c_t = sum_j alpha_j h_j
    recomputed (K,) softmax of `scores` recomputed here; equals `weights`
    """

    kind: str
    step: int
    scores: np.ndarray
    mask: np.ndarray
    weights: np.ndarray
    recomputed: np.ndarray
    query: np.ndarray | None = None
    keys: np.ndarray | None = None
    scale: float | None = None
    values: np.ndarray | None = None
    context: np.ndarray | None = None
    context_recomputed: np.ndarray | None = None


def softmax(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    e = np.where(mask, scores, -np.inf)
    e = np.exp(e - e[mask].max())
    return e / e.sum()


def inside(trace: Trace, step: int, kind: str = "cross", layer: int = 0, head: int = 0) -> Inside:
    """Lay open one attention computation of `trace` at `step`.

    kind: "cross" (decoder step over the source), "decoder" (masked decoder
    self-attention, Transformer) or "encoder" (encoder self-attention of source
    position `step`, Transformer).
    """
    if kind == "cross":
        if trace.cross_weights is None:
            raise ValueError(_("{arch} has no attention: the decoder sees one context vector").format(arch=trace.arch))
        scores = trace.cross_scores[step, layer, head].astype(float)
        mask = np.asarray(trace.src_mask, bool)
        weights = trace.cross_weights[step, layer, head]
        query = keys = scale = values = context = ctx2 = None
        if trace.cross_q is not None:
            query, keys = trace.cross_q[step, layer, head], trace.cross_k[layer, head]
            scale = float(np.sqrt(query.shape[-1]))
        if trace.enc_states is not None:
            values, context = trace.enc_states, trace.context[step]
            ctx2 = weights @ values
        return Inside(kind, step, scores, mask, weights, softmax(scores, mask), query, keys, scale, values,
                      context, ctx2)
    if kind == "decoder":
        if trace.dec_self_weights is None:
            raise ValueError(_("only the Transformer has decoder self-attention"))
        mask = trace.causal_mask[step]
        scores = np.where(mask, trace.dec_self_scores[layer, head, step], np.nan)
        query, keys = trace.dec_self_q[step, layer, head], trace.dec_self_k[:, layer, head]
        weights = trace.dec_self_weights[layer, head, step]
        return Inside(kind, step, scores, mask, weights, softmax(np.nan_to_num(scores), mask), query, keys,
                      float(np.sqrt(query.shape[-1])))
    if kind == "encoder":
        if trace.enc_self_weights is None:
            raise ValueError(_("only the Transformer has encoder self-attention"))
        mask = np.asarray(trace.src_mask, bool)
        scores = trace.enc_self_scores[layer, head, step].astype(float)
        query, keys = trace.enc_self_q[layer, head, step], trace.enc_self_k[layer, head]
        return Inside(kind, step, scores, mask, trace.enc_self_weights[layer, head, step], softmax(scores, mask),
                      query, keys, float(np.sqrt(query.shape[-1])))
    raise ValueError(f"unknown attention kind {kind!r}: cross, decoder or encoder")
