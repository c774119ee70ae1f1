"""Sign-in throttling (issue 15, finding 2): from the attacker's side, on the app's and the admin's sign-in."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.vantage.test_settings import good_keys, load
from vantage.audit.models import AuditEvent

SIGN_INS = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def staff_owner(owner):
    owner.is_staff = owner.is_superuser = True  # the admin's sign-in only lets staff in
    owner.save()
    return owner


def _fail(client, url, times, username="olivia", ip="203.0.113.7"):
    response = None
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "not it"}, REMOTE_ADDR=ip)
    return response


def _sign_in(client, url, ip="203.0.113.7"):
    return client.post(url, {"username": "olivia", "password": PASSWORD}, REMOTE_ADDR=ip)


def test_the_limit_is_ten_failures_and_fifteen_minutes_by_default():
    assert settings.AXES_FAILURE_LIMIT == 10 and settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


@pytest.mark.parametrize("url", SIGN_INS)
def test_ten_wrong_passwords_then_the_right_one_is_still_refused(client, staff_owner, url):
    assert _fail(client, url, 9).status_code == 200  # the form with its error, not yet locked
    locked = _fail(client, url, 1)
    assert locked.status_code == 429
    response = _sign_in(client, url)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in locked" in page and "15 minutes" in page and "<style" not in page and "<script>" not in page
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302  # still signed out


@pytest.mark.parametrize("url", SIGN_INS)
def test_after_axes_reset_the_person_signs_in(client, staff_owner, url):
    _fail(client, url, 10)
    call_command("axes_reset_username", "olivia")
    call_command("axes_reset_ip", "203.0.113.7")
    assert _sign_in(client, url).status_code == 302
    assert client.session["_auth_user_id"] == str(staff_owner.pk)


@pytest.mark.parametrize("url", SIGN_INS)
def test_after_the_cool_off_the_person_signs_in(client, staff_owner, url):
    _fail(client, url, 10)
    assert _sign_in(client, url).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _sign_in(client, url).status_code == 302


def test_locked_per_username_from_any_address(client, staff_owner):
    _fail(client, "/accounts/login/", 10, ip="203.0.113.7")
    assert _sign_in(client, "/accounts/login/", ip="198.51.100.9").status_code == 429
    assert _sign_in(client, "/admin/login/", ip="198.51.100.9").status_code == 429  # one lock for both sign-ins


def test_locked_per_address_whatever_the_username(client, staff_owner):
    for n in range(10):  # a spray: one wrong password each for ten names, from one address
        _fail(client, "/accounts/login/", 1, username=f"guess{n}", ip="203.0.113.7")
    assert _sign_in(client, "/accounts/login/", ip="203.0.113.7").status_code == 429
    assert _sign_in(client, "/accounts/login/", ip="198.51.100.9").status_code == 302  # olivia elsewhere: fine


def test_a_few_failures_then_success_forgets_them(client, owner):
    _fail(client, "/accounts/login/", 9)
    assert _sign_in(client, "/accounts/login/").status_code == 302
    client.logout()
    _fail(client, "/accounts/login/", 9)
    assert _sign_in(client, "/accounts/login/").status_code == 302


def test_sign_ins_failures_and_lockouts_are_audited_without_the_password(client, owner):
    _fail(client, "/accounts/login/", 1)
    _fail(client, "/accounts/login/", 1, username="nobody-here")
    assert _sign_in(client, "/accounts/login/").status_code == 302
    client.logout()
    _fail(client, "/accounts/login/", 10)
    _sign_in(client, "/accounts/login/")
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_name", "ip_address"))
    assert actions[:3] == [("auth.sign_in_failed", "olivia", "203.0.113.7"),
                           ("auth.sign_in_failed", "(unknown)", "203.0.113.7"),
                           ("auth.signed_in", "olivia", "203.0.113.7")]
    assert ("auth.locked_out", "olivia", "203.0.113.7") in actions
    assert all(a[0] != "auth.signed_in" for a in actions[3:])
    text = " ".join(AuditEvent.objects.values_list("summary", flat=True))
    assert "not it" not in text and PASSWORD not in text and "nobody-here" not in text


def test_operators_see_attempts_and_lockouts_in_the_admin(client, admin_client, owner):
    _fail(client, "/accounts/login/", 10)
    page = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and "olivia" in page.content.decode()
    assert admin_client.get(reverse("admin:axes_accesslog_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        client.post("/accounts/login/", {"username": f"g{n}", "password": "x"}, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert client.post("/accounts/login/", {"username": "olivia", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2",
                       HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302  # another client, same proxy


@pytest.mark.parametrize("name, value", [("LOGIN_FAILURE_LIMIT", "0"), ("LOGIN_COOLOFF_MINUTES", "soon"),
                                         ("TRUSTED_PROXY_COUNT", "-1")])
def test_malformed_sign_in_settings_name_the_variable(name, value):
    proc = load(**good_keys(), **{name: value})
    assert proc.returncode != 0 and name in proc.stderr.strip().splitlines()[-1]
