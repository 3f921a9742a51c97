"""Attention Lab's library: three encoder-decoder architectures that return their
attention, one decoding trace, safe checkpoints. Never imports Streamlit.

    import seq2seq
    model = seq2seq.load("en-zh-transformer")          # a folder under checkpoints/, or a path
    trace = seq2seq.decode(model, "I like tea.", strategy="beam", beam=4)
    trace.cross_weights                                # (steps, layers, heads, src)
"""

import importlib

# Names and the module each lives in, imported on first use (PEP 562): `import seq2seq` and its
# torch-free parts (i18n, configs, checkpoint checks, the figures) never wait for torch to load.
_WHERE = {
    "CheckpointError": "checkpoint", "available": "checkpoint", "load": "checkpoint", "read_config": "checkpoint",
    "resolve_device": "checkpoint", "save": "checkpoint",
    "STRATEGIES": "trace", "Hypothesis": "trace", "Trace": "trace",
    "decode": "decoding", "whatif": "decoding",
    "REGISTRY": "models", "build_model": "models",
    "Tokenizer": "tokenize", "labels": "tokenize",
}


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    try:  # a submodule not imported yet (seq2seq.checkpoint, seq2seq.viz ...), as a package's attribute
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "REGISTRY", "STRATEGIES", "CheckpointError", "Hypothesis", "Tokenizer", "Trace", "available", "build_model",
    "decode", "labels", "load", "read_config", "resolve_device", "save", "whatif",
]
