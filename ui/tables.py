"""Tables as the pages show them (pandas frames) and the downloads of a decode.

The frames are for the screen only: their column names are the headers shown, in the
session's language (`_("score e")`; a page's column_config names a column the same way), and
so are cells that are words ("ready", "allowed"). The downloads of a decode (`downloads`)
build their own frames and keep English and token names: a stable format for scripts.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

import seq2seq
from seq2seq.attention import cross_matrix
from seq2seq.checkpoint import WEIGHTS, CheckpointError, read_metrics
from seq2seq.configs import variant
from seq2seq.i18n import N_, _
from seq2seq.reports import metric_summary
from seq2seq.tokenize import EOS

from .keys import button
from .models import device
from .text import ARCH_LABELS, DEVICE_LABELS, TASK_LABELS, code, filename, label, md

# metrics.json's own names (seq2seq.evaluate) as headers of its tables on the model cards page
RECORD_HEADERS = frozenset((N_("bucket"), N_("exact"), N_("token_acc"), N_("align_acc"), N_("src"), N_("ref"),
                            N_("hyp")))


def zoo_table() -> tuple[pd.DataFrame, list[str]]:
    """The model zoo for the home page, and one error line per unreadable checkpoint."""
    rows, errors = [], []
    for name in seq2seq.available():
        weights = True
        try:
            info = seq2seq.checkpoint.check(name)  # all but reading the weights (NaN shows when it loads)
        except CheckpointError as e:
            if e.path.name == WEIGHTS and e.problem == "file is missing":  # listed, with its config's facts
                errors.append(_("**{name}**: weights file `{file}` is missing").format(name=md(name), file=WEIGHTS))
                info, weights = seq2seq.read_config(name), False
            else:
                errors.append(f"**{md(name)}**: {md(e.problem)} ({code(e.path.name)})")
                continue
        rows.append({
            _("model"): name,
            _("task"): label(TASK_LABELS, info.get("task")),
            _("architecture"): label(ARCH_LABELS, variant(info.get("arch"), info.get("config"))),
            _("status"): _("ready") if weights else _("weights missing"),  # before the long columns: always in view
            _("parameters"): info.get("parameters") if isinstance(info.get("parameters"), int) else None,
            _("test metrics"): metric_summary(read_metrics(name)) or _("not evaluated yet"),
            _("device"): label(DEVICE_LABELS, device()),
        })
    return pd.DataFrame(rows), errors


def beam_table(trace) -> pd.DataFrame:
    """The final beam, best first: output, length, log-probability and score."""
    return pd.DataFrame([{_("rank"): i + 1, _("output"): "".join(t for t in h.tokens if t != EOS),
                          _("tokens"): len(h.tokens), _("log-prob"): round(h.logprob, 3), _("score"): round(h.score, 3)}
                         for i, h in enumerate(trace.beam)])


def scores_table(ins, tokens) -> pd.DataFrame:
    """Per key token: the score e, the mask, the weight α the model used, and softmax(e)
    recomputed from the scores (seq2seq.attention.Inside) -- the last two agree."""
    rows = []
    for j, name in enumerate(seq2seq.labels(tokens)):
        allowed = bool(ins.mask[j])
        rows.append({_("token"): name, _("score e"): float(ins.scores[j]) if allowed else None,
                     _("mask"): _("allowed") if allowed else _("masked (−∞)"), _("weight α"): float(ins.weights[j]),
                     _("softmax(e), recomputed"): float(ins.recomputed[j])})
    return pd.DataFrame(rows)


def context_table(ins) -> pd.DataFrame:
    """c_t as the model computed it next to Σ α h recomputed from the trace, per dimension."""
    return pd.DataFrame({_("dimension"): range(len(ins.context)), _("c_t (the model)"): ins.context.astype(float),
                         _("Σ α h (recomputed)"): ins.context_recomputed.astype(float)})


def vector_table(rows: dict) -> pd.DataFrame:
    """Vectors as columns ({name: (D,)}, names as shown), one row per dimension."""
    return pd.DataFrame({_("dimension"): range(len(next(iter(rows.values())))),
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
    return pd.DataFrame([{_("setting"): str(key), _("value"): str(_cell(v))} for key, v in (d or {}).items()
                         if key not in skip])


def records_table(rows) -> pd.DataFrame:
    """A list of JSON objects as a table (non-objects dropped); the names metrics.json uses
    (RECORD_HEADERS) as headers in the current language, any other key as it is."""
    if not isinstance(rows, list):
        return pd.DataFrame()
    return pd.DataFrame([{_header(str(key)): _cell(v) for key, v in r.items()} for r in rows if isinstance(r, dict)])


def _header(key: str) -> str:
    return _(key) if key in RECORD_HEADERS else key


def downloads(trace, matrix_view, page: str):
    """The trace as JSON; the matrix on screen as CSV."""
    c1, c2, _rest = st.columns([1, 1, 2])
    c1.download_button(_("Download trace (JSON)"), data=lambda: trace.to_json(indent=1),
                       file_name=filename(trace.model, "trace") + ".json", mime="application/json",
                       on_click="ignore", key=button(page, "json"))
    if matrix_view is None:
        matrix, cols, what = trace.context, [f"c{i}" for i in range(trace.context.shape[1])], "context"
    else:
        matrix, cols, what = cross_matrix(trace, *matrix_view), seq2seq.labels(trace.src_tokens), "attention"
    frame = pd.DataFrame(matrix, index=seq2seq.labels(trace.tgt_tokens), columns=cols)
    note = ("# words: attention summed over the pieces of each source word, averaged over the pieces of each "
            "target word\n" if trace.words else "")
    shown = _("Download attention matrix (CSV)") if what == "attention" else _("Download context matrix (CSV)")
    c2.download_button(shown, data=lambda: note + frame.to_csv(), mime="text/csv",
                       file_name=filename(trace.model, what) + ".csv", on_click="ignore", key=button(page, "csv"))
