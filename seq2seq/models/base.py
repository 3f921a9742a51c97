"""The one step interface every architecture follows.

    memory = model.encode(src, src_mask)            # dict of batch-first tensors
    state = model.init_state(memory)                # dict of batch-first tensors
    logits, state, attn = model.step(prev, state, memory)
    logits = model(src, src_mask, tgt_in)           # teacher-forced, for training

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
