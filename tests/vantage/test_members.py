"""Settings › Members and /api/v2/workspace_members: owners manage members; the last owner is protected."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from vantage.audit.models import AuditEvent
from vantage.models import ApiToken, Membership, Role

URL = "/settings/members/"


@pytest.fixture
def newcomer(db):
    return get_user_model().objects.create_user(username="nina", email="Nina@Example.com", password="x")


def _api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, 't')[1]}")
    return client


def _role(ws, user):
    return Membership.objects.filter(workspace=ws, user=user).values_list("role", flat=True).first()


def test_owner_adds_by_username_and_by_email(client_for_user, owner, ws, newcomer):
    client = client_for_user(owner)
    assert client.post(URL, {"person": "NINA", "role": "editor"}).status_code == 302
    assert _role(ws, newcomer) == Role.EDITOR
    Membership.objects.filter(user=newcomer).delete()
    assert client.post(URL, {"person": "nina@example.com", "role": "viewer"}).status_code == 302
    assert _role(ws, newcomer) == Role.VIEWER
    event = AuditEvent.objects.filter(action="member.added").first()
    assert event.workspace == ws and event.actor == owner and "nina" in event.summary


@pytest.mark.parametrize("person, message", [
    ("", "This field is required"), ("ghost", "No one with this username or email"),
    ("ghost@example.com", "No one with this username or email"), ("vera", "already a member"),
])  # fmt: skip
def test_adding_someone_unknown_or_already_in_is_a_form_error(client_for_user, owner, viewer, person, message):
    response = client_for_user(owner).post(URL, {"person": person, "role": "viewer"})
    assert response.status_code == 400 and message in response.content.decode()


def test_a_bad_role_is_a_form_error(client_for_user, owner, newcomer):
    response = client_for_user(owner).post(URL, {"person": "nina", "role": "god"})
    assert response.status_code == 400 and not Membership.objects.filter(user=newcomer).exists()


def test_owner_changes_roles_and_removes_members(client_for_user, owner, editor, ws):
    client = client_for_user(owner)
    m = Membership.objects.get(user=editor, workspace=ws)
    assert client.post(reverse("member_role", args=[m.pk]), {"role": "viewer"}).status_code == 302
    assert _role(ws, editor) == Role.VIEWER
    assert client.get(reverse("member_remove", args=[m.pk])).status_code == 200
    assert client.post(reverse("member_remove", args=[m.pk])).status_code == 302
    assert _role(ws, editor) is None
    assert list(AuditEvent.objects.filter(workspace=ws).values_list("action", flat=True)) == [
        "member.removed", "member.role_changed"]


def test_the_last_owner_can_be_neither_demoted_nor_removed(client_for_user, owner, ws):
    client = client_for_user(owner)
    m = Membership.objects.get(user=owner, workspace=ws)
    response = client.post(reverse("member_role", args=[m.pk]), {"role": "editor"}, follow=True)
    assert "at least one owner" in response.content.decode() and _role(ws, owner) == Role.OWNER
    response = client.post(reverse("member_remove", args=[m.pk]), follow=True)
    assert "at least one owner" in response.content.decode() and _role(ws, owner) == Role.OWNER


def test_with_a_second_owner_an_owner_may_step_down(client_for_user, owner, editor, ws):
    Membership.objects.filter(user=editor).update(role=Role.OWNER)
    m = Membership.objects.get(user=owner, workspace=ws)
    assert client_for_user(owner).post(reverse("member_role", args=[m.pk]), {"role": "viewer"}).status_code == 302
    assert _role(ws, owner) == Role.VIEWER


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_non_owners_see_the_list_but_change_nothing(client_for_user, request, who, owner, newcomer, ws):
    client = client_for_user(request.getfixturevalue(who))
    page = client.get(URL)
    assert page.status_code == 200 and "olivia" in page.content.decode() and "Add a person" not in page.content.decode()
    m = Membership.objects.get(user=owner)
    assert client.post(URL, {"person": "nina", "role": "owner"}).status_code == 403
    assert client.post(reverse("member_role", args=[m.pk]), {"role": "viewer"}).status_code == 403
    assert client.post(reverse("member_remove", args=[m.pk])).status_code == 403
    assert _role(ws, owner) == Role.OWNER and _role(ws, newcomer) is None


def test_an_outsider_reaches_no_membership_of_another_workspace(client_for_user, outsider, owner, ws):
    client = client_for_user(outsider)
    m = Membership.objects.get(user=owner)
    assert "olivia" not in client.get(URL).content.decode()  # they see their own workspace's members
    assert client.post(reverse("member_role", args=[m.pk]), {"role": "viewer"}).status_code == 404
    assert client.get(reverse("member_remove", args=[m.pk])).status_code == 404
    assert client.post(reverse("member_remove", args=[m.pk])).status_code == 404
    assert _role(ws, owner) == Role.OWNER


def test_settings_nav_links_to_members(client_for_user, viewer):
    assert 'href="/settings/members/"' in client_for_user(viewer).get(URL).content.decode()


# --- the API ---------------------------------------------------------------------------------------------

API = "/api/v2/workspace_members"


def test_api_lists_members_to_every_member(viewer, owner):
    response = _api(viewer).get(API)
    assert response.status_code == 200
    assert {(m["username"], m["role"]) for m in response.json()["results"]} == {("olivia", "owner"), ("vera", "viewer")}


def test_api_owner_adds_changes_and_removes(owner, newcomer, ws):
    api = _api(owner)
    created = api.post(API, {"person": "nina@example.com", "role": "editor"}, format="json")
    assert created.status_code == 201 and created.json()["username"] == "nina"
    pk = created.json()["id"]
    assert api.put(f"{API}/{pk}", {"role": "viewer"}, format="json").json()["role"] == "viewer"
    assert api.delete(f"{API}/{pk}").status_code == 204
    assert _role(ws, newcomer) is None


def test_api_errors_name_the_field(owner, ws):
    api = _api(owner)
    assert api.post(API, {"person": "ghost", "role": "viewer"}, format="json").json()["errors"][0]["field"] == "person"
    assert api.post(API, {"person": "olivia", "role": "x"}, format="json").json()["errors"][0]["field"] == "role"
    mine = Membership.objects.get(user=owner).pk
    response = api.put(f"{API}/{mine}", {"role": "viewer"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "role"
    assert api.delete(f"{API}/{mine}").status_code == 400 and _role(ws, owner) == Role.OWNER


def test_api_editors_viewers_and_outsiders_cannot_change_members(editor, viewer, outsider, owner, newcomer):
    m = Membership.objects.get(user=owner).pk
    for user in (editor, viewer):
        api = _api(user)
        assert api.post(API, {"person": "nina", "role": "owner"}, format="json").status_code == 403
        assert api.put(f"{API}/{m}", {"role": "viewer"}, format="json").status_code == 403
        assert api.delete(f"{API}/{m}").status_code == 403
    api = _api(outsider)
    assert api.get(f"{API}/{m}").status_code == 404
    assert api.put(f"{API}/{m}", {"role": "viewer"}, format="json").status_code == 404
    assert api.delete(f"{API}/{m}").status_code == 404
    assert "olivia" not in api.get(API).content.decode()
    assert _role(owner.memberships.get().workspace, owner) == Role.OWNER
