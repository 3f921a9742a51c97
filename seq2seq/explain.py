"""Attention summaries and "how is this number made" breakdowns, from a Trace alone.

Pure numpy: nothing here runs the model again. Used by the teaching pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decoding import Trace


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


def head_mean(weights: np.ndarray) -> np.ndarray:
    """Mean over heads: (..., heads, Q, K) -> (..., Q, K)."""
    return weights.mean(-3)


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
            raise ValueError(f"{trace.arch} has no attention: the decoder sees one context vector")
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
            raise ValueError("only the Transformer has decoder self-attention")
        mask = trace.causal_mask[step]
        scores = np.where(mask, trace.dec_self_scores[layer, head, step], np.nan)
        query, keys = trace.dec_self_q[step, layer, head], trace.dec_self_k[:, layer, head]
        weights = trace.dec_self_weights[layer, head, step]
        return Inside(kind, step, scores, mask, weights, softmax(np.nan_to_num(scores), mask), query, keys,
                      float(np.sqrt(query.shape[-1])))
    if kind == "encoder":
        if trace.enc_self_weights is None:
            raise ValueError("only the Transformer has encoder self-attention")
        mask = np.asarray(trace.src_mask, bool)
        scores = trace.enc_self_scores[layer, head, step].astype(float)
        query, keys = trace.enc_self_q[layer, head, step], trace.enc_self_k[layer, head]
        return Inside(kind, step, scores, mask, trace.enc_self_weights[layer, head, step], softmax(scores, mask),
                      query, keys, float(np.sqrt(query.shape[-1])))
    raise ValueError(f"unknown attention kind {kind!r}: cross, decoder or encoder")
