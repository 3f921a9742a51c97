"""The real app in headless Chromium, on the shipped models in checkpoints/.

One Streamlit server for the whole module. Every test asserts on what a user sees:
input values, Streamlit metrics and captions, and the Plotly heatmap's SVG (tick
labels, title, the outlined row of the current step, the highlighted top-k bar).
Every test leaves a full-page screenshot in tests/screenshots/<test name>.png (not
tracked); the README's pictures are made by `python scripts/screenshots.py`.

Run one at a time while training runs beside it:
    pytest tests/browser/test_browser.py -x -q -k NAME
A test whose checkpoint folder lacks its config or weights fails with the folder named.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.browser.harness import MEASURED, REPO, app_server, browser, missing

if missing():
    pytest.skip(missing(), allow_module_level=True)

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser

# The shipped models, named explicitly: in a full `pytest` run test_app.py's session fixture
# points ATTENTION_LAB_CHECKPOINTS at tiny untrained models, and the server inherits os.environ.
CHECKPOINTS = REPO / "checkpoints"
SHOTS = REPO / "tests" / "screenshots"
WIDTH = 1400
TIMEOUT = 60_000  # ms: the CI machine may be training models on every core
expect.set_options(timeout=TIMEOUT)
HIGHLIGHT = "rgb(228, 87, 46)"  # viz.HIGHLIGHT: the current step's outline and the chosen top-k bar
CJK = re.compile(r"[\u3400-\u9fff]")

DATE = "9 May 2018"
DATE_OUT = "2018-05-09"
DATE_ROWS = ["2", "0", "1", "8", "-", "0", "5", "-", "0", "9", "</s>"]
DATE_COLS = ["9", "␣", "M", "a", "y", "␣", "2", "0", "1", "8", "</s>"]
ARCHS = ("lstm", "lstm-attn", "transformer")
ALL_MODELS = [f"{task}-{arch}" for task in ("en-zh", "dates", "reverse") for arch in ARCHS]
EXAMPLE = {"en-zh": "I like tea.", "dates": "Tuesday, 9 May 2018", "reverse": "attention"}


def shipped(name: str) -> bool:
    folder = CHECKPOINTS / name
    return (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()


def need(*names: str):
    absent = [n for n in names if not shipped(n)]
    if absent:
        pytest.fail(f"shipped checkpoints/{', '.join(absent)} missing: needs config.json and model.safetensors")


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    if not shipped("dates-lstm-attn"):
        pytest.fail("shipped checkpoints/dates-lstm-attn is missing: the browser tests drive the shipped models")
    with app_server(checkpoints=CHECKPOINTS, timeout=120) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with browser(WIDTH, 900) as page:
        yield page.context.browser


@pytest.fixture
def page(chromium, request):
    """A fresh tab (its own Streamlit session); a full-page screenshot named after the test at the end."""
    context = chromium.new_context(viewport={"width": WIDTH, "height": 900})
    context.add_init_script(script=COUNT_RUNS_JS)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT)
    yield tab
    try:
        screenshot(tab, SHOTS / (re.sub(r"[^\w.-]+", "_", request.node.name).strip("_") + ".png"))
    finally:
        context.close()


# --- helpers -----------------------------------------------------------------------------

def screenshot(page, path: Path):
    """The whole page: Streamlit scrolls inside stMain, so grow the viewport to its height first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.mouse.move(page.viewport_size["width"] - 2, 2)  # no hover tooltip left over from the last click
    size = page.viewport_size
    height = page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
                                      return Math.ceil(m ? m.scrollHeight : document.body.scrollHeight); }""")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 12_000))})
    page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


# Streamlit marks the app element data-test-script-state="running" / "notRunning" (its own e2e
# tests use it); count the runs, so that an action can wait for the run it caused. A record's new
# value is the next record's oldValue (the attribute may have changed again before the observer
# ran: a fast run under load flips running -> notRunning inside one batch).
COUNT_RUNS_JS = """(() => {
  window.__stRuns = 0;
  new MutationObserver(records => {
    records.forEach((r, i) => {
      const later = records.slice(i + 1).find(x => x.target === r.target);
      const value = later ? later.oldValue : r.target.getAttribute('data-test-script-state');
      if (value === 'running' && r.oldValue !== 'running') window.__stRuns++;
    });
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
})();"""

SETTLED_JS = """quiet => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app && app.dataset.testScriptState === 'notRunning' && app.dataset.testConnectionState === 'CONNECTED';
  // __stBefore: the run count when an action started (absent in a freshly loaded document). A run
  // the observer missed (the browser starved under load) cannot hang the test: 8 s idle will do.
  const missed = idle && performance.now() - (window.__stActAt ?? 0) > 8000;
  // the step control measures the column after a run and may report it (one more run): wait for it
  if (!idle || !MEASURED || (window.__stRuns <= (window.__stBefore ?? 0) && !missed)) {
    window.__stQuietSince = null; return false;
  }
  window.__stQuietSince = window.__stQuietSince ?? performance.now();
  return performance.now() - window.__stQuietSince >= quiet;
}""".replace("MEASURED", MEASURED)


def settle(page, quiet_ms: int = 500):
    """Wait until the script has run since the page loaded (or since the last `act`), has finished,
    and no new run has started for quiet_ms."""
    page.wait_for_function(SETTLED_JS, arg=quiet_ms, polling=100, timeout=TIMEOUT)


def act(page, action):
    """Do something that makes Streamlit rerun the script; return when that run is done."""
    page.evaluate("() => { window.__stBefore = window.__stRuns; window.__stQuietSince = null;"
                  " window.__stActAt = performance.now(); }")
    action()
    settle(page)


def open_page(page, server, path: str):
    page.goto(server + path)
    settle(page)
    no_error(page)


def no_error(page):
    """No exception box and no traceback anywhere on the page."""
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "Traceback" not in page.locator('[data-testid="stApp"]').inner_text()


def chart(page, scope: str = '[data-testid="stMain"]', n: int = 0):
    """The n-th Plotly chart under `scope`, once its heatmap has tick labels."""
    g = page.locator(f'{scope} [data-testid="stPlotlyChart"] .js-plotly-plot').nth(n)
    expect(g.locator(".ytick text").first).to_be_attached(timeout=TIMEOUT)
    return g


VIEW_JS = """(g, hl) => {
  const text = el => el ? el.textContent : null;
  const mid = r => (r.top + r.bottom) / 2;
  // the outlined row: the step the chart shows
  const box = [...g.querySelectorAll('.shapelayer path')].find(p => p.style.stroke === hl);
  let row = null, rowIndex = null;
  if (box) {
    const r = box.getBoundingClientRect();
    [...g.querySelectorAll('.ytick text')].forEach((t, i) => {
      if (Math.abs(mid(t.getBoundingClientRect()) - mid(r)) < r.height / 2) { row = t.textContent; rowIndex = i; }
    });
  }
  // the highlighted bar of the top-k panel: the chosen token
  const bar = [...g.querySelectorAll('.barlayer .point')].find(p => p.querySelector('path')?.style.fill === hl);
  const title = text(g.querySelector('.gtitle'));
  const step = title && /step (\\d+)/.exec(title);
  return {row, rowIndex, title, step: step ? Number(step[1]) : null,
          bar: bar ? text(bar.querySelector('.bartext')) : null,
          rows: [...g.querySelectorAll('.ytick text')].map(text),
          cols: [...g.querySelectorAll('.xtick text')].map(text)};
}"""


def view(g) -> dict:
    """What the chart shows: title, its step, the outlined row's label, the chosen top-k bar, tick labels."""
    return g.evaluate(VIEW_JS, HIGHLIGHT)


def until(read, check, timeout: float = TIMEOUT / 1000, what: str = ""):
    """Poll read() until check(value) holds; fail with the last value seen."""
    end, last = time.monotonic() + timeout, None
    while True:
        try:
            last = read()
            if check(last):
                return last
        except PlaywrightError as e:  # e.g. a chart being replaced by a rerun: try again
            last = f"error: {e.message.splitlines()[0]}"
        if time.monotonic() > end:
            raise AssertionError(f"{what or 'condition'} not met in {timeout:.0f} s; last seen: {last!r}")
        time.sleep(0.1)


def shows_step(g, t: int, row: str | None = None, timeout: float = TIMEOUT / 1000) -> dict:
    """Wait until the chart shows step t (title and outlined row, whose label is `row` if given)."""

    def ok(v):  # the title names step t and the outline sits on row t (every row has a label here)
        return v["step"] == t and v["rowIndex"] == t and (row is None or v["row"] == row)

    return until(lambda: view(g), ok, timeout, f"chart at step {t}" + (f" (row {row!r})" if row else ""))


def metric(page, label: str):
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def button(page, key: str):
    """A Streamlit button by its key (Streamlit renders a hidden twin of each: take the visible one)."""
    return page.locator(f".st-key-{key.replace('.', '-')} button:visible")


def step_slider_value(page, page_name: str = "step"):
    """The step control's slider (ui/stage.py; its value is the step shown)."""
    return page.locator(f".st-key-stepper-{page_name} .al-slider")


def step_button(page, which: str, page_name: str = "step"):
    """A button of the step control: first, back, next, last or play."""
    return page.locator(f".st-key-stepper-{page_name} .al-{which}")


def type_text(page, text: str):
    box = page.get_by_label("Input", exact=True)
    assert box.input_value() != text, "typing the same text would not rerun the app"
    act(page, lambda: (box.fill(text), box.press("Enter")))


def click_chart_slider(g, t: int, page_name: str = "step"):
    """Move the step control's slider to step t, as a user dragging it would."""
    step_slider_value(g.page, page_name).fill(str(t))


def play_steps(g, until_step: int, timeout: float = 60) -> list[int]:
    """Click ▶ play; the steps the chart title goes through, until `until_step` is shown."""
    # a chart that a rerun is redrawing has no title for a moment: such reads are not steps
    seen = [until(lambda: view(g), lambda v: v["step"] is not None, what="a chart with a step")["step"]]
    step_button(g.page, "play").click()
    end = time.monotonic() + timeout
    while seen[-1] != until_step and time.monotonic() < end:
        try:
            s = view(g)["step"]
        except PlaywrightError:  # the chart is being replaced
            s = None
        if s is not None and s != seen[-1]:
            seen.append(s)
        time.sleep(0.05)
    return seen


def alert(page, kind: str):
    """Streamlit alerts: kind is info, warning, error or success."""
    return page.locator(f'[data-testid="stAlertContent{kind.capitalize()}"]')


# --- every page --------------------------------------------------------------------------

def test_home_page(page, server):
    open_page(page, server, "/")
    expect(page.get_by_role("heading", name="Attention Lab", exact=True)).to_be_visible()
    nav = page.locator('[data-testid="stSidebarNavLink"]')
    for name in ("Home", "Step through decoding", "Compare architectures"):  # other pages may come
        expect(nav.filter(has_text=name)).to_be_visible()
    # the diagram is a real image, the zoo table is drawn, the credits are links
    img = page.locator('[data-testid="stImage"] img').first
    expect(img).to_be_visible()
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    table = page.locator('[data-testid="stDataFrame"]').first
    expect(table.locator("canvas").first).to_be_visible()
    # the grid draws on a canvas; its accessible table holds the same cells
    models = [n for n in ALL_MODELS if shipped(n)]
    listed = until(lambda: table.locator("tbody tr td:first-child").all_text_contents(),
                   lambda names: set(models) <= set(names), what="every shipped model in the zoo table")
    column = table.locator("thead th").all_text_contents().index("status") + 1  # the grid draws what fits
    statuses = table.locator(f"tbody tr td:nth-child({column})").all_text_contents()
    assert set(statuses) <= {"ready", "weights missing"} and len(statuses) == len(listed), statuses
    expect(page.get_by_role("link", name="Tatoeba")).to_have_attribute("href", "https://tatoeba.org")
    expect(page.get_by_text("CC-BY 2.0 France").first).to_be_visible()
    expect(alert(page, "error")).to_have_count(0)
    no_error(page)


def test_home_link_opens_the_step_page(page, server):
    open_page(page, server, "/")
    # "Where to start" opens the step page on that model and input
    act(page, page.locator('[data-testid="stPageLink"]').filter(has_text="Watch a date model").click)
    expect(page.get_by_role("heading", name="Step through decoding")).to_be_visible()
    expect(page.get_by_label("Input", exact=True)).to_have_value("Wednesday, 9 May 2018")
    expect(page).to_have_url(re.compile(r"/step\?.*model=dates-lstm-attn"))
    v = shows_step(chart(page), 0, "2")
    assert v["rows"] == DATE_ROWS
    no_error(page)


def test_navigation_keeps_each_page_as_left(page, server):
    open_page(page, server, "/step?model=dates-lstm-attn&text=20.07.1969")
    expect(metric(page, "Chosen token")).to_have_text("1")
    act(page, page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Compare architectures").click)
    expect(page.get_by_role("heading", name="Compare architectures")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/compare\?"))
    chart(page)
    no_error(page)
    act(page, page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Step through decoding").click)
    expect(page.get_by_label("Input", exact=True)).to_have_value("20.07.1969")
    assert view(chart(page))["rows"][:4] == ["1", "9", "6", "9"]
    act(page, page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Home").click)
    expect(page.get_by_role("heading", name="Attention Lab", exact=True)).to_be_visible()
    no_error(page)


# --- step through decoding ---------------------------------------------------------------

def test_step_type_decode_and_step_with_buttons(page, server):
    open_page(page, server, "/step?model=dates-lstm-attn")
    type_text(page, DATE)
    expect(page).to_have_url(re.compile(r"text=9\+May\+2018"))
    expect(page.get_by_text(f"output: {DATE_OUT}")).to_be_visible()
    g = chart(page)
    v = shows_step(g, 0, "2")
    assert v["rows"] == DATE_ROWS and v["cols"] == DATE_COLS
    assert v["bar"].startswith("2 ") and "wrote 2" in v["title"]
    expect(metric(page, "Chosen token")).to_have_text("2")

    for t in (1, 2, 3):
        step_button(page, "next").click()
        expect(step_slider_value(page)).to_have_value(str(t))
    expect(metric(page, "Chosen token")).to_have_text("8")
    expect(page.get_by_text("Step 3 — output so far: 2 0 1 8")).to_be_visible()
    expect(page).to_have_url(re.compile(r"step=3"))
    v = shows_step(g, 3, "8")
    assert v["bar"].startswith("8 ") and "wrote 8" in v["title"]

    step_button(page, "back").click()
    expect(metric(page, "Chosen token")).to_have_text("1")
    shows_step(g, 2, "1")
    step_button(page, "last").click()
    expect(metric(page, "Chosen token")).to_have_text("</s>")
    assert shows_step(g, 10, "</s>")["bar"].startswith("</s> ")
    step_button(page, "first").click()
    expect(step_slider_value(page)).to_have_value("0")
    shows_step(g, 0, "2")
    expect(page).to_have_url(re.compile(r"step=0"))
    no_error(page)


def test_step_in_chart_slider_and_play(page, server):
    open_page(page, server, "/step?model=dates-lstm-attn&text=9+May+2018&step=0")
    g = chart(page)
    shows_step(g, 0, "2")

    click_chart_slider(g, 5)
    v = shows_step(g, 5, "0", timeout=10)
    assert v["bar"].startswith("0 ") and "wrote 0" in v["title"] and "output so far: 2 0 1 8 - 0" in v["title"]
    # stepping happens in the browser, and Python follows: the metric and the link say step 5
    expect(metric(page, "Chosen token")).to_have_text("0")
    expect(page).to_have_url(re.compile(r"step=5"))

    click_chart_slider(g, 2)
    shows_step(g, 2, "1", timeout=10)

    seen = play_steps(g, 10)  # ▶ play goes on from the step shown, one frame per step
    assert seen == list(range(2, 11)), seen
    v = shows_step(g, 10, "</s>", timeout=5)
    assert v["bar"].startswith("</s> ")
    no_error(page)


def test_play_starts_from_the_step_the_chart_opened_on(page, server):
    open_page(page, server, "/step?model=dates-lstm-attn&text=9+May+2018&step=5")
    g = chart(page)
    shows_step(g, 5, "0")
    seen = play_steps(g, 10)
    assert seen == list(range(5, 11)), seen


def test_reload_restores_the_view(page, server):
    open_page(page, server, "/step?model=dates-lstm-attn&text=9+May+2018&step=3")

    def restored(t: int, token: str, row: str):
        expect(page.get_by_label("Input", exact=True)).to_have_value(DATE)
        expect(step_slider_value(page)).to_have_value(str(t))
        expect(metric(page, "Chosen token")).to_have_text(token)
        expect(page.locator('[data-testid="stMarkdownContainer"]').filter(
            has_text=re.compile(rf"^Step {t} — output so far"))).to_be_visible()
        shows_step(chart(page), t, row)
        expect(page.get_by_role("radio", name="LSTM + attention (Luong)")).to_be_checked()

    restored(3, "8", "8")
    step_button(page, "next").click()
    expect(page).to_have_url(re.compile(r"step=4"))
    link = page.url
    page.reload()
    settle(page)
    restored(4, "-", "-")
    # the link in a new tab (a new session) opens the same view
    other = page.context.new_page()
    try:
        other.goto(link)
        settle(other)
        expect(metric(other, "Chosen token")).to_have_text("-")
        shows_step(chart(other), 4, "-")
    finally:
        other.close()
    no_error(page)


def test_empty_input_asks_for_a_sentence(page, server):
    open_page(page, server, "/step?model=dates-lstm-attn&text=9+May+2018")
    chart(page)
    type_text(page, "")
    expect(alert(page, "info")).to_have_text("Type a sentence (or pick an example) to decode.")
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(0)
    expect(alert(page, "error")).to_have_count(0)
    no_error(page)
    open_page(page, server, "/compare?task=dates&text=")
    expect(alert(page, "info").first).to_have_text("Type a sentence (or pick an example) to decode.")
    expect(alert(page, "error")).to_have_count(0)
    no_error(page)


@pytest.mark.parametrize("model", ["dates-lstm-attn", "en-zh-transformer"])
def test_html_in_the_input_is_shown_literally(page, server, model):
    need(model)
    text = "<b>x</b> 9 May 2018" if model.startswith("dates") else "<b>x</b> I like tea."
    open_page(page, server, f"/step?model={model}&text=9")
    chart(page)
    type_text(page, text)
    expect(page.get_by_label("Input", exact=True)).to_have_value(text)
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator("b", has_text="x")).to_have_count(0)  # never rendered as bold
    source = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Source as the model reads it")
    expect(source).to_contain_text("<")
    expect(source).to_contain_text(">")
    g = chart(page)
    cols = until(lambda: view(g)["cols"], lambda c: any(x.startswith("<") for x in c), what="'<' on the x axis")
    assert any(x.startswith(">") or "b>" in x for x in cols), cols
    assert g.locator(".xtick tspan[style*='bold']").count() == 0  # Plotly draws a parsed <b> as a bold tspan
    no_error(page)
    open_page(page, server, f"/compare?task={model.split('-')[0]}&text=" + text.replace(" ", "+"))
    expect(page.get_by_label("Input", exact=True)).to_have_value(text)
    expect(main.locator("b", has_text="x")).to_have_count(0)
    chart(page)
    no_error(page)


def test_dates_lstm_attn_normalises_a_date(page, server):
    open_page(page, server, "/step?model=dates-lstm-attn&text=Tuesday,+9+May+2018&gold=1")
    expect(page.get_by_text(f"output: {DATE_OUT}")).to_be_visible()
    g = chart(page)
    v = shows_step(g, 0, "2")
    assert v["cols"][:3] == ["T", "u", "e"] and v["rows"] == DATE_ROWS
    expect(g.locator(".legendtext").filter(has_text="true alignment")).to_have_count(1)
    expect(page.get_by_text(re.compile(r"of this view's attention falls on the true source tokens"))).to_be_visible()


def test_en_zh_transformer_writes_chinese(page, server):
    need("en-zh-transformer")
    open_page(page, server, "/step?model=en-zh-transformer&text=Hello.")
    type_text(page, "I like tea.")
    g = chart(page)
    v = until(lambda: view(g), lambda v: any(c.lower().startswith("tea") for c in v["cols"]), what="'tea' on x")
    rows = [r.rsplit(" ·", 1)[0] for r in v["rows"]]
    assert any(CJK.search(r) for r in rows), rows
    assert rows[-1] == "</s>", rows
    # the Transformer's layer and head pickers
    expect(page.get_by_role("combobox", name="Layer")).to_have_value(re.compile(r"^layer \d+ of \d+$"))
    expect(page.get_by_role("radio", name="mean over heads")).to_be_checked()
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="output:")
    expect(caption).to_contain_text(CJK)
    no_error(page)


def test_reverse_lstm_attn_reverses_a_word(page, server):
    need("reverse-lstm-attn")
    open_page(page, server, "/step?model=reverse-lstm-attn")
    type_text(page, "attention")
    expect(page.get_by_text("output: noitnetta")).to_be_visible()
    g = chart(page)
    v = until(lambda: view(g), lambda v: len(v["rows"]) == 10, what="10 output rows")
    assert "".join(r.rsplit(" ·", 1)[0] for r in v["rows"][:-1]) == "noitnetta"
    assert [c.rsplit(" ·", 1)[0] for c in v["cols"]] == list("attention") + ["</s>"]
    click_chart_slider(g, 8)
    assert shows_step(g, 8, "a", timeout=10)["bar"].startswith("a ")


@pytest.mark.parametrize("model", ALL_MODELS)
def test_every_shipped_model_opens(page, server, model):
    need(model)
    task, arch = model.split("-", 1) if not model.startswith("en-zh") else ("en-zh", model[6:])
    text = EXAMPLE[task]
    open_page(page, server, f"/step?model={model}&text={text.replace(' ', '+')}")
    expect(page.get_by_text(f"Model {model} on")).to_be_visible()
    g = chart(page)
    v = shows_step(g, 0)
    assert len(v["rows"]) >= 2, v
    if arch == "lstm":
        expect(page.get_by_text("This model has no attention.")).to_be_visible()
        assert v["cols"][0] == "c0", v["cols"][:3]
    else:
        assert v["cols"][-1] == "&lt;/s&gt;" or v["cols"][-1] == "</s>", v["cols"]
    if arch == "transformer":
        expect(page.get_by_role("combobox", name="Layer")).to_have_value(re.compile(r"^layer \d+ of \d+$"))
    expect(alert(page, "error")).to_have_count(0)
    no_error(page)


# --- compare architectures ---------------------------------------------------------------

def test_compare_page_steps_all_models_together(page, server):
    need("dates-lstm", "dates-lstm-attn")
    open_page(page, server, "/compare?task=dates&text=9+May+2018")
    archs = [a for a in ARCHS if shipped(f"dates-{a}")]
    labels = {"lstm": "LSTM (no attention)", "lstm-attn": "LSTM + attention (Luong)", "transformer": "Transformer"}
    for a in archs:
        expect(page.get_by_role("heading", name=labels[a], exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text=f"Output: {DATE_OUT}").first).to_be_visible()
    attn = chart(page, ".st-key-compare-fig-lstm-attn")
    plain = chart(page, ".st-key-compare-fig-lstm")
    v = shows_step(attn, 0, "2")
    assert v["cols"] == DATE_COLS
    # (read once the chart has its ticks: a rerun may be redrawing it)
    until(lambda: view(plain)["cols"], lambda cols: cols[:1] == ["c0"], what="the plain LSTM's c0, c1, ... columns")
    for t in (1, 2):
        step_button(page, "next", "compare").click()
        expect(step_slider_value(page, "compare")).to_have_value(str(t))
    expect(page).to_have_url(re.compile(r"/compare\?.*step=2"))
    shows_step(attn, 2, "1")
    until(lambda: view(plain)["rowIndex"], lambda r: r == 2, what="plain LSTM at step 2")
    # quality by length: a chart where any model has metrics.json, else the "not evaluated" note
    expect(page.get_by_role("heading", name="Quality by source length (test set)")).to_be_visible()
    no_error(page)


def test_a_links_unusable_values_are_said_and_stay_until_the_view_moves(page, server):
    """The notice was popped by the run that showed it; the browser's next run (its screen size)
    wiped it before anyone could read it."""
    need("dates-lstm-attn")
    open_page(page, server, "/step?model=dates-lstm-attn&text=9+May+2018&step=abc&colour=red")
    chart(page)
    page.wait_for_timeout(1500)  # the reruns after a load (screen size, step control) have run
    notice = alert(page, "warning").filter(has_text="cannot use")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("step=abc")
    expect(notice).to_contain_text("colour=red")
    act(page, lambda: step_button(page, "next").click())
    expect(notice).to_have_count(0)
    no_error(page)
