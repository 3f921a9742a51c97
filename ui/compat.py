"""Everything the app knows about Streamlit beyond its documented API, in one place.

Checked on Streamlit 1.67 (requirements.txt pins `>=1.67,<1.68`); `check()` says so in the
server's log when another version runs.

1. Deep links on a fresh server. Streamlit treats an app with a folder named `pages/`
   beside its main script as an old-style multipage app until `st.navigation` has run
   once in the process: a fresh server's first request for /step would run the page file
   on its own, without app.py (no router, no shared sidebar, no wide layout). Earlier
   versions of this app flipped a private flag to undo that. Now the page files live in
   `views/`, so Streamlit never enters that mode and every request runs app.py, which
   routes with st.navigation -- no private API. `check()` refuses to start with a
   `pages/` folder back beside app.py, and tests/browser's fresh-server test opens a deep
   link as a server's first request.
2. The health endpoint the test harness and benchmarks poll before they connect
   (`HEALTH_PATH`): not part of the documented API.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

CHECKED = "1.67"  # the Streamlit minor version this module was checked on
HEALTH_PATH = "/_stcore/health"  # 200 once the server accepts sessions
STREAM_PATH = "/_stcore/stream"  # the websocket a browser session speaks over (scripts/load_test.py)
LEGACY_PAGES = "pages"  # a folder of this name beside the main script switches on the old multipage mode

log = logging.getLogger(__name__)


def legacy_pages_folder(app_dir: Path) -> Path | None:
    """The folder that would put Streamlit in its old multipage mode, if there is one."""
    folder = Path(app_dir) / LEGACY_PAGES
    return folder if folder.is_dir() else None


def version_note(version: str = st.__version__) -> str | None:
    """A sentence for the log when Streamlit is not the version this module was checked on."""
    if version == CHECKED or version.startswith(CHECKED + "."):
        return None
    return (f"Streamlit {version} runs, but ui/compat.py was checked on {CHECKED}: run "
            "`pytest -m 'app or browser'` and update CHECKED and requirements.txt.")


def check(app_dir: Path):
    """Called by app.py on every run: stop with a clear message if a `pages/` folder has
    appeared beside it (deep links on a fresh server would break), and log a version note."""
    from seq2seq.i18n import _  # here: importing this module (the test harness does) loads no seq2seq

    note = version_note()
    if note:
        log.warning(note)
    folder = legacy_pages_folder(app_dir)
    if folder is not None:
        st.error(_("A folder named `{name}/` sits beside app.py ({folder}). Streamlit then treats the app "
                   "as an old-style multipage app and deep links break on a fresh server: keep page files in "
                   "`views/` (see ui/compat.py).").format(name=LEGACY_PAGES, folder=folder))
        st.stop()


def session_id() -> str | None:
    """The id Streamlit gives this run's session (None outside a run), for the app's run log."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None
