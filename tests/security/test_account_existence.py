"""Finding 4: whether a Twilio account is connected (and as what) is told only to a key valid for it.

Another workspace connected ACCOUNT as "Acme Twilio". The outsider types that Account SID with any key:
Twilio is asked first; a rejected key gets the credentials message and nothing about the account; a valid
key learns it is already connected, without the other integration's name or workspace."""

import pytest
import responses

from integrations.models import Integration
from tests.fakes.twilio import ACCOUNT, BASE, KEY, TODAY_PATH, error, page, record
from vantage.models import ApiToken

pytestmark = pytest.mark.django_db
PAGE = "/settings/integrations/twilio/"
API = "/api/v2/integrations/twilio"
ANY_KEY = "SK" + "c3" * 16


@pytest.fixture
def theirs(other_ws):
    """The victim's integration, in a workspace the attacker does not belong to."""
    i = Integration.objects.create(account_name="Globex Secret Project", account_sid=ACCOUNT, api_key_sid=KEY,
                                   api_secret="s3cr3t-" + "0" * 10)
    i.workspaces.add(other_ws)
    return i


def _form(**over):
    return {"api_key_sid": ANY_KEY, "api_secret": "guess", "account_sid": ACCOUNT, "account_name": "Mine",
            "description": "", **over}


def _api_body(**over):
    return {"api_key": ANY_KEY, "api_secret": "guess", "account_sid": ACCOUNT, "account_name": "Mine", **over}


def _bearer(user):
    _, raw = ApiToken.issue(user, "probe")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _twilio_rejects():
    responses.get(BASE + TODAY_PATH, status=401, json=error(20003, 401))


def _twilio_accepts():
    responses.get(BASE + TODAY_PATH, json=page([record("totalprice", "2026-01-01", "0")]))


@responses.activate
def test_page_checks_the_key_before_saying_anything_about_the_account(client, owner, theirs):
    _twilio_rejects()
    client.force_login(owner)
    response = client.post(PAGE, _form())
    html = response.content.decode()
    assert response.status_code == 400
    assert len(responses.calls) == 1  # Twilio was asked first
    assert "already connected" not in html and theirs.account_name not in html
    assert "rejected this API key" in html


@responses.activate
def test_page_tells_a_valid_key_without_the_other_integrations_name(client, owner, theirs):
    _twilio_accepts()
    client.force_login(owner)
    response = client.post(PAGE, _form())
    html = response.content.decode()
    assert response.status_code == 400
    assert "already connected" in response.context["form"].errors["account_sid"][0]
    assert theirs.account_name not in html and "Globex" not in html
    assert Integration.objects.count() == 1


@responses.activate
def test_api_checks_the_key_first(client, owner, ws, theirs):
    _twilio_rejects()
    response = client.post(f"{API}?workspace={ws.pk}", _api_body(), content_type="application/json",
                           **_bearer(owner))
    body = response.content.decode()
    assert response.status_code == 400 and len(responses.calls) == 1
    assert "already connected" not in body and theirs.account_name not in body
    assert {e["field"] for e in response.json()["errors"]} == {"api_secret"}


@responses.activate
def test_api_tells_a_valid_key_without_the_name(client, owner, ws, theirs):
    _twilio_accepts()
    response = client.post(f"{API}?workspace={ws.pk}", _api_body(), content_type="application/json",
                           **_bearer(owner))
    body = response.content.decode()
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["account_sid"]
    assert "already connected" in body and theirs.account_name not in body and "Globex" not in body
    assert Integration.objects.count() == 1
