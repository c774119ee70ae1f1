"""The audit log: what is recorded (pages and API), who reads it (owners only, their workspace only), and that no
secret reaches it."""

from datetime import date, timedelta

import pytest
import responses
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from costs.models import CostReport
from integrations.models import Integration
from tests.fakes.twilio import ACCOUNT, BASE, KEY, TODAY_PATH, page, record, secret
from vantage.audit.models import AuditEvent
from vantage.audit.services import record as audit
from vantage.models import ApiToken, Membership, Role

PAGE = "/settings/audit-log/"
API = "/api/v2/audit_events"


def _api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, 't')[1]}")
    return client


def _actions(ws):
    return list(AuditEvent.objects.filter(workspace=ws).order_by("pk").values_list("action", flat=True))


# --- who reads it ------------------------------------------------------------------------------------------


def test_owner_reads_the_workspace_log_on_the_page(client_for_user, owner, editor, ws, other_ws, outsider):
    audit(editor, ws, "report.created", summary="Made “Mine”.")
    audit(outsider, other_ws, "report.created", summary="Globex secret plans.")
    audit(editor, None, "auth.signed_in", summary="Signed in to the app.")  # a member's own: shown
    audit(outsider, None, "auth.signed_in", summary="Oscar signed in.")  # not a member: not shown
    page = client_for_user(owner).get(PAGE)
    text = page.content.decode()
    assert page.status_code == 200 and "Made “Mine”." in text and "Signed in to the app." in text
    assert "Globex" not in text and "Oscar signed in" not in text
    assert 'href="/settings/audit-log/"' in text  # the Settings nav shows it to owners


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_non_owners_get_403_and_no_link(client_for_user, request, who):
    client = client_for_user(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 403
    assert 'href="/settings/audit-log/"' not in client.get("/settings/members/").content.decode()


def test_outsider_sees_only_their_own_workspace(client_for_user, owner, ws, outsider, other_ws):
    audit(owner, ws, "report.created", summary="Acme only.")
    text = client_for_user(outsider).get(PAGE).content.decode()
    assert "Acme only." not in text
    assert _api(outsider).get(f"{API}?workspace={ws.pk}").status_code == 404


def test_page_filters_by_action_actor_and_day(client_for_user, owner, editor, ws):
    audit(editor, ws, "report.created", summary="Report by ed.")
    audit(owner, ws, "tag.created", summary="Tag by olivia.")
    old = audit(owner, ws, "budget.created", summary="Old budget.")[0]
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    client = client_for_user(owner)
    text = client.get(PAGE, {"action": "tag.created"}).content.decode()
    assert "Tag by olivia." in text and "Report by ed." not in text
    text = client.get(PAGE, {"actor": "ED"}).content.decode()
    assert "Report by ed." in text and "Tag by olivia." not in text
    since = (date.today() - timedelta(days=10)).isoformat()
    text = client.get(PAGE, {"since": since}).content.decode()
    assert "Old budget." not in text and "Report by ed." in text
    text = client.get(PAGE, {"until": (date.today() - timedelta(days=30)).isoformat()}).content.decode()
    assert "Old budget." in text and "Report by ed." not in text


@pytest.mark.parametrize("query", [{"since": "yesterday"}, {"action": "nope"}, {"until": "9999-99-99"}])
def test_bad_filters_are_form_errors_not_500(client_for_user, owner, query):
    response = client_for_user(owner).get(PAGE, query)
    assert response.status_code == 400 and "errorlist" in response.content.decode()


def test_page_is_paginated(client_for_user, owner, ws):
    for n in range(55):
        audit(owner, ws, "tag.changed", summary=f"Change {n}.")
    client = client_for_user(owner)
    first = client.get(PAGE).content.decode()
    assert "Change 54." in first and "Change 0." not in first and "Page 1 of 2" in first
    second = client.get(PAGE, {"page": 2, "action": "tag.changed"}).content.decode()
    assert "Change 0." in second and "action=tag.changed&amp;page=1" in second
    assert client.get(PAGE, {"page": "4611686018427387904"}).status_code == 200  # the last page, not a 500


def test_api_owner_reads_and_filters(owner, editor, ws):
    audit(editor, ws, "report.created", summary="By ed.")
    audit(owner, ws, "tag.created", summary="By olivia.")
    api = _api(owner)
    body = api.get(API).json()
    assert [e["summary"] for e in body["results"]] == ["By olivia.", "By ed."]
    assert set(body["results"][0]) == {"id", "created_at", "action", "actor", "workspace", "target_type",
                                       "target_id", "target_name", "summary", "ip_address"}
    assert [e["summary"] for e in api.get(API, {"actor": "ed"}).json()["results"]] == ["By ed."]
    assert [e["summary"] for e in api.get(API, {"action": "tag.created"}).json()["results"]] == ["By olivia."]
    bad = api.get(API, {"since": "soon"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "since"


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_api_non_owners_get_403(request, who):
    assert _api(request.getfixturevalue(who)).get(API).status_code == 403


def test_api_needs_authentication(db):
    assert APIClient().get(API).status_code == 401


def test_operators_read_it_in_the_admin_but_cannot_change_it(admin_client, owner, ws):
    event = audit(owner, ws, "tag.created", summary="Seen by operators.")[0]
    assert "Seen by operators." in admin_client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert admin_client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    admin_client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403


# --- what is recorded ---------------------------------------------------------------------------------------

def test_reports_tags_and_budgets_through_the_api(owner, ws):
    api = _api(owner)
    report = api.post("/api/v2/cost_reports", {"title": "Audited"}, format="json")
    assert report.status_code == 201, report.content
    rid = report.json()["id"]
    assert api.put(f"/api/v2/cost_reports/{rid}", {"title": "Audited 2"}, format="json").status_code == 200
    tag = api.post("/api/v2/virtual_tags", {"key": "team"}, format="json").json()["id"]
    assert api.put(f"/api/v2/virtual_tags/{tag}", {"key": "squad"}, format="json").status_code == 200
    budget = api.post("/api/v2/budgets", {"name": "B", "cost_report": rid, "periods": [
        {"start_at": "2026-01", "amount": "10"}]}, format="json")
    assert budget.status_code == 201, budget.content
    assert api.delete(f"/api/v2/budgets/{budget.json()['id']}").status_code == 204
    assert api.delete(f"/api/v2/virtual_tags/{tag}").status_code == 204
    assert api.delete(f"/api/v2/cost_reports/{rid}").status_code == 204
    assert _actions(ws) == ["report.created", "report.changed", "tag.created", "tag.changed", "budget.created",
                            "budget.deleted", "tag.deleted", "report.deleted"]
    deleted = AuditEvent.objects.get(action="report.deleted")
    assert (deleted.actor, deleted.target_type, deleted.target_id, deleted.target_name) == (
        owner, "costreport", str(rid), "Audited 2")
    assert deleted.ip_address == "127.0.0.1"  # the test client's REMOTE_ADDR


def test_reports_and_tags_through_the_pages(client_for_user, owner, ws):
    client = client_for_user(owner)
    client.post(reverse("costs:report_create"), {"title": "Paged"})
    report = CostReport.objects.get(title="Paged")
    client.post(reverse("costs:report_rename", args=[report.pk]), {"title": "Paged 2"})
    client.post(reverse("costs:report_delete", args=[report.pk]))
    client.post(reverse("tagging:virtualtag_create"), {"key": "env"})
    assert _actions(ws) == ["report.created", "report.changed", "report.deleted", "tag.created"]


@responses.activate
def test_integration_events_and_no_secret_or_token_in_any_row(owner, client_for_user, ws, other_ws, outsider,
                                                             monkeypatch, django_capture_on_commit_callbacks):
    Membership.objects.create(user=owner, workspace=other_ws, role=Role.EDITOR)
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **k: None)
    responses.get(BASE + TODAY_PATH, json=page([record("totalprice", date.today(), "0")]))
    api, the_secret = _api(owner), secret()
    body = {"api_key": KEY, "api_secret": the_secret, "account_sid": ACCOUNT, "account_name": "Audited Twilio"}
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(f"/api/v2/integrations/twilio?workspace={ws.pk}", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    Integration.objects.filter(pk=pk).update(status="imported")
    assert api.post(f"/api/v2/integrations/{pk}/sync?workspace={ws.pk}").status_code == 202
    changed = api.put(f"/api/v2/integrations/{pk}?workspace={ws.pk}", {"workspaces": [ws.pk, other_ws.pk]},
                      format="json")
    assert changed.status_code == 200, changed.content
    put = api.put(f"/api/v2/integrations/{pk}?workspace={ws.pk}", {"workspaces": [ws.pk]}, format="json")
    assert put.status_code == 200, put.content
    assert api.delete(f"/api/v2/integrations/{pk}?workspace={ws.pk}").status_code == 204
    assert _actions(ws) == ["integration.connected", "integration.synced", "integration.assigned",
                            "integration.removed", "integration.deleted"]
    assert _actions(other_ws) == ["integration.assigned", "integration.removed"]  # it saw both, then left
    client = client_for_user(owner)
    created_page = client.post(reverse("api_tokens"), {"name": "script"})
    raw = created_page.context["new_token"]
    rows = list(AuditEvent.objects.values_list("summary", "target_name", "actor_name"))
    assert any("script" in summary for summary, _, _ in rows)
    for row in rows:
        for value in (the_secret, raw, raw[4:]):
            assert value not in " ".join(row)
    for body in (client.get(PAGE).content.decode(), _api(owner).get(API).content.decode()):
        assert the_secret not in body and raw not in body


def test_token_revocation_and_membership_changes_are_recorded(client_for_user, owner, viewer, ws):
    client = client_for_user(owner)
    token, _ = ApiToken.issue(owner, "cron")
    client.post(reverse("api_tokens"), {"revoke": token.pk})
    assert AuditEvent.objects.filter(action="token.revoked", actor=owner, workspace=None,
                                     summary__contains="cron").exists()


def test_the_page_reads_a_fixed_number_of_queries_however_many_events(client_for_user, owner, ws):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.queries import data_queries

    client = client_for_user(owner)
    counts = []
    for events in (3, 60):
        AuditEvent.objects.all().delete()
        for n in range(events):
            audit(owner, ws, "tag.changed", summary=f"Change {n}.")
        client.get(PAGE)  # the first request after sign-in also saves the session's workspace
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        counts.append(len(data_queries(captured)))
    assert counts[0] == counts[1] and counts[0] <= 12, counts


def test_removing_a_shared_integration_from_ones_workspace_is_recorded_in_both(owner, outsider, ws, other_ws):
    integration = Integration.objects.create(account_name="Shared", account_sid=ACCOUNT, api_key_sid=KEY,
                                             api_secret=secret())
    integration.workspaces.set([ws, other_ws])
    url = f"/api/v2/integrations/{integration.pk}/remove-from-workspace?workspace={other_ws.pk}"
    response = _api(outsider).post(url)
    assert response.status_code == 204, response.content
    for workspace in (ws, other_ws):
        event = AuditEvent.objects.get(workspace=workspace)
        assert (event.action, event.actor, event.target_name) == ("integration.removed", outsider, "Shared")
        assert "Globex" in event.summary
