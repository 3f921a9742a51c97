"""The message catalogue: every message of the source has a Chinese translation with the same
{fields}; pages pass Streamlit no literal text that bypasses `_()` (a check over the source,
with the AST: the AppTests in tests/app/test_app_i18n.py check the rendered pages)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from seq2seq import i18n
from seq2seq.i18n import N_, _, language, ngettext, parse_lang

REPO = Path(__file__).resolve().parents[2]
FIELD = re.compile(r"\{[a-z_]+(?:[:!][^{}]*)?\}")


def catalogue():
    with i18n.catalogue_path("zh").open("rb") as f:
        return read_po(f, locale="zh_Hans_CN")


def source_messages() -> dict[str, str]:
    """msgid -> where it is, for every message the source marks (what `pybabel extract` finds)."""
    method_map = [("app.py", "python"), ("ui/**.py", "python"), ("views/**.py", "python"),
                  ("seq2seq/**.py", "python")]
    found = {}
    for path, _line, message, _comments, _ctx in extract_from_dir(str(REPO), method_map=method_map):
        m = message[0] if isinstance(message, tuple) else message  # ngettext: the singular names it
        if m:
            found.setdefault(m, path)
    return found


@pytest.mark.parametrize("value, code", [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("ZH-tw", "zh"),
                                         ("en", "en"), ("en-GB", "en"), ("fr-FR", None), ("", None), (None, None),
                                         ("<script>", None)])
def test_parse_lang(value, code):
    assert parse_lang(value) == code


def test_a_message_is_translated_in_its_language_only():
    assert _("Cross-attention") == "Cross-attention"
    with language("zh"):
        assert _("Cross-attention") == "交叉注意力" and i18n.current() == "zh"
        with language("en"):
            assert _("Cross-attention") == "Cross-attention"
        assert ngettext("{n} CPU thread", "{n} CPU threads", 3) == ngettext("{n} CPU thread", "{n} CPU threads", 1)
        assert "CPU" in ngettext("{n} CPU thread", "{n} CPU threads", 2) and "thread" not in \
            ngettext("{n} CPU thread", "{n} CPU threads", 2)  # Chinese has one form
    assert i18n.current() == "en" and N_("Cross-attention") == "Cross-attention"
    with language("xx"):  # an unknown language is English
        assert _("Cross-attention") == "Cross-attention"


def test_every_message_of_the_source_has_a_chinese_translation():
    cat = catalogue()
    have = {m.id if isinstance(m.id, str) else m.id[0]: m for m in cat if m.id}
    missing = {m: where for m, where in source_messages().items() if m not in have}
    assert not missing, f"{len(missing)} messages not in the catalogue (see seq2seq/locale/README.md): " \
                        f"{list(missing.items())[:5]}"
    empty = [m.id for m in cat if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not empty and not fuzzy, (empty[:5], fuzzy[:5])


def test_translations_keep_every_field_and_markup():
    problems = []
    for m in catalogue():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = sorted(FIELD.findall(ids[-1]))
        for s in strings:
            if sorted(FIELD.findall(s)) != want:
                problems.append((ids[0], s))
            if ids[0].count("$") != s.count("$") or ids[0].count("`") != s.count("`"):
                problems.append((ids[0], s))
    assert not problems, problems[:5]


def test_the_catalogue_has_no_message_the_source_dropped():
    used = set(source_messages())
    stale = [m.id for m in catalogue() if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in used]
    assert not stale, f"obsolete messages (run pybabel update --ignore-obsolete): {stale[:5]}"


def test_the_glossary_heads_the_catalogue():
    head = i18n.catalogue_path("zh").read_text(encoding="utf-8").split("msgid", 1)[0]
    for term in ("注意力", "编码器", "解码器", "自注意力", "交叉注意力", "束搜索", "贪心解码", "上下文向量"):
        assert term in head


# --- no literal text past the catalogue ------------------------------------------------------

# Streamlit calls that show text, and the arguments that hold it (position 0 and these keywords).
SHOWS = {"title", "header", "subheader", "markdown", "caption", "write", "text", "error", "warning", "info",
         "success", "exception", "toast", "button", "download_button", "link_button", "page_link", "toggle",
         "checkbox", "radio", "selectbox", "multiselect", "select_slider", "slider", "text_input", "text_area",
         "number_input", "segmented_control", "pills", "expander", "popover", "tabs", "metric", "Page",
         "form_submit_button", "status", "spinner", "file_uploader", "color_picker", "date_input",
         "TextColumn", "NumberColumn", "ProgressColumn", "LinkColumn", "CheckboxColumn", "Column"}
TEXT_ARGS = {"label", "help", "placeholder", "caption", "title", "body", "text", "value_label"}
# Literals that are not language: no two Latin letters in a row (symbols, p(yₜ)), or a name.
NAMES = "Attention Lab|BLEU|chrF|PNG|SVG|CSV|JSON|HTML|GIF|CPU|Transformer|LSTM"
NOT_LANGUAGE = re.compile(rf"^(?!.*[A-Za-z]{{2}}).*$|^({NAMES})$", re.S)


def _literal_text(node) -> str | None:
    """The literal text of an argument: a string constant, or an f-string's constant parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):  # "a" + "b"
        return (_literal_text(node.left) or "") + (_literal_text(node.right) or "")
    if isinstance(node, (ast.List, ast.Tuple)):  # st.tabs(["A", "B"])
        return " ".join(t for t in (_literal_text(e) for e in node.elts) if t)
    return None


def literal_texts(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SHOWS):
            continue
        args = list(node.args[:1]) + [kw.value for kw in node.keywords if kw.arg in TEXT_ARGS]
        for a in args:
            text = _literal_text(a)
            if (text and not NOT_LANGUAGE.match(text.strip()) and not text.lstrip().startswith(("<style", ":material"))
                    and not text.endswith(".py")):  # st.Page("views/step.py"): a file, not text
                out.append((node.lineno, text))
    return out


APP_FILES = sorted([REPO / "app.py", *(REPO / "ui").glob("*.py"), *(REPO / "views").glob("*.py")])


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_pages_pass_streamlit_no_literal_text(path):
    assert not literal_texts(path), f"{path.name}: wrap these in _(): {literal_texts(path)[:5]}"


def test_the_literal_text_check_finds_literal_text(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('import streamlit as st\nst.title("Model cards")\nst.caption(_("fine"))\n'
                    'st.button(f"Step {n}")\nst.radio(_("x"), ["a"], help="Say why")\nst.metric("BLEU", 3)\n')
    assert [line for line, _text in literal_texts(page)] == [2, 4, 5]
