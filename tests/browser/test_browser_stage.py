"""The stage, in headless Chromium: one step control that steps the chart in the browser by
buttons, slider and keys (a presentation clicker sends PageDown / PageUp), with Python
following; presentation mode at 1280x720 with control, heatmap and current token on one
screen; exports named by the step they show; the what-if result beside its buttons.
Screenshots land in tests/screenshots/stage_*.png (not tracked): look at them."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import missing

if missing():
    pytest.skip(missing(), allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_browser import (  # noqa: E402  (the fixtures and helpers of the main browser file)
    SHOTS,
    chart,
    chromium,  # noqa: F401  (a fixture)
    metric,
    need,
    no_error,
    open_page,
    page,  # noqa: F401  (a fixture)
    screenshot,
    server,  # noqa: F401  (a fixture)
    settle,
    shows_step,
    step_button,
    step_slider_value,
    until,
    view,
)

pytestmark = pytest.mark.browser

REVERSE = "/step?model=reverse-lstm-attn&text=abcdefghi"  # 10 x 10: 9 letters + </s>, reversed
OUTPUT = "ihgfedcba"

# Where things are on the screen, and whether any text of the page is cut off.
GEOMETRY_JS = """() => {
  const rect = el => { if (!el) return null; const r = el.getBoundingClientRect();
                       return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width}; };
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const cs = getComputedStyle(main);
  const column = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const stage = document.querySelector('.st-key-stage-step .js-plotly-plot');
  const host = document.querySelector('.st-key-stepper-step');
  const shadow = [...host.querySelectorAll('*')].map(e => e.shadowRoot).find(Boolean);
  const inStepper = sel => (shadow || host).querySelector(sel);
  const clipped = [];
  const buttons = [...document.querySelectorAll('button')].concat(shadow ? [...shadow.querySelectorAll('button')] : []);
  for (const b of buttons) {
    const r = b.getBoundingClientRect();
    if (r.width && r.height && b.scrollWidth > b.clientWidth + 1) clipped.push(b.textContent.trim().slice(0, 30));
  }
  return {column, viewport: [innerWidth, innerHeight],
          heatmap: rect(stage.querySelector('.nsewdrag[data-subplot="xy"]')),
          buttons: ['first', 'back', 'next', 'last'].map(w => rect(inStepper('.al-' + w))),
          token: rect(inStepper('.al-what')), tokenText: inStepper('.al-what').textContent,
          clipped};
}"""


def inside(r, w, h) -> bool:
    return r is not None and r["left"] >= 0 and r["top"] >= 0 and r["right"] <= w and r["bottom"] <= h


def test_presentation_keys_step_the_whole_stage_on_one_projector_screen(chromium, server):  # noqa: F811
    need("reverse-lstm-attn")
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    tab = context.new_page()
    try:
        open_page(tab, server, REVERSE + "&present=1")
        g = chart(tab, ".st-key-stage-step")
        shows_step(g, 0, "i")
        for _ in range(3):
            tab.keyboard.press("ArrowRight")
        v = shows_step(g, 3, "f", timeout=5)  # the heatmap's outline and title, in the browser
        assert v["bar"].startswith("f "), v  # the top-k bars: the chosen token highlighted
        expect(metric(tab, "Chosen token")).to_have_text("f")  # Python follows: the metrics ...
        expect(tab).to_have_url(re.compile(r"[?&]step=3(&|$)"))  # ... and the link
        until(lambda: tab.evaluate("() => document.querySelector('.st-key-stage-step .js-plotly-plot')"
                                   "._context.toImageButtonOptions.filename"),
              lambda name: name.endswith("-step-3"), what="the camera export named by its step")
        geo = tab.evaluate(GEOMETRY_JS)
        w, h = geo["viewport"]
        assert inside(geo["heatmap"], w, h), geo  # heatmap, step buttons and current token on one screen
        assert all(inside(b, w, h) for b in geo["buttons"]), geo
        assert inside(geo["token"], w, h) and "f" in geo["tokenText"], geo
        assert geo["heatmap"]["width"] >= 0.55 * geo["column"], geo  # the heatmap fills the projector
        assert geo["clipped"] == [], geo  # no button's text cut off
        screenshot(tab, SHOTS / "stage_present_1280.png")
        # a presentation clicker: PageDown / PageUp; Home / End jump
        tab.keyboard.press("PageDown")
        shows_step(g, 4, "e", timeout=5)
        tab.keyboard.press("End")
        shows_step(g, 9, timeout=5)
        tab.keyboard.press("PageUp")
        shows_step(g, 8, "a", timeout=5)
        tab.keyboard.press("Home")
        shows_step(g, 0, "i", timeout=5)
        expect(metric(tab, "Chosen token")).to_have_text("i")
        no_error(tab)
    finally:
        context.close()


def test_buttons_and_slider_step_in_the_browser_and_python_follows(page, server):  # noqa: F811
    need("reverse-lstm-attn")
    open_page(page, server, REVERSE + "&step=2")
    g = chart(page, ".st-key-stage-step")
    shows_step(g, 2, "g")  # the link's step
    expect(step_slider_value(page)).to_have_value("2")
    step_button(page, "next").click()
    step_button(page, "next").click()
    shows_step(g, 4, "e", timeout=5)
    expect(metric(page, "Chosen token")).to_have_text("e")
    expect(page).to_have_url(re.compile(r"step=4"))
    step_slider_value(page).fill("7")
    shows_step(g, 7, "b", timeout=5)
    expect(page.get_by_text("Step 7 — output so far: i h g f e d c b")).to_be_visible()
    # the chart has no slider or play button of its own (nor has any picture exported from it)
    assert g.locator(".slider-container, .updatemenu-button").count() == 0
    no_error(page)


def test_keys_are_left_to_a_text_box_being_typed_in(page, server):  # noqa: F811
    need("reverse-lstm-attn")
    open_page(page, server, REVERSE)
    g = chart(page, ".st-key-stage-step")
    shows_step(g, 0)
    box = page.get_by_label("Input", exact=True)
    box.click()
    box.press("ArrowRight")
    box.press("End")
    page.wait_for_timeout(600)
    assert view(g)["step"] == 0 and "step=0" in page.url
    no_error(page)


def test_a_what_if_shows_its_result_beside_its_buttons(page, server):  # noqa: F811
    need("reverse-lstm-attn")
    open_page(page, server, REVERSE + "&step=1")
    expect(metric(page, "Chosen token")).to_have_text("h")
    page.locator(".st-key-b-step-whatif-0 button:visible").click()
    result = page.locator(".st-key-branch-step")
    expect(result).to_be_visible()
    expect(result).to_contain_text("Original")
    expect(result).to_contain_text(OUTPUT)
    expect(result).to_contain_text("This branch")
    original = result.get_by_text("Original", exact=False).first.bounding_box()
    branch = result.get_by_text("This branch", exact=False).first.bounding_box()
    assert abs(original["y"] - branch["y"]) < 4 and branch["x"] > original["x"]  # side by side
    whatif = page.get_by_text("What if it had written…").bounding_box()
    box = result.bounding_box()
    assert box["y"] - (whatif["y"] + whatif["height"]) < 200  # right under the buttons that made it
    screenshot(page, SHOTS / "stage_whatif.png")
    no_error(page)


FORMULAS_CUT_JS = """() => [...document.querySelectorAll('.katex-display')]
  .filter(d => d.getBoundingClientRect().width > 0 && d.scrollWidth > d.clientWidth + 4)
  .map(d => d.querySelector('annotation') ? d.querySelector('annotation').textContent : d.textContent)"""


@pytest.mark.parametrize("present", ["0", "1"])
def test_no_formula_of_the_inside_page_is_cut_at_1280(chromium, server, present):  # noqa: F811
    need("dates-lstm-attn")
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    tab = context.new_page()
    try:
        open_page(tab, server, f"/inside?model=dates-lstm-attn&text=9+May+2018&step=3&present={present}")
        expect(tab.locator(".katex-display").first).to_be_visible()
        assert tab.evaluate(FORMULAS_CUT_JS) == []  # e.g. p(y_t) = softmax(W_o tanh(W_c [c_t; s_t])) was
        no_error(tab)
    finally:
        context.close()


def download(tab, selector: str, timeout: int):
    """Click a download button and return the Download. A click that lands while a rerun replaces
    the button (under load, the browser's screen report can rerun the page after it settled)
    starts nothing: click again, at most three times."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        try:
            with tab.expect_download(timeout=timeout if attempt == 2 else min(timeout, 20_000)) as got:
                tab.locator(selector).click()
            return got.value
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            settle(tab)
    raise AssertionError("unreachable")


def test_the_exported_step_through_works_offline_and_the_gif_has_a_frame_per_step(chromium, server, tmp_path):  # noqa: F811
    need("reverse-lstm-attn")
    from PIL import Image

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    try:
        open_page(tab, server, REVERSE)
        page_file = tmp_path / "step-through.html"
        download(tab, ".st-key-b-step-html button:visible", 30_000).save_as(page_file)
        gif_file = tmp_path / "decode.gif"
        got = download(tab, ".st-key-b-step-gif button:visible", 120_000)
        got.save_as(gif_file)
    finally:
        context.close()
    assert got.suggested_filename.endswith(".gif")
    with Image.open(gif_file) as gif:
        assert gif.n_frames == len(OUTPUT) + 1  # one per step: 9 letters and </s>

    offline = chromium.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    tab = offline.new_page()
    asked = []
    tab.on("request", lambda r: asked.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    try:
        tab.goto(page_file.as_uri())
        g = tab.locator("#chart.js-plotly-plot")
        expect(g.locator(".gtitle")).to_contain_text("step 0")
        for _ in range(3):
            tab.keyboard.press("ArrowRight")
        expect(g.locator(".gtitle")).to_contain_text("step 3")
        expect(g.locator(".gtitle")).to_contain_text("wrote f")
        tab.keyboard.press("End")
        expect(g.locator(".gtitle")).to_contain_text("step 9")
        tab.keyboard.press("PageUp")
        expect(g.locator(".gtitle")).to_contain_text("step 8")
        assert asked == []  # nothing fetched from any network
        screenshot(tab, SHOTS / "stage_export_offline.png")
    finally:
        offline.close()


# Text cut off (a button narrower than its text), and charts drawn over themselves: a colour bar
# outside its chart or over a plot area, a title wider than its chart.
CUT_JS = """() => {
  const bad = [];
  const roots = [document, ...[...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)];
  for (const root of roots)
    for (const b of root.querySelectorAll('button, [data-testid="stWidgetLabel"] p')) {
      const r = b.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      if (b.scrollWidth > b.clientWidth + 1) bad.push('cut: ' + b.textContent.trim().slice(0, 30));
      // ... or cut by a box around it that hides what overflows (a segmented control in a narrow column)
      for (let a = b.parentElement; a && a !== document.body; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'visible') continue;
        const ar = a.getBoundingClientRect();
        if (r.right > ar.right + 1 || r.left < ar.left - 1)
          bad.push('cut by its box: ' + b.textContent.trim().slice(0, 30));
        break;
      }
    }
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const g of document.querySelectorAll('.js-plotly-plot')) {
    const box = g.getBoundingClientRect();
    const plots = [...g.querySelectorAll('.nsewdrag')].map(p => p.getBoundingClientRect());
    for (const c of g.querySelectorAll('.colorbar')) {
      const r = c.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1) bad.push('colour bar outside its chart');
      if (plots.some(p => hit(p, r))) bad.push('colour bar over a plot area');
    }
    for (const t of g.querySelectorAll('.gtitle')) {
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1))
        bad.push('title cut: ' + t.textContent.slice(0, 30));
    }
  }
  return bad;
}"""


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("path", [
    "/step?model=en-zh-transformer&text=ChatGPT+is+powerful.&strategy=forced&target=ChatGPT很强大。",
    "/compare?task=reverse&text=attentionisallyouneed&step=10",
    "/inside?model=dates-lstm-attn&text=9+May+2018&step=3",
])
def test_nothing_is_cut_off_or_drawn_over(chromium, server, size, path):  # noqa: F811
    need("en-zh-transformer", "reverse-lstm", "dates-lstm-attn")
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    tab = context.new_page()
    try:
        open_page(tab, server, path)  # the sidebar open: the narrowest main column
        expect(tab.locator(".js-plotly-plot").first).to_be_visible()
        # once the charts are drawn at the width the browser reported (the first run draws them at a
        # default width and the step control's report redraws them: a moment in between is not a layout)
        until(lambda: tab.evaluate(CUT_JS), lambda bad: bad == [], timeout=10, what=f"nothing cut on {path}")
        no_error(tab)
    finally:
        context.close()


def test_the_step_control_numbers_a_long_decode_without_crowding(page, server):  # noqa: F811
    need("reverse-lstm-attn")
    open_page(page, server, "/step?model=reverse-lstm-attn&text=neuralmachinetranslationbyjointlylearnin")
    host = page.locator(".st-key-stepper-step")
    labels = host.locator(".al-ticks span")
    expect(labels.first).to_be_attached()
    # the numbers and their boxes read in one go: the control redraws its numbers when the charts report their
    # width, and a label read between two draws has no box
    read = "spans => spans.map(s => { const r = s.getBoundingClientRect(); return [s.textContent, r.left, r.right]; })"
    ticks = until(lambda: labels.evaluate_all(read), lambda got: got and all(r > x for _, x, r in got), timeout=10,
                  what="the slider's numbers drawn")
    numbers = [int(t) for t, _, _ in ticks]
    assert 5 <= len(numbers) <= 25 and numbers[0] == 0 and numbers[-1] >= 30, numbers  # past 24 steps: numbered
    assert all(a[2] < b[1] for a, b in zip(ticks, ticks[1:])), f"slider numbers overlap: {ticks}"
