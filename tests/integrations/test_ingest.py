"""Ingestion: leaves become line items, roll-ups are skipped, totals reconcile exactly."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
import responses
from django.db.models import Sum

from costs.models import BilledTotal, CostLineItem
from integrations import services
from integrations.models import (
    CategoryRole,
    IngestionRun,
    IntegrationStatus,
    RunStatus,
    TwilioUsageCategory,
    UnclassifiedUsage,
)
from integrations.twilio import client as tw
from integrations.twilio.importer import WindowPrefetcher, import_range, ingest_window, month_windows
from tests.fakes.twilio import BASE, DAILY_PATH, error, page, record

pytestmark = pytest.mark.django_db
D1, D2 = date(2026, 3, 1), date(2026, 3, 2)


def day_records(day, *, total="10.00", extra=()):
    return [
        record("totalprice", day, total, usage=total, currency="usd"),
        record("sms", day, "6.00", usage="600", count="600"),  # roll-up of the two below
        record("sms-outbound", day, "5.00", usage="500", count="500", usage_unit="segments", count_unit="messages"),
        record("sms-inbound", day, "1.00", usage="100", count="100"),
        record("calls", day, "4.00"),
        record("calls-outbound", day, "4.00", usage="200", usage_unit="minutes"),
        record("lookups", day, "0", usage="0", count="0"),  # all zero: not stored
        *extra,
    ]


def client_for(integration):
    return tw.TwilioClient(integration.api_key_sid, integration.api_secret, integration.account_sid,
                           base_url=BASE, sleep=lambda s: None, max_attempts=2)


def serve(records_by_page):
    for i, recs in enumerate(records_by_page):
        nxt = f"{DAILY_PATH}?Page={i + 1}&PageToken=PA{i + 1}" if i + 1 < len(records_by_page) else None
        url = BASE + DAILY_PATH if i == 0 else BASE + f"{DAILY_PATH}?Page={i}&PageToken=PA{i}"
        responses.get(url, json=page(recs, next_page_uri=nxt, page_no=i))


@responses.activate
def test_leaves_become_line_items_and_rollups_are_skipped(catalog, integration):
    serve([day_records(D1) + day_records(D2)])
    run = ingest_window(integration, D1, D2, client=client_for(integration))
    items = CostLineItem.objects.filter(integration=integration)
    assert sorted(set(items.values_list("category", flat=True))) == ["calls-outbound", "sms-inbound", "sms-outbound"]
    assert items.aggregate(s=Sum("cost"))["s"] == Decimal("20.00")
    assert BilledTotal.objects.filter(integration=integration).aggregate(s=Sum("amount"))["s"] == Decimal("20.00")
    sms = items.get(date=D1, category="sms-outbound")
    assert (sms.service, sms.charge_type, sms.currency) == ("SMS & MMS", "Usage", "USD")
    amounts = (sms.usage, sms.usage_unit, sms.count, sms.count_unit)
    assert amounts == (Decimal(500), "segments", Decimal(500), "messages")
    assert run.status == RunStatus.SUCCEEDED and run.records_read == 14 and run.line_items_written == 6
    assert run.twilio_total == Decimal("20.00") and run.reconciliation_difference == 0


@responses.activate
def test_gap_to_totalprice_becomes_one_unattributed_item(catalog, integration):
    serve([day_records(D1, total="10.25")])
    run = ingest_window(integration, D1, D1, client=client_for(integration))
    residual = CostLineItem.objects.get(category="unattributed")
    assert residual.cost == Decimal("0.25") and residual.service == "Unattributed"
    assert CostLineItem.objects.aggregate(s=Sum("cost"))["s"] == Decimal("10.25")
    assert run.reconciliation_difference == Decimal("0.25")


@responses.activate
def test_unknown_category_is_kept_aside_then_classified_by_an_operator(catalog, integration):
    extra = [record("brand-new-product", D1, "0.40", usage="4", usage_unit="things")]
    serve([day_records(D1, total="10.40", extra=extra)])
    ingest_window(integration, D1, D1, client=client_for(integration))
    assert not CostLineItem.objects.filter(category="brand-new-product").exists()
    aside = UnclassifiedUsage.objects.get(category="brand-new-product")
    assert aside.price == Decimal("0.40")
    assert CostLineItem.objects.get(category="unattributed").cost == Decimal("0.40")
    seen = TwilioUsageCategory.objects.get(name="brand-new-product")
    assert seen.role == CategoryRole.UNKNOWN and seen.first_seen_at is not None

    seen.role, seen.service, seen.overridden = CategoryRole.LEAF, "Verify", True
    seen.save()
    responses.reset()
    serve([day_records(D1, total="10.40", extra=extra)])
    ingest_window(integration, D1, D1, client=client_for(integration))
    assert CostLineItem.objects.get(category="brand-new-product").service == "Verify"
    assert not CostLineItem.objects.filter(category="unattributed").exists()
    assert not UnclassifiedUsage.objects.exists()


@responses.activate
def test_negative_price_is_a_credit_and_null_price_stays_unknown(catalog, integration):
    extra = [
        record("phonenumbers-local", D1, "-2.00", usage="1", count="1", count_unit="phone-numbers"),
        record("lookups", D1, None, usage="3", count="3"),
    ]
    recs = [
        r for r in day_records(D1, total="8.00", extra=extra) if not (r["category"] == "lookups" and r["price"] == "0")
    ]
    serve([recs])
    ingest_window(integration, D1, D1, client=client_for(integration))
    credit = CostLineItem.objects.get(category="phonenumbers-local")
    assert credit.cost == Decimal("-2.00") and credit.charge_type == "Credit"
    unknown_price = CostLineItem.objects.get(category="lookups")
    assert unknown_price.cost is None and unknown_price.usage == 3
    assert CostLineItem.objects.aggregate(s=Sum("cost"))["s"] == Decimal("8.00")


@responses.activate
def test_reimport_is_idempotent(catalog, integration):
    for _ in range(2):
        serve([day_records(D1), day_records(D2)])
        ingest_window(integration, D1, D2, client=client_for(integration))
        responses.reset()
    rows = list(CostLineItem.objects.order_by("date", "category").values_list("date", "category", "cost"))
    assert len(rows) == 6
    assert BilledTotal.objects.count() == 2


@responses.activate
def test_failure_mid_window_keeps_the_previous_rows(catalog, integration):
    serve([day_records(D1), day_records(D2)])
    ingest_window(integration, D1, D2, client=client_for(integration))
    before = list(CostLineItem.objects.order_by("pk").values_list("pk", "cost"))
    responses.reset()
    responses.get(BASE + DAILY_PATH, json=page(day_records(D1), next_page_uri=f"{DAILY_PATH}?Page=1&PageToken=PA1"))
    responses.get(BASE + f"{DAILY_PATH}?Page=1&PageToken=PA1", status=500, json=error(20500, 500))
    with pytest.raises(tw.TransientError):
        ingest_window(integration, D1, D2, client=client_for(integration))
    assert list(CostLineItem.objects.order_by("pk").values_list("pk", "cost")) == before
    failed = IngestionRun.objects.filter(status=RunStatus.FAILED).get()
    assert failed.pages == 1 and "temporary problem" in failed.error


@responses.activate
@pytest.mark.parametrize(
    "bad",
    [
        {"price": "0.01x"},
        {"start_date": "not-a-date"},
        {"category": None},
        {"start_date": "2026-04-01", "end_date": "2026-04-01"},  # outside the window
    ],
)
def test_malformed_records_write_nothing(catalog, integration, bad):
    recs = day_records(D1)
    recs[2] = {**recs[2], **bad}
    serve([recs])
    with pytest.raises(tw.MalformedResponse):
        ingest_window(integration, D1, D2, client=client_for(integration))
    assert not CostLineItem.objects.exists() and not BilledTotal.objects.exists()


@responses.activate
def test_empty_range_gives_no_rows_and_clears_the_window(catalog, integration):
    serve([day_records(D1)])
    ingest_window(integration, D1, D1, client=client_for(integration))
    responses.reset()
    serve([[]])
    run = ingest_window(integration, D1, D1, client=client_for(integration))
    assert run.status == RunStatus.SUCCEEDED and not CostLineItem.objects.exists()


def test_month_windows_are_contiguous_and_at_most_a_month():
    w = month_windows(date(2025, 12, 15), date(2026, 3, 3))
    assert w == [
        (date(2025, 12, 15), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 3)),
    ]
    newest = month_windows(date(2026, 1, 1), date(2026, 3, 3), newest_first=True)[0]
    assert newest == (date(2026, 3, 1), date(2026, 3, 3))
    assert month_windows(date(2026, 1, 5), date(2026, 1, 5)) == [(date(2026, 1, 5), date(2026, 1, 5))]
    with pytest.raises(ValueError):
        month_windows(date(2026, 2, 1), date(2026, 1, 1))


@responses.activate
def test_import_range_marks_error_keeps_done_windows_and_resumes(catalog, integration, monkeypatch):
    jan = [record("totalprice", date(2026, 1, 3), "1.00"), record("sms-outbound", date(2026, 1, 3), "1.00")]
    feb = [record("totalprice", date(2026, 2, 3), "2.00"), record("sms-outbound", date(2026, 2, 3), "2.00")]
    q = "StartDate={}&EndDate={}&PageSize=1000&IncludeSubaccounts=true"
    responses.get(BASE + DAILY_PATH + "?" + q.format("2026-02-01", "2026-02-28"), json=page(feb))
    responses.get(BASE + DAILY_PATH + "?" + q.format("2026-01-01", "2026-01-31"), status=401, json=error(20003, 401))
    with pytest.raises(tw.CredentialsRejected):
        import_range(integration, date(2026, 1, 1), date(2026, 2, 28), client=client_for(integration))
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.ERROR and "new API key" in integration.status_message
    assert integration.import_windows_done == 1 and integration.import_windows_total == 2
    assert CostLineItem.objects.get().date == date(2026, 2, 3)  # the done window stays

    responses.reset()
    responses.get(BASE + DAILY_PATH + "?" + q.format("2026-01-01", "2026-01-31"), json=page(jan))
    result = import_range(integration, date(2026, 1, 1), date(2026, 2, 28), client=client_for(integration),
                                   resume=True)
    assert result.windows_skipped == 1 and len(responses.calls) == 1
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.IMPORTED and integration.last_refreshed_at
    assert integration.import_windows_done == 2 and integration.import_records_read == 4
    assert CostLineItem.objects.aggregate(s=Sum("cost"))["s"] == Decimal("3.00")


@responses.activate
def test_deleting_an_integration_deletes_its_costs(catalog, integration):
    serve([day_records(D1)])
    ingest_window(integration, D1, D1, client=client_for(integration))
    summary = services.delete_integration(integration)
    assert summary["line_items"] == 3 and summary["cost_by_currency"] == {"USD": Decimal("10.00")}
    for model in (CostLineItem, BilledTotal, UnclassifiedUsage, IngestionRun):
        assert not model.objects.exists()


@responses.activate
def test_a_failed_window_stops_the_download_thread(catalog, integration):
    """Window n+1 downloads on one worker thread while window n is written; a failure stops it."""
    q = "StartDate={}&EndDate={}&PageSize=1000&IncludeSubaccounts=true"
    responses.get(BASE + DAILY_PATH + "?" + q.format("2026-03-01", "2026-03-31"), status=401, json=error(20003, 401))
    for month in ("2026-01", "2026-02"):
        responses.get(BASE + DAILY_PATH + "?" + q.format(f"{month}-01", f"{month}-{28 if month.endswith('2') else 31}"),
                      json=page([record("totalprice", date.fromisoformat(f"{month}-03"), "1.00")]))  # fmt: skip
    with pytest.raises(tw.CredentialsRejected):
        import_range(integration, date(2026, 1, 1), date(2026, 3, 31), client=client_for(integration))
    assert not [t for t in threading.enumerate() if t.name.startswith("twilio-prefetch")]
    assert IngestionRun.objects.get().status == RunStatus.FAILED  # the newest window, recorded; nothing after it
    assert len(responses.calls) <= 2  # at most the next window was fetched ahead


def test_prefetcher_downloads_each_window_once_in_order_on_one_thread():
    seen = []

    class Client:
        def iter_daily_pages(self, start, end):
            seen.append((start, threading.current_thread().name))
            yield [start]
            yield [end]

    windows = month_windows(date(2026, 1, 1), date(2026, 3, 31))
    prefetcher = WindowPrefetcher(Client(), windows)
    try:
        assert [list(prefetcher.pages(i)) for i in range(3)] == [[[s], [e]] for s, e in windows]
    finally:
        prefetcher.close()
    assert [s for s, _ in seen] == [s for s, _ in windows]
    assert len({name for _, name in seen}) == 1 and seen[0][1] != threading.current_thread().name
    assert not [t for t in threading.enumerate() if t.name.startswith("twilio-prefetch")]


def test_prefetcher_hands_each_page_over_as_it_arrives():
    """Progress (records read) moves with every page: the first page of a window reaches the importer
    before the second has been downloaded."""
    first_page_seen = threading.Event()
    waited = []

    class Client:
        def iter_daily_pages(self, start, end):
            yield [start]
            waited.append(first_page_seen.wait(timeout=5))  # the importer has the first page already?
            yield [end]

    prefetcher = WindowPrefetcher(Client(), [(date(2026, 1, 1), date(2026, 1, 31))])
    try:
        pages = prefetcher.pages(0)
        assert next(pages) == [date(2026, 1, 1)]
        first_page_seen.set()
        assert list(pages) == [[date(2026, 1, 31)]]
    finally:
        prefetcher.close()
    assert waited == [True]


def test_closing_the_prefetcher_does_not_wait_for_a_hung_download(monkeypatch):
    """A download stuck in Twilio's read timeout does not hold the import's failure up for long."""
    monkeypatch.setattr("integrations.twilio.importer.CLOSE_WAIT", 0.2)
    release = threading.Event()

    class Client:
        def iter_daily_pages(self, start, end):
            release.wait(timeout=10)  # a request that takes its time
            yield [start]

    prefetcher = WindowPrefetcher(Client(), [(date(2026, 1, 1), date(2026, 1, 31))])
    started = time.monotonic()
    prefetcher.close()
    assert time.monotonic() - started < 2
    release.set()  # the worker sees the stop at its next page and ends
