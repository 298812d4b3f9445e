// The dashboard page's HTML, CSS and JS (see dashboard_page.hpp), kept apart from the server code.
#include "node/dashboard_page.hpp"

namespace ac {

namespace {

constexpr std::string_view page = R"ACPAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>actorcache dashboard</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2430; }
  header { background: #1d2430; color: #fff; padding: 10px 18px; display: flex; gap: 18px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  #status { font-size: 12px; color: #b8c2d0; }
  #status.error { color: #ff8a80; }
  main { padding: 14px 18px; }
  section { background: #fff; border-radius: 6px; padding: 10px 14px; margin-bottom: 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e5e8ec; font-variant-numeric: tabular-nums; }
  .state { font-weight: 600; }
  .state-alive, .b-closed { color: #1b7f3b; }
  .state-suspect, .b-half-open { color: #b26a00; }
  .state-down, .state-left, .b-open { color: #c62828; }
  .b-disabled, .b-unknown { color: #6b7685; }
  #nodes { display: grid; grid-template-columns: repeat(auto-fill, minmax(390px, 1fr)); gap: 14px; }
  .node h2 span { font-weight: 400; font-size: 13px; margin-left: 8px; }
  .charts { display: grid; grid-template-columns: 1fr; gap: 6px; }
  .chart-box { font-size: 12px; color: #4a5565; }
  svg.chart { width: 100%; height: 70px; background: #fafbfc; border: 1px solid #e5e8ec; border-radius: 4px; }
  .legend i { display: inline-block; width: 10px; height: 3px; margin: 0 4px 2px 8px; vertical-align: middle; }
  .bar { height: 10px; background: #e5e8ec; border-radius: 5px; overflow: hidden; margin: 4px 0 2px; }
  .bar div { height: 100%; background: #3d7be0; }
  .small { font-size: 12px; color: #4a5565; }
  ul { margin: 4px 0; padding-left: 18px; }
  code { font-size: 12px; word-break: break-all; }
</style>
</head>
<body data-polls="0">
<header><h1>actorcache</h1><span id="self"></span><span id="status">loading…</span></header>
<main>
  <section><h2>Members</h2>
    <table><thead><tr><th>id</th><th>address</th><th>RESP</th><th>state</th><th>key share</th><th>last heartbeat</th></tr></thead>
      <tbody id="members"></tbody></table>
  </section>
  <div id="nodes"></div>
</main>
<script>
"use strict";
const POLL_MS = 2000;
let polls = 0;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function fmtNum(x) {
  if (x >= 1e6) return (x / 1e6).toFixed(1) + "M";
  if (x >= 1e3) return (x / 1e3).toFixed(1) + "k";
  return x >= 10 || x === 0 ? Math.round(x).toString() : x.toFixed(1);
}
function fmtUs(us) {
  if (us >= 1e6) return (us / 1e6).toFixed(2) + " s";
  if (us >= 1e3) return (us / 1e3).toFixed(1) + " ms";
  return Math.round(us) + " µs";
}
function fmtBytes(b) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return (i === 0 ? b : b.toFixed(1)) + " " + units[i];
}

// A line chart of one or more series over the sampled times; y from 0 to the largest value.
function chart(node, name, title, t, lines, fmt) {
  const W = 360, H = 70, pad = 2;
  const box = el("div", {class: "chart-box"});
  const head = el("div", {class: "legend"}, title);
  const max = Math.max(0, ...lines.flatMap(l => l.values));
  for (const l of lines) {
    const key = el("i"); key.style.background = l.color;
    head.appendChild(key);
    head.appendChild(document.createTextNode(l.name + " " + fmt(l.values.length ? l.values[l.values.length - 1] : 0)));
  }
  head.appendChild(document.createTextNode("  (max " + fmt(max) + ")"));
  box.appendChild(head);
  const s = svg("svg", {class: "chart", viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none",
                        "data-node": node, "data-chart": name, "data-points": String(t.length)});
  const t0 = t.length ? t[0] : 0, span = t.length > 1 ? t[t.length - 1] - t0 : 1;
  for (const l of lines) {
    const pts = l.values.map((v, i) => {
      const x = pad + (W - 2 * pad) * (t.length > 1 ? (t[i] - t0) / span : 1);
      const y = H - pad - (H - 2 * pad) * (max > 0 ? v / max : 0);
      return x.toFixed(1) + "," + y.toFixed(1);
    });
    s.appendChild(svg("polyline", {points: pts.join(" "), fill: "none", stroke: l.color,
                                   "stroke-width": "1.5", "vector-effect": "non-scaling-stroke"}));
  }
  box.appendChild(s);
  return box;
}

function renderMembers(d) {
  const body = document.getElementById("members");
  body.replaceChildren();
  for (const m of d.members) {
    const tr = el("tr", {class: "member", "data-id": m.id, "data-state": m.state});
    tr.appendChild(el("td", {}, m.id + (m.id === d.self ? " (this node)" : "")));
    tr.appendChild(el("td", {}, m.address));
    tr.appendChild(el("td", {}, m.resp_address || "–"));
    tr.appendChild(el("td", {class: "state state-" + m.state}, m.state));
    tr.appendChild(el("td", {}, (100 * m.share).toFixed(1) + " %"));
    const ago = m.last_heartbeat_ms > 0 ? ((d.taken_ms - m.last_heartbeat_ms) / 1000).toFixed(1) + " s ago" : "–";
    tr.appendChild(el("td", {}, m.id === d.self ? "–" : ago));
    body.appendChild(tr);
  }
}

function renderNode(d, n) {
  const sec = el("section", {class: "node", "data-node": n.id});
  const h = el("h2", {}, n.id);
  h.appendChild(el("span", {class: "b-" + n.breaker, "data-breaker": n.breaker}, "L2 breaker: " + n.breaker));
  if (!n.reachable) h.appendChild(el("span", {class: "state-down"}, "unreachable: " + n.error));
  sec.appendChild(h);
  const cap = n.capacity_bytes > 0 ? n.capacity_bytes : n.sizing.capacity_bytes;
  const pct = cap > 0 ? Math.min(100, 100 * n.bytes / cap) : 0;
  sec.appendChild(el("div", {class: "small"},
    `memory ${fmtBytes(n.bytes)} of ${fmtBytes(cap)} (${pct.toFixed(1)} %), ${fmtNum(n.entries)} entries`));
  const bar = el("div", {class: "bar"}); const fill = el("div", {"data-memory": pct.toFixed(1)});
  fill.style.width = pct + "%"; bar.appendChild(fill); sec.appendChild(bar);
  if (n.sizing.reason) sec.appendChild(el("div", {class: "small"}, "sizing: " + n.sizing.reason));
  sec.appendChild(el("div", {class: "small"},
    `lifetime: ${fmtNum(n.hits)} hits, ${fmtNum(n.misses)} misses (hit rate ${(100 * n.hit_rate).toFixed(1)} %), ` +
    `${fmtNum(n.computes)} computes, ${fmtNum(n.errors)} errors`));
  const s = n.series, charts = el("div", {class: "charts"});
  const mins = s.t_ms.length > 1 ? ((s.t_ms[s.t_ms.length - 1] - s.t_ms[0]) / 60000).toFixed(1) : "0";
  charts.appendChild(chart(n.id, "lookups", `lookups/s, last ${mins} min:`, s.t_ms,
    [{name: "hits", color: "#1b7f3b", values: s.hits_per_s}, {name: "misses", color: "#c62828", values: s.misses_per_s}], fmtNum));
  charts.appendChild(chart(n.id, "computes", "computes/s:", s.t_ms,
    [{name: "computes", color: "#7b3fc4", values: s.computes_per_s}], fmtNum));
  charts.appendChild(chart(n.id, "latency", "lookup latency:", s.t_ms,
    [{name: "p50", color: "#3d7be0", values: s.p50_us}, {name: "p99", color: "#e07b3d", values: s.p99_us}], fmtUs));
  sec.appendChild(charts);
  sec.appendChild(el("h2", {style: "margin-top:8px"}, "Hot keys"));
  const hot = el("ul", {class: "hot-keys"});
  for (const [k, reads] of n.hot_keys.slice(0, 10)) {
    const li = el("li"); li.appendChild(el("code", {}, k)); li.appendChild(document.createTextNode(" ~" + fmtNum(reads) + " reads"));
    hot.appendChild(li);
  }
  if (!n.hot_keys.length) hot.appendChild(el("li", {class: "small"}, "none yet"));
  sec.appendChild(hot);
  sec.appendChild(el("h2", {}, "Recommendations"));
  const rec = el("ul", {class: "recommendations"});
  for (const r of n.recommendations) rec.appendChild(el("li", {}, r));
  if (!n.recommendations.length) rec.appendChild(el("li", {class: "small"}, "none"));
  sec.appendChild(rec);
  return sec;
}

function render(d) {
  document.getElementById("self").textContent = "node " + d.self + ", epoch " + d.epoch;
  renderMembers(d);
  const nodes = document.getElementById("nodes");
  nodes.replaceChildren(...d.nodes.map(n => renderNode(d, n)));
}

function setStatus(text, error) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

async function poll() {
  try {
    const r = await fetch("/dashboard.json", {cache: "no-store"});
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    document.body.dataset.polls = String(++polls);
    setStatus("updated " + new Date().toLocaleTimeString(), false);
  } catch (e) {
    setStatus("cannot reach the node: " + e.message, true);
  }
  setTimeout(poll, POLL_MS);
}
poll();
</script>
</body>
</html>
)ACPAGE";

} // namespace

std::string_view dashboard_page() { return page; }

} // namespace ac
