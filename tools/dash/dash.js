// dash.js — lockstep-dash's page logic, no library: polls the JSON API every POLL_MS, draws the
// ranked list, and for the campaign in the URL (#c/ID) its facts, why it was flagged (score
// parts in words), a graph of its strongest ties by signal, its activity per minute, its
// representative text with hashtags, links and mentions highlighted, other texts of its accounts
// beside it with the words they share marked, its accounts with their
// other campaigns, and its lineage. Everything from the API goes into the page as text
// (textContent, SVG attributes): nothing it returns, nor the URL, is ever parsed as HTML.
"use strict";
const POLL_MS = 3000;
const SIGNALS = ["co-retweet", "co-reply", "co-tweet", "co-similar-text", "co-link", "co-hashtag"];
const SVGNS = "http://www.w3.org/2000/svg";
let campaigns = [], filter = "";

function el(tag, attrs, ...children) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVGNS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.setAttribute("class", v);
    else if (k === "style") Object.assign(e.style, v); // the CSSOM: the page's CSP forbids style attributes
    else if (k === "onclick") e.addEventListener("click", v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}
// A JSON field of a hash (signals, evidence) as an object; fallback when absent or not an object.
function parse(json, fallback) {
  try { const v = JSON.parse(json); return v && typeof v === "object" ? v : fallback; } catch (e) { return fallback; }
}
function num(x, digits) { const n = Number(x); return Number.isFinite(n) ? n.toFixed(digits) : "?"; }
function colour(signal) { return getComputedStyle(document.documentElement).getPropertyValue("--" + signal).trim() || "#555"; }
function badge(signal, n) { return el("span", {class: "badge", style: {background: colour(signal)}}, signal + (n !== undefined ? " " + n : "")); }
function link(href, text) { return el("a", {href}, text); }
// A two-column list of facts: label, value, label, value...
function facts(...pairs) {
  const d = el("div", {class: "facts"});
  for (let i = 0; i + 1 < pairs.length; i += 2) d.append(el("span", {class: "muted"}, pairs[i]), el("span", {}, pairs[i + 1]));
  return d;
}

async function api(path) {
  const r = await fetch(path, {cache: "no-store"});
  const body = await r.json().catch(() => ({error: "not JSON (HTTP " + r.status + ")"}));
  if (!r.ok) throw new Error(body.error || "HTTP " + r.status);
  return body;
}
function status(ok, text) {
  const s = document.getElementById("status"), b = document.getElementById("banner");
  s.textContent = text;
  s.className = ok ? "status" : "status down";
  b.hidden = ok;
  b.textContent = ok ? "" : "Cannot read the campaigns: " + text + " (retrying every " + POLL_MS / 1000 + " s)";
}

// --- the list ---------------------------------------------------------------------------------

function matches(c) {
  if (!filter) return true;
  const hay = [c.campaign_id, c.representative_text, c.signals, c.operation_id].join(" ").toLowerCase();
  return hay.includes(filter);
}
function drawList(data) {
  campaigns = data.campaigns || [];
  const ol = document.getElementById("campaigns"), shown = campaigns.filter(matches), sel = selected();
  document.getElementById("count").textContent = "(" + shown.length + (filter ? " of " + campaigns.length : "") + ")";
  ol.replaceChildren(...shown.map(c => {
    const sig = parse(c.signals, {});
    return el("li", {class: sel && sel.kind === "c" && sel.id === c.campaign_id ? "selected" : "", "data-id": c.campaign_id,
                     onclick: () => { location.hash = "#c/" + c.campaign_id; }},
      el("div", {class: "row1"}, el("span", {class: "id"}, c.campaign_id),
         el("span", {}, num(c.score, 3) + " · " + (c.accounts_count || "?") + " accounts · " + (c.tweet_count || "?") + " tweets")),
      el("div", {class: "scorebar", style: {width: Math.round(100 * Math.min(1, Number(c.score) || 0)) + "%"}}),
      el("div", {}, ...Object.entries(sig).map(([s, n]) => badge(s, n))),
      el("div", {class: "text"}, c.representative_text || ""));
  }));
  const ops = document.getElementById("operations");
  ops.replaceChildren(...(data.operations || []).map(o => el("li", {onclick: () => { location.hash = "#o/" + o.operation_id; }},
    el("div", {class: "row1"}, el("span", {class: "id"}, o.operation_id),
       el("span", {}, num(o.score, 3) + " · " + o.campaigns_count + " campaigns · " + o.accounts_count + " accounts")))));
}

// --- one campaign -----------------------------------------------------------------------------

