"""The demo page: HTML, CSS and JS served by the app itself (no CDN, no external font).

The page builds the highlighted text with DOM text nodes (never ``innerHTML`` with note
text), so a note containing markup is shown as text; a Content-Security-Policy of 'self'
forbids any other origin. Colors, and the look of assertion statuses (an ``absent`` entity
struck through and dimmed, other statuses but ``present`` underlined with dashes, the status
in the hover text), are :mod:`clinical_ner.display`'s.
"""

from __future__ import annotations

import html
import json

from clinical_ner.display import ASSERTION_CSS, FALLBACK_COLORS, LABEL_COLORS

# Example notes written for this project: invented patients, no real PHI.
EXAMPLE_NOTES: dict[str, str] = {
    "Chest pain admission": (
        "HISTORY OF PRESENT ILLNESS: A 58-year-old man presents with substernal chest pain "
        "radiating to the left arm and shortness of breath for two hours. He has a history of "
        "hypertension and type 2 diabetes mellitus treated with metformin and lisinopril.\n"
        "An ECG showed ST elevation in the inferior leads and the troponin was elevated. "
        "He was given aspirin 325 mg and heparin and was taken for cardiac catheterization."
    ),
    "Pneumonia follow-up": (
        "The patient is a 71-year-old woman seen for follow-up of community-acquired "
        "pneumonia. She completed a course of levofloxacin. Her cough and fever have "
        "resolved. A repeat chest x-ray showed clearing of the right lower lobe infiltrate. "
        "CBC was within normal limits. Plan: continue albuterol inhaler as needed."
    ),
    "Diabetic foot ulcer": (
        "Assessment: chronic ulcer of the right heel in a patient with poorly controlled "
        "diabetes and peripheral neuropathy. Hemoglobin A1c was 9.8%. An MRI of the foot "
        "showed no evidence of osteomyelitis. We started cephalexin and arranged wound care "
        "with daily dressing changes; insulin glargine was increased to 24 units at night."
    ),
    "Markup is shown, not run": (
        "Patient reports headache <script>alert('x')</script> & nausea after starting "
        "ibuprofen; a CT scan of the head was negative."
    ),
}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

FAVICON_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" '
    b'rx="3" fill="#f4a6a6"/><rect x="3" y="7" width="10" height="2" fill="#1d2430"/>'
    b'<rect x="7" y="3" width="2" height="10" fill="#1d2430"/></svg>'
)

_OPTIONS = "\n".join(
    f'<option value="{i}">{html.escape(title)}</option>' for i, title in enumerate(EXAMPLE_NOTES)
)

INDEX_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>clinical-ner demo</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/assets/demo.css">
<script src="/assets/demo.js" defer></script>
</head>
<body>
<header>
  <h1>clinical-ner</h1>
  <p>Finds <b>PROBLEM</b>, <b>TEST</b> and <b>TREATMENT</b> mentions in clinical notes, with
  exact character offsets, and whether each is present, absent, possible, conditional,
  hypothetical or about someone else: absent entities are struck through; hover an entity for
  its status and confidence. Notes are processed by this server only and never logged.</p>
</header>
<main>
  <section class="input">
    <label for="example">Example note</label>
    <select id="example">
      <option value="">(choose an example)</option>
      {_OPTIONS}
    </select>
    <label for="note">Note</label>
    <textarea id="note" rows="9" spellcheck="false"
      placeholder="Paste a clinical note (no real patient data in a demo)."></textarea>
    <div class="actions">
      <button id="annotate" type="button">Annotate</button>
      <button id="download" type="button" disabled>Download JSON</button>
      <span id="status" role="status" aria-live="polite"></span>
    </div>
  </section>
  <section class="output">
    <div id="legend" class="cner-legend"></div>
    <div id="result" class="cner-doc" aria-label="highlighted note"></div>
    <table id="entities">
      <thead><tr><th>#</th><th>label</th><th>begin</th><th>end</th><th>text</th>
      <th>status</th><th>section</th><th>confidence</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<footer><a href="/docs">API docs</a> · <a href="/openapi.json">OpenAPI schema</a> ·
