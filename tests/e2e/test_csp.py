"""Under the Content-Security-Policy the main pages work and the browser blocks nothing on them: the report
with its forecast chart, the Overview, integrations, budgets, virtual tags and the API docs."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from costs.budgets.models import Budget, BudgetAlert, BudgetPeriod
from tagging.models import VirtualTag, VirtualTagValue
from tests.conftest import PASSWORD
from tests.e2e.conftest import is_csp_violation, sign_in
from tests.e2e.test_forecast import forecast  # noqa: F401  (the fixture: a report with a stored forecast)
from vantage.lib.dates import utc_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _visit(page, url, ready):
    page.goto(url)
    page.locator(ready).first.wait_for(state="visible")
    page.wait_for_load_state("networkidle")


def test_the_main_pages_run_under_the_policy_without_a_violation(page, ws, owner, forecast):  # noqa: F811
    integration = forecast.workspace.integrations.first()
    budget = Budget.objects.create(workspace=ws, cost_report=forecast, name="All", currency="USD")
    BudgetPeriod.objects.create(budget=budget, start_month=date(2026, 1, 1), amount=Decimal("100"))
    BudgetAlert.objects.create(budget=budget, thresholds=[80])
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    VirtualTagValue.objects.create(tag=tag, name="Messaging", filters=[
        {"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS"]}]}])
    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    today = utc_today()
    start = (today - timedelta(days=20)).isoformat()
    pages = [
        ("/", "h1"),
        (f"/reports/{forecast.pk}/?applied=1&date_range=custom&start_date={start}&end_date={today}&bin=day",
         "#legend-forecast svg.swatch-forecast"),
        ("/reports/", "h1"),
        ("/settings/integrations/twilio/?tab=manage", "h1"),
        (f"/settings/integrations/twilio/{integration.pk}/", ".import-status .progress"),
        ("/budgets/", "h1"),
        (f"/budgets/{budget.pk}/", "form.form-inline"),
        (f"/virtual-tags/{tag.pk}/", "h1"),
        (f"/virtual-tags/{tag.pk}/values/new/", "h1"),
        ("/settings/api-tokens/", "h1"),
        ("/api/v2/docs", ".swagger-ui .info .title"),  # Swagger UI started: its script ran
    ]
    for url, ready in pages:
        _visit(page, url, ready)
    assert page.csp_violations == []
    # ReDoc renders the schema and starts its search worker; the only thing refused is the third-party logo it
    # hard-codes (cdn.redoc.ly): the policy doing its job, and ReDoc hides the image when it fails.
    _visit(page, "/api/v2/redoc", ".api-info h1")
    page.locator("input[aria-label=Search]").wait_for(state="visible")  # its search worker (blob:) is allowed
    blocked = [v for v in page.csp_violations if "https://cdn.redoc.ly/redoc/logo-mini.svg" not in v]
    assert blocked == [] and all("img-src" in v for v in page.csp_violations)
    page.csp_violations.clear()
    # the legend's swatches and the delete button's inline form look as before (the styles now come from css)
    _visit(page, pages[1][0], "#legend-forecast")
    swatch = page.locator("#legend-forecast svg.swatch-forecast").bounding_box()
    assert swatch["width"] > 8 and 5 < swatch["height"] < 12
    _visit(page, f"/budgets/{budget.pk}/", "form.form-inline")
    assert page.locator("form.form-inline").first.evaluate("el => getComputedStyle(el).display") == "inline"


def test_the_policy_blocks_an_injected_inline_script(page, owner):
    """The check above can fail: a script injected into a page is refused and reported on the console."""
    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    with page.expect_console_message(lambda msg: is_csp_violation(msg.text)):
        page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                                 document.body.appendChild(s); }""")
    assert page.evaluate("window.ran") is None
    assert any("Content Security Policy" in v for v in page.csp_violations)
    page.csp_violations.clear()  # expected here; the fixture's own check must not fail this test
