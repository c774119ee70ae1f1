"""A person adds a webhook in the browser: refused inside the network, then added with its secret shown
once, then a test notification reaches the receiver signed with that secret."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.notifications.conftest import receiver  # noqa: F401  (the local HTTP receiver fixture)
from vantage.notifications.models import DeliveryStatus, Notification, WebhookEndpoint
from vantage.notifications.signing import verify_signature

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_add_a_webhook_and_send_a_test(page, ws, owner, receiver):  # noqa: F811
    # tasks run inline in the tests' settings (Q_CLUSTER sync): the test notification is delivered at once
    sign_in(page, owner.username, PASSWORD)
    page.wait_for_selector("h1")
    page.click("nav.sidenav >> text=Notifications")
    page.fill("#id_name", "#finops")
    page.fill("#id_url", "https://10.0.0.1/x")
    page.click("button:has-text('Add webhook')")
    assert "inside a network: a private address" in page.inner_text("#id_url_error")
    assert not WebhookEndpoint.objects.exists()

    page.fill("#id_url", receiver.url)
    page.click("button:has-text('Add webhook')")
    secret = page.inner_text("#signing-secret").strip()
    assert secret == WebhookEndpoint.objects.get().signing_secret

    page.click("button:has-text('Send test')")
    page.wait_for_selector("text=Test notification queued")
    assert Notification.objects.get().status == DeliveryStatus.SENT
    [request] = receiver.requests
    headers = request.headers
    assert verify_signature(secret, headers["X-Vantage-Timestamp"], request.body, headers["X-Vantage-Signature"])
    page.reload()
    assert secret not in page.content()