<a href="/v1/models">model</a></footer>
</body>
</html>
"""

DEMO_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;
  background:#f5f7fa}
header,main,footer{max-width:980px;margin:0 auto;padding:0 1.2em}
header h1{margin:.8em 0 .2em 0;font-size:1.6em}
header p{margin:0 0 1em 0;color:#4a5566}
section{background:#fff;border:1px solid #d9dee6;border-radius:.5em;padding:1em;margin-bottom:1em}
label{display:block;font-weight:600;margin:.4em 0 .3em 0}
select{font-size:1em;padding:.25em}
textarea{width:100%;box-sizing:border-box;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;
  padding:.5em;border:1px solid #b9c2cf;border-radius:.35em}
.actions{margin-top:.6em;display:flex;gap:.6em;align-items:center}
button{font-size:1em;padding:.4em 1.1em;border-radius:.35em;border:1px solid #2b5fab;
  background:#2f6fca;color:#fff;cursor:pointer}
button:disabled{background:#aab6c8;border-color:#aab6c8;cursor:default}
#download{background:#fff;color:#2b5fab}
#download:disabled{color:#fff}
#status{color:#4a5566}
#status.error{color:#b00020;font-weight:600}
.cner-legend{margin:0 0 .6em 0;line-height:1.8}
.cner-key{display:inline-block;padding:0 .55em;margin:0 .4em .2em 0;border-radius:.35em;
  font-size:12px;font-weight:600;letter-spacing:.03em}
.cner-doc{white-space:pre-wrap;word-wrap:break-word;line-height:2.1;min-height:2em;
  border:1px solid #d9dee6;border-radius:.4em;padding:.6em .8em;margin-bottom:.8em}
.cner-entity{padding:.15em .3em;border-radius:.35em;cursor:help}
.cner-label{font-size:.68em;font-weight:700;letter-spacing:.04em;margin-left:.35em;
  padding:0 .3em;border-radius:.25em;background:rgba(255,255,255,.65);vertical-align:middle;
  white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #e3e7ee}
th{background:#f0f3f7}
footer{color:#4a5566;font-size:13px;padding-bottom:2em}
""".strip() + "\n" + ASSERTION_CSS

