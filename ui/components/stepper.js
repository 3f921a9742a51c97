// Attention Lab's step control: one control for the step, in the browser.
//
// It moves the Plotly charts already on the page (no server round trip): each chart holds one
// frame per decoding step (seq2seq.viz.step_figure), and a step change applies that frame --
// the bars by Plotly.animate without a redraw, the outline and the title by Plotly.relayout --
// so the heatmap itself is never redrawn. Python learns the step shown ("step" trigger) once
// the stepping pauses, and the page's metrics, what-if buttons, downloads and link follow.
// It also reports the width of the main column and the height of the window ("screen" state),
// which the page sizes its charts by.
//
// Keys (while the page has focus, never while typing in a box): → PageDown ↓ next, ← PageUp ↑
// back, Home first, End last, Space play / pause. A presentation clicker sends PageDown/PageUp.

const SYNC_MS = 120;      // Python learns the step this long after the last step change (a burst: one rerun)
const RESEND_MS = 700;   // a step Python has not answered after this long is sent again
const SETTLE_MS = 250;   // the bars through Plotly itself this long after Python is told, once it has answered
const PLAY_MS = 700;      // one step per this many ms while playing

function chartsOf(classes) {
  const out = [];
  for (const c of classes) {
    const box = document.querySelector(`.${c}`);
    const gd = box && box.querySelector(".js-plotly-plot");
    if (gd && gd._fullLayout) out.push(gd);
  }
  return out;
}

function framesOf(gd) {
  const td = gd._transitionData;
  return td && td._frames && td._frames.length ? td._frames : null;
}

// Move one chart to step t (clamped to its own steps). The bars (this step's weights, the top-k
// candidates) are moved in place in Plotly's own SVG, the outline and title by Plotly.relayout:
// the heatmap is never redrawn, so a step costs a few milliseconds at any size. Once the
// stepping pauses, `settle` hands the same bars to Plotly.restyle, so that the chart's data,
// its hover and its export all say the step shown.
function applyTo(gd, t, filename) {
  const frames = framesOf(gd);
  if (!frames) return Promise.resolve();
  const i = Math.max(0, Math.min(t, frames.length - 1));
  const f = frames[i];
  const ctx = gd._context && gd._context.toImageButtonOptions;
  if (ctx) {  // the camera's export names the step it shows: "<the chart's own name>-<step>"
    if (gd.__alBase === undefined) gd.__alBase = ctx.filename || filename || "chart";
    ctx.filename = `${gd.__alBase}-${i}`;
  }
  gd.__alStep = f.name;
  gd.__alSettled = false;
  let fast = true;
  (f.traces || []).forEach((idx, n) => { fast = moveBars(gd, idx, f.data[n]) && fast; });
  const lay = { shapes: f.layout.shapes };
  if (f.layout.title) lay["title.text"] = f.layout.title.text;
  let done;
  try {
    done = window.Plotly.relayout(gd, lay);
  } catch (e) {  // a chart still being drawn by Streamlit: try again on the next frame
    gd.__alStep = null;
    return new Promise((r) => setTimeout(r, 30)).then(() => applyTo(gd, t, filename));
  }
  return (fast ? done : done.then(() => settle(gd, t))).catch(() => {});
}

function settle(gd, t) {  // the frame's bars through Plotly itself (a full redraw, ~100 ms)
  const frames = framesOf(gd);
  if (!frames || gd.__alSettled) return Promise.resolve();
  const f = frames[Math.max(0, Math.min(t, frames.length - 1))];
  if (!f.traces || !f.traces.length) return Promise.resolve();
  const upd = {};
  for (const key of ["x", "y", "text", "customdata"]) {
    if (f.data.some((d) => d[key] !== undefined)) upd[key] = f.data.map((d) => d[key]);
  }
  upd["marker.color"] = f.data.map((d) => d.marker && d.marker.color);
  gd.__alSettled = true;
  return window.Plotly.restyle(gd, upd, f.traces).catch(() => {});
}

const PATH = /^M([-\d.e]+),([-\d.e]+)V([-\d.e]+)H([-\d.e]+)V([-\d.e]+)Z$/;
const unescape = (s) => { const e = document.createElement("textarea"); e.innerHTML = s; return e.value; };

