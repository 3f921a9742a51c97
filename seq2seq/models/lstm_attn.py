"""LSTM encoder-decoder with attention (Bahdanau et al. 2015; Luong et al. 2015), in either
of the two arrangements the literature uses (config.query).

A bidirectional encoder keeps every state h_i. query="prev" is Bahdanau's arrangement and the
article's (section 4.2): the previous decoder state s_{t-1} scores every source position
before the step, and the context goes into the LSTM with the previous word:

    e_{t,i} = score(s_{t-1}, h_i)
    alpha_{t,i} = exp(e_{t,i}) / sum_j exp(e_{t,j})
    c_t = sum_i alpha_{t,i} h_i
    s_t = LSTM(s_{t-1}, [y_{t-1}; c_t])
    y_t = softmax(W_o tanh(W_c [c_t; s_t]))

Each step's weights need the state the step before wrote, so training runs step by step.
query="current" (the default) is Luong's arrangement: the LSTM steps first and its new
state s_t scores the source, so the LSTM runs over all steps at once in training:

    s_t = LSTM(s_{t-1}, y_{t-1})
    e_{t,i} = score(s_t, h_i)
    alpha_t = softmax(e_t),  c_t = sum_i alpha_{t,i} h_i
    y_t = softmax(W_o tanh(W_c [c_t; s_t]))

The score, in both:  additive  v^T tanh(W s + U h_i)   (Bahdanau)
                     dot       s^T h_i                  (Luong)
                     general   s^T W h_i                (Luong)
"""

from __future__ import annotations

import torch
from torch import nn

from ..configs import ALPHA_MODES, QUERIES, SCORES, LSTMAttnConfig  # noqa: F401  (re-exported)
from ..tokenize import PAD_ID
from .base import Seq2Seq, masked_softmax
from .lstm import RNNEncoder, _to_rnn, lstm_step


class Score(nn.Module):
    """score(s, h) -> e. s: (B, T, H), h: (B, S, H) -> (B, T, S)."""

    def __init__(self, kind, hidden, attn_dim):
        super().__init__()
        if kind not in SCORES:
            raise ValueError(f"unknown attention score {kind!r}: use one of {SCORES}")
        self.kind = kind
        if kind == "additive":
            self.W = nn.Linear(hidden, attn_dim, bias=False)
            self.U = nn.Linear(hidden, attn_dim, bias=True)
            self.v = nn.Linear(attn_dim, 1, bias=False)
        elif kind == "general":
            self.W = nn.Linear(hidden, hidden, bias=False)

    def keys(self, h):
        """What the score computes from the encoder states alone: U h (additive), W h (general),
        h (dot). The same at every step: `encode` computes it once."""
        if self.kind == "additive":
            return self.U(h)
        if self.kind == "general":
            return self.W(h)
        return h

    def forward(self, s, h, keys=None):
        keys = self.keys(h) if keys is None else keys
        if self.kind == "additive":
            # (B, T, 1, A) + (B, 1, S, A) -> (B, T, S, A) -> (B, T, S)
            return self.v(torch.tanh(self.W(s).unsqueeze(2) + keys.unsqueeze(1))).squeeze(-1)
        return s @ keys.transpose(1, 2)