// Hashtags, links and mentions of a text, highlighted as text nodes inside <mark>.
const TOKENS = /(#[\p{L}\p{N}_]+)|(https?:\/\/\S+)|(@[A-Za-z0-9_]{1,15})/gu;
function highlighted(text) {
  const out = el("div", {class: "rep"});
  let at = 0;
  for (const m of text.matchAll(TOKENS)) {
    out.append(text.slice(at, m.index));
    out.append(el("mark", {class: m[2] ? "link" : m[3] ? "mention" : ""}, m[0]));
    at = m.index + m[0].length;
  }
  out.append(text.slice(at));
  return out;
}
// The texts side by side, each word that two or more of them share marked: what they copy, and
// where they vary (near-duplicates, disguised letters, paraphrases).
function compared(texts) {
  const count = new Map();
  for (const t of texts) for (const w of new Set(t.toLowerCase().split(/\s+/).filter(Boolean))) count.set(w, (count.get(w) || 0) + 1);
  return el("div", {}, ...texts.map(t => {
    const d = el("div", {class: "rep variant"});
    for (const part of t.split(/(\s+)/)) d.append((count.get(part.toLowerCase()) || 0) >= 2 ? el("mark", {class: "shared"}, part) : part);
    return d;
  }));
}
function pushes(text) {
  const tags = new Set(), links = new Set();
  for (const m of text.matchAll(TOKENS)) { if (m[1]) tags.add(m[1]); if (m[2]) links.add(m[2]); }
  return {tags: [...tags], links: [...links]};
}

function why(c, ev) {
  const p = ev.score_parts || {}, sig = parse(c.signals, {}), used = Object.keys(sig).length;
  const lines = [
    ["size", p.size, c.accounts_count + " accounts and " + c.tweet_count + " coordinated tweets"],
    ["synchrony", p.synchrony, "the two actions of a coordinated pair were " + num(ev.mean_gap_s, 1) + " s apart on average"],
    ["content", p.content, "share of its coordinated actions on the same or near-same content"],
    ["diversity", p.diversity, used + " of " + SIGNALS.length + " kinds of co-action tie the accounts (" + Object.keys(sig).join(", ") + ")"],
    ["accounts", p.accounts, "how unusual the accounts look (age, followers, activity), where metadata was seen"]];
  return el("ul", {class: "why"}, ...lines.map(([k, v, say]) => el("li", {}, el("b", {}, k + " " + num(v, 2)), say)),
    el("li", {}, el("b", {}, "score " + num(c.score, 3)), "flagged at " + (ev.qualified_at || "?") + " (score ≥ detect.min_score, ≥ detect.min_accounts accounts)"));
}

// The strongest ties on a circle: width by weight, colour by the edge's strongest signal.
function graph(ev) {
  const edges = ev.strongest_edges || [], names = ev.usernames || {};
  const ids = [...new Set(edges.flatMap(e => [e.source, e.target]))];
  const W = 520, H = 300, R = 110, cx = W / 2, cy = H / 2;
  const pos = Object.fromEntries(ids.map((id, i) => [id, [cx + R * Math.cos(2 * Math.PI * i / ids.length), cy + R * Math.sin(2 * Math.PI * i / ids.length)]]));
  const svg = el("svg:svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "strongest ties"});
  const top = Math.max(1e-9, ...edges.map(e => e.weight));
  for (const e of edges) {
    const s = Object.entries(e.signals || {}).sort((a, b) => b[1] - a[1])[0];
    const [x1, y1] = pos[e.source], [x2, y2] = pos[e.target];
    svg.append(el("svg:line", {x1, y1, x2, y2, stroke: colour(s ? s[0] : ""), "stroke-width": 1 + 7 * e.weight / top, "stroke-linecap": "round"},
      el("svg:title", {}, (names[e.source] || e.source) + " — " + (names[e.target] || e.target) + ": " + num(e.weight, 2) + (s ? " (" + s[0] + ")" : ""))));
  }
  for (const id of ids) {
    const [x, y] = pos[id];
    svg.append(el("svg:circle", {cx: x, cy: y, r: 6, fill: "#1d1d1b"}));
    svg.append(el("svg:text", {x: x + (x >= cx ? 9 : -9), y: y + 4, "text-anchor": x >= cx ? "start" : "end", "font-size": 12}, names[id] || id));
  }
  return svg;
}

function activity(ev) {
  const a = ev.activity || {}, bins = a.per_minute || [], W = 520, H = 120, top = Math.max(1, ...bins);
  const svg = el("svg:svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "coordinated tweets per minute"});
  const w = Math.min(40, Math.max(2, Math.floor((W - 20) / Math.max(1, bins.length))));
  bins.forEach((n, i) => svg.append(el("svg:rect", {x: 10 + i * w, y: H - 20 - (H - 30) * n / top, width: w - 1, height: (H - 30) * n / top, fill: "#b3261e"},
    el("svg:title", {}, n + " in minute " + i))));
  svg.append(el("svg:text", {x: 10, y: H - 5, "font-size": 11}, "from " + (a.start || "?") + ", per minute (max " + top + ")"));
  return svg;
}

async function drawCampaign(id) {
  const data = await api("/api/campaign/" + encodeURIComponent(id));
  const c = data.campaign, ev = parse(c.evidence, {}), text = c.representative_text || "";
  const accounts = data.accounts || [], names = ev.usernames || {};
  const others = accounts.length ? await api("/api/accounts?ids=" + accounts.slice(0, 50).map(encodeURIComponent).join(",")).catch(() => ({})) : {};
  const {tags, links} = pushes(text);
  const about = facts(
    "state", c.state + " (version " + c.version + ")", "seen", (c.first_seen || "?") + " → " + (c.last_seen || "?"),
    "signals", el("span", {}, ...Object.entries(parse(c.signals, {})).map(([s, n]) => badge(s, n))),
    "operation", c.operation_id ? link("#o/" + c.operation_id, c.operation_id) : "none",
    "lineage", el("span", {}, ev.split_from ? el("span", {}, "split from ", link("#c/" + ev.split_from, ev.split_from), " ") : "",
                  ev.merged_into ? el("span", {}, "merged into ", link("#c/" + ev.merged_into, ev.merged_into)) : "", !ev.split_from && !ev.merged_into ? "—" : ""));
  const rows = accounts.map(a => el("tr", {}, el("td", {class: "id"}, a), el("td", {}, names[a] || ""),
    el("td", {}, ...((others[a] || []).filter(x => x !== id).map(x => el("span", {}, link("#c/" + x, x), " "))))));
  const detail = document.getElementById("detail");
  detail.replaceChildren(
    el("h2", {}, "Campaign ", el("span", {class: "id"}, c.campaign_id), " · score " + num(c.score, 3)), about,
    el("h3", {}, "What it pushes"), highlighted(text),
    el("p", {}, "hashtags: ", tags.length ? tags.join(" ") : "—", el("br"), "links: ", ...(links.length ? links.map(l => el("span", {}, l, " ")) : ["—"])),
    (ev.other_texts || []).length ? el("h3", {}, "Texts of its accounts ", el("span", {class: "muted"}, "(words two or more share are marked)")) : null,
    (ev.other_texts || []).length ? compared([text, ...ev.other_texts]) : null,
    el("h3", {}, "Why it was flagged"), why(c, ev),
    el("h3", {}, "How the accounts are tied (strongest ties)"), graph(ev),
    el("h3", {}, "Activity"), activity(ev),
    el("h3", {}, "Accounts ", el("span", {class: "muted"}, accounts.length + " of " + data.total + (accounts.length < data.total ? " shown" : ""))),
    el("table", {}, el("tr", {}, el("th", {}, "account"), el("th", {}, "username"), el("th", {}, "other campaigns")), ...rows));
  detail.hidden = false;
  document.getElementById("hint").hidden = true;
}

async function drawOperation(id) {
  const data = await api("/api/operation/" + encodeURIComponent(id));
  const o = data.operation;
  document.getElementById("detail").replaceChildren(
    el("h2", {}, "Operation ", el("span", {class: "id"}, o.operation_id || id), " · score " + num(o.score, 3)),
    facts("state", o.state || "?", "seen", (o.first_seen || "?") + " → " + (o.last_seen || "?"),
       "accounts", o.accounts_count || "?", "merged into", o.merged_into ? link("#o/" + o.merged_into, o.merged_into) : "—"),
    el("h3", {}, "Campaigns ", el("span", {class: "muted"}, (data.campaigns || []).length + " of " + data.total)),
    el("ul", {}, ...(data.campaigns || []).map(x => el("li", {}, link("#c/" + x, x)))));
  document.getElementById("detail").hidden = false;
  document.getElementById("hint").hidden = true;
}

// --- the loop ---------------------------------------------------------------------------------

function selected() {
  const m = /^#([co])\/([A-Za-z0-9_-]{1,64})$/.exec(location.hash);
  return m ? {kind: m[1], id: m[2]} : null;
}
async function refresh() {
  try {
    drawList(await api("/api/campaigns?limit=200"));
    status(true, "updated " + new Date().toISOString().slice(11, 19) + " UTC");
  } catch (e) {
    status(false, e.message);
    return;
  }
  const sel = selected();
  if (!sel) return;
  try {
    await (sel.kind === "c" ? drawCampaign(sel.id) : drawOperation(sel.id));
  } catch (e) {
    document.getElementById("detail").replaceChildren(el("h2", {}, (sel.kind === "c" ? "Campaign " : "Operation ") + sel.id), el("p", {class: "muted"}, e.message));
    document.getElementById("detail").hidden = false;
  }
}
document.getElementById("search").addEventListener("input", e => { filter = e.target.value.trim().toLowerCase(); drawList({campaigns, operations: []}); refresh(); });
window.addEventListener("hashchange", refresh);
refresh();
setInterval(refresh, POLL_MS);
