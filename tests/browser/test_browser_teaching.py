"""The teaching pages (self-attention, inside attention, model cards) and presentation
mode in the real app, in headless Chromium.

One Streamlit server for the module, on tiny untrained checkpoints written to a temporary
folder (the tiny reverse-lstm-attn gets a metrics.json and a train_log.jsonl, so its model
card has something to show). Every test opens its page from a URL with query parameters
and asserts on what is visible: the Plotly charts' titles and tick labels, the formulas,
the URL. Each leaves a screenshot in tests/screenshots/<test name>.png (not tracked).
The README's pictures are made by `python scripts/screenshots.py`, not by the tests.

    pytest tests/browser/test_browser_teaching.py -x -q
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import make_tiny_checkpoints

from tests.browser.harness import READY, REPO, app_server, browser, missing, wait_idle

if missing():
    pytest.skip(missing(), allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser
TIMEOUT = 90_000  # ms: the machine may be training models on every core
expect.set_options(timeout=TIMEOUT)
SHOTS = REPO / "tests" / "screenshots"
WIDTH = 1400
# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = make_tiny_checkpoints(tmp_path_factory.mktemp("browser-checkpoints"))
    folder = root / "reverse-lstm-attn"
    (folder / "metrics.json").write_text(json.dumps({
        "split": "test", "metrics": {"n": 500, "exact": 97.5},
        "by_length": [{"bucket": "1-10", "n": 300, "exact": 99.0}, {"bucket": "11-20", "n": 200, "exact": 95.0}]}))
    (folder / "train_log.jsonl").write_text("".join(
        json.dumps({"epoch": e, "train_loss": loss, "dev_exact": dev}) + "\n"
        for e, loss, dev in ((1, 2.5, 10.0), (2, 0.9, 60.0), (3, 0.1, 96.0))))
    return root


@pytest.fixture(scope="module")
def server(checkpoints):
    with app_server(checkpoints=checkpoints, timeout=120) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(server):
    with browser(WIDTH, 1000) as tab:
        warm(tab, server)
        yield tab.context.browser


@pytest.fixture
def page(chromium, request):
    """A fresh tab (its own session); a screenshot named after the test at the end."""
    context = chromium.new_context(viewport={"width": WIDTH, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT)
    yield tab
    try:
        if not getattr(request.node, "shot_taken", False):
            screenshot(tab, shot_path(request))
    finally:
        context.close()


def shot_path(request) -> Path:
    return SHOTS / (re.sub(r"[^\w.-]+", "_", request.node.name).strip("_") + ".png")


# --- helpers -----------------------------------------------------------------------------

def warm(tab, server):
    """Open the home page once: the server's first run switches it to the app's router."""
    tab.goto(server + "/")
    expect(tab.get_by_role("heading", name="Attention Lab")).to_be_visible(timeout=TIMEOUT)


def settle(page):
    """Wait until the script has finished running (and stays finished for a moment), and the
    app is connected."""
    page.wait_for_timeout(300)
    wait_idle(page, TIMEOUT)
    page.wait_for_function(READY, polling=100, timeout=TIMEOUT)


def open_page(page, server, path: str):
    page.goto(server + path)
    settle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "Traceback" not in page.locator('[data-testid="stApp"]').inner_text()
    assert "unexpected problem" not in page.locator('[data-testid="stMain"]').inner_text()


def screenshot(page, path: Path, height: int | None = None):
    """The whole page: Streamlit scrolls inside stMain, so grow the viewport to its height first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.mouse.move(page.viewport_size["width"] - 2, 2)  # no hover tooltip left over
    size = page.viewport_size
    full = page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
                                    return Math.ceil(m ? m.scrollHeight : document.body.scrollHeight); }""")
    page.set_viewport_size({"width": size["width"], "height": height or max(size["height"], min(full, 12_000))})
    page.wait_for_timeout(600)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def chart(page, title: str):
    """The Plotly chart whose title contains `title`."""
    g = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').filter(
        has=page.locator(".gtitle", has_text=title))
    expect(g).to_have_count(1)
    return g


def ticks(g, axis: str = "x") -> list[str]:
    """The tick labels of every `axis` axis of a chart (subplots included), as shown."""
    expect(g).to_have_count(1)
    expect(g.locator(f".{axis}axislayer-above text").first).to_be_attached()
    return [t.text_content() for t in g.locator(f".{axis}axislayer-above text").all()]


def pick(page, label: str, option: str):
    """Choose `option` in the selectbox labelled `label`."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def press(page, group: str, name: str):
    """Press the button `name` of the segmented control labelled `group`."""
    page.get_by_role("radiogroup", name=group, exact=True).get_by_text(name, exact=True).click()
    settle(page)


