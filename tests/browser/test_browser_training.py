"""Watch attention form (/training) and Train a model (/train) in the real app, in headless
Chromium at a projector's 1280 x 720: a timeline from a link, the slider moving it, a bad
upload refused with its line named, and a training job followed live and cancelled.

    pytest tests/browser/test_browser_training.py -x -q
"""

from __future__ import annotations

import re

import pytest
from conftest import make_tiny_checkpoints

from seq2seq.train import TrainConfig, train
from tests.browser.harness import READY, REPO, app_server, browser, missing, wait_idle

if missing():
    pytest.skip(missing(), allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser
TIMEOUT = 90_000
expect.set_options(timeout=TIMEOUT)
SHOTS = REPO / "tests" / "screenshots"
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_tiny_checkpoints(tmp_path_factory.mktemp("training-checkpoints"))
    train(TrainConfig(task="reverse", arch="lstm-attn", out=root / "reverse-lstm-attn", train_size=300, epochs=2,
                      batch=32, threads=1, model={"emb": 16, "hidden": 32, "attn_dim": 16}, quiet=True,
                      timeline=True, overwrite=True))
    users = tmp_path_factory.mktemp("user-models")
    with app_server(checkpoints=root, timeout=120, env={"ATTENTION_LAB_USER_MODELS": str(users)}) as url:
        yield url


@pytest.fixture
def page(server, request):
    with browser(1280, 720) as tab:
        tab.set_default_timeout(TIMEOUT)
        tab.goto(server + "/")
        settle(tab)
        yield tab
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")), full_page=True)


def settle(page):
    page.wait_for_timeout(300)
    wait_idle(page, TIMEOUT)
    page.wait_for_function(READY, polling=100, timeout=TIMEOUT)


def no_error(page):
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "Traceback" not in page.locator('[data-testid="stApp"]').inner_text()


def test_a_timeline_link_shows_every_snapshot_and_the_slider_moves_it(page, server):
    page.goto(server + "/training?model=reverse-lstm-attn&text=abcd&snapshot=1")
    settle(page)
    no_error(page)
    expect(page.get_by_role("heading", name="Watch attention form")).to_be_visible()
    expect(page.get_by_text("The same input at every snapshot")).to_be_visible()
    charts = page.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(3, timeout=TIMEOUT)
    # every panel of the strip fits the main column at a projector's width
    main = page.locator('[data-testid="stMain"]').bounding_box()
    strip = charts.nth(1).bounding_box()
    assert strip["x"] >= main["x"] and strip["x"] + strip["width"] <= main["x"] + main["width"] + 1
    assert "snapshot=1" in page.url
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("End")  # the final model
    settle(page)
    page.wait_for_function("() => location.search.includes('snapshot=') && !location.search.includes('snapshot=1&')",
                           timeout=TIMEOUT)
    no_error(page)
    expect(page.get_by_text("(final model)").first).to_be_visible()


def test_a_bad_upload_is_refused_with_its_first_bad_line_named(page, server, tmp_path):
    page.goto(server + "/train")
    settle(page)
    page.get_by_text("Your sentence pairs").click()
    settle(page)
    bad = tmp_path / "pairs.tsv"
    bad.write_text("a cat\tun chat\n" * 60 + "no tab on this line\n" + "a dog\tun chien\n" * 10, encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    settle(page)
    page.get_by_role("button", name="Start training").click()
    settle(page)
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("line 61")
    expect(error).to_contain_text("two tab-separated columns")
    assert "job=" not in page.url
    no_error(page)


def test_a_job_is_followed_live_and_cancelled(page, server):
    page.goto(server + "/train")
    settle(page)
    page.get_by_role("textbox", name="Model name").fill("browser-reverse")
    page.get_by_role("textbox", name="Model name").press("Enter")
    settle(page)
    page.get_by_role("button", name="Start training").click()
    settle(page)
    assert "job=" in page.url
    expect(page.get_by_text(re.compile("browser-reverse: .* — (waiting|training)"))).to_be_visible()
    # the progress bar moves on its own (the page polls the job's files every second)
    expect(page.get_by_text(re.compile(r"s of 120 s trained"))).to_be_visible(timeout=TIMEOUT)
    url = page.url
    page.reload()  # the job is in the link: a reload finds it
    settle(page)
    assert page.url == url
    expect(page.get_by_text(re.compile(r"s of 120 s trained"))).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Cancel").click()
    settle(page)
    expect(page.get_by_text("Cancelled.")).to_be_visible()
    no_error(page)
