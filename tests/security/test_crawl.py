"""Crawl every URL pattern of the project as an outsider and as a viewer: no 200 on another workspace's
objects, a viewer changes nothing, and no 5xx anywhere. New endpoints are covered by default.

How it works: ``objects_of_a`` builds one object of each model in workspace A ("Acme"; every name carries
``MARKER``). The crawler walks ``django.urls.get_resolver()`` and fills each pattern's path parameters
with A's ids through ``FILL``; a pattern with parameters that ``FILL`` does not cover fails
``test_every_url_pattern_can_be_filled`` with the list of them, unless ``ALLOWED`` names it (with why).

* Pass 1, the outsider (owner of workspace B "Globex" only): GET every page (current workspace B) and every
  API endpoint with ``?workspace=<A>``, plus POST/PUT/PATCH/DELETE on every API route with A's ids and POST
  on every page with A's ids. Nothing answers 2xx for A's objects, no body shows ``MARKER``, nothing of A
  changes.
* Pass 2, the same person also a viewer in A (current workspace A): GET may show A's objects; every write
  (page POST, API POST/PUT/PATCH/DELETE) leaves A unchanged and the API answers no 2xx to a write.

ADDING A MODEL (e.g. a new page ``anomalies/<int:pk>/``):
  1. one line in ``FACTORIES``: ``"anomaly": lambda a, o: Anomaly.objects.create(workspace=a, ...)``
     (``a`` is workspace A, ``o`` the objects built so far, in order: ``o["report"]``);
  2. one line in ``FILL``: ``"anomalies:anomaly_*": {"pk": "anomaly"}`` (URL name as an fnmatch pattern ->
     path parameter -> factory key; also cover the API's ``anomalies-api:anomaly-*``).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import responses
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import ManyToManyField
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from costs.alerting.models import CostAlert, ReportDigest
from costs.anomalies.models import Anomaly, AnomalyNotification
from costs.budgets.models import Budget, BudgetAlert, BudgetPeriod
from costs.models import CostReport
from costs.services import ensure_default_report
from tagging.models import VirtualTag, VirtualTagValue
from tests.costs.factories import add_costs, item, make_integration
from vantage.models import ApiToken, Membership, Role
from vantage.notifications.models import Notification, WebhookEndpoint

pytestmark = pytest.mark.django_db

MARKER = "Zq7Marker"  # in every name of workspace A: an outsider's page or answer must never show it

# factory key -> (workspace A, objects built so far) -> one saved object of A. Order matters: later ones use earlier.
FACTORIES = {
    "integration": lambda a, o: _with_costs(make_integration(a, f"{MARKER} Twilio")),
    # the default report is made on first sight of a page (by anyone, a viewer too): present from the start
    "default_report": lambda a, o: ensure_default_report(a),
    "report": lambda a, o: CostReport.objects.create(workspace=a, title=f"{MARKER} report"),
    "virtual_tag": lambda a, o: VirtualTag.objects.create(workspace=a, key=f"{MARKER}-team"),
    "virtual_tag_value": lambda a, o: VirtualTagValue.objects.create(
        tag=o["virtual_tag"], position=1, name=f"{MARKER} value",
        filters=[{"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS"]}]}]),
    "budget": lambda a, o: _budget(a, o["report"]),
    "budget_alert": lambda a, o: BudgetAlert.objects.create(budget=o["budget"], thresholds=[80]),
    "webhook": lambda a, o: WebhookEndpoint.objects.create(workspace=a, name=f"{MARKER} hook",
                                                           url="https://hooks.example.com/a", signing_secret="x" * 32),
    "notification": lambda a, o: Notification.objects.create(workspace=a, kind="budget_alert", channel="email",
                                                             recipient="a@example.com", subject=f"{MARKER} subject",
                                                             text=f"{MARKER} text"),
    "cost_alert": lambda a, o: _cost_alert(a, o["report"]),
    "report_digest": lambda a, o: ReportDigest.objects.create(workspace=a, report=o["report"]),
    "anomaly": lambda a, o: Anomaly.objects.create(
        workspace=a, integration=o["integration"], account_id=o["integration"].account_sid, service="SMS & MMS",
        category=f"{MARKER}-sms", date=date(2026, 3, 2), currency="USD", direction="spike", amount=Decimal(90),
        expected=Decimal(10), lower_bound=Decimal(5), upper_bound=Decimal(20)),
    "anomaly_notification": lambda a, o: AnomalyNotification.objects.create(workspace=a, cost_report=o["report"]),
    "membership": lambda a, o: Membership.objects.create(
        workspace=a, user=get_user_model().objects.create_user(f"{MARKER}member"), role=Role.EDITOR),
}  # fmt: skip

# URL name (fnmatch, "namespace:name") -> {path parameter: factory key}. The first matching entry wins.
FILL = {
    "costs:report_*": {"pk": "report"},
    "costs-api:costreport*": {"pk": "report"},
    "integrations:*": {"pk": "integration"},
    "integrations-api:integration-*": {"pk": "integration"},
    "tagging:*": {"pk": "virtual_tag", "value_pk": "virtual_tag_value"},
    "tagging-api:virtualtag-*": {"pk": "virtual_tag"},
    "budgets:budget_*": {"pk": "budget"},
    "budgets:alert_create": {"pk": "budget"},
    "budgets:alert_*": {"pk": "budget_alert"},
    "budgets-api:budget-*": {"pk": "budget"},
    "budgets-api:budgetalert-*": {"pk": "budget_alert"},
    "notifications:webhook_*": {"pk": "webhook"},
    "notifications-api:webhook-*": {"pk": "webhook"},
    "notifications-api:notification-*": {"pk": "notification"},
    "alerting:costalert_*": {"pk": "cost_alert"},
    "alerting-api:costalert-*": {"pk": "cost_alert"},
    "alerting:reportdigest_*": {"pk": "report_digest"},
    "alerting-api:reportnotification-*": {"pk": "report_digest"},
    "anomalies:anomaly_*": {"pk": "anomaly"},
    "anomalies:notification_*": {"report_pk": "report"},
    "anomalies-api:anomalyalert-*": {"pk": "anomaly"},
    "anomalies-api:anomalynotification-*": {"pk": "anomaly_notification"},
    "member_*": {"pk": "membership"},
    "vantage-api:workspace_member-*": {"pk": "membership"},
}

# Patterns the crawl does not fill, each with why (a regular expression the route text, as the resolver prints
# it, must match in full).
ALLOWED = {
    r"admin/.*": "the operator's console: staff only (an outsider is sent to the admin's sign-in, checked below)",
    r"api/v2/\^.*/\[\\s\\S\]\*\$": "a router's catch-all: any other path under a resource answers the API's 404",
}
# Patterns with no workspace that are requested but not written to (POST would sign the crawler out).
NO_WRITE = {"logout", "login"}

API = "api/v2/"
WRITES = ("post", "put", "patch", "delete")


def _with_costs(integration):
    add_costs(integration, [item("2026-03-02", "SMS & MMS", "sms-outbound", "10.00")])
    return integration


def _budget(a, report):
    budget = Budget.objects.create(workspace=a, cost_report=report, name=f"{MARKER} budget", currency="USD")
    BudgetPeriod.objects.create(budget=budget, start_month=date(2026, 1, 1), amount=Decimal(100))
    return budget


def _cost_alert(a, report):
    alert = CostAlert.objects.create(workspace=a, name=f"{MARKER} alert", percent=Decimal(50))
    alert.reports.add(report)
    return alert


@dataclass
class Route:
    route: str  # as the resolver prints it, e.g. "reports/<int:pk>/"
    name: str  # "namespace:name" ("" when unnamed)
    params: list[str]

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API)


def routes() -> list[Route]:
    out: list[Route] = []

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                params = list(p.pattern.regex.groupindex)
                out.append(Route(prefix + str(p.pattern), name, params))

    walk(get_resolver(), "", "")
    return out


def _allowed(route: Route) -> bool:
    return any(re.fullmatch(pattern, route.route) for pattern in ALLOWED)


def _fill_for(route: Route) -> dict[str, str] | None:
    """{parameter: factory key} for a named route whose parameters FILL covers; None otherwise."""
    if not route.name:
        return None
    for pattern, fill in FILL.items():
        if fnmatch.fnmatchcase(route.name, pattern):
            return fill if set(route.params) <= set(fill) else None
    return None


def _unnamed_without_params(route: Route) -> bool:
    # a pattern without parameters the crawler can request by its route text
    return not route.params and not re.search(r"[\^$\[\]()*?\\]", route.route)


def crawlable(objects) -> tuple[list[tuple[Route, str, bool]], list[Route]]:
    """``([(route, path, has_a_ids)], [routes it cannot fill])``."""
    out, unfilled = [], []
    for route in routes():
        if _allowed(route):
            continue
        if not route.params:
            if route.name:
                out.append((route, reverse(route.name), False))
            elif _unnamed_without_params(route):
                out.append((route, "/" + route.route, False))
            else:
                unfilled.append(route)
            continue
        fill = _fill_for(route)
        if fill is None:
            unfilled.append(route)
            continue
        kwargs = {p: objects[fill[p]].pk for p in route.params}
        out.append((route, reverse(route.name, kwargs=kwargs), True))
    return out, unfilled


# --- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture
def objects_of_a(ws):
    ws.name = f"{MARKER} Acme"
    ws.save()
    objects: dict = {}
    for key, factory in FACTORIES.items():
        objects[key] = factory(ws, objects)
    return objects


def snapshot(ws, objects) -> dict:
    """Everything of workspace A a write could change: each object's row, and per model the rows of A."""
    rows = {key: type(obj).objects.filter(pk=obj.pk).values().first() for key, obj in objects.items()}
    rows["integration_workspaces"] = sorted(objects["integration"].workspaces.values_list("pk", flat=True))
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in ("admin", "auth", "contenttypes", "sessions", "django_q"):
            continue
        fields = {f.name: f for f in model._meta.get_fields()}
        if "workspace" in fields and getattr(fields["workspace"], "related_model", None) is type(ws):
            counts[model._meta.label] = model.objects.filter(workspace=ws).count()
        elif isinstance(fields.get("workspaces"), ManyToManyField):
            counts[model._meta.label] = model.objects.filter(workspaces=ws).count()
    rows["counts"] = counts
    return rows


