"""The plain LSTM encoder-decoder (Sutskever et al. 2014; Cho et al. 2014).

The encoder reads the whole sentence; its final state is squeezed into one
vector c (the bottleneck). The decoder sees nothing else of the source:

    s_t = LSTM(s_{t-1}, [y_{t-1}; c]),   y_t = softmax(W [s_t; c] + b)

There is no attention: `step` returns the context vector c (the same at every
step) instead, and the pages say so.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..configs import LSTMConfig  # noqa: F401  (re-exported)
from ..tokenize import PAD_ID
from .base import Seq2Seq


class RNNEncoder(nn.Module):
    """Bidirectional LSTM; returns states h_i (B, S, hidden) and the initial
    decoder state built from the final forward and backward states."""

    def __init__(self, vocab, emb, hidden, layers, dropout):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb, padding_idx=PAD_ID)
        self.rnn = nn.LSTM(emb, hidden // 2, layers, batch_first=True, bidirectional=True,
                           dropout=dropout if layers > 1 else 0.0)
        self.bridge_h = nn.Linear(hidden, hidden)
        self.bridge_c = nn.Linear(hidden, hidden)
        self.drop = nn.Dropout(dropout)

    def forward(self, src, src_mask, emb=None):
        """emb: the source token embeddings (B, S, E) to read instead of embed(src) (attribution)."""
        lengths = src_mask.sum(1).clamp(min=1).cpu()
        x = self.drop(self.embed(src) if emb is None else emb)  # (B, S, E)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, (h, c) = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.size(1))  # (B, S, H)
        B = src.size(0)
        # (layers*2, B, H/2) -> (B, layers, H): concatenate the two directions per layer
        h = h.view(-1, 2, B, h.size(-1)).permute(2, 0, 1, 3).reshape(B, -1, 2 * h.size(-1))
        c = c.view(-1, 2, B, c.size(-1)).permute(2, 0, 1, 3).reshape(B, -1, 2 * c.size(-1))
        return out, torch.tanh(self.bridge_h(h)), self.bridge_c(c)


def _to_rnn(state):
    """(B, L, H) batch-first state -> (L, B, H) for nn.LSTM."""
    return state["h"].transpose(0, 1).contiguous(), state["c"].transpose(0, 1).contiguous()


def lstm_step(rnn: nn.LSTM, x, state):
    """One time step of `rnn` (an nn.LSTM, batch first) for input x (B, in) and state h, c
    (B, layers, H): returns the top layer's output (B, H) and the new state. The same weights
    and the same arithmetic as rnn(x.unsqueeze(1), ...), through torch.lstm_cell: for one step
    nn.LSTM's oneDNN path costs ~10x more (3.9 ms against 0.38 ms for en-zh-lstm's cell, 1 thread)."""
    hs, cs = [], []
    for n in range(rnn.num_layers):
        if n:
            x = nn.functional.dropout(x, rnn.dropout, rnn.training)  # between layers, as nn.LSTM
        h, c = torch.lstm_cell(x, (state["h"][:, n], state["c"][:, n]), getattr(rnn, f"weight_ih_l{n}"),
                               getattr(rnn, f"weight_hh_l{n}"), getattr(rnn, f"bias_ih_l{n}"),
                               getattr(rnn, f"bias_hh_l{n}"))
        hs.append(h)
        cs.append(c)
        x = h
    return x, {"h": torch.stack(hs, 1), "c": torch.stack(cs, 1)}


class LSTMSeq2Seq(Seq2Seq):
    arch = "lstm"
    has_cross_attention = False

    def __init__(self, config: LSTMConfig):
        super().__init__(config)
        cfg = config
        self.encoder = RNNEncoder(cfg.src_vocab, cfg.emb, cfg.hidden, cfg.layers, cfg.dropout)
        self.embed = nn.Embedding(cfg.tgt_vocab, cfg.emb, padding_idx=PAD_ID)
        self.rnn = nn.LSTM(cfg.emb + cfg.hidden, cfg.hidden, cfg.layers, batch_first=True,
                           dropout=cfg.dropout if cfg.layers > 1 else 0.0)
        self.out = nn.Linear(2 * cfg.hidden, cfg.tgt_vocab)
        self.drop = nn.Dropout(cfg.dropout)

    def embed_source(self, src):
        return self.encoder.embed(src)

    def encode(self, src, src_mask, src_emb=None):
        states, h0, c0 = self.encoder(src, src_mask, src_emb)
        # The bottleneck: the top layer's final state is all the decoder sees.
        return {"enc_states": states, "src_mask": src_mask, "h0": h0, "c0": c0, "context": h0[:, -1]}

    def init_state(self, memory):
        return {"h": memory["h0"], "c": memory["c0"]}

    def _logits(self, s, context):
        return self.out(self.drop(torch.cat([s, context], dim=-1)))

    def step(self, prev, state, memory):
        context = memory["context"]  # (B, H)
        x = torch.cat([self.drop(self.embed(prev)), context], dim=-1)  # (B, E+H)
        s, state = lstm_step(self.rnn, x, state)  # (B, H)
        return self._logits(s, context), state, {"context": context, "dec_state": s}

    def forward(self, src, src_mask, tgt_in, src_emb=None):
        memory = self.encode(src, src_mask, src_emb)
        context = memory["context"].unsqueeze(1).expand(-1, tgt_in.size(1), -1)  # (B, T, H)
        x = torch.cat([self.drop(self.embed(tgt_in)), context], dim=-1)
        out, _ = self.rnn(x, _to_rnn(self.init_state(memory)))  # (B, T, H)
        return self._logits(out, context)
