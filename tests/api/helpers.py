"""Helpers shared by the API tests (fixtures live in conftest.py)."""


def errors_of(response) -> dict:
    """The 400 response's errors as {field: message}."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {e["field"]: e["message"] for e in response.json()["errors"]}
