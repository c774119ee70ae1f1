"""The money columns a report reads, whatever its source: converted to the reporting currency or not.

Every source a ``ReportQuery`` reads is annotated with the same four names, so the grouped query is
written once:

* ``CURRENCY`` / ``COST``: what the report shows (the reporting currency and the converted cost, or the
  billing currency and cost where the ECB has no rate, or when not converting);
* ``BILLING_CURRENCY`` / ``BILLING_COST``: what Twilio billed.

Sources: the line items (converted row by row in SQL with the day's rates, ``costs.fx``), the monthly
summary (not converted), the converted monthly summary (added up from the same per-line-item
conversion, costs.writes). The converted summary and the converted line items give the same sums
exactly, because each adds up the very same rounded per-line-item figures.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from ..fx import converted_line_items
from ..fx import rate_note as fx_rate_note
from ..models import CostConvertedSummary, CostLineItem

CURRENCY, COST, BILLING_CURRENCY, BILLING_COST = "fx_cur", "fx_amount", "fx_billing_cur", "fx_billing_amount"
MONEY_COLUMNS = (CURRENCY, BILLING_CURRENCY)


def money(rows: QuerySet, currency: str | None) -> QuerySet:
    """``rows`` (line items, or a monthly summary) with the four money columns, converted to ``currency``."""
    if rows.model is CostConvertedSummary:
        return rows.annotate(
            **{CURRENCY: F("reported_currency"), COST: F("converted_cost"),
               BILLING_CURRENCY: F("currency"), BILLING_COST: F("cost")}
        )  # fmt: skip
    if currency and rows.model is CostLineItem:
        rows = converted_line_items(rows, currency)
        return rows.annotate(
            **{CURRENCY: F("fx_currency"), COST: F("fx_cost"), BILLING_CURRENCY: F("currency"), BILLING_COST: F("cost")}
        )
    return rows.annotate(
        **{CURRENCY: F("currency"), COST: F("cost"), BILLING_CURRENCY: F("currency"), BILLING_COST: F("cost")}
    )


def rate_note(currency: str, end) -> str:
    return fx_rate_note(currency, end)
