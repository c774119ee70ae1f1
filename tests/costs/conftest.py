import pytest
from django.test import Client

from costs.services import ensure_default_report

from .factories import make_integration


@pytest.fixture
def integration(ws):
    return make_integration(ws, "Acme Twilio")


@pytest.fixture
def default_report(ws):
    return ensure_default_report(ws)


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def editor_client(editor):
    return _client(editor)


@pytest.fixture
def viewer_client(viewer):
    return _client(viewer)


@pytest.fixture
def outsider_client(outsider):
    return _client(outsider)
