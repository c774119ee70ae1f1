"""Background work of costs (django-q2 tasks take plain values only): exchange rates and conversions."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max
from django_q.tasks import async_task

from vantage.models import Workspace

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


def ensure_exchange_rates(sender=None, using="default", **kwargs) -> None:
    """``post_migrate``: load the rates unless they are there already (a fresh, flushed or upgraded
    package's database); converted summaries follow a changed rate. Then queue the conversion of any
    currency in use that some summaries lack (e.g. right after this feature's own migration)."""
    if using != "default":
        return
    if not fx.rates_loaded():
        load_exchange_rates()
    for target in writes.reporting_targets():
        if conversion_missing(target):
            async_task("costs.tasks.convert_summaries", target)
        else:
            mark_ready(target)


def convert_summaries(target: str) -> None:
    """Build the summaries converted to ``target`` for every integration that lacks them."""
    missing = _unconverted(target).values_list("integration_id", flat=True)
    writes.rebuild_converted_summaries(target, list(missing))
    mark_ready(target)


def mark_ready(target: str) -> None:
    """Workspaces reporting in ``target`` read its converted summaries without checking from now on."""
    Workspace.objects.filter(reporting_currency=target, reporting_currency_ready=False).update(
        reporting_currency_ready=True
    )


def conversion_missing(target: str) -> bool:
    """Whether some integration's summaries are not converted to ``target`` yet (one query)."""
    return _unconverted(target).exists()


def _unconverted(target: str):
    """The integrations whose summaries are kept but not converted to ``target``."""
    done = CostConversionState.objects.filter(target=target).values("integration_id")
    return CostSummaryState.objects.exclude(integration_id__in=done)


def workspace_saved(sender, instance, **kwargs) -> None:
    """``post_save`` of a workspace: if its reporting currency is new to some integration, queue the
    conversion after the commit (until it is done, reports convert the line items: slower, the same)."""
    target = instance.reporting_currency
    missing = bool(target) and conversion_missing(target)
    if missing != (not instance.reporting_currency_ready):  # an update: no signal, no recursion
        Workspace.objects.filter(pk=instance.pk).update(reporting_currency_ready=not missing)
        instance.reporting_currency_ready = not missing
    if missing:
        transaction.on_commit(lambda: async_task("costs.tasks.convert_summaries", target))
