"""Workspace scoping: which cost rows a workspace may see. Every page, export and API view starts here.

A workspace sees the costs of the integrations assigned to it, and nothing else.
"""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db.models import Exists, OuterRef

from .models import (
    BilledMonthlyTotal,
    BilledTotal,
    CostConversionState,
    CostConvertedSummary,
    CostLineItem,
    CostMonthlySummary,
    CostSummaryState,
    integration_model,
)


def workspace_integration_ids(workspace):
    """``SELECT integration_id FROM <integration-workspace table> WHERE workspace_id = ...``: no join.

    The assignment table is reached through the line items' foreign key, so costs needs no import of
    the app that owns integrations."""
    through = integration_model().workspaces.through
    return through.objects.filter(workspace=workspace).values("integration_id")


def integration_workspace_ids(integration_id: int) -> list[int]:
    """The workspaces an integration is assigned to (the receivers of ``costs_imported`` queue one task each)."""
    through = integration_model().workspaces.through
    return sorted(set(through.objects.filter(integration_id=integration_id).values_list("workspace_id", flat=True)))


def workspace_line_items(workspace):
    """Every cost line item a workspace may see: those of the integrations assigned to it.

    The same rows as ``filter(integration__workspaces=workspace)``, written as ``integration_id IN
    (SELECT integration_id FROM <assignments> WHERE workspace_id = ...)`` so the database joins
    neither the line items nor the subquery to the integration table.
    """
    return CostLineItem.objects.filter(integration__in=workspace_integration_ids(workspace))


def workspace_cost_summary(workspace, *, maintained: bool | None = None):
    """The workspace's ``CostMonthlySummary`` rows, or ``None`` when they would not add up to its line items.

    ``None`` when an integration of the workspace has line items but no ``CostSummaryState`` (its
    line items were written without ``costs.writes.refresh_cost_summaries``): reports then read the line items.
    That takes one small query, unless the caller knows already (``maintained``: the report filters
    learn it with their values, ``CostLineItemFilterSet.summaries_maintained``).
    """
    if maintained is None:
        maintained = not (
            workspace_integration_ids(workspace)
            .exclude(integration_id__in=CostSummaryState.objects.values("integration_id"))
            .filter(Exists(CostLineItem.objects.filter(integration=OuterRef("integration_id"))))
            .exists()
        )
    if not maintained:
        return None
    return CostMonthlySummary.objects.filter(integration__in=workspace_integration_ids(workspace))


def workspace_converted_summary(workspace, currency: str, *, maintained: bool | None = None):
    """The workspace's ``CostConvertedSummary`` rows in ``currency``, or ``None`` while an integration of the
    workspace with line items has none yet (a workspace just took the currency up; ``costs.tasks`` builds
    them): reports then convert the line items. No query for the workspace's own currency once converted
    (``Workspace.reporting_currency_ready``) and its summaries known maintained; else one small query."""
    rows = CostConvertedSummary.objects.filter(target=currency, integration__in=workspace_integration_ids(workspace))
    if maintained and currency == workspace.reporting_currency and workspace.reporting_currency_ready:
        return rows
    missing = (
        workspace_integration_ids(workspace)
        .exclude(integration_id__in=CostConversionState.objects.filter(target=currency).values("integration_id"))
        .filter(Exists(CostLineItem.objects.filter(integration=OuterRef("integration_id"))))
    )
    return None if missing.exists() else rows


def summary_in(workspace, currency: str | None = None, *, maintained: bool | None = None):
    """The workspace's monthly summary rows: converted to ``currency``, or in billing currencies."""
    if currency:
        return workspace_converted_summary(workspace, currency, maintained=maintained)
    return workspace_cost_summary(workspace, maintained=maintained)


def filtered_cost_summary(filterset):
    """For ``ReportQuery(summary=...)``: a callable giving a valid FilterSet's filters (not its dates) over
    its workspace's monthly summary, or ``None`` (then reports read the line items): the summary is not
    complete for the workspace, or a filter reads a column the summary does not keep. Called only by a
    query that could use it; it reuses what the filters' value list learnt (no extra query). Called with
    ``currency``, the summary converted to it (one small query to check it is complete)."""

    def summary(currency: str | None = None):
        if filterset.workspace is None:
            return None
        rows = summary_in(filterset.workspace, currency, maintained=filterset.summaries_maintained())
        if rows is None:
            return None
        try:
            return filterset.filter_dimensions(rows)
        except FieldError:  # e.g. a virtual tag on descriptions
            return None

    return summary


def workspace_billed_totals(workspace):
    """Twilio's billed totals (``totalprice`` per account-day) of the integrations assigned to the workspace."""
    return BilledTotal.objects.filter(integration__in=workspace_integration_ids(workspace))


def workspace_billed_months(workspace):
    """The same added up per account and month (``date``: the month's first day)."""
    return BilledMonthlyTotal.objects.filter(integration__in=workspace_integration_ids(workspace))
