"""Read-only figures about integrations for the pages and the admin, each in one grouped query.

What an integration holds (cost per billing currency, line items, the months imported) and which of
its import runs a person sees first. No writes here: those belong to ``services`` and ``costs.writes``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Case, Count, IntegerField, Min, OuterRef, Subquery, Value, When

from costs.models import CostLineItem
from vantage.lib.dates import month_start
from vantage.lib.money import ExactSum

from .models import IngestionRun, Integration, RunStatus

# The integration page's import table: one row per month, so a connect-time history (13 months) and a
# year of earlier history fit, while the daily refreshes of the same two months never crowd it out.
RECENT_MONTHS = 24


def costs_by_integration(ids) -> dict[int, list[tuple[str, object, int]]]:
    """{integration id: [(currency, cost, line items)]}, currencies in order, in one grouped query."""
    out = defaultdict(list)
    rows = (
        CostLineItem.objects.filter(integration_id__in=ids)
        .values("integration_id", "currency")
        .annotate(cost=ExactSum("cost"), items=Count("pk"))
        .order_by("integration_id", "currency")
    )
    for r in rows:
        out[r["integration_id"]].append((r["currency"], r["cost"], r["items"]))
    return out


def history_from_by_integration(ids) -> dict[int, date]:
    """{integration id: first day of the earliest month a successful run imported}, in one grouped query."""
    rows = (
        IngestionRun.objects.filter(integration_id__in=ids, status=RunStatus.SUCCEEDED)
        .values("integration_id")
        .annotate(first=Min("start_date"))
        .order_by()
    )
    return {r["integration_id"]: month_start(r["first"]) for r in rows}


def recent_runs(integration: Integration, limit: int = RECENT_MONTHS):
    """The latest run of each month window, a running one first, then the newest month first.

    Connecting imports the newest month first, so the runs started last hold the oldest months: ordered by
    start time alone the current month would sink below the table's end. A month refreshed daily shows
    its latest run only (every run stays in the admin)."""
    latest = (
        IngestionRun.objects.filter(integration=OuterRef("integration"), start_date=OuterRef("start_date"))
        .order_by("-started_at", "-pk")
        .values("pk")[:1]
    )
    running_first = Case(When(status=RunStatus.RUNNING, then=Value(0)), default=Value(1), output_field=IntegerField())
    return integration.runs.filter(pk=Subquery(latest)).order_by(running_first, "-start_date", "-started_at")[:limit]
