"""The Trace: everything one decode produced, in one immutable record. Its docstring is
the one place the attention format is written down."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields

import numpy as np

from .i18n import N_

STRATEGIES = ("greedy", "beam", "sample", "forced")  # how seq2seq.decode chooses each token

# Why a decode ended, in words (English messages: show them through `_()`).
STOPS = {"end": N_("wrote the end marker </s>"), "length": N_("stopped at the length limit without finishing"),
         "budget": N_("stopped by the work budget without finishing")}


def frozen(a):
    """The array made read-only (None stays None)."""
    if a is not None:
        a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Hypothesis:
    """One finished beam hypothesis. cross_weights: (steps, layers, heads, src) or None."""

    tokens: list[str]
    logprob: float
    score: float  # logprob / steps ** length_penalty, what the beam ranks by
    cross_weights: np.ndarray | None = None


@dataclass(frozen=True)
class Trace:
    """Everything one decode produced. S source tokens, T output steps.

    Source side
        src_tokens    list[str] (S)   tokenised input; the last is "</s>" (end marker)
        src_unknown   list[bool] (S)  True where the word is not in the vocabulary (<unk>)
        src_mask      (S,) bool       True on real tokens (all True for one sentence)
        truncated     bool            the input was cut to MAX_SOURCE_TOKENS
    Output side, one row per step t = 0..T-1
        tgt_tokens    list[str] (T)   chosen tokens; the last is "</s>" if the model stopped
        dec_inputs    list[str] (T)   token fed at step t: "<s>" then tgt_tokens[:-1]
        probs         (T,)            probability of the chosen token
        topk_tokens   list[list[str]] (T, k) the k most likely tokens, best first
        topk_probs    (T, k)
        forced        list[bool] (T)  the token was forced (forced strategy or what-if)
        stopped       str             "end": the decode wrote </s>; "length": it reached the
                      step limit (params["max_len"]) without finishing; "budget": the work
                      budget (seq2seq.budget) ran out first (STOPS says each in words).
        work          int             work units the decode used (seq2seq.budget)
                      No strategy writes <pad>, <s> or <unk>; only a forced token can be <unk>.
    Attention (None where the architecture has none)
        cross_weights (T, layers, heads, S)  softmax weights alpha_{t,i}; rows sum to 1
        cross_scores  (T, layers, heads, S)  pre-softmax scores e_{t,i}, before masking
        enc_self_weights / enc_self_scores (layers, heads, S, S)     Transformer only
        dec_self_weights / dec_self_scores (layers, heads, T, T)     Transformer only;
                      row t over dec_inputs[0..t]; cells above the diagonal are masked:
                      weight 0, score NaN
        causal_mask   (T, T) bool   True where step t may attend to position j (j <= t)
    Queries and keys (Transformer only), d_k = d_model / heads; scores = q . k / sqrt(d_k)
        enc_self_q / enc_self_k  (layers, heads, S, d_k)
        dec_self_q / dec_self_k  (T, layers, heads, d_k)   query of step t; key of position t
        cross_q (T, layers, heads, d_k);  cross_k (layers, heads, S, d_k)
    States (RNNs; None for the Transformer except dec_states)
        enc_states    (S, D)  encoder states h_i
        dec_states    (T, D)  decoder states s_t
        context       (T, D)  the context vector of step t: sum_i alpha_{t,i} h_i, or for the
                      plain LSTM the one vector c every step receives
    beam              list[Hypothesis] the final beam, best first (beam strategy only)
    words             True for a word view (seq2seq.subword.merge_words): subword pieces merged
                      into words, cross_weights summed over a source word's pieces and averaged
                      over a target word's; no self-attention, scores, queries, keys or beam
    """

    model: str
    arch: str
    task: str
    device: str
    strategy: str
    params: dict
    text: str
    src_tokens: list
    src_unknown: list
    src_mask: np.ndarray
    truncated: bool
    tgt_tokens: list
    dec_inputs: list
    output: str
    probs: np.ndarray
    topk_tokens: list
    topk_probs: np.ndarray
    forced: list
    logprob: float
    stopped: str = "end"
    work: int = 0
    words: bool = False
    cross_weights: np.ndarray | None = None
    cross_scores: np.ndarray | None = None
    enc_self_weights: np.ndarray | None = None
    enc_self_scores: np.ndarray | None = None
    dec_self_weights: np.ndarray | None = None
    dec_self_scores: np.ndarray | None = None
    causal_mask: np.ndarray | None = None
    enc_states: np.ndarray | None = None
    dec_states: np.ndarray | None = None
    context: np.ndarray | None = None
    enc_self_q: np.ndarray | None = None
    enc_self_k: np.ndarray | None = None
    dec_self_q: np.ndarray | None = None
    dec_self_k: np.ndarray | None = None
    cross_q: np.ndarray | None = None
    cross_k: np.ndarray | None = None
    beam: list = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.tgt_tokens)

    @property
    def finished(self) -> bool:
        """The decode ended with </s> (not at the step limit)."""
        return self.stopped == "end"

    @property
    def nbytes(self) -> int:
        """About how much memory the trace holds: its arrays, plus ~64 bytes per token string."""
        arrays = sum(v.nbytes for f in fields(self) if isinstance(v := getattr(self, f.name), np.ndarray))
        arrays += sum(h.cross_weights.nbytes for h in self.beam if h.cross_weights is not None)
        k = len(self.topk_tokens[0]) if self.topk_tokens else 0
        strings = len(self.src_tokens) + len(self.tgt_tokens) * (2 + k)
        return int(arrays + 64 * strings + 64 * sum(len(h.tokens) for h in self.beam) + 1024)

    @property
    def has_attention(self) -> bool:
        return self.cross_weights is not None

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (arrays as nested lists; NaN as None)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kw)

    @classmethod
    def from_dict(cls, d: dict) -> Trace:
        arrays = {f.name for f in fields(cls) if "ndarray" in str(f.type)}  # the fields typed np.ndarray
        kw = {}
        for f in fields(cls):
            v = d.get(f.name)
            if f.name in arrays and v is not None:
                v = frozen(np.array(v, dtype=bool if f.name in ("src_mask", "causal_mask") else np.float32))
            elif f.name == "beam":
                v = [Hypothesis(h["tokens"], h["logprob"], h["score"], frozen(
                    None if h["cross_weights"] is None else np.array(h["cross_weights"], np.float32)))
                     for h in v or []]
            kw[f.name] = v
        return cls(**kw)


def _plain(v):
    if isinstance(v, np.ndarray):
        return _plain(v.tolist()) if v.dtype.kind == "f" else v.tolist()
    if isinstance(v, Hypothesis):
        return {f.name: _plain(getattr(v, f.name)) for f in fields(v)}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
