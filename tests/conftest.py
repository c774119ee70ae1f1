"""Shared fixtures: named people on both sides of every access rule.

* ``owner`` owns workspace ``ws`` ("Acme"); ``editor`` and ``viewer`` are teammates there;
* ``outsider`` owns another workspace ``other_ws`` ("Globex") and belongs to nothing in ``ws``.
"""

import pytest
from django.contrib.auth import get_user_model

from vantage.models import Membership, Role, Workspace

PASSWORD = "correct horse battery staple 1"


@pytest.fixture
def ws(db):
    return Workspace.objects.create(name="Acme")


@pytest.fixture
def other_ws(db):
    return Workspace.objects.create(name="Globex")


def _person(username, workspace, role):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if workspace is not None:
        Membership.objects.create(user=user, workspace=workspace, role=role)
    return user


@pytest.fixture
def owner(ws):
    return _person("olivia", ws, Role.OWNER)


@pytest.fixture
def editor(ws):
    return _person("ed", ws, Role.EDITOR)


@pytest.fixture
def viewer(ws):
    return _person("vera", ws, Role.VIEWER)


@pytest.fixture
def outsider(other_ws):
    return _person("oscar", other_ws, Role.OWNER)


@pytest.fixture
def client_for_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client
