"""Two replicas behind nginx (deploy/nginx.conf), on loopback: a session's runs stay on one
replica, also across a reconnect, and a shared link opens the same view through either."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.harness import REPO, free_port
from ui.compat import HEALTH_PATH

sys.path.insert(0, str(REPO / "scripts"))
import load_test  # noqa: E402  (the load test's Streamlit websocket client)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LINK = "/step?model=dates-lstm-attn&text=Tuesday,+9+May+2018"

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(),
                                reason="nginx is not installed (apt-get install nginx)")


def wait_healthy(base: str, proc: subprocess.Popen, what: str):
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + HEALTH_PATH, timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited: {proc.stdout.read().decode(errors='replace')[-2000:]}") from None
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two replicas (each logging its runs) and nginx with the README's config, ports rewritten."""
    tmp = tmp_path_factory.mktemp("replicas")
    ports, procs, logs = [free_port(), free_port()], [], []
    try:
        for i, port in enumerate(ports):
            logs.append(tmp / f"runs-{i}.jsonl")
            logs[-1].write_text("")
            env = {**os.environ, "ATTENTION_LAB_TIMING": str(logs[-1])}
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT))
        front = free_port()
        conf = (REPO / "deploy" / "nginx.conf").read_text()
        for old, new in (("127.0.0.1:8501", f"127.0.0.1:{ports[0]}"), ("127.0.0.1:8502", f"127.0.0.1:{ports[1]}"),
                         ("listen 8080", f"listen 127.0.0.1:{front}"), ("/tmp/attention-lab-nginx", str(tmp / "ngx"))):
            conf = conf.replace(old, new)
        (tmp / "nginx.conf").write_text(conf)
        procs.append(subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        for i, port in enumerate(ports):
            wait_healthy(f"http://127.0.0.1:{port}", procs[i], f"replica {i}")
        base = f"http://127.0.0.1:{front}"
        wait_healthy(base, procs[-1], "nginx")
        yield base, logs
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def runs(logs) -> list[int]:
    return [len(log.read_text().splitlines()) for log in logs]


def browser_cookie(base: str) -> str:
    """Load the page as a browser would first; the routing cookie nginx set."""
    jar = http.cookiejar.CookieJar()
    urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(base + LINK, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    assert "al_route" in cookies, "nginx set no routing cookie"
    return f"al_route={cookies['al_route']}"


async def visit(base: str, cookie: str, steps: int, reconnect: bool = False):
    s = load_test.Session(base, 0, 60, cookie=cookie)
    await s.connect()
    await s.open(LINK)
    s.opened = list(s.texts)  # what the link showed
    for t in range(1, steps + 1):
        await s.step(t, t)
    if reconnect:  # the websocket drops (a laptop lid, a Wi-Fi blip) and the browser connects again
        await s.close()
        await s.connect()
        await s.step(steps + 1, steps + 1)
    await s.close()
    return s


def test_each_session_stays_on_one_replica_and_a_link_opens_the_same_view_on_either(cluster):
    base, logs = cluster
    served, views = set(), {}
    for attempt in range(16):  # fresh browsers until both replicas have served one
        cookie = browser_cookie(base)
        before = runs(logs)
        s = asyncio.run(visit(base, cookie, steps=3, reconnect=attempt < 2))
        grown = [a - b for a, b in zip(runs(logs), before)]
        assert not s.errors and not s.lost, (s.errors, s.lost)
        assert sorted(grown)[0] == 0, f"one session's runs went to both replicas: {grown}"
        replica = grown.index(max(grown))
        assert max(grown) == s.sent, (grown, s.sent)  # every run of the session, on that replica
        served.add(replica)
        views.setdefault(replica, (s.opened, json.dumps(sorted(s.ids)), s.query))
        if served == {0, 1} and attempt >= 2:
            break
    assert served == {0, 1}, "nginx sent every browser to one replica"
    first, second = views[0], views[1]
    assert first[1] == second[1]  # the same widgets
    assert first[0] == second[0] and any("2018" in t for t in first[0])  # the same words, in the same order
