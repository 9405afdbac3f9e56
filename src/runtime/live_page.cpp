// The live page (src/runtime/live.hpp): one self-contained document, no file fetched from anywhere else. Its
// script asks /data.json for the latest snapshot every second and puts each figure, an SVG drawn on the
// server by the report's chart code, in place; figures appear in the order the server lists them.
#include "runtime/live.hpp"

namespace cnn::live {

const std::string& page_html() {
  static const std::string page = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cnnlab: watching a network learn</title>
<style>
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:1em auto;padding:0 1em;max-width:1800px;color:#222}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
#numbers{font-size:1.15em;display:flex;flex-wrap:wrap;gap:.4em 1.6em;margin:.4em 0}
#numbers b{font-variant-numeric:tabular-nums}
#banner{padding:.5em .8em;border-radius:4px;background:#eef4fb;border:1px solid #b9d3ee}
#banner.over{background:#eaf7ee;border-color:#9fd4ae}#banner.gone{background:#fbf1e6;border-color:#e8c39a}
.section{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1em;align-items:start}
.fig svg{width:100%;height:auto;border:1px solid #eee}
.note{color:#555;font-size:.92em}
</style>
</head>
<body>
<h1 id="title">Watching a network learn</h1>
<p id="banner">Waiting for the training program's first numbers...</p>
<div id="numbers">
<span id="state">waiting</span>
<span id="step">step -</span>
<span id="epoch">epoch -</span>
<span id="loss">loss -</span>
<span id="speed">- images/s</span>
<span id="left">time left -</span>
<span id="val">validation accuracy -</span>
</div>
<h2>Curves</h2>
<div class="section" id="curves"></div>
<h2>The network now: the first layer's filters, and what it makes of one test image</h2>
<div class="section" id="network"></div>
<h2>The last validation</h2>
<p class="note" id="validation-note">Counted at the end of every epoch, on the parameters the solver validates.</p>
<div class="section" id="validation"></div>
<p class="note">Served by the training program on the loopback address only; this page updates every second
and can be closed and opened again at any time. The same charts, for the whole run, are in the report written
when training ends.</p>
<script>
"use strict";
let version = 0;      // the snapshot whose figures are on the page
let figuresAt = 0;    // when they were asked for (ms)
const $ = (id) => document.getElementById(id);
function clock(s) {
  s = Math.max(0, Math.round(s));
  const m = Math.floor(s / 60);
  return m + ":" + String(s % 60).padStart(2, "0");
}
function banner(text, kind, link, linkText) {
  const b = $("banner");
  b.className = kind;
  b.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = link;
    a.textContent = linkText;
    b.append(" ", a);
  }
}
function numbers(d) {
  $("title").textContent = "Live: " + d.title;
  document.title = "cnnlab live: " + d.title;
  $("state").textContent = d.finished ? "finished" : "training";
  $("step").textContent = "step " + d.step + " of " + d.steps + " (" + d.steps_done + " in all)";
  $("epoch").textContent = "epoch " + d.epoch + " of " + d.epochs;
  $("loss").textContent = d.loss === null ? "loss -" : "loss " + d.loss.toFixed(3);
  $("speed").textContent = Math.round(d.images_per_second) + " images/s";
  $("left").textContent = d.finished ? "no time left" : "about " + clock(d.seconds_left) + " left";
  if (d.val_acc !== null) $("val").textContent = "validation accuracy " + (100 * d.val_acc).toFixed(2) + " % (after epoch " + d.val_epoch + ")";
  if (d.finished)
    banner("Training is over: " + d.summary + ". Everything is in " + d.report_dir + "/report.html:",
           "over", d.report, "open the report");
  else
    banner("Training: this page shows the latest numbers, updated every second (the pictures every third).",
           "", null, "");
  window.lastData = d;
}
function show(d) {  // the numbers and the figures
  version = d.version;
  numbers(d);
  for (const f of d.figures) {
    let el = $("fig-" + f.id);
    if (!el) {
      el = document.createElement("div");
      el.id = "fig-" + f.id;
      el.className = "fig";
      $(f.section).appendChild(el);
    }
    if (el.svgText !== f.svg) {  // only what changed is drawn again
      el.innerHTML = f.svg;
      el.svgText = f.svg;
    }
  }
}
function gone() {
  const d = window.lastData;
  if (!d)
    banner("The training program is not answering yet (or has ended). Trying again...", "gone", null, "");
  else if (d.finished)
    banner("Training is over: " + d.summary + ". The training program has ended; the report is on disk: " +
           d.report_dir + "/report.html", "gone", null, "");
  else
    banner("The training program is not answering: it has ended, or was stopped. This page shows the last " +
           "numbers it sent. A run that ends writes its report to " + d.report_dir + "/report.html.", "gone",
           null, "");
  $("state").textContent = "not answering";
}
// The numbers every second; the figures, the costly part to draw, every third second and only while the page
// can be seen (a hidden page still asks for the numbers: the program then knows that a page is open).
async function look() {
  let next = 1000;
  const figures = !document.hidden && (version === 0 || Date.now() - figuresAt >= 2900 ||
                                       (window.lastData && window.lastData.finished));
  try {
    const r = await fetch("/data.json?since=" + version + (figures ? "" : "&figures=0"), {cache: "no-store"});
    if (!r.ok) throw new Error("HTTP " + r.status);
    const d = await r.json();
    if (figures) figuresAt = Date.now();
    if (d.figures) show(d);
    else if (d.title !== undefined) numbers(d);
  } catch (e) {
    gone();
    next = 2000;
  }
  setTimeout(look, next);
}
document.addEventListener("visibilitychange", () => { figuresAt = 0; });
look();
</script>
</body>
</html>
)PAGE";
  return page;
}

}  // namespace cnn::live
