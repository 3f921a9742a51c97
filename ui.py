"""The one module that imports both Streamlit and seq2seq: cached loaders, the decode
cache, shared widgets, and every session-state and query-parameter key. Pages lay out
what these return; they run no model and do no array maths.

Caching
    _load_model   st.cache_resource: one model per (folder, device, file stamp) per server
                  process, shared by every session -- so nothing is ever stored on it (a
                  trace lives in the session that asked for it). A retrained checkpoint
                  has a new stamp and is loaded afresh.
    get_trace     this session's decode cache (st.session_state[TRACES]) keyed by model,
                  text and every strategy setting: changing the step never decodes again.
The URL
    A page's view lives in its query parameters. `restore_url` reads them into the
    widgets once per session and page (a reload or a link in a slide reopens the view);
    `write_url` writes the current view at the end of every run.
Persistence
    Value widgets use keys made by `k(page, name)` ("v.<page>.<name>"); `keep_widgets`
    (called by app.py each run) stops Streamlit from dropping them while another page
    is shown, so going back to a page finds it as it was left.
Shared view
    The teaching pages (self-attention, inside attention, model cards) use the step
    page's keys (`SHARED`): one model, input, decode, step, layer and head follow the
    teacher from view to view, and the what-if branch with them.
Presentation mode
    A sidebar toggle kept in the URL (`present=1`) on every page: a fixed stylesheet
    (larger text, no hints or help icons, less chrome) and `present=True` for every
    figure builder (larger fonts, tick labels and cells).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import seq2seq
from seq2seq import analysis, explain, viz
from seq2seq.checkpoint import CONFIG, WEIGHTS, CheckpointError
from seq2seq.decoding import MAX_SOURCE_TOKENS, STRATEGIES
from seq2seq.tokenize import EOS

ROOT = Path(__file__).resolve().parent
ASSETS = ROOT / "assets"

TASK_LABELS = {"en-zh": "English → Chinese", "dates": "Dates → ISO 8601", "reverse": "Reverse the letters"}
ARCH_LABELS = {"lstm": "LSTM (no attention)", "lstm-attn": "LSTM + attention", "transformer": "Transformer"}
STRATEGY_LABELS = {"greedy": "Greedy", "beam": "Beam search", "sample": "Sampling", "forced": "Forced target"}
DEVICE_LABELS = {"cuda": "GPU (CUDA)", "mps": "GPU (Apple MPS)", "cpu": "CPU"}
DEFAULT_ARCH = "lstm-attn"

# --- session-state keys: all of them live here --------------------------------------
DEVICE = "device"  # sidebar: where models run ("cuda" | "mps" | "cpu")
EXPORT = "export_format"  # sidebar: what the charts' camera button downloads ("png" | "svg")
TRACES = "_traces"  # OrderedDict trace key -> Trace, this session's decode cache
FIGURES = "_figures"  # OrderedDict figure key -> go.Figure built from a cached trace
URL_READ = "_url_read."  # + page: that page's query parameters were read this session
EDITS = "_edits."  # + page: {"base": trace key or None, "edits": [(step, token), ...]} what-if chain
PERSIST = "v."  # prefix of value-widget keys that survive page switches
PRESENT = "present"  # sidebar toggle: presentation mode
PRESENT_SEEN = "_present_url"  # the URL's `present` value this session last read or wrote
SHARED = "step"  # the page whose widget keys the teaching pages share (see "Shared view" above)


def k(page: str, name: str) -> str:
    """Session-state key of the value widget `name` on `page`."""
    return f"{PERSIST}{page}.{name}"


# --- query parameters (the URL) ------------------------------------------------------
# One name per piece of view; pages use the ones that apply.
Q_MODEL, Q_TASK, Q_ARCHS, Q_TEXT, Q_STRATEGY, Q_STEP = "model", "task", "archs", "text", "strategy", "step"
Q_LAYER, Q_HEAD, Q_BEAM, Q_TEMPERATURE, Q_TOP_K, Q_SEED = "layer", "head", "beam", "temperature", "top_k", "seed"
Q_TARGET, Q_GOLD, Q_WHATIF = "target", "gold", "whatif"
Q_KIND, Q_POS, Q_PRESENT = "kind", "pos", "present"  # attention kind, query position (encoder), presentation
MAX_TEXT = 1000  # characters typed into a text box (the model reads MAX_SOURCE_TOKENS tokens)


def keep_widgets():
    """Re-assign every persistent widget value so Streamlit keeps it while its page is
    not shown (its documented way to carry widget state across pages)."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(PERSIST):
            st.session_state[key] = st.session_state[key]


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


def _url_now() -> dict:
    """The page's view in the URL (presentation mode belongs to the session, not to a page)."""
    return {name: st.query_params.get_all(name) for name in st.query_params if name != Q_PRESENT}


def restore_url(page: str, zoo: dict):
    """Put the view named in the URL into this page's widgets: when the page is first
    opened in a session, and when a link (say from the home page) brings new parameters.
    Parameters left out take their defaults, so a link reopens exactly its view."""
    now, seen = _url_now(), st.session_state.get(URL_READ + page)
    if seen is not None and (not now or now == seen):
        return  # our own URL from the last run, or plain navigation: the widgets lead
    st.session_state[URL_READ + page] = now
    for key in [key for key in st.session_state if isinstance(key, str) and key.startswith(k(page, ""))]:
        del st.session_state[key]
    st.session_state[EDITS + page] = {"base": None, "edits": []}
    q = st.query_params
    put = st.session_state.__setitem__
    name = q.get(Q_MODEL)
    if name:
        for task, archs in zoo.items():
            for arch, n in archs.items():
                if n == name:
                    put(k(page, "task"), task)
                    put(k(page, "arch"), arch)
    if q.get(Q_TASK) in zoo:
        put(k(page, "task"), q[Q_TASK])
    if q.get(Q_ARCHS):
        put(k(page, "archs"), [a for a in q[Q_ARCHS].split(",") if a in ARCH_LABELS])
    if Q_TEXT in q:
        put(k(page, "text"), q[Q_TEXT][:MAX_TEXT])
    if q.get(Q_STRATEGY) in STRATEGIES:
        put(k(page, "strategy"), q[Q_STRATEGY])
    for qn, lo, hi in ((Q_STEP, 0, 10_000), (Q_LAYER, 1, 64), (Q_BEAM, 1, 10), (Q_TOP_K, 0, 1000),
                       (Q_SEED, 0, 2**31 - 1)):
        v = _int(q.get(qn, ""), lo, hi)
        if v is not None:
            put(k(page, qn), v)
    t = _float(q.get(Q_TEMPERATURE, ""), 0.1, 3.0)
    if t is not None:
        put(k(page, Q_TEMPERATURE), t)
    head = q.get(Q_HEAD)
    if head == "mean" or _int(head or "", 1, 64) is not None:
        put(k(page, Q_HEAD), head if head == "mean" else int(head))
    if Q_TARGET in q:
        put(k(page, Q_TARGET), q[Q_TARGET][:MAX_TEXT])
    if Q_GOLD in q:
        put(k(page, Q_GOLD), q[Q_GOLD].lower() in ("1", "true", "on", "yes"))
    if q.get(Q_KIND) in analysis.KINDS:
        put(k(page, Q_KIND), q[Q_KIND])
    pos = _int(q.get(Q_POS, ""), 0, 10_000)
    if pos is not None:
        put(k(page, Q_POS), pos)
    edits = []
    for item in q.get_all(Q_WHATIF):
        step, _, token = item.partition(":")
        if _int(step, 0, 10_000) is not None and token:
            edits.append((int(step), token))
    st.session_state[EDITS + page] = {"base": None, "edits": edits}


