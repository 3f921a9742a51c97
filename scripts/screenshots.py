"""The README's pictures, docs/img/*.png, from the shipped models in a real server and Debian's
headless Chromium (never run by pytest: the tests leave tracked files alone).

    python scripts/screenshots.py              # all of them
    python scripts/screenshots.py step inside  # some of them

step.png            the stage: /step in presentation mode on a 1280 x 720 projector, exactly the screen a
                    class sees -- en-zh-lstm-attn on the article's "ChatGPT is powerful.", words merged
step_zh.png         the same stage in Chinese (lang=zh)
compare.png         /compare at 1920 px, the three reverse models on 21 letters (the plain LSTM wrong), step 10
self_attention.png  /self-attention, the masked decoder self-attention of en-zh-transformer (1400 px)
inside.png          /inside, one cross-attention head of en-zh-transformer, its formulas and numbers (1400 px)
explain.png         /explain, the article's sentence: attention beside three attributions, one head knocked out
timeline.png        /training, reverse-lstm-attn's timeline: its curve, one input at every snapshot (1280 px)
arrangements.png    /compare, dates-lstm-attn (Luong) beside dates-lstm-bahdanau (the article's), one date
train.png           /train, a reversal model training live (a job started here, in a temporary user folder)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser.harness import app_server, browser, missing, wait_idle  # noqa: E402

OUT = REPO / "docs" / "img"
WIDTH = 1400
TIMEOUT = 120_000
TEA = "model=en-zh-transformer&text=I+would+like+a+cup+of+tea."
# name -> (path, text the clip starts at or None for the whole page, chart title the clip ends at or None)
SEED = "model=en-zh-lstm-attn&text=ChatGPT+is+powerful.&step=4&words=1&present=1"
SHOTS = {
    "step": (f"/step?{SEED}", None, None),
    "compare": ("/compare?task=reverse&text=attentionisallyouneed&step=10", "Task", "test-set exact by source length"),
    "self_attention": (f"/self-attention?{TEA}&kind=decoder&step=4&layer=2&head=2", "Task", "· layer 2 · head 2"),
    "inside": (f"/inside?{TEA}&kind=cross&step=2&layer=2&head=1", "Attention in one head", None),
    "step_zh": (f"/step?{SEED}&lang=zh", None, None),
    "explain": ("/explain?model=en-zh-transformer&text=ChatGPT+is+powerful.&step=2&knockout=cross-2-1",
                "Step 2: where it looked, and what mattered", "Quality with one head knocked out"),
    "timeline": ("/training?model=reverse-lstm-attn&text=attentionisallyouneed&snapshot=2", "Training time",
                 "· wrote"),
    "arrangements": ("/compare?task=dates&archs=lstm-attn%2Clstm-bahdanau&text=Wednesday%2C+9+May+2018&step=6",
                     "Task", "· wrote"),
    "train": ("/train?job={job}", None, None),
}
WIDTHS = {"compare": 1920, "timeline": 1280}  # the others: WIDTH
STAGE = {"step": (1280, 720), "step_zh": (1280, 720)}  # the projector's screen, as it is: no scrolling
BOTTOM_JS = """title => {
  const boxes = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')]
    .filter(e => !title || [...e.querySelectorAll('.gtitle')].some(t => t.textContent.includes(title)))
    .map(e => e.getBoundingClientRect()).filter(r => r.height > 0);
  return Math.max(...boxes.map(r => r.bottom));
}"""
CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                          .every(c => c.querySelector('.main-svg'))"""


def start_job() -> str:
    """A reversal model training in the server's user folder (train.png), 40 s in."""
    import time

    from seq2seq import jobs

    job = jobs.submit(jobs.JobSpec(task="reverse", arch="lstm-attn", minutes=2, name="my-reverse", probe="attention"))
    end = time.time() + 300
    while time.time() < end:
        evs = jobs.events(job)
        steps = [e for e in evs if e["event"] == "step"]
        if steps and steps[-1]["seconds"] > 40 and any(e["event"] == "probe" for e in evs):
            return job
        time.sleep(1)
    raise RuntimeError("the training job did not get going")


def shoot(page, url: str, name: str):
    path, start, end = SHOTS[name]
    if name == "train":
        job = start_job()
        page.set_viewport_size({"width": WIDTH, "height": 1000})
        page.goto(url + path.format(job=job))
        wait_idle(page, TIMEOUT)
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=TIMEOUT)
        page.wait_for_timeout(2500)
        page.mouse.move(WIDTH - 2, 2)
        page.screenshot(path=str(OUT / f"{name}.png"))
        from seq2seq import jobs

        jobs.cancel(job)
        print(f"wrote {OUT / f'{name}.png'}")
        return
    if name in STAGE:
        page.set_viewport_size(dict(zip(("width", "height"), STAGE[name])))
        page.goto(url + path)
        wait_idle(page, TIMEOUT)
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=TIMEOUT)
        page.wait_for_timeout(1500)
        wait_idle(page, TIMEOUT)
        page.mouse.move(STAGE[name][0] - 2, STAGE[name][1] - 2)  # no hover tooltip in the picture
        page.screenshot(path=str(OUT / f"{name}.png"))
        print(f"wrote {OUT / f'{name}.png'}")
        return
    width = WIDTHS.get(name, WIDTH)
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(url + path)
    wait_idle(page, TIMEOUT)
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=TIMEOUT)
    if end:  # the chart the picture ends at is drawn (a busy machine sends the page's end later)
        page.wait_for_function("t => [...document.querySelectorAll('.gtitle')].some(e => e.textContent.includes(t))",
                               arg=end, timeout=TIMEOUT)
    page.mouse.move(width - 2, 2)  # no hover tooltip in the picture
    full = page.evaluate("""() => Math.ceil(document.querySelector('[data-testid="stMain"]').scrollHeight)""")
    page.set_viewport_size({"width": width, "height": min(full, 6000)})
    page.wait_for_timeout(1000)
    top = 0
    if start:
        top = max(0, page.locator('[data-testid="stMain"]').get_by_text(start, exact=True).first
                  .bounding_box()["y"] - 16)
    bottom = page.evaluate(BOTTOM_JS, end) + 16 if (start or end) else min(full, 6000)
    page.screenshot(path=str(OUT / f"{name}.png"), clip={"x": 0, "y": top, "width": width, "height": bottom - top})
    print(f"wrote {OUT / f'{name}.png'}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help=f"pictures to make (default: all of {', '.join(SHOTS)})")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in SHOTS]
    if unknown:
        ap.error(f"unknown picture {', '.join(unknown)}: choose from {', '.join(SHOTS)}")
    why = missing()
    if why:
        sys.exit(f"cannot take screenshots: {why}")
    OUT.mkdir(parents=True, exist_ok=True)
    import os
    import tempfile

    os.environ["ATTENTION_LAB_USER_MODELS"] = tempfile.mkdtemp(prefix="attention-lab-shots-")  # server and jobs
    with app_server(checkpoints=REPO / "checkpoints", timeout=120) as url, browser(WIDTH, 1000) as page:
        page.set_default_timeout(TIMEOUT)
        for name in args.names or SHOTS:
            shoot(page, url, name)


if __name__ == "__main__":
    main()
