"""Browser security (issue 15, finding 7): the Content-Security-Policy and Permissions-Policy headers, and
a crawl of the pages a person reaches that finds no inline script or style the policy would block.

The crawl starts at the Overview of a workspace with something on every page (an integration with
costs, reports, a virtual tag, a budget with an alert, a webhook) and follows every same-origin link,
so a page added later and linked from anywhere is crawled by default. tests/inline_check.py checks the
same on every page any other test renders.
"""

from collections import deque
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from costs.budgets.models import Budget, BudgetAlert, BudgetPeriod
from costs.services import ensure_default_report
from tagging.models import VirtualTag, VirtualTagValue
from tests.costs.factories import add_costs, item, make_integration
from tests.inline_check import inline_violations
from vantage.notifications.models import WebhookEndpoint

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# Links the crawl does not follow: they change state on GET or leave the page world.
SKIP = ("/accounts/logout/", "/static/", "/favicon.ico")


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in map(str.strip, header.split(";")) if d}


def assert_strict_policy(response, url):
    directives = policy(response)
    for name, value in CSP.items():
        assert directives.get(name) == value, f"{url}: {name} is {directives.get(name)!r}, not {value!r}"
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), url


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def links(html):
    parser = _Links()
    parser.feed(html)
    return parser.links


@pytest.fixture
def furnished(ws, owner):
    """A workspace with something on every page."""
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item("2026-11-02", "SMS & MMS", "sms-outbound", "25.00"),
        item("2026-11-10", "Voice", "calls-outbound", "5.00"),
    ])
    report = ensure_default_report(ws)
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    VirtualTagValue.objects.create(tag=tag, name="Messaging", filters=[
        {"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS"]}]}])
    budget = Budget.objects.create(workspace=ws, cost_report=report, name="All", currency="USD")
    BudgetPeriod.objects.create(budget=budget, start_month=date(2026, 1, 1), amount=Decimal("100"))
    BudgetAlert.objects.create(budget=budget, thresholds=[80])
    WebhookEndpoint.objects.create(workspace=ws, name="Ops", url="https://hooks.example.com/x", signing_secret="s")
    return integration


def crawl(client, *starts, limit=400):
    """Every same-origin page reachable from ``starts`` by links: {url: response}. One visit per path: the
    same page with other query strings (a report's filters, a list's sort order) is the same template."""
    seen, queue, pages = set(), deque(starts), {}
    while queue and len(pages) < limit:
        url = urldefrag(queue.popleft())[0]
        path = urlsplit(url).path
        if path in seen or not url.startswith("/") or url.startswith("//") or url.startswith(SKIP):
            continue
        seen.add(path)
        response = client.get(url)
        pages[url] = response
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            queue.extend(u for u in links(response.content.decode()) if urlsplit(u).netloc == "")
    return pages


def test_the_pages_a_person_reaches_have_no_inline_code_and_the_strict_policy(client, owner, furnished):
    client.force_login(owner)
    pages = crawl(client, "/")
    html_pages = {u: r for u, r in pages.items() if r["Content-Type"].startswith("text/html")}
    # the crawl reached every part of the product (so it checks what it claims to)
    for part in ("/reports/", "/settings/integrations/", "/virtual-tags/", "/budgets/", "/settings/notifications/",
                 "/settings/api-tokens/", "/settings/workspace/", "/settings/profile/"):
        assert any(u.startswith(part) for u in html_pages), f"the crawl never reached {part}"
    assert len(html_pages) >= 20
    for url, response in html_pages.items():
        assert response.status_code < 500, url
        assert inline_violations(response.content.decode()) == [], url
        assert_strict_policy(response, url)


def test_the_admin_has_no_inline_code_and_the_strict_policy(furnished):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1234")
    client = Client()
    client.force_login(admin)
    tag, budget = VirtualTag.objects.get(), Budget.objects.get()
    # the change forms first (inlines, widgets), then whatever the admin links to
    pages = crawl(client, f"/admin/integrations/integration/{furnished.pk}/change/",
                  f"/admin/tagging/virtualtag/{tag.pk}/change/", f"/admin/budgets/budget/{budget.pk}/change/",
                  "/admin/", limit=50)
    html_pages = {u: r for u, r in pages.items() if r["Content-Type"].startswith("text/html")}
    assert len(html_pages) >= 20 and all(r.status_code == 200 for u, r in html_pages.items() if "/change/" in u)
    for url, response in html_pages.items():
        assert inline_violations(response.content.decode()) == [], url
        assert_strict_policy(response, url)


def test_sign_in_and_error_pages_carry_the_policy_too(client, owner):
    for url in ("/accounts/login/", "/no-such-page/"):
        response = client.get(url)
        assert inline_violations(response.content.decode()) == []
        assert_strict_policy(response, url)
    # the CSRF failure page: Django's own has an inline <style>; ours (templates/403_csrf.html) has none
    refused = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "olivia", "password": "x"})
    assert refused.status_code == 403 and "security check failed" in refused.content.decode()
    assert inline_violations(refused.content.decode()) == []
    # API answers and redirects carry the headers as well
    assert_strict_policy(client.get("/api/v2/integrations"), "/api/v2/integrations")
    assert_strict_policy(client.get("/"), "/")


def test_api_docs_keep_scripts_strict(client, owner):
    """Swagger UI runs under the full policy; ReDoc's styled-components need inline styles, never scripts."""
    client.force_login(owner)
    docs = client.get(reverse("api-docs"))
    assert_strict_policy(docs, "docs")
    assert inline_violations(docs.content.decode()) == []
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    redoc = client.get(reverse("api-redoc"))
    assert inline_violations(redoc.content.decode()) == []
    directives = policy(redoc)
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["worker-src"] == "'self' blob:" and directives["img-src"] == "'self' data:"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"


@pytest.mark.parametrize("html, what", [
    ("<script>alert(1)</script>", "inline <script>"),
    ('<script type="module">x()</script>', "inline <script>"),
    ("<style>p{}</style>", "<style> block"),
    ('<p style="color: red">x</p>', "style="),
    ('<button onclick="x()">x</button>', "event handler onclick="),
    ('<a href="javascript:alert(1)">x</a>', "javascript: URL"),
])
def test_the_checker_finds_what_the_policy_blocks(html, what):
    found = inline_violations(f"<html><body>{html}</body></html>")
    assert len(found) == 1 and what in found[0]


def test_the_checker_lets_through_what_the_policy_allows():
    html = ('<script src="/static/js/app.js" defer></script><script id="d" type="application/json">{"a": 1}</script>'
            '<link rel="stylesheet" href="/static/css/app.css"><svg><rect width="3" fill="#123456"></rect></svg>'
            "<p>style=&quot;x&quot; and &lt;script&gt; as text</p>")
    assert inline_violations(html) == []
