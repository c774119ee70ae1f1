"""What the Content-Security-Policy forbids, found in a page's HTML: inline scripts, inline styles, event handlers.

``inline_violations(html)`` lists them; ``NoInlineCodeMiddleware`` (installed by vantage/settings_test.py)
runs it on every HTML page any test renders, so a template added anywhere is checked by every test
that renders it, not just by tests/vantage/test_browser_security.py's crawl.
"""

from html.parser import HTMLParser

# <script type="application/json"> (json_script) is data, not code: the browser never runs it.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        line = self.getpos()[0]
        if tag == "script" and not attrs.get("src") and (attrs.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
            self.found.append(f"line {line}: inline <script> (serve it from static/ with src=)")
        if tag == "style":
            self.found.append(f"line {line}: <style> block (move it to a static css file)")
        if "style" in attrs:
            self.found.append(f"line {line}: style=\"{attrs['style']}\" on <{tag}> (use a class)")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"line {line}: event handler {name}= on <{tag}> (addEventListener in a static js)")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"line {line}: javascript: URL in {name}= on <{tag}>")


def inline_violations(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


class NoInlineCodeMiddleware:
    """Tests only: an HTML response with inline code fails the test that rendered it, naming what and where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html") and not getattr(response, "streaming", False):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            found = inline_violations(response.content.decode(response.charset or "utf-8", "replace"))
            if found:
                raise AssertionError(f"{request.path} has inline code the CSP blocks:\n" + "\n".join(found))
        return response
