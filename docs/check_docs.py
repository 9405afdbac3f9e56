#!/usr/bin/env python3
"""Checks and finishes the course text. Run by the docs target and by ctest (docs/CMakeLists.txt).

  check_docs.py sources REPO          the pages: every page is in the tree that starts at the main page, and no
                                      page, README or public header names a path outside the repository
  check_docs.py nav REPO HTML_DIR     writes "previous / contents / next" links into every page of the tree,
                                      in the order of the main page's table of contents
  check_docs.py report RUN_DIR [FASHION_DIR] [--default-recipe]
                                      a training run's report.html: every number it states about the run
                                      (data-claim) recomputed from the run's own files (loss.csv, history.csv,
                                      update_ratios.csv, test_scores.npy) and the test labels, independently of
                                      the C++ that wrote it; with --default-recipe also that every
                                      weight array's updates lie within the band (the training page's claim)
  check_docs.py html HTML_DIR         the built HTML: no raw @ref, \\ref, \\f$, \\f[, @f$, @subpage or @image in the
                                      text a reader sees, every local link and image resolves, no link leaves
                                      the folder

Exit status 0 when everything holds, 1 with one line per problem otherwise.
"""
import html.parser
import os
import re
import sys

PAGE_ID = re.compile(r"^#\s+(.*?)\s*\{#(\w+)\}\s*$", re.M)
SUBPAGE = re.compile(r"[@\\]subpage\s+(\w+)")
PART = re.compile(r"[@\\]ref\s+(part\w+)")
# A file outside the repository that a page cites as a source: a relative path that climbs out of the tree to a
# file (`../cnnlab-student` as a command's target folder is fine), a folder of the machine the project was
# written on, or the notes it was written from.
OUTSIDE = re.compile(r"(\.\./[\w./-]*\.(md|txt|cpp|hpp|py|json|csv)\b|/work/|shared/(PEERS|LECTURE|STYLE)\.md)")
# Pages outside the course order, on their own in the tree: no course page may link them.
STANDALONE = {"teachers": "left out of a student's handout (./lab handout), so no page of the course links it"}


def pages(repo):
    """{page id: (title, file)} for every docs/*.md that declares one; the main page is 'mainpage'."""
    found = {}
    docs = os.path.join(repo, "docs")
    for name in sorted(os.listdir(docs)):
        if name.endswith(".md"):
            text = open(os.path.join(docs, name), encoding="utf-8").read()
            for title, pid in PAGE_ID.findall(text):
                found[pid] = (title, name)
    return found


def reading_order(repo):
    """The pages depth-first from the main page, following @subpage: the order of the table of contents."""
    found = pages(repo)
    order, seen = [], set()

    def walk(pid):
        if pid in seen or pid not in found:
            return
        seen.add(pid)
        order.append(pid)
        text = open(os.path.join(repo, "docs", found[pid][1]), encoding="utf-8").read()
        # The main page links its parts with @ref (a @subpage of the main page would drop out of Doxygen's tree);
        # every other page holds its children with @subpage.
        children = PART.findall(text) if pid == "mainpage" else SUBPAGE.findall(text)
        for child in children:
            walk(child)

    walk("mainpage")
    return order, found


def check_sources(repo):
    problems = []
    order, found = reading_order(repo)
    for pid, (title, name) in sorted(found.items()):
        if pid not in order and pid not in STANDALONE:
            problems.append(f"docs/{name}: page '{pid}' ({title}) is in no table of contents (no @subpage {pid})")
    files = [os.path.join("docs", n) for n in os.listdir(os.path.join(repo, "docs")) if n.endswith(".md")]
    for role in sorted(os.listdir(os.path.join(repo, "src"))):  # the headers of every role folder
        folder = os.path.join(repo, "src", role)
        if os.path.isdir(folder):
            files += [os.path.join("src", role, n) for n in os.listdir(folder) if n.endswith(".hpp")]
    files += ["README.md"]
    for rel in sorted(files):
        for number, line in enumerate(open(os.path.join(repo, rel), encoding="utf-8"), 1):
            m = OUTSIDE.search(line)
            if m:
                problems.append(f"{rel}:{number}: names a path outside the repository: {m.group(0)!r}")
    return problems


