"""The language of the app, chosen per session: the URL's `lang=zh|en`, else what the
session chose before, else the browser's language (`st.context.locale`) on a first visit.

`resolve()` runs first on every run (app.py), sets the language of every `_()` in this
run, and keeps it in the URL, so a shared link opens in the language it was made in. The
sidebar's picker (`picker()`) changes it; pages never ask.
"""

from __future__ import annotations

import streamlit as st

from seq2seq.i18n import DEFAULT, LANGS, _, parse_lang, set_language

from .keys import LANG, LANG_SEEN, Q_LANG


def _browser() -> str | None:
    try:
        return parse_lang(st.context.locale)
    except Exception:  # no browser behind this run (a bare AppTest): English
        return None


def resolve() -> str:
    """This run's language, set for `_` and written to the URL."""
    url = parse_lang(st.query_params.get(Q_LANG))
    if url and st.query_params.get(Q_LANG) != st.session_state.get(LANG_SEEN):
        st.session_state[LANG] = url  # a link names its language
    elif st.session_state.get(LANG) not in LANGS:
        st.session_state[LANG] = _browser() or DEFAULT
    lang = set_language(st.session_state[LANG])
    if st.query_params.get(Q_LANG) != lang:
        st.query_params[Q_LANG] = lang
    st.session_state[LANG_SEEN] = lang
    return lang


def picker():
    """The sidebar's language switch: English | 中文, each named in itself."""
    st.segmented_control(_("Language"), list(LANGS), key=LANG, format_func=LANGS.get,
                         selection_mode="single", label_visibility="collapsed", width="stretch")
