"""The integration page's "Import earlier history" form: bounds by the field, roles, workspaces, formatted history."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from integrations import history
from integrations.models import IngestionRun, IntegrationStatus, RunStatus
from tests.integrations.history_runs import imported_history
from vantage.lib.dates import add_months, month_start, utc_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_tasks(monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func.__name__, args)))
    return queued


@pytest.fixture
def imported(integration):
    """The integration after connecting: the current month and the twelve before it imported."""
    return imported_history(integration, twilio_total=Decimal("114560.1059260000"), records_read=123456,
                            line_items_written=4321, reconciliation_difference=Decimal("1234.5"))


def detail_url(integration):
    return reverse("integrations:detail", args=[integration.pk])


def post_url(integration):
    return reverse("integrations:import_earlier", args=[integration.pk])


def test_owner_sees_the_form_with_its_bounds_and_formatted_history(owner_client, imported):
    html = owner_client.get(detail_url(imported)).content.decode()
    first = history.history_range()[0]
    lowest = add_months(month_start(utc_today()), -history.MAX_MONTHS_BACK)
    assert "Import earlier history" in html and 'type="month"' in html
    # only months not imported yet: the latest offered is the month before the first one imported, the default
    # a year of it
    latest = add_months(first, -1)
    assert f'min="{lowest:%Y-%m}"' in html and f'max="{latest:%Y-%m}"' in html
    assert f'value="{add_months(latest, -11):%Y-%m}"' in html and f"to {latest:%b %Y};" in html
    assert f"from {first:%b %Y}" in html  # where history starts (the one month format)
    assert "114,560.11" in html and "114560.1059" not in html  # money, not raw decimals
    assert "1,234.50" in html
    assert "123,456" in html and "4,321" in html


def test_import_earlier_history_queues_the_months_newest_first(owner_client, imported, no_tasks,
                                                              django_capture_on_commit_callbacks):
    first = history.history_range()[0]
    back_to = add_months(first, -3)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(post_url(imported), {"start_month": f"{back_to:%Y-%m}"})
    assert response.status_code == 302 and response["Location"] == detail_url(imported)
    imported.refresh_from_db()
    assert imported.status == IntegrationStatus.IMPORTING and imported.history_back_to == back_to
    assert imported.import_windows_total == 3
    assert no_tasks == [("earlier_history_task", (imported.pk,))]
    page = owner_client.get(detail_url(imported)).content.decode()
    assert f"Importing 3 earlier months back to {back_to:%b %Y}" in page
    assert 'data-status="importing"' in page
    # one import at a time
    with django_capture_on_commit_callbacks(execute=True):
        again = owner_client.post(post_url(imported), {"start_month": f"{back_to:%Y-%m}"}, follow=True)
    assert "already running" in again.content.decode() and len(no_tasks) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "This field is required."),
        ("2024-13", "Enter a month as YYYY-MM"),
        ("last year", "Enter a month as YYYY-MM"),
        ("too-early", "at most 36 months"),
        ("too-late", "already imported"),
    ],
)
def test_a_bad_month_is_shown_by_the_field_and_nothing_is_queued(owner_client, imported, no_tasks, value, message):
    this_month = month_start(utc_today())
    value = {"too-early": f"{add_months(this_month, -37):%Y-%m}",
             "too-late": f"{add_months(this_month, -1):%Y-%m}"}.get(value, value)
    response = owner_client.post(post_url(imported), {"start_month": value})
    assert response.status_code == 400
    html = response.content.decode()
    error = html[html.index('id="id_start_month_error"'):]
    assert message in error[:400]
    assert 'aria-invalid="true"' in html or "has-error" in html
    imported.refresh_from_db()
    assert no_tasks == [] and imported.status == IntegrationStatus.IMPORTED and imported.history_back_to is None


def test_viewer_sees_no_form_and_cannot_post(client, viewer, imported, no_tasks):
    client.force_login(viewer)
    html = client.get(detail_url(imported)).content.decode()
    assert "Import earlier history" not in html and "114,560.11" in html
    back_to = add_months(history.history_range()[0], -1)
    assert client.post(post_url(imported), {"start_month": f"{back_to:%Y-%m}"}).status_code == 403
    assert no_tasks == []


def test_outsider_gets_404(client, outsider, imported, no_tasks):
    client.force_login(outsider)
    back_to = add_months(history.history_range()[0], -1)
    assert client.get(detail_url(imported)).status_code == 404
    assert client.post(post_url(imported), {"start_month": f"{back_to:%Y-%m}"}).status_code == 404
    assert no_tasks == []


def test_get_is_not_allowed(owner_client, imported):
    assert owner_client.get(post_url(imported)).status_code == 405


def test_when_history_reaches_the_limit_the_form_says_so(owner_client, imported):
    lowest = add_months(month_start(utc_today()), -history.MAX_MONTHS_BACK)
    IngestionRun.objects.create(integration=imported, start_date=add_months(lowest, -1), end_date=date.today(),
                                status=RunStatus.SUCCEEDED)
    html = owner_client.get(detail_url(imported)).content.decode()
    assert "as far as it may go" in html and 'id="earlier-history-form"' not in html
