"""The app in Chinese, in headless Chromium: a Chinese browser opens it in Chinese, `lang=zh`
survives a page switch and a reload, and the step and compare pages in Chinese fit a
1280x720 projector and a 1920x1080 screen (no label cut off or running out of its box).
Screenshots land in tests/screenshots/zh_*.png (not tracked): look at them."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import missing

if missing():
    pytest.skip(missing(), allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_browser import (  # noqa: E402  (the fixtures and helpers of the main browser file)
    CJK,
    COUNT_RUNS_JS,
    SHOTS,
    TIMEOUT,
    act,
    chart,
    chromium,  # noqa: F401  (a fixture)
    no_error,
    open_page,
    page,  # noqa: F401  (a fixture)
    screenshot,
    server,  # noqa: F401  (a fixture)
    settle,
)

pytestmark = pytest.mark.browser

STEP_ZH = "/step?model=en-zh-transformer&text=ChatGPT+is+powerful.&step=1&words=1&lang=zh"
COMPARE_ZH = "/compare?task=en-zh&text=ChatGPT+is+powerful.&step=2&lang=zh"

# Text boxes whose content is wider than the box (cut off or spilling out): labels, buttons,
# metrics, captions, tabs, the sidebar's links; and chart titles wider than their chart.
OVERFLOW_JS = """() => {
  const sel = ['[data-testid="stWidgetLabel"]', '[data-testid="stMetricLabel"]', '[data-testid="stMetricValue"]',
               'button p', '[data-testid="stSidebarNavLink"] span', '[role="tab"] p',
               '[data-testid="stCaptionContainer"]', '[data-testid="stHeadingWithActionElements"] h1'];
  const bad = [];
  for (const el of document.querySelectorAll(sel.join(','))) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      bad.push(el.textContent.trim().slice(0, 40));
  }
  for (const g of document.querySelectorAll('.js-plotly-plot')) {
    const box = g.getBoundingClientRect();
    for (const t of g.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text')) {
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1))
        bad.push('chart: ' + t.textContent.slice(0, 40));
    }
  }
  return bad;
}"""


def new_tab(chromium, width, height, locale=None):  # noqa: F811
    context = chromium.new_context(viewport={"width": width, "height": height}, locale=locale)
    context.add_init_script(script=COUNT_RUNS_JS)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT)
    return context, tab


def nav(tab, name):
    return tab.locator('[data-testid="stSidebarNavLink"]').filter(has_text=name)


def test_a_chinese_browser_opens_the_app_in_chinese(chromium, server):  # noqa: F811
    context, tab = new_tab(chromium, 1280, 720, locale="zh-CN")
    try:
        open_page(tab, server, "/")
        expect(tab).to_have_url(re.compile(r"lang=zh"))
        expect(nav(tab, "逐步解码")).to_be_visible()
        expect(tab.get_by_role("heading", name="模型库")).to_be_visible()
        screenshot(tab, SHOTS / "zh_home_first_visit.png")
    finally:
        context.close()
    context, tab = new_tab(chromium, 1280, 720, locale="en-US")
    try:
        open_page(tab, server, "/")
        expect(tab).to_have_url(re.compile(r"lang=en"))
        expect(nav(tab, "Step through decoding")).to_be_visible()
    finally:
        context.close()


def test_lang_zh_survives_a_page_switch_and_a_reload(page, server):  # noqa: F811
    open_page(page, server, "/step?model=dates-lstm-attn&text=9+May+2018&lang=zh")
    expect(page.get_by_role("heading", name="逐步解码")).to_be_visible()
    act(page, nav(page, "比较架构").click)
    expect(page.get_by_role("heading", name="比较架构")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/compare\?.*lang=zh"))
    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="比较架构")).to_be_visible()
    expect(nav(page, "逐步解码")).to_be_visible()
    no_error(page)


def test_the_sidebar_switches_the_language(page, server):  # noqa: F811
    open_page(page, server, "/step?model=dates-lstm-attn&text=9+May+2018&lang=en")
    act(page, page.locator('[data-testid="stSidebar"]').get_by_text("中文", exact=True).click)
    expect(page.get_by_role("heading", name="逐步解码")).to_be_visible()
    expect(page).to_have_url(re.compile(r"lang=zh"))
    expect(page).to_have_url(re.compile(r"model=dates-lstm-attn"))  # the pickers keep their choice
    expect(page.get_by_label("输入", exact=True)).to_have_value("9 May 2018")  # the view stays as it was
    act(page, page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click)
    expect(page.get_by_role("heading", name="Step through decoding")).to_be_visible()
    expect(page).to_have_url(re.compile(r"model=dates-lstm-attn.*lang=en|lang=en.*model=dates-lstm-attn"))
    no_error(page)


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("name, path", [("step", STEP_ZH), ("compare", COMPARE_ZH)])
def test_chinese_pages_fit_the_screen(chromium, server, name, path, width, height):  # noqa: F811
    context, tab = new_tab(chromium, width, height)
    try:
        open_page(tab, server, path)
        g = chart(tab)
        assert CJK.search(g.locator(".gtitle").first.text_content())  # the chart speaks Chinese too
        assert not tab.evaluate(OVERFLOW_JS)
        tab.screenshot(path=str(SHOTS / f"zh_{name}_{width}x{height}.png"))  # what the room sees first
        screenshot(tab, SHOTS / f"zh_{name}_{width}x{height}_full.png")
    finally:
        context.close()