def _use_workspace(client, workspace):
    session = client.session
    session["workspace_id"] = workspace.pk
    session.save()


def _bearer(user) -> dict:
    _, raw = ApiToken.issue(user, "crawler")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


class Crawl:
    def __init__(self, client, user, workspace_for_api):
        self.client, self.workspace = client, workspace_for_api
        self.headers = _bearer(user)
        self.problems: list[str] = []

    def request(self, method: str, route: Route, path: str, workspace=None):
        if route.is_api:
            url = f"{path}{'&' if '?' in path else '?'}workspace={(workspace or self.workspace).pk}"
            body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
            response = getattr(self.client, method)(url, **body, **self.headers)
        elif method == "get":
            response = self.client.get(path)
        else:
            response = self.client.post(path, {})
        if response.status_code >= 500:
            self.problems.append(f"{method.upper()} {path} ({route.name or route.route}): {response.status_code}")
        return response

    def fail_on(self, description):
        assert not self.problems, f"{description}:\n" + "\n".join(self.problems)


def _methods(route: Route, with_a_ids: bool) -> list[str]:
    if route.name.split(":")[-1] in NO_WRITE:
        return ["get"]
    if route.is_api:
        return ["get", *WRITES]
    return ["get", "post"] if with_a_ids else ["get"]


