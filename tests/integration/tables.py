# tests/integration/tables.py -- the tables of a welcome page as a browser
# built them (from Chromium's --dump-dom): under each <h2>, the header
# cells and the rows of cells; every row must have a cell per column.
# tables(PATH) -> {title: [{header: cell}...]} for the sections that are
# tables (facts tables, a label and a value a row, are left out).
# links(PATH) -> [(href, text)...] of every <a> in order.
import sys
from html.parser import HTMLParser

class Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.cur, self.text, self.cell = {}, None, "", None
        self.title, self.row = None, []
    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.text = ""
            self.title = True
        elif tag == "table" and self.cur is not None:
            self.cur.append({"head": [], "rows": []})
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td"):
            self.cell = ""
    def handle_endtag(self, tag):
        if tag == "h2":
            self.cur = self.sections.setdefault(self.text.strip(), [])
            self.title = None
        elif tag in ("th", "td") and self.cell is not None:
            self.row.append((tag, self.cell.strip()))
            self.cell = None
        elif tag == "tr" and self.cur:
            tab = self.cur[-1]
            if all(k == "th" for k, _ in self.row) and not tab["head"]:
                tab["head"] = [v for _, v in self.row]
            else:
                tab["rows"].append([v for _, v in self.row])
    def handle_data(self, d):
        if self.title:
            self.text += d
        if self.cell is not None:
            self.cell += d

def tables(path):
    p = Tables()
    p.feed(open(path).read())
    out = {}
    for title, ts in p.sections.items():
        t = ts[0]
        if not t["head"]:
            continue        # facts: a label and a value per row
        for r in t["rows"]:
            assert len(r) == len(t["head"]), (title, t["head"], r)
        out[title] = [dict(zip(t["head"], r)) for r in t["rows"]]
    return out

class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.out, self.href = [], None
    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.href, self.text = dict(attrs).get("href"), ""
    def handle_endtag(self, tag):
        if tag == "a" and self.href is not None:
            self.out.append((self.href, self.text.strip()))
            self.href = None
    def handle_data(self, d):
        if self.href is not None:
            self.text += d

def links(path):
    p = Links()
    p.feed(open(path).read())
    return p.out
