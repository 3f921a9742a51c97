"""This session's state beyond its widgets: bounded caches (decodes, figures) and the
what-if chain of a page.

Caching
    models.load_model is st.cache_resource: one model per server, shared by every
    session -- so nothing is ever stored on it. A trace lives here, in the session that
    asked for it: `get_trace` keys it by model, text and every strategy setting, so
    changing the step never decodes again.
What-if
    A page's chain of edits [(step, token), ...] lives in st.session_state[EDITS + page]
    with the decode it branches from ("base"); a new model, text or setting starts a new
    chain. Each edit is decoded once (seq2seq.whatif) and cached like any trace.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import streamlit as st

import seq2seq
from seq2seq.i18n import _

from .keys import EDITS, MAX_EDITS, Q_STEP, TRACES, k
from .models import model_key

TRACE_CACHE = 32  # traces per session (an original decode and its what-if branches)
FIGURE_CACHE = 12  # figures per session (keyed by language too: figures.py)


def default(key: str, value):
    """Give a widget its first value (once per session)."""
    if key not in st.session_state:
        st.session_state[key] = value


def valid(key: str, options, fallback):
    """Keep a widget's stored value among its options (a URL or another task may hold junk)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = fallback


def cache(name: str) -> OrderedDict:
    """This session's cache `name` (created empty on first use)."""
    if name not in st.session_state:
        st.session_state[name] = OrderedDict()
    return st.session_state[name]


def remember(store: OrderedDict, key, make, size: int):
    """store[key], made by make() when missing; the least recently used entries beyond `size` go."""
    if key in store:
        store.move_to_end(key)
        return store[key]
    value = make()
    store[key] = value
    while len(store) > size:
        store.popitem(last=False)
    return value


def decode_key(model, text: str, strategy: str, params: dict) -> tuple:
    """What tells two decodes apart: the model (folder, file stamp, device), input and settings."""
    return (model_key(model), text, strategy, tuple(sorted(params.items())))


def get_trace(model, text: str, strategy: str, params: dict, edits=()):
    """(trace, None) or (None, message). Decoded once per session and settings; each
    what-if edit (step, token) branches from the trace before it."""
    traces = cache(TRACES)
    key = decode_key(model, text, strategy, params)
    try:
        trace = remember(traces, key, lambda: seq2seq.decode(model, text, strategy, **params), TRACE_CACHE)
        for step, token in edits:
            key = key + ((step, token),)
            trace = remember(traces, key, lambda t=trace, s=step, tok=token: seq2seq.whatif(model, t, s, tok),
                             TRACE_CACHE)
    except ValueError as e:
        return None, str(e)
    except Exception as e:  # e.g. CUDA out of memory: say so, keep the page alive
        return None, _("decoding failed: {kind}: {error}").format(kind=type(e).__name__, error=e)
    return trace, None


@dataclass
class Decoded:
    """What the step page shows: the original decode and, after what-if edits, the branch."""

    original: object = None
    trace: object = None
    edits: list = field(default_factory=list)
    error: str | None = None
    dropped: str | None = None  # a what-if from the URL that could not be applied

    @property
    def branched(self) -> bool:
        return bool(self.edits)

    @property
    def marks(self) -> set[int]:
        """Steps whose token a surviving what-if edit chose."""
        out = set()
        for i, (step, _token) in enumerate(self.edits):
            if all(s > step for s, _t in self.edits[i + 1:]):
                out.add(step)
        return out


def decode_with_edits(page: str, model, text: str, strategy: str, params: dict) -> Decoded:
    """The page's decode plus its what-if chain (kept while model, text and settings stay)."""
    base = decode_key(model, text, strategy, params)
    state = st.session_state.get(EDITS + page) or {"base": base, "edits": []}
    if state["base"] is None:  # a chain from the URL belongs to the view the URL opened
        state["base"] = base
    if state["base"] != base:
        state = {"base": base, "edits": []}
    original, err = get_trace(model, text, strategy, params)
    if err:
        return Decoded(error=err)
    kept, dropped, trace = [], None, original
    for step, token in state["edits"]:
        if not 0 <= step < trace.steps or token not in model.tgt_tok.stoi:
            dropped = _("the what-if “step {step} → {token}” does not fit this decode and was left out").format(
                step=step, token=token)
            break
        nxt, err = get_trace(model, text, strategy, params, kept + [(step, token)])
        if err:
            dropped = err
            break
        kept.append((step, token))
        trace = nxt
    state["edits"] = kept
    st.session_state[EDITS + page] = state
    return Decoded(original=original, trace=trace, edits=kept, dropped=dropped)


def add_edit(page: str, step: int, token: str):
    """A what-if button's callback: force `token` at `step` and show that step."""
    state = st.session_state.get(EDITS + page)
    if state is not None and len(state["edits"]) < MAX_EDITS:
        state["edits"] = state["edits"] + [(step, token)]
        st.session_state[k(page, Q_STEP)] = step


def undo_edit(page: str, everything: bool):
    """Undo the last what-if edit, or all of them (back to the original decode)."""
    state = st.session_state.get(EDITS + page)
    if state is not None and state["edits"]:
        state["edits"] = [] if everything else state["edits"][:-1]