// A bar's colour: a colour string as it is; a number through the trace's colour scale (the
// strip's bars are coloured on the heatmap's scale: marker.colorscale, cmin, cmax).
function colourOf(marker, c) {
  if (typeof c !== "number") return c;
  const scale = marker && marker.colorscale;
  if (!Array.isArray(scale) || !scale.length) return null;
  const lo = marker.cmin ?? 0, hi = marker.cmax ?? 1;
  const x = Math.max(0, Math.min(1, hi > lo ? (c - lo) / (hi - lo) : 0));
  let i = 1;
  while (i < scale.length - 1 && scale[i][0] < x) i++;
  const [x0, c0] = scale[i - 1], [x1, c1] = scale[Math.min(i, scale.length - 1)];
  const a = rgb(c0), b = rgb(c1), f = x1 > x0 ? (x - x0) / (x1 - x0) : 0;
  return `rgb(${a.map((v, k) => Math.round(v + f * (b[k] - v))).join(",")})`;
}

function rgb(colour) {  // "rgb(8,48,107)" or "#08306b" -> [8, 48, 107]
  if (colour[0] === "#") return [1, 3, 5].map((k) => parseInt(colour.slice(k, k + 2), 16));
  return colour.replace(/[^\d,.]/g, "").split(",").slice(0, 3).map(Number);
}

// One bar trace to a frame's values, in place; false where Plotly's SVG is not as expected.
function moveBars(gd, idx, d) {
  const cd = gd.calcdata && gd.calcdata[idx];
  const trace = gd._fullData && gd._fullData[idx];
  const node = cd && cd[0] && cd[0].node3 && cd[0].node3.node && cd[0].node3.node();
  if (!node || !trace) return false;
  const points = node.querySelectorAll("g.point");
  const values = trace.orientation === "h" ? d.x : d.y;
  if (!values || points.length !== values.length) return false;
  const fl = gd._fullLayout;
  const axis = trace.orientation === "h" ? fl[`xaxis${trace.xaxis.slice(1)}`] : fl[`yaxis${trace.yaxis.slice(1)}`];
  const colours = d.marker && d.marker.color;
  const h = trace.orientation === "h";
  const pos = h ? fl[`yaxis${trace.yaxis.slice(1)}`] : fl[`xaxis${trace.xaxis.slice(1)}`];
  for (let j = 0; j < points.length; j++) {
    const path = points[j].querySelector("path");
    if (!path) return false;
    let m = PATH.exec(path.getAttribute("d") || "");
    if (!m && cd[j] && cd[j].p0 !== undefined && pos) {
      // a bar of value 0 is drawn blank ("M0,0Z"): its edges from Plotly's own numbers instead
      const a = pos.c2p(cd[j].p0), b = pos.c2p(cd[j].p1), base = axis.c2p(0);
      m = h ? [null, base, a, b, base] : [null, a, base, base, b];
    }
    if (!m) return false;
    const v = axis.c2p(values[j]);
    if (!isFinite(v)) return false;
    const [x0, y0, y1, x1] = [m[1], m[2], m[3], m[4]];
    const oldEnd = Number(x1);
    path.setAttribute("d", h ? `M${x0},${y0}V${y1}H${v}V${y0}Z` : `M${x0},${y0}V${v}H${x1}V${y0}Z`);
    if (Array.isArray(colours) && colours[j] !== undefined) path.style.fill = colourOf(trace.marker, colours[j]);
    const label = points[j].querySelector("text.bartext");
    if (label && d.text && h) {  // "token  92.1%", outside the bar's end
      const tr = /translate\(([-\d.e]+)[ ,]+([-\d.e]+)\)/.exec(label.getAttribute("transform") || "");
      const before = label.getBBox().width;
      label.textContent = `${unescape(d.text[j])}  ${(100 * values[j]).toFixed(1)}%`;
      if (tr) {
        const pad = Number(tr[1]) - before / 2 - oldEnd;
        label.setAttribute("transform", `translate(${v + pad + label.getBBox().width / 2},${tr[2]})`);
      }
    }
  }
  return true;
}

// Run fn once Streamlit has finished the current run of the script: a report that reruns the
// page (the screen size) never interrupts a run half-way (whose widgets the browser may not know yet).
function whenIdle(fn) {
  const app = document.querySelector('[data-testid="stApp"]');
  if (app && app.getAttribute("data-test-script-state") === "running") setTimeout(() => whenIdle(fn), 100);
  else fn();
}

