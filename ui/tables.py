"""Tables as the pages show them (pandas frames) and the downloads of a decode."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

import seq2seq
from seq2seq.attention import cross_matrix
from seq2seq.checkpoint import WEIGHTS, CheckpointError, read_metrics
from seq2seq.reports import metric_summary
from seq2seq.tokenize import EOS

from .keys import button
from .models import device
from .text import ARCH_LABELS, DEVICE_LABELS, TASK_LABELS, filename, label, md


def zoo_table() -> tuple[pd.DataFrame, list[str]]:
    """The model zoo for the home page, and one error line per unreadable checkpoint."""
    rows, errors = [], []
    for name in seq2seq.available():
        try:
            info = seq2seq.read_config(name)
        except CheckpointError as e:
            errors.append(f"**{md(name)}**: {md(e.problem)} (`{md(e.path.name)}`)")
            continue
        weights = (seq2seq.checkpoint.find(name) / WEIGHTS).is_file()
        if not weights:
            errors.append(f"**{md(name)}**: weights file `{WEIGHTS}` is missing")
        rows.append({
            "model": name,
            "task": label(TASK_LABELS, info.get("task")),
            "architecture": label(ARCH_LABELS, info.get("arch")),
            "parameters": info.get("parameters") if isinstance(info.get("parameters"), int) else None,
            "test metrics": metric_summary(read_metrics(name)) or "not evaluated yet",
            "device": DEVICE_LABELS.get(device(), device()),
            "status": "ready" if weights else "weights missing",
        })
    return pd.DataFrame(rows), errors


def beam_table(trace) -> pd.DataFrame:
    """The final beam, best first: output, length, log-probability and score."""
    return pd.DataFrame([{"rank": i + 1, "output": "".join(t for t in h.tokens if t != EOS), "tokens": len(h.tokens),
                          "log-prob": round(h.logprob, 3), "score": round(h.score, 3)}
                         for i, h in enumerate(trace.beam)])


def scores_table(ins, tokens) -> pd.DataFrame:
    """Per key token: the score e, the mask, the weight α the model used, and softmax(e)
    recomputed from the scores (seq2seq.attention.Inside) -- the last two agree."""
    rows = []
    for j, name in enumerate(seq2seq.labels(tokens)):
        allowed = bool(ins.mask[j])
        rows.append({"token": name, "score e": float(ins.scores[j]) if allowed else None,
                     "mask": "allowed" if allowed else "masked (−∞)", "weight α": float(ins.weights[j]),
                     "softmax(e), recomputed": float(ins.recomputed[j])})
    return pd.DataFrame(rows)


def context_table(ins) -> pd.DataFrame:
    """c_t as the model computed it next to Σ α h recomputed from the trace, per dimension."""
    return pd.DataFrame({"dimension": range(len(ins.context)), "c_t (the model)": ins.context.astype(float),
                         "Σ α h (recomputed)": ins.context_recomputed.astype(float)})


def vector_table(rows: dict) -> pd.DataFrame:
    """Vectors as columns ({name: (D,)}), one row per dimension."""
    return pd.DataFrame({"dimension": range(len(next(iter(rows.values())))),
                         **{name: np.asarray(v, float) for name, v in rows.items()}})


def keys_table(ins, tokens) -> pd.DataFrame:
    """The key matrix K: one row k_j per token, one column per dimension of d_k."""
    return pd.DataFrame(np.asarray(ins.keys, float), index=seq2seq.labels(tokens),
                        columns=[f"d{i}" for i in range(ins.keys.shape[1])])


def _cell(v):
    """A table cell: numbers and text as they are, anything else as JSON text."""
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return json.dumps(v, ensure_ascii=False)


def settings_table(d: dict, skip=()) -> pd.DataFrame:
    """A dict as a two-column table (setting, value), values as text."""
    return pd.DataFrame([{"setting": str(key), "value": str(_cell(v))} for key, v in (d or {}).items()
                         if key not in skip])


def records_table(rows) -> pd.DataFrame:
    """A list of JSON objects as a table (non-objects dropped)."""
    if not isinstance(rows, list):
        return pd.DataFrame()
    return pd.DataFrame([{str(key): _cell(v) for key, v in r.items()} for r in rows if isinstance(r, dict)])


def downloads(trace, matrix_view, page: str):
    """The trace as JSON; the matrix on screen as CSV."""
    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button("Download trace (JSON)", data=lambda: trace.to_json(indent=1),
                       file_name=filename(trace.model, "trace") + ".json", mime="application/json",
                       on_click="ignore", key=button(page, "json"))
    if matrix_view is None:
        matrix, cols, what = trace.context, [f"c{i}" for i in range(trace.context.shape[1])], "context"
    else:
        matrix, cols, what = cross_matrix(trace, *matrix_view), seq2seq.labels(trace.src_tokens), "attention"
    frame = pd.DataFrame(matrix, index=seq2seq.labels(trace.tgt_tokens), columns=cols)
    note = ("# words: attention summed over the pieces of each source word, averaged over the pieces of each "
            "target word\n" if trace.words else "")
    c2.download_button(f"Download {what} matrix (CSV)", data=lambda: note + frame.to_csv(), mime="text/csv",
                       file_name=filename(trace.model, what) + ".csv", on_click="ignore", key=button(page, "csv"))
