"""Checkpoints: one folder per model, no pickle anywhere.

    model.safetensors   weights: float32, float16, or int8 with one float32 scale per row
                        ("<name>@scale") for the big en-zh models; cast up to float32 at load
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


DTYPES = ("float32", "float16", "int8")
SCALE = "@scale"


def encode_weights(state: dict, dtype: str) -> dict:
    """float32 tensors -> what is stored. int8: matrices (>= 1024 values) are quantised per row,
    symmetric, with the row's max |w| / 127 kept as `<name>@scale`; everything else float16."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown weights dtype {dtype!r}: use one of {DTYPES}")
    out = {}
    for k, v in state.items():
        v = v.detach().to("cpu", torch.float32)
        if dtype == "int8" and v.dim() >= 2 and v.numel() >= 1024:
            rows = v.reshape(v.size(0), -1)  # (rows, cols)
            scale = rows.abs().amax(dim=1).clamp(min=1e-12) / 127.0  # (rows,)
            out[k] = torch.round(rows / scale[:, None]).clamp(-127, 127).to(torch.int8).reshape(v.shape)
            out[k + SCALE] = scale.contiguous()
        else:
            out[k] = v.to(torch.float32 if dtype == "float32" else torch.float16).contiguous()
    return out


def decode_weights(tensors: dict) -> dict:
    """What is stored -> float32 tensors (int8 rows times their scales)."""
    out = {}
    for k, v in tensors.items():
        if k.endswith(SCALE):
            continue
        if k + SCALE in tensors:
            v = (v.reshape(v.size(0), -1).float() * tensors[k + SCALE].float()[:, None]).reshape(v.shape)
        out[k] = v.float()
    return out


def _write_weights(tensors: dict, path: Path):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    save_file(tensors, tmp, metadata={"format_version": str(FORMAT_VERSION)})
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def save(model: Seq2Seq, out_dir, *, task: str, half: bool = False, dtype: str | None = None, **meta) -> Path:
    """Write weights, config and tokenizers of `model` (with .src_tok / .tgt_tok).
    dtype: float32 (default), float16 (or half=True) or int8."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dtype = dtype or ("float16" if half else "float32")
    _write_weights(encode_weights(model.state_dict(), dtype), out / WEIGHTS)
    atomic_write(out / SRC_VOCAB, model.src_tok.to_json())
    atomic_write(out / TGT_VOCAB, model.tgt_tok.to_json())
    config = {
        "format_version": FORMAT_VERSION,
        "arch": model.arch,
        "task": task,
        "config": asdict(model.config),
        "parameters": model.num_parameters(),
        "weights_dtype": dtype,
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
    try:
        tensors = decode_weights(tensors)
    except (RuntimeError, IndexError) as e:
        raise CheckpointError(path, f"bad int8 scales ({e})") from None
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


def convert(name_or_path, dtype: str) -> Path:
    """Re-store a checkpoint's weights as `dtype` (e.g. int8 to fit the size budget)."""
    folder = find(name_or_path)
    tensors = decode_weights(load_file(folder / WEIGHTS))
    _write_weights(encode_weights(tensors, dtype), folder / WEIGHTS)
    info = _read_json(folder / CONFIG)
    info["weights_dtype"] = dtype
    write_json(folder / CONFIG, info)
    return folder

