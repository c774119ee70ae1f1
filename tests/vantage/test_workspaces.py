"""Sign-in, the workspace switcher and membership rules from three sides."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import PASSWORD
from vantage.models import Membership, Role, Workspace
from vantage.schedules import SCHEDULES

pytestmark = pytest.mark.django_db


def test_default_workspace_exists_from_the_first_migration():
    assert Workspace.objects.filter(name="Default").exists()


def test_every_page_requires_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_rotates_the_session_and_shows_the_workspace(client, owner, ws):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    response = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert "Acme" in response.content.decode()


def test_wrong_password_gives_the_usual_message_without_hints(client, owner):
    response = client.post(reverse("login"), {"username": "olivia", "password": "nope"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text
    response2 = client.post(reverse("login"), {"username": "nobody", "password": "nope"})
    assert "Please enter a correct username and password" in response2.content.decode()


def test_forms_carry_csrf_tokens(client, owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 403
    page = client.get(reverse("login")).content.decode()
    assert "csrfmiddlewaretoken" in page


def test_sign_out(owner_client):
    response = owner_client.post(reverse("logout"))
    assert response.status_code == 302
    assert owner_client.get(reverse("home")).status_code == 302


def test_switcher_lists_only_my_workspaces(owner_client, ws, other_ws):
    page = owner_client.get(reverse("home")).content.decode()
    assert "Acme" in page
    assert "Globex" not in page


def test_switching_between_my_workspaces(client, owner, ws):
    second = Workspace.objects.create(name="Beta")
    Membership.objects.create(user=owner, workspace=second, role=Role.VIEWER)
    client.force_login(owner)
    assert client.get(reverse("home")).context["current_workspace"] == ws  # first by name: Acme
    response = client.post(reverse("workspace_switch"), {"workspace": second.pk, "next": "/"}, follow=True)
    assert response.context["current_workspace"] == second
    assert client.get(reverse("home")).context["current_workspace"] == second


def test_tampered_switch_to_a_foreign_workspace_is_404(owner_client, other_ws):
    response = owner_client.post(reverse("workspace_switch"), {"workspace": other_ws.pk})
    assert response.status_code == 404
    response = owner_client.post(reverse("workspace_switch"), {"workspace": "not-a-number"})
    assert response.status_code == 404


def test_switch_refuses_open_redirects(owner_client, ws):
    response = owner_client.post(reverse("workspace_switch"), {"workspace": ws.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_removed_membership_falls_back_to_a_workspace_i_still_have(client, owner, ws):
    second = Workspace.objects.create(name="Zeta")
    Membership.objects.create(user=owner, workspace=second, role=Role.OWNER)
    client.force_login(owner)
    client.post(reverse("workspace_switch"), {"workspace": second.pk})
    Membership.objects.filter(user=owner, workspace=second).delete()
    assert client.get(reverse("home")).context["current_workspace"] == ws


def test_roles_from_three_sides(ws, owner, editor, viewer, outsider):
    assert ws.can_edit(owner) and ws.can_edit(editor)
    assert not ws.can_edit(viewer)
    assert not ws.can_edit(outsider)
    assert list(Workspace.objects.for_user(outsider)) == [Workspace.objects.get(name="Globex")]
    assert ws not in Workspace.objects.editable_by(viewer)


def test_workspace_names_are_unique_ignoring_case(ws):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Workspace.objects.create(name="ACME")


def test_bootstrap_admin_prints_password_once_and_can_reset(capsys, monkeypatch):
    from django.contrib.auth import authenticate
    from django.test import RequestFactory  # axes (sign-in throttling) needs the request authenticate() serves

    monkeypatch.setenv("WEB_ADDR", "127.0.0.1:8300")
    call_command("bootstrap_admin")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Sign in at http://127.0.0.1:8300/ as 'admin'")  # where make run serves
    password = lines[-1]
    assert authenticate(RequestFactory().post("/accounts/login/"), username="admin", password=password) is not None
    assert Membership.objects.get(user__username="admin", workspace__name="Default").role == Role.OWNER
    call_command("bootstrap_admin")
    again = capsys.readouterr().out
    assert password not in again
    call_command("bootstrap_admin", "--reset")
    new_password = capsys.readouterr().out.strip().splitlines()[-1]
    assert new_password != password
    assert authenticate(RequestFactory().post("/accounts/login/"), username="admin", password=new_password) is not None


def test_admin_lists_workspaces_for_operators(admin_client, ws):
    assert admin_client.get(reverse("admin:vantage_workspace_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:vantage_membership_changelist")).status_code == 200


def test_setup_schedules_is_idempotent_and_leaves_other_schedules_alone():
    from django_q.models import Schedule

    Schedule.objects.create(name="someone-else", func="math.floor", schedule_type="D")
    Schedule.objects.create(name="vantage:retired", func="math.floor", schedule_type="D")
    call_command("setup_schedules")
    call_command("setup_schedules")
    names = sorted(Schedule.objects.values_list("name", flat=True))
    declared = [spec["name"] for spec in SCHEDULES]  # every app's declared schedules, the retired one gone
    assert {"vantage:twilio-refresh", "vantage:budget-alerts"} <= set(declared) and "vantage:retired" not in declared
    assert names == sorted(["someone-else", *declared])
    assert Schedule.objects.get(name="vantage:twilio-refresh").func == "integrations.tasks.refresh_all_integrations"
