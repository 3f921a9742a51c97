"""A classroom at once: N sessions against one Attention Lab server on 127.0.0.1.

    python scripts/load_test.py                    # 60 sessions (BENCHMARKS.md, "A class at once")
    python scripts/load_test.py --sessions 20 --actions 6
    python scripts/load_test.py --whatif-link      # the 40-what-if link: server CPU, and a second session
    python scripts/load_test.py --same-link --actions 20   # the whole class opens the teacher's link

Each session is a Streamlit websocket client (the browser's own protocol: BackMsg / ForwardMsg
protobufs over Streamlit's websocket, with the `websockets` package Streamlit itself needs), so 60 of them fit on two
cores beside the server. A session opens one of the README's links, then steps (the step
control's state, as the browser sends it), types a sentence, and steps again, waiting for each
run to finish. It checks that every interaction was answered by a run that finished and that
the URL the server wrote afterwards shows the step asked for; anything else is a lost
interaction. An exception element on a page is an error.

Reported: errors, lost interactions, client latency (send -> script finished) and server-side
run time (the app appends each run's time when ATTENTION_LAB_TIMING names a file) as
percentiles, and the server's peak memory (RSS) and CPU time. Bounded: --sessions at most 100,
each action waits at most --timeout seconds, the whole run at most --deadline seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect as websocket_connect  # a Streamlit dependency

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser.harness import free_port  # noqa: E402
from ui.compat import HEALTH_PATH, STREAM_PATH  # noqa: E402

# What a class is sent to: the README's step and compare links, English and Chinese.
LINKS = [
    "/step?model=en-zh-lstm-attn&text=I+like+tea.",
    "/step?model=en-zh-transformer&text=ChatGPT+is+powerful.",
    "/step?model=dates-lstm-attn&text=Tuesday,+9+May+2018",
    "/step?model=reverse-lstm-attn&text=attentionisallyouneed",
    "/step?model=en-zh-transformer&text=Tom+is+reading+a+book.&lang=zh",
    "/compare?task=reverse&text=attentionisallyouneed",
]
SENTENCES = ["I want to go home.", "Where is the station?", "She is a teacher.", "We like music.",
             "The weather is nice today.", "He reads every night."]
SCREEN = {"width": 1150, "height": 900}
STEP_KEY = "stepper."  # the step control's widget key: stepper.<page> (ui/stage.py)
TEXT_KEY = "v.{page}.text"  # the input box's widget key (ui/keys.py)


def pct(values, q) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def widget_ids(msg, out: dict):
    """Walk a protobuf message: every string field `id` of the form $$ID-<hash>-<key> -> out[key]."""
    for field, value in msg.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for v in [value] if hasattr(value, "ListFields") else list(value):
                if hasattr(v, "ListFields"):  # (a map's keys are not messages)
                    widget_ids(v, out)
        elif field.name == "id" and isinstance(value, str) and value.startswith("$$ID-"):
            out[value.split("-", 2)[2]] = value


def exceptions(msg) -> list[str]:
    """Exception elements (a traceback on the page) in a delta."""
    found = []
    if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
        el = msg.delta.new_element
        if el.WhichOneof("type") == "exception":
            found.append(el.exception.message[:200])
    return found


class Session:
    """One browser tab's worth of Streamlit protocol."""

    def __init__(self, base: str, n: int, timeout: float, cookie: str | None = None):
        self.base, self.n, self.timeout, self.cookie = base, n, timeout, cookie
        self.texts: list[str] = []  # the Markdown the pages wrote (what a reader sees, in order)
        self.ids: dict[str, str] = {}
        self.states: dict[str, object] = {}  # widget key -> (kind, value) sent with every rerun
        self.query, self.page, self.page_hash = "", "", ""
        self.session_id = None  # the server's id for this session: a reconnect resumes it
        self.latencies: list[float] = []
        self.kinds: list[str] = []  # open | step | type, one per latency
        self.errors: list[str] = []
        self.lost: list[str] = []
        self.sent = 0

    async def connect(self):
        ws_url = self.base.replace("http://", "ws://") + STREAM_PATH
        headers = {"Cookie": self.cookie} if self.cookie else None
        # Sec-WebSocket-Protocol as Streamlit's frontend sends it: "streamlit", an XSRF token, and on a
        # reconnect the session to resume (the server keeps a session a while after its socket drops)
        protocols = ["streamlit"] + (["xsrf", self.session_id] if self.session_id else [])
        self.ws = await websocket_connect(ws_url, subprotocols=protocols, max_size=256 << 20,
                                          origin=self.base, open_timeout=self.timeout, additional_headers=headers)

    async def close(self):
        await self.ws.close()

    def _back(self) -> bytes:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string, cs.page_name, cs.page_script_hash = self.query, self.page, self.page_hash
        for key, (kind, value) in self.states.items():
            if key not in self.ids:
                continue
            w = cs.widget_states.widgets.add()
            w.id = self.ids[key]
            setattr(w, kind, value)
        return msg.SerializeToString()

    async def run(self, what: str, expect_step: int | None = None) -> bool:
        """Send a rerun with the current widget states; wait until a run finishes. False (and a lost
        interaction) if none finishes in time or the URL written afterwards misses the step asked."""
        t0 = time.perf_counter()
        await self.ws.send(self._back())
        self.sent += 1
        deadline = t0 + self.timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                self.lost.append(f"{what}: no finished run within {self.timeout:.0f} s")
                return False
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except asyncio.TimeoutError:
                continue
            except websockets.ConnectionClosed:
                self.errors.append(f"{what}: the server closed the connection")
                return False
            if isinstance(raw, str):
                continue
            msg = ForwardMsg.FromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                widget_ids(msg.delta, self.ids)
                if msg.delta.WhichOneof("type") == "new_element" and msg.delta.new_element.WhichOneof("type") == \
                        "markdown":
                    self.texts.append(msg.delta.new_element.markdown.body)
                self.errors += [f"{what}: {e}" for e in exceptions(msg)]
            elif kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id
            elif kind == "navigation":  # the page this run showed, as the browser learns it
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                self.latencies.append(time.perf_counter() - t0)
                self.kinds.append(what.split()[0])
                if expect_step is not None:
                    shown = urllib.parse.parse_qs(self.query).get("step", [None])[0]
                    if shown != str(expect_step):
                        self.lost.append(f"{what}: asked for step {expect_step}, the URL shows {shown}")
                        return False
                return True

    async def open(self, link: str):
        path, _, query = link.partition("?")
        self.page, self.query = path.strip("/"), query
        self.page_hash = ""
        self.page_name = path.strip("/")
        await self.run(f"open {link}")
        self.page = ""  # later runs name the page by its hash (from new_session), as the browser's do

    async def step(self, t: int, n: int) -> bool:
        key = STEP_KEY + self.page_name
        self.states[key] = ("json_value", json.dumps({"screen": SCREEN, "step": {"t": t, "n": n}}))
        return await self.run(f"step {t}", expect_step=t)

    async def type(self, text: str) -> bool:
        self.states[TEXT_KEY.format(page=self.page_name)] = ("string_value", text)
        self.states.pop(STEP_KEY + self.page_name, None)  # a new input opens on step 0
        return await self.run(f"type {text!r}")


