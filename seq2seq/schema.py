"""What the JSON files of a checkpoint folder may hold: field -> type tables and the checks
that name the first wrong field. Read by seq2seq.checkpoint, which owns the files."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from .tasks import TASKS

MAX_DEPTH = 8  # JSON nested deeper than this is not read (the real files nest 3 deep)


# --- what the JSON files may hold ---------------------------------------------------------
# Field -> its type; `float` is any finite number, None allows null. Unknown fields pass.

CONFIG_FIELDS = {"format_version": int, "arch": str, "task": str, "config": dict, "parameters": int,
                 "weights_dtype": str, "src_tokenizer": str, "tgt_tokenizer": str, "data": (str, None),
                 "data_sha256": (str, None), "train": dict}
TRAIN_FIELDS = {"epochs": int, "seed": int, "device": str, "threads": int, "train_pairs": int,
                "command": (str, None), "lr": float, "batch": int, "warmup": int, "generated": (dict, None),
                "minutes": float, "epochs_run": int, "best_dev": float, "torch": str, "config_used": dict,
                "machine": dict, "averaged_epochs": list}
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


def depth(obj) -> int:
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
    if "task" in info and info["task"] not in TASKS:
        return f"task {info['task']!r} is not one of {TASKS}"
    if any(not _is(v, (int, float, str, bool)) for v in info.get("config", {}).values()):
        return "the model config holds something other than numbers, text and true/false"
    for key in ("src_tokenizer", "tgt_tokenizer"):  # a file beside config.json, nowhere else
        if key in info and (Path(info[key]).name != info[key] or info[key].startswith(".")):
            return f"{key} {info[key]!r} is not a file name in this folder"
    return None


# --- the model config: checked before any tensor is allocated -----------------------------
# Field -> (smallest, largest) for numbers; the sizes are far above the shipped models' and far
# below what would exhaust a laptop (the weights-file size check in checkpoint._build follows).
RANGES = {"src_vocab": (4, 500_000), "tgt_vocab": (4, 500_000), "emb": (1, 8192), "hidden": (2, 8192),
          "layers": (1, 48), "attn_dim": (1, 8192), "d_model": (1, 8192), "heads": (1, 128),
          "enc_layers": (1, 48), "dec_layers": (1, 48), "d_ff": (1, 65_536), "max_len": (1, 65_536),
          "dropout": (0.0, 0.99)}
CHOICES = {"score": ("additive", "dot", "general"), "query": ("current", "prev")}


def model_config_problem(config: dict, config_cls) -> str | None:
    """What is wrong with `config` (config.json's "config") for the dataclass `config_cls`:
    unknown or missing-typed fields, numbers out of range, heads that do not divide d_model."""
    kinds = {f.name: f.type for f in dataclasses.fields(config_cls)}
    for key, value in config.items():
        if key not in kinds:
            return f"config field {key!r} is not one of {sorted(kinds)}"
        kind = str(kinds[key])
        if "bool" in kind:
            ok = isinstance(value, bool)
        elif "int" in kind:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif "float" in kind:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        else:
            ok = isinstance(value, str)
        if not ok:
            return f"config field {key!r} is {json.dumps(value)[:40]}, not {kind}"
        if key in RANGES and not RANGES[key][0] <= value <= RANGES[key][1]:
            return f"config field {key!r} is {value}, outside {RANGES[key][0]}..{RANGES[key][1]}"
        if key in CHOICES and value not in CHOICES[key]:
            return f"config field {key!r} is {value!r}, not one of {CHOICES[key]}"
    d_model, heads = config.get("d_model"), config.get("heads")
    if d_model is not None and heads is not None and d_model % heads:
        return f"config field 'heads' ({heads}) does not divide 'd_model' ({d_model})"
    hidden = config.get("hidden")
    if hidden is not None and hidden % 2:
        return f"config field 'hidden' ({hidden}) is odd: the encoder has hidden // 2 per direction"
    return None


def min_parameters(arch: str, c: dict) -> int:
    """A lower bound on the parameters a model config describes: its embedding tables and its
    big matrices (biases and norms left out), computed without building anything. (Building a
    model on torch's meta device to count them costs ~2 s for the en-zh Transformer.)"""
    tied = c.get("tie", False)
    if arch == "transformer":
        d, ff, layers = c["d_model"], c["d_ff"], c["enc_layers"] + c["dec_layers"]
        tables = (max if tied else sum)((c["src_vocab"], c["tgt_vocab"])) * d
        return tables + layers * (4 * d * d + 2 * d * ff) + c["dec_layers"] * 4 * d * d
    emb, hidden, layers = c["emb"], c["hidden"], c["layers"]
    tables = (max if tied else sum)((c["src_vocab"], c["tgt_vocab"])) * emb
    return tables + layers * 4 * hidden * (emb + hidden) // 2 + c["tgt_vocab"] * hidden // 2


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
