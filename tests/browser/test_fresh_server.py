"""A deep link as a fresh server's very first request opens the app, not a lone page.

Streamlit runs a page file on its own (no router, no shared sidebar, no wide layout) when
the app has a `pages/` folder and st.navigation has not run yet in the process (see
ui/compat.py). Every other browser test opens "/" first, so only this one would notice.
"""

from __future__ import annotations

import pytest
from conftest import make_tiny_checkpoints

from tests.browser.harness import app_server, browser, missing, wait_idle

if missing():
    pytest.skip(missing(), allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

TIMEOUT = 90_000
HEATMAP_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
                   .some(g => (g.data || []).some(t => t.type === 'heatmap'))"""


@pytest.mark.parametrize("path", ["/step?model=reverse-lstm-attn&text=abcdef&step=2",
                                  "/self-attention?model=reverse-transformer&text=abc&kind=encoder"])
def test_first_request_is_a_deep_link(tmp_path, path):
    root = make_tiny_checkpoints(tmp_path / "checkpoints", tasks=("reverse",))
    with app_server(checkpoints=root, timeout=120) as url, browser(1280, 720) as page:
        page.set_default_timeout(TIMEOUT)
        page.goto(url + path)  # the server's first page request: only its health endpoint was polled
        wait_idle(page, TIMEOUT)
        sidebar = page.locator('[data-testid="stSidebar"]')
        # the router ran: the shared sidebar and every page of the app in its navigation
        expect(sidebar.get_by_text("Presentation mode")).to_have_count(1, timeout=TIMEOUT)
        for title in ("Home", "Step through decoding", "Compare architectures", "Model cards"):
            expect(page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True)).to_have_count(1)
        expect(page.locator('[data-testid="stMainBlockContainer"] h1')).not_to_have_text("App")
        page.wait_for_function(HEATMAP_JS, timeout=TIMEOUT)  # the page's own content: a heatmap
        assert "unexpected problem" not in page.locator('[data-testid="stMain"]').inner_text()
