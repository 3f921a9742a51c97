"""Every example link in the README opens its view on the shipped models: no error, and the
widgets show what the link names (AppTest, through app.py as a real server runs it)."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from streamlit.testing.v1 import AppTest

import seq2seq
from tests.conftest import REPO
from ui import keys

PAGES = {"step": "views/step.py", "compare": "views/compare.py", "self-attention": "views/self-attention.py",
         "inside": "views/inside.py", "cards": "views/cards.py", "explain": "views/explain.py"}
LINKS = re.findall(r"^- `(/[a-z-]+\?[^`]+)`", (REPO / "README.md").read_text(encoding="utf-8"), flags=re.M)


@pytest.fixture(autouse=True)
def shipped_models(monkeypatch, one_torch_thread):
    monkeypatch.setattr(seq2seq.checkpoint, "CHECKPOINTS", REPO / "checkpoints")
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINTS", str(REPO / "checkpoints"))


def test_the_readme_has_links():
    assert len(LINKS) >= 8 and {link.split("?")[0] for link in LINKS} == {f"/{p}" for p in PAGES}


@pytest.mark.parametrize("link", LINKS)
def test_readme_link_opens_its_view(link):
    path, _, query = link.partition("?")
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    for name, values in params.items():
        at.query_params[name] = values if len(values) > 1 else values[0]
    at.switch_page(PAGES[path.strip("/")]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    page = "compare" if path == "/compare" else keys.SHARED
    state = at.session_state
    if "text" in params:
        assert state[keys.k(page, "text")] == params["text"][0]
    if "model" in params:
        task, arch = state[keys.k(page, "task")], state[keys.k(page, "arch")]
        assert f"{task}-{arch}" == params["model"][0]
    if "step" in params:
        assert state[keys.k(page, "step")] == int(params["step"][0])
    assert state[keys.LANG] == params.get("lang", ["en"])[0]
    assert at.get("plotly_chart") or path == "/cards", "the view shows no chart"


def test_the_date_link_opens_on_the_digit_it_names():
    """Issue 12, point 5: the link said "the month's second digit" and opened on the first."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    link = next(line for line in readme.splitlines() if "model=dates-lstm-attn" in line and "gold=1" in line)
    text = re.search(r"text=([^&]+)", link).group(1)
    step = int(re.search(r"step=(\d+)", link).group(1))
    assert "month's second digit" in link + readme.split(link, 1)[1].split("\n- ", 1)[0]
    trace = seq2seq.decode(seq2seq.load("dates-lstm-attn", device="cpu"), text)
    assert trace.output[:8] == "2018-05-" and trace.tgt_tokens[step] == "5"
