"""Issue 14's benchmark: every figure of its table against its baseline, measured in the same
run, written to BENCHMARKS.md (between the `bench:` markers) with the machine's load.

    python scripts/bench.py                 # all sections (~4 min on 2 cores)
    python scripts/bench.py --only decode   # figures | decode | attribution | threads | start | class
    python scripts/bench.py --no-write      # print, leave BENCHMARKS.md alone

Not part of pytest: numbers, not assertions. Run it on an idle machine (the load is printed).

figures  first view of a decode (decode + figure build) at 20 x 15 and 60 x 40, bytes sent, and a
         rerun's send cost; baseline: the step figure as built before (Plotly objects, per-cell
         colour strings and hover sentences), taken from git (BEFORE) and run in the same process.
decode   a full-trace greedy decode of an 8-word en-zh sentence on 1 thread, per architecture,
         against the same step loop without the trace and one teacher-forced forward; beam 4.
attribution  issue 15: the three attributions of every step of the same sentence, per en-zh model.
threads  decoding on 1 and 2 threads, idle and with both cores busy with another process.
start    server start -> first heatmap on a deep link, and -> the home page, against a trivial
         one-heatmap Streamlit app (headless Chromium, each measured 3 times, interleaved).
class    60 students open one link within 10 s, then step 20 times (scripts/load_test.py --same-link).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BEFORE = "35cd381"  # the commit before issue 14's light figures and decoding work
SENTENCE = "The weather is very nice in Beijing today."  # 8 words
ARCHS = ("lstm", "lstm-attn", "transformer")
MARK = ("<!-- bench: start -->", "<!-- bench: end -->")


def median_ms(f, n: int = 20, warm: int = 3) -> float:
    for _ in range(warm):
        f()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def load_avg() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


# --- figures ---------------------------------------------------------------------------------

def _old_step_module():
    """seq2seq/viz/step.py as it was at BEFORE, imported beside today's (the baseline builder)."""
    src = subprocess.run(["git", "show", f"{BEFORE}:seq2seq/viz/step.py"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("seq2seq.viz._step_before", loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "seq2seq.viz"
    sys.modules[spec.name] = mod
    exec(compile(src, f"{BEFORE}:seq2seq/viz/step.py", "exec"), mod.__dict__)
    return mod


def _old_sent(fig) -> str:
    """What Streamlit did with a go.Figure on every run: to_dict (a deep copy), then JSON."""
    import plotly.io as pio

    return pio.to_json(fig.to_dict(), validate=False)


def _new_sent(fig: dict) -> str:
    """What it does now (ui/figures.plot): the cached dict as it is, then JSON."""
    import plotly.io as pio

    return pio.to_json(fig, validate=False)


def bench_figures() -> list[dict]:
    import torch

    from seq2seq import load

    torch.set_num_threads(1)
    old, model, rng = _old_step_module(), load("reverse-lstm-attn"), random.Random(0)
    return [_figure_row(model, old, T, S, rng) for T, S in ((20, 15), (60, 40))]


def _figure_row(model, old, T: int, S: int, rng) -> dict:
    from seq2seq import decode, viz
    from seq2seq.attention import cross_matrix

    src = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(S - 1))
    tgt = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(T - 1))
    trace = decode(model, src, "forced", target=tgt)
    assert (trace.steps, len(trace.src_tokens)) == (T, S)
    m = cross_matrix(trace)
    dec = median_ms(lambda: decode(model, src, "forced", target=tgt), n=10)
    new_build = median_ms(lambda: viz.step_figure(trace, m, 0, max_width=910), n=10)
    old_build = median_ms(lambda: old.step_figure(trace, m, 0, max_width=910), n=3, warm=1)
    new_fig, old_fig = viz.step_figure(trace, m, 0, max_width=910), old.step_figure(trace, m, 0, max_width=910)
    new_send, old_send = median_ms(lambda: _new_sent(new_fig)), median_ms(lambda: _old_sent(old_fig), n=5)
    return dict(size=f"{T} × {S}", decode=dec, build=new_build, old_build=old_build,
                first=dec + new_build + new_send, old_first=dec + old_build + old_send, send=new_send,
                old_send=old_send, bytes=len(_new_sent(new_fig)), old_bytes=len(_old_sent(old_fig)))


# --- decoding ----------------------------------------------------------------------------------

def bench_decode() -> list[dict]:
    import torch

    torch.set_num_threads(1)
    return [_decode_row(arch) for arch in ARCHS]


def _decode_row(arch: str) -> dict:
    import torch

    from seq2seq import decode, load
    from seq2seq.batching import pad
    from seq2seq.tokenize import BOS_ID, EOS_ID

    model = load(f"en-zh-{arch}")
    trace = decode(model, SENTENCE)
    src, mask = pad([model.src_tok.tokens_to_ids(model.src_tok.tokenize(SENTENCE)) + [EOS_ID]], model.device)
    tgt = torch.tensor([[BOS_ID] + model.tgt_tok.tokens_to_ids(trace.tgt_tokens[:-1])])

    @torch.inference_mode()
    def bare():  # the same steps, nothing recorded
        memory = model.encode(src, mask)
        state, prev = model.init_state(memory), torch.tensor([BOS_ID])
        for _ in range(trace.steps):
            logits, state, _attn = model.step(prev, state, memory)
            prev = logits.argmax(-1)

    @torch.inference_mode()
    def forward():
        model(src, mask, tgt)

    ms = interleaved({"greedy": lambda: decode(model, SENTENCE), "bare": bare, "forward": forward,
                      "beam": lambda: decode(model, SENTENCE, "beam", beam=4)}, rounds=40)
    return dict(arch=arch, steps=trace.steps, beam_steps=decode(model, SENTENCE, "beam", beam=4).steps,
                weights_mb=sum(p.numel() * p.element_size() for p in model.parameters()) / 2**20, **ms)


def interleaved(fns: dict, rounds: int = 30, warm: int = 3) -> dict:
    """Median ms of each function, called in turn round after round: a slow moment of the
    machine falls on all of them, not on one."""
    times = {name: [] for name in fns}
    for r in range(warm + rounds):
        for name, f in fns.items():
            t = time.perf_counter()
            f()
            if r >= warm:
                times[name].append(time.perf_counter() - t)
    return {name: 1e3 * statistics.median(v) for name, v in times.items()}


# --- attribution (issue 15) -------------------------------------------------------------------

def bench_attribution() -> list[dict]:
    """All three attributions of every step of the 8-word sentence, per en-zh model, 1 thread:
    medians of 10 (after a warm-up), each method and their sum."""
    import torch

    from seq2seq import decode, load
    from seq2seq.attribute import METHODS, attribute

    torch.set_num_threads(1)
    rows = []
    for arch in ARCHS:
        model = load(f"en-zh-{arch}")
        trace = decode(model, SENTENCE)
        ms = interleaved({m: (lambda m=m, model=model, trace=trace: attribute(model, trace, m)) for m in METHODS},
                         rounds=10, warm=1)
        rows.append(dict(arch=arch, steps=trace.steps, source=len(trace.src_tokens), **ms,
                         delta=float(abs(attribute(model, trace, "ig").delta).max())))
    return rows


# --- threads under load --------------------------------------------------------------------------

BUSY = "import torch\ntorch.set_num_threads(1)\na = torch.randn(512, 512)\nwhile True:\n    a @ a\n"


def bench_threads() -> list[dict]:
    rows = []
    for busy in (False, True):
        hogs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2 if busy else 0)]
        try:
            time.sleep(2 if busy else 0)
            for threads in (1, 2):
                out = subprocess.run([sys.executable, __file__, "--one-decode", str(threads)], capture_output=True,
                                     text=True, check=True, cwd=REPO).stdout
                rows.append(dict(busy=busy, threads=threads, **json.loads(out)))
        finally:
            for h in hogs:
                h.kill()
    return rows