# --- self-attention ------------------------------------------------------------------------

def test_self_attention_from_a_link(page, server):
    open_page(page, server, "/self-attention?model=reverse-transformer&text=attention&kind=encoder&layer=1&head=2")
    grid = chart(page, "every head of every layer")
    expect(grid.locator(".annotation-text", has_text="layer 2 · head 4")).to_be_visible()
    assert ticks(grid, "y")[:2] == ["a", "t"]  # position-unique token labels
    assert "</s>" in ticks(grid, "x")
    big = chart(page, "Encoder self-attention · layer 1 · head 2")
    assert ticks(big, "x") == ticks(big, "y") == ["a", "t", "t", "e", "n", "t", "i", "o",
                                                  "n", "</s>"]
    rollout = chart(page, "Attention rollout")
    assert ticks(rollout, "y")[0] == "a"
    expect(page.get_by_text("Abnar & Zuidema, 2020")).to_be_visible()


def test_self_attention_switch_layer_and_head(page, server):
    open_page(page, server, "/self-attention?model=reverse-transformer&text=hello&kind=decoder&step=2")
    chart(page, "Decoder self-attention (masked) · layer 2 · mean over heads")
    expect(page.get_by_text("masked (a later position: not visible)").first).to_be_visible()
    expect(page.get_by_text("Grey cells are")).to_be_visible()
    pick(page, "Layer", "layer 1 of 2")
    press(page, "Head", "head 3")
    big = chart(page, "Decoder self-attention (masked) · layer 1 · head 3")
    assert ticks(big, "y")[0] == "<s>"  # the decoder inputs, shown as typed
    grid = chart(page, "every head of every layer")
    expect(grid.locator(".annotation-text", has_text="layer 1 · head 3")).to_be_visible()
    assert re.search(r"layer=1&head=3", page.url) and "kind=decoder" in page.url and "step=2" in page.url


def test_lstm_self_attention_page_points_to_the_step_page(page, server):
    open_page(page, server, "/self-attention?model=reverse-lstm-attn&text=hello")
    expect(page.get_by_text("The LSTMs have no self-attention.")).to_be_visible()
    link = page.get_by_role("link", name="Step through this model's decoding")
    expect(link).to_be_visible()
    assert re.match(r"/?step\?model=reverse-lstm-attn&text=hello", link.get_attribute("href"))
    page.get_by_role("button", name="Show the Transformer of this task").click()
    settle(page)
    chart(page, "every head of every layer")
    assert "model=reverse-transformer" in page.url


# --- inside attention ----------------------------------------------------------------------

def test_inside_lstm_attention(page, server):
    open_page(page, server, "/inside?model=reverse-lstm-attn&text=abcd&step=2")
    expect(page.locator(".katex").first).to_be_visible()
    assert page.locator(".katex").count() >= 7  # encoder, decoder, score, softmax, context
    expect(page.get_by_role("heading", name="Attention: additive (Bahdanau) scores, then a softmax")).to_be_visible()
    expect(page.get_by_text("matches the weights the model used")).to_be_visible()
    expect(page.get_by_text("matches the model's cₜ")).to_be_visible()
    scores = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').filter(
        has=page.locator(".annotation-text", has_text="weight α = softmax(e)"))
    assert ticks(scores, "y") == ["a", "b", "c", "d", "</s>"]
    assert "step=2" in page.url


