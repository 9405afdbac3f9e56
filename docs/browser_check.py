#!/usr/bin/python3
"""Opens HTML pages in headless Chromium (through Selenium and chromedriver) and reports what a reader would see
wrong on each, after MathJax has typeset it:

  math      a formula MathJax could not typeset ("Undefined control sequence \\substack"), or TeX left as text
            because MathJax never ran (\\( ... \\), \\[ ... \\], \\f$)
  markup    markup shown as text: an HTML tag (<tt>, </td>), Markdown's ** or a Doxygen command (\\ilinebr, @ref,
            \\param, ...)
  dash      an en or em dash glued to a word (-batch typed as --batch and turned into a dash by Doxygen): a command
            copied from the page would fail
  wide      an image or figure wider than the text column at a 1280 px window (cut off or scrolled)
  image     an image that does not load or decode
  link      a link or image to a local file that does not exist

Usage: browser_check.py [--jobs N] [--self-test MATHJAX] [--screenshots DIR --shoot NAME ...] PAGE.html|FOLDER ...
A FOLDER stands for every .html file under it (MathJax's own folder left out). Exit status 0 when every page is
clean, 1 otherwise, with one line per problem. Called by docs/browser_check.
"""
import argparse
import multiprocessing
import os
import re
import sys
import time
import urllib.parse

WIDTH, HEIGHT = 1280, 1000
TEX = re.compile(r"\\[(\[]|\\begin\{")  # how Doxygen writes a formula for MathJax: \( \), \[ \], \begin{...}

# Runs in the page once MathJax has finished (or at once on a page without MathJax); returns what it found.
PROBE = r"""
const done = arguments[arguments.length - 1];
function settled() {  // images added by the page's own scripts (the search box) may still be on their way
  const waiting = [...document.images].filter(im => !im.complete).map(im => new Promise(r => {
    im.addEventListener("load", r); im.addEventListener("error", r); setTimeout(r, 5000); }));
  Promise.all(waiting).then(inspect);
}
function inspect() {
  const problems = [];
  const say = (kind, what) => problems.push([kind, what.replace(/\s+/g, " ").slice(0, 160)]);
  // Math: formulas MathJax refused, and TeX that stayed text.
  if (window.MathJax && MathJax.Hub && MathJax.Hub.getAllJax)
    for (const j of MathJax.Hub.getAllJax())
      if (j.texError) {
        const frame = document.getElementById(j.inputID + "-Frame");
        say("math", (frame ? frame.textContent : "") + " in: " + j.originalText);
      }
  for (const e of document.querySelectorAll(".merror")) if (!e.closest(".MathJax")) say("math", e.textContent);
  // The visible text, split into prose and code (code keeps its own characters, prose must not show markup).
  const skip = "script,style,.MathJax,.MathJax_Display,.MathJax_Preview,#MathJax_Message,.MathJax_Error";
  const code = "pre,code,.fragment,.line,tt,kbd,samp";
  let prose = "", listing = "";
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest(skip)) continue;
    const style = getComputedStyle(p);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (p.closest(code)) listing += n.nodeValue + "\n"; else prose += n.nodeValue + " ";
  }
  const context = (text, m) => text.slice(Math.max(0, m.index - 50), m.index + m[0].length + 50);
  const rules = [
    ["math", /\\\(|\\\)|\\\[|\\\]|[\\@]f[$\[\]]/g, prose],
    ["markup", /<\/?(tt|td|tr|th|table|b|i|em|strong|code|br|p|div|span|a|sup|sub|img|ul|ol|li|pre|dl|dt|dd|hr|h[1-6])\b[^<>]{0,80}>/gi, prose],
    ["markup", /\*\*/g, prose],
    ["markup", /[\\@](ilinebr|iline|ifile|ref|subpage|image|param|tparam|return|returns|brief|throws|exception|ingroup|page|section|subsection|include|verbinclude|snippet|code|endcode|f\{|note|warning|see|copydoc|details|anchor)\b/g, prose + " " + listing],
    ["dash", /[\u2013\u2014][A-Za-z]/g, prose + " " + listing],
  ];
  for (const [kind, re, text] of rules)
    for (const m of text.matchAll(re)) say(kind, (kind === "math" ? "TeX shown as text: " : "") + context(text, m));
  // Pictures: each must load and fit the column of text it stands in.
  const column = document.querySelector("#doc-content") || document.body;
  const right = Math.min(column.getBoundingClientRect().right, document.documentElement.clientWidth);
  for (const e of document.querySelectorAll("img, object, iframe, svg")) {
    if (e.closest(".MathJax, .MathJax_Display, #side-nav, #nav-tree") || e.closest("svg") !== e && e.tagName === "svg")
      continue;
    const r = e.getBoundingClientRect(), name = e.getAttribute("src") || e.getAttribute("data") || e.tagName;
    if (e.tagName === "IMG" && !(e.complete && e.naturalWidth > 0)) say("image", "does not load: " + name);
    if (r.width > 0 && r.right > right + 1)
      say("wide", name + " is " + Math.round(r.width) + " px wide and ends at " + Math.round(r.right) +
          " px, past the column's edge at " + Math.round(right) + " px");
  }
  // Links and images to local files: Python checks that they exist.
  const local = [];
  for (const e of document.querySelectorAll("a[href], img[src], object[data], iframe[src], link[href], script[src]")) {
    const url = e.href || e.src || e.data;
    if (url && url.startsWith("file:")) local.push(url);
  }
  done({problems, local});
}
const has_math = arguments[0];  // whether the page's HTML holds TeX: only then wait for MathJax to finish
if (!has_math) settled();
else if (window.MathJax && MathJax.Hub && MathJax.Hub.Register) MathJax.Hub.Register.StartupHook("End", settled);
else if (document.querySelector('script[src*="MathJax.js"]'))
  done({problems: [["math", "MathJax did not load"]], local: []});
else settled();
"""


