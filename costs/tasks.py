"""Background work of costs (django-q2 tasks take plain values only): exchange rates and conversions."""

from __future__ import annotations

from datetime import date

from django.db.models import Max
from django_q.tasks import async_task

from . import fx, writes
from .models import CostConversionState, CostLineItem, CostSummaryState


def load_exchange_rates(first_day: date = fx.FIRST_DAY) -> dict:
    """Load the package's rates; where a rate already used by costs changed (a newer package), convert
    every summary again."""
    result = fx.load_exchange_rates(first_day)
    first_changed = result["first_changed"]
    newest_cost = CostLineItem.objects.aggregate(last=Max("date"))["last"]
    if first_changed is not None and newest_cost is not None and first_changed <= newest_cost:
        for target in writes.reporting_targets():
            writes.rebuild_converted_summaries(target)
    return result


def convert_summaries(target: str) -> None:
    """Build the summaries converted to ``target`` for every integration that lacks them."""
    done = CostConversionState.objects.filter(target=target).values_list("integration_id", flat=True)
    missing = CostSummaryState.objects.exclude(integration_id__in=done).values_list("integration_id", flat=True)
    writes.rebuild_converted_summaries(target, list(missing))


def queue_conversion(target: str) -> None:
    """A workspace now reports in ``target``: build what its reports read (until then they read line items)."""
    if target:
        async_task("costs.tasks.convert_summaries", target, task_name=f"convert summaries to {target}")