def html_name(pid):
    return "index.html" if pid == "mainpage" else pid + ".html"


def write_nav(repo, html_dir):
    order, found = reading_order(repo)
    for k, pid in enumerate(order):
        path = os.path.join(html_dir, html_name(pid))
        if not os.path.exists(path):
            print(f"check_docs: no {path} for page '{pid}'", file=sys.stderr)
            return 1
        links = []
        if k > 0:
            links.append(f'<a href="{html_name(order[k - 1])}" rel="prev">&larr; {found[order[k - 1]][0]}</a>')
        if pid != "mainpage":
            links.append('<a href="index.html">Contents</a>')
        if k + 1 < len(order):
            links.append(f'<a href="{html_name(order[k + 1])}" rel="next">{found[order[k + 1]][0]} &rarr;</a>')
        nav = ('<div class="pagenav" style="display:flex;justify-content:space-between;gap:1em;margin:1.5em 0;'
               'padding:.6em 0;border-top:1px solid #ccc;font-size:1.05em">' + "".join(
                   f"<span>{l}</span>" for l in links) + "</div>")
        text = open(path, encoding="utf-8").read()
        text = re.sub(r'<div class="pagenav".*?</div>', "", text, flags=re.S)  # idempotent
        marker = '</div><!-- contents -->'
        if marker not in text:
            print(f"check_docs: {path} has no '{marker}' to put the links before", file=sys.stderr)
            return 1
        text = text.replace(marker, nav + marker, 1)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    return 0


