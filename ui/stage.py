"""The stage: the one step control of the stepping pages, and the screen their charts are
sized by.

`stepper` mounts ui/components/stepper.{html,css,js} (Streamlit's custom components v2:
inline, no build step, no iframe). Stepping happens in the browser: the component moves the
Plotly charts already on the page from their frames (First / Back / Next / Last, its slider,
▶ play, and the keys ← → PageUp PageDown Home End, which a presentation clicker sends), and
tells Python the step shown once the stepping pauses (a state value): the page's metrics,
what-if buttons, downloads and link then follow. The figures a page sends must not change
when only the step does (figures.step_figure keys them without the step), or every step
would redraw the chart from scratch.

It also reports the main column's width and the window's height (`screen()`), so that a
page can size its heatmaps to fill the screen it is shown on.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from seq2seq.attention import clamp_step
from seq2seq.i18n import _
from seq2seq.subword import display

from .keys import Q_STEP, SCREEN, k
from .shell import presenting

_HERE = Path(__file__).resolve().parent / "components"
_STEPPER = st.components.v2.component(
    "attention_lab.stepper",
    html=(_HERE / "stepper.html").read_text(encoding="utf-8"),
    css=(_HERE / "stepper.css").read_text(encoding="utf-8"),
    js=(_HERE / "stepper.js").read_text(encoding="utf-8"),
)
DEFAULT_SCREEN = {"width": 1150, "height": 900}  # before the browser has said (the first run of a session)


def screen() -> dict:
    """{"width": the main column's pixels, "height": the window's pixels}, as the browser last
    reported them (DEFAULT_SCREEN until it has)."""
    return dict(st.session_state.get(SCREEN) or DEFAULT_SCREEN)


def component_key(page: str) -> str:
    """The stepper's key on `page` (not a value-widget key: keep_widgets leaves it alone)."""
    return f"stepper.{page}"


def step_captions(trace) -> list[str]:
    """Per step, what the control says next to the step number: 'wrote «强» · 92.1%'."""
    toks = display(trace.tgt_tokens)
    return [_("wrote «{token}» · p = {p}").format(token=tok, p=f"{float(p):.1%}")
            for tok, p in zip(toks, trace.probs)]


def stepper(page: str, steps: int, captions=(), *, charts=(), filename: str = "", sync_ms: int | None = None) -> int:
    """The page's one step control, for the charts in the containers keyed `charts`
    (st.container(key=...)), each a figure with one frame per step (none: each step reruns the
    page, as on the teaching pages); -> the step Python shows (0-based), which the control has
    moved to or which Python set (a new input, a link). captions: per step, what the control
    says beside the step number (step_captions).
    filename: the camera export's name without its step (the browser appends the step shown).
    sync_ms: how long after the last step change Python is told (default: the component's 120 ms,
    so a burst of key presses makes one rerun)."""
    key = k(page, Q_STEP)
    st.session_state[key] = clamp_step(st.session_state.get(key, 0), steps)
    ckey = component_key(page)

    def stepped():
        value = _value(ckey, "step")  # {"t": the step shown, "n": how many steps the control has sent}
        if isinstance(value, dict) and value.get("t") is not None:
            st.session_state[key] = clamp_step(int(value["t"]), steps)

    def measured():
        value = _value(ckey, "screen")
        if isinstance(value, dict) and value.get("width"):
            st.session_state[SCREEN] = {"width": int(value["width"]), "height": int(value.get("height") or 0)}

    now = screen()
    sent = _value(ckey, "step")
    seen = int(sent.get("n") or 0) if isinstance(sent, dict) else 0  # steps sent by the control, all applied
    _STEPPER(key=ckey, data=dict(
        step=st.session_state[key], seen=seen, steps=steps, charts=[f"st-key-{c}" for c in charts],
        captions=list(captions),
        filename=filename, present=presenting(), width=now["width"], height=now["height"], sync_ms=sync_ms,
        text=dict(first=_("First"), back=_("Back"), next=_("Next"), last=_("Last"), play=_("play"),
                  pause=_("pause"), step=_("Step"), now=_("Step {step} of {last}"),
                  keys=_("Keys: ← → or PageUp / PageDown step, Home / End jump, Space plays."))),
        on_step_change=stepped, on_screen_change=measured, width="stretch")
    return st.session_state[key]


def _value(ckey: str, name: str):
    """A state or trigger value of a component instance, from session state."""
    state = st.session_state.get(ckey)
    if state is None:
        return None
    try:
        return state[name]
    except (KeyError, TypeError):
        return getattr(state, name, None)
