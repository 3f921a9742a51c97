"""Start the real app and drive it in Debian's headless Chromium (Playwright).

Used by the browser tests and by scripts/bench_stepping.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ui.compat import HEALTH_PATH

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(checkpoints: str | os.PathLike | None = None, timeout: float = 60, env: dict | None = None):
    """Run `streamlit run app.py` on a free loopback port (with `env` added to its environment);
    yield its base URL."""
    port = free_port()
    env = {**os.environ, **(env or {})}
    if checkpoints:
        env["ATTENTION_LAB_CHECKPOINTS"] = str(checkpoints)
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + HEALTH_PATH, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"streamlit did not start: {out[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def browser(width: int = 1400, height: int = 900):
    """A Playwright page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = b.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            b.close()


# The script has finished, the app is connected, and no step control still has to measure the column
# (its report would start one more run: see ui/components/stepper.js).
MEASURED = "((window.__alResizedAt ?? 0) <= (window.__alMeasuredAt ?? 0))"
READY = """() => { const a = document.querySelector('[data-testid="stApp"]');
                   return a && a.dataset.testScriptState === 'notRunning'
                          && a.dataset.testConnectionState === 'CONNECTED'
                          && MEASURED; }""".replace("MEASURED", MEASURED)


def wait_idle(page, timeout: float = 60_000, quiet_ms: int = 400):
    """Wait until Streamlit has finished running the script: the app element says
    data-test-script-state="notRunning" (what Streamlit's own e2e tests read) and stays so."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_timeout(quiet_ms)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
