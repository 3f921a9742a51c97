"""A step-through for slides, out of the app: a self-contained HTML file (plotly.js inline,
no network; step it with the keyboard or a presentation clicker) and an animated GIF with
one frame per decoding step (Plotly's static export, kaleido, on the system's Chromium).

    html = step_html(step_figure(trace, cross_matrix(trace)), title="ChatGPT is powerful.")
    gif = step_gif(step_figure(trace, cross_matrix(trace)))     # bytes
"""

from __future__ import annotations

import html
import io
import json
import os
import shutil

import plotly.graph_objects as go

from ..i18n import _
from .step import show_step

GIF_MS = 900  # milliseconds each step stays on screen in the GIF
SYSTEM_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

_ICON = '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="{}"/></svg>'
ICONS = dict(i_first=_ICON.format("M6 6h2v12H6zm3.5 6 8.5 6V6z"),
             i_back=_ICON.format("M15.41 7.41 14 6l-6 6 6 6 1.41-1.41L10.83 12z"),
             i_next=_ICON.format("M8.59 16.59 10 18l6-6-6-6-1.41 1.41L13.17 12z"),
             i_last=_ICON.format("M6 18l8.5-6L6 6v12zM16 6v12h2V6h-2z"))

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Source Sans", "Source Sans Pro", Arial, "Noto Sans CJK SC", sans-serif; margin: 1.2rem;
       color: #31333f; }}
