"""The view in the address bar: a pure codec and two thin Streamlit wrappers.

    view = parse_view(query, zoo)    # {name: [values]} -> View (bad values left out)
    query = to_query(view)           # View -> {name: value or [values]} for st.query_params

`parse_view` and `to_query` know nothing of Streamlit and are unit-tested alone. A
parameter left out of a link takes its default on the page, so a link reopens exactly
its view. `restore_url(page, zoo)` puts a URL's view into the page's widgets (once per
session and page, or when a link brings new parameters); `write_url(page, query)` writes
the current view at the end of every run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

import streamlit as st

from seq2seq.attention import KINDS
from seq2seq.trace import STRATEGIES

from . import keys
from .keys import (
    EDITS,
    MAX_EDITS,
    MAX_TEXT,
    Q_ARCHS,
    Q_BEAM,
    Q_GOLD,
    Q_HEAD,
    Q_KIND,
    Q_KNOCKOUT,
    Q_LANG,
    Q_LAYER,
    Q_MODEL,
    Q_POS,
    Q_PREFIX,
    Q_PRESENT,
    Q_SEED,
    Q_SNAPSHOT,
    Q_STEP,
    Q_STRATEGY,
    Q_TARGET,
    Q_TASK,
    Q_TEMPERATURE,
    Q_TEXT,
    Q_TOP_K,
    Q_WHATIF,
    Q_WORDS,
    URL_READ,
    URL_WRITTEN,
    k,
)
from .text import ARCH_LABELS, base_arch

TRUE = ("1", "true", "on", "yes")
URL_HISTORY = 8  # the URLs a page wrote last: a rerun that brings one of them is not a new link
INTS = {Q_STEP: (0, 10_000), Q_LAYER: (1, 64), Q_BEAM: (1, 10), Q_TOP_K: (0, 1000), Q_SEED: (0, 2**31 - 1),
        Q_POS: (0, 10_000), Q_SNAPSHOT: (0, 99)}
PARAMS = {"beam": Q_BEAM, "temperature": Q_TEMPERATURE, "top_k": Q_TOP_K, "seed": Q_SEED, "target": Q_TARGET}


@dataclass(frozen=True)
class View:
    """What a URL says about a page's view; None where it says nothing (or nothing valid).

    Counting as in the URL: `step` and `pos` from 0, `layer` and `head` from 1."""

    model: str | None = None  # a checkpoint name; with the zoo it sets task and arch
    task: str | None = None
    arch: str | None = None
    archs: tuple[str, ...] | None = None  # compare page
    text: str | None = None
    strategy: str | None = None
    step: int | None = None
    layer: int | None = None
    head: int | str | None = None  # a number, or "mean" over heads
    beam: int | None = None
    temperature: float | None = None
    top_k: int | None = None
    seed: int | None = None
    target: str | None = None
    gold: bool | None = None
    kind: str | None = None  # encoder | decoder | cross
    pos: int | None = None
    words: bool | None = None  # subword pieces merged into words
    prefix: str | None = None  # compare: the same start forced in every model
    whatif: tuple[tuple[int, str], ...] = ()  # what-if edits (step, token), in order
    knockout: tuple[str, ...] | None = None  # explain page: "cross-2-3" (kind-layer-head, from 1) or a baseline
    snapshot: int | None = None  # training page: a snapshot of the model's timeline (from 0)

    def widgets(self) -> dict:
        """{widget name: value} of the fields the URL set (what-if edits and the model name aside)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("model", "whatif") and getattr(self, f.name) is not None}


def _int(v, lo, hi):
    try:
        x = int(str(v).strip())
    except ValueError:
        return None
    return x if lo <= x <= hi else None


def _float(v, lo, hi):
    try:
        x = float(str(v).strip())
    except ValueError:
        return None
    return round(x, 2) if lo <= x <= hi else None


def _model_place(name: str | None, zoo: Mapping) -> tuple[str | None, str | None]:
    """(task, arch) of a model name in the zoo {task: {arch: name}}, or (None, None)."""
    for task, archs in zoo.items():
        for arch, n in archs.items():
            if n == name:
                return task, arch
    return None, None


def _whatif(items) -> tuple[tuple[int, str], ...]:
    edits = []
    for item in items:
        step, _, token = str(item).partition(":")
        if _int(step, 0, 10_000) is not None and token:
            edits.append((int(step), token))
    return tuple(edits)


KNOCKOUT = re.compile(r"^(encoder|decoder|cross)-([1-9]\d?)-([1-9]\d?)$|^(uniform|frozen)$")


def _knockout(items) -> tuple[str, ...] | None:
    """Knock-out codes, each once and in order ("cross-2-3", "uniform"); None when the link names none."""
    found = [x for item in items for x in str(item).split(",") if KNOCKOUT.match(x)]
    return tuple(dict.fromkeys(found)) if found else None


