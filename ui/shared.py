"""The view the step page and the teaching pages share: one model, input, decoding
strategy, step, layer and head (and the what-if branch) follow the teacher from page to
page, kept under the step page's widget keys (keys.SHARED)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import streamlit as st

from seq2seq.i18n import _

from . import models, session, widgets
from .keys import ARCH, MAX_EDITS, Q_MODEL, SHARED, STRATEGY, TASK, URL_CUT, URL_IGNORED, URL_UNKNOWN, k
from .models import load_model
from .shell import hint, no_models
from .text import STRATEGY_LABELS, code, label, md
from .urlstate import NOTICES, View, notice_slot, restore_url, step_view, to_query, write_url


@dataclass
class Selection:
    """What the teaching pages share with the step page: model, input, settings, the decode."""

    task: str
    arch: str
    name: str
    text: str
    strategy: str
    params: dict
    archs: list = field(default_factory=list)  # the architectures trained for this task
    model: object = None
    dec: session.Decoded | None = None

    @property
    def trace(self):
        return None if self.dec is None else self.dec.trace

    def view(self, step=None, layer_head=None, kind=None, pos=None, knockout=None) -> View:
        """This selection's view on a teaching page (layer and head 0-based)."""
        v = step_view(self.name, self.text, self.strategy, self.params, step, layer_head,
                      edits=self.dec.edits if self.dec else ())
        return replace(v, kind=kind, pos=pos, knockout=tuple(knockout) if knockout else None)

    def url(self, step=None, layer_head=None, kind=None, pos=None, knockout=None) -> dict:
        """Query parameters of this selection on a teaching page."""
        return to_query(self.view(step, layer_head, kind, pos, knockout))

    def step_link(self) -> dict:
        """Query parameters that open this model and input on the step page (for st.page_link)."""
        return to_query(step_view(self.name, self.text, self.strategy, self.params))


def _link_notices(page: str, found: dict):
    """What a link asked for that the page could not do (urlstate.NOTICES)."""
    cut = st.session_state.get(URL_CUT + page)
    if cut:
        st.warning(_("The link asks for {n} what-ifs; a chain may have at most {most} (each is a decode of its "
                     "own). The first {most} are shown.").format(n=cut, most=MAX_EDITS))
    left_out = st.session_state.get(URL_IGNORED + page)
    if left_out:
        st.warning(_("The link holds values this page cannot use: {values}. They were left out, and the page "
                     "shows its usual setting for each instead.").format(values=widgets.listed(code(v) for v in
                                                                                          left_out[:8])))
    unknown = st.session_state.get(URL_UNKNOWN + page)
    if unknown:
        st.warning(_("The link names a model that is not here: **{name}**. The page shows another one; pick the "
                     "model you meant below (the models here: {models}).").format(
            name=md(unknown), models=widgets.listed(n for archs in found.values() for n in archs.values())))


def open_page(page: str) -> dict:
    """The model zoo, with the URL's view put into `page`'s widgets; a notice and a stop when
    there are no models."""
    found = models.zoo()
    if not found:
        no_models()
        st.stop()
    restore_url(page, found)
    if any(key + page in st.session_state for key in NOTICES):
        with notice_slot(page).container():  # emptied by write_url the run the view moves on
            _link_notices(page, found)
    return found


def shared_view(decode: bool = True) -> Selection:
    """Model and input pickers on the step page's keys (so every view shows the same model,
    input and step), then, with `decode`, the model and the decode with its what-if branch
    (see `decode_view`)."""
    found = open_page(SHARED)
    task, arch, name = widgets.model_picker(SHARED, found)
    text = widgets.text_picker(SHARED, task)
    current = st.session_state.get(k(SHARED, STRATEGY))
    shown = label(STRATEGY_LABELS, current if current in STRATEGY_LABELS else "greedy")
    with st.expander(_("Decoding strategy: {strategy}").format(strategy=shown)):
        strategy, params = widgets.strategy_picker(SHARED, task, name)
    sel = Selection(task, arch, name, text, strategy, params, list(found[task]))
    if decode:
        decode_view(sel)
    return sel


def decode_view(sel: Selection) -> Selection:
    """Load the selection's model and decode its input (cached; the step page's what-if
    branch included). Says what is wrong and stops the page (its URL written) when there
    is nothing to show."""

    def stop():
        write_url(SHARED, sel.url())
        st.stop()

    sel.model, error = load_model(sel.name)
    if error:
        st.error(error)
        hint(_("The other models keep working: pick another architecture or task above."))
        stop()
    if not sel.text.strip():
        st.info(_("Type a sentence (or pick an example) to decode."))
        stop()
    with st.spinner(_("Decoding…")):
        sel.dec = session.decode_with_edits(SHARED, sel.model, sel.text, sel.strategy, sel.params)
    if sel.dec.error:
        st.error(_("Cannot decode this input: {error}.").format(error=md(sel.dec.error)))
        sel.dec = None
        stop()
    widgets.branch_bar(SHARED, sel.dec)
    return sel


def prefer_transformer() -> bool:
    """A page that only the Transformer has (self-attention), opened without a model in its
    link (from the sidebar): show the Transformer of the current task rather than a page that
    says the LSTMs have none. A link naming an LSTM keeps it (and the page explains). True
    when it switched."""
    if st.query_params.get(Q_MODEL) or st.session_state.get(k(SHARED, ARCH)) == "transformer":
        return False
    task = st.session_state.get(k(SHARED, TASK))
    found = models.zoo()
    if task not in found:
        task = next(iter(found), None)
    if task is None or "transformer" not in found[task]:
        return False
    st.session_state[k(SHARED, ARCH)] = "transformer"
    return True


def switch_arch(arch: str):
    """A button's callback: show this architecture of the current task."""
    st.session_state[k(SHARED, ARCH)] = arch
