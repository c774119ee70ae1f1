"""Defence in depth (issue 15, finding 7), from the attacker's side: bidirectional-control characters in
names, overlong tag condition values, a flood of invalid Bearer tokens, and the Permissions-Policy header."""

import re
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from costs.budgets.models import Budget
from costs.models import CostReport
from costs.services import ensure_default_report
from integrations.models import Integration
from tagging.choices import MAX_CONDITION_VALUE_LENGTH
from tagging.models import VirtualTag, VirtualTagValue
from tests.api.conftest import api, responses_seen  # noqa: F401  (the fixtures)
from tests.costs.factories import make_integration
from vantage.api.throttling import FailedTokenGate
from vantage.lib.text import BIDI_CONTROLS, find_bidi_control, refuse_bidi_controls
from vantage.models import ApiToken, Workspace
from vantage.notifications.models import WebhookEndpoint

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Invoice\u202egpj.exe" reads as "Invoiceexe.jpg"
SPOOF = f"Prod{RLO}dorp"


def errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- the validator ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", sorted(BIDI_CONTROLS))
def test_every_bidi_control_is_refused_and_named(ch):
    with pytest.raises(ValidationError) as caught:
        refuse_bidi_controls(f"a{ch}b")
    assert f"U+{ord(ch):04X}" in caught.value.messages[0]


def test_ordinary_text_passes_arabic_and_hebrew_too():
    for text in ("Acme Twilio", "Équipe €", "فريق المبيعات", "צוות", "チーム", "", None):
        refuse_bidi_controls(text)
        assert find_bidi_control(text) is None


# --- names, page by page and endpoint by endpoint ---------------------------------------------------------


def test_account_name_and_description_refused_on_the_connect_form_and_the_api(owner_client, owner, api):  # noqa: F811
    html = owner_client.post(reverse("integrations:twilio"), {
        "api_key_sid": "SK" + "0" * 32, "api_secret": "x" * 32, "account_sid": "AC" + "0" * 32,
        "account_name": SPOOF, "description": f"ok{RLO}"}).content.decode()
    assert html.count("invisible text-direction character (U+202E)") == 2  # next to both fields
    r = api(owner).post("/api/v2/integrations/twilio", {
        "api_key": "SK" + "0" * 32, "api_secret": "x" * 32, "account_sid": "AC" + "0" * 32,
        "account_name": SPOOF, "description": f"ok{RLO}"}, format="json")
    assert r.status_code == 400 and {"account_name", "description"} <= set(errors(r))
    assert not Integration.objects.exists()


def test_integration_description_refused_on_update(ws, owner, api):  # noqa: F811
    integration = make_integration(ws, "Acme Twilio")
    r = api(owner).put(f"/api/v2/integrations/{integration.pk}", {"description": f"x{RLO}"}, format="json")
    assert r.status_code == 400 and "U+202E" in errors(r)["description"]
    with pytest.raises(ValidationError):
        Integration(account_name=SPOOF, account_sid="AC" + "0" * 32).full_clean(exclude=["api_key_sid", "api_secret"])


def test_report_title_refused_on_the_page_and_the_api(ws, owner, owner_client, api):  # noqa: F811
    report = CostReport.objects.create(workspace=ws, title="SMS", created_by=owner)
    r = owner_client.post(reverse("costs:report_rename", args=[report.pk]), {"title": SPOOF})
    report.refresh_from_db()
    assert report.title == "SMS" and r.status_code in (200, 302, 400)
    r = api(owner).post("/api/v2/cost_reports", {"title": SPOOF}, format="json")
    assert r.status_code == 400 and "title" in errors(r)
    assert not CostReport.objects.filter(title=SPOOF).exists()


def test_tag_key_description_value_and_condition_refused(ws, owner, owner_client, api):  # noqa: F811
    body = {"key": "Team", "description": f"who{RLO}", "values": [
        {"name": "Messaging", "filters": [{"conditions": [
            {"dimension": "service", "operator": "is", "values": [f"SMS{RLO}"]}]}]}]}
    r = api(owner).post("/api/v2/virtual_tags", body, format="json")
    assert r.status_code == 400 and {"description", "values[0].filters"} <= set(errors(r)), errors(r)
    r = api(owner).post("/api/v2/virtual_tags", {**body, "key": SPOOF, "description": ""}, format="json")
    assert r.status_code == 400 and "key" in errors(r)
    r = owner_client.post(reverse("tagging:virtualtag_create"), {"key": "Team", "description": f"who{RLO}"})
    assert r.status_code == 400 and "U+202E" in r.content.decode()
    tag = VirtualTag.objects.create(workspace=ws, key="Team")
    r = owner_client.post(reverse("tagging:value_create", args=[tag.pk]), {
        "name": SPOOF, "c0_set": "1", "c0_dimension": "service", "c0_operator": "is", "c0_values": "SMS & MMS"})
    assert r.status_code == 400 and not VirtualTagValue.objects.exists()
    assert not VirtualTag.objects.exclude(pk=tag.pk).exists()


