"""The encoder-decoder Transformer (Vaswani et al. 2017), pre-norm.

Attention is written out by hand rather than with nn.MultiheadAttention
(which averages heads) so that every head of every layer, before and after
the softmax, comes back to the caller:

    Q = X W^Q, K = X W^K, V = X W^V,  head = softmax(Q K^T / sqrt(d_k)) V

Encoder self-attention, masked decoder self-attention and cross-attention;
sinusoidal positional encoding. `encode` projects the encoder output to each
decoder layer's cross-attention keys and values once; `step` decodes
incrementally with a self-attention key/value cache held in the (returned) state.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..configs import TransformerConfig  # noqa: F401  (re-exported)
from ..tokenize import PAD_ID
from .base import Seq2Seq, attention


def positional_encoding(max_len, d):
    pos = torch.arange(max_len).unsqueeze(1)  # (T, 1)
    div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class MultiHeadAttention(nn.Module):
    def __init__(self, d, heads, dropout):
        super().__init__()
        assert d % heads == 0, "d_model must be divisible by heads"
        self.h, self.dk = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.drop = nn.Dropout(dropout)

    def split(self, x):
        B, T, _ = x.shape
        return x.view(B, T, self.h, self.dk).transpose(1, 2)  # (B, h, T, dk)

    def project_kv(self, x):
        return self.split(self.k(x)), self.split(self.v(x))

    def forward(self, x, k, v, mask, gate=None):
        """x: (B, Tq, d) queries; k, v: (B, h, Tk, dk) already projected; mask
        broadcastable to (B, h, Tq, Tk). Returns out (B, Tq, d), weights and
        scores (B, h, Tq, Tk), and the queries q (B, h, Tq, dk). gate (B, h): each
        head's output is multiplied by it (0: the head knocked out; its weights still computed)."""
        q = self.split(self.q(x))
        out, weights, scores = attention(q, k, v, mask)
        out = self.drop(weights) @ v if self.training else out
        if gate is not None:
            out = out * gate[:, :, None, None]
        B, _, T, _ = out.shape
        return self.o(out.transpose(1, 2).reshape(B, T, -1)), weights, scores, q


class FeedForward(nn.Sequential):
    def __init__(self, d, d_ff, dropout):
        super().__init__(nn.Linear(d, d_ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_ff, d))


class EncoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.attn = MultiHeadAttention(cfg.d_model, cfg.heads, cfg.dropout)
        self.ff = FeedForward(cfg.d_model, cfg.d_ff, cfg.dropout)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, mask, gate=None):
        y = self.ln1(x)
        k, v = self.attn.project_kv(y)
        a, w, s, q = self.attn(y, k, v, mask, gate)
        x = x + self.drop(a)
        return x + self.drop(self.ff(self.ln2(x))), w, s, q, k


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1, self.ln2, self.ln3 = (nn.LayerNorm(cfg.d_model) for _ in range(3))
        self.self_attn = MultiHeadAttention(cfg.d_model, cfg.heads, cfg.dropout)
        self.cross_attn = MultiHeadAttention(cfg.d_model, cfg.heads, cfg.dropout)
        self.ff = FeedForward(cfg.d_model, cfg.d_ff, cfg.dropout)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, self_kv, self_mask, cross_kv, cross_mask, gates=(None, None)):
        """x: (B, T, d) the new positions; self_kv: keys/values of all positions
        so far (this call's included). Returns x, then weights, scores and
        queries of the self-attention and of the cross-attention. gates: the
        self- and cross-attention heads' gates (B, h) or None (MultiHeadAttention)."""
        a, sw, ss, sq = self.self_attn(self.ln1(x), *self_kv, self_mask, gates[0])
        x = x + self.drop(a)
        a, cw, cs, cq = self.cross_attn(self.ln2(x), *cross_kv, cross_mask, gates[1])
        x = x + self.drop(a)
        return x + self.drop(self.ff(self.ln3(x))), (sw, ss, sq), (cw, cs, cq)


