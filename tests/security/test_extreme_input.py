"""Finding 5: extreme input answers 400 (or the form's message), never a 500.

``start_date=9997-01-01`` overflowed the three-year limit, ``0001-01-01`` the previous period, a huge
``page`` the SQL OFFSET, ``revoke=abc`` the token lookup."""

import pytest
from django.urls import reverse

from costs.services import ensure_default_report
from tests.costs.factories import add_costs, item, make_integration
from vantage.models import ApiToken

pytestmark = pytest.mark.django_db

FAR_FUTURE = {"date_range": "custom", "start_date": "9997-01-01", "end_date": "9997-01-31"}
FAR_PAST = {"date_range": "custom", "start_date": "0001-01-01", "end_date": "0001-01-31"}
LAST_DAY = {"date_range": "custom", "start_date": "9999-12-01", "end_date": "9999-12-31"}


@pytest.fixture
def report(ws):
    add_costs(make_integration(ws), [item("2026-01-05", "SMS & MMS", "sms-outbound", "1.50")])
    return ensure_default_report(ws)


@pytest.fixture
def bearer(owner):
    _, raw = ApiToken.issue(owner, "extreme")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize("params", [FAR_FUTURE, FAR_PAST, LAST_DAY], ids=["9997", "0001", "9999-12"])
def test_report_page_answers_with_the_forms_message(owner_client, report, params):
    response = owner_client.get(reverse("costs:report_detail", args=[report.pk]), params)
    assert response.status_code == 400
    assert "2000" in response.content.decode()  # the message names the bounds


@pytest.mark.parametrize("params", [FAR_FUTURE, FAR_PAST, LAST_DAY], ids=["9997", "0001", "9999-12"])
def test_report_csv_is_a_400(owner_client, report, params):
    response = owner_client.get(reverse("costs:report_export", args=[report.pk]), {**params, "layout": "wide"})
    assert response.status_code == 400


@pytest.mark.parametrize("params", [FAR_FUTURE, FAR_PAST, LAST_DAY], ids=["9997", "0001", "9999-12"])
@pytest.mark.parametrize("path", ["/api/v2/costs", "/api/v2/costs.csv"])
def test_api_costs_names_the_field(client, bearer, ws, report, params, path):
    response = client.get(path, {**params, "workspace": ws.pk}, **bearer)
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields & {"start_date", "end_date"}


def test_api_costs_huge_page_is_a_400(client, bearer, ws, report):
    response = client.get("/api/v2/costs", {"workspace": ws.pk, "page": "4611686018427387904",
                                            "date_range": "last_3_months"}, **bearer)
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"page"}


def test_api_costs_big_page_past_the_end_is_still_answered(client, bearer, ws, report):
    response = client.get("/api/v2/costs", {"workspace": ws.pk, "page": "10000000"}, **bearer)
    assert response.status_code == 200
    assert response.json()["costs"] == []


@pytest.mark.parametrize("value", ["abc", "", "99999999999999999999999", "1.5"])
def test_revoking_a_token_that_is_no_number_is_no_500(owner_client, owner, value):
    token, _ = ApiToken.issue(owner, "kept")
    response = owner_client.post(reverse("api_tokens"), {"revoke": value})
    assert response.status_code in (302, 400)
    token.refresh_from_db()
    assert token.revoked_at is None
