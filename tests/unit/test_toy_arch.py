"""A fourth architecture, defined here and registered for these tests only, decodes
through the documented step interface (seq2seq/models/base.py) with no change to
seq2seq/decoding.py: greedy, beam, forced, what-if, and its own target limit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from conftest import TINY, assert_beam_is_forced_replay, tiny_model
from torch import nn

import seq2seq
from seq2seq.models import REGISTRY, Seq2Seq, attention
from seq2seq.tokenize import PAD_ID

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "Tuesday, 9 May 2018"  # a dates-task source
TARGET = "2018-05-09"


@dataclass
class ToyConfig:
    src_vocab: int = 100  # source vocabulary size
    tgt_vocab: int = 100  # target vocabulary size
    dim: int = 16  # embedding and GRU size
    heads: int = 2  # dot-attention heads over the source embeddings; d_k = dim // heads
    max_steps: int = 14  # the longest target it decodes (its max_target_len)


class ToyGRUSeq2Seq(Seq2Seq):
    """Bag of source embeddings, a GRU decoder and one layer of multi-head dot attention:

        h_i = E x_i,  s_t = GRU(s_{t-1}, y_{t-1}),  alpha_t = softmax(s_t . h_i / sqrt(d_k)) per head
    """

    arch = "toy-gru"

    def __init__(self, config: ToyConfig):
        super().__init__(config)
        self.src_embed = nn.Embedding(config.src_vocab, config.dim, padding_idx=PAD_ID)
        self.tgt_embed = nn.Embedding(config.tgt_vocab, config.dim, padding_idx=PAD_ID)
        self.cell = nn.GRUCell(config.dim, config.dim)
        self.out = nn.Linear(2 * config.dim, config.tgt_vocab)

    @property
    def max_target_len(self) -> int:
        return self.config.max_steps

    def _heads(self, x):
        """(B, ..., dim) -> (B, 1 layer, heads, ..., d_k)."""
        h = self.config.heads
        return x.unflatten(-1, (h, -1)).movedim(-2, 1).unsqueeze(1)

    def encode(self, src, src_mask):
        h = self.src_embed(src)  # (B, S, D)
        start = (h * src_mask[..., None]).sum(1) / src_mask.sum(1, keepdim=True)  # (B, D)
        return {"src_mask": src_mask, "enc_states": h, "cross_keys": self._heads(h), "start": start}

    def init_state(self, memory):
        return {"s": memory["start"]}

    def step(self, prev, state, memory):
        s = self.cell(self.tgt_embed(prev), state["s"])  # (B, D)
        q = self._heads(s).unsqueeze(-2)  # (B, 1, heads, 1, d_k)
        k = memory["cross_keys"]  # (B, 1, heads, S, d_k)
        out, weights, scores = attention(q, k, k, memory["src_mask"][:, None, None, None, :])
        context = out.squeeze(-2).squeeze(1).flatten(1)  # (B, heads * d_k)
        attn = {"cross_weights": weights[..., 0, :], "cross_scores": scores[..., 0, :],  # (B, 1, heads, S)
                "cross_query": q[..., 0, :], "context": context, "dec_state": s}
        return self.out(torch.cat([s, context], -1)), {"s": s}, attn


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(REGISTRY, "toy-gru", (ToyGRUSeq2Seq, ToyConfig))
    monkeypatch.setitem(TINY, "toy-gru", {})
    return tiny_model("toy-gru")  # through build_model and the registry


def test_the_toy_is_built_from_the_registry(toy):
    assert isinstance(toy, ToyGRUSeq2Seq) and toy.arch == "toy-gru"
    assert isinstance(seq2seq.build_model("toy-gru", dim=8), ToyGRUSeq2Seq)


def test_greedy_trace_of_the_toy_has_the_documented_shapes(toy):
    trace = seq2seq.decode(toy, TEXT, max_len=8)
    S, T, H, D = len(trace.src_tokens), trace.steps, toy.config.heads, toy.config.dim
    assert (trace.arch, trace.steps) == ("toy-gru", 8)
    assert trace.cross_weights.shape == trace.cross_scores.shape == (T, 1, H, S)
    np.testing.assert_allclose(trace.cross_weights.sum(-1), 1.0, atol=1e-5)
    assert trace.cross_q.shape == (T, 1, H, D // H)
    assert trace.cross_k.shape == (1, H, S, D // H)
    assert trace.enc_states.shape == (S, D)
    assert trace.dec_states.shape == trace.context.shape == (T, D)
    for name in ("enc_self_weights", "enc_self_scores", "enc_self_q", "enc_self_k", "dec_self_weights",
                 "dec_self_scores", "dec_self_q", "dec_self_k", "causal_mask"):
        assert getattr(trace, name) is None, name


def test_toy_cross_scores_are_its_queries_dot_its_keys(toy):
    trace = seq2seq.decode(toy, TEXT, max_len=6)
    scores = np.einsum("tlhd,lhsd->tlhs", trace.cross_q, trace.cross_k) / math.sqrt(trace.cross_q.shape[-1])
    np.testing.assert_allclose(scores, trace.cross_scores, atol=1e-5)


def test_beam_of_the_toy_has_hypotheses_whose_attention_equals_a_forced_replay(toy):
    trace = seq2seq.decode(toy, TEXT, "beam", beam=3, max_len=6)
    assert len(trace.beam) == 3 and trace.tgt_tokens == trace.beam[0].tokens
    assert_beam_is_forced_replay(toy, trace)


def test_forced_decoding_of_the_toy_gives_the_target_and_its_probabilities(toy):
    trace = seq2seq.decode(toy, TEXT, "forced", target=TARGET)
    assert trace.tgt_tokens == [*TARGET, "</s>"] and all(trace.forced)
    assert trace.cross_weights.shape[0] == len(TARGET) + 1
    assert trace.logprob == pytest.approx(float(np.log(trace.probs).sum()), abs=1e-4)


def test_whatif_on_the_toy_puts_the_token_at_the_step(toy):
    trace = seq2seq.decode(toy, TEXT, max_len=8)
    token = "7" if trace.tgt_tokens[2] != "7" else "3"
    new = seq2seq.whatif(toy, trace, 2, token)
    assert new.tgt_tokens[:3] == [*trace.tgt_tokens[:2], token]
    assert new.cross_weights.shape[1:] == trace.cross_weights.shape[1:]


def test_decode_keeps_to_the_toys_max_target_len(toy):
    assert seq2seq.decode(toy, TEXT, max_len=100).steps <= toy.config.max_steps
    with pytest.raises(ValueError, match=f"limit of {toy.config.max_steps} tokens"):
        seq2seq.decode(toy, TEXT, "forced", target=TARGET * 2)
