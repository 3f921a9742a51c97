"""Checkpoints: one folder per model, no pickle anywhere.

    model.safetensors   weights (float16 on disk where small enough; cast up at load)
    config.json         format version, arch, task, model config, tokenizer files, data sha256
    src_vocab.json      source tokenizer (Tokenizer.to_json)
    tgt_vocab.json      target tokenizer
    metrics.json        written by `python -m seq2seq.evaluate`
    train_log.jsonl     one line per epoch, written by `python -m seq2seq.train`
    README.md           the model card

Every problem with a folder raises `CheckpointError`, naming the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .models import REGISTRY, Seq2Seq
from .tokenize import Tokenizer

FORMAT_VERSION = 1
# Where the shipped models live; ATTENTION_LAB_CHECKPOINTS points elsewhere (tests use it).
CHECKPOINTS = Path(os.environ.get("ATTENTION_LAB_CHECKPOINTS")
                   or Path(__file__).resolve().parent.parent / "checkpoints")
WEIGHTS, CONFIG, SRC_VOCAB, TGT_VOCAB = "model.safetensors", "config.json", "src_vocab.json", "tgt_vocab.json"


class CheckpointError(Exception):
    """A checkpoint folder is missing, truncated or does not match its config."""

    def __init__(self, path, problem):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """"auto" picks CUDA, then Apple MPS, then CPU; "cuda" without a GPU is an error."""
    device = str(device)
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but no CUDA GPU is available")
    return torch.device(device)


def atomic_write(path, data: bytes | str):
    """Write to a temporary file beside `path`, then rename: never half-written."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def write_json(path, obj):
    atomic_write(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def save(model: Seq2Seq, out_dir, *, task: str, half: bool = False, **meta) -> Path:
    """Write weights, config and tokenizers of `model` (with .src_tok / .tgt_tok)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if half else torch.float32
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{WEIGHTS}.")
    os.close(fd)
    save_file(tensors, tmp, metadata={"format_version": str(FORMAT_VERSION)})
    os.chmod(tmp, 0o644)
    os.replace(tmp, out / WEIGHTS)
    atomic_write(out / SRC_VOCAB, model.src_tok.to_json())
    atomic_write(out / TGT_VOCAB, model.tgt_tok.to_json())
    config = {
        "format_version": FORMAT_VERSION,
        "arch": model.arch,
        "task": task,
        "config": asdict(model.config),
        "parameters": model.num_parameters(),
        "weights_dtype": str(dtype).replace("torch.", ""),
        "src_tokenizer": SRC_VOCAB,
        "tgt_tokenizer": TGT_VOCAB,
        **meta,
    }
    write_json(out / CONFIG, config)
    return out


def _read_json(path):
    if not path.is_file():
        raise CheckpointError(path, "file is missing")
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(path, f"not valid JSON ({e})") from None
    if not isinstance(d, dict):
        raise CheckpointError(path, "not a JSON object")
    return d


def find(name_or_path) -> Path:
    """A checkpoint folder from a path or a name under checkpoints/."""
    p = Path(name_or_path)
    if (p / CONFIG).is_file() or p.is_dir():
        return p
    if (CHECKPOINTS / str(name_or_path)).is_dir():
        return CHECKPOINTS / str(name_or_path)
    raise CheckpointError(p, f"no such model folder (known models: {', '.join(available()) or 'none'})")


def read_config(name_or_path) -> dict:
    return _read_json(find(name_or_path) / CONFIG)


def load(name_or_path, device="auto") -> Seq2Seq:
    """Load a checkpoint folder (or a name under checkpoints/) in eval mode.

    The model carries .src_tok, .tgt_tok, .task, .name and .info (config.json).
    """
    folder = find(name_or_path)
    info = _read_json(folder / CONFIG)
    if info.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(folder / CONFIG, f"format_version {info.get('format_version')!r}, "
                                               f"this code reads {FORMAT_VERSION}")
    arch = info.get("arch")
    if arch not in REGISTRY:
        raise CheckpointError(folder / CONFIG, f"unknown arch {arch!r}")
    model_cls, config_cls = REGISTRY[arch]
    try:
        model = model_cls(config_cls(**info["config"]))
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(folder / CONFIG, f"bad model config ({e})") from None
    toks = {}
    for key, default in (("src_tokenizer", SRC_VOCAB), ("tgt_tokenizer", TGT_VOCAB)):
        path = folder / info.get(key, default)
        try:
            toks[key] = Tokenizer.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(path, "file is missing") from None
        except (ValueError, KeyError, TypeError) as e:
            raise CheckpointError(path, f"not a tokenizer ({e})") from None
    for key, size in (("src_tokenizer", model.config.src_vocab), ("tgt_tokenizer", model.config.tgt_vocab)):
        if len(toks[key]) != size:
            raise CheckpointError(folder / info.get(key, ""), f"vocabulary has {len(toks[key])} tokens, "
                                                              f"config says {size}")
    path = folder / WEIGHTS
    if not path.is_file():
        raise CheckpointError(path, "file is missing")
    try:
        tensors = load_file(path)
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(path, f"unreadable or truncated weights ({e})") from None
    expected = model.state_dict()
    missing, extra = set(expected) - set(tensors), set(tensors) - set(expected)
    if missing or extra:
        raise CheckpointError(path, f"weights do not match the config: missing {sorted(missing)[:3]}, "
                                    f"unexpected {sorted(extra)[:3]}")
    for k, v in tensors.items():
        if v.shape != expected[k].shape:
            raise CheckpointError(path, f"{k} has shape {tuple(v.shape)}, config needs {tuple(expected[k].shape)}")
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    model.src_tok, model.tgt_tok = toks["src_tokenizer"], toks["tgt_tokenizer"]
    model.task, model.name, model.info = info.get("task", ""), folder.name, info
    return model.to(resolve_device(device)).eval()


def available(root=None) -> list[str]:
    """Names of the model folders under checkpoints/ (those with a config.json)."""
    root = Path(root or CHECKPOINTS)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / CONFIG).is_file())