# --- the tests ----------------------------------------------------------------------------------------------------


def test_every_url_pattern_can_be_filled(objects_of_a):
    _, unfilled = crawlable(objects_of_a)
    assert not unfilled, (
        "The security crawl cannot fill these URL patterns (add their model to FACTORIES and their URL name to "
        "FILL at the top of tests/security/test_crawl.py, or to ALLOWED with the reason):\n"
        + "\n".join(f"  {r.route}  (name {r.name or '-'}; parameters {r.params})" for r in unfilled)
    )


@pytest.fixture
def crawler(client, outsider, other_ws):
    """The outsider (owner of B only) with a little of their own, so their pages have something to show."""
    make_integration(other_ws, "Globex Twilio")
    ensure_default_report(other_ws)
    client.force_login(outsider)
    _use_workspace(client, other_ws)
    return client


@responses.activate  # no request leaves the test: a write that got through to Twilio or a webhook fails loudly
def test_outsider_sees_and_changes_nothing_of_another_workspace(crawler, outsider, ws, other_ws, objects_of_a):
    before = snapshot(ws, objects_of_a)
    crawl = Crawl(crawler, outsider, ws)
    leaks = []
    pages, _ = crawlable(objects_of_a)
    for route, path, with_a_ids in pages:
        # the API: A's ids asked through workspace A (not theirs) and through their own workspace B
        for workspace in [ws, other_ws] if route.is_api else [None]:
            for method in _methods(route, with_a_ids):
                response = crawl.request(method, route, path, workspace)
                where = f"{method.upper()} {path}" + (f" (workspace {workspace.name})" if workspace else "")
                if with_a_ids and 200 <= response.status_code < 300:
                    leaks.append(f"{where}: {response.status_code}")
                elif MARKER in _body(response):
                    leaks.append(f"{where}: shows workspace A's data")
    crawl.fail_on("5xx while crawling as an outsider")
    assert not leaks, "An outsider reached workspace A:\n" + "\n".join(leaks)
    assert snapshot(ws, objects_of_a) == before
    assert crawler.get("/admin/").status_code == 302  # the operator's console sends them to sign in


@responses.activate
def test_viewer_reads_but_never_changes_and_nothing_is_a_5xx(crawler, outsider, ws, objects_of_a):
    Membership.objects.create(user=outsider, workspace=ws, role=Role.VIEWER)
    _use_workspace(crawler, ws)
    before = snapshot(ws, objects_of_a)
    crawl = Crawl(crawler, outsider, ws)
    writes_accepted = []
    pages, _ = crawlable(objects_of_a)
    seen_a = False
    for route, path, with_a_ids in pages:
        for method in _methods(route, with_a_ids):
            response = crawl.request(method, route, path)
            if method == "get" and with_a_ids and response.status_code == 200:
                seen_a = True
            if method != "get" and route.is_api and 200 <= response.status_code < 300:
                writes_accepted.append(f"{method.upper()} {path}: {response.status_code}")
    crawl.fail_on("5xx while crawling as a viewer")
    assert seen_a, "the viewer should read workspace A's objects: the crawl filled the wrong ids"
    assert not writes_accepted, "A viewer's write was accepted:\n" + "\n".join(writes_accepted)
    assert snapshot(ws, objects_of_a) == before