async def student(base: str, n: int, args, results: list, start_at: float):
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    s = Session(base, n, args.timeout)
    rng = random.Random(n)
    try:
        await s.connect()
        link = LINKS[1] if args.same_link else LINKS[n % len(LINKS)]
        await s.open(link)
        if s.page_name == "step":
            sent = 0
            for t in range(1, args.actions + 1):
                sent += 1
                await s.step(t % 4, sent)
                await asyncio.sleep(rng.uniform(*args.think))  # a student reads
            if not args.same_link and "lang=zh" not in link and not link.startswith("/step?model=dates") \
                    and not link.startswith("/step?model=reverse"):
                await s.type(rng.choice(SENTENCES))
                sent += 1
                await s.step(1, sent)
        else:
            for t in range(1, args.actions + 1):
                await s.step(t % 4, t)
                await asyncio.sleep(rng.uniform(*args.think))
    except Exception as e:  # a connection that failed is an error of the run
        s.errors.append(f"{type(e).__name__}: {e}")
    finally:
        try:
            await s.close()
        except Exception:
            pass
    results.append(s)


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(base + HEALTH_PATH, timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def watch_memory(pid: int, peak: list, stop: asyncio.Event):
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb(pid))
        await asyncio.sleep(0.25)


async def class_at_once(args) -> dict:
    timing = Path(tempfile.mkdtemp()) / "runs.jsonl"
    proc, base = start_server({"ATTENTION_LAB_TIMING": str(timing)})
    try:
        warm = Session(base, -1, args.timeout)  # load the models once, as the teacher's own tab does
        await warm.connect()
        for link in LINKS if not args.same_link else [LINKS[0]]:  # --same-link: the class's link is new
            await warm.open(link)
        await warm.close()
        warm_lines = [json.loads(line) for line in timing.read_text().splitlines() if line.strip()]
        warm_made = {k: max((line.get(k, 0) for line in warm_lines), default=0) for k in ("decodes", "figures")}
        timing.write_text("")
        peak, stop = [rss_mb(proc.pid)], asyncio.Event()
        watcher = asyncio.ensure_future(watch_memory(proc.pid, peak, stop))
        cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
        results: list[Session] = []
        starts = [t0 + args.ramp * i / max(1, args.sessions - 1) for i in range(args.sessions)]
        await asyncio.wait_for(asyncio.gather(*(student(base, i, args, results, starts[i])
                                                for i in range(args.sessions))), args.deadline)
        wall, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
        stop.set()
        await watcher
        lines = [json.loads(line) for line in timing.read_text().splitlines() if line.strip()]
        server = [line["seconds"] for line in lines]
        made = {k: max((line.get(k, 0) for line in lines), default=0) - warm_made.get(k, 0)
                for k in ("decodes", "figures")}
    finally:
        proc.terminate()
        proc.wait(10)
    client = [x for s in results for x in s.latencies]
    return {
        "sessions": args.sessions, "interactions": sum(s.sent for s in results),
        "errors": [e for s in results for e in s.errors], "lost": [x for s in results for x in s.lost],
        "client_ms": {q: round(1000 * pct(client, q)) for q in (50, 95, 99)} | {"max": round(1000 * max(client))},
        "client_ms_by_action": {
            kind: {q: round(1000 * pct(v, q)) for q in (50, 95)} | {"n": len(v)}
            for kind in ("open", "step", "type")
            if (v := [x for s in results for x, k in zip(s.latencies, s.kinds) if k == kind])},
        "server_ms": {q: round(1000 * pct(server, q)) for q in (50, 95, 99)} | {"max": round(1000 * max(server)),
                                                                                "runs": len(server)},
        "server_rss_mb_peak": round(peak[0]), "server_cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
        "made_during_the_run": made,  # decodes and figures the server built (after the teacher's warm-up)
    }