function typing(e) {
  const el = e.composedPath ? e.composedPath()[0] : e.target;
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  return tag === "input" && el.type !== "range" || tag === "textarea" || tag === "select" || el.isContentEditable
    || (el.getAttribute && el.getAttribute("role") === "combobox");
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector(".al-stepper");
  const $ = (sel) => root.querySelector(sel);
  const host = parentElement.host || parentElement;
  const S = (host.__alStepper = host.__alStepper || { sent: null, n: null, cur: 0, busy: false, want: null,
    timer: null, play: null, width: null, height: null });
  S.data = data;
  const last = Math.max(0, data.steps - 1);

  // --- the control's own look ----------------------------------------------------------------
  root.classList.toggle("present", !!data.present);
  const slider = $(".al-slider");
  slider.max = String(last);
  slider.disabled = last === 0;
  slider.setAttribute("aria-label", data.text.step);
  $(".al-first").title = `${data.text.first} (Home)`;
  $(".al-back").title = `${data.text.back} (←, PageUp)`;
  $(".al-next").title = `${data.text.next} (→, PageDown)`;
  $(".al-last").title = `${data.text.last} (End)`;
  $(".al-first .al-t").textContent = data.text.first;
  $(".al-back .al-t").textContent = data.text.back;
  $(".al-next .al-t").textContent = data.text.next;
  $(".al-last .al-t").textContent = data.text.last;
  $(".al-keys").textContent = data.text.keys;
  // the slider's numbers: every n-th step, so they never collide
  const ticks = $(".al-ticks");
  const every = [1, 2, 5, 10, 20, 25, 50, 100].find((n) => (last / n) <= 24) || 100;
  ticks.innerHTML = "";
  for (let t = 0; t <= last; t += every) {
    const s = document.createElement("span");
    s.textContent = String(t);
    s.style.left = last ? `${(100 * t) / last}%` : "0%";
    ticks.appendChild(s);
  }

  const charts = () => chartsOf(data.charts);

  function show(t) {  // the control, and every chart, to step t
    S.cur = t;
    slider.value = String(t);
    $(".al-now").textContent = data.text.now.replace("{step}", t).replace("{last}", last);
    $(".al-what").textContent = data.captions[t] || "";
    for (const b of root.querySelectorAll(".al-first, .al-back")) b.disabled = t <= 0;
    for (const b of root.querySelectorAll(".al-next, .al-last")) b.disabled = t >= last;
    root.dataset.step = String(t);
    draw();
  }

  function draw() {  // at most one update in flight per chart set; the latest step wins
    if (S.busy) { S.want = S.cur; return; }
    const gds = charts();
    if (!gds.length) return;
    S.busy = true;
    const t = S.cur;
    Promise.all(gds.map((gd) => applyTo(gd, t, data.filename))).then(() => {
      S.busy = false;
      root.dataset.shown = String(t);
      if (S.want !== null && S.want !== t) { S.want = null; draw(); return; }
      S.want = null;
      if (!S.timer) for (const gd of gds) settle(gd, t);  // not stepping: the chart's data follows now
    });
  }

  function go(t, sync = true) {
    t = Math.max(0, Math.min(last, t));
    if (t === S.cur && root.dataset.shown === String(t)) return;
    show(t);
    if (sync) {
      clearTimeout(S.timer);
      S.timer = setTimeout(() => {
        S.timer = null;
        S.n = (S.n || 0) + 1;
        S.sent = S.cur;
        setStateValue("step", { t: S.cur, n: S.n });
        // a watchdog: should this step not reach Python (a rerun request lost while another ran), send again
        clearTimeout(S.watch);
        const again = () => {
          if ((S.seen || 0) >= S.n) return;
          if (S.timer) return;  // a newer step is on its way anyway
          S.n += 1;
          setStateValue("step", { t: S.cur, n: S.n });
          S.watch = setTimeout(again, RESEND_MS);
        };
        S.watch = setTimeout(again, RESEND_MS);
        // the chart's data follows once Python's run is done (its redraw would hold up that run's answer)
        const t = S.cur;
        setTimeout(() => whenIdle(() => { if (S.cur === t && !S.timer) for (const gd of charts()) settle(gd, t); }),
          SETTLE_MS);
      }, data.sync_ms ?? SYNC_MS);
    }
  }

  function stopPlay() {
    if (S.play) { clearInterval(S.play); S.play = null; }
    $(".al-play").textContent = `▶ ${data.text.play}`;
    $(".al-play").setAttribute("aria-pressed", "false");
  }
  function togglePlay() {
    if (S.play) { stopPlay(); return; }
    if (S.cur >= last) go(0);
    $(".al-play").textContent = `❚❚ ${data.text.pause}`;
    $(".al-play").setAttribute("aria-pressed", "true");
    S.play = setInterval(() => { if (S.cur >= last) stopPlay(); else go(S.cur + 1); }, PLAY_MS);
  }
  $(".al-play").disabled = last === 0;
  if (!S.play) stopPlay();

  $(".al-first").onclick = () => { stopPlay(); go(0); };
  $(".al-back").onclick = () => { stopPlay(); go(S.cur - 1); };
  $(".al-next").onclick = () => { stopPlay(); go(S.cur + 1); };
  $(".al-last").onclick = () => { stopPlay(); go(last); };
  $(".al-play").onclick = togglePlay;
  slider.oninput = () => { stopPlay(); go(Number(slider.value)); };

  // --- keys ------------------------------------------------------------------------------------
  if (S.onKey) document.removeEventListener("keydown", S.onKey, true);
  S.onKey = (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(e)) return;
    const moves = { ArrowRight: 1, PageDown: 1, ArrowDown: 1, ArrowLeft: -1, PageUp: -1, ArrowUp: -1 };
    let to = null;
    if (e.key in moves) to = S.cur + moves[e.key];
    else if (e.key === "Home") to = 0;
    else if (e.key === "End") to = last;
    else if (e.key === " " && e.target === document.body) { e.preventDefault(); togglePlay(); return; }
    if (to === null) return;
    e.preventDefault();  // no page scroll: the keys belong to the step
    stopPlay();
    go(to);
  };
  document.addEventListener("keydown", S.onKey, true);

  // --- Python's step: adopt it where Python set it (a new input, a link) -- only from a run that
  // had every step this control sent (`seen`), and never over steps not sent yet
  const py = Math.max(0, Math.min(last, data.step));
  const seen = data.seen || 0;
  S.seen = seen;
  if (S.n === undefined || S.n === null) S.n = seen;
  if (root.dataset.step === undefined) show(py);
  else if (seen >= S.n && !S.timer && py !== S.cur) { S.n = seen; show(py); }

  // --- a chart drawn anew (a new figure: another view, a rerun) opens on the figure's own step:
  // put it back on the step shown
  if (S.observer) S.observer.disconnect();
  S.observer = new MutationObserver(() => {
    for (const gd of charts()) {
      const frames = framesOf(gd);
      if (!frames) continue;
      const want = String(Math.min(S.cur, frames.length - 1));
      const title = gd.layout && gd.layout.title && gd.layout.title.text;
      const f = frames[Number(want)];
      if (gd.__alStep !== want || (f.layout.title && title !== f.layout.title.text)) { draw(); break; }
    }
  });
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  S.observer.observe(main, { childList: true, subtree: true });

  // --- the screen the page sizes its charts by ----------------------------------------------------
  // window.__alResizedAt / __alMeasuredAt: a measurement pending (the browser tests wait for it before
  // they click: a report that lands during a page switch reruns the old page)
  function measure() {
    window.__alMeasuredAt = performance.now();
    const w = Math.round(root.getBoundingClientRect().width / 10) * 10;
    const h = Math.round(window.innerHeight / 10) * 10;
    if (w > 0 && (w !== S.width || h !== S.height)) {
      S.width = w; S.height = h;
      if (w !== data.width || h !== data.height) setStateValue("screen", { width: w, height: h });
    }
  }
  if (S.resize) S.resize.disconnect();
  let rt = null;
  S.resize = new ResizeObserver(() => {
    window.__alResizedAt = performance.now();
    clearTimeout(rt); rt = setTimeout(() => whenIdle(measure), 200);
  });
  S.resize.observe(root);
  window.__alResizedAt = performance.now();
  whenIdle(measure);

  return () => {
    document.removeEventListener("keydown", S.onKey, true);
    if (S.observer) S.observer.disconnect();
    if (S.resize) S.resize.disconnect();
    stopPlay();
  };
}
