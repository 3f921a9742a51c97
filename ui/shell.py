"""What every page shares around its content: the sidebar, presentation mode and its
stylesheet, hints, and keeping widget values while another page is shown.

Presentation mode is a sidebar toggle kept in the URL (`present=1`) on every page: a
fixed stylesheet (larger text, no hints or help icons, less chrome) and `present=True`
for every figure builder (larger fonts, tick labels and cells).
"""

from __future__ import annotations

import json

import streamlit as st

import seq2seq.checkpoint
from seq2seq.i18n import _

from . import compat, lang, models
from .keys import DEVICE, EXPORT, PERSIST, PRESENT, PRESENT_SEEN, Q_PRESENT, Q_WORDS, k
from .session import figure_store, trace_store, valid
from .text import DEVICE_LABELS, label, md

TRUE = ("1", "true", "on", "yes")

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


def keep_widgets():
    """Re-assign every persistent widget value so Streamlit keeps it while its page is
    not shown (its documented way to carry widget state across pages)."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(PERSIST):
            st.session_state[key] = st.session_state[key]


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
        st.session_state[PRESENT] = q.lower() in TRUE


def _present_to_url():
    want = "1" if presenting() else None
    if st.query_params.get(Q_PRESENT) != want:
        if want:
            st.query_params[Q_PRESENT] = want
        else:
            del st.query_params[Q_PRESENT]
    st.session_state[PRESENT_SEEN] = want


def _presenting_changed():
    """Presentation mode opens on words, not subword pieces (a room reads "powerful", not "power ##ful")."""
    if presenting():
        for page in ("step", "compare"):
            st.session_state[k(page, Q_WORDS)] = True


def hint(text: str):
    """A hint for someone exploring alone: a caption, left out in presentation mode."""
    if not presenting():
        st.caption(text)


def sidebar():
    """The sidebar every page shares: device, chart export format, presentation mode, a word on links."""
    with st.sidebar:
        lang.picker()
        accel = models.accelerator()
        if accel == "cpu":
            st.session_state[DEVICE] = "cpu"
            st.caption(_("Models run on the **CPU** (no GPU found)."))
        else:
            valid(DEVICE, (accel, "cpu"), accel)
            st.radio(_("Run models on"), (accel, "cpu"), key=DEVICE, format_func=lambda d: label(DEVICE_LABELS, d),
                     horizontal=True,
                     help=_("Each model is loaded once per server and device, and shared by all sessions."))
        valid(EXPORT, ("png", "svg"), "png")
        st.radio(_("Chart download format"), ("png", "svg"), key=EXPORT, horizontal=True, format_func=str.upper,
                 help=_("The camera button in a chart's toolbar (top right, on hover) saves the chart "
                        "in this format: PNG for slides, SVG for papers."))
        st.toggle(_("Presentation mode"), key=PRESENT, on_change=_presenting_changed,
                  help=_("Larger text and charts, fewer hints: for a projector. Kept in the link (present=1)."))
        _present_to_url()
        if presenting():
            st.markdown(PRESENT_CSS, unsafe_allow_html=True)
        st.caption(_("The address bar always holds the current view: copy it to share a view or to put it "
                     "in slides; opening the link restores it exactly."))


def no_models():
    """Say that no checkpoint was found, and where the app looked."""
    st.error(_("No models found in `{folder}`. Train one (`python -m seq2seq.train ...`) or point "
               "`ATTENTION_LAB_CHECKPOINTS` at a folder of checkpoints.").format(
                   folder=md(seq2seq.checkpoint.CHECKPOINTS)))


def log_run(path: str, page: str, seconds: float):
    """Append one line {"page", "seconds", "session", "decodes", "figures"} to `path`: a run's time
    as the server saw it, and how many decodes and figures the server has made so far."""
    made = {"decodes": trace_store().stats()["made"], "figures": figure_store().stats()["made"]}
    line = json.dumps({"page": page, "seconds": round(seconds, 4), "session": compat.session_id(), **made})
    with open(path, "a", encoding="utf-8") as f:  # one short write in append mode: lines never interleave
        f.write(line + "\n")


def page_failed(e: Exception):
    """What a page that raised shows instead of a traceback (app.py catches it)."""
    st.error(_("This view hit an unexpected problem ({kind}): {error}. Change the input or pick another model; "
               "the other pages keep working.").format(kind=type(e).__name__, error=md(e)))
