"""Every page in Chinese (lang=zh) shows no English UI text, and in English (lang=en) no
Chinese: AppTest renders each page and reads every text a user sees -- markdown, captions,
alerts, widget labels, help and options, metrics, expanders, tabs, table headers and the
charts' titles, axis titles, legends and annotations. Model names, token strings, formulas,
code spans and proper nouns are allowed in either language."""

from __future__ import annotations

import json
import re

import pytest
from apptest_util import charts, ok, start

from seq2seq.i18n import LANGS, language
from tests.conftest import REPO
from ui import keys

PAGES = {"home": "views/home.py", "step": "views/step.py", "compare": "views/compare.py",
         "self-attention": "views/self-attention.py", "inside": "views/inside.py", "cards": "views/cards.py",
         "explain": "views/explain.py", "train": "views/train.py", "training": "views/training.py"}
VIEWS = [  # (page, query): each page, and the step page's other views
    ("home", {}), ("step", {"model": "dates-lstm-attn", "text": "9 May 2018"}),
    ("step", {"model": "dates-transformer", "text": "9 May 2018", "strategy": "beam", "beam": "3", "gold": "1"}),
    ("step", {"model": "reverse-lstm", "text": "hello"}), ("compare", {"task": "dates", "text": "9 May 2018"}),
    ("self-attention", {"model": "dates-transformer", "text": "9 May 2018"}),
    ("self-attention", {"model": "dates-lstm-attn", "text": "9 May 2018"}),
    ("inside", {"model": "dates-transformer", "text": "9 May 2018", "kind": "cross"}),
    ("inside", {"model": "dates-lstm-attn", "text": "9 May 2018"}),
    ("inside", {"model": "dates-transformer", "text": "9 May 2018", "kind": "encoder"}),
    ("cards", {"model": "dates-transformer"}),
    ("explain", {"model": "dates-transformer", "text": "9 May 2018", "knockout": "cross-1-1"}),
    ("explain", {"model": "dates-lstm-attn", "text": "9 May 2018", "knockout": "uniform"}),
    ("explain", {"model": "dates-lstm", "text": "9 May 2018"}),
    ("train", {}), ("training", {}),
]

# What may stay in Latin letters on a Chinese page: names of things, units, formulas' words.
NAMES = {
    "Attention", "Lab", "Tatoeba", "BLEU", "chrF", "Transformer", "Transformers", "LSTM", "LSTMs", "softmax",
    "Softmax", "Plotly", "Luong", "Bahdanau", "Abnar", "Zuidema", "CC-BY", "France", "manythings", "anki",
    "PNG", "SVG", "CSV", "CPU", "GPU", "CUDA", "MPS", "Apple", "ISO", "JSON", "README", "ChatGPT", "Vaswani",
    "GIF", "HTML", "top-k", "int8", "float16", "float32", "Adam", "OpenCC", "SentencePiece", "sacrebleu", "tanh",
    "argmax", "Streamlit", "PyTorch", "Python", "AMD", "EPYC", "Intel", "cpu", "cuda", "max", "exp", "dim",
    "Noto", "org", "https", "http", "www", "com", "torch", "python", "seq2seq", "train", "evaluate",
    "NOTES", "config", "metrics", "json", "jsonl", "train_log", "safetensors", "md", "spm", "model",
    "greedy", "beam", "sample", "forced", "encoder", "decoder", "cross", "additive", "general", "dot",
    "mean", "lang", "zh", "en", "Q", "K", "V", "QK", "T", "d_k", "sqrt", "float", "Attn", "FFN", "RNN", "RNNs",
    "d_model", "Enter", "Tab", "Cho", "Bengio", "top", "score",  # score(s, h): the article's formula
    "Spearman", "Jain", "Wallace", "Wiegreffe", "Pinter", "Michel", "rollout", "AER",  # the explain page's names
    "English", "Chinese",  # the task's name in itself: English → Chinese appears as 英语 → 中文; kept for cards
}
# Inputs a user can pick: what a model reads, in its own language (the examples, and the
# article's sentence and its Chinese), never UI text.
def _examples() -> list[str]:
    out = {"ChatGPT很强大"}
    for v in json.loads((REPO / "assets" / "examples.json").read_text(encoding="utf-8")).values():
        for e in v if isinstance(v, list) else []:
            out |= {x for x in ((e.get("text"), e.get("target")) if isinstance(e, dict) else (e,)) if x}
    return sorted(out, key=len, reverse=True)  # the longest first: a short one may be inside a long one


EXAMPLES = _examples()
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _strip(text: str) -> str:
    """Text without what is no language: code spans, formulas, URLs, model names, file names,
    Streamlit's colour markup."""
    text = re.sub(r":[a-z]+(?:-[a-z]+)*\[", "[", text)  # :orange-background[...]
    text = re.sub(r":material/[a-z_]+:", " ", text)  # an icon: :material/check:
    text = re.sub(r"<[^>]+>", " ", text)  # a chart title's <b>, <sub>, <span style=...>
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$[^$]*\$", " ", text)
    text = re.sub(r"\\[a-zA-Z]+(\{[^}]*\})?", " ", text)  # LaTeX commands
    text = re.sub(r"\]\([^)]*\)", "] ", text)  # a link's address
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\b[a-z_]+=[\w.]+", " ", text)  # a URL parameter: present=1
    text = re.sub(r"“[^”]*”|\"[^\"]*\"", " ", text)  # a quoted example sentence: “ChatGPT is powerful”
    text = text.replace("\\-", "-")  # Markdown-escaped dashes of a model name
    text = re.sub(r"\b(?:en-zh|dates|reverse)-(?:lstm-attn|lstm-bahdanau|lstm|transformer)\b", " ", text)
    text = re.sub(r"\b[\w.-]+\.(?:json|jsonl|md|safetensors|model|py|tsv|csv|png|svg)\b", " ", text)
    return text


