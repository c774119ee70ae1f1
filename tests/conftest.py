"""Shared fixtures: named people on both sides of every access rule.

* ``owner`` owns workspace ``ws`` ("Acme"); ``editor`` and ``viewer`` are teammates there;
* ``outsider`` owns another workspace ``other_ws`` ("Globex") and belongs to nothing in ``ws``.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from vantage.models import Membership, Role, Workspace

PASSWORD = "correct horse battery staple 1"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (throttling budgets, the exchange rates' cached dates): the
    database is rolled back after every test, so nothing cached from it may outlive the test."""
    cache.clear()


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


# --- what the migrations wrote survives transactional tests -----------------------------------------


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by flushing every table, the migrations' data too (the Default
    workspace, the seeded category catalog). Django restores it only at the start of the next test
    marked ``serialized_rollback``, and pytest-xdist's ``--dist loadfile`` runs a file's tests together,
    so other tests could follow on an empty database. Put it back right after the flush instead.
    (The contents exist when a collected test is marked ``serialized_rollback=True``.)"""
    yield
    if nextitem is None or not _transactional(item):  # the last test: the test databases are gone already
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for connection in connections.all(initialized_only=True):
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)