def write_url(page: str, params: dict):
    """Make the address bar show this view (None and "" values are left out)."""
    clean = {}
    for name, v in params.items():
        if v is None or v == "" or v == []:
            continue
        clean[name] = [str(x) for x in v] if isinstance(v, list) else str(v)
    if presenting():
        clean[Q_PRESENT] = "1"
    current = {name: (st.query_params.get_all(name) if isinstance(v, list) else st.query_params.get(name))
               for name, v in clean.items()}
    if current != clean or set(st.query_params.keys()) != set(clean):
        st.query_params.from_dict(clean)
    st.session_state[URL_READ + page] = _url_now()


def _default(key: str, value):
    if key not in st.session_state:
        st.session_state[key] = value


def _valid(key: str, options, default):
    """Keep a widget's stored value among its options (a URL or another task may hold junk)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


# --- presentation mode ---------------------------------------------------------------------

# A fixed stylesheet -- never built from user text. Sized for a 1280 x 720 projector.
PRESENT_CSS = """<style>
/* Attention Lab presentation mode: larger text, no hints, less chrome */
html { font-size: 18px; }
[data-testid="stHeader"] { background: transparent; }
[data-testid="stMainBlockContainer"] { padding: 2.6rem 1.5rem 3rem 1.5rem; max-width: none; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.2rem; padding-top: 0; }
[data-testid="stMainBlockContainer"] h2, [data-testid="stMainBlockContainer"] h3 { font-size: 1.55rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.12rem; }
[data-testid="stCaptionContainer"], [data-testid="stTooltipIcon"] button[aria-label^="Help for"],
[data-testid="stDecoration"], [data-testid="stToolbarActions"], [data-testid="stAppDeployButton"] { display: none; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
  font-size: 2.2rem; }
[data-testid="stMain"] input, [data-testid="stMain"] [data-baseweb="select"] { font-size: 1rem; }
.katex { font-size: 1.2em; }
</style>"""


def presenting() -> bool:
    """Presentation mode is on in this session."""
    return bool(st.session_state.get(PRESENT, False))


def sidebar_state() -> str:
    """The sidebar's state for st.set_page_config: collapsed in presentation mode (more room
    on a 1280-pixel projector), else automatic. Reads `present` from the URL first, so
    a link with present=1 opens with the sidebar folded away. (Streamlit applies it only
    when it changes, so a sidebar opened by hand stays open.)"""
    _present_from_url()
    return "collapsed" if presenting() else "auto"


def _present_from_url():
    """A link with present=1 (or 0) switches presentation mode on (off); a URL without it
    leaves the session's choice (the browser drops parameters when the sidebar changes page)."""
    q = st.query_params.get(Q_PRESENT)
    if q is not None and q != st.session_state.get(PRESENT_SEEN):
        st.session_state[PRESENT] = q.lower() in ("1", "true", "on", "yes")


def _present_to_url():
    want = "1" if presenting() else None
    if st.query_params.get(Q_PRESENT) != want:
        if want:
            st.query_params[Q_PRESENT] = want
        else:
            del st.query_params[Q_PRESENT]
    st.session_state[PRESENT_SEEN] = want


def hint(text: str):
    """A hint for someone exploring alone: a caption, left out in presentation mode."""
    if not presenting():
        st.caption(text)


# --- text safety -------------------------------------------------------------------------

_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=^")


def md(text) -> str:
    """Text as Markdown shows it literally: a user's '**' or '<b>' stays as typed."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text)).replace("\n", " ")


def code(text) -> str:
    """Text as an inline code span (shown literally; Markdown escapes would show there)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


# --- the model zoo ---------------------------------------------------------------------

def _split_name(name: str):
    for arch in sorted(ARCH_LABELS, key=len, reverse=True):
        if name.endswith("-" + arch):
            return name[: -len(arch) - 1], arch
    try:
        info = seq2seq.read_config(name)
        return info.get("task"), info.get("arch")
    except CheckpointError:
        return None, None


def zoo() -> dict[str, dict[str, str]]:
    """{task: {arch: model name}} of the checkpoint folders that exist (tasks and archs in
    the order the app presents them)."""
    found: dict[str, dict[str, str]] = {}
    for name in seq2seq.available():
        task, arch = _split_name(name)
        if task and arch in ARCH_LABELS:
            found.setdefault(task, {})[arch] = name
    order = list(TASK_LABELS) + sorted(t for t in found if t not in TASK_LABELS)
    return {t: {a: found[t][a] for a in ARCH_LABELS if a in found[t]} for t in order if t in found}


def device() -> str:
    """The device models run on in this session ("cuda", "mps" or "cpu")."""
    accel = seq2seq.resolve_device("auto").type
    choice = st.session_state.get(DEVICE, accel)
    return choice if choice in (accel, "cpu") else accel


def _stamp(folder: Path) -> tuple:
    """Changes when the checkpoint's files change (a retrained model is loaded afresh)."""
    out = []
    for f in (CONFIG, WEIGHTS):
        p = folder / f
        out.append(p.stat().st_mtime_ns if p.exists() else 0)
    return tuple(out)


