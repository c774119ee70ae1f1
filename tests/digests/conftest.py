"""Report digest test data: the cost alerts' report and integration, and a digest maker."""

from costs.alerting import services
from costs.alerting.validation import DigestInput
from tests.cost_alerts.conftest import api, integration, report  # noqa: F401  (shared fixtures)


def make_digest(ws, report, frequency="weekly", recipients=(), webhooks=()):  # noqa: F811
    data = DigestInput(report=report, frequency=frequency, recipients=list(recipients), webhooks=list(webhooks))
    return services.save_digest(ws, None, data)
