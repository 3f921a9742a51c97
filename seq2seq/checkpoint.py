"""Checkpoints: one folder per model, no pickle anywhere. This module owns the folder's files.

    config.json         format version, arch, task, model config, tokenizer files, data sha256,
                        and the training record (recipe, time, the machine it ran on)
    model.safetensors   weights: float32, float16, or int8 with one float32 scale per row
                        ("<name>@scale") for the big en-zh models; cast up to float32 at load
    src_vocab.json      source tokenizer (Tokenizer.to_json)
    tgt_vocab.json      target tokenizer
    metrics.json        written by `python -m seq2seq.evaluate`
    train_log.jsonl     one line per epoch, written by `python -m seq2seq.train`
    README.md           the model card (seq2seq.card), written by `python -m seq2seq.evaluate`
    NOTES.md            by hand, optional: what the numbers alone do not say; the card quotes it

Loading a model: every problem raises `CheckpointError`, naming the file. Reading the side
files (`read_metrics`, `read_train_log`, `read_card`, `read_notes`): a missing, unreadable
or malformed file reads as None and never raises, whatever the file holds.
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
from .weights import decode_weights, encode_weights

FORMAT_VERSION = 1
# Where the shipped models live; ATTENTION_LAB_CHECKPOINTS points elsewhere (tests use it).
CHECKPOINTS = Path(os.environ.get("ATTENTION_LAB_CHECKPOINTS")
                   or Path(__file__).resolve().parent.parent / "checkpoints")
CONFIG, WEIGHTS, SRC_VOCAB, TGT_VOCAB = "config.json", "model.safetensors", "src_vocab.json", "tgt_vocab.json"
METRICS, TRAIN_LOG, CARD, NOTES = "metrics.json", "train_log.jsonl", "README.md", "NOTES.md"
RESUME = ".resume"  # a folder: training state after each epoch, so a killed run resumes (seq2seq.train)
MAX_BYTES = 8 << 20  # a JSON or Markdown file larger than this is not read
MAX_DEPTH = 8  # JSON nested deeper than this is not read (the real files nest 3 deep)


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


def _replace(path, write):
    """Write a temporary file beside `path` with `write(tmp)`, then rename it: never half-written."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write(path, data: bytes | str):
    """Write bytes, or text as UTF-8, so that `path` is never half-written."""
    _replace(path, lambda tmp: Path(tmp).write_bytes(data.encode("utf-8") if isinstance(data, str) else data))


