"""An interactive map without plotly.js: the server's SVG map (:mod:`dashboard.figures.svg`) in a
small Streamlit component (``st.components.v2``, 15 kB of Streamlit's own code and the few lines
below) that adds what plotly's map gave the pages: a tooltip on every state, corridor and event, a
click that opens a state or a corridor, a keyboard path to the same, and zoom.

Why: plotly.js is a 4.7 MB chunk that a new visitor's browser fetches, compiles and starts before
any plotly map can draw, 1.5-2 s of main thread on a 2-core machine (docs/SCALE.md, tenth
and eleventh passes). This map is drawn as soon as the page's script output arrives.

Text stays text: the SVG's every name is escaped by :mod:`dashboard.figures.svg`; the script reads
the tooltips from the shapes' ``<title>`` elements (``textContent``) and writes them back with
``textContent``; the document is parsed as XML (``DOMParser``, ``image/svg+xml``: no script runs),
and anything that is not drawing (``script``, ``foreignObject``, ``on*`` attributes) is dropped.
A click sends only the ``data-ref`` of the shape clicked, which the page checks against its own
codes before acting on it.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import _

_CSS = """
.lm { position: relative; touch-action: pan-y; width: fit-content; max-width: 100%; margin: 0 auto; }
.lm svg { display: block; max-width: 100%; height: auto; user-select: none; }
.lm svg path, .lm svg polyline, .lm svg circle { vector-effect: non-scaling-stroke; }
.lm [data-ref] { cursor: pointer; outline: none; }
.lm svg text { pointer-events: none; }
.lm path[data-ref]:hover, .lm path[data-ref]:focus-visible { stroke: #111; stroke-width: 1.8px; }
.lm polyline[data-ref]:hover, .lm polyline[data-ref]:focus-visible { stroke: rgba(17,17,17,0.35); }
.lm circle.lm-t:hover { stroke: #111; stroke-width: 1.5px; }
.lm .lm-tip { position: absolute; z-index: 3; pointer-events: none; max-width: 18rem; padding: 0.35rem 0.5rem;
  background: rgba(255,255,255,0.97); color: #111; border: 1px solid #888; border-radius: 4px;
  font-family: inherit; font-size: 0.8rem; line-height: 1.35; white-space: pre-line;
  box-shadow: 0 1px 4px rgba(0,0,0,0.2); }
.lm .lm-tip b { font-weight: 600; }
.lm .lm-bar { position: absolute; top: 4px; right: 4px; display: flex; gap: 2px; z-index: 2; }
.lm .lm-bar button { width: 1.7rem; height: 1.7rem; padding: 0; border: 1px solid #999; border-radius: 4px;
  background: rgba(255,255,255,0.9); color: #222; font: inherit; font-weight: 600; font-size: 1rem; line-height: 1; cursor: pointer; }
.lm .lm-bar button:hover { background: #fff; border-color: #333; }
.lm .lm-legend { font-size: 0.8rem; line-height: 1.6; }
.lm .lm-legend span { display: inline-flex; align-items: center; gap: 0.3rem; margin-right: 0.9rem; }
.lm .lm-legend i { width: 0.8rem; height: 0.8rem; border: 1px solid #666; }
.lm.lm-zoomed svg { cursor: grab; }
.lm.lm-drag svg { cursor: grabbing; }
"""

_JS = r"""
const DROP = new Set(["script", "foreignObject", "iframe", "object", "embed", "a", "use", "image"]);

function clean(node) {
  for (const el of Array.from(node.querySelectorAll("*"))) {
    if (DROP.has(el.localName)) { el.remove(); continue; }
    for (const at of Array.from(el.attributes)) {
      if (/^on/i.test(at.name) || /^(href|xlink:href)$/i.test(at.name)) el.removeAttribute(at.name);
    }
  }
}

function mount(root, data, setTriggerValue) {
  const doc = new DOMParser().parseFromString(data.svg, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.localName !== "svg" || doc.querySelector("parsererror")) return;
  clean(svg);
  const node = document.importNode(svg, true);
  for (const t of Array.from(node.querySelectorAll(":scope > title"))) t.remove();
  const targets = Array.from(node.querySelectorAll("[data-ref]"));
  for (const t of Array.from(node.querySelectorAll("title"))) {   // our tooltip replaces the browser's slow one
    t.parentNode.setAttribute("data-tip", t.textContent);   // an attribute's value: text, never markup
    t.parentNode.classList.add("lm-t");
    t.remove();
  }
  for (const el of targets) {
    el.setAttribute("aria-label", (el.dataset.tip || el.dataset.ref).split("\n")[0]);
    el.setAttribute("role", "button");
    if (targets.length <= 80) el.setAttribute("tabindex", "0");
  }
  const tip = document.createElement("div");
  tip.className = "lm-tip";
  tip.hidden = true;
  const bar = document.createElement("div");
  bar.className = "lm-bar";
  const legend = document.createElement("div");      // HTML under the map: it wraps and keeps its size on a phone
  legend.className = "lm-legend";
  for (const [colour, name] of data.legend || []) {
    const item = document.createElement("span"), swatch = document.createElement("i");
    swatch.style.background = /^#[0-9a-fA-F]{3,8}$/.test(colour) ? colour : "#ccc";
    item.append(swatch, document.createTextNode(name));
    legend.appendChild(item);
  }
  root.replaceChildren(node, legend, tip, bar);

  const box = node.viewBox.baseVal;
  const home = [box.x, box.y, box.width, box.height];
  let view = home.slice();
  const setView = (v) => {
    const w = Math.min(home[2], Math.max(home[2] / 12, v[2]));
    const h = w * home[3] / home[2];
    const x = Math.min(home[0] + home[2] - w, Math.max(home[0], v[0] + (v[2] - w) / 2));
    const y = Math.min(home[1] + home[3] - h, Math.max(home[1], v[1] + (v[3] - h) / 2));
    view = [x, y, w, h];
    node.setAttribute("viewBox", view.map((n) => n.toFixed(2)).join(" "));
    root.classList.toggle("lm-zoomed", w < home[2] - 0.01);
  };
  const zoomAt = (k, cx, cy) => {
    const w = view[2] / k, h = view[3] / k;
    setView([cx - (cx - view[0]) / k - (view[2] - w) / 2, cy - (cy - view[1]) / k - (view[3] - h) / 2, view[2], view[3]]
      .map((n, i) => i < 2 ? n : [w, h][i - 2]));
  };
  const toUser = (ev) => {
    const r = node.getBoundingClientRect();
    return [view[0] + (ev.clientX - r.left) / r.width * view[2], view[1] + (ev.clientY - r.top) / r.height * view[3]];
  };
  for (const [label, text, act] of [
    [data.ui.zoom_in, "+", () => zoomAt(1.6, view[0] + view[2] / 2, view[1] + view[3] / 2)],
    [data.ui.zoom_out, "\u2212", () => zoomAt(1 / 1.6, view[0] + view[2] / 2, view[1] + view[3] / 2)],
    [data.ui.reset, "\u21ba", () => setView(home)],
  ]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = label;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", (ev) => { ev.stopPropagation(); act(); });
    bar.appendChild(b);
  }

  const show = (el, x, y) => {
    if (!el.dataset.tip) { tip.hidden = true; return; }
    const [head, ...rest] = el.dataset.tip.split("\n");
    const b = document.createElement("b");
    b.textContent = head;
    tip.replaceChildren(b, ...(rest.length ? [document.createElement("br"), document.createTextNode(rest.join("\n"))] : []));
    tip.hidden = false;
    const r = root.getBoundingClientRect();
    const w = tip.offsetWidth, h = tip.offsetHeight;
    let left = x - r.left + 14, top = y - r.top + 14;
    if (left + w > r.width) left = Math.max(0, x - r.left - w - 10);
    if (top + h > r.height) top = Math.max(0, y - r.top - h - 10);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  };
  let drag = null, moved = false;
  node.addEventListener("pointermove", (ev) => {
    if (drag) {
      const r = node.getBoundingClientRect();
      const dx = (ev.clientX - drag[0]) / r.width * view[2], dy = (ev.clientY - drag[1]) / r.height * view[3];
      if (Math.abs(ev.clientX - drag[0]) + Math.abs(ev.clientY - drag[1]) > 4) moved = true;
      if (moved) { setView([drag[2] - dx, drag[3] - dy, view[2], view[3]]); tip.hidden = true; return; }
    }
    const el = ev.target.closest ? ev.target.closest(".lm-t") : null;
    if (el) show(el, ev.clientX, ev.clientY); else tip.hidden = true;
  });
  node.addEventListener("pointerleave", () => { tip.hidden = true; });
  node.addEventListener("pointerdown", (ev) => {
    moved = false;
    if (root.classList.contains("lm-zoomed") && ev.button === 0) {
      drag = [ev.clientX, ev.clientY, view[0], view[1]];
      root.classList.add("lm-drag");
    }
  });
  const end = () => { drag = null; root.classList.remove("lm-drag"); };
  node.addEventListener("pointerup", end);
  node.addEventListener("pointercancel", end);
  node.addEventListener("dblclick", (ev) => { ev.preventDefault(); const [x, y] = toUser(ev); zoomAt(1.6, x, y); });
  node.addEventListener("click", (ev) => {
    if (moved) { moved = false; return; }
    const el = ev.target.closest ? ev.target.closest("[data-ref]") : null;
    if (el && el.dataset.ref) setTriggerValue("select", el.dataset.ref);
  });
  node.addEventListener("keydown", (ev) => {
    const el = ev.target.closest ? ev.target.closest("[data-ref]") : null;
    if (el && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); setTriggerValue("select", el.dataset.ref); }
  });
  node.addEventListener("focusin", (ev) => {
    const el = ev.target.closest ? ev.target.closest("[data-ref]") : null;
    if (!el) return;
    const b = el.getBoundingClientRect();
    show(el, b.left + b.width / 2, b.top + b.height / 2);
  });
  node.addEventListener("focusout", () => { tip.hidden = true; });
}

export default function (component) {
  const { parentElement, data, setTriggerValue } = component;
  let root = parentElement.querySelector(".lm");
  if (!root) {
    root = document.createElement("div");
    root.className = "lm";
    parentElement.appendChild(root);
  }
  root.dataset.ready = "";
  const stamp = data.svg + JSON.stringify(data.legend || []);
  if (root.__svg !== stamp) {         // a rerun with the same map keeps its zoom and handlers
    root.__svg = stamp;
    mount(root, data, setTriggerValue);
  }
  root.dataset.ready = "1";
}
"""

_MAP = st.components.v2.component("riskmap_live_map", css=_CSS, js=_JS, isolate_styles=False)


def _picked(value) -> str | None:
    if isinstance(value, str):
        return value or None
    got = value.get("select") if hasattr(value, "get") else getattr(value, "select", None)
    return got if isinstance(got, str) and got else None


def live_map(svg_doc: str, *, key: str, on_pick: str, legend: list[tuple[str, str]] = ()) -> None:
    """Draw ``svg_doc`` (an SVG document from :func:`dashboard.figures.maps.state_map_svg`, whose
    clickable shapes carry ``data-ref``). A click stores the shape's ``data-ref`` in
    ``st.session_state[on_pick]`` before the run it causes (a callback), so the page can act on
    it at its top; the page checks it against its own codes and clears it. ``legend``:
    (colour, name) pairs drawn under the map (text, as text)."""
    def store() -> None:
        st.session_state[on_pick] = _picked(st.session_state.get(key))

    ui = {"zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"), "reset": _("Reset the zoom")}
    _MAP(key=key, data={"svg": svg_doc, "ui": ui, "legend": [list(item) for item in legend]}, on_select_change=store)