@st.cache_resource(show_spinner="Loading the model…", max_entries=24)
def _load_model(folder: str, device: str, stamp: tuple):
    return seq2seq.load(folder, device=device)


def load_model(name: str):
    """(model, None) or (None, a sentence saying what is wrong with the checkpoint)."""
    try:
        folder = seq2seq.checkpoint.find(name)
        return _load_model(str(folder.resolve()), device(), _stamp(folder)), None
    except CheckpointError as e:
        return None, f"The model **{md(name)}** cannot be loaded: {md(e.problem)} (file `{md(e.path.name)}`)."
    except Exception as e:  # a broken file can fail in torch or safetensors in many ways
        return None, f"The model **{md(name)}** cannot be loaded: {md(type(e).__name__)}: {md(e)}"


def model_key(model) -> tuple:
    folder = seq2seq.checkpoint.find(model.name)
    return str(folder.resolve()), _stamp(folder), str(model.device)


def read_metrics(name: str) -> dict | None:
    """metrics.json of a model (written by `python -m seq2seq.evaluate`), or None."""
    try:
        path = seq2seq.checkpoint.find(name) / "metrics.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (CheckpointError, OSError, ValueError):
        return None


def zoo_table() -> tuple[pd.DataFrame, list[str]]:
    """The model zoo for the home page, and one error line per unreadable checkpoint."""
    rows, errors = [], []
    for name in seq2seq.available():
        try:
            info = seq2seq.read_config(name)
        except CheckpointError as e:
            errors.append(f"**{md(name)}**: {md(e.problem)} (`{md(e.path.name)}`)")
            continue
        folder = seq2seq.checkpoint.find(name)
        weights = (folder / WEIGHTS).is_file()
        if not weights:
            errors.append(f"**{md(name)}**: weights file `{WEIGHTS}` is missing")
        metrics = analysis.metric_summary(read_metrics(name))
        rows.append({
            "model": name,
            "task": TASK_LABELS.get(info.get("task"), info.get("task")),
            "architecture": ARCH_LABELS.get(info.get("arch"), info.get("arch")),
            "parameters": info.get("parameters"),
            "test metrics": metrics or "not evaluated yet",
            "device": DEVICE_LABELS.get(device(), device()),
            "status": "ready" if weights else "weights missing",
        })
    return pd.DataFrame(rows), errors


