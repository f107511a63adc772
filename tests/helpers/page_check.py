"""page_check.py - a page as a person reads it, rendered by headless Chromium.

Usage: page_check.py OUT_DIR PAGE [PAGE...] [--names FILE] [--lang zh]

For every PAGE (relative to OUT_DIR): Chromium renders it with every host name mapped to
nothing and records its net log; a screenshot must not be blank; the DOM it dumps must
hold every name listed in FILE (one per line); in zh its visible text (outside parentheses,
file names and codes) holds no English status word and no bare JSON path; every link
resolves to a file under OUT_DIR and, with an anchor, to an element of that page; the page
asked for nothing over the network. Prints the problems and exits 1 when there are any.
"""
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile

STATUS_WORDS = re.compile(
    r"\b(pass|fail|failed|failing|met|not_met|no_data|no_target|rejected|reject|warning|"
    r"warnings|primary|junior|senior|nine_year|complete_secondary|twelve_year|special|current|"
    r"superseded|unknown|resolved|district_median|term_change|late)\b",
    re.I)
JSON_PATH = re.compile(
    r"\b(staff|funding|curriculum|counseling|screening|care|home_school|training|crisis|"
    r"governance|research|enrollment|classes)\.[a-z_]+")


class Dom(html.parser.HTMLParser):
    """The visible text (without code-like cells), the links and the ids of a DOM."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self.ids = [], [], set()
        self.skip = []  # tags whose text is not prose: style, code cells, file names

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        classes = (a.get("class") or "").split()
        if tag in ("style", "code", "script") or "code" in classes or "path" in classes:
            self.skip.append(tag)
        elif self.skip:
            self.skip.append(tag)

    def handle_endtag(self, tag):
        if self.skip:
            self.skip.pop()

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


def chromium(url, workdir, *args):
    profile = tempfile.mkdtemp(dir=workdir)
    netlog = os.path.join(workdir, "netlog-%d.json" % len(os.listdir(workdir)))
    cmd = ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-default-apps",
           "--disable-extensions", "--disable-client-side-phishing-detection",
           "--disable-domain-reliability", "--host-resolver-rules=MAP * ~NOTFOUND",
           "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
           "--log-net-log=" + netlog] + list(args) + [url]
    p = subprocess.run(cmd, capture_output=True, timeout=180)
    if p.returncode != 0:
        raise SystemExit("chromium failed on %s: %s" % (url, p.stderr.decode()[-500:]))
    err = p.stderr.decode(errors="replace")
    log = json.load(open(netlog, encoding="utf-8"))
    requests = sorted({e["params"]["url"] for e in log.get("events", [])
                       if isinstance(e.get("params"), dict) and "url" in e["params"]
                       and "file://" in str(e["params"].get("network_isolation_key", ""))
                       and not e["params"]["url"].startswith(("file:", "data:", "about:",
                                                               "chrome"))})
    return p.stdout.decode(), err, requests


def strip_parentheses(s):
    prev = None
    while prev != s:
        prev = s
        s = re.sub(r"\([^()]*\)", " ", s)
        s = re.sub(r"（[^（）]*）", " ", s)
    return s


def main():
    args = sys.argv[1:]
    names = []
    lang = "zh"
    if "--names" in args:
        i = args.index("--names")
        names = [l.strip() for l in open(args[i + 1], encoding="utf-8") if l.strip()]
        del args[i:i + 2]
    if "--lang" in args:
        i = args.index("--lang")
        lang = args[i + 1]
        del args[i:i + 2]
    out, pages = args[0], args[1:]
    work = tempfile.mkdtemp()
    problems = []
    doms = {}
    for page in pages:
        path = os.path.abspath(os.path.join(out, page))
        url = "file://" + path
        shot = os.path.join(work, "shot-%d.png" % len(doms))
        _, err, req = chromium(url, work, "--screenshot=" + shot, "--window-size=1200,2400")
        if not os.path.exists(shot) or os.path.getsize(shot) < 20000:
            problems.append("%s: the screenshot is blank or missing" % page)
        dom, err2, req2 = chromium(url, work, "--dump-dom")
        for r in req + req2:
            problems.append("%s: network request %s" % (page, r))
        for e in (err + err2).splitlines():
            if re.search(r"CONSOLE|Uncaught|Failed to load resource", e):
                problems.append("%s: console: %s" % (page, e))
        if "</html>" not in dom:
            problems.append("%s: no DOM" % page)
        d = Dom()
        d.feed(dom)
        doms[page] = (dom, d)
    for page, (dom, d) in doms.items():
        for name in names:
            if name not in dom and page == pages[0]:
                problems.append("%s: %s is not named" % (page, name))
        if lang == "zh":
            text = strip_parentheses(" ".join(d.text))
            for m in STATUS_WORDS.finditer(text):
                ctx = text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")
                problems.append("%s: English word %r in %r" % (page, m.group(0), ctx))
            # a yes/no cell in words (true and false do occur in prose: a reason quotes the
            # JSON literals a school must write)
            for m in re.finditer(r"<td[^>]*>\s*(true|false|yes|no)\s*</td>", dom, re.I):
                problems.append("%s: a cell says %r" % (page, m.group(1)))
            for m in JSON_PATH.finditer(text):
                ctx = text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")
                problems.append("%s: bare JSON path %r in %r" % (page, m.group(0), ctx))
        base = os.path.dirname(os.path.join(out, page))
        for href in d.links:
            if href.startswith("#"):
                if href[1:] not in d.ids:
                    problems.append("%s: link %s has no target" % (page, href))
                continue
            if re.match(r"^[a-z]+:", href):
                problems.append("%s: link out of the directory: %s" % (page, href))
                continue
            target, _, anchor = href.partition("#")
            file = os.path.normpath(os.path.join(base, target))
            if not os.path.isfile(file):
                problems.append("%s: link %s resolves to no file" % (page, href))
            elif anchor and ('id="%s"' % anchor) not in open(file, encoding="utf-8").read():
                problems.append("%s: link %s: no element %s there" % (page, href, anchor))
    for p in problems[:40]:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
