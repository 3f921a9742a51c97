"""Architecture registry: name -> (model class, config class)."""

from .base import Seq2Seq, attention
from .lstm import LSTMConfig, LSTMSeq2Seq
from .lstm_attn import LSTMAttnConfig, LSTMAttnSeq2Seq
from .transformer import TransformerConfig, TransformerSeq2Seq

REGISTRY = {
    "lstm": (LSTMSeq2Seq, LSTMConfig),
    "lstm-attn": (LSTMAttnSeq2Seq, LSTMAttnConfig),
    "transformer": (TransformerSeq2Seq, TransformerConfig),
}


def build_model(arch: str, **config) -> Seq2Seq:
    """Build an architecture from its registry name and config fields."""
    if arch not in REGISTRY:
        raise ValueError(f"unknown architecture {arch!r}: choose one of {sorted(REGISTRY)}")
    model_cls, config_cls = REGISTRY[arch]
    return model_cls(config_cls(**config))


__all__ = ["REGISTRY", "Seq2Seq", "attention", "build_model"]