@st.cache_data(show_spinner=False)
def _examples() -> dict:
    try:
        return json.loads((ASSETS / "examples.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def examples(task: str) -> list[dict]:
    items = _examples().get(task, [])
    return [e for e in items if isinstance(e, dict) and isinstance(e.get("text"), str)]


def known_target(task: str, model, text: str) -> str:
    """The true output of `text` where the app knows it: from the generator (dates,
    reverse) or the example list (en-zh). '' otherwise."""
    if model is not None and text.strip():
        gold = analysis.gold_alignment(task, model.src_tok.tokenize(text) + [EOS])
        if gold.target:
            return gold.target
    return next((e.get("target", "") for e in examples(task) if e["text"] == text.strip()), "")


# --- shared widgets ----------------------------------------------------------------------

def sidebar():
    """The sidebar every page shares: device, chart export format, presentation mode, a word on links."""
    with st.sidebar:
        accel = seq2seq.resolve_device("auto").type
        if accel == "cpu":
            st.session_state[DEVICE] = "cpu"
            st.caption("Models run on the **CPU** (no GPU found).")
        else:
            _valid(DEVICE, (accel, "cpu"), accel)
            st.radio("Run models on", (accel, "cpu"), key=DEVICE, format_func=DEVICE_LABELS.get, horizontal=True,
                     help="Each model is loaded once per server and device, and shared by all sessions.")
        _valid(EXPORT, ("png", "svg"), "png")
        st.radio("Chart download format", ("png", "svg"), key=EXPORT, horizontal=True, format_func=str.upper,
                 help="The camera button in a chart's toolbar (top right, on hover) saves the chart "
                      "in this format: PNG for slides, SVG for papers.")
        st.toggle("Presentation mode", key=PRESENT,
                  help="Larger text and charts, fewer hints: for a projector. Kept in the link (present=1).")
        _present_to_url()
        if presenting():
            st.markdown(PRESENT_CSS, unsafe_allow_html=True)
        st.caption("The address bar always holds the current view: copy it to share a view or to put it "
                   "in slides; opening the link restores it exactly.")


def no_models():
    st.error(f"No models found in `{md(seq2seq.checkpoint.CHECKPOINTS)}`. Train one "
             "(`python -m seq2seq.train ...`) or point `ATTENTION_LAB_CHECKPOINTS` at a folder of checkpoints.")


def _task_changed(page: str):
    """A new task: its first example, no forced target, back to step 0."""
    task = st.session_state.get(k(page, "task"))
    ex = examples(task)
    st.session_state[k(page, "text")] = ex[0]["text"] if ex else ""
    st.session_state[k(page, Q_TARGET)] = ""
    st.session_state[k(page, Q_STEP)] = 0


def task_picker(page: str, zoo: dict) -> str:
    tasks = list(zoo)
    _valid(k(page, "task"), tasks, tasks[0])
    return st.selectbox("Task", tasks, key=k(page, "task"), format_func=lambda t: TASK_LABELS.get(t, t),
                        on_change=_task_changed, args=(page,))


def model_picker(page: str, zoo: dict) -> tuple[str, str, str]:
    """Task and architecture pickers -> (task, arch, model name)."""
    c1, c2 = st.columns([1, 2])
    with c1:
        task = task_picker(page, zoo)
    archs = list(zoo[task])
    _valid(k(page, "arch"), archs, DEFAULT_ARCH if DEFAULT_ARCH in archs else archs[0])
    with c2:
        arch = st.segmented_control("Architecture", archs, key=k(page, "arch"), required=True,
                                    format_func=lambda a: ARCH_LABELS.get(a, a))
        missing = [ARCH_LABELS[a] for a in ARCH_LABELS if a not in zoo[task]]
        if missing:
            st.caption(f"Not trained yet for this task: {', '.join(missing)}.")
    return task, arch, zoo[task][arch]


def _use_example(page: str):
    choice = st.session_state.get(k(page, "example"))
    if choice:
        st.session_state[k(page, "text")] = choice
        st.session_state[k(page, Q_STEP)] = 0
        st.session_state[k(page, "example")] = ""


def _text_changed(page: str):
    """Typed text is a new decode: it opens on step 0, like a picked example (a step in a
    link applies to the text of that link only)."""
    st.session_state[k(page, Q_STEP)] = 0


def text_picker(page: str, task: str) -> str:
    """Text box plus an example picker (assets/examples.json) -> the typed text."""
    ex = examples(task)
    _default(k(page, "text"), ex[0]["text"] if ex else "")
    _valid(k(page, "example"), [""] + [e["text"] for e in ex], "")
    c1, c2 = st.columns([3, 2])
    with c1:
        text = st.text_input("Input", key=k(page, "text"), max_chars=MAX_TEXT,
                             placeholder="Type a sentence, a date or some letters…",
                             help=f"The model reads at most {MAX_SOURCE_TOKENS} tokens; press Enter to decode.",
                             on_change=_text_changed, args=(page,))
    with c2:
        st.selectbox("…or pick an example", [""] + [e["text"] for e in ex], key=k(page, "example"),
                     format_func=lambda s: s or "—", on_change=_use_example, args=(page,))
    return text


def _strategy_changed(page: str, task: str, name: str):
    """Switching to forced decoding fills in the true output where it is known."""
    if st.session_state.get(k(page, "strategy")) == "forced" and not st.session_state.get(k(page, Q_TARGET)):
        model, _ = load_model(name)
        st.session_state[k(page, Q_TARGET)] = known_target(task, model, st.session_state.get(k(page, "text"), ""))


def strategy_picker(page: str, task: str, name: str) -> tuple[str, dict]:
    """Strategy and its settings -> (strategy, keyword arguments for seq2seq.decode)."""
    sk = k(page, "strategy")
    _valid(sk, STRATEGIES, "greedy")
    cols = st.columns([8 if presenting() else 6, 3, 2, 2])  # room for the four names, "Forced target" last
    with cols[0]:
        strategy = st.segmented_control("Decoding strategy", STRATEGIES, key=sk, required=True,
                                        format_func=STRATEGY_LABELS.get, on_change=_strategy_changed,
                                        args=(page, task, name))
    params: dict = {}
    if strategy == "beam":
        _valid(k(page, Q_BEAM), range(1, 11), 4)
        with cols[1]:
            params["beam"] = st.slider("Beam size k", 1, 10, key=k(page, Q_BEAM))
    elif strategy == "sample":
        _default(k(page, Q_TEMPERATURE), 1.0)
        _default(k(page, Q_TOP_K), 0)
        _default(k(page, Q_SEED), 0)
        with cols[1]:
            params["temperature"] = st.slider("Temperature", 0.1, 3.0, step=0.1, key=k(page, Q_TEMPERATURE),
                                              help="Below 1 sharpens the distribution, above 1 flattens it.")
        with cols[2]:
            params["top_k"] = st.number_input("Top-k (0 = all)", 0, 1000, step=1, key=k(page, Q_TOP_K))
        with cols[3]:
            params["seed"] = st.number_input("Seed", 0, 2**31 - 1, step=1, key=k(page, Q_SEED),
                                             help="Same seed, same sample.")
    elif strategy == "forced":
        _default(k(page, Q_TARGET), "")
        with cols[1]:
            params["target"] = st.text_input("Target to force", key=k(page, Q_TARGET), max_chars=MAX_TEXT,
                                             help="Teacher forcing: the model is fed this reference and we "
                                                  "watch where it looks while producing it.")
    return strategy, params


def step_control(page: str, steps: int) -> int:
    """First / previous / slider / next / last -> the step Python shows (0-based)."""
    key = k(page, Q_STEP)
    st.session_state[key] = analysis.clamp_step(st.session_state.get(key, 0), steps)

    def go(to):
        st.session_state[key] = analysis.clamp_step(to(st.session_state[key]), steps)

    last = steps - 1
    buttons = (("first_page", "First", "first", lambda t: 0), ("chevron_left", "Back", "previous", lambda t: t - 1),
               ("chevron_right", "Next", "next", lambda t: t + 1), ("last_page", "Last", "last", lambda t: last))

    def button(icon, label, what, to):
        st.button(label, icon=f":material/{icon}:", key=f"b.{page}.{what}", on_click=go, args=(to,),
                  help=f"{what} step", disabled=steps < 2,
                  icon_position="right" if what in ("next", "last") else "left")

    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        for b in buttons[:2]:
            button(*b)
        if steps > 1:
            st.slider("Step", 0, last, key=key, width="stretch",
                      help="The step this page shows and the chart opens on.")
        else:
            st.caption("The decode has a single step.")
        for b in buttons[2:]:
            button(*b)
    return st.session_state[key]


KIND_LABELS = {"encoder": "Encoder self-attention", "decoder": "Decoder self-attention (masked)",
               "cross": "Cross-attention"}
LAYER_HELP = {"encoder": "Encoder layer whose self-attention is shown.",
              "decoder": "Decoder layer whose masked self-attention is shown.",
              "cross": "Decoder layer whose cross-attention is shown."}


def attention_pickers(page: str, trace, kind: str = "cross", mean: bool = True) -> tuple[int, int | None]:
    """Layer and head pickers for a Transformer (head None = mean over heads, offered when
    `mean`); RNN attention has one layer and one head. Returns 0-based (layer, head)."""
    if kind == "cross" and trace.cross_weights is None:
        return -1, None
    L, H = analysis.attention_stack(trace, kind).weights.shape[:2]
    if L == 1 and H == 1:
        return 0, 0
    heads = (["mean"] if mean else []) + list(range(1, H + 1))
    lk, hk = k(page, Q_LAYER), k(page, Q_HEAD)
    _valid(lk, range(1, L + 1), L)
    _valid(hk, heads, heads[0])
    # side by side where they fit, else the head buttons wrap under the layer (never cut off)
    with st.container(horizontal=True, gap="small", vertical_alignment="bottom"):
        layer = st.selectbox("Layer", list(range(1, L + 1)), key=lk, format_func=lambda i: f"layer {i} of {L}",
                             help=LAYER_HELP[kind], width=220 if presenting() else 150)
        head = st.segmented_control("Head", heads, key=hk, required=True, width="content",
                                    format_func=lambda h: "mean over heads" if h == "mean" else f"head {h}")
    return layer - 1, None if head == "mean" else head - 1


def gold_toggle(page: str, task: str, trace) -> analysis.Gold | None:
    """'Show the true alignment' for the generated tasks; disabled, with the reason, when
    the typed text cannot be regenerated. Returns the Gold to draw, or None."""
    gold = analysis.gold_alignment(task, trace.src_tokens)
    if task not in ("dates", "reverse"):
        return None
    _default(k(page, Q_GOLD), False)
    on = st.toggle("Overlay the true alignment", key=k(page, Q_GOLD), disabled=not gold.known,
                   help="Open squares mark the source tokens each correct output token comes from.")
    if not gold.known:
        st.caption(f"No true alignment: {md(gold.note)}.")
        return None
    st.caption(f"True output **{md(gold.target)}** — {md(gold.note)}.")
    return gold if on else None


def gold_caption(trace, matrix_view, gold):
    """How much of the shown attention falls on the true source tokens, in words."""
    if gold is None or matrix_view is None:
        return
    share = analysis.gold_overlap(analysis.cross_matrix(trace, *matrix_view), gold.matrix)
    if share is not None:
        st.caption(f"On average {share:.0%} of this view's attention falls on the true source tokens "
                   "(open squares).")


# --- decoding ----------------------------------------------------------------------------

def _cache(name: str, size: int) -> OrderedDict:
    if name not in st.session_state:
        st.session_state[name] = OrderedDict()
    return st.session_state[name]


def _remember(cache: OrderedDict, key, make, size: int):
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = make()
    cache[key] = value
    while len(cache) > size:
        cache.popitem(last=False)
    return value


def get_trace(model, text: str, strategy: str, params: dict, edits=()):
    """(trace, None) or (None, message). Decoded once per session and settings; each
    what-if edit (step, token) branches from the trace before it."""
    cache = _cache(TRACES, 32)
    key = (model_key(model), text, strategy, tuple(sorted(params.items())))
    try:
        trace = _remember(cache, key, lambda: seq2seq.decode(model, text, strategy, **params), 32)
        for step, token in edits:
            key = key + ((step, token),)
            trace = _remember(cache, key, lambda t=trace, s=step, tok=token: seq2seq.whatif(model, t, s, tok), 32)
    except ValueError as e:
        return None, str(e)
    except Exception as e:  # e.g. CUDA out of memory: say so, keep the page alive
        return None, f"decoding failed: {type(e).__name__}: {e}"
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
        for i, (step, _) in enumerate(self.edits):
            if all(s > step for s, _ in self.edits[i + 1:]):
                out.add(step)
        return out


def decode_with_edits(page: str, model, text: str, strategy: str, params: dict) -> Decoded:
    """The page's decode plus its what-if chain (kept while model, text and settings stay)."""
    base = (model_key(model), text, strategy, tuple(sorted(params.items())))
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
            dropped = f"the what-if “step {step} → {token}” does not fit this decode and was left out"
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


def _add_edit(page: str, step: int, token: str):
    state = st.session_state.get(EDITS + page)
    if state is not None:
        state["edits"] = state["edits"] + [(step, token)]
        st.session_state[k(page, Q_STEP)] = step


def _undo_edit(page: str, everything: bool):
    state = st.session_state.get(EDITS + page)
    if state is not None and state["edits"]:
        state["edits"] = [] if everything else state["edits"][:-1]


def whatif_buttons(page: str, trace, step: int):
    """One button per alternative at `step`: force it and decode on from there."""
    alts = [(tok, p) for tok, p in zip(trace.topk_tokens[step], trace.topk_probs[step])
            if tok != trace.tgt_tokens[step]]
    if not alts:
        return
    st.markdown("**What if it had written…**")
    cols = st.columns(min(len(alts), 4))
    for i, (tok, p) in enumerate(alts):
        cols[i % len(cols)].button(f"{md(tok)} · {p:.1%}", key=f"b.{page}.whatif.{i}", on_click=_add_edit,
                                   args=(page, step, tok), width="stretch",
                                   help=f"Force this token at step {step}, then let the model decode on.")


def branch_bar(page: str, dec: Decoded):
    """Says which branch is shown; undo / back-to-original buttons."""
    if dec.dropped:
        st.warning(md(dec.dropped))
    if not dec.branched:
        return
    what = ", ".join(f"step {s} → {md(t)}" for s, t in dec.edits)
    st.info(f"**What-if branch** ({what}).  \nOriginal: {md(dec.original.output) or '(empty)'}  \n"
            f"This branch: {md(dec.trace.output) or '(empty)'}")
    c1, c2, _ = st.columns([1, 1, 3])
    c1.button("Undo last what-if", key=f"b.{page}.undo", on_click=_undo_edit, args=(page, False))
    c2.button("Back to the original", key=f"b.{page}.reset", on_click=_undo_edit, args=(page, True))


# --- showing a trace ---------------------------------------------------------------------

def source_notices(trace):
    """Truncation and unknown words, visibly; the source as the model read it."""
    if trace.truncated:
        st.warning(f"The input is longer than this model reads: only the first {MAX_SOURCE_TOKENS} tokens "
                   "were used.")
    toks = ["␣" if t == " " else t for t in trace.src_tokens[:-1]]
    shown = " ".join(f":red-background[{md(t)}]" if u else md(t) for t, u in zip(toks, trace.src_unknown))
    unknown = sorted({t for t, u in zip(toks, trace.src_unknown) if u})
    if unknown:
        st.warning(f"Not in the model's vocabulary (read as `<unk>`): {', '.join(md(t) for t in unknown)}. "
                   "They are marked red and with '?' in the charts.")
    st.caption(f"Source as the model reads it ({len(toks)} tokens + end marker): {shown}")


def output_line(trace, step: int) -> str:
    """Markdown: the output up to `step`, the token of `step` highlighted."""
    toks = [md(t) for t in trace.tgt_tokens[: step + 1]]
    if toks:
        toks[-1] = f":orange-background[**{toks[-1]}**]"
    return " ".join(toks)


def _trace_key(trace) -> tuple:
    """What tells two traces apart, for the figure cache."""
    return (trace.model, trace.device, trace.text, trace.strategy, repr(trace.params), tuple(trace.tgt_tokens),
            trace.logprob)


MAIN_WIDTH = 1150  # pixels of the main column in the wide layout on a 1440-pixel screen: the figures' max_width


def step_figure(page: str, trace, matrix_view: tuple, gold, marks=(), step: int = 0, frames: bool = True,
                topk: bool = True, left: int | None = None, max_width: int = MAIN_WIDTH):
    """The cached step figure of a trace and view, opened on `step` (no rebuild per step).
    matrix_view = (layer, head) for cross_matrix, or None for the context vector."""
    figs = _cache(FIGURES, 12)
    present = presenting()
    key = (page, *_trace_key(trace), matrix_view, gold is not None, tuple(sorted(marks)), topk, left, max_width,
           present,
           # a figure with frames is moved to any step by show_step; one without is built per step
           "frames" if frames else step)

    def make():
        matrix = None if matrix_view is None else analysis.cross_matrix(trace, *matrix_view)
        return viz.step_figure(trace, matrix, step, gold=None if gold is None else gold.matrix, frames=frames,
                               topk=topk, marks=marks, left=left, max_width=max_width, present=present)

    fig = _remember(figs, key, make, 12)
    return viz.show_step(fig, analysis.clamp_step(step, trace.steps))


def plot(fig, name: str, key: str | None = None):
    """A chart whose toolbar camera button saves PNG or SVG (sidebar setting)."""
    fmt = st.session_state.get(EXPORT, "png")
    st.plotly_chart(fig, width="content", config=viz.export_config(name, fmt), key=key)


def filename(*parts) -> str:
    safe = "-".join(str(p) for p in parts if p != "")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in safe)[:80]


def downloads(trace, matrix_view, page: str):
    """The trace as JSON; the matrix on screen as CSV."""
    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button("Download trace (JSON)", data=lambda: trace.to_json(indent=1),
                       file_name=filename(trace.model, "trace") + ".json", mime="application/json",
                       on_click="ignore", key=f"b.{page}.json")
    if matrix_view is None:
        matrix, cols, what = trace.context, [f"c{i}" for i in range(trace.context.shape[1])], "context"
    else:
        matrix, cols, what = analysis.cross_matrix(trace, *matrix_view), seq2seq.labels(trace.src_tokens), "attention"
    frame = pd.DataFrame(matrix, index=seq2seq.labels(trace.tgt_tokens), columns=cols)
    c2.download_button(f"Download {what} matrix (CSV)", data=lambda: frame.to_csv(), mime="text/csv",
                       file_name=filename(trace.model, what) + ".csv", on_click="ignore", key=f"b.{page}.csv")


def beam_view(page: str, trace, matrix_view):
    """The final beam: a table, and the attention of a chosen hypothesis."""
    rows = [{"rank": i + 1, "output": "".join(t for t in h.tokens if t != EOS), "tokens": len(h.tokens),
             "log-prob": round(h.logprob, 3), "score": round(h.score, 3)} for i, h in enumerate(trace.beam)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not trace.has_attention:
        return
    _valid(k(page, "hyp"), range(1, len(trace.beam) + 1), 1)
    i = st.selectbox("Attention of hypothesis", range(1, len(trace.beam) + 1), key=k(page, "hyp"),
                     format_func=lambda r: f"rank {r}")
    h = trace.beam[i - 1]
    if h.cross_weights is None:
        return
    layer, head = matrix_view if matrix_view is not None else (-1, None)
    m = analysis.head_matrix(h.cross_weights, layer, head)
    plot(viz.attention_figure(m, h.tokens, trace.src_tokens, col_unknown=trace.src_unknown,
                              title=f"beam hypothesis {i}", present=presenting()), filename(trace.model, "beam", i))


def step_url(name, text, strategy, params, step=None, view=None, gold=None, edits=()) -> dict:
    """Query parameters of a step-page view (layer and head 1-based, step 0-based)."""
    q = {Q_MODEL: name, Q_TEXT: text, Q_STRATEGY: strategy, Q_STEP: step}
    q.update({{"beam": Q_BEAM, "temperature": Q_TEMPERATURE, "top_k": Q_TOP_K, "seed": Q_SEED,
               "target": Q_TARGET}[p]: v for p, v in params.items()})
    if view is not None and view[0] is not None:
        layer, head = view
        q[Q_LAYER] = layer + 1 if layer >= 0 else None
        q[Q_HEAD] = "mean" if head is None else head + 1
    q[Q_GOLD] = 1 if gold else None
    q[Q_WHATIF] = [f"{s}:{t}" for s, t in edits]
    return q


def compare_url(task, archs, text, strategy, params, step=None, view=None, gold=None) -> dict:
    q = step_url(None, text, strategy, params, step, view, gold)
    q.pop(Q_MODEL)
    q[Q_TASK], q[Q_ARCHS] = task, ",".join(archs)
    return q


# --- compare -----------------------------------------------------------------------------

def archs_picker(page: str, zoo: dict, task: str) -> list[str]:
    archs = list(zoo[task])
    key = k(page, "archs")
    chosen = [a for a in st.session_state.get(key, archs) if a in archs] or archs
    st.session_state[key] = chosen[:3]
    return st.multiselect("Architectures (up to 3)", archs, key=key, max_selections=3,
                          format_func=lambda a: ARCH_LABELS.get(a, a))


SIDE_BY_SIDE_CELL = 12  # side by side only while attention cells stay this wide (every label written)


def compare_figures(page: str, runs, step: int, view, gold) -> tuple[dict, bool]:
    """{arch: figure opened on `step`} for the compare page, and whether they go side by
    side: yes while each fits its column with legible cells, else stacked at full width
    with one left margin, so their source columns line up."""
    traces = [tr for _, tr, _ in runs if tr is not None]
    left = max(viz.left_margin(tr.tgt_tokens, present=presenting()) for tr in traces)

    def build(max_width):
        figs = {}
        for arch, trace, _ in runs:
            if trace is None:
                continue
            v = None if not trace.has_attention else view if arch == "transformer" and view is not None else (-1, None)
            figs[arch] = step_figure(page, trace, v, gold if trace.has_attention else None,
                                     step=min(step, trace.steps - 1), frames=False, topk=False, left=left,
                                     max_width=max_width)
        return figs

    narrow = build(MAIN_WIDTH // max(len(runs), 1) - 10)
    attention = [arch for arch, tr, _ in runs if tr is not None and tr.has_attention]
    least = SIDE_BY_SIDE_CELL * (1.5 if presenting() else 1)  # larger labels need wider cells
    if all(viz.cell_width(narrow[a]) >= least for a in attention):
        return narrow, True
    return build(MAIN_WIDTH), False


def quality_chart(zoo: dict, task: str):
    """(figure or None, [models not evaluated yet]): every architecture's test-set quality
    by source length, from each model's metrics.json `by_length`."""
    series, missing, metric = {}, [], None
    for arch, name in zoo.get(task, {}).items():
        m, rows = analysis.by_length(read_metrics(name))
        if rows:
            series[arch] = rows
            metric = metric or m
        else:
            missing.append(name)
    return (viz.quality_figure(series, metric, present=presenting()) if series else None), missing


# --- the teaching pages: the shared view ----------------------------------------------------

@dataclass
class View:
    """What the teaching pages share with the step page: model, input, settings, the decode."""

    task: str
    arch: str
    name: str
    text: str
    strategy: str
    params: dict
    archs: list = field(default_factory=list)  # the architectures trained for this task
    model: object = None
    dec: Decoded | None = None

    @property
    def trace(self):
        return None if self.dec is None else self.dec.trace

    def url(self, step=None, layer_head=None, kind=None, pos=None) -> dict:
        """Query parameters of this view on a teaching page (layer and head 0-based in, 1-based out)."""
        q = step_url(self.name, self.text, self.strategy, self.params, step, layer_head, None,
                     self.dec.edits if self.dec else ())
        q[Q_KIND], q[Q_POS] = kind, pos
        return q

    def step_link(self) -> dict:
        """Query parameters that open this model and input on the step page (for st.page_link)."""
        return {name: v for name, v in step_url(self.name, self.text, self.strategy, self.params).items()
                if v not in (None, "", [])}


def shared_view(decode: bool = True) -> View:
    """Model and input pickers on the step page's keys (so every view shows the same model,
    input and step), then, with `decode`, the model and the decode with its what-if branch
    (see `decode_view`)."""
    found = zoo()
    if not found:
        no_models()
        st.stop()
    restore_url(SHARED, found)
    task, arch, name = model_picker(SHARED, found)
    text = text_picker(SHARED, task)
    current = st.session_state.get(k(SHARED, "strategy"))
    with st.expander(f"Decoding strategy: {STRATEGY_LABELS.get(current, STRATEGY_LABELS['greedy'])}"):
        strategy, params = strategy_picker(SHARED, task, name)
    view = View(task, arch, name, text, strategy, params, list(found[task]))
    if decode:
        decode_view(view)
    return view


def decode_view(view: View):
    """Load the view's model and decode its input (cached; the step page's what-if branch
    included). Says what is wrong and stops the page (its URL written) when there is
    nothing to show."""
    name, text, strategy, params = view.name, view.text, view.strategy, view.params

    def stop():
        write_url(SHARED, view.url())
        st.stop()

    view.model, error = load_model(name)
    if error:
        st.error(error)
        hint("The other models keep working: pick another architecture or task above.")
        stop()
    if not text.strip():
        st.info("Type a sentence (or pick an example) to decode.")
        stop()
    with st.spinner("Decoding…"):
        view.dec = decode_with_edits(SHARED, view.model, text, strategy, params)
    if view.dec.error:
        st.error(f"Cannot decode this input: {md(view.dec.error)}.")
        view.dec = None
        stop()
    branch_bar(SHARED, view.dec)
    return view


def switch_arch(arch: str):
    """A button's callback: show this architecture of the current task."""
    st.session_state[k(SHARED, "arch")] = arch


def kind_picker(kinds=analysis.KINDS) -> str:
    """Encoder self-attention, masked decoder self-attention or cross-attention (shared
    by the self-attention and inside pages)."""
    key = k(SHARED, Q_KIND)
    _valid(key, kinds, kinds[0])
    return st.segmented_control("Attention", kinds, key=key, required=True, format_func=KIND_LABELS.get)


def position_picker(trace) -> int:
    """The source position whose encoder self-attention is laid open (0-based)."""
    key = k(SHARED, Q_POS)
    S = len(trace.src_tokens)
    _valid(key, range(S), 0)
    names = seq2seq.labels(trace.src_tokens)
    return st.selectbox("Query: source position", list(range(S)), key=key, format_func=lambda i: names[i],
                        help="The encoder token whose attention over the source is laid open.")


# --- the self-attention page ------------------------------------------------------------------

ROLLOUT_NOTE = ("**Attention rollout** (Abnar & Zuidema, 2020) estimates how much each input token flows into "
                "each position after all encoder layers: every layer's attention, averaged over heads, is mixed "
                "with the residual connection as 0.5·I + 0.5·A, its rows are renormalised to sum to 1, and the "
                "layers are multiplied from the first up (R = A′ₗ ⋯ A′₂ A′₁). Each row of the chart sums to 1.")


def heads_figure(trace, kind: str, selected) -> go.Figure:
    """Every head of every layer of one kind of attention (cached per trace and view)."""
    present = presenting()

    def make():
        a = analysis.attention_stack(trace, kind)
        names = ("output", "source") if kind == "cross" else ("query", "key")
        return viz.heads_grid(a.weights, a.rows, a.cols, mask=a.mask, row_unknown=a.row_unknown,
                              col_unknown=a.col_unknown, names=names, selected=selected, present=present,
                              title=f"{KIND_LABELS[kind]}: every head of every layer")

    return _remember(_cache(FIGURES, 12), ("heads", *_trace_key(trace), kind, selected, present), make, 12)


def head_title(kind: str, layer: int, head: int | None) -> str:
    """'Decoder self-attention (masked) · layer 2 · head 3' (0-based in; head None = mean)."""
    who = "mean over heads" if head is None else f"head {head + 1}"
    return f"{KIND_LABELS[kind]} · layer {layer + 1} · {who}"


def head_figure(trace, kind: str, layer: int, head: int | None, step: int | None = None) -> go.Figure:
    """One head (or the mean over heads) enlarged, masked cells grey, hover with the token pair."""
    a = analysis.attention_stack(trace, kind)
    names = ("output", "source") if kind == "cross" else ("query", "key")
    return viz.attention_figure(a.matrix(layer, head), a.rows, a.cols, row_unknown=a.row_unknown,
                                col_unknown=a.col_unknown, mask=a.mask, names=names, large=True,
                                step=None if kind == "encoder" else step, title=viz.esc(head_title(kind, layer, head)),
                                present=presenting())


def rollout_figure(trace) -> go.Figure:
    """The encoder's attention rollout after all its layers (rows sum to 1)."""
    R = explain.rollout(trace.enc_self_weights)[-1]  # (S, S) after the last layer
    L = trace.enc_self_weights.shape[0]
    return viz.attention_figure(R, trace.src_tokens, trace.src_tokens, row_unknown=trace.src_unknown,
                                col_unknown=trace.src_unknown, what="rollout", names=("position", "input token"),
                                large=True, title=f"Attention rollout through all {L} encoder layers",
                                present=presenting())


# --- the inside page ----------------------------------------------------------------------------

def inside(trace, step: int, kind: str = "cross", layer: int = 0, head: int = 0):
    """(explain.Inside, None) or (None, why there is none)."""
    try:
        return explain.inside(trace, step, kind, layer, head), None
    except (ValueError, IndexError) as e:
        return None, str(e)


def key_tokens(trace, kind: str) -> tuple[list, list | None]:
    """The tokens attention looks over: the source (encoder, cross) or the decoder inputs."""
    return (list(trace.dec_inputs), None) if kind == "decoder" else (list(trace.src_tokens), list(trace.src_unknown))


def scores_table(ins, tokens) -> pd.DataFrame:
    """Per key token: the score e, the mask, the weight α the model used, and softmax(e)
    recomputed from the scores (explain.Inside) -- the last two agree."""
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


def numbers_width() -> int:
    """Pixels of the inside page's right column (3/5 of the main column), where its charts go:
    wider in presentation mode, where the sidebar is folded away and the margins are thin."""
    return 680 if presenting() else 520


def inside_figures(trace, ins, kind: str) -> dict[str, go.Figure]:
    """The inside page's charts of one computation: {"scores", "qk" (Transformer), "context" (RNN)}."""
    fit = dict(present=presenting(), max_width=numbers_width())
    tokens, unknown = key_tokens(trace, kind)
    out = {"scores": viz.softmax_figure(tokens, ins.scores, ins.weights, mask=ins.mask, unknown=unknown, **fit)}
    if ins.query is not None:
        out["qk"] = viz.qk_figure(ins.query, ins.keys, tokens, mask=ins.mask, key_unknown=unknown, **fit)
    if ins.values is not None:
        out["context"] = viz.context_figure(ins.values, ins.weights, ins.context, tokens, unknown=unknown, **fit)
    return out


def bottleneck_figure(trace, step: int) -> go.Figure:
    """The plain LSTM's context vector c at the first, the current and the last step: the same."""
    rows = {f"c at step {t} ({trace.tgt_tokens[t]})": trace.context[t]
            for t in sorted({0, step, trace.steps - 1})}
    return viz.vectors_figure(rows, title="The context vector every step receives", present=presenting(),
                              max_width=numbers_width())


def agreement(a, b) -> str:
    """'exactly' or 'to within 1.5e-08': how closely two computations of the same numbers agree."""
    gap = float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float)))) if len(a) else 0.0
    return "exactly" if gap == 0 else f"to within {gap:.1e}"


