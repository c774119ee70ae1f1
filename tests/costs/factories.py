"""Test data for reports: integrations assigned to a workspace, line items and matching billed totals."""

import secrets
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction

from costs.models import BilledTotal, CostLineItem
from costs.writes import refresh_cost_summaries
from integrations.models import IngestionRun, Integration, RunStatus, RunTrigger
from vantage.lib.dates import month_end


def make_integration(workspace, account_name="Acme Twilio", *more_workspaces):
    integration = Integration.objects.create(
        account_name=account_name,
        account_sid="AC" + secrets.token_hex(16),
        api_key_sid="SK" + secrets.token_hex(16),
        api_secret=secrets.token_hex(20),  # generated at run time, never a literal
    )
    integration.workspaces.add(workspace, *more_workspaces)
    return integration


def item(day, service, category, cost, *, currency="USD", account=None, usage=None, unit="", charge_type=None):
    """One line item spec for ``add_costs`` (``cost`` may be None: price unknown)."""
    cost = None if cost is None else Decimal(str(cost))
    return {
        "date": day if isinstance(day, date) else date.fromisoformat(day),
        "service": service,
        "category": category,
        "cost": cost,
        "currency": currency,
        "account_id": account,
        "usage": None if usage is None else Decimal(str(usage)),
        "usage_unit": unit,
        "charge_type": charge_type or ("Credit" if cost is not None and cost < 0 else "Usage"),
    }


def add_costs(integration, specs, *, billed=True, maintained=True):
    """Bulk-create the line items and (unless ``billed=False``) the BilledTotals they add up to.

    Like an import, this also refreshes the integration's monthly summaries and filter values in the
    same transaction and records a successful run over the months it covers (``maintained=False``: as if
    written by something else; reports then read the line items).
    """
    items = [
        CostLineItem(
            integration=integration,
            account_id=spec["account_id"] or integration.account_sid,
            date=spec["date"],
            service=spec["service"],
            category=spec["category"],
            charge_type=spec["charge_type"],
            description=spec["category"],
            cost=spec["cost"],
            currency=spec["currency"],
            usage=spec["usage"],
            usage_unit=spec["usage_unit"],
        )
        for spec in specs
    ]
    with transaction.atomic():
        CostLineItem.objects.bulk_create(items)
        if billed:  # written with the line items, before the refresh that adds them up per month
            totals = defaultdict(Decimal)
            for i in items:
                totals[(i.account_id, i.date, i.currency)] += i.cost or Decimal(0)
            BilledTotal.objects.bulk_create(
                [
                    BilledTotal(
                        integration=integration, account_id=a, date=d, currency=c, amount=amount, attributed=amount
                    )  # fmt: skip
                    for (a, d, c), amount in totals.items()
                ]
            )
        if maintained and items:
            first, last = min(i.date for i in items), max(i.date for i in items)
            refresh_cost_summaries(integration, first, last)
            # an import covers whole month windows, and records them (costs.coverage reads them)
            IngestionRun.objects.create(integration=integration, trigger=RunTrigger.BACKFILL,
                                        start_date=first.replace(day=1), end_date=month_end(last),
                                        status=RunStatus.SUCCEEDED)  # fmt: skip
    return items


def update_billed(integration, day, **changes):
    """Change what Twilio billed on ``day`` as a re-import of it would: the per-month totals follow."""
    with transaction.atomic():
        BilledTotal.objects.filter(integration=integration, date=day).update(**changes)
        refresh_cost_summaries(integration, date.fromisoformat(day), date.fromisoformat(day))