def pages_of(paths):
    found = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d != "mathjax")
                found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".html")]
        else:
            found.append(p)
    return [os.path.realpath(p) for p in found]


def browser():
    from selenium import webdriver
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--allow-file-access-from-files", "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}"):
        o.add_argument(a)
    d = webdriver.Chrome(options=o)
    d.set_script_timeout(60)
    d.set_page_load_timeout(60)
    return d


def check_pages(job):
    """Checks a share of the pages in one browser; returns [(page, kind, what)]."""
    pages, shots = job
    d, found, blocking = browser(), [], False
    d.execute_cdp_cmd("Network.enable", {})
    try:
        for page in pages:
            try:
                with open(page, encoding="utf-8", errors="replace") as f:
                    has_math = bool(TEX.search(f.read()))
                if blocking == has_math:  # a page without formulas need not load MathJax at all
                    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [] if has_math else ["*/MathJax.js"]})
                    blocking = not has_math
                d.get("file://" + urllib.parse.quote(page))
                r = d.execute_async_script(PROBE, has_math)
            except Exception as e:  # a page that does not load or whose script never ends
                found.append((page, "load", str(e).splitlines()[0]))
                continue
            for kind, what in r["problems"]:
                found.append((page, kind, what))
            for url in r["local"]:
                path = urllib.parse.unquote(urllib.parse.urlparse(url).path)
                if not os.path.exists(path):
                    found.append((page, "link", "to a missing file: " + os.path.relpath(path, os.path.dirname(page))))
            if page in shots:
                height = d.execute_script(
                    "const c = document.querySelector('#doc-content');"
                    "return Math.max(document.body.scrollHeight, c ? c.scrollHeight + c.offsetTop : 0);")
                d.set_window_size(WIDTH, min(max(int(height), HEIGHT), 12000))
                d.execute_script("const c = document.querySelector('#doc-content');"
                                 "if (c) { c.style.height = 'auto'; c.style.overflow = 'visible'; }")
                time.sleep(0.3)
                d.save_screenshot(shots[page])
                d.set_window_size(WIDTH, HEIGHT)
    finally:
        d.quit()
    return found


