"""Checkpoints: one folder per model, no pickle anywhere. This module owns the folder's files.

    config.json         format version, arch, task, model config, tokenizer files, data sha256,
                        and the training record (recipe, time, the machine it ran on)
    model.safetensors   weights: float32, float16, or int8 with one float32 scale per row
                        ("<name>@scale") for the big en-zh models; cast up to float32 at load
    src_vocab.json      source tokenizer (Tokenizer.to_json)
    tgt_vocab.json      target tokenizer
    spm.model           SentencePiece's model of the subword tokenizers (en-zh), shared by both sides
    metrics.json        written by `python -m seq2seq.evaluate`
    explain.json        written by `python -m seq2seq.explain` (is attention an explanation?)
    train_log.jsonl     one line per epoch, written by `python -m seq2seq.train`
    README.md           the model card (seq2seq.card), written by `python -m seq2seq.evaluate`
    NOTES.md            by hand, optional: what the numbers alone do not say; the card quotes it

Loading a model: every problem raises `CheckpointError`, naming the file. Writing goes through
seq2seq.files: a file via a temporary file and a rename, a whole folder (`save`, `convert`) via a
new folder swapped in, so a kill leaves the old checkpoint or the new one. Reading the side
files (`read_metrics`, `read_train_log`, `read_card`, `read_notes`): a missing, unreadable
or malformed file reads as None and never raises, whatever the file holds.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import SafetensorError

from .configs import CONFIGS
from .files import PART, atomic_save, atomic_write, clean_orphans, rewrite, write_json  # noqa: F401  (re-exported)
from .schema import (
    MAX_DEPTH,
    config_problem,
    depth,
    log_row_problem,
    metrics_problem,
    min_parameters,
    model_config_problem,
)
from .tokenize import Tokenizer

if TYPE_CHECKING:  # torch is imported where weights are read or written, never to read a config
    import torch

    from .models import Seq2Seq

FORMAT_VERSION = 1
# Where the shipped models live; ATTENTION_LAB_CHECKPOINTS points elsewhere (tests use it).
CHECKPOINTS = Path(os.environ.get("ATTENTION_LAB_CHECKPOINTS")
                   or Path(__file__).resolve().parent.parent / "checkpoints")
CONFIG, WEIGHTS, SRC_VOCAB, TGT_VOCAB = "config.json", "model.safetensors", "src_vocab.json", "tgt_vocab.json"
PIECES = "spm.model"  # the SentencePiece model of a subword tokenizer (its own protobuf format)
METRICS, TRAIN_LOG, CARD, NOTES = "metrics.json", "train_log.jsonl", "README.md", "NOTES.md"
EXPLAIN = "explain.json"  # written by `python -m seq2seq.explain`: attention against attribution, head knock-out
RESUME = ".resume"  # a folder: training state after each epoch, so a killed run resumes (seq2seq.resume)
TIMELINE_WORK = ".timeline"  # a folder: a --timeline run's candidate snapshots (seq2seq.timeline)
MAX_BYTES = 8 << 20  # a JSON or Markdown file larger than this is not read
MAX_PIECES_BYTES = 16 << 20  # spm.model (the shipped one is 0.3 MB)
MAX_WEIGHTS_BYTES = 1 << 30  # model.safetensors (the shipped ones are at most 12 MB)


class CheckpointError(Exception):
    """A checkpoint folder is missing, truncated or does not match its config."""

    def __init__(self, path, problem):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """"auto" picks CUDA, then Apple MPS, then CPU; "cuda" without a GPU is an error."""
    import torch

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


def _write_weights(tensors: dict, path: Path):
    from safetensors.torch import save_file

    atomic_save(path, lambda tmp: save_file(tensors, tmp, metadata={"format_version": str(FORMAT_VERSION)}))


# What a new save of a folder keeps from the folder it replaces: its training history. Its
# metrics and model card described the old weights, so they go (`seq2seq.evaluate` writes new ones).
KEEP = (TRAIN_LOG, NOTES, RESUME, TIMELINE_WORK)


def _write_model(model: Seq2Seq, folder: Path, task: str, dtype: str, meta: dict):
    from .weights import encode_weights

    _write_weights(encode_weights(model.state_dict(), dtype), folder / WEIGHTS)
    for tok in (model.src_tok, model.tgt_tok):
        if tok.model is not None:  # subword pieces: SentencePiece's own file, named in the tokenizer JSON
            atomic_write(folder / PIECES, tok.model)
            tok.pieces = PIECES
    atomic_write(folder / SRC_VOCAB, model.src_tok.to_json())
    atomic_write(folder / TGT_VOCAB, model.tgt_tok.to_json())
    config = {"format_version": FORMAT_VERSION, "arch": model.arch, "task": task, "config": asdict(model.config),
              "parameters": model.num_parameters(), "weights_dtype": dtype, "src_tokenizer": SRC_VOCAB,
              "tgt_tokenizer": TGT_VOCAB, **meta}
    write_json(folder / CONFIG, config)


def save(model: Seq2Seq, out_dir, *, task: str, half: bool = False, dtype: str | None = None, **meta) -> Path:
    """Write weights, config and tokenizers of `model` (with .src_tok / .tgt_tok) as the folder
    `out_dir`, whole (see `rewrite`: an old folder's training log, notes and resume state stay).
    dtype: float32 (default), float16 (or half=True) or int8."""
    dtype = dtype or ("float16" if half else "float32")
    return rewrite(out_dir, lambda tmp: _write_model(model, tmp, task, dtype, meta), KEEP)


# --- reading: config.json raises CheckpointError, the other files read as None -------------------

def checked_file(path, limit: int) -> Path:
    """`path` if it is a regular file in its own folder (a link may not lead out of the model
    folder, nor to a device) of at most `limit` bytes; CheckpointError naming it otherwise."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(path, "file is missing")
    real = path.resolve()
    if real.parent != path.parent.resolve():
        raise CheckpointError(path, "is a link to a file outside the model folder")
    if not real.is_file():
        raise CheckpointError(path, "is not a regular file")
    if real.stat().st_size > limit:
        raise CheckpointError(path, f"is larger than {limit >> 20} MB")
    return path


def _read_json(path) -> dict:
    checked_file(path, MAX_BYTES)
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
    if depth(d) > MAX_DEPTH:
        raise CheckpointError(path, f"nested more than {MAX_DEPTH} deep")
    return d


def user_models() -> Path:
    """Where models trained in the app are saved: $ATTENTION_LAB_USER_MODELS, or user_models/
    beside checkpoints/ (seq2seq.jobs)."""
    return Path(os.environ.get("ATTENTION_LAB_USER_MODELS") or CHECKPOINTS.parent / "user_models")


def find(name_or_path) -> Path:
    """A checkpoint folder from a path, a name under checkpoints/, or a user-trained model's name."""
    p = Path(name_or_path)
    if (p / CONFIG).is_file() or p.is_dir():
        return p
    for root in (CHECKPOINTS, user_models()):
        if str(name_or_path) and "/" not in str(name_or_path) and (root / str(name_or_path)).is_dir():
            return root / str(name_or_path)
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
        return checked_file(find(name_or_path) / file, MAX_BYTES).read_text(encoding="utf-8")
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
    return obj if depth(obj) <= MAX_DEPTH else None


def read_metrics(name_or_path) -> dict | None:
    """metrics.json of a model (written by `python -m seq2seq.evaluate`); None if it is missing
    or unreadable, or any known field has the wrong type."""
    metrics = _json(_text(name_or_path, METRICS))
    return metrics if isinstance(metrics, dict) and metrics_problem(metrics) is None else None


def read_explain(name_or_path) -> dict | None:
    """explain.json of a model (written by `python -m seq2seq.explain`: its faithfulness table and
    head-importance grid); None if missing, unreadable or not shaped as that command writes it."""
    data = _json(_text(name_or_path, EXPLAIN))
    if not isinstance(data, dict) or not isinstance(data.get("faithfulness"), dict):
        return None
    grid = data.get("head_importance")
    if not isinstance(grid, dict) or not isinstance(grid.get("heads"), list) or not all(
            isinstance(h, dict) and isinstance(h.get("change"), (int, float)) for h in grid["heads"]):
        return None
    return data


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

def _config_class(arch):
    """The model config class of `arch`, or None: the shipped architectures' without torch,
    others (one registered at run time, as a test's toy) from the model registry."""
    if not isinstance(arch, str):
        return None
    if arch in CONFIGS:
        return CONFIGS[arch]
    from .models import REGISTRY

    return REGISTRY[arch][1] if arch in REGISTRY else None


def _classes(folder: Path, info: dict):
    """The config class of a config.json whose format, arch and model config are valid (types
    and ranges, seq2seq.schema); CheckpointError naming the field otherwise. Needs no torch."""
    path = folder / CONFIG
    if info.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(path, f"format_version {info.get('format_version')!r}, this code reads {FORMAT_VERSION}")
    config_cls = _config_class(info.get("arch"))
    if config_cls is None:
        raise CheckpointError(path, f"unknown arch {info.get('arch')!r}")
    if not isinstance(info.get("config"), dict):
        raise CheckpointError(path, "no model config ('config' is missing)")
    problem = model_config_problem(info["config"], config_cls)
    if problem:
        raise CheckpointError(path, problem)
    return config_cls


def _build(folder: Path, info: dict) -> Seq2Seq:
    """The model that config.json describes, untrained. Its config is checked first (types,
    ranges), and a model whose big matrices alone would not fit in its weights file (one byte
    per parameter at least) is refused before anything is allocated."""
    from .models import REGISTRY

    path = folder / CONFIG
    config_cls = _classes(folder, info)
    model_cls = REGISTRY[info["arch"]][0]
    weights = folder / WEIGHTS
    if weights.exists() or weights.is_symlink():
        checked_file(weights, MAX_WEIGHTS_BYTES)
    try:
        config = config_cls(**info["config"])
        size = min_parameters(info["arch"], asdict(config))
        if weights.is_file() and size > weights.stat().st_size:
            raise CheckpointError(path, f"describes at least {size:,} parameters, {WEIGHTS} holds "
                                        f"{weights.stat().st_size:,} bytes")
        return model_cls(config)
    except (KeyError, TypeError, ValueError, AssertionError, RuntimeError, OverflowError) as e:
        raise CheckpointError(path, f"bad model config ({type(e).__name__}: {e})") from None


def _attach_pieces(folder: Path, tok: Tokenizer, json_path: Path):
    """Load the SentencePiece model a subword tokenizer names (a file beside it, nowhere else)."""
    name = tok.pieces or PIECES
    if not isinstance(name, str) or Path(name).name != name or name.startswith("."):
        raise CheckpointError(json_path, f"pieces {name!r} is not a file name in this folder")
    path = checked_file(folder / name, MAX_PIECES_BYTES)
    try:
        tok.attach(path.read_bytes())
    except (OSError, RuntimeError, ValueError) as e:
        raise CheckpointError(path, f"not a SentencePiece model ({e})") from None
    if len(tok._pieces().pieces()) > len(tok) and tok.kind == "subword":
        raise CheckpointError(path, "has more pieces than the tokenizer's vocabulary")


def _tokenizers(folder: Path, info: dict, model: Seq2Seq) -> tuple[Tokenizer, Tokenizer]:
    toks = []
    for key, default, size in (("src_tokenizer", SRC_VOCAB, model.config.src_vocab),
                               ("tgt_tokenizer", TGT_VOCAB, model.config.tgt_vocab)):
        path = checked_file(folder / info.get(key, default), MAX_BYTES)
        try:
            tok = Tokenizer.from_json(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise CheckpointError(path, f"unreadable ({e.strerror or e})") from None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError, UnicodeDecodeError) as e:
            raise CheckpointError(path, f"not a tokenizer ({e})") from None
        if len(tok) != size:
            raise CheckpointError(path, f"vocabulary has {len(tok)} tokens, config says {size}")
        if tok.uses_pieces:
            _attach_pieces(folder, tok, path)
        toks.append(tok)
    return toks[0], toks[1]


def _weights(folder: Path, expected: dict) -> dict:
    import torch
    from safetensors.torch import load_file

    from .weights import decode_weights

    path = checked_file(folder / WEIGHTS, MAX_WEIGHTS_BYTES)
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
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise CheckpointError(path, f"{k} holds NaN or infinite values")
    return tensors


def check(name_or_path) -> dict:
    """Everything about a checkpoint folder that can be checked without reading its weights:
    config.json, its model config, and that each file it names is a regular file of sane size
    inside the folder. Returns config.json; raises CheckpointError like `load`."""
    folder = find(name_or_path)
    info = read_config(folder)
    _classes(folder, info)
    for name in (info.get("src_tokenizer", SRC_VOCAB), info.get("tgt_tokenizer", TGT_VOCAB)):
        checked_file(folder / name, MAX_BYTES)
    if (folder / PIECES).exists() or (folder / PIECES).is_symlink():
        checked_file(folder / PIECES, MAX_PIECES_BYTES)
    checked_file(folder / WEIGHTS, MAX_WEIGHTS_BYTES)
    return info


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
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".") and (p / CONFIG).is_file())


def available_user() -> list[str]:
    """Names of the user-trained models (seq2seq.jobs), but those a shipped model's name hides."""
    shipped = set(available())
    return [n for n in available(user_models()) if n not in shipped] if user_models().is_dir() else []


def convert(name_or_path, dtype: str) -> Path:
    """Re-store a checkpoint's weights as `dtype` (e.g. int8 to fit the size budget); the folder
    is rewritten whole, keeping everything else in it."""
    from safetensors.torch import load_file

    from .weights import decode_weights, encode_weights

    folder = find(name_or_path)
    check(folder)
    tensors = decode_weights(load_file(folder / WEIGHTS))
    info = _read_json(folder / CONFIG)
    info["weights_dtype"] = dtype
    keep = [p.name for p in folder.iterdir() if p.name not in (WEIGHTS, CONFIG) and not p.name.endswith(PART)]

    def write(tmp: Path):
        _write_weights(encode_weights(tensors, dtype), tmp / WEIGHTS)
        write_json(tmp / CONFIG, info)

    return rewrite(folder, write, keep)
