/* nougat-align view: the report's behaviour (written for this project, no libraries).
   Overview: a paged, sortable, filterable table of papers from JSON embedded in the page.
   Paper: page filters, keyboard navigation (math is MathML, typeset by the browser). */
"use strict";

function $(sel, root) { return (root || document).querySelector(sel); }
function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
function el(tag, attrs, text) {
  var e = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
  if (text !== undefined) e.textContent = text;
  return e;
}

/* ---------------------------------------------------------------- overview ---- */

function overview() {
  var rows = JSON.parse($("#papers-data").textContent);
  var PER_PAGE = 100, page = 0, sortKey = "id", sortDir = 1;
  var q = $("#q"), status = $("#status"), reason = $("#reason"), hasDrops = $("#has-drops"), below = $("#below");
  rows.forEach(function (r) { r.dropped = r.pages - r.kept; });

  function matches(r) {
    if (q.value && (r.id + " " + r.reason + " " + r.error).toLowerCase().indexOf(q.value.toLowerCase()) < 0) return false;
    if (status.value && r.status !== status.value) return false;
    if (reason.value && !r.drops[reason.value]) return false;
    if (hasDrops.checked && !r.dropped) return false;
    if (below.value !== "" && !(r.min !== null && r.min < parseFloat(below.value))) return false;
    return true;
  }
  function cmp(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (x === y) return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * sortDir;
  }
  function paperLink(r) {
    var href = "papers/" + encodeURIComponent(r.id) + ".html";
    var params = [];
    if (reason.value) params.push("show=dropped", "reason=" + encodeURIComponent(reason.value));
    else if (hasDrops.checked) params.push("show=dropped");
    else if (below.value !== "") params.push("show=low", "low=" + encodeURIComponent(below.value));
    return params.length ? href + "?" + params.join("&") : href;
  }
  function cell(tr, text, cls) { var td = el("td", cls ? { "class": cls } : {}, text); tr.appendChild(td); return td; }
  function fmt(x) { return x === null || x === undefined ? "–" : String(x); }

  function draw() {
    var shown = rows.filter(matches).sort(cmp);
    var pages = Math.max(1, Math.ceil(shown.length / PER_PAGE));
    page = Math.min(page, pages - 1);
    var body = $("#papers tbody");
    body.textContent = "";
    shown.slice(page * PER_PAGE, (page + 1) * PER_PAGE).forEach(function (r) {
      var tr = el("tr", { "data-paper": r.id, "data-status": r.status });
      var td = cell(tr, "");
      if (r.link) td.appendChild(el("a", { href: paperLink(r), "class": "paper-link" }, r.id));
      else td.textContent = r.id;
      var st = cell(tr, ""); st.appendChild(el("span", { "class": "badge " + r.status }, r.status));
      cell(tr, r.pages, "num"); cell(tr, r.kept, "num");
      var why = Object.keys(r.drops).map(function (k) { return r.drops[k] + " " + k; }).join(", ");
      if (!r.link) cell(tr, (r.reason || "") + (r.error && r.error !== r.reason ? ": " + r.error : ""), "err");
      else cell(tr, r.dropped ? r.dropped + " (" + why + ")" : "");
      cell(tr, fmt(r.min), "num"); cell(tr, fmt(r.mean), "num"); cell(tr, fmt(r.seconds), "num");
      body.appendChild(tr);
    });
    $("#count").textContent = shown.length + " of " + rows.length + " papers";
    var pager = $("#pager");
    pager.textContent = "";
    if (pages > 1) {
      var prev = el("button", { type: "button", id: "prev-page" }, "← previous");
      var next = el("button", { type: "button", id: "next-page" }, "next →");
      prev.disabled = page === 0; next.disabled = page === pages - 1;
      prev.onclick = function () { page--; draw(); };
      next.onclick = function () { page++; draw(); };
      pager.appendChild(prev);
      pager.appendChild(el("span", {}, "page " + (page + 1) + " of " + pages));
      pager.appendChild(next);
    }
  }
  [q, status, reason, hasDrops, below].forEach(function (c) {
    c.addEventListener("input", function () { page = 0; draw(); });
    c.addEventListener("change", function () { page = 0; draw(); });
  });
  $("#paper-filters").addEventListener("submit", function (e) { e.preventDefault(); });
  $all("#papers th").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      sortDir = key === sortKey ? -sortDir : (key === "id" || key === "status" ? 1 : -1);
      sortKey = key;
      $all("#papers th").forEach(function (h) { h.classList.remove("asc", "desc"); });
      th.classList.add(sortDir > 0 ? "asc" : "desc");
      draw();
    });
  });
  draw();
}