_JS_TEMPLATE = """
"use strict";
const EXAMPLES = __EXAMPLES__;
const LABEL_COLORS = __LABEL_COLORS__;
const FALLBACK_COLORS = __FALLBACK_COLORS__;
let lastResponse = null;

// crc32, as clinical_ner.display picks a fallback color, so both agree on every label.
function crc32(text) {
  const bytes = new TextEncoder().encode(text);
  let crc = 0xFFFFFFFF;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xEDB88320 & -(crc & 1));
  }
  return (crc ^ 0xFFFFFFFF) >>> 0;
}
function colorOf(label) {
  return LABEL_COLORS[label] || FALLBACK_COLORS[crc32(label) % FALLBACK_COLORS.length];
}
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}
// An assertion status as hover text shows it ("associated with someone else").
function statusText(status) {
  return status.replace(/_/g, " ");
}
function titleOf(e) {
  let title = e.label;
  if (e.assertion && e.assertion !== "present") title += ", " + statusText(e.assertion);
  if (e.section) title += ", section " + e.section;
  if (e.confidence != null) title += ", confidence " + e.confidence.toFixed(2);
  return title;
}
function setStatus(message, isError) {
  const status = document.getElementById("status");
  status.textContent = message;
  status.className = isError ? "error" : "";
}
// Offsets count Unicode code points (Python str indices); JS strings count UTF-16 units.
function render(text, entities) {
  const chars = Array.from(text);
  const result = document.getElementById("result");
  const legend = document.getElementById("legend");
  const tbody = document.querySelector("#entities tbody");
  result.replaceChildren(); legend.replaceChildren(); tbody.replaceChildren();
  let cursor = 0;
  const seen = [];
  const seenStatuses = [];
  entities.forEach((e, i) => {
    if (e.begin < cursor || e.end < e.begin || e.end >= chars.length) return;
    result.append(document.createTextNode(chars.slice(cursor, e.begin).join("")));
    const span = el("span", "cner-entity", chars.slice(e.begin, e.end + 1).join(""));
    span.style.backgroundColor = colorOf(e.label);
    span.dataset.label = e.label;
    span.dataset.begin = e.begin;
    span.dataset.end = e.end;
    if (e.assertion) span.dataset.assertion = e.assertion;
    span.title = titleOf(e);
    span.append(el("span", "cner-label", e.label));
    result.append(span);
    cursor = e.end + 1;
    if (!seen.includes(e.label)) seen.push(e.label);
    if (e.assertion && e.assertion !== "present" && !seenStatuses.includes(e.assertion)) {
      seenStatuses.push(e.assertion);
    }
    const row = el("tr");
    row.append(el("td", "", String(i + 1)), el("td", "", e.label), el("td", "", String(e.begin)),
      el("td", "", String(e.end)), el("td", "", e.text),
      el("td", "", e.assertion ? statusText(e.assertion) : ""),
      el("td", "", e.section || ""),
      el("td", "", e.confidence == null ? "" : e.confidence.toFixed(3)));
    tbody.append(row);
  });
  result.append(document.createTextNode(chars.slice(cursor).join("")));
  for (const label of seen) {
    const key = el("span", "cner-key", label);
    key.style.backgroundColor = colorOf(label);
    legend.append(key);
  }
  for (const status of seenStatuses) {
    const key = el("span", "cner-key", statusText(status));
    key.dataset.assertion = status;
    legend.append(key);
  }
}
async function annotate() {
  const text = document.getElementById("note").value;
  const button = document.getElementById("annotate");
  button.disabled = true;
  setStatus("annotating…", false);
  const started = performance.now();
  try {
    const response = await fetch("/v1/annotate", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({text: text, include_confidence: true}),
    });
    const payload = await response.json().catch(() => ({message: response.statusText}));
    if (!response.ok) {
      setStatus("Error " + response.status + ": " + (payload.message || "request failed"), true);
      return;
    }
    lastResponse = {text: text, model: payload.model, entities: payload.results[0].entities};
    render(text, lastResponse.entities);
    document.getElementById("download").disabled = false;
    const ms = Math.round(performance.now() - started);
    setStatus(lastResponse.entities.length + " entities, " + ms + " ms", false);
  } catch (err) {
    setStatus("The service did not answer: " + err, true);
  } finally {
    button.disabled = false;
  }
}
function download() {
  if (!lastResponse) return;
  const blob = new Blob([JSON.stringify(lastResponse, null, 2)], {type: "application/json"});
  const link = el("a");
  link.href = URL.createObjectURL(blob);
  link.download = "entities.json";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("annotate").addEventListener("click", annotate);
  document.getElementById("download").addEventListener("click", download);
  document.getElementById("example").addEventListener("change", (event) => {
    const index = event.target.value;
    if (index !== "") document.getElementById("note").value = EXAMPLES[Number(index)];
  });
  document.getElementById("note").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) annotate();
  });
});
""".strip()

DEMO_JS = (
    _JS_TEMPLATE.replace("__EXAMPLES__", json.dumps(list(EXAMPLE_NOTES.values())))
    .replace("__LABEL_COLORS__", json.dumps(LABEL_COLORS))
    .replace("__FALLBACK_COLORS__", json.dumps(list(FALLBACK_COLORS)))
)

ASSETS: dict[str, tuple[bytes, str]] = {
    "demo.css": (DEMO_CSS.encode("utf-8"), "text/css; charset=utf-8"),
    "demo.js": (DEMO_JS.encode("utf-8"), "text/javascript; charset=utf-8"),
}


def docs_unavailable(tool: str) -> str:
    """The page /docs or /redoc shows when the offline assets are not installed."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>clinical-ner API</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>clinical-ner API</h1>
<p>{tool} is not available: its files are not installed, and this service loads nothing from
the network. Install them with <code>pip install fastapi-offline</code> (part of the
<code>server</code> extra) and restart the service.</p>
<p>The OpenAPI schema is served at <a href="/openapi.json">/openapi.json</a>; the demo page is at
<a href="/">/</a>.</p></body></html>"""
