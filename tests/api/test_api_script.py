"""Issue 7's "done when", as a program would do it: over real HTTP with a token, connect the sandbox's
main account, wait for the import, read costs by service per month, and find the totals equal to the
report page and to Twilio's own totalprice for the same days."""

import time
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import requests
from django.test import Client

from costs.services import ensure_default_report
from integrations.twilio.importer import HISTORY_MONTHS, history_range
from integrations.twilio.sandbox import serve_in_thread
from tests.costs.pages import report_query, report_table
from vantage.lib.dates import utc_today
from vantage.models import ApiToken

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.sandbox]


def twilio_totalprice(sandbox, account_sid, start, end) -> Decimal:
    """What Twilio bills over start..end: the sum of its daily ``totalprice`` records."""
    total, day = Decimal(0), start
    while day <= end:
        records = sandbox.daily_records(account_sid, day)
        total += sum(Decimal(r["price"]) for r in records if r["category"] == "totalprice")
        day += timedelta(days=1)
    return total


def test_a_script_with_a_token_connects_waits_and_reads_costs(live_server, settings, owner, ws):
    # today fixed: otherwise the sandbox's partial "today" grows with the clock between import and check
    server, base_url = serve_in_thread(seed=5, today=utc_today())
    settings.TWILIO_API_BASE_URL = base_url
    try:
        creds = next(c for c in server.sandbox.credentials() if c["kind"] == "main")
        _, token = ApiToken.issue(owner, "script")

        # --- the script ---------------------------------------------------------------------------
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        root = f"{live_server.url}/api/v2"
        r = api.post(f"{root}/integrations/twilio", json={
            "api_key": creds["api_key_sid"], "api_secret": creds["api_secret"],
            "account_sid": creds["account_sid"], "account_name": "Script Main",
        }, timeout=120)  # fmt: skip
        assert r.status_code == 201, r.text
        integration = r.json()
        assert creds["api_secret"] not in r.text
        deadline = time.monotonic() + 120
        while integration["status"] in ("pending", "importing") and time.monotonic() < deadline:
            time.sleep(0.5)
            integration = api.get(f"{root}/integrations/{integration['id']}", timeout=30).json()
        assert integration["status"] == "imported", integration

        start, end = history_range()
        params = {"workspace": ws.pk, "start_date": start.isoformat(), "end_date": end.isoformat(),
                  "date_bin": "month", "groupings": "service", "page_size": 100}  # fmt: skip
        url, rows, body = f"{root}/costs", [], None
        while url:
            body = api.get(url, params=params if not rows and body is None else None, timeout=60).json()
            rows += body["costs"]
            url = body["links"]["next"]
        totals = {t["currency"]: Decimal(t["amount"]) for t in body["total_cost"]}
        # ------------------------------------------------------------------------------------------

        currency = creds["currency"].upper()
        assert list(totals) == [currency]
        months = {row["accrued_at"] for row in rows}
        assert len(months) == HISTORY_MONTHS and len({row["service"] for row in rows}) > 3
        by_row = sum((Decimal(row["amount"]) for row in rows if row["amount"] is not None), Decimal(0))
        assert by_row == totals[currency]  # the rows add up to the total, nothing counted twice
        assert totals[currency] == twilio_totalprice(server.sandbox, creds["account_sid"], start, end)

        page = Client()
        page.force_login(owner)
        html = page.get(f"/reports/{ensure_default_report(ws).pk}/?"
                        + report_query(start_date=start.isoformat(), end_date=end.isoformat(),
                                       group_by="service", bin="month", columns="bins")).content.decode()  # fmt: skip
        def shown(amount):  # as the page rounds money for display
            return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

        footer = {row[1]: Decimal(row[-1].replace(",", "")) for row in report_table(html)["tfoot"]}
        assert footer == {currency: shown(totals[currency])}
        cells = defaultdict(Decimal)
        for row in rows:
            cells[row["service"]] += Decimal(row["amount"] or 0)
        table = {r[0]: Decimal(r[-1].replace(",", "")) for r in report_table(html)["tbody"]}
        assert table == {service: shown(amount) for service, amount in cells.items()}
    finally:
        server.shutdown()
