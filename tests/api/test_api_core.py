"""API v2 core: tokens, 401/404/403 from every side, one error shape, throttling, integrations."""

import json
import re
from datetime import date

import pytest
import responses as rsps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from costs.models import CostLineItem
from integrations.models import Integration
from integrations.validation import MSG_KEEP_A_WORKSPACE
from tests.fakes.twilio import ACCOUNT, BASE, KEY, TODAY_PATH, error, page, record
from vantage.lib.formatting import day, moment
from vantage.models import ApiToken, Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_throttle_cache():
    cache.clear()


def test_unauthenticated_gets_401_with_json_error(api):
    r = api().get("/api/v2/workspaces")
    assert r.status_code == 401
    assert r["WWW-Authenticate"] == "Bearer"
    assert r.json() == {"errors": [{"field": None, "message": "Authentication credentials were not provided."}]}


def test_bad_and_revoked_tokens_are_refused(api, owner):
    c = api()
    c.credentials(HTTP_AUTHORIZATION="Bearer vtk_not-a-real-token")
    assert c.get("/api/v2/workspaces").status_code == 401
    token, raw = ApiToken.issue(owner, "script")
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert c.get("/api/v2/workspaces").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.last_used_at)
    assert c.get("/api/v2/workspaces").status_code == 401


def test_tokens_are_stored_as_hashes_only(owner):
    token, raw = ApiToken.issue(owner, "x")
    assert raw not in {token.key_hash, token.hint} and token.key_hash == ApiToken.hash(raw)
    assert raw.startswith("vtk_") and len(raw) > 40