def test_budget_name_refused_on_the_page_and_the_api(ws, owner, owner_client, api):  # noqa: F811
    report = ensure_default_report(ws)
    r = owner_client.post(reverse("budgets:budget_create"), {
        "name": SPOOF, "cost_report": report.pk, "parent": "", "currency": "",
        "periods-TOTAL_FORMS": "1", "periods-INITIAL_FORMS": "0", "periods-MIN_NUM_FORMS": "0",
        "periods-MAX_NUM_FORMS": "60", "periods-0-start_month": "2026-01", "periods-0-end_month": "",
        "periods-0-amount": "100"})
    assert r.status_code == 400 and "U+202E" in r.content.decode()
    r = api(owner).post("/api/v2/budgets", {"name": SPOOF, "cost_report": report.pk, "periods": [
        {"start_at": "2026-01", "end_at": None, "amount": "100"}]}, format="json")
    assert r.status_code == 400 and "U+202E" in errors(r)["name"]
    assert not Budget.objects.exists()


def test_webhook_name_refused_on_the_page_and_the_api(owner, owner_client, api):  # noqa: F811
    r = owner_client.post(reverse("notifications:webhook_list"), {"name": SPOOF, "url": "https://hooks.example.com/x"})
    assert r.status_code == 400 and "U+202E" in r.content.decode()
    r = api(owner).post("/api/v2/webhooks", {"name": SPOOF, "url": "https://hooks.example.com/x"}, format="json")
    assert r.status_code == 400 and "name" in errors(r)
    assert not WebhookEndpoint.objects.exists()


def test_token_and_workspace_names_refused(owner, owner_client):
    r = owner_client.post(reverse("api_tokens"), {"name": SPOOF}, follow=True)
    assert "U+202E" in r.content.decode() and not ApiToken.objects.filter(user=owner).exists()
    with pytest.raises(ValidationError) as caught:
        Workspace(name=SPOOF).full_clean()  # the admin's form runs the model field's validator
    assert "name" in caught.value.message_dict


# --- tag condition values have a length cap ----------------------------------------------------------------


def test_overlong_condition_values_are_refused_with_a_message(ws, owner, owner_client, api):  # noqa: F811
    long = "x" * (MAX_CONDITION_VALUE_LENGTH + 1)
    fine = "x" * MAX_CONDITION_VALUE_LENGTH
    body = {"key": "Team", "values": [{"name": "Big", "filters": [{"conditions": [
        {"dimension": "category", "operator": "contains", "values": [long]}]}]}]}
    r = api(owner).post("/api/v2/virtual_tags", body, format="json")
    assert r.status_code == 400
    assert f"at most {MAX_CONDITION_VALUE_LENGTH} characters" in " ".join(errors(r).values()), errors(r)
    body["values"][0]["filters"][0]["conditions"][0]["values"] = [fine]
    assert api(owner).post("/api/v2/virtual_tags", body, format="json").status_code == 201
    tag = VirtualTag.objects.get(key="Team")
    r = owner_client.post(reverse("tagging:value_create", args=[tag.pk]), {
        "name": "Other", "c0_set": "1", "c0_dimension": "category", "c0_operator": "contains", "c0_values": long})
    html = r.content.decode()
    assert r.status_code == 400 and f"at most {MAX_CONDITION_VALUE_LENGTH} characters" in html
    # next to the values box (its cell's error), not above the form
    cell = re.search(r'id="id_c0_values".*?</td>', html, re.S).group(0)
    assert f"at most {MAX_CONDITION_VALUE_LENGTH} characters" in cell and 'class="form-error"' not in html
    with pytest.raises(ValidationError):
        VirtualTagValue(tag=tag, name="Model", filters=[{"conditions": [
            {"dimension": "category", "operator": "is", "values": [long]}]}]).full_clean()


# --- a flood of invalid Bearer tokens --------------------------------------------------------------------


@pytest.fixture
def low_limit(settings):
    settings.API_FAILED_AUTH_RATE = "5/min"
    # one fixed clock, 10 s into a window: a test that ran across a minute's end would start a fresh budget
    with mock.patch("vantage.api.throttling.time.time", return_value=1_000_010.0):
        yield