def parse_view(query: Mapping, zoo: Mapping) -> View:
    """The view a URL's query parameters name ({name: [values]} or {name: value}); values out
    of range, of the wrong kind or naming no model are left out."""

    def all_(name) -> list[str]:
        v = query.get(name)
        return [] if v is None else [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]

    def one(name) -> str | None:
        v = all_(name)
        return v[-1] if v else None

    model = one(Q_MODEL)
    task, arch = _model_place(model, zoo)
    if one(Q_TASK) in zoo:
        task = one(Q_TASK)
    head = one(Q_HEAD)
    ints = {name: _int(one(name) or "", *bounds) for name, bounds in INTS.items()}
    text, target, gold, words, prefix = one(Q_TEXT), one(Q_TARGET), one(Q_GOLD), one(Q_WORDS), one(Q_PREFIX)
    return View(
        model=model if task else None, task=task, arch=arch,
        archs=tuple(dict.fromkeys(a for a in one(Q_ARCHS).split(",") if base_arch(a) in ARCH_LABELS))
        if one(Q_ARCHS)
        else None,  # each architecture once (a repeated one would be the same column twice)
        text=None if text is None else text[:MAX_TEXT],
        strategy=one(Q_STRATEGY) if one(Q_STRATEGY) in STRATEGIES else None,
        step=ints[Q_STEP], layer=ints[Q_LAYER], beam=ints[Q_BEAM], top_k=ints[Q_TOP_K], seed=ints[Q_SEED],
        pos=ints[Q_POS], snapshot=ints[Q_SNAPSHOT],
        head="mean" if head == "mean" else _int(head or "", 1, 64),
        temperature=_float(one(Q_TEMPERATURE) or "", 0.1, 3.0),
        target=None if target is None else target[:MAX_TEXT],
        prefix=None if prefix is None else prefix[:MAX_TEXT],
        gold=None if gold is None else gold.lower() in TRUE,
        words=None if words is None else words.lower() in TRUE,
        kind=one(Q_KIND) if one(Q_KIND) in KINDS else None,
        whatif=_whatif(all_(Q_WHATIF)),
        knockout=_knockout(all_(Q_KNOCKOUT)),
    )


# Parameters a link may carry beyond the view's own (the session's language and presentation mode).
SESSION_PARAMS = (Q_LANG, Q_PRESENT)


def ignored(query: Mapping, view: View) -> list[str]:
    """What a URL asked for that `parse_view` left out, as `name=value` (at most 40 characters
    each): values out of range or of the wrong kind, unknown what-if items and architectures,
    unknown parameter names, and a text cut to MAX_TEXT. The model name is said elsewhere."""
    def all_(name) -> list[str]:
        v = query.get(name)
        return [] if v is None else [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]

    out = []
    known = {f.name for f in fields(View)} | set(SESSION_PARAMS)
    for name in query:
        values = all_(name)
        if not values:
            continue
        value = values[-1]
        if name not in known:
            out.append(f"{name}={value}")
        elif name == Q_WHATIF:
            parsed = {f"{s}:{t}" for s, t in view.whatif}
            out += [f"{name}={v}" for v in values if v not in parsed]
        elif name == Q_KNOCKOUT:
            parsed = set(view.knockout or ())
            out += [f"{name}={x}" for v in values for x in v.split(",") if x and x not in parsed]
        elif name == Q_ARCHS:
            out += [f"{name}={a}" for a in value.split(",") if a and base_arch(a) not in ARCH_LABELS]
        elif name == Q_TASK:
            if view.task != value and value:
                out.append(f"{name}={value}")
        elif name in (Q_TEXT, Q_TARGET, Q_PREFIX):
            if len(value) > MAX_TEXT:
                out.append(f"{name}=… ({len(value)} > {MAX_TEXT})")
        elif name in (Q_GOLD, Q_WORDS, Q_MODEL) or name in SESSION_PARAMS:
            continue
        elif getattr(view, name, None) is None and value != "":
            out.append(f"{name}={value}")
    return [item if len(item) <= 40 else item[:39] + "…" for item in out]


def to_query(view: View) -> dict:
    """Query parameters of a view: None fields left out, the model named instead of its task
    and architecture, what-if edits as repeated `whatif=STEP:TOKEN`."""
    q: dict = {}
    if view.model:
        q[Q_MODEL] = view.model
    elif view.task:
        q[Q_TASK] = view.task
    if view.archs is not None:
        q[Q_ARCHS] = ",".join(view.archs)
    for name in ("text", "strategy", "step", "beam", "temperature", "top_k", "seed", "target", "prefix", "layer",
                 "head", "kind", "pos", "snapshot"):
        v = getattr(view, name)
        if v is not None and v != "":
            q[name] = str(v)
    if view.gold:
        q[Q_GOLD] = "1"
    if view.words is not None:
        q[Q_WORDS] = "1" if view.words else "0"
    if view.whatif:
        q[Q_WHATIF] = [f"{s}:{t}" for s, t in view.whatif]
    if view.knockout:
        q[Q_KNOCKOUT] = ",".join(view.knockout)
    return q


