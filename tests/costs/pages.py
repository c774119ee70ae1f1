"""Reading report pages in tests: the query string of a report view and the cells of its table."""

from html.parser import HTMLParser
from urllib.parse import urlencode


def report_query(**settings) -> str:
    """A complete report query string (as the report form sends it); lists repeat the parameter."""
    params = {"applied": "1", "date_range": "custom", "bin": "month", "chart": "bar", "mode": "spend", "compare": "on"}
    params.update({k: v for k, v in settings.items() if v is not None})
    if params.get("compare") is False:
        params.pop("compare")
    return urlencode(params, doseq=True)


class _TableParser(HTMLParser):
    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.inside, self.depth = table_id, False, 0
        self.section, self.rows, self.cell = None, {"thead": [], "tbody": [], "tfoot": []}, None
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        if not self.inside:
            return
        if tag in self.rows:
            self.section = tag
        elif tag == "tr":
            self.rows[self.section].append([])
        elif tag in ("td", "th"):
            self.cell, self.colspan = "", int(attrs.get("colspan") or 1)
        elif tag == "a" and self.section == "tbody" and "drill" in (attrs.get("class") or ""):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag in ("td", "th") and self.cell is not None:
            self.rows[self.section][-1].append(" ".join(self.cell.split()))
            self.rows[self.section][-1].extend([""] * (self.colspan - 1))  # as a spreadsheet would show it
            self.cell = None
        elif tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.cell is not None:
            self.cell += data


def report_table(html: str, table_id="report-table") -> dict:
    """``{"thead": [[...]], "tbody": [[...], ...], "tfoot": [[...]], "links": [drill hrefs]}``."""
    parser = _TableParser(table_id)
    parser.feed(html)
    return {**parser.rows, "links": parser.links}