def one_decode(threads: int):
    """In a fresh process: median ms of each architecture's greedy decode on `threads` threads."""
    import torch

    from seq2seq import decode, load

    torch.set_num_threads(threads)
    models = {arch: load(f"en-zh-{arch}") for arch in ARCHS}
    print(json.dumps({arch: median_ms(lambda m=m: decode(m, SENTENCE), n=15) for arch, m in models.items()}))


# --- cold start ----------------------------------------------------------------------------------

TRIVIAL = textwrap.dedent('''
    import numpy as np
    import plotly.graph_objects as go
    import streamlit as st
    st.set_page_config(layout="wide")
    st.title("One heatmap")
    st.plotly_chart(go.Figure(go.Heatmap(z=np.random.rand(10, 12))))
''')
DEEP = "/step?model=en-zh-transformer&text=I+like+tea."


def _first_paint(app: Path, path: str, wait_for: str) -> float:
    """Seconds from starting `streamlit run app` to `wait_for` visible at `path` in Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, free_port

    port = free_port()
    env = dict(os.environ, STREAMLIT_SERVER_HEADLESS="true", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        t0 = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
                                   "--server.headless", "true"], cwd=app.parent, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:  # the browser asks as soon as the port answers, as a user reloading would
                try:
                    page.goto(f"http://127.0.0.1:{port}{path}", timeout=2000)
                    break
                except Exception:
                    if time.perf_counter() - t0 > 60:
                        raise
                    time.sleep(0.05)
            page.wait_for_selector(wait_for, timeout=90_000)
            return time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(10)
            browser.close()


def bench_start(repeat: int = 3) -> dict:
    heat = '[data-testid="stPlotlyChart"] .heatmaplayer image, [data-testid="stPlotlyChart"] .hm'
    title = 'h1:has-text("Attention Lab")'
    table = '[data-testid="stDataFrame"] canvas'
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "trivial.py"
        trivial.write_text(TRIVIAL)
        runs = {"trivial": [], "deep": [], "home": [], "table": []}
        for _ in range(repeat):  # interleaved, so a slow moment of the machine hits all of them
            runs["trivial"].append(_first_paint(trivial, "/", heat))
            runs["deep"].append(_first_paint(REPO / "app.py", DEEP, heat))
            runs["home"].append(_first_paint(REPO / "app.py", "/", title))
            runs["table"].append(_first_paint(REPO / "app.py", "/", table))
    return {k: statistics.median(v) for k, v in runs.items()} | {"n": repeat}


# --- a class on one link ---------------------------------------------------------------------------

def bench_class() -> dict:
    out = subprocess.run([sys.executable, "scripts/load_test.py", "--same-link", "--actions", "20", "--think", "1",
                          "3"], cwd=REPO, capture_output=True, text=True, timeout=900)
    try:
        return json.loads(out.stdout)
    except ValueError:
        return {"error": (out.stderr or out.stdout)[-500:]}


# --- the report ------------------------------------------------------------------------------------

def report(res: dict, when: str, seconds: float, before: str) -> str:
    out = [MARK[0], "## Issue 14: performance, each figure against its baseline in the same run", "",
           f"`python scripts/bench.py` — run {when} ({seconds:.0f} s). Load average before the run: {before}; "
           f"{os.cpu_count()} CPU cores, no GPU, Python {platform.python_version()}.", ""]
    if "figures" in res:
        out += ["**First view of a decode** (reverse-lstm-attn, forced decoding of random letters, so the sizes are "
                "exact; 1 thread): decode + step figure + what Streamlit sends. *Before* is the step figure of "
                f"`{BEFORE}` (Plotly objects, per-cell colour strings and hover sentences), run in the same process.",
                "", "| heatmap | decode | figure: before → now | a run's send: before → now | first view: before → "
                "now | bytes: before → now |", "|---|---:|---:|---:|---:|---:|"]
        for r in res["figures"]:
            out.append(f"| {r['size']} | {r['decode']:.1f} ms | {r['old_build']:.0f} → {r['build']:.1f} ms | "
                       f"{r['old_send']:.1f} → {r['send']:.1f} ms | {r['old_first']:.0f} → **{r['first']:.0f} ms** | "
                       f"{r['old_bytes'] / 1024:.0f} → **{r['bytes'] / 1024:.0f} KB** "
                       f"({100 * (1 - r['bytes'] / r['old_bytes']):.0f} % fewer) |")
        out.append("")
    if "decode" in res:
        out += [f"**Decoding** \"{SENTENCE}\" with the shipped en-zh models, 1 thread, medians: the app's full-trace "
                "greedy decode against the same step loop recording nothing, one teacher-forced forward pass over "
                "the same output, and beam 4.", "",
                "| model | steps | weights (fp32) | full trace | bare step loop | trace overhead | forward | beam 4 "
                "(steps) | beam 4 / greedy |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in res["decode"]:
            out.append(f"| en-zh-{r['arch']} | {r['steps']} | {r['weights_mb']:.0f} MB | **{r['greedy']:.1f} ms** | "
                       f"{r['bare']:.1f} ms | {100 * (r['greedy'] / r['bare'] - 1):+.0f} % | {r['forward']:.1f} ms | "
                       f"{r['beam']:.1f} ms ({r['beam_steps']}) | {r['beam'] / r['greedy']:.2f}× |")
        out.append("")
    if "attribution" in res:
        out += [f"**Attribution** (issue 15): every step of \"{SENTENCE}\" by the three methods "
                "(`seq2seq.attribute`, integrated gradients with 32 steps), 1 thread, median of 10:", "",
                "| model | steps × source tokens | integrated gradients | gradient × input | erasure | all three | "
                "IG's largest delta |", "|---|---:|---:|---:|---:|---:|---:|"]
        for r in res["attribution"]:
            total = r["ig"] + r["grad_x_input"] + r["erasure"]
            out.append(f"| en-zh-{r['arch']} | {r['steps']} × {r['source']} | {r['ig']:.0f} ms | "
                       f"{r['grad_x_input']:.0f} ms | {r['erasure']:.0f} ms | **{total / 1000:.2f} s** | "
                       f"{r['delta']:.3f} |")
        out.append("")
    if "threads" in res:
        t = {(r["busy"], r["threads"]): r for r in res["threads"]}
        out += ["**Threads** (a fresh process per setting; *busy*: two other processes keep both cores at 100 %):", "",
                "| model | 1 thread idle | 2 threads idle | 1 thread busy | 2 threads busy | busy / idle, 1 thread |",
                "|---|---:|---:|---:|---:|---:|"]
        for a in ARCHS:
            out.append(f"| en-zh-{a} | {t[False, 1][a]:.1f} ms | {t[False, 2][a]:.1f} ms | {t[True, 1][a]:.1f} ms | "
                       f"{t[True, 2][a]:.1f} ms | {t[True, 1][a] / t[False, 1][a]:.2f}× |")
        out.append("")
    if "start" in res:
        s = res["start"]
        out += ["**Cold start** (`streamlit run`, headless Chromium at 1280 × 720 asking as soon as the port answers; "
                f"median of {s['n']}, interleaved):", "", "| | seconds | against the trivial app |", "|---|---:|---:|",
                f"| trivial one-heatmap Streamlit app → its heatmap | {s['trivial']:.2f} | 1.00× |",
                f"| Attention Lab, `{DEEP}` → the heatmap | {s['deep']:.2f} | **{s['deep'] / s['trivial']:.2f}×** |",
                f"| Attention Lab, home page → its title (the page painted) | {s['home']:.2f} | "
                f"**{s['home'] / s['trivial']:.2f}×** |",
                f"| Attention Lab, home page → the model table (a data grid) | {s['table']:.2f} | "
                f"{s['table'] / s['trivial']:.2f}× |",
                ""]
    if "class" in res:
        c = res["class"]
        out += ["**A class on one link** (`scripts/load_test.py --same-link --actions 20 --think 1 3`: 60 websocket "
                "sessions arriving over 10 s, each then stepping 20 times):", "",
                "```", json.dumps(c, indent=1, ensure_ascii=False), "```", ""]
    out.append(MARK[1])
    return "\n".join(out)


def write(text: str):
    path = REPO / "BENCHMARKS.md"
    old = path.read_text(encoding="utf-8")
    if MARK[0] in old:
        old = re.sub(re.escape(MARK[0]) + ".*?" + re.escape(MARK[1]), lambda _m: text, old, flags=re.S)
    else:
        old = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(old, encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", choices=("figures", "decode", "attribution", "threads", "start", "class"))
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--one-decode", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one_decode:
        return one_decode(args.one_decode)
    before, t0 = load_avg(), time.perf_counter()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    sections = dict(figures=bench_figures, decode=bench_decode, attribution=bench_attribution, threads=bench_threads,
                    start=bench_start, **{"class": bench_class})
    res = {}
    for name, fn in sections.items():
        if args.only and name not in args.only:
            continue
        print(f"{name} ...", file=sys.stderr, flush=True)
        res[name] = fn()
    text = report(res, when, time.perf_counter() - t0, before)
    print(text)
    if not args.no_write:
        write(text)


if __name__ == "__main__":
    main()
