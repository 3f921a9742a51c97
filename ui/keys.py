"""Every session-state key and query-parameter name of the app, in one place.

Session state
    Value widgets use keys made by `k(page, name)` ("v.<page>.<name>"); `shell.keep_widgets`
    (called by app.py on every run) stops Streamlit from dropping them while another page
    is shown, so going back to a page finds it as it was left. Keys starting with "_" are
    the app's own bookkeeping (caches, what the URL said last).
Shared view
    The teaching pages (self-attention, inside attention, model cards) use the step page's
    widget keys (`SHARED`): one model, input, decode, step, layer and head follow the teacher
    from view to view, and the what-if branch with them.
"""

from __future__ import annotations

from seq2seq.budget import MAX_EDITS  # noqa: F401  (re-exported: what-if edits in one chain; a link with more is cut)

# --- session state -------------------------------------------------------------------------
DEVICE = "device"  # sidebar: where models run ("cuda" | "mps" | "cpu")
EXPORT = "export_format"  # sidebar: what the charts' camera button downloads ("png" | "svg")
PRESENT = "present"  # sidebar toggle: presentation mode
PRESENT_SEEN = "_present_url"  # the URL's `present` value this session last read or wrote
LANG = "lang"  # sidebar: the language of the app ("en" | "zh"; seq2seq.i18n.LANGS)
LANG_SEEN = "_lang_url"  # the URL's `lang` value this session last read or wrote
SCREEN = "_screen"  # {"width", "height"}: the main column and the window, as the browser reported (ui/stage.py)
URL_READ = "_url_read."  # + page: the query parameters that page last read or wrote
URL_WRITTEN = "_url_written."  # + page: the last few URLs that page wrote (urlstate.URL_HISTORY)
# A link's notices (+ page), shown while the page shows the view the link opened (urlstate.NOTICES):
URL_CUT = "_url_cut."  # how many what-if edits a link asked for, past MAX_EDITS
URL_NOTICED = "_url_noticed."  # the view a link's notices were first shown on
URL_IGNORED = "_url_ignored."  # the link's values that could not be used, as name=value
URL_UNKNOWN = "_url_unknown."  # a model the URL named that is not in the zoo
EDITS = "_edits."  # + page: {"base": decode key or None, "edits": [(step, token), ...]} the what-if chain
PERSIST = "v."  # prefix of value-widget keys that survive page switches
SHARED = "step"  # the page whose widget keys the teaching pages share


def k(page: str, name: str) -> str:
    """Session-state key of the value widget `name` on `page`."""
    return f"{PERSIST}{page}.{name}"


def button(page: str, name: str) -> str:
    """Key of a button (buttons hold no value, so they are not kept across pages)."""
    return f"b.{page}.{name}"


# --- query parameters (the URL) --------------------------------------------------------------
# One name per piece of view; pages use the ones that apply. The widget of a parameter has the
# same name: k(page, Q_BEAM) holds the beam size the URL's `beam` names.
Q_MODEL, Q_TASK, Q_ARCHS, Q_TEXT, Q_STRATEGY, Q_STEP = "model", "task", "archs", "text", "strategy", "step"
Q_LAYER, Q_HEAD, Q_BEAM, Q_TEMPERATURE, Q_TOP_K, Q_SEED = "layer", "head", "beam", "temperature", "top_k", "seed"
Q_TARGET, Q_GOLD, Q_WHATIF = "target", "gold", "whatif"
Q_KIND, Q_POS, Q_PRESENT = "kind", "pos", "present"  # attention kind, query position (encoder), presentation
Q_WORDS = "words"  # subword pieces merged into words (1) or shown as pieces (0)
Q_KNOCKOUT = "knockout"  # explain page: heads knocked out, "cross-2-3" (kind-layer-head from 1) or a baseline
Q_SNAPSHOT = "snapshot"  # training page: which of the model's timeline snapshots (from 0)
Q_JOB = "job"  # train page: the training job the page follows
Q_PREFIX = "prefix"  # compare: the same start forced in every model (what-if for all)
Q_LANG = "lang"  # the app's language (en | zh): belongs to the session, kept on every page

# The widget keys the task and architecture pickers use (a model name in the URL sets both).
TASK, ARCH, ARCHS, TEXT, STRATEGY, EXAMPLE, HYP = "task", "arch", "archs", "text", "strategy", "example", "hyp"
TARGET_FOR = "target_for"  # the input the forced target was made for (not a widget; kept with the page's keys)

MAX_TEXT = 1000  # characters typed into a text box (the model reads MAX_SOURCE_TOKENS tokens)
