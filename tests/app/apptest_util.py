"""Helpers shared by the AppTest files: start the app, check a page, read its charts and texts."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT = 120  # generous: the CI machine may be busy


def start(page=None, **query) -> AppTest:
    """Run the app (home first, as a browser would), then open `page` with `query` in the URL."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if page:
        at.query_params.update(query)
        at.switch_page(page).run()
    return at


def ok(at: AppTest):
    """No exception element, no traceback anywhere on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in json.dumps([str(e.proto) for e in at.main])


def step_to(at: AppTest, t: int, page: str = "step") -> AppTest:
    """What the step control does once the browser has moved to step t: Python's step is t
    (ui/stage.py; the control itself runs in the browser, see tests/browser)."""
    at.session_state[f"v.{page}.step"] = t
    at.run()
    ok(at)
    return at


def charts(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def arr(v):
    """A Plotly JSON array as numpy: a (nested) list with None as NaN, or a typed array {"dtype", "bdata", "shape"}."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v.get("shape", len(a))).split(",")])
    if v and isinstance(v[0], list):
        return np.array([[np.nan if x is None else x for x in row] for row in v], dtype=float)
    if v and all(x is None or isinstance(x, (int, float)) for x in v):
        return np.array([np.nan if x is None else x for x in v], dtype=float)
    return np.asarray(v)


def texts(at):
    """Every text a user reads in markdown-ish elements and subheaders (main area)."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader"):
        out += [e.value for e in getattr(at, kind)]
    return "\n".join(out)
