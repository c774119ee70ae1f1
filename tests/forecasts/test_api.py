"""GET /api/v2/cost_reports/{id}/forecasted_costs: shape, scoping, parameters."""

from datetime import date

import pytest

from costs.forecasts import services
from tests.api.helpers import errors_of

from .conftest import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_in_any_response")]


def url(report):
    return f"/api/v2/cost_reports/{report.pk}/forecasted_costs"


@pytest.fixture
def fitted(report):
    services.refresh_report_forecast(report, today=TODAY)
    return report


def test_shape_and_links(api, viewer, fitted):
    response = api(viewer).get(url(fitted), {"page_size": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["method"].startswith("Exponential smoothing")
    assert body["accuracy"]["day"] == 10 and body["history_end"] == "2026-07-14"
    first = body["forecasted_costs"][0]
    assert set(first) == {"date", "amount", "low", "high", "currency", "service"}
    assert first["date"] == "2026-07-15" and first["currency"] == "USD"
    assert float(first["low"]) <= float(first["amount"]) <= float(first["high"])
    assert body["count"] == fitted.forecast.points.count() and len(body["forecasted_costs"]) == 10
    links = body["links"]
    assert links["prev"] is None and "page=2" in links["next"] and f"page={-(-body['count'] // 10)}" in links["last"]
    second = api(viewer).get(links["next"]).json()
    assert second["forecasted_costs"][0] != first and "page=1" not in (second["links"]["prev"] or "")


def test_dates_and_service_narrow_the_points(api, owner, fitted):
    body = api(owner).get(url(fitted), {"start_date": "2026-08-01", "end_date": "2026-08-31",
                                        "service": "Voice"}).json()
    days = [p["date"] for p in body["forecasted_costs"]]
    assert body["count"] == 31 and days[0] == "2026-08-01" and days[-1] == "2026-08-31"
    assert {p["service"] for p in body["forecasted_costs"]} == {"Voice"}


def test_bad_parameters_are_400_naming_them(api, owner, fitted):
    c = api(owner)
    assert set(errors_of(c.get(url(fitted), {"start_date": "yesterday"}))) == {"start_date"}
    assert set(errors_of(c.get(url(fitted), {"start_date": "2026-09-01", "end_date": "2026-08-01"}))) == {"end_date"}
    errors = errors_of(c.get(url(fitted), {"service": "Fax", "page_size": "0"}))
    assert set(errors) == {"service", "page_size"}
    assert "Programmable SMS" in errors["service"]


def test_outsiders_get_404(api, outsider, owner, ws, fitted):
    out = api(outsider)
    assert out.get(url(fitted)).status_code == 404
    assert out.get(url(fitted), {"workspace": ws.pk}).status_code == 404
    assert api(owner).get("/api/v2/cost_reports/999999/forecasted_costs").status_code == 404
    assert api().get(url(fitted)).status_code == 401


def test_not_computed_yet_and_too_short_say_why(api, owner, ws, report):
    body = api(owner).get(url(report)).json()
    assert body["status"] == "not_computed" and body["forecasted_costs"] == [] and body["count"] == 0
    services.refresh_report_forecast(report, today=date(2025, 12, 1))  # before any costs
    body = api(owner).get(url(report)).json()
    assert body["status"] == "too_short" and body["reason"] == "Only 0 days of history: a forecast needs 14."