# --- the model cards page -------------------------------------------------------------------------

DATA_CREDITS = {  # corpus file (config.json "data") -> its credit line
    "cmn-eng.tsv": "English–Chinese sentence pairs from [Tatoeba](https://tatoeba.org) and its contributors, "
                   "licensed [CC-BY 2.0 France](https://creativecommons.org/licenses/by/2.0/fr/), in the export "
                   "of [manythings.org/anki](https://www.manythings.org/anki/) (`cmn-eng.zip`).",
}


def read_train_log(name: str) -> tuple[list[dict], int] | None:
    """(rows of train_log.jsonl, number of unreadable lines), or None without a log."""
    try:
        path = seq2seq.checkpoint.find(name) / "train_log.jsonl"
        if not path.is_file():
            return None
        lines = path.read_text(encoding="utf-8").splitlines()
    except (CheckpointError, OSError, UnicodeDecodeError):
        return None
    rows, bad = [], 0
    for line in lines:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if isinstance(row, dict):
            rows.append(row)
        else:
            bad += 1
    return rows, bad


def read_model_card(name: str) -> str | None:
    """The folder's README.md (its model card), or None."""
    try:
        path = seq2seq.checkpoint.find(name) / "README.md"
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (CheckpointError, OSError, UnicodeDecodeError):
        return None


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
    return pd.DataFrame([{key: _cell(v) for key, v in r.items()} for r in rows or [] if isinstance(r, dict)])


