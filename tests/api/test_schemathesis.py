"""Property-based API tests: every operation of /api/v2/schema, fuzzed with Schemathesis through the WSGI app.

No network: the schema and every request go through Django's WSGI handler in this process, inside the
test's database transaction. Authenticated with an owner's Bearer token, in a workspace with an
integration, costs, a saved report and a virtual tag, so ids and filters have something to hit.

Bounded: ``MAX_EXAMPLES`` per operation and generation mode (valid and invalid inputs), no deadline,
no shrinking; the whole run takes well under a minute.

Checks: no 5xx; every status code, content type, header and body is one the schema documents; the
integration's API secret is in no response.

Destructive fuzzing is allowed: DELETEs get random ids, which may hit the fixtures' integration,
report or tag; everything is rolled back with the test's transaction. Outbound HTTP is blocked (the
Twilio connect endpoint checks credentials live) and background tasks are not run.
"""

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from costs.models import CostReport  # noqa: E402
from tagging.models import VirtualTag, VirtualTagValue  # noqa: E402
from tests.costs.factories import add_costs, item, make_integration  # noqa: E402
from vantage.api.throttling import TokenRateThrottle  # noqa: E402
from vantage.models import ApiToken  # noqa: E402

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Operations whose error responses the schema does not document yet (they belong to vantage/api and
# integrations/api: 400/404 from the workspace parameter, DRF's 404 for a bad page, Django's HTML 404
# for a non-numeric id). They are fuzzed too, for no 5xx and conformance of what they do document.
OTHERS = ("/api/v2/workspaces", "/api/v2/integrations")
OTHER_CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def wsgi_app(monkeypatch):
    """Django's WSGI handler, without closing the test's connection between requests (as Django's test client)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/min"})
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **k: None)  # no imports from sync/connect
    cache.clear()
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(ws, owner):
    integration = make_integration(ws, "Acme Twilio")
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00", usage=100, unit="segments"),
        item("2026-03-03", "Programmable Voice", "calls-outbound", "20.00", usage=30, unit="minutes"),
        item("2026-03-04", "Lookup", "lookups", "3.00", currency="EUR"),
    ])  # fmt: skip
    CostReport.objects.create(workspace=ws, title="Voice", created_by=owner,
                              filters={"service": {"op": "is", "values": ["Programmable Voice"]}})  # fmt: skip
    tag = VirtualTag.objects.create(workspace=ws, key="team", created_by=owner)
    VirtualTagValue.objects.create(tag=tag, position=1, name="Messaging", filters=[
        {"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS"]}]}])  # fmt: skip
    return integration


def test_every_operation_survives_fuzzing_and_matches_its_schema(wsgi_app, world, owner):
    import responses

    _, raw = ApiToken.issue(owner, "schemathesis")
    auth = {"Authorization": f"Bearer {raw}"}
    secret = world.api_secret

    def no_secret(ctx, response, case):
        assert secret not in response.text, "the integration's API secret is in a response"

    schema = schemathesis.openapi.from_wsgi("/api/v2/schema?format=json", wsgi_app, headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19, [op.label for op in operations]  # every endpoint is in the schema

    failures = []
    with responses.RequestsMock(assert_all_requests_are_fired=False):  # any outbound HTTP fails fast
        for operation in operations:
            checks = OTHER_CHECKS if operation.path.startswith(OTHERS) else CHECKS
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
                @given(case=operation.as_strategy(generation_mode=mode))
                def run(case, checks):  # checks passed in at the call, not read from the loop
                    case.call_and_validate(headers=auth, checks=[*checks, no_secret])

                try:
                    run(checks=checks)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # noqa: BLE001  collect every operation's failures, report them all
                    failures.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {exc}"[:3000])
    assert not failures, "\n\n".join(failures)