def test_inside_transformer_one_head(page, server):
    open_page(page, server, "/inside?model=reverse-transformer&text=hello&kind=cross&step=1&layer=2&head=1")
    expect(page.get_by_text("Cross-attention · layer 2 · head 1.")).to_be_visible()
    press(page, "Head", "head 3")
    expect(page.get_by_text("Cross-attention · layer 2 · head 3.")).to_be_visible()
    qk = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').filter(
        has=page.locator(".yaxislayer-above text", has_text="query q"))
    expect(qk).to_have_count(1)
    assert "h" in ticks(qk, "y")
    press(page, "Attention", "Decoder self-attention (masked)")
    expect(page.get_by_text("Decoder self-attention (masked) · layer 2 · head 3.")).to_be_visible()
    expect(page.get_by_text("masked: −∞").first).to_be_visible()
    assert "kind=decoder" in page.url and "head=3" in page.url


# --- is attention an explanation? ------------------------------------------------------------

def test_explain_page_from_a_link_steps_and_keeps_the_knock_out(page, server):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, server, "/explain?model=reverse-transformer&text=hello&step=1&knockout=cross-2-1")
    g = chart(page, "Step 1 wrote")
    expect(g.locator(".gtitle")).to_contain_text("attention and attribution over the source")
    # five rows of bars over the same source letters: the bottom axis names them
    assert ticks(g, "x") == ["h", "e", "l", "l", "o", "</s>"]
    for row in ("attention, last layer", "attention rollout", "integrated gradients", "gradient × input", "erasure"):
        expect(g.locator(".annotation-text", has_text=row)).to_have_count(1)
    expect(page.get_by_text("Knocked out:", exact=False).first).to_be_visible()
    assert "knockout=cross-2-1" in page.url
    page.locator("body").press("ArrowRight")  # the step control: the evidence of step 2
    settle(page)
    expect(chart(page, "Step 2 wrote")).to_have_count(1)
    assert "step=2" in page.url and "knockout=cross-2-1" in page.url
    # nothing cut at the projector's width: the chart fits the column
    box = g.bounding_box() if g.count() else chart(page, "Step 2 wrote").bounding_box()
    main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert box["x"] + box["width"] <= main["x"] + main["width"] + 1


# --- model cards ---------------------------------------------------------------------------

def test_model_card(page, server):
    open_page(page, server, "/cards?model=reverse-lstm-attn")
    expect(page.get_by_role("heading", name="reverse-lstm-attn")).to_be_visible()
    curves = chart(page, "Training curves (3 epochs)")
    assert ticks(curves, "x") == ["1", "2", "3"]
    expect(page.get_by_text("By source length")).to_be_visible()
    expect(page.get_by_text("Generated", exact=True)).to_be_visible()
    pick(page, "Task", "Dates → ISO 8601")
    expect(page.get_by_text("Test metrics: not evaluated yet")).to_be_visible()
    expect(page.get_by_text("Training curves: not evaluated yet")).to_be_visible()


# --- presentation mode -----------------------------------------------------------------------

def test_presentation_mode_toggles_and_persists(page, server):
    page.set_viewport_size({"width": 1280, "height": 720})  # a classroom projector
    open_page(page, server, "/self-attention?model=reverse-transformer&text=hello&kind=encoder")
    hint = page.get_by_text("One colour scale for all heads.")
    expect(hint).to_be_visible()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"
    page.get_by_test_id("stSidebar").get_by_text("Presentation mode").click()
    settle(page)
    expect(page).to_have_url(re.compile(r"present=1"))
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "18px"
    expect(hint).to_have_count(0)  # hints are left out
    grid = chart(page, "every head of every layer")
    expect(grid.locator(".ytick text").first).to_have_css("font-size", "18px")  # bigger tick labels
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")  # folded away
    page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_test_id("stSidebarNav").get_by_text("Inside attention").click()  # another page
    settle(page)
    expect(page.get_by_role("heading", name="Inside attention")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/inside\?.*present=1"))
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "18px"
    expect(page.locator('[data-testid="stCaptionContainer"]:visible')).to_have_count(0)
    page.reload()  # the link reopens in presentation mode
    settle(page)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "18px"
    expect(page.get_by_test_id("stSidebar").get_by_role("switch", name="Presentation mode")).to_be_checked()


# --- README images ---------------------------------------------------------------------------
