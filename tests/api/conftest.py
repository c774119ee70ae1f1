import pytest
from django.core.cache import cache
from django.http import StreamingHttpResponse
from rest_framework.test import APIClient

from integrations.models import Integration
from vantage.models import ApiToken


class RecordingClient(APIClient):
    """An APIClient that keeps every response body (streamed ones read once and put back)."""

    seen: list

    def request(self, **kwargs):
        response = super().request(**kwargs)
        if isinstance(response, StreamingHttpResponse):
            body = b"".join(response.streaming_content)
            response.streaming_content = [body]
        else:
            body = response.content
        self.seen.append(body.decode("utf-8", "replace"))
        return response


@pytest.fixture
def responses_seen():
    """Collects every response body a test sees, to search them for secrets."""
    return []


@pytest.fixture
def api(responses_seen):
    """api(user) -> a recording APIClient with a fresh Bearer token of that user (None: no credentials)."""

    def make(user=None):
        c = RecordingClient()
        c.seen = responses_seen
        if user is not None:
            _, raw = ApiToken.issue(user, "test")
            c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return c

    return make


@pytest.fixture
def no_secret_in_any_response(db, responses_seen):
    """Fails the test if any response an `api` client saw carries an integration's secret or key SID.

    Modules opt in with `pytestmark = pytest.mark.usefixtures("no_secret_in_any_response")`.
    """
    cache.clear()  # throttling budget
    yield
    secrets_ = [s for i in Integration.objects.all() for s in (i.api_secret, i.api_key_sid) if s]
    for body in responses_seen:
        for secret in secrets_:
            assert secret not in body


from tests.integrations.conftest import catalog, integration, twilio_secret  # noqa: E402,F401
