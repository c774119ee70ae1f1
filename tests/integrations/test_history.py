"""History: what connecting imports (the current month and twelve full months) and the rules for earlier months."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from costs.choices import DateRange
from costs.dates import resolve_preset
from integrations import history, services
from integrations.models import IngestionRun, IntegrationStatus, RunStatus, RunTrigger
from integrations.twilio import importer
from vantage.lib.dates import month_end

TODAY = date(2026, 12, 1)


def windows_of(today):
    start, end = importer.history_range(today)
    return importer.month_windows(start, end, newest_first=True)


@pytest.mark.parametrize(
    ("today", "first", "oldest"),
    [
        (date(2026, 12, 1), date(2026, 12, 1), date(2025, 12, 1)),  # the 1st: a one-day current month
        (date(2026, 12, 31), date(2026, 12, 1), date(2025, 12, 1)),
        (date(2026, 1, 15), date(2026, 1, 1), date(2025, 1, 1)),  # back across the year boundary
        (date(2024, 3, 31), date(2024, 3, 1), date(2023, 3, 1)),
    ],
)
def test_history_is_the_current_month_and_the_twelve_before_it_newest_first(today, first, oldest):
    start, end = importer.history_range(today)
    assert (start, end) == (oldest, today) and start.day == 1
    windows = windows_of(today)
    assert len(windows) == importer.HISTORY_MONTHS == 13
    assert windows[0] == (first, today)  # the current month so far comes first
    assert windows[-1][0] == oldest
    assert all(a[0] > b[0] for a, b in zip(windows, windows[1:], strict=False))  # newest first
    assert all(s.day == 1 for s, _ in windows)
    # contiguous: each window ends the day before the newer one begins
    assert all((newer[0] - older[1]).days == 1 for newer, older in zip(windows, windows[1:], strict=False))


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2026, 1, 1), date(2026, 7, 19), date(2024, 2, 29)])
@pytest.mark.parametrize("preset", [DateRange.LAST_3_MONTHS, DateRange.LAST_6_MONTHS, DateRange.LAST_12_MONTHS,
                                    DateRange.LAST_MONTH, DateRange.YEAR_TO_DATE, DateRange.LAST_90_DAYS])
def test_every_preset_up_to_twelve_months_is_inside_what_connecting_imports(today, preset):
    start, end = importer.history_range(today)
    low, high = resolve_preset(preset, today)
    assert start <= low and high <= end


@pytest.mark.parametrize(("value", "month"), [("2024-06", date(2024, 6, 1)), (" 2023-12 ", date(2023, 12, 1)),
                                              (date(2024, 6, 17), date(2024, 6, 1))])
def test_parse_month(value, month):
    assert history.parse_month(value) == month


@pytest.mark.parametrize("value", ["", None, "2024-13", "2024-00", "24-06", "2024-6", "June 2024", "2024-06-01"])
def test_parse_month_rejects_what_is_not_a_month(value):
    with pytest.raises(ValidationError, match="YYYY-MM"):
        history.parse_month(value)


def run(integration, start, end, status=RunStatus.SUCCEEDED, trigger=RunTrigger.BACKFILL):
    return IngestionRun.objects.create(integration=integration, start_date=start, end_date=end, status=status,
                                       trigger=trigger)


def test_bounds_before_anything_is_imported(integration):
    assert history.month_bounds(integration, TODAY) == (date(2023, 12, 1), date(2026, 11, 1))


def test_bounds_follow_the_earliest_month_imported(integration):
    run(integration, date(2026, 12, 1), date(2026, 12, 1))
    run(integration, date(2025, 12, 1), date(2025, 12, 31))
    run(integration, date(2025, 6, 1), date(2025, 6, 30), status=RunStatus.FAILED)  # a failure is no history
    assert history.month_bounds(integration, TODAY) == (date(2023, 12, 1), date(2025, 12, 1))
    assert history.earliest_imported_month(integration) == date(2025, 12, 1)
    assert history.check_start_month(integration, date(2023, 12, 1), TODAY) == date(2023, 12, 1)
    with pytest.raises(ValidationError, match="36 months"):
        history.check_start_month(integration, date(2023, 11, 1), TODAY)
    with pytest.raises(ValidationError, match="already imported"):
        history.check_start_month(integration, date(2026, 1, 1), TODAY)


def test_plan_is_every_missing_full_month_newest_first(integration):
    run(integration, date(2026, 12, 1), date(2026, 12, 1))
    for month in range(1, 12):
        run(integration, date(2026, month, 1), month_end(date(2026, month, 1)))
    run(integration, date(2025, 12, 1), date(2025, 12, 31))
    run(integration, date(2025, 10, 1), date(2025, 10, 31))  # imported by an earlier request
    run(integration, date(2025, 9, 1), date(2025, 9, 15))  # half a month (a command's window): not imported
    run(integration, date(2025, 8, 1), date(2025, 8, 31), status=RunStatus.FAILED)
    plan = history.earlier_plan(integration, date(2025, 7, 1), TODAY)
    assert plan == [(date(2025, 11, 1), date(2025, 11, 30)), (date(2025, 9, 1), date(2025, 9, 30)),
                    (date(2025, 8, 1), date(2025, 8, 31)), (date(2025, 7, 1), date(2025, 7, 31))]
    assert history.earlier_plan(integration, date(2025, 12, 1), TODAY) == []
    # a run spanning several months covers each of them
    run(integration, date(2025, 7, 1), date(2025, 9, 30))
    assert history.earlier_plan(integration, date(2025, 7, 1), TODAY) == [(date(2025, 11, 1), date(2025, 11, 30))]


def test_plan_of_an_integration_that_imported_nothing_stops_before_the_current_month(integration):
    assert history.earlier_plan(integration, date(2026, 9, 1), TODAY) == [
        (date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 9, 1), date(2026, 9, 30))]


@pytest.fixture
def no_tasks(monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func.__name__, args)))
    return queued


def test_queueing_earlier_history_remembers_the_month_and_queues_the_primary_key(
        integration, no_tasks, django_capture_on_commit_callbacks):
    back_to = history.month_bounds(integration)[1]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_earlier_history(integration, back_to) == 1
    integration.refresh_from_db()
    assert integration.status == IntegrationStatus.IMPORTING and integration.history_back_to == back_to
    assert (integration.import_windows_total, integration.import_windows_done) == (1, 0)
    assert no_tasks == [("earlier_history_task", (integration.pk,))]
    with pytest.raises(services.Busy):
        services.queue_earlier_history(integration, back_to)
    # Retry after an error continues the earlier import; a sync forgets it
    integration.save_fields(status=IntegrationStatus.ERROR)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_retry(integration)
    assert no_tasks[-1] == ("earlier_history_task", (integration.pk,))
    integration.save_fields(status=IntegrationStatus.ERROR)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_sync(integration)
    integration.refresh_from_db()
    assert integration.history_back_to is None
    integration.save_fields(status=IntegrationStatus.ERROR)
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_retry(integration)
    assert no_tasks[-1] == ("import_history_task", (integration.pk, True))


def test_nothing_left_to_import_queues_nothing(integration, no_tasks, django_capture_on_commit_callbacks):
    last = history.month_bounds(integration)[1]
    run(integration, last, month_end(last))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_earlier_history(integration, last) == 0
    integration.refresh_from_db()
    assert no_tasks == [] and integration.history_back_to is None and integration.status != IntegrationStatus.IMPORTING
