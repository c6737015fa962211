// The page talks to the server only through /ws (frames, geometry, readouts, statistics)
// and the JSON API (/api/pipeline to build the controls, /api/params to change them).
// window.viewer exposes what the browser test reads: frames shown, the last error, the
// mean grey level of the shown image.
#include "page.hpp"

namespace sonoflow::web_viewer {

std::string_view page_html() {
  static constexpr std::string_view kPage = R"PAGE(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SonoFlow viewer</title>
<style>
body{margin:0;font:13px system-ui,sans-serif;background:#111;color:#ddd}
header{padding:6px 12px;background:#222;display:flex;gap:18px;align-items:baseline}
header b{font-size:15px;color:#fff} .dim{color:#888}
main{display:grid;grid-template-columns:minmax(300px,1fr) 430px;gap:10px;padding:10px}
#view{position:relative;min-width:0} canvas{background:#000;cursor:crosshair;display:block;max-width:100%}
section{background:#1b1b1b;border:1px solid #333;border-radius:4px;padding:8px;margin-bottom:10px}
h2{font-size:13px;margin:0 0 6px;color:#9cf}
table{border-collapse:collapse;width:100%} td,th{padding:2px 4px;text-align:right;border-bottom:1px solid #2a2a2a}
td:first-child,th:first-child{text-align:left}
fieldset{border:1px solid #333;margin:0 0 8px;padding:4px 8px} legend{color:#9cf}
.param{display:grid;grid-template-columns:130px 1fr;gap:4px;align-items:center;margin:3px 0}
.param input[type=number],.param input[type=text],.param select{width:100%;box-sizing:border-box;background:#222;color:#eee;border:1px solid #444}
.row{display:flex;gap:4px;align-items:center} .row input[type=range]{flex:1}
.error{color:#f77;grid-column:1/3;font-size:12px} .ok{color:#7d7}
.warn{color:#fb4;font-weight:bold} #messages{color:#f77;min-height:1em}
</style></head><body>
<header><b id="name">SonoFlow</b><span id="conn" class="dim">connecting…</span>
<span>frame <span id="seq">–</span></span><span id="size" class="dim"></span>
<span id="shownfps" class="dim"></span><span class="dim">research software, not a medical device</span></header>
<main><div id="view"><canvas id="image" width="640" height="480"></canvas>
<div id="messages"></div><div class="dim">Click the image to set the needle target (mm).</div></div>
<div><section><h2>Guidance</h2><table id="readouts"><tr><td class="dim">no needle results</td></tr></table></section>
<section><h2>Statistics</h2><div id="summary" class="dim"></div><table id="stats"></table></section>
<section><h2>Controls</h2><div id="controls" class="dim">loading…</div></section></div></main>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const viewer = window.viewer = {frames: 0, geometry: null, needle: null, stats: null,
  lastError: "", target: null, params: {}};
const $ = id => document.getElementById(id);
const canvas = $("image"), ctx2d = canvas.getContext("2d");
const fmt = (v, d = 1) => (v === null || v === undefined || !isFinite(v)) ? "–" : Number(v).toFixed(d);

async function api(path, options = {}) {
  options.headers = Object.assign({"Content-Type": "application/json"}, token ? {"X-SonoFlow-Token": token} : {});
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({error: r.status + " " + r.statusText}));
  if (!r.ok) throw new Error(body.error || (r.status + " " + r.statusText));
  return body;
}
function showError(text) { viewer.lastError = text; $("messages").textContent = text; }

// Image pixel (col, row) -> probe mm [x, z], through the image's own transform.
function toMm(col, row) {
  const m = viewer.geometry.image_to_probe;
  return [m[0] * col + m[1] * row + m[3], m[8] * col + m[9] * row + m[11]];
}
function toPixel(p) {
  const g = viewer.geometry;
  return [(p[0] - g.origin_mm[0]) / g.spacing_mm[0], (p[1] - g.origin_mm[1]) / g.spacing_mm[1]];
}
viewer.meanGrey = () => {
  const d = ctx2d.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0, n = 0;
  for (let i = 0; i < d.length; i += 16) { sum += (d[i] + d[i + 1] + d[i + 2]) / 3; n++; }
  return n ? sum / n : 0;
};

let pendingGeometry = null, shownTimes = [];
// Shown at its physical aspect (pixels may be longer in depth than across), as large as
// the column and the window allow.
function fit() {
  const g = viewer.geometry; if (!g) return;
  const aspect = (g.width * Math.abs(g.spacing_mm[0] || 1)) / (g.height * Math.abs(g.spacing_mm[1] || 1));
  let w = $("view").clientWidth, h = w / aspect;
  const maxH = Math.max(200, window.innerHeight - 90);
  if (h > maxH) { h = maxH; w = h * aspect; }
  canvas.style.width = w + "px"; canvas.style.height = h + "px";
}
window.addEventListener("resize", fit);
function draw(bitmap, g) {
  if (canvas.width !== g.width || canvas.height !== g.height) { canvas.width = g.width; canvas.height = g.height; }
  ctx2d.drawImage(bitmap, 0, 0);
  viewer.geometry = g;
  fit();
  if (viewer.target && !g.sector) {
    const [c, r] = toPixel(viewer.target), s = Math.max(4, g.width / 60);
    ctx2d.strokeStyle = "#0f0"; ctx2d.lineWidth = Math.max(1, g.width / 400);
    ctx2d.beginPath(); ctx2d.moveTo(c - s, r); ctx2d.lineTo(c + s, r); ctx2d.moveTo(c, r - s); ctx2d.lineTo(c, r + s); ctx2d.stroke();
  }
  viewer.frames++;
  $("seq").textContent = g.sequence;
  $("size").textContent = g.width + "×" + g.height + " px, " + fmt(g.spacing_mm[0], 3) + "×" + fmt(g.spacing_mm[1], 3) + " mm";
  const now = performance.now(); shownTimes.push(now); shownTimes = shownTimes.filter(t => now - t < 2000);
  $("shownfps").textContent = fmt(shownTimes.length / 2, 1) + " fps shown";
}

function readouts(n) {
  viewer.needle = n;
  const rows = [["needle", n.detected ? (n.measured ? "detected" : "tracked") : "not found"],
    ["confidence", fmt(n.confidence, 2)],
    ["tip (x, z)", n.detected ? fmt(n.tip_mm[0]) + ", " + fmt(n.tip_mm[1]) + " mm" : "–"],
    ["angle", n.detected ? fmt(n.angle_deg) + "°" : "–"],
    ["tip to target", n.has_target ? fmt(n.tip_to_target_mm) + " mm" : "no target"],
    ["predicted miss", n.has_target ? fmt(n.predicted_miss_mm) + " mm" : "–"],
    ["injected area", n.injectate_monitored ? fmt(n.injectate_area_mm2) + " mm²" : "not monitored"]];
  const warnings = (n.warnings || []).slice();
  if (n.out_of_plane_warning) warnings.push("needle leaving the imaging plane");
  if (n.leak_alert) warnings.push("injectate leaking out of the target compartment");
  const t = $("readouts"); t.innerHTML = "";
  for (const [k, v] of rows) { const tr = t.insertRow(); tr.insertCell().textContent = k; tr.insertCell().textContent = v; }
  for (const w of warnings) { const c = t.insertRow().insertCell(); c.colSpan = 2; c.className = "warn"; c.textContent = "⚠ " + w; }
}

let lastStats = null;
function stats(s) {
  viewer.stats = s;
  $("summary").textContent = fmt(s.fps) + " fps from sources, latency p50 " + fmt(s.latency_ms.p50) +
    " ms, p99 " + fmt(s.latency_ms.p99) + " ms, " + fmt(s.duration_s, 0) + " s";
  const t = $("stats"); t.innerHTML = "<tr><th>node</th><th>fps</th><th>in</th><th>out</th><th>drops</th><th>errors</th><th>ms p50/p99</th></tr>";
  for (const [id, n] of Object.entries(s.nodes)) {
    let fps = null;
    if (lastStats && lastStats.nodes[id] && s.duration_s > lastStats.duration_s) {
      const count = Math.max(n.frames_out - lastStats.nodes[id].frames_out, n.frames_in - lastStats.nodes[id].frames_in);
      fps = count / (s.duration_s - lastStats.duration_s);
    }
    const tr = t.insertRow();
    for (const v of [id, fmt(fps), n.frames_in, n.frames_out, n.dropped, n.errors, fmt(n.process_ms.p50) + " / " + fmt(n.process_ms.p99)])
      tr.insertCell().textContent = v;
    tr.title = n.type;
  }
  lastStats = s;
}

function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + (token ? "?token=" + encodeURIComponent(token) : ""));
  ws.binaryType = "blob";
  ws.onopen = () => { $("conn").textContent = "live"; };
  ws.onclose = () => { $("conn").textContent = "disconnected, retrying…"; setTimeout(connect, 1000); };
  ws.onmessage = async ev => {
    if (typeof ev.data === "string") {
      const m = JSON.parse(ev.data);
      if (m.type === "frame") pendingGeometry = m;
      else if (m.type === "needle") readouts(m);
      else if (m.type === "stats") stats(m.stats);
      return;
    }
    const g = pendingGeometry; if (!g) return;
    try { draw(await createImageBitmap(ev.data), g); } catch (e) { showError("cannot decode a frame: " + e); }
  };
}

// Controls, generated from the parameter descriptors.
async function send(node, p, value) {
  const err = $("error-" + node + "-" + p.name);
  try {
    await api("/api/params", {method: "POST", body: JSON.stringify({node, param: p.name, value})});
    err.textContent = ""; showError("");  // an accepted change clears the last refusal
    viewer.params[node + "." + p.name] = value;
  } catch (e) {
    err.textContent = e.message; showError(e.message);
    setValue(node, p, viewer.params[node + "." + p.name]);  // back to the value in force
  }
}
function setValue(node, p, v) {
  const el = $("param-" + node + "-" + p.name); if (!el) return;
  if (p.type === "bool") el.checked = !!v;
  else if (Array.isArray(v)) el.value = JSON.stringify(v);
  else el.value = v;
  const slider = $("slider-" + node + "-" + p.name); if (slider) slider.value = v;
}
function control(node, p) {
  const id = "param-" + node + "-" + p.name;
  const box = document.createElement("div"); box.className = "param"; box.title = p.description;
  const label = document.createElement("label"); label.htmlFor = id;
  label.textContent = p.name + (p.unit ? " (" + p.unit + ")" : ""); box.append(label);
  let el;
  const numeric = p.type === "int" || p.type === "float";
  if (p.type === "enum") {
    el = document.createElement("select");
    for (const a of p.allowed) el.add(new Option(a, a));
    el.onchange = () => send(node, p, el.value);
    box.append(el);
  } else if (p.type === "bool") {
    el = document.createElement("input"); el.type = "checkbox";
    el.onchange = () => send(node, p, el.checked);
    box.append(el);
  } else if (numeric) {
    el = document.createElement("input"); el.type = "number";
    el.step = p.type === "int" ? 1 : "any";
    el.onchange = () => { if (el.value.trim() === "") return; send(node, p, Number(el.value)); };
    const row = document.createElement("div"); row.className = "row";
    if (p.min !== undefined && p.max !== undefined) {
      const slider = document.createElement("input"); slider.type = "range"; slider.id = "slider-" + node + "-" + p.name;
      slider.min = p.min; slider.max = p.max; slider.step = p.type === "int" ? 1 : (p.max - p.min) / 500;
      slider.oninput = () => { el.value = slider.value; };
      slider.onchange = () => send(node, p, Number(slider.value));
      row.append(slider); el.style.width = "80px";
    }
    row.append(el); box.append(row);
  } else {
    el = document.createElement("input"); el.type = "text";
    const list = p.type === "list of numbers" || p.type.endsWith("point");
    el.onchange = () => {
      if (!list) return send(node, p, el.value);
      let v; try { v = JSON.parse(el.value); } catch (e) { $("error-" + node + "-" + p.name).textContent = "write a list like [1, 2.5]"; return; }
      send(node, p, v);
    };
    box.append(el);
  }
  el.id = id;
  const err = document.createElement("div"); err.className = "error"; err.id = "error-" + node + "-" + p.name;
  box.append(err);
  return box;
}
async function buildControls() {
  const pipeline = await api("/api/pipeline");
  viewer.pipeline = pipeline;
  $("name").textContent = pipeline.name; document.title = pipeline.name + " – SonoFlow";
  const root = $("controls"); root.innerHTML = ""; root.className = "";
  for (const n of pipeline.nodes) {
    const live = n.params.filter(p => p.runtime_mutable), fixed = n.params.filter(p => !p.runtime_mutable);
    const fs = document.createElement("fieldset");
    const lg = document.createElement("legend"); lg.textContent = n.id + " (" + n.type + ")"; fs.append(lg);
    root.append(fs);  // in the document first: setValue finds the controls by id
    for (const p of live) { fs.append(control(n.id, p)); viewer.params[n.id + "." + p.name] = p.value; setValue(n.id, p, p.value); }
    if (fixed.length) {
      const d = document.createElement("details"); d.className = "dim";
      d.innerHTML = "<summary>fixed while running</summary>";
      for (const p of fixed) { const div = document.createElement("div"); div.textContent = p.name + " = " + JSON.stringify(p.value) + (p.unit ? " " + p.unit : ""); d.append(div); }
      fs.append(d);
    }
  }
}

canvas.addEventListener("click", async ev => {
  const g = viewer.geometry; if (!g || !viewer.pipeline) return;
  const r = canvas.getBoundingClientRect();
  const col = (ev.clientX - r.left) / r.width * g.width, row = (ev.clientY - r.top) / r.height * g.height;
  const mm = toMm(col, row).map(v => Math.round(v * 10) / 10);
  viewer.lastClickMm = mm;
  const targets = viewer.pipeline.nodes.filter(n => n.params.some(p => p.name === "target_mm" && p.runtime_mutable));
  if (!targets.length) { showError("no node has a live target_mm parameter to set"); return; }
  viewer.target = mm;
  for (const n of targets) {
    const p = n.params.find(p => p.name === "target_mm");
    await send(n.id, p, mm); setValue(n.id, p, mm);
  }
});

connect();
buildControls().catch(e => showError("cannot load the pipeline: " + e.message));
</script></body></html>
)PAGE";
  return kPage;
}

}  // namespace sonoflow::web_viewer
