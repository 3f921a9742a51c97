"""This session's state beyond its widgets: bounded caches (decodes, figures) and the
what-if chain of a page.

Caching
    models.load_model is st.cache_resource: one model per server, shared by every
    session -- so nothing is ever stored on it. Traces live in one `SharedStore` per server
    process: `get_trace` keys a decode by model, text and every strategy setting, so
    changing the step never decodes again, and a class opening the teacher's link decodes
    it once. A trace is immutable, so sharing it is safe. The store is bounded in bytes for
    the whole process, and each session in entries and bytes.
What-if
    A page's chain of edits [(step, token), ...] lives in st.session_state[EDITS + page]
    with the decode it branches from ("base"); a new model, text or setting starts a new
    chain. Each edit is decoded once (seq2seq.whatif) and cached like any trace. A chain
    holds at most MAX_EDITS edits, and its decodes together at most MAX_CHAIN_WORK work
    (seq2seq.budget): an edit past either is cut, and the page says so.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

import streamlit as st

import seq2seq
from seq2seq.budget import MAX_CHAIN_WORK
from seq2seq.i18n import _

from .keys import EDITS, MAX_EDITS, Q_STEP, k
from .models import model_key

TRACE_CACHE = 32  # traces one session keeps (an original decode and its what-if branches)
SESSION_BYTES = 64 << 20  # ... and at most this many bytes of them
# all sessions' traces together (ATTENTION_LAB_CACHE_MB sets it; a beam-10 trace of 100 tokens is ~2 MB)
PROCESS_BYTES = int(os.environ.get("ATTENTION_LAB_CACHE_MB") or 384) << 20
FIGURE_CACHE = 12  # figures one session keeps (keyed by language too: figures.py) ...
FIGURE_SESSION_BYTES = 48 << 20  # ... and at most this many bytes of them (an estimate: figures.py)
FIGURE_BYTES = int(os.environ.get("ATTENTION_LAB_FIGURES_MB") or 192) << 20  # all sessions' figures
OWNER = "_cache_owner"  # this session's id in the SharedStore


class SharedStore:
    """A least-recently-used store shared by all sessions of the process, bounded in bytes
    overall and in entries and bytes per session (the session that made an entry owns it).
    Thread-safe: Streamlit runs each session's script in its own thread."""

    def __init__(self, max_bytes: int, session_entries: int, session_bytes: int):
        self.max_bytes, self.session_entries, self.session_bytes = max_bytes, session_entries, session_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict = OrderedDict()  # key -> (value, nbytes, owner)
        self._owned: dict[str, OrderedDict] = {}  # owner -> OrderedDict key -> nbytes
        self.bytes = 0
        self.made = 0  # entries ever stored (a decode or a figure made): what the load test counts

    def get(self, key):
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            value, _n, owner = self._items[key]
            self._owned[owner].move_to_end(key)
            return value

    def put(self, key, value, nbytes: int, owner: str):
        with self._lock:
            if key in self._items:  # another session made it meanwhile: keep one
                return self._items[key][0]
            self._items[key] = (value, nbytes, owner)
            self.made += 1
            mine = self._owned.setdefault(owner, OrderedDict())
            mine[key] = nbytes
            self.bytes += nbytes
            while len(mine) > 1 and (len(mine) > self.session_entries or sum(mine.values()) > self.session_bytes):
                self._evict(next(iter(mine)))
            while len(self._items) > 1 and self.bytes > self.max_bytes:
                self._evict(next(iter(self._items)))
            return value

    def _evict(self, key):
        _value, nbytes, owner = self._items.pop(key)
        self.bytes -= nbytes
        del self._owned[owner][key]
        if not self._owned[owner]:
            del self._owned[owner]

    def stats(self) -> dict:
        with self._lock:
            return {"entries": len(self._items), "bytes": self.bytes, "sessions": len(self._owned), "made": self.made}


@st.cache_resource(show_spinner=False)
def trace_store() -> SharedStore:
    """The process's one store of decodes (traces)."""
    return SharedStore(PROCESS_BYTES, TRACE_CACHE, SESSION_BYTES)


def default(key: str, value):
    """Give a widget its first value (once per session)."""
    if key not in st.session_state:
        st.session_state[key] = value


def valid(key: str, options, fallback):
    """Keep a widget's stored value among its options (a URL or another task may hold junk)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = fallback


def decode_key(model, text: str, strategy: str, params: dict) -> tuple:
    """What tells two decodes apart: the model (folder, file stamp, device), input and settings."""
    return (model_key(model), text, strategy, tuple(sorted(params.items())))


@st.cache_resource(show_spinner=False)
def figure_store() -> SharedStore:
    """The process's one store of built figures (ui/figures.py): shared like the traces they
    are drawn from. A figure is never changed after it is built (st.plotly_chart copies it)."""
    return SharedStore(FIGURE_BYTES, FIGURE_CACHE, FIGURE_SESSION_BYTES)


def stored(store: SharedStore, key, make, size):
    """store[key], made by make() and sized by size(value) when missing; owned by this session."""
    value = store.get(key)
    if value is None:
        value = make()
        value = store.put(key, value, size(value), _owner())
    return value


def _owner() -> str:
    if OWNER not in st.session_state:
        st.session_state[OWNER] = uuid.uuid4().hex
    return st.session_state[OWNER]


def _stored(key, make):
    """The trace under `key` in the process's SharedStore, made (and stored) when missing."""
    return stored(trace_store(), key, make, lambda trace: trace.nbytes)


def get_trace(model, text: str, strategy: str, params: dict, edits=()):
    """(trace, None) or (None, message). Decoded once per server and settings; each
    what-if edit (step, token) branches from the trace before it."""
    key = decode_key(model, text, strategy, params)
    try:
        trace = _stored(key, lambda: seq2seq.decode(model, text, strategy, **params))
        for step, token in edits:
            key = key + ((step, token),)
            trace = _stored(key, lambda t=trace, s=step, tok=token: seq2seq.whatif(model, t, s, tok))
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
    kept, dropped, trace, work = [], None, original, original.work
    for step, token in state["edits"]:
        if not 0 <= step < trace.steps or token not in model.tgt_tok.stoi:
            dropped = _("the what-if “step {step} → {token}” does not fit this decode and was left out").format(
                step=step, token=token)
            break
        if work + trace.work > MAX_CHAIN_WORK:  # a branch costs about what the decode it leaves does
            dropped = _("the what-if chain stops after {n} edits: its decodes together would pass the work "
                        "budget (a shorter input or a smaller beam leaves room for more)").format(n=len(kept))
            break
        nxt, err = get_trace(model, text, strategy, params, kept + [(step, token)])
        if err:
            dropped = err
            break
        kept.append((step, token))
        trace, work = nxt, work + nxt.work
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