class Page(html.parser.HTMLParser):
    """Collects the visible text (not scripts, styles or code listings), links, images and ids of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.links, self.ids, self.skip = [], [], set(), 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "iframe", "object") and (a.get("src") or a.get("data")):
            self.links.append(a.get("src") or a.get("data"))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


RAW = re.compile(r"(@ref\b|\\ref\b|\\f[$\[\]]|@f[$\[\]]|@subpage\b|\\subpage\b|@image\b|\\image\b)")


def check_html(html_dir):
    problems, parsed = [], {}
    names = [n for n in sorted(os.listdir(html_dir)) if n.endswith(".html")]
    for name in names:
        p = Page()
        p.feed(open(os.path.join(html_dir, name), encoding="utf-8", errors="replace").read())
        parsed[name] = p
    for name in names:
        p = parsed[name]
        text = " ".join(p.text)
        for m in RAW.finditer(text):
            context = text[max(0, m.start() - 40): m.end() + 40].replace("\n", " ")
            problems.append(f"{name}: raw {m.group(0)!r} in the text: ...{context}...")
        for link in p.links:
            if re.match(r"^(https?:|mailto:|javascript:)", link):
                continue
            if link.startswith(("file:", "/")) or ".." in link.split("#")[0].split("/"):
                problems.append(f"{name}: link leaves the documentation folder: {link}")
                continue
            target, _, anchor = link.partition("#")
            target = target or name
            path = os.path.normpath(os.path.join(html_dir, target))
            if not os.path.exists(path):
                problems.append(f"{name}: broken link or image: {link}")
            elif anchor and target.endswith(".html") and target in parsed and anchor not in parsed[target].ids:
                problems.append(f"{name}: link to a missing anchor: {link}")
    return problems


FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]  # Fashion-MNIST's published label order
UPDATE_BAND = (1e-4, 1e-2)  # the band the report and the training page name: a decade either side of 1e-3


def check_report(run, fashion="/usr/share/datasets/fashion-mnist", within_band=False):
    import csv
    import gzip
    import math
    import numpy as np

    class Claims(html.parser.HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.claims, self.open = {}, None

        def handle_starttag(self, tag, attrs):
            name = dict(attrs).get("data-claim")
            if name is not None:
                self.open = name
                self.claims[name] = ""

        def handle_data(self, data):
            if self.open is not None:
                self.claims[self.open] += data

        def handle_endtag(self, tag):
            self.open = None

    c = Claims()
    c.feed(open(os.path.join(run, "report.html"), encoding="utf-8").read())
    claims, problems = c.claims, []
    rows = lambda name: list(csv.DictReader(open(os.path.join(run, name), encoding="utf-8")))
    loss = [float(r["loss"]) for r in rows("loss.csv")]
    history = rows("history.csv")
    scores = np.load(os.path.join(run, "test_scores.npy"))
    with gzip.open(os.path.join(fashion, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[: scores.shape[0]].astype(int)
    said = scores.argmax(axis=1)
    expected = {  # what each claim must say, from the files alone
        "test_accuracy": f"{100 * np.mean(said == labels):.2f} %",
        "first_loss": f"{loss[0]:.3g}",
        "first_loss_side": "above" if loss[0] > math.log(scores.shape[1]) + 0.05 else "there",
        "training_seconds": f"{sum(float(r['seconds']) for r in history):.3g}",
    }
    val = [float(r["val_acc"]) for r in history]
    if "best_val_acc" in claims:
        expected["best_val_acc"] = f"{100 * max(val):.2f} %"
    steps = len(loss) // len(history)
    for e in range(len(history)):
        expected[f"epoch_mean_loss:{e + 1}"] = f"{np.mean(loss[e * steps:(e + 1) * steps]):.4g}"
    for k, name in enumerate(FASHION_CLASSES[: scores.shape[1]]):
        mine = labels == k
        if mine.any():
            expected[f"class_accuracy:{name}"] = f"{name} {100 * np.mean(said[mine] == k):.1f} %"
    if os.path.exists(os.path.join(run, "update_ratios.csv")):
        tracks = {}
        for r in rows("update_ratios.csv"):
            tracks.setdefault(r["array"], []).append(float(r["ratio"]))
        for name, ratios in tracks.items():
            m = float(np.median([v for v in ratios if math.isfinite(v)]))
            expected[f"update_median:{name}"] = f"{m:.2g}"
            expected[f"update_verdict:{name}"] = ("too low" if m < UPDATE_BAND[0] else
                                                  "too high" if m > UPDATE_BAND[1] else "within the band")
    if within_band:  # the training page: the default recipe's updates lie inside the band
        for name, shown in sorted(claims.items()):
            if name.startswith("update_verdict:") and shown != "within the band":
                problems.append(f"report.html: {name} is {shown!r}, but the default recipe should lie within the band")
        if not any(n.startswith("update_verdict:") for n in claims):
            problems.append("report.html gives no verdict on the update sizes")
    for name, shown in sorted(claims.items()):
        if name not in expected:
            problems.append(f"report.html claims {name} = {shown!r}, which nothing here checks")
    for name, want in sorted(expected.items()):
        if name not in claims:
            problems.append(f"report.html does not state {name} (the run's files give {want!r})")
        elif not same_number_text(claims[name], want):
            problems.append(f"report.html says {name} = {claims[name]!r}, the run's files give {want!r}")
    return problems


def same_number_text(shown, want):
    """The same text, up to one unit in the last digit shown (C++ and Python may round a final 5 apart)."""
    if shown == want:
        return True
    num = re.compile(r"(-?\d+)(?:\.(\d+))?(e[-+]?\d+)?")
    a, b = num.findall(shown), num.findall(want)
    if len(a) != len(b) or num.sub("#", shown) != num.sub("#", want):
        return False
    for x, y in zip(a, b):
        ulp = 10.0 ** (-len(x[1]) + (int(x[2][1:]) if x[2] else 0))
        if abs(float("".join((x[0], "." + x[1] if x[1] else "", x[2]))) -
               float("".join((y[0], "." + y[1] if y[1] else "", y[2])))) > 1.0001 * ulp:
            return False
    return True


def main(argv):
    if len(argv) >= 2 and argv[1] == "sources" and len(argv) == 3:
        problems = check_sources(argv[2])
    elif len(argv) >= 2 and argv[1] == "nav" and len(argv) == 4:
        return write_nav(argv[2], argv[3])
    elif len(argv) >= 2 and argv[1] == "report" and 3 <= len(argv) <= 5:
        band = "--default-recipe" in argv[3:]
        problems = check_report(*[a for a in argv[2:] if a != "--default-recipe"], within_band=band)
    elif len(argv) >= 2 and argv[1] == "html" and len(argv) == 3:
        problems = check_html(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print("check_docs: " + p, file=sys.stderr)
    if not problems:
        print(f"check_docs {argv[1]}: all good")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