def data_credit(info: dict) -> str:
    """Markdown: where the model's training data comes from, read from its config.json."""
    data, task = str(info.get("data") or ""), info.get("task")
    if data.startswith("generated"):
        return (f"**Generated** by this project (`seq2seq.data`, task {code(task)}): the true alignment of every "
                "output token is known.")
    credit = DATA_CREDITS.get(Path(data).name)
    if credit:
        sha = info.get("data_sha256")
        return credit + (f" Corpus file {code(Path(data).name)}, sha256 {code(sha)}." if sha else "")
    return f"Data: {code(data)}." if data else "The checkpoint does not say what data it was trained on."


def training_figure(name: str):
    """(figure or None, note or None) from the model's train_log.jsonl."""
    log = read_train_log(name)
    if log is None:
        return None, "Training curves: not evaluated yet — this folder has no `train_log.jsonl`."
    rows, bad = log
    epochs, loss, dev_key, dev = analysis.training_curves(rows)
    skipped = f" ({bad} unreadable line{'s' * (bad != 1)} skipped)" if bad else ""
    if not epochs:
        return None, f"Training curves: not evaluated yet — `train_log.jsonl` has no epochs{skipped}."
    dev_name = dev_key.replace("dev_", "dev ") if dev_key else "dev"
    fig = viz.training_figure(epochs, loss, dev, dev_name, title=f"Training curves ({len(epochs)} epochs)",
                              present=presenting())
    return fig, (f"Read from `train_log.jsonl`{skipped}." if skipped else None)


# --- deep links on a fresh server ----------------------------------------------------------

def _router_first():
    """Make a deep link (say /step?model=...) work as the first request a fresh server gets.

    Streamlit treats an app with a `pages/` folder as an old-style multipage app until
    st.navigation has run once in the process: a first request for /step would run
    pages/step.py on its own, without app.py (no router, no sidebar, no wide layout).
    Every page imports this module, so on that first run we switch the process to
    st.navigation and rerun; app.py then routes to the requested page. (Renaming
    pages/ would avoid it too.)"""
    try:  # private Streamlit API: if it moves, deep links fall back to Streamlit's own behaviour
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:
        return
    if getattr(PagesManager, "uses_pages_directory", False) and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


_router_first()
