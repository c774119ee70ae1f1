"""A report never looks complete over days that were never imported (costs.coverage)."""

from datetime import date, timedelta

import pytest

from costs.coverage import Gap, ImportHistory, coverage, import_gaps, import_gaps_of
from costs.services import ensure_default_report
from integrations.coverage import IngestionRunHistory
from integrations.models import IngestionRun, IntegrationStatus, RunStatus
from tests.costs.factories import add_costs, item, make_integration
from tests.costs.pages import report_query
from vantage.lib.dates import utc_today

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def imported(ws, name):
    integration = make_integration(ws, name)
    integration.status = IntegrationStatus.IMPORTED
    integration.save(update_fields=["status"])
    return integration


def run(integration, start, end, status=RunStatus.SUCCEEDED):
    return IngestionRun.objects.create(integration=integration, start_date=D(start), end_date=D(end), status=status)


def test_days_outside_successful_runs_are_gaps(ws):
    acme = imported(ws, "Acme")
    run(acme, "2026-02-01", "2026-02-28")
    run(acme, "2026-02-10", "2026-03-31")  # overlapping runs merge
    run(acme, "2026-05-01", "2026-05-31")
    run(acme, "2026-04-01", "2026-04-30", status=RunStatus.FAILED)  # a failed window covers nothing
    run(acme, "2026-06-01", "2026-06-30", status=RunStatus.RUNNING)
    assert import_gaps(ws, D("2026-01-15"), D("2026-06-30")) == [
        Gap("Acme", D("2026-01-15"), D("2026-01-31"), False),
        Gap("Acme", D("2026-04-01"), D("2026-04-30"), False),
        Gap("Acme", D("2026-06-01"), D("2026-06-30"), False),
    ]
    assert import_gaps(ws, D("2026-02-05"), D("2026-03-20")) == []
    assert import_gaps(ws, D("2026-04-30"), D("2026-04-30"))[0].days == 1


def test_an_integration_never_imported_is_one_gap_and_the_future_none(ws):
    fresh = make_integration(ws, "Fresh")
    fresh.__class__.objects.filter(account_name="Fresh").update(status=IntegrationStatus.IMPORTING)
    today = utc_today()
    gaps = import_gaps(ws, today - timedelta(days=9), today + timedelta(days=30))
    assert gaps == [Gap("Fresh", today - timedelta(days=9), today, True)]  # importing: may be closing
    assert import_gaps(ws, today + timedelta(days=1), today + timedelta(days=5)) == []


def test_only_the_workspace_and_the_billing_accounts_filtered(ws, other_ws):
    acme, globex = make_integration(ws, "Acme"), make_integration(ws, "Globex")
    make_integration(other_ws, "Elsewhere")  # never imported, but not ours
    run(acme, "2026-03-01", "2026-03-31")
    march = (D("2026-03-01"), D("2026-03-31"))
    assert [g.billing_account for g in import_gaps(ws, *march)] == ["Globex"]
    assert import_gaps(ws, *march, {"billing_account": {"op": "is", "values": ["Acme"]}}) == []
    assert import_gaps(ws, *march, {"billing_account": {"op": "not", "values": ["Globex"]}}) == []
    assert len(import_gaps(ws, *march, {"service": {"op": "is", "values": ["Fax"]}})) == 1  # not a coverage filter
    assert globex.pk


def test_two_periods_in_one_query(ws, django_assert_num_queries):
    acme = imported(ws, "Acme")
    run(acme, "2026-03-01", "2026-03-31")
    with django_assert_num_queries(1):
        current, previous = import_gaps_of(ws, [(D("2026-03-01"), D("2026-03-31")), (D("2026-01-01"), D("2026-02-28"))])
    assert current == [] and previous == [Gap("Acme", D("2026-01-01"), D("2026-02-28"), False)]
    # a run that starts after the first period must not hide that period's tail
    current, later = import_gaps_of(ws, [(D("2026-02-01"), D("2026-02-28")), (D("2026-03-01"), D("2026-03-31"))])
    assert current == [Gap("Acme", D("2026-02-01"), D("2026-02-28"), False)] and later == []


def test_no_import_history_registered_means_no_gaps(ws, django_assert_num_queries):
    """costs knows no importer of its own: the integrations app registers one (IntegrationsConfig.ready)."""
    imported(ws, "Acme")  # never imported anything
    assert len(import_gaps(ws, D("2026-03-01"), D("2026-03-31"))) == 1
    with coverage.override(), django_assert_num_queries(0):
        assert import_gaps(ws, D("2026-03-01"), D("2026-03-31")) == []
        assert import_gaps_of(ws, [(D("2026-03-01"), D("2026-03-31")), (D("2026-01-01"), D("2026-02-28"))]) == [[], []]
    assert len(import_gaps(ws, D("2026-03-01"), D("2026-03-31"))) == 1  # restored


def test_registering_the_same_provider_twice_lists_each_gap_once(ws):
    """AppConfig.ready() may run twice (tests, some servers): its provider replaces itself."""
    imported(ws, "Acme")
    with coverage.override(IngestionRunHistory()):
        coverage.register(IngestionRunHistory())
        assert len(import_gaps(ws, D("2026-03-01"), D("2026-03-31"))) == 1


def test_histories_of_several_providers_merge_by_billing_account(ws):
    class Fixed:
        def __init__(self, *histories):
            self.histories_ = histories

        def histories(self, workspace, filters, low, high):
            return self.histories_

    b = ImportHistory("Beta", False, [(D("2026-03-01"), D("2026-03-10"))])
    a = ImportHistory("Alpha", True, [])
    with coverage.override(Fixed(b), Fixed(a)):
        assert import_gaps(ws, D("2026-03-01"), D("2026-03-31")) == [
            Gap("Alpha", D("2026-03-01"), D("2026-03-31"), True),
            Gap("Beta", D("2026-03-11"), D("2026-03-31"), False),
        ]


# --- on the report page -------------------------------------------------------------------------------


@pytest.fixture
def imported_june_to_july(ws):
    acme = make_integration(ws, "Acme Main")
    add_costs(acme, [item("2026-06-10", "SMS & MMS", "sms-outbound", "5.00"),
                     item("2026-07-20", "SMS & MMS", "sms-outbound", "7.00")])  # fmt: skip
    return acme


def page(client, ws, **settings):
    url = f"/reports/{ensure_default_report(ws).pk}/?{report_query(**settings)}"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "'")


def test_page_says_which_days_are_missing_and_does_not_claim_a_full_match(owner_client, ws, imported_june_to_july):
    html = page(owner_client, ws, start_date="2026-05-01", end_date="2026-07-31", bin="month")
    assert 'id="coverage"' in html and "Acme Main: 1 May 2026 – 31 May 2026 (31 days)" in html
    assert "Matches Twilio's billed total for the imported days" in html
    # the previous period (Feb-Apr) was never imported: no misleading change figure
    assert 'data-role="previous-gaps"' in html and "not fully imported" in html
    assert '<strong class="change" title="The previous period was not fully imported">—</strong>' in html


def test_page_without_gaps_shows_no_notice(owner_client, ws, imported_june_to_july):
    html = page(owner_client, ws, start_date="2026-06-01", end_date="2026-07-31", bin="month", compare=False)
    assert 'id="coverage"' not in html
    assert "Matches Twilio's billed total</span>" in html


def test_outsider_sees_no_gaps_of_other_workspaces(outsider_client, other_ws, imported_june_to_july):
    html = page(outsider_client, other_ws, start_date="2026-05-01", end_date="2026-07-31", bin="month")
    assert "Acme Main" not in html and 'id="coverage"' not in html