def write_json(path, obj):
    atomic_write(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def _write_weights(tensors: dict, path: Path):
    _replace(path, lambda tmp: save_file(tensors, tmp, metadata={"format_version": str(FORMAT_VERSION)}))


def save(model: Seq2Seq, out_dir, *, task: str, half: bool = False, dtype: str | None = None, **meta) -> Path:
    """Write weights, config and tokenizers of `model` (with .src_tok / .tgt_tok).
    dtype: float32 (default), float16 (or half=True) or int8."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dtype = dtype or ("float16" if half else "float32")
    _write_weights(encode_weights(model.state_dict(), dtype), out / WEIGHTS)
    atomic_write(out / SRC_VOCAB, model.src_tok.to_json())
    atomic_write(out / TGT_VOCAB, model.tgt_tok.to_json())
    config = {"format_version": FORMAT_VERSION, "arch": model.arch, "task": task, "config": asdict(model.config),
              "parameters": model.num_parameters(), "weights_dtype": dtype, "src_tokenizer": SRC_VOCAB,
              "tgt_tokenizer": TGT_VOCAB, **meta}
    write_json(out / CONFIG, config)
    return out


# --- what the JSON files may hold ---------------------------------------------------------
# Field -> its type; `float` is any finite number, None allows null. Unknown fields pass.

CONFIG_FIELDS = {"format_version": int, "arch": str, "task": str, "config": dict, "parameters": int,
                 "weights_dtype": str, "src_tokenizer": str, "tgt_tokenizer": str, "data": (str, None),
                 "data_sha256": (str, None), "train": dict}
TRAIN_FIELDS = {"epochs": int, "seed": int, "device": str, "threads": int, "train_pairs": int,
                "command": (str, None), "lr": float, "batch": int, "warmup": int, "generated": (dict, None),
                "minutes": float, "epochs_run": int, "best_dev": float, "torch": str, "config_used": dict,
                "machine": dict}
GENERATED_FIELDS = {"size": int, "repeat": float, "patterns": float}
MACHINE_FIELDS = {"cpu": str, "cores": (int, None), "threads": int, "device": str, "python": str, "torch": str}
METRICS_FIELDS = {"model": str, "task": str, "arch": str, "split": str, "metrics": dict, "by_length": list,
                  "decode": dict, "examples": list, "data": (str, None), "data_sha256": (str, None),
                  "command": str, "evaluated": str}
DECODE_FIELDS = {"strategy": str, "batch_seconds": float, "sentences_per_s": float, "trace_ms_median": float,
                 "device": str, "threads": int}
LOG_FIELDS = {"epoch": int, "train_loss": float, "lr": float, "seconds": float, "tokens_per_s": float,
              "best": bool}


def _is(value, kinds) -> bool:
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if value is None or isinstance(value, bool):  # bool is an int to Python, not to a config
        return (None if value is None else bool) in kinds
    if float in kinds and isinstance(value, (int, float)):
        return abs(value) < 1e300  # finite (not NaN), and float() takes it
    return isinstance(value, tuple(k for k in kinds if k is not None))


def _wrong(d: dict, fields: dict) -> str | None:
    """The first field of `d` that is not of its type in `fields`, in words; None if none."""
    for key, kind in fields.items():
        if key in d and not _is(d[key], kind):
            return f"{key!r} is {json.dumps(d[key])[:40]}, not of the expected type"
    return None


def _numbers(d: dict, but=()) -> str | None:
    """Every value of `d` a finite number (except the keys in `but`)?"""
    bad = next((k for k, v in d.items() if k not in but and not _is(v, float)), None)
    return None if bad is None else f"{bad!r} is not a number"


def _depth(obj) -> int:
    """How deep lists and objects nest in `obj` (0 for a scalar); stops counting past MAX_DEPTH."""
    deepest, todo = 0, [(obj, 0)]
    while todo and deepest <= MAX_DEPTH:
        o, d = todo.pop()
        if isinstance(o, (dict, list)):
            deepest = max(deepest, d + 1)
            todo += [(v, d + 1) for v in (o.values() if isinstance(o, dict) else o)]
    return deepest


def config_problem(info: dict) -> str | None:
    """What is wrong with the types in a config.json, or None."""
    train = info.get("train") if isinstance(info.get("train"), dict) else {}
    problem = (_wrong(info, CONFIG_FIELDS) or _wrong(train, TRAIN_FIELDS)
               or _wrong(train.get("generated") or {}, GENERATED_FIELDS)
               or _wrong(train.get("machine") or {}, MACHINE_FIELDS))
    if problem:
        return problem
    if any(not _is(v, (int, float, str, bool)) for v in info.get("config", {}).values()):
        return "the model config holds something other than numbers, text and true/false"
    for key in ("src_tokenizer", "tgt_tokenizer"):  # a file beside config.json, nowhere else
        if key in info and (Path(info[key]).name != info[key] or info[key].startswith(".")):
            return f"{key} {info[key]!r} is not a file name in this folder"
    return None


def metrics_problem(metrics: dict) -> str | None:
    """What is wrong with the types in a metrics.json, or None."""
    problem = _wrong(metrics, METRICS_FIELDS) or _numbers(metrics.get("metrics", {}))
    problem = problem or _wrong(metrics.get("decode", {}), DECODE_FIELDS)
    for row in metrics.get("by_length", []):
        if not isinstance(row, dict) or not isinstance(row.get("bucket"), str):
            return "a by_length row without a bucket"
        problem = problem or _numbers(row, but=("bucket",))
    for row in metrics.get("examples", []):
        if not isinstance(row, dict) or not all(isinstance(v, str) for v in row.values()):
            return "an example that is not text"
    return problem


def log_row_problem(row) -> str | None:
    """What is wrong with one line of train_log.jsonl, or None."""
    if not isinstance(row, dict):
        return "not a JSON object"
    return _wrong(row, LOG_FIELDS) or _numbers({k: v for k, v in row.items() if k.startswith("dev_")})


# --- reading: config.json raises CheckpointError, the other files read as None -------------------

def _read_json(path) -> dict:
    if not path.is_file():
        raise CheckpointError(path, "file is missing")
    if path.stat().st_size > MAX_BYTES:
        raise CheckpointError(path, f"larger than {MAX_BYTES >> 20} MB")
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(path, f"not valid JSON ({e})") from None
    except RecursionError:
        raise CheckpointError(path, "not valid JSON (nested too deeply)") from None
    except OSError as e:
        raise CheckpointError(path, f"unreadable ({e.strerror or e})") from None
    if not isinstance(d, dict):
        raise CheckpointError(path, "not a JSON object")
    if _depth(d) > MAX_DEPTH:
        raise CheckpointError(path, f"nested more than {MAX_DEPTH} deep")
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
    """config.json as a dict whose known fields have their types; CheckpointError otherwise."""
    path = find(name_or_path) / CONFIG
    info = _read_json(path)
    problem = config_problem(info)
    if problem:
        raise CheckpointError(path, problem)
    return info


def _text(name_or_path, file: str) -> str | None:
    """A file of a checkpoint folder; None if missing, too big, unreadable or not UTF-8."""
    try:
        path = find(name_or_path) / file
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (CheckpointError, OSError, UnicodeDecodeError, ValueError, TypeError):
        return None


def _json(text: str | None):
    """Parsed JSON, or None for invalid JSON and JSON nested deeper than MAX_DEPTH."""
    if text is None:
        return None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return obj if _depth(obj) <= MAX_DEPTH else None


def read_metrics(name_or_path) -> dict | None:
    """metrics.json of a model (written by `python -m seq2seq.evaluate`); None if it is missing
    or unreadable, or any known field has the wrong type."""
    metrics = _json(_text(name_or_path, METRICS))
    return metrics if isinstance(metrics, dict) and metrics_problem(metrics) is None else None


def read_train_log(name_or_path) -> tuple[list[dict], int] | None:
    """(rows of train_log.jsonl, number of unreadable lines skipped), or None without a log."""
    text = _text(name_or_path, TRAIN_LOG)
    if text is None:
        return None
    rows, bad = [], 0
    for line in filter(str.strip, text.splitlines()):
        row = _json(line)
        if log_row_problem(row) is None:
            rows.append(row)
        else:
            bad += 1
    return rows, bad


def read_card(name_or_path) -> str | None:
    """The model card (README.md), or None."""
    return _text(name_or_path, CARD)


def read_notes(name_or_path) -> str | None:
    """NOTES.md, written by hand beside the card, or None."""
    return _text(name_or_path, NOTES)


def write_metrics(folder, metrics: dict):
    write_json(Path(folder) / METRICS, metrics)


def append_train_log(folder, row: dict):
    with open(Path(folder) / TRAIN_LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


# --- loading a model ------------------------------------------------------------------------

def _build(folder: Path, info: dict) -> Seq2Seq:
    """The model that config.json describes, untrained; built on the meta device first, so a
    config describing a model far bigger than its weights file fails without allocating it."""
    path = folder / CONFIG
    if info.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(path, f"format_version {info.get('format_version')!r}, this code reads {FORMAT_VERSION}")
    arch = info.get("arch")
    if arch not in REGISTRY:
        raise CheckpointError(path, f"unknown arch {arch!r}")
    model_cls, config_cls = REGISTRY[arch]
    weights = folder / WEIGHTS
    try:
        with torch.device("meta"):
            size = model_cls(config_cls(**info["config"])).num_parameters()
        if weights.is_file() and size > weights.stat().st_size:  # at least one byte per parameter
            raise CheckpointError(path, f"describes {size:,} parameters, {WEIGHTS} holds "
                                        f"{weights.stat().st_size:,} bytes")
        return model_cls(config_cls(**info["config"]))
    except (KeyError, TypeError, ValueError, AssertionError, RuntimeError, OverflowError) as e:
        raise CheckpointError(path, f"bad model config ({type(e).__name__}: {e})") from None


def _tokenizers(folder: Path, info: dict, model: Seq2Seq) -> tuple[Tokenizer, Tokenizer]:
    toks = []
    for key, default, size in (("src_tokenizer", SRC_VOCAB, model.config.src_vocab),
                               ("tgt_tokenizer", TGT_VOCAB, model.config.tgt_vocab)):
        path = folder / info.get(key, default)
        try:
            tok = Tokenizer.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(path, "file is missing") from None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError, UnicodeDecodeError) as e:
            raise CheckpointError(path, f"not a tokenizer ({e})") from None
        if len(tok) != size:
            raise CheckpointError(path, f"vocabulary has {len(tok)} tokens, config says {size}")
        toks.append(tok)
    return toks[0], toks[1]


def _weights(folder: Path, expected: dict) -> dict:
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
    missing, extra = set(expected) - set(tensors), set(tensors) - set(expected)
    if missing or extra:
        raise CheckpointError(path, f"weights do not match the config: missing {sorted(missing)[:3]}, "
                                    f"unexpected {sorted(extra)[:3]}")
    for k, v in tensors.items():
        if v.shape != expected[k].shape:
            raise CheckpointError(path, f"{k} has shape {tuple(v.shape)}, config needs {tuple(expected[k].shape)}")
    return tensors


def load(name_or_path, device="auto") -> Seq2Seq:
    """Load a checkpoint folder (or a name under checkpoints/) in eval mode. The model
    carries .src_tok, .tgt_tok, .task, .name and .info (config.json)."""
    folder = find(name_or_path)
    info = read_config(folder)
    model = _build(folder, info)
    model.src_tok, model.tgt_tok = _tokenizers(folder, info, model)
    model.load_state_dict(_weights(folder, model.state_dict()))
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

