import pytest
from rest_framework.test import APIClient

from vantage.models import ApiToken


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated with a fresh Bearer token of that user."""
    def make(user=None):
        c = APIClient()
        if user is not None:
            _, raw = ApiToken.issue(user, "test")
            c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return c

    return make


@pytest.fixture
def responses_seen():
    """Collects every response body a test sees, to search them for secrets."""
    return []


from tests.integrations.conftest import catalog, integration, twilio_secret  # noqa: E402,F401