class LSTMAttnSeq2Seq(Seq2Seq):
    arch = "lstm-attn"

    def __init__(self, config: LSTMAttnConfig):
        super().__init__(config)
        cfg = config
        if cfg.query not in QUERIES:
            raise ValueError(f"unknown attention query {cfg.query!r}: use one of {QUERIES}")
        self.prev_query = cfg.query == "prev"  # Bahdanau's arrangement: the context goes into the LSTM
        self.encoder = RNNEncoder(cfg.src_vocab, cfg.emb, cfg.hidden, cfg.layers, cfg.dropout)
        self.embed = nn.Embedding(cfg.tgt_vocab, cfg.emb, padding_idx=PAD_ID)
        self.rnn = nn.LSTM(cfg.emb + (cfg.hidden if self.prev_query else 0), cfg.hidden, cfg.layers, batch_first=True,
                           dropout=cfg.dropout if cfg.layers > 1 else 0.0)
        self.score = Score(cfg.score, cfg.hidden, cfg.attn_dim)
        self.combine = nn.Linear(2 * cfg.hidden, cfg.hidden)
        self.out = nn.Linear(cfg.hidden, cfg.tgt_vocab)
        self.drop = nn.Dropout(cfg.dropout)
        if cfg.tie:  # a name's pieces are the same vectors read and written
            if cfg.src_vocab != cfg.tgt_vocab:
                raise ValueError(f"tie needs one vocabulary: src_vocab {cfg.src_vocab} != tgt_vocab {cfg.tgt_vocab}")
            self.encoder.embed = self.embed

    def embed_source(self, src):
        return self.encoder.embed(src)

    def encode(self, src, src_mask, src_emb=None, knockout=()):
        """knockout: the Wiegreffe & Pinter baselines, "uniform" (alpha spread evenly over the
        source) or "frozen" (alpha of step 0 at every step); the context follows the alpha used."""
        states, h0, c0 = self.encoder(src, src_mask, src_emb)
        memory = {"enc_states": states, "src_mask": src_mask, "h0": h0, "c0": c0, "score_keys": self.score.keys(states)}
        unknown = set(knockout) - set(ALPHA_MODES)
        if unknown:
            raise ValueError(f"LSTM + attention knocks out its alpha as {ALPHA_MODES}, not {sorted(map(str, unknown))}")
        if knockout:
            mode = ALPHA_MODES.index(next(iter(knockout)))
            memory["alpha_mode"] = torch.full((src.size(0),), mode, dtype=torch.long, device=src.device)
        return memory

    def init_state(self, memory):
        return {"h": memory["h0"], "c": memory["c0"]}

    def _weigh(self, query, memory, alpha=None):
        """query: (B, T, H) -> weights, scores (B, T, S) and context (B, T, H).
        alpha (B, T, S): weights to use instead of the score's (a knock-out baseline)."""
        h = memory["enc_states"]
        scores = self.score(query, h, memory.get("score_keys"))  # (B, T, S)
        weights = masked_softmax(scores, memory["src_mask"].unsqueeze(1)) if alpha is None else alpha
        return weights, scores, weights @ h

    def _output(self, context, s):
        """y_t's logits from c_t and s_t (B, T, H) -> (B, T, V)."""
        return self.out(self.drop(torch.tanh(self.combine(torch.cat([context, s], dim=-1)))))

    def _attend(self, s, memory, alpha=None):
        """Luong: s (B, T, H) -> logits (B, T, V), weights, scores (B, T, S), context (B, T, H)."""
        weights, scores, context = self._weigh(s, memory, alpha)
        return self._output(context, s), weights, scores, context

    def _bahdanau_step(self, emb, state, memory, alpha=None):
        """Bahdanau: the step's weights from s_{t-1} (the top layer's state before the step), then
        the LSTM reads [y_{t-1}; c_t]. emb (B, E) -> s_t (B, 1, H), state, weights, scores, context."""
        weights, scores, context = self._weigh(state["h"][:, -1:], memory, alpha)  # query s_{t-1}: (B, 1, H)
        s, state = lstm_step(self.rnn, torch.cat([emb, context[:, 0]], dim=-1), state)
        return s.unsqueeze(1), state, weights, scores, context

    def step(self, prev, state, memory):
        alpha, frozen = self._knocked_out(memory, state)
        if self.prev_query:
            emb = self.drop(self.embed(prev))
            out, state, weights, scores, context = self._bahdanau_step(emb, state, memory, alpha)
            logits = self._output(context, out)
        else:
            s, state = lstm_step(self.rnn, self.drop(self.embed(prev)), state)  # (B, H)
            out = s.unsqueeze(1)  # (B, 1, H)
            logits, weights, scores, context = self._attend(out, memory, alpha)
        if frozen is not None:
            state["alpha0"] = frozen if frozen.numel() else weights[:, 0]
        attn = {
            "cross_weights": weights[:, None, None, 0],  # (B, 1 layer, 1 head, S)
            "cross_scores": scores[:, None, None, 0],
            "context": context[:, 0],
            "dec_state": out[:, 0],
        }
        return logits[:, 0], state, attn

    def _knocked_out(self, memory, state):
        """(alpha to use (B, 1, S) or None, the frozen alpha to keep or None) under a knock-out."""
        mode = memory.get("alpha_mode")
        if mode is None:
            return None, None
        mask = memory["src_mask"].to(memory["enc_states"].dtype)
        if ALPHA_MODES[int(mode[0])] == "uniform":
            return (mask / mask.sum(-1, keepdim=True)).unsqueeze(1), None
        if "alpha0" in state:  # frozen: step 0's alpha from now on
            return state["alpha0"].unsqueeze(1), state["alpha0"]
        return None, mask.new_zeros(0)  # step 0 computes it; step() keeps it

    def forward(self, src, src_mask, tgt_in, src_emb=None):
        memory = self.encode(src, src_mask, src_emb)
        if self.prev_query:  # step by step (each step's weights need the last step's state); the output at once
            state, emb, outs, contexts = self.init_state(memory), self.drop(self.embed(tgt_in)), [], []
            for t in range(tgt_in.size(1)):
                s, state, _, _, context = self._bahdanau_step(emb[:, t], state, memory)
                outs.append(s)
                contexts.append(context)
            return self._output(torch.cat(contexts, 1), torch.cat(outs, 1))
        out, _ = self.rnn(self.drop(self.embed(tgt_in)), _to_rnn(self.init_state(memory)))  # (B, T, H)
        return self._attend(out, memory)[0]