def whatif_url(words: str) -> str:
    """The link of issue 13: 1,000 characters, beam 10, the same what-if repeated 40 times."""
    text = urllib.parse.quote_plus((words * 40)[:1000])
    tokens = ("我你他她它们是在有的了不人这那个天" * 3)[:40]
    return "/step?model=en-zh-transformer&strategy=beam&beam=10&text=" + text + "".join(
        f"&whatif=0:{urllib.parse.quote(w)}" for w in tokens)


async def whatif_link(args) -> dict:
    """The 40-what-if link of issue 13: the server CPU it takes (alone), and a second session's
    step latency while another such link loads, against that session's latency when idle."""
    proc, base = start_server({})
    try:
        other = Session(base, 1, args.timeout)
        await other.connect()
        await other.open(LINKS[0])
        idle = []
        for t in range(1, 11):
            await other.step(t % 4, t)
            idle.append(other.latencies[-1])
        heavy = Session(base, 2, args.timeout)
        await heavy.connect()
        link = whatif_url("The weather is nice today and we all go out to see the sea. ")
        cpu0 = cpu_seconds(proc.pid)
        await heavy.open(link)
        cpu_open = cpu_seconds(proc.pid) - cpu0
        cpu1 = cpu_seconds(proc.pid)
        await heavy.step(1, 1)  # one step on that page: the decodes come from the store
        cpu_step = cpu_seconds(proc.pid) - cpu1
        kept = urllib.parse.parse_qs(heavy.query).get("whatif", [])
        second = Session(base, 3, args.timeout)  # another such link (other words: decoded afresh)
        await second.connect()
        task = asyncio.ensure_future(second.open(whatif_url("My brother reads a long book about old ships. ")))
        busy, n = [], 11
        while not task.done():
            await other.step(n % 4, n)
            busy.append(other.latencies[-1])
            n += 1
        await task
        errors = heavy.errors + other.errors + second.errors
        lost = heavy.lost + other.lost + second.lost
    finally:
        proc.terminate()
        proc.wait(10)
    return {"link_whatifs": link.count("whatif="), "whatifs_kept": len(kept),
            "server_cpu_s_open": round(cpu_open, 2), "server_cpu_s_one_step": round(cpu_step, 2),
            "open_s": round(heavy.latencies[0], 2),
            "other_step_ms_idle_median": round(1000 * statistics.median(idle)),
            "other_step_ms_during_median": round(1000 * statistics.median(busy)) if busy else None,
            "other_steps_during": len(busy), "errors": errors, "lost": lost}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=60)
    p.add_argument("--actions", type=int, default=6, help="steps each session takes (then types and steps once)")
    p.add_argument("--ramp", type=float, default=10.0, help="seconds over which the sessions arrive")
    p.add_argument("--think", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"),
                   help="seconds a student looks at a step before the next action")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds one interaction may take")
    p.add_argument("--deadline", type=float, default=600.0, help="seconds the whole run may take")
    p.add_argument("--whatif-link", action="store_true", help="measure the 40-what-if link instead")
    p.add_argument("--same-link", action="store_true", help="every session opens the same link (a class)")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= 100:
        p.error("--sessions must be 1 to 100")
    report = asyncio.run(whatif_link(args) if args.whatif_link else class_at_once(args))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if report["errors"] or report.get("lost") else 0


if __name__ == "__main__":
    sys.exit(main())