def self_test(mathjax):
    """The check must find each kind of problem on a page made to have it, and nothing on a clean one."""
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        shutil.copytree(mathjax, os.path.join(d, "mathjax"))
        head = ('<html><head><script type="text/x-mathjax-config">MathJax.Hub.Config({extensions: ["tex2jax.js"], '
                'jax: ["input/TeX","output/HTML-CSS"]});</script><script async src="mathjax/MathJax.js"></script>'
                '</head><body><div class="contents">')
        wide = "<img src=\"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='2000' height='9'/>\">"
        cases = {
            "clean": "<p>A formula \\(\\frac{1}{2}\\), <code>./lab check --batch</code>, a dash \u2013 here.</p>",
            "math": "<p>\\(\\substack{a\\\\b} x\\)</p>",
            "markup": "<p>Which probability: &lt;tt&gt;p_drop&lt;/tt&gt;</p>",
            "dash": "<p>run train \u2013batch 64</p>",
            "wide": wide,
            "image": '<img src="missing.png">',
            "link": '<a href="missing.html">x</a>',
        }
        pages = []
        for name, body in cases.items():
            pages.append(os.path.join(d, name + ".html"))
            with open(pages[-1], "w", encoding="utf-8") as f:
                f.write(head + body + "</div></body></html>")
        found = check_pages((pages, {}))
    kinds = {os.path.basename(page)[:-5]: set() for page in pages}
    for page, kind, _ in found:
        kinds[os.path.basename(page)[:-5]].add(kind)
    wrong = [f"{name}: found {sorted(k) or 'nothing'}" for name, k in kinds.items()
             if (name == "clean" and k) or (name != "clean" and name not in k)]
    for w in wrong:
        print("browser_check: self-test: " + w, file=sys.stderr)
    print("browser_check: self-test: " + ("FAILED" if wrong else f"each of the {len(cases) - 1} kinds of problem "
                                          "found on its page, nothing on the clean one"))
    return 1 if wrong else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--screenshots", help="folder for screenshots of the pages named by --shoot")
    ap.add_argument("--shoot", action="append", default=[], help="a page to take a screenshot of (file name)")
    ap.add_argument("--self-test", metavar="MATHJAX", help="first check the check itself on pages made to fail, "
                                                            "with the MathJax folder given (the docs' html/mathjax)")
    a = ap.parse_args()
    if a.self_test and self_test(a.self_test):
        return 1
    pages = pages_of(a.paths)
    shots = {}
    if a.screenshots:
        os.makedirs(a.screenshots, exist_ok=True)
        wanted, names = set(a.shoot), [os.path.basename(p) for p in pages]
        for p in pages:
            name = os.path.basename(p)
            if name in wanted or not wanted:  # the file's name, with its folder's when two pages share it
                stem = name if names.count(name) == 1 else os.path.basename(os.path.dirname(p)) + "_" + name
                shots[p] = os.path.join(a.screenshots, stem[:-5] + ".png")
    start = time.time()
    jobs = [(pages[k::a.jobs], shots) for k in range(a.jobs)]
    with multiprocessing.Pool(a.jobs) as pool:
        found = [f for share in pool.map(check_pages, jobs) for f in share]
    counts = {}
    for page, kind, what in sorted(found):
        counts[kind] = counts.get(kind, 0) + 1
        print(f"browser_check: {page}: {kind}: {what}", file=sys.stderr)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no problems"
    print(f"browser_check: {len(pages)} pages opened in {time.time() - start:.0f} s: {summary}")
    for p in shots:
        print(f"browser_check: screenshot {shots[p]}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
