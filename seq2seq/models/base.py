"""The one step interface every architecture follows.

    memory = model.encode(src, src_mask)            # dict of batch-first tensors
    state = model.init_state(memory)                # dict of batch-first tensors
    logits, state, attn = model.step(prev, state, memory)
    logits = model(src, src_mask, tgt_in)           # teacher-forced, for training
    model.max_target_len                            # most steps `step` can take; None = no limit
    model.has_cross_attention                       # False: `attn` has no cross_* keys

`memory` is what the encoder hands the decoder, the same at every step. Every
value is a tensor with the batch first (decoding repeats its rows for the
beam). Decoding reads these keys, all but `src_mask` optional; any other key
belongs to the architecture alone:

    src_mask          (B, S) bool                 True on real source tokens
    enc_states        (B, S, D)                   RNN encoder states h_i
    enc_self_weights / enc_self_scores (B, layers, heads, S, S)   encoder self-attention
    enc_self_q / enc_self_k            (B, layers, heads, S, d_k) its queries and keys
    cross_keys        (B, layers, heads, S, d_k)  the keys each decoder layer's
                                                  cross-attention scores its query against

`state` belongs to the architecture alone: decoding never reads it, only
selects its rows (dim 0) when the beam reorders its hypotheses.

`attn` is a dict returned by each call (never stored on the module, so one
cached model can serve many users at once). Keys, all optional:

    cross_weights  (B, layers, heads, S)  softmax weights alpha over the source
    cross_scores   (B, layers, heads, S)  pre-softmax scores e (before masking)
    self_weights   (B, layers, heads, t)  decoder self-attention row of this step
    self_scores    (B, layers, heads, t)
    cross_query / self_query / self_key (B, layers, heads, d_k)   Transformer: this
                   step's query vectors, and the key of the position just added
    context        (B, D)                 context vector the step received
    dec_state      (B, D)                 decoder hidden state s_t
"""

from __future__ import annotations

import math

import torch
from torch import nn


def attention(q, k, v, mask=None):
    """Scaled dot-product attention, a pure function.

    q: (..., Tq, dk), k: (..., Tk, dk), v: (..., Tk, dv); mask broadcastable to
    (..., Tq, Tk), True where attending is allowed.
    Returns (out (..., Tq, dv), weights (..., Tq, Tk), scores (..., Tq, Tk)).
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    masked = scores if mask is None else scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(masked, dim=-1)
    return weights @ v, weights, scores


def masked_softmax(scores, mask):
    """Softmax over the last dim with mask (True = keep); padding gets exactly 0."""
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


class Seq2Seq(nn.Module):
    """Base class: holds the config and the vocabulary sizes; subclasses add the
    layers and implement encode / init_state / step / forward."""

    arch: str = ""
    has_cross_attention: bool = True

    def __init__(self, config):
        super().__init__()
        self.config = config

    @property
    def max_target_len(self) -> int | None:
        """The most target positions `step` can decode; None: no limit."""
        return None

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def encode(self, src, src_mask):  # pragma: no cover - interface
        raise NotImplementedError

    def init_state(self, memory):  # pragma: no cover - interface
        raise NotImplementedError

    def step(self, prev, state, memory):  # pragma: no cover - interface
        raise NotImplementedError

    def forward(self, src, src_mask, tgt_in):
        """Teacher-forced logits (B, T, V). The default runs `step` in a loop;
        architectures override it with a faster batched version."""
        memory = self.encode(src, src_mask)
        state = self.init_state(memory)
        out = []
        for t in range(tgt_in.size(1)):
            logits, state, _ = self.step(tgt_in[:, t], state, memory)
            out.append(logits)
        return torch.stack(out, dim=1)