def _strip_examples(text: str) -> str:
    for e in EXAMPLES:
        text = text.replace(e, " ")
    return text


def _chart_texts(fig: dict) -> list[str]:
    out, lay = [], fig.get("layout", {})

    def title(obj):
        t = obj.get("title") if isinstance(obj, dict) else None
        return (t.get("text") if isinstance(t, dict) else t) or ""

    out.append(title(lay))
    out += [title(v) for key, v in lay.items() if key.startswith(("xaxis", "yaxis", "coloraxis"))]
    out += [a.get("text", "") for a in lay.get("annotations", [])]
    out += [b.get("label", "") for m in lay.get("updatemenus", []) for b in m.get("buttons", [])]
    out += [s.get("currentvalue", {}).get("prefix", "") for s in lay.get("sliders", [])]
    for t in fig.get("data", []):
        out.append(t.get("name") or "")
        out.append(title(t.get("colorbar", {})))
        out.append(re.sub(r"%\{[^}]*\}|<extra>.*?</extra>|<[^>]+>", " ", t.get("hovertemplate") or ""))
    return out


def _texts(at) -> list[str]:
    """Every text a user reads on the page (sidebar included)."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        out += [e.value for e in at.get(kind)]
    for kind in ("button", "toggle", "checkbox", "radio", "selectbox", "multiselect", "slider", "select_slider",
                 "text_input", "text_area", "number_input", "download_button", "button_group", "expander",
                 "tab", "metric", "page_link"):
        for e in at.get(kind):
            p = e.proto
            for field in ("label", "help", "placeholder"):
                if hasattr(p, field):
                    out.append(getattr(p, field))
            if kind in ("radio", "selectbox", "multiselect", "select_slider") and hasattr(p, "options"):
                out += [str(o) for o in p.options]
    for e in at.get("arrow_data_frame"):
        out += [str(c) for c in e.value.columns]
    for fig in charts(at):
        out += _chart_texts(fig)
    return [t for t in out if t]


def _open(page, query, lang):
    at = start(PAGES[page], **query, lang=lang) if page != "home" else start(None)
    if page == "home":
        at.query_params["lang"] = lang
        at.run()
    ok(at)
    return at


@pytest.mark.parametrize("page, query", VIEWS, ids=[f"{p}-{i}" for i, (p, _q) in enumerate(VIEWS)])
def test_a_chinese_page_has_no_english_ui_text(page, query):
    at = _open(page, query, "zh")
    assert at.session_state[keys.LANG] == "zh"
    inputs = {w for v in query.values() for w in re.findall(r"[A-Za-z]+", v)}
    inputs |= {w[::-1] for w in inputs}  # what a reverse model writes
    english = []
    for text in _texts(at):
        text = _strip_examples(text)
        words = [w for w in LATIN_WORD.findall(_strip(text)) if w not in NAMES and w not in inputs]
        if words:
            english.append((words[:4], text[:100]))
    assert not english, english[:8]


@pytest.mark.parametrize("page, query", VIEWS, ids=[f"{p}-{i}" for i, (p, _q) in enumerate(VIEWS)])
def test_an_english_page_has_no_chinese_ui_text(page, query):
    at = _open(page, query, "en")
    chinese = [t[:80] for t in _texts(at) if HAN.search(_strip_examples(t)) and t not in LANGS.values()]
    assert not chinese, chinese[:8]


def test_the_language_follows_the_sidebar_and_the_url_across_pages():
    at = start(PAGES["step"], model="dates-lstm-attn", text="9 May 2018")
    assert at.session_state[keys.LANG] == "en" and at.query_params["lang"] == "en"
    at.session_state[keys.LANG] = "zh"  # what the sidebar's 中文 does
    at.run()
    assert at.query_params["lang"] == "zh" and at.title[0].value != "Step through decoding"
    at.query_params.clear()  # the sidebar's page links drop the query
    with language("zh"):  # AppTest formats the last run's options in this thread: in that run's language
        at.switch_page(PAGES["compare"]).run()
    ok(at)
    assert at.query_params["lang"] == "zh" and at.session_state[keys.LANG] == "zh"
    assert any(HAN.search(t.value) for t in at.title)


def test_a_link_names_its_language():
    at = start(PAGES["step"], model="dates-lstm-attn", text="9 May 2018", lang="zh")
    titles = [t.value for t in at.title]
    assert at.session_state[keys.LANG] == "zh" and titles and all(HAN.search(t) for t in titles)
    at.query_params["lang"] = "en"  # a link in English opened in the same session
    with language("zh"):  # AppTest formats the last run's options in this thread: in that run's language
        at.run()
    assert at.session_state[keys.LANG] == "en" and at.title[0].value == "Step through decoding"


def test_a_bad_language_in_the_url_is_english():
    at = start(PAGES["step"], model="dates-lstm-attn", lang="<b>fr</b>")
    ok(at)
    assert at.session_state[keys.LANG] == "en" and at.query_params["lang"] == "en"


def test_charts_are_titled_in_the_language_of_the_view():
    zh = charts(start(PAGES["step"], model="dates-lstm-attn", text="9 May 2018", lang="zh"))
    en = charts(start(PAGES["step"], model="dates-lstm-attn", text="9 May 2018", lang="en"))
    assert zh and en
    assert HAN.search(json.dumps(zh[0]["layout"]["title"], ensure_ascii=False))
    assert not HAN.search(json.dumps(en[0]["layout"]["title"], ensure_ascii=False))