def _bearer(api_client, raw, ip="203.0.113.7"):  # noqa: F811
    return api_client.get("/api/v2/workspaces", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=ip)


def test_invalid_token_flood_is_answered_429_from_the_cache(low_limit, owner, django_assert_num_queries):
    from rest_framework.test import APIClient

    c = APIClient()
    for i in range(5):
        assert _bearer(c, f"vtk_guess{i}").status_code == 401
    with django_assert_num_queries(0):  # refused before any database lookup
        r = _bearer(c, "vtk_guess-more")
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 60
    assert "Too many invalid tokens" in r.json()["errors"][0]["message"]
    assert _bearer(c, "vtk_guess-again").status_code == 429  # still refused
    assert _bearer(c, "vtk_guess", ip="198.51.100.1").status_code == 401  # another address has its own budget


def test_a_forged_forwarded_for_header_is_no_fresh_budget(low_limit, owner):
    from rest_framework.test import APIClient

    c = APIClient()
    for i in range(6):
        c.get("/api/v2/workspaces", HTTP_AUTHORIZATION=f"Bearer vtk_guess{i}", REMOTE_ADDR="203.0.113.7",
              HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    r = c.get("/api/v2/workspaces", HTTP_AUTHORIZATION="Bearer vtk_more", REMOTE_ADDR="203.0.113.7",
              HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert r.status_code == 429  # keyed on the address the connection came from, whatever the header says


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_key(low_limit, owner, settings):
    from rest_framework.settings import api_settings
    from rest_framework.test import APIClient

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    api_settings.reload()
    try:
        c = APIClient()
        for i in range(6):  # the client forges entries on the left; the proxy appends what it saw on the right
            c.get("/api/v2/workspaces", HTTP_AUTHORIZATION=f"Bearer vtk_guess{i}", REMOTE_ADDR="10.0.0.1",
                  HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7")
        assert c.get("/api/v2/workspaces", HTTP_AUTHORIZATION="Bearer vtk_x", REMOTE_ADDR="10.0.0.1",
                     HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7").status_code == 429
        assert c.get("/api/v2/workspaces", HTTP_AUTHORIZATION="Bearer vtk_x", REMOTE_ADDR="10.0.0.1",
                     HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 401  # another client behind the proxy
    finally:
        del settings.REST_FRAMEWORK
        api_settings.reload()


def test_valid_tokens_are_unaffected(low_limit, owner):
    from rest_framework.test import APIClient

    _, raw = ApiToken.issue(owner, "script")
    c = APIClient()
    assert _bearer(c, raw).status_code == 200  # used recently from this address
    for i in range(10):
        _bearer(c, f"vtk_guess{i}")
    assert _bearer(c, "vtk_guess-more").status_code == 429
    for _ in range(3):
        assert _bearer(c, raw).status_code == 200  # the program keeps working behind the same address
    assert _bearer(c, raw, ip="198.51.100.1").status_code == 200
    # successes never count as failures
    for _ in range(10):
        assert _bearer(c, raw, ip="198.51.100.2").status_code == 200
    assert _bearer(c, "vtk_wrong", ip="198.51.100.2").status_code == 401


def test_the_budget_comes_back_with_the_next_window(low_limit, owner):
    from rest_framework.test import APIClient

    c = APIClient()
    with mock.patch("vantage.api.throttling.time.time", return_value=1_000_040.0):
        for i in range(6):
            _bearer(c, f"vtk_guess{i}")
        r = _bearer(c, "vtk_guess")
        assert r.status_code == 429 and r["Retry-After"] == "40"  # the window started 20 s before
    with mock.patch("vantage.api.throttling.time.time", return_value=1_000_080.0):
        assert _bearer(c, "vtk_guess").status_code == 401


def test_malformed_headers_count_as_failures(low_limit, db):
    from rest_framework.test import APIClient

    c = APIClient()
    for _ in range(5):
        c.get("/api/v2/workspaces", HTTP_AUTHORIZATION="Bearer a b", REMOTE_ADDR="203.0.113.9")
    assert _bearer(c, "vtk_x", ip="203.0.113.9").status_code == 429


def test_gate_rate_comes_from_settings(settings, rf):
    settings.API_FAILED_AUTH_RATE = "3/h"
    gate = FailedTokenGate(rf.get("/"))
    assert (gate.num, gate.duration) == (3, 3600)


# --- Permissions-Policy -------------------------------------------------------------------------------


def test_permissions_policy_on_pages_api_and_admin(client, owner):
    for url in ("/accounts/login/", "/api/v2/workspaces", "/admin/login/", "/healthz"):
        policy = client.get(url).headers.get("Permissions-Policy", "")
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
            assert feature in policy, (url, feature)