def step_view(name, text, strategy, params: dict, step=None, layer_head=None, gold=False, edits=(),
              words=None) -> View:
    """A step-page view from the app's values: `layer_head` is 0-based (layer, head or None
    for the mean); layer -1 is an RNN's only attention, left out of the URL with its head."""
    layer = head = None
    if layer_head is not None and layer_head[0] is not None and layer_head[0] >= 0:
        layer = layer_head[0] + 1
        head = "mean" if layer_head[1] is None else layer_head[1] + 1
    extra = {PARAMS[p]: v for p, v in params.items() if p in PARAMS}
    return View(model=name, text=text, strategy=strategy, step=step, layer=layer, head=head, gold=bool(gold) or None,
                whatif=tuple(edits), words=words, **extra)


# --- the Streamlit side ---------------------------------------------------------------------

def _url_now() -> dict:
    """The page's view in the URL (presentation mode and language belong to the session, not to a page)."""
    return {name: st.query_params.get_all(name) for name in st.query_params if name not in (Q_PRESENT, Q_LANG)}


def restore_url(page: str, zoo: Mapping):
    """Put the view named in the URL into this page's widgets: when the page is first
    opened in a session, and when a link (say from the home page) brings new parameters.
    Parameters left out take their defaults, so a link reopens exactly its view."""
    now, seen = _url_now(), st.session_state.get(URL_READ + page)
    if seen is not None and (not now or now == seen or _key(now) in st.session_state.get(URL_WRITTEN + page, ())):
        # our own URL from the last run (or one of the last few: quick reruns can each bring the URL an
        # earlier run wrote, before the browser showed the newer one), or plain navigation: the widgets lead
        return
    st.session_state[URL_READ + page] = now
    for key in [key for key in st.session_state if isinstance(key, str) and key.startswith(k(page, ""))]:
        del st.session_state[key]
    for key in NOTICES + (keys.URL_NOTICED,):  # a new link: the last one's notices go
        st.session_state.pop(key + page, None)
    view = parse_view(now, zoo)
    asked = now.get(Q_MODEL)
    if asked and view.model is None:  # a typo in a slide's link: say so, never switch model silently
        st.session_state[keys.URL_UNKNOWN + page] = str(asked[-1])[:80]
    left_out = ignored(now, view)
    if left_out:
        st.session_state[keys.URL_IGNORED + page] = left_out
    for name, value in view.widgets().items():
        st.session_state[k(page, name)] = list(value) if name == "archs" else value
    st.session_state[EDITS + page] = {"base": None, "edits": list(view.whatif[:MAX_EDITS])}
    if len(view.whatif) > MAX_EDITS:
        st.session_state[keys.URL_CUT + page] = len(view.whatif)


def write_url(page: str, query: dict):
    """Make the address bar show this view (None and "" values left out), with present=1 in
    presentation mode so a copied link opens the same way."""
    clean = {}
    for name, v in query.items():
        if v is None or v == "" or v == []:
            continue
        clean[name] = [str(x) for x in v] if isinstance(v, list) else str(v)
    if st.session_state.get(keys.PRESENT):
        clean[Q_PRESENT] = "1"
    if st.session_state.get(keys.LANG):
        clean[Q_LANG] = st.session_state[keys.LANG]
    current = {name: (st.query_params.get_all(name) if isinstance(v, list) else st.query_params.get(name))
               for name, v in clean.items()}
    if current != clean or set(st.query_params.keys()) != set(clean):
        st.query_params.from_dict(clean)
    st.session_state[URL_READ + page] = _url_now()
    _keep_notices(page, _key(clean))
    written = st.session_state.setdefault(URL_WRITTEN + page, [])
    key = _key(st.session_state[URL_READ + page])
    if key not in written:
        written.append(key)
        del written[:-URL_HISTORY]


# What a link's notices are kept under (+ page): a model it named that is not here, the what-ifs
# past MAX_EDITS, the values left out. Shown while the page shows the view the link opened
# (the reruns that follow a load, such as the browser reporting its screen, keep them), and
# gone once the view moves on (a step, another input) or another link arrives.
NOTICES = (keys.URL_UNKNOWN, keys.URL_CUT, keys.URL_IGNORED)


NOTICE_SLOT = "_url_notice_slot."  # + page: this run's placeholder of the link's notices


def notice_slot(page: str):
    """A placeholder for the link's notices: write_url empties it, in the same run, when the
    view has moved on from the one the link opened."""
    slot = st.empty()
    st.session_state[NOTICE_SLOT + page] = slot
    return slot


def _keep_notices(page: str, view: str):
    slot = st.session_state.pop(NOTICE_SLOT + page, None)  # this run's, or None
    if not any(key + page in st.session_state for key in NOTICES):
        return
    first = st.session_state.setdefault(keys.URL_NOTICED + page, view)
    if first != view:
        for key in NOTICES + (keys.URL_NOTICED,):
            st.session_state.pop(key + page, None)
        if slot is not None:
            slot.empty()


def _key(query: dict) -> str:
    """A view's query parameters as one comparable string."""
    return "&".join(f"{name}={v}" for name in sorted(query) for v in query[name])


__all__ = ["View", "keys", "parse_view", "restore_url", "step_view", "to_query", "write_url"]
