"""Attention Lab's library: three encoder-decoder architectures that return their
attention, one decoding trace, safe checkpoints. Never imports Streamlit.

    import seq2seq
    model = seq2seq.load("en-zh-transformer")          # a folder under checkpoints/, or a path
    trace = seq2seq.decode(model, "I like tea.", strategy="beam", beam=4)
    trace.cross_weights                                # (steps, layers, heads, src)
"""

from .checkpoint import CheckpointError, available, load, read_config, resolve_device, save
from .decoding import STRATEGIES, Hypothesis, Trace, decode, whatif
from .models import REGISTRY, build_model
from .tokenize import Tokenizer, labels

__all__ = [
    "REGISTRY", "STRATEGIES", "CheckpointError", "Hypothesis", "Tokenizer", "Trace", "available", "build_model",
    "decode", "labels", "load", "read_config", "resolve_device", "save", "whatif",
]
