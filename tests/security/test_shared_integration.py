"""Finding 1: a member of another workspace cannot delete (or sync, re-import, re-key) a shared integration.

Alice edits workspaces A ("Acme") and B ("Globex") and assigned the integration to both. Bob owns B
only: he may remove it from B -- A keeps it with every cost -- but deleting, syncing, importing history and
changing credentials or description need edit rights in every workspace it is in. Pages, API and admin."""

import pytest
import responses
from django.contrib.auth import get_user_model
from django.urls import reverse

from costs.models import CostLineItem
from integrations import services
from integrations.models import Integration
from tests.costs.factories import add_costs, item, make_integration
from vantage.models import ApiToken, Membership, Role

pytestmark = pytest.mark.django_db

@pytest.fixture
def alice(ws, other_ws):
    user = get_user_model().objects.create_user("alice", password="x" * 12)
    Membership.objects.create(user=user, workspace=ws, role=Role.OWNER)
    Membership.objects.create(user=user, workspace=other_ws, role=Role.EDITOR)
    return user

@pytest.fixture
def bob(outsider):
    """Owner of B ("Globex") only."""
    return outsider

@pytest.fixture
def shared(ws, other_ws, alice):
    integration = make_integration(ws, "Shared Twilio", other_ws)
    add_costs(integration, [item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00")])
    return integration

@pytest.fixture
def no_tasks(monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append(func.__name__))
    return queued

def _in_b(client, user, other_ws):
    client.force_login(user)
    session = client.session
    session["workspace_id"] = other_ws.pk
    session.save()
    return client

def _bearer(user):
    _, raw = ApiToken.issue(user, "t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

def _untouched(integration, ws):
    integration.refresh_from_db()
    assert integration.workspaces.filter(pk=ws.pk).exists()
    assert CostLineItem.objects.filter(integration=integration).count() == 1

# --- API ---------------------------------------------------------------------------------------------------------

def test_api_delete_from_b_does_not_delete_it_from_a(client, bob, ws, other_ws, shared):
    response = client.delete(f"/api/v2/integrations/{shared.pk}?workspace={other_ws.pk}", **_bearer(bob))
    assert response.status_code == 403
    assert "remove it from this workspace" in response.content.decode()
    assert set(shared.workspaces.all()) == {ws, other_ws}
    _untouched(shared, ws)

@pytest.mark.parametrize("path,body", [("sync", None), ("import-history", {"start_month": "2024-01"})])
def test_api_sync_and_history_need_every_workspace(client, bob, other_ws, shared, no_tasks, path, body):
    response = client.post(f"/api/v2/integrations/{shared.pk}/{path}?workspace={other_ws.pk}", body or {},
                           content_type="application/json", **_bearer(bob))
    assert response.status_code == 403 and no_tasks == []

def test_api_description_needs_every_workspace_but_the_assignment_is_bobs(client, bob, ws, other_ws, shared):
    url = f"/api/v2/integrations/{shared.pk}?workspace={other_ws.pk}"
    response = client.put(url, {"description": "pwned"}, content_type="application/json", **_bearer(bob))
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.description == ""

def test_api_remove_from_workspace_leaves_a_untouched(client, bob, ws, other_ws, shared):
    response = client.post(f"/api/v2/integrations/{shared.pk}/remove-from-workspace?workspace={other_ws.pk}",
                           **_bearer(bob))
    assert response.status_code == 204
    assert list(shared.workspaces.all()) == [ws]
    _untouched(shared, ws)
    assert client.get(f"/api/v2/integrations/{shared.pk}?workspace={other_ws.pk}", **_bearer(bob)).status_code == 404

def test_api_remove_from_the_last_workspace_is_refused(client, owner, ws):
    integration = make_integration(ws, "Only here")
    response = client.post(f"/api/v2/integrations/{integration.pk}/remove-from-workspace?workspace={ws.pk}",
                           **_bearer(owner))
    assert response.status_code == 409 and "delete it instead" in response.content.decode()
    assert list(integration.workspaces.all()) == [ws]

def test_api_viewer_cannot_remove(client, viewer, ws, other_ws, shared):
    response = client.post(f"/api/v2/integrations/{shared.pk}/remove-from-workspace?workspace={ws.pk}",
                           **_bearer(viewer))
    assert response.status_code == 403
    assert shared.workspaces.count() == 2

def test_api_someone_who_edits_both_deletes_it_everywhere(client, alice, other_ws, shared):
    response = client.delete(f"/api/v2/integrations/{shared.pk}?workspace={other_ws.pk}", **_bearer(alice))
    assert response.status_code == 204
    assert not Integration.objects.filter(pk=shared.pk).exists()
    assert not CostLineItem.objects.filter(integration_id=shared.pk).exists()

# --- pages -------------------------------------------------------------------------------------------------------

def test_page_confirmation_says_remove_from_b_not_delete(client, bob, other_ws, shared):
    html = _in_b(client, bob, other_ws).get(reverse("integrations:delete", args=[shared.pk])).content.decode()
    assert "Remove “Shared Twilio” from Globex?" in html and "It stays in 1 other workspace" in html
    assert "Delete integration" not in html and 'value="delete"' not in html

def test_page_delete_post_from_b_only_removes_it_from_b(client, bob, ws, other_ws, shared):
    c = _in_b(client, bob, other_ws)
    response = c.post(reverse("integrations:delete", args=[shared.pk]), {"action": "delete"})
    assert response.status_code == 403
    response = c.post(reverse("integrations:delete", args=[shared.pk]))  # what the page's button sends, or not
    assert response.status_code == 302
    assert list(shared.workspaces.all()) == [ws]
    _untouched(shared, ws)

def test_page_detail_offers_bob_only_the_removal(client, bob, other_ws, shared):
    html = _in_b(client, bob, other_ws).get(reverse("integrations:detail", args=[shared.pk])).content.decode()
    assert "Remove from this workspace" in html
    for forbidden in ("Sync now", "Edit credentials", "Import earlier history", "Remove integration"):
        assert forbidden not in html

@pytest.mark.parametrize("name", ["sync", "retry", "import_earlier"])
def test_page_sync_retry_history_need_every_workspace(client, bob, other_ws, shared, no_tasks, name):
    response = _in_b(client, bob, other_ws).post(reverse(f"integrations:{name}", args=[shared.pk]),
                                                 {"start_month": "2024-01"})
    assert response.status_code == 403 and no_tasks == []

@responses.activate
def test_page_credentials_need_every_workspace(client, bob, other_ws, shared):
    before = shared.api_secret
    c = _in_b(client, bob, other_ws)
    assert c.get(reverse("integrations:edit", args=[shared.pk])).status_code == 403
    response = c.post(reverse("integrations:edit", args=[shared.pk]), {"api_secret": "mine", "description": "x"})
    assert response.status_code == 403 and len(responses.calls) == 0
    shared.refresh_from_db()
    assert shared.api_secret == before and shared.description == ""

def test_page_alice_sees_delete_and_can_choose_to_only_remove(client, alice, ws, other_ws, shared):
    c = _in_b(client, alice, other_ws)
    html = c.get(reverse("integrations:delete", args=[shared.pk])).content.decode()
    assert "Delete “Shared Twilio” and all its costs?" in html and "Only remove from Globex" in html
    assert c.post(reverse("integrations:delete", args=[shared.pk]), {"action": "remove"}).status_code == 302
    assert list(shared.workspaces.all()) == [ws]

def test_page_alice_deletes_it_everywhere(client, alice, other_ws, shared):
    c = _in_b(client, alice, other_ws)
    assert c.post(reverse("integrations:delete", args=[shared.pk]), {"action": "delete"}).status_code == 302
    assert not Integration.objects.filter(pk=shared.pk).exists()

# --- admin and service -------------------------------------------------------------------------------------------

def test_admin_delete_goes_through_the_service(admin_client, shared):
    response = admin_client.post(reverse("admin:integrations_integration_delete", args=[shared.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not CostLineItem.objects.filter(integration_id=shared.pk).exists()
    html = admin_client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert "Workspaces" in html

def test_can_manage_needs_every_workspace(alice, bob, shared, ws, other_ws):
    assert services.can_manage(shared, alice)
    assert not services.can_manage(shared, bob)
    orphan = make_integration(ws, "Orphan")
    orphan.workspaces.clear()
    assert not services.can_manage(orphan, alice)  # an operator deletes it in the admin