/* ------------------------------------------------------------------- paper ---- */

function paper() {
  var sections = $all("section.page");
  var form = $("#filters"), low = $("#low"), reason = $("#reason");
  var params = new URLSearchParams(window.location.search);
  if (params.get("show")) {
    var radio = $('input[name=show][value="' + params.get("show") + '"]');
    if (radio) radio.checked = true;
  }
  if (params.get("low")) low.value = params.get("low");
  if (params.get("reason")) reason.value = params.get("reason");

  function show() { return $("input[name=show]:checked").value; }
  function visible(s) { return !s.classList.contains("hidden"); }
  function apply() {
    var mode = show(), threshold = parseFloat(low.value), n = 0;
    sections.forEach(function (s) {
      var kept = s.getAttribute("data-kept") === "1";
      var score = s.hasAttribute("data-score") ? parseFloat(s.getAttribute("data-score")) : NaN;
      var ok = (mode === "all") || (mode === "dropped" && !kept) || (mode === "low" && score < threshold);
      if (reason.value && s.getAttribute("data-reason") !== reason.value) ok = false;
      s.classList.toggle("hidden", !ok);
      if (ok) n++;
    });
    $("#shown").textContent = n + " of " + sections.length + " pages shown";
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", function (e) { apply(); if (e.target === reason) reason.blur(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();

  var current = -1;
  function go(i, stay) {
    if (i < 0 || i >= sections.length) return;
    if (current >= 0) sections[current].classList.remove("current");
    current = i;
    sections[i].classList.add("current");
    if (!stay) sections[i].scrollIntoView({ block: "start" });
    if (history.replaceState) history.replaceState(null, "", window.location.search + "#" + sections[i].id);
  }
  function step(dir) {
    var i = current;
    if (i < 0) i = dir > 0 ? -1 : sections.length;
    for (i += dir; i >= 0 && i < sections.length; i += dir) if (visible(sections[i])) { go(i); return; }
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;  /* keys typed into a field are the field's; radio buttons pass them on */
    if (t.tagName === "SELECT" || t.tagName === "TEXTAREA" ||
        (t.tagName === "INPUT" && t.type !== "radio" && t.type !== "checkbox")) return;
    var link = null;
    if (e.key === "j" || e.key === "ArrowRight") step(1);
    else if (e.key === "k" || e.key === "ArrowLeft") step(-1);
    else if (e.key === "]") link = $("#next-paper");
    else if (e.key === "[") link = $("#prev-paper");
    else if (e.key === "d") {
      var d = $('input[name=show][value="' + (show() === "dropped" ? "all" : "dropped") + '"]');
      d.checked = true; apply();
    } else return;
    e.preventDefault();
    if (link) window.location.href = link.href;
  });
  sections.forEach(function (s, i) { s.addEventListener("click", function () { if (current !== i) go(i, true); }); });
  if (window.location.hash) {
    var target = document.getElementById(window.location.hash.slice(1));
    if (target) go(sections.indexOf(target));
  }
}

document.addEventListener("DOMContentLoaded", function () {
  if (document.body.classList.contains("overview")) overview();
  else if (document.body.classList.contains("paper")) paper();
});