class TransformerSeq2Seq(Seq2Seq):
    arch = "transformer"

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        cfg = config
        self.src_embed = nn.Embedding(cfg.src_vocab, cfg.d_model, padding_idx=PAD_ID)
        self.tgt_embed = nn.Embedding(cfg.tgt_vocab, cfg.d_model, padding_idx=PAD_ID)
        self.register_buffer("pe", positional_encoding(cfg.max_len, cfg.d_model), persistent=False)
        self.enc = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.enc_layers))
        self.dec = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.dec_layers))
        self.enc_ln, self.dec_ln = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.out = nn.Linear(cfg.d_model, cfg.tgt_vocab)
        self.drop = nn.Dropout(cfg.dropout)
        # Embeddings start at std d^-1/2, so that after the sqrt(d) scaling tokens and
        # positions are of the same size (N(0, 1) would drown the positions 16 times over).
        for emb in (self.src_embed, self.tgt_embed):
            nn.init.normal_(emb.weight, 0.0, cfg.d_model ** -0.5)
            with torch.no_grad():
                emb.weight[PAD_ID].zero_()
        if cfg.tie:  # a name's pieces are the same vectors read and written: copying is easy to learn
            if cfg.src_vocab != cfg.tgt_vocab:
                raise ValueError(f"tie needs one vocabulary: src_vocab {cfg.src_vocab} != tgt_vocab {cfg.tgt_vocab}")
            self.src_embed = self.tgt_embed
            self.out.weight = self.tgt_embed.weight

    @property
    def max_target_len(self) -> int:
        return self.config.max_len  # the positional encoding ends there

    def _embed(self, table, ids, offset=0, emb=None):
        x = (table(ids) if emb is None else emb) * math.sqrt(self.config.d_model)
        return self.drop(x + self.pe[offset: offset + ids.size(1)])

    def embed_source(self, src):
        return self.src_embed(src)

    def _gates(self, knockout, B, device) -> dict:
        """knockout: (kind, layer, head) triples, kind "encoder" | "decoder" | "cross", layer and
        head from 0 -> {"gate_<kind>": (B, layers, heads)} with 0 on the heads knocked out."""
        cfg, out = self.config, {}
        layers = {"encoder": cfg.enc_layers, "decoder": cfg.dec_layers, "cross": cfg.dec_layers}
        for item in knockout:
            kind, layer, head = item if isinstance(item, (tuple, list)) and len(item) == 3 else (item, -1, -1)
            if kind not in layers or not (0 <= int(layer) < layers[kind] and 0 <= int(head) < cfg.heads):
                raise ValueError(f"no head {item!r} to knock out: (kind, layer, head) with kind in {tuple(layers)}, "
                                 f"layer below {layers.get(kind, '?')} and head below {cfg.heads}")
            gate = out.setdefault(f"gate_{kind}", torch.ones(B, layers[kind], cfg.heads, device=device))
            gate[:, int(layer), int(head)] = 0.0
        return out

    def encode(self, src, src_mask, src_emb=None, knockout=()):
        """knockout: heads whose output is zeroed, as (kind, layer, head) (see _gates)."""
        gates = self._gates(knockout, src.size(0), src.device) if knockout else {}
        x = self._embed(self.src_embed, src, emb=src_emb)  # (B, S, d)
        mask = src_mask[:, None, None, :]  # (B, 1, 1, S): padding keys get no weight
        ws, ss, qs, ks = [], [], [], []
        enc_gate = gates.get("gate_encoder")
        for n, layer in enumerate(self.enc):
            x, w, s, q, k = layer(x, mask, None if enc_gate is None else enc_gate[:, n])
            ws.append(w)
            ss.append(s)
            qs.append(q)
            ks.append(k)
        x = self.enc_ln(x)
        memory = {
            "memory": x,  # (B, S, d)
            "src_mask": src_mask,
            "enc_self_weights": torch.stack(ws, 1),  # (B, layers, h, S, S)
            "enc_self_scores": torch.stack(ss, 1),
            "enc_self_q": torch.stack(qs, 1),  # (B, layers, h, S, dk)
            "enc_self_k": torch.stack(ks, 1),
        }
        for i, layer in enumerate(self.dec):
            # Each decoder layer's cross-attention keys and values (B, h, S, dk), projected once. Kept
            # apart rather than sliced from cross_keys: a slice's strides would change the matmul's rounding.
            memory[f"ck{i}"], memory[f"cv{i}"] = layer.cross_attn.project_kv(x)
        memory["cross_keys"] = torch.stack([memory[f"ck{i}"] for i in range(len(self.dec))], 1)  # (B, L, h, S, dk)
        memory.update({k: v for k, v in gates.items() if k != "gate_encoder"})  # the decoder's, read by step
        return memory

    def init_state(self, memory):
        state = {}
        B, _, h, _, dk = memory["cross_keys"].shape
        for i in range(len(self.dec)):
            state[f"k{i}"] = state[f"v{i}"] = memory["memory"].new_zeros(B, h, 0, dk)
        return state

    def step(self, prev, state, memory):
        t = state["k0"].size(2)  # positions decoded so far
        x = self._embed(self.tgt_embed, prev.unsqueeze(1), offset=t)  # (B, 1, d)
        cross_mask = memory["src_mask"][:, None, None, :]
        new_state, rows = dict(state), []
        for i, layer in enumerate(self.dec):
            k, v = layer.self_attn.project_kv(layer.ln1(x))
            k = torch.cat([state[f"k{i}"], k], dim=2)  # (B, h, t+1, dk)
            v = torch.cat([state[f"v{i}"], v], dim=2)
            new_state[f"k{i}"], new_state[f"v{i}"] = k, v
            # The new position may attend to every cached one: the causal mask is implicit.
            cross_kv = memory[f"ck{i}"], memory[f"cv{i}"]
            x, (sw, ss, sq), (cw, cs, cq) = layer(x, (k, v), None, cross_kv, cross_mask, _gates_of(memory, i))
            rows.append((sw, ss, sq, k[:, :, -1:], cw, cs, cq))
        h = self.dec_ln(x[:, 0])
        names = ["self_weights", "self_scores", "self_query", "self_key",
                 "cross_weights", "cross_scores", "cross_query"]
        # each (B, layers, h, t+1) for weights/scores over keys, (B, layers, h, dk) for queries/keys
        attn = {n: torch.stack([r[j][:, :, 0] for r in rows], 1) for j, n in enumerate(names)}
        attn["dec_state"] = h
        return self.out(h), new_state, attn

    def forward(self, src, src_mask, tgt_in, src_emb=None):
        memory = self.encode(src, src_mask, src_emb)
        T = tgt_in.size(1)
        x = self._embed(self.tgt_embed, tgt_in)  # (B, T, d)
        causal = torch.ones(T, T, dtype=torch.bool, device=src.device).tril()  # (T, T)
        cross_mask = src_mask[:, None, None, :]
        for i, layer in enumerate(self.dec):
            kv = layer.self_attn.project_kv(layer.ln1(x))
            x = layer(x, kv, causal, (memory[f"ck{i}"], memory[f"cv{i}"]), cross_mask)[0]
        return self.out(self.dec_ln(x))


def _gates_of(memory, layer: int) -> tuple:
    """Decoder layer `layer`'s (self, cross) head gates from the memory, None where none is knocked out."""
    return tuple(memory[key][:, layer] if key in memory else None for key in ("gate_decoder", "gate_cross"))
