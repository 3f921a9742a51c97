"""Each architecture's model config, apart from the models: plain dataclasses without torch,
so that a config can be read and checked (the home page lists every checkpoint) before, or
without, importing torch. The models (seq2seq/models) are built from these."""

from __future__ import annotations

from dataclasses import dataclass

SCORES = ("additive", "dot", "general")  # the attention scores of LSTMAttnConfig.score
QUERIES = ("current", "prev")  # LSTMAttnConfig.query: Luong's arrangement, or Bahdanau's (the article's)
ALPHA_MODES = ("uniform", "frozen")  # what a knock-out puts in place of LSTM + attention's computed alpha


@dataclass
class LSTMConfig:
    src_vocab: int = 100  # source vocabulary size
    tgt_vocab: int = 100  # target vocabulary size
    emb: int = 128  # embedding size, source and target
    hidden: int = 256  # decoder hidden size; the encoder has hidden // 2 per direction
    layers: int = 1  # LSTM layers in encoder and decoder
    dropout: float = 0.1  # dropout on embeddings and outputs


@dataclass
class LSTMAttnConfig:
    src_vocab: int = 100  # source vocabulary size
    tgt_vocab: int = 100  # target vocabulary size
    emb: int = 128  # embedding size, source and target
    hidden: int = 256  # decoder hidden size; the encoder has hidden // 2 per direction
    layers: int = 1  # LSTM layers in encoder and decoder
    score: str = "additive"  # attention score: additive | dot | general
    attn_dim: int = 128  # size of the additive score's hidden layer
    dropout: float = 0.1  # dropout on embeddings and outputs
    tie: bool = False  # one vocabulary and one embedding table for source and target
    query: str = "current"  # what scores the source: s_t after the step (Luong) | prev: s_{t-1} (Bahdanau, the article)


@dataclass
class TransformerConfig:
    src_vocab: int = 100  # source vocabulary size
    tgt_vocab: int = 100  # target vocabulary size
    d_model: int = 128  # model width
    heads: int = 4  # attention heads per layer; d_k = d_model // heads
    enc_layers: int = 2  # encoder layers
    dec_layers: int = 2  # decoder layers
    d_ff: int = 512  # feed-forward inner size
    dropout: float = 0.1  # dropout on sublayer outputs and attention weights
    max_len: int = 256  # longest sequence the positional encoding covers
    tie: bool = False  # one vocabulary, one embedding table: source, target and output (Press & Wolf 2017)


def variant(arch, config=None) -> str:
    """The name the app shows a model under: its architecture, and "lstm-bahdanau" for an
    LSTM + attention in the article's (Bahdanau's) arrangement. config: a config object or
    config.json's "config" dict."""
    query = config.get("query") if isinstance(config, dict) else getattr(config, "query", None)
    return "lstm-bahdanau" if arch == "lstm-attn" and query == "prev" else arch


CONFIGS = {"lstm": LSTMConfig, "lstm-attn": LSTMAttnConfig, "transformer": TransformerConfig}