.bar {{ display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin-bottom: .6rem; }}
svg {{ fill: currentColor; vertical-align: -3px; }}
button {{ font: inherit; font-size: 1.05rem; padding: .35rem .8rem; border-radius: .5rem; border: 1px solid #ccc;
          background: #fff; cursor: pointer; }}
input[type=range] {{ flex: 1 1 16rem; accent-color: #e4572e; }}
.now {{ font-weight: 700; min-width: 7rem; }}
.keys {{ opacity: .65; font-size: .9rem; }}
</style>
<script>{plotly}</script></head>
<body>
<h2>{title}</h2>
<div class="bar">
  <button id="first">{i_first} {first}</button><button id="back">{i_back} {back}</button>
  <input id="slider" type="range" min="0" max="{last}" step="1" value="{step}">
  <button id="next">{next} {i_next}</button><button id="last">{last_label} {i_last}</button>
  <span class="now" id="now"></span><span class="keys">{keys}</span>
</div>
<div id="chart"></div>
<script>
const FIG = {figure};
const LAST = {last};
const NOW = {now};
let cur = {step};
const gd = document.getElementById("chart");
const slider = document.getElementById("slider");
function go(t) {{
  cur = Math.max(0, Math.min(LAST, t));
  slider.value = String(cur);
  document.getElementById("now").textContent = NOW.replace("{{step}}", cur).replace("{{last}}", LAST);
  return Plotly.animate(gd, [String(cur)], {{mode: "immediate", frame: {{duration: 0, redraw: true}},
                                            transition: {{duration: 0}}}});
}}
Plotly.newPlot(gd, FIG.data, FIG.layout, {{displaylogo: false, responsive: false}})
  .then(() => Plotly.addFrames(gd, FIG.frames || []))
  .then(() => go(cur));
document.getElementById("first").onclick = () => go(0);
document.getElementById("back").onclick = () => go(cur - 1);
document.getElementById("next").onclick = () => go(cur + 1);
document.getElementById("last").onclick = () => go(LAST);
slider.oninput = () => go(Number(slider.value));
document.addEventListener("keydown", (e) => {{
  const moves = {{ArrowRight: 1, PageDown: 1, ArrowDown: 1, ArrowLeft: -1, PageUp: -1, ArrowUp: -1}};
  if (e.target && e.target.tagName === "INPUT" && e.target.type !== "range") return;
  if (e.key in moves) {{ e.preventDefault(); go(cur + moves[e.key]); }}
  else if (e.key === "Home") {{ e.preventDefault(); go(0); }}
  else if (e.key === "End") {{ e.preventDefault(); go(LAST); }}
}});
</script>
</body></html>
"""


def step_html(fig: dict, title: str = "", step: int = 0, lang: str = "en") -> str:
    """A whole step-through as one HTML file that works offline: the figure with its frames,
    plotly.js inline, First / Back / slider / Next / Last and the keys ← → PageUp PageDown
    Home End (a clicker). `fig` is a seq2seq.viz.step_figure with frames."""
    from plotly.offline import get_plotlyjs

    last = max(0, len(fig.get("frames", ())) - 1)
    return _PAGE.format(
        lang=html.escape(lang), title=html.escape(title or _("Attention Lab: a step-through")),
        plotly=get_plotlyjs().replace("</script", "<\\/script"), figure=_safe_json(_with_template(fig)),
        last=last, step=max(0, min(int(step), last)), now=json.dumps(_("Step {step} of {last}")),
        first=html.escape(_("First")), back=html.escape(_("Back")), next=html.escape(_("Next")),
        last_label=html.escape(_("Last")),
        keys=html.escape(_("Keys: ← → or PageUp / PageDown step, Home / End jump.")), **ICONS)


def _with_template(fig: dict) -> dict:
    """The figure with Plotly's default look (the app gets Streamlit's theme instead)."""
    import plotly.io as pio

    template = pio.templates[pio.templates.default].to_plotly_json()
    return dict(fig, layout=dict(fig["layout"], template=fig["layout"].get("template", template)))


def _safe_json(obj) -> str:
    """JSON to put inside a <script>: no "</" can close it early."""
    from plotly.utils import PlotlyJSONEncoder

    return json.dumps(obj, cls=PlotlyJSONEncoder).replace("</", "<\\/")


def step_images(fig: dict, scale: float = 1.0) -> list[bytes]:
    """PNG bytes of every step of a step figure (one per frame), in order."""
    import plotly.io as pio

    _chromium()
    steps = len(fig.get("frames", ())) or 1
    figs = []
    for t in range(steps):
        one = dict(show_step(fig, t))  # a copy: the figure given stays as it is
        one.pop("frames", None)
        figs.append(go.Figure(one))
    if steps == 1:
        return [pio.to_image(figs[0], format="png", scale=scale, width=figs[0].layout.width,
                             height=figs[0].layout.height)]
    return _batch(figs, scale)


def _batch(figs: list[go.Figure], scale: float) -> list[bytes]:
    """Many figures through one kaleido browser (a second or two for a whole decode)."""
    import tempfile

    import plotly.io as pio

    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, f"{i:04d}.png") for i in range(len(figs))]
        pio.write_images(figs, paths, format="png", scale=scale, width=figs[0].layout.width,
                         height=figs[0].layout.height)  # the figure's own size (kaleido's default is 700 x 500)
        out = []
        for p in paths:
            with open(p, "rb") as f:
                out.append(f.read())
        return out


def step_gif(fig: dict, ms: int = GIF_MS, scale: float = 1.0) -> bytes:
    """An animated GIF of a decode: one frame per step, `ms` each, looping."""
    from PIL import Image

    frames = [Image.open(io.BytesIO(b)).convert("RGB") for b in step_images(fig, scale)]
    pal = [f.convert("P", palette=Image.Palette.ADAPTIVE, colors=255) for f in frames]
    buf = io.BytesIO()
    pal[0].save(buf, format="GIF", save_all=True, append_images=pal[1:], duration=ms, loop=0, optimize=False,
                disposal=1)
    return buf.getvalue()


def _chromium():
    """kaleido draws with a Chromium: the system's (apt-get install chromium) when kaleido has
    none of its own; nothing is downloaded."""
    if os.environ.get("BROWSER_PATH"):
        return
    found = next((p for p in SYSTEM_CHROMIUM if os.path.exists(p)), None) or shutil.which("chromium")
    if found:
        os.environ["BROWSER_PATH"] = found
