"""Messages in English and Simplified Chinese: Python's gettext over .po catalogues that
Babel manages (extract, update, compile; see seq2seq/locale/README.md).

    from seq2seq.i18n import _, N_, language
    with language("zh"):
        _("Cross-attention")                               # '交叉注意力'
        _("Step {step} of {n}").format(step=3, n=9)        # named fields: a translation may reorder them

English is the source language: a message is its own English text, and a message without a
translation shows in English. The language is a context variable, so each Streamlit session
(its own script thread) and each test sets its own; the command line stays in English.
`N_` marks a message where it is written (a module-level label) for `_` to translate where
it is shown.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
from contextvars import ContextVar
from pathlib import Path

LANGS = {"en": "English", "zh": "中文"}  # code -> the language's name in itself
DEFAULT = "en"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_lang: ContextVar[str] = ContextVar("attention_lab_language", default=DEFAULT)


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang`, compiled from its .po in memory (Babel's own compiler, so a
    stale .mo can never disagree with the .po); English and unknown languages: none."""
    if lang == DEFAULT or lang not in LANGS:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_path(lang).open("rb") as f:
        cat = read_po(f, locale="zh_Hans_CN" if lang == "zh" else lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def parse_lang(value) -> str | None:
    """A language code of LANGS from what a URL or a browser says ("zh", "zh-CN", "zh_Hans",
    "en-GB", "EN"), or None for anything else."""
    if not isinstance(value, str):
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else None


def current() -> str:
    return _lang.get()


def set_language(lang: str) -> str:
    """Use `lang` (a code of LANGS; anything else: English) from here on in this context."""
    lang = lang if lang in LANGS else DEFAULT
    _lang.set(lang)
    return lang


@contextlib.contextmanager
def language(lang: str):
    """Messages in `lang` inside the block."""
    token = _lang.set(lang if lang in LANGS else DEFAULT)
    try:
        yield
    finally:
        _lang.reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(_lang.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for `n`, in the current language (Chinese has one form)."""
    return translations(_lang.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it here (translate it where shown)."""
    return message


def is_zh() -> bool:
    return _lang.get() == "zh"


__all__ = ["DEFAULT", "LANGS", "N_", "_", "current", "is_zh", "language", "ngettext", "parse_lang",
           "set_language", "translations"]