def test_token_page_shows_the_token_once_and_revokes(owner_client, owner):
    r = owner_client.post(reverse("api_tokens"), {"name": "finance script"})
    raw = r.context["new_token"]
    assert raw in r.content.decode() and r["Cache-Control"] == "no-store"
    listing = owner_client.get(reverse("api_tokens")).content.decode()
    assert raw not in listing and "finance script" in listing
    token = ApiToken.objects.get(user=owner)
    owner_client.post(reverse("api_tokens"), {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None
    listing = owner_client.get(reverse("api_tokens")).content.decode()
    assert moment(token.created_at) in listing and f"Revoked {day(token.revoked_at)}" in listing  # "1 Dec 2026"


def test_cannot_revoke_someone_elses_token(client, owner, outsider):
    token, _ = ApiToken.issue(owner, "mine")
    client.force_login(outsider)
    client.post(reverse("api_tokens"), {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is None


def test_create_api_token_command(owner, capsys):
    call_command("create_api_token", "olivia", "--name", "ci")
    raw = capsys.readouterr().out.strip()
    assert ApiToken.objects.get(user=owner, name="ci").key_hash == ApiToken.hash(raw)
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody")


def test_workspaces_lists_only_mine_with_role(api, owner, viewer, other_ws, ws):
    assert api(owner).get("/api/v2/workspaces").json()["results"] == [
        {"id": ws.pk, "name": "Acme", "role": "owner", "created_at": ws.created_at.isoformat().replace("+00:00", "Z")}
    ]
    assert [w["role"] for w in api(viewer).get("/api/v2/workspaces").json()["results"]] == ["viewer"]


def test_workspace_parameter_is_required_with_several_and_404_for_foreign(api, owner, ws, other_ws):
    from vantage.models import Workspace

    second = Workspace.objects.create(name="Second")
    Membership.objects.create(user=owner, workspace=second, role=Role.VIEWER)
    c = api(owner)
    r = c.get("/api/v2/integrations")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "workspace"
    assert c.get(f"/api/v2/integrations?workspace={ws.pk}").status_code == 200
    assert c.get(f"/api/v2/integrations?workspace={other_ws.pk}").status_code == 404
    assert c.get("/api/v2/integrations?workspace=abc").json()["errors"][0]["field"] == "workspace"


def test_integrations_from_three_sides(api, owner, viewer, outsider, integration, twilio_secret):
    CostLineItem.objects.create(integration=integration, account_id=ACCOUNT, date=date(2026, 1, 1), service="s",
                                category="c", cost="1", currency="USD")
    url = f"/api/v2/integrations/{integration.pk}"
    seen = []
    for person in (owner, viewer):
        r = api(person).get("/api/v2/integrations")
        seen.append(r.content.decode())
        assert [i["account_name"] for i in r.json()["results"]] == ["Acme Twilio"]
        body = api(person).get(url).json()
        assert body["import_progress"] == {"windows_total": 0, "windows_done": 0, "records_read": 0, "percent": 0}
        assert "api_secret" not in body and "api_key_sid" not in body
    out = api(outsider)
    assert out.get("/api/v2/integrations").json()["results"] == []
    for method in ("get", "put", "delete"):
        assert getattr(out, method)(url, {}, format="json").status_code == 404
    assert out.post(url + "/sync").status_code == 404
    v = api(viewer)
    assert v.put(url, {"description": "x"}, format="json").status_code == 403
    assert v.delete(url).status_code == 403
    assert v.post(url + "/sync").status_code == 403
    assert Integration.objects.filter(pk=integration.pk, description="").exists()
    for body in seen:
        assert twilio_secret not in body and KEY not in body


def test_list_filters_by_status_and_rejects_unknown(api, owner, integration):
    c = api(owner)
    assert c.get("/api/v2/integrations?status=pending").json()["count"] == 1
    assert c.get("/api/v2/integrations?status=imported").json()["count"] == 0
    r = c.get("/api/v2/integrations?provider=aws")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "provider"


def test_update_workspaces_and_description(api, owner, integration, ws, other_ws):
    c = api(owner)
    url = f"/api/v2/integrations/{integration.pk}"
    r = c.put(url, {"description": "prod", "workspaces": [ws.pk]}, format="json")
    assert r.status_code == 200 and r.json()["description"] == "prod"
    r = c.put(url, {"workspaces": [other_ws.pk]}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "workspaces"
    r = c.put(url, {"workspaces": []}, format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "workspaces", "message": MSG_KEEP_A_WORKSPACE}]


def test_delete_removes_costs(api, owner, integration):
    CostLineItem.objects.create(integration=integration, account_id=ACCOUNT, date=date(2026, 1, 1), service="s",
                                category="c", cost="1", currency="USD")
    assert api(owner).delete(f"/api/v2/integrations/{integration.pk}").status_code == 204
    assert not CostLineItem.objects.exists() and not Integration.objects.exists()


def test_sync_queues_and_conflicts_when_busy(api, owner, integration, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda f, *a, **k: queued.append(a))
    c = api(owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(f"/api/v2/integrations/{integration.pk}/sync").status_code == 202
    assert queued == [(integration.pk, "manual")]
    assert c.post(f"/api/v2/integrations/{integration.pk}/sync").status_code == 409


@rsps.activate
def test_connect_twilio_via_api_same_rules_as_the_form(api, owner, ws, monkeypatch, django_capture_on_commit_callbacks):
    from tests.fakes.twilio import secret

    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda f, *a, **k: queued.append(a))
    s = secret()
    c = api(owner)
    body = {"api_key": KEY, "api_secret": s, "account_sid": ACCOUNT, "account_name": "Via API"}
    r = c.post("/api/v2/integrations/twilio", {**body, "account_sid": "ACnope"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "account_sid"
    r = c.post("/api/v2/integrations/twilio", {**body, "api_key": "bad"}, format="json")
    assert r.json()["errors"][0]["field"] == "api_key"
    r = c.post("/api/v2/integrations/twilio", {k: v for k, v in body.items() if k != "api_secret"}, format="json")
    assert r.json()["errors"][0]["field"] == "api_secret"
    rsps.get(BASE + TODAY_PATH, status=401, json=error(20003, 401))
    r = c.post("/api/v2/integrations/twilio", body, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "api_secret"
    assert "20003" in r.json()["errors"][0]["message"]
    rsps.replace(rsps.GET, BASE + TODAY_PATH, json=page([record("totalprice", date.today(), "0")]))
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/api/v2/integrations/twilio", body, format="json")
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["status"] == "importing" and created["workspaces"] == [ws.pk]
    assert queued == [(created["id"], False)]
    assert s not in r.content.decode()
    r = c.post("/api/v2/integrations/twilio", {**body, "account_name": "via api"}, format="json")
    assert {e["field"] for e in r.json()["errors"]} == {"account_name"}  # the name is checked before Twilio is asked
    r = c.post("/api/v2/integrations/twilio", {**body, "account_name": "Another name"}, format="json")
    # the Account SID only once the key proved valid for it (finding 4)
    assert {e["field"] for e in r.json()["errors"]} == {"account_sid"}


def test_viewer_cannot_connect(api, viewer):
    r = api(viewer).post("/api/v2/integrations/twilio", {}, format="json")
    assert r.status_code == 403


def test_throttling_answers_429_with_retry_after(api, owner, settings):
    from vantage.api.throttling import TokenRateThrottle

    old = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = {"token": "3/min"}
    try:
        c = api(owner)
        codes = [c.get("/api/v2/workspaces").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.get("/api/v2/workspaces")
        assert int(r["Retry-After"]) > 0 and r.json()["errors"][0]["message"].startswith("Request was throttled")
        other = api(owner)  # a different token has its own budget
        assert other.get("/api/v2/workspaces").status_code == 200
    finally:
        TokenRateThrottle.THROTTLE_RATES = old


def test_session_auth_needs_csrf_for_writes(owner, integration):
    from rest_framework.test import APIClient

    c = APIClient(enforce_csrf_checks=True)
    c.force_login(owner)
    assert c.get("/api/v2/integrations").status_code == 200
    assert c.delete(f"/api/v2/integrations/{integration.pk}").status_code == 403
    assert Integration.objects.exists()


def test_schema_and_docs(client, owner):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v2/integrations/twilio" in schema["paths"]
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()
    client.force_login(owner)
    assert client.get("/api/v2/schema").status_code == 200
    assert client.get("/api/v2/docs").status_code == 200
    assert client.get("/api/v2/redoc").status_code == 200


def _referenced_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)


@pytest.mark.parametrize("url", ["/api/v2/docs", "/api/v2/redoc"])
def test_docs_are_served_from_the_app_and_work_offline(client, owner, url):
    """Swagger UI and ReDoc load only same-origin static files (no CDN), and those files exist."""
    client.force_login(owner)
    html = client.get(url).content.decode()
    referenced = _referenced_urls(html)
    scripts = [u for u in referenced if u.endswith(".js")]
    assert scripts, "the docs page loads its scripts"
    for ref in referenced:
        assert ref.startswith("/") and not ref.startswith("//"), f"{ref} is not same-origin"
    for ref in scripts + [u for u in referenced if u.endswith(".css")]:
        path = ref.split("?")[0]
        assert path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        assert finders.find(path.split("/static/", 1)[1]), f"{ref} is not a static file of the app"
    assert "cdn" not in html.lower() and "@latest" not in html and "https://" not in html
    assert "/api/v2/schema" in html


def test_schema_and_docs_refuse_anonymous_and_accept_a_token(client, api, owner):
    assert api().get("/api/v2/schema").status_code == 401
    for url in ("/api/v2/docs", "/api/v2/redoc"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(f"{reverse('login')}?next=")
    assert api(owner).get("/api/v2/schema").status_code == 200  # a token is enough for programs


def test_favicon(client, owner):
    response = client.get("/favicon.ico")  # anonymous too: browsers ask before signing in
    assert response.status_code == 302 and response["Location"].endswith("favicon.svg")
    assert finders.find("favicon.svg")
    client.force_login(owner)
    assert 'rel="icon" href="/static/favicon.svg"' in client.get(reverse("tagging:virtualtag_list")).content.decode()


def test_unknown_api_urls_answer_json_404(api, owner):
    for url in ("/api/v2/integrations/abc", "/api/v2/nope", "/api/v2/virtual_tags/x"):
        r = api(owner).get(url)
        assert r.status_code == 404 and r.json() == {"errors": [{"field": None, "message": "Not found."}]}


def test_server_errors_answer_json_under_the_api_and_the_page_elsewhere(rf):
    from vantage.views import server_error

    response = server_error(rf.get("/api/v2/costs"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "errors": [{"field": None, "message": "Internal error; it has been logged."}]
    }
    page = server_error(rf.get("/reports/1/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@rsps.activate
def test_connect_via_api_names_the_field_twilio_faults(api, owner):
    """Twilio's faults answer 400 as the form does: an unknown account names ``account_sid``; Twilio down
    names no field; nothing is saved either way."""
    from tests.fakes.twilio import secret

    body = {"api_key": KEY, "api_secret": secret(), "account_sid": ACCOUNT, "account_name": "Via API"}
    rsps.get(BASE + TODAY_PATH, status=404, json=error(20404, 404))
    r = api(owner).post("/api/v2/integrations/twilio", body, format="json")
    assert r.status_code == 400 and [e["field"] for e in r.json()["errors"]] == ["account_sid"]
    rsps.replace(rsps.GET, BASE + TODAY_PATH, status=503, json=error(20500, 503))
    r = api(owner).post("/api/v2/integrations/twilio", body, format="json")
    assert r.status_code == 400 and [e["field"] for e in r.json()["errors"]] == [None], r.content
    assert body["api_secret"] not in r.content.decode()
    assert not Integration.objects.exists()


def test_a_form_body_of_too_many_fields_is_a_json_400(api, owner, ws):
    from urllib.parse import urlencode

    body = urlencode([("recipients", str(n)) for n in range(1500)])  # Django reads at most 1000 fields
    r = api(owner).post(f"/api/v2/budgets?workspace={ws.pk}", body,
                       content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    assert r.json()["errors"][0]["message"] == "The request body is too large or has too many fields."
