"""Earlier history against the local Twilio sandbox over real loopback HTTP: resumable, idempotent, to the cent."""

from decimal import Decimal

import pytest
import requests

from costs.models import BilledTotal, CostLineItem
from integrations import history, services, tasks
from integrations.models import IntegrationStatus, RunStatus, RunTrigger
from integrations.twilio import client as tw
from integrations.twilio import importer
from integrations.twilio.errors import TransientError
from integrations.twilio.sandbox import serve_in_thread
from tests.integrations.test_sandbox_flow import assert_reconciles, make_integration
from vantage.lib.dates import add_months, month_end, month_start, utc_today
from vantage.lib.money import ExactSum

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]


@pytest.fixture
def sandbox(settings, monkeypatch):
    # "today" is the real UTC day (the plan of earlier months is relative to it), fixed for the whole test
    monkeypatch.setattr(tw.time, "sleep", lambda s: None)
    server, base_url = serve_in_thread(seed=11, today=utc_today())
    settings.TWILIO_API_BASE_URL = base_url
    server.sandbox.base_url = base_url
    yield server.sandbox
    server.shutdown()


class FailingOn:
    """The integration's real client, except that the window starting on ``month`` fails like a Twilio outage."""

    def __init__(self, integration, month):
        self.client, self.month = tw.client_for(integration), month

    def iter_daily_pages(self, start, end):
        if start == self.month:
            raise TransientError()
        yield from self.client.iter_daily_pages(start, end)


def twilio_totalprice(base_url, creds, start, end) -> Decimal:
    """Twilio's billed total for start..end as its Monthly records state it, fetched over HTTP."""
    url = f"{base_url}/2010-04-01/Accounts/{creds['account_sid']}/Usage/Records/Monthly.json"
    body = requests.get(url, params={"Category": "totalprice", "StartDate": str(start), "EndDate": str(end)},
                        auth=(creds["api_key_sid"], creds["api_secret"]), timeout=30).json()
    assert body["next_page_uri"] is None
    return sum((Decimal(r["price"]) for r in body["usage_records"]), Decimal(0))


def stored(integration, start, end):
    items = CostLineItem.objects.filter(integration=integration, date__gte=start, date__lte=end)
    billed = BilledTotal.objects.filter(integration=integration, date__gte=start, date__lte=end)
    return items.count(), items.aggregate(s=ExactSum("cost"))["s"], billed.aggregate(s=ExactSum("amount"))["s"]


def test_earlier_history_resumes_after_a_failure_is_idempotent_and_matches_twilio_to_the_cent(
        sandbox, ws, django_capture_on_commit_callbacks, monkeypatch):
    integration = make_integration(sandbox, ws, "standalone")
    importer.import_history(integration)
    first_imported = history.earliest_imported_month(integration)
    assert first_imported == importer.history_range()[0]
    back_to = add_months(first_imported, -4)
    history.check_start_month(integration, back_to)
    plan = history.earlier_plan(integration, back_to)
    assert [w[0] for w in plan] == [add_months(first_imported, -n) for n in (1, 2, 3, 4)]  # newest first

    # Twilio fails on the third month: two months are in, the run and the integration say what happened
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_earlier_history(integration, back_to) == 4
    failing = FailingOn(integration, plan[2][0])
    with pytest.raises(TransientError):
        importer.import_earlier(integration, back_to, client=failing)
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.ERROR and "kept" in integration.status_message
    assert integration.history_back_to == back_to  # Retry will continue it
    failed = integration.runs.get(status=RunStatus.FAILED)
    assert (failed.trigger, failed.start_date, failed.error) == (RunTrigger.EARLIER, plan[2][0], str(TransientError()))
    assert history.earliest_imported_month(integration) == plan[1][0]
    assert history.earlier_plan(integration, back_to) == plan[2:]

    # Retry continues with the two months still missing (the task reads the month from the integration)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_retry(integration)
    func, args = queued[-1]
    assert func is tasks.earlier_history_task and args == (integration.pk,)
    assert func(*args).startswith("imported 2 earlier months")
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.IMPORTED and integration.history_back_to is None
    assert (integration.import_windows_done, integration.import_windows_total) == (2, 2)
    earlier = integration.runs.filter(trigger=RunTrigger.EARLIER, status=RunStatus.SUCCEEDED)
    assert sorted(r.start_date for r in earlier) == sorted(w[0] for w in plan)
    assert history.earlier_plan(integration, back_to) == []

    # every day of the earlier months equals the sandbox's totalprice, to the cent
    start, end = back_to, month_end(plan[0][0])
    assert assert_reconciles(sandbox, integration, start, end) == (end - start).days + 1
    rows, cost, billed = stored(integration, start, end)
    creds = next(c for c in sandbox.credentials() if c["kind"] == "standalone")
    assert cost == billed == twilio_totalprice(sandbox.base_url, creds, start, end)
    assert billed == sum((r.twilio_total for r in earlier), Decimal(0))

    # asking again imports nothing; importing the same months again changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_earlier_history(integration, back_to) == 0
    importer.import_windows(integration, plan, trigger=RunTrigger.EARLIER)
    assert stored(integration, start, end) == (rows, cost, billed)
    assert importer.import_earlier(integration, back_to).windows == 0


def test_the_sandbox_serves_every_month_earlier_history_may_reach(sandbox):
    today = utc_today()
    assert sandbox.data_start == add_months(today, -history.MAX_MONTHS_BACK)
    # the oldest month the form accepts has data (from the accounts' creation day on); 24 months back is whole
    assert sandbox.daily_records(sandbox.account("main").sid, add_months(today, -history.MAX_MONTHS_BACK))
    assert sandbox.data_start < add_months(month_start(today), -24)
