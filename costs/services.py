"""Report workflows: the default report, saving and deleting reports, the report list's costs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from integrations.models import Integration
from vantage.lib.money import ExactSum
from vantage.models import EDIT_ROLES, Role

from vantage.lib.dates import month_end, month_start, utc_today
from .dimension_values import SCANNED_COLUMNS
from .filtersets import saved_filters_q
from .models import CostDimensionValue, CostLineItem, CostMonthlySummary, CostReport, CostSummaryState
from .scoping import workspace_line_items


class DefaultReportError(Exception):
    """The default report ("All Resources") cannot be deleted or changed."""


# --- maintained read models: monthly summaries and dimension values ----------------------------------

# CostLineItem columns whose distinct values are kept per integration (CostDimensionValue.dimension).
DIMENSION_VALUE_COLUMNS = tuple(SCANNED_COLUMNS)
# What a CostMonthlySummary row is keyed by, besides its month (all CostLineItem columns of the same name).
SUMMARY_KEY_COLUMNS = ("integration_id", "account_id", "service", "category", "charge_type", "currency", "usage_unit")
SUMMARY_SUM_COLUMNS = ("cost", "usage", "count")


def _summary_insert_sql(vendor: str, qn, *, window: bool, everything: bool = False) -> str:
    """``INSERT INTO <summary> SELECT ... GROUP BY`` over one integration's line items (in a date window),
    or over ``everything``."""
    if vendor == "postgresql":
        month, total = "date_trunc('month', li.{date})::date", "SUM"
    else:
        month, total = "date(li.{date}, 'start of month')", "DECIMAL_SUM"  # exact, as reports (vantage.lib.money)
    month = month.format(date=qn("date"))
    keys = ", ".join(f"li.{qn(c)}" for c in SUMMARY_KEY_COLUMNS)
    sums = ", ".join(f"{total}(li.{qn(c)})" for c in SUMMARY_SUM_COLUMNS)
    columns = ", ".join(qn(c) for c in (*SUMMARY_KEY_COLUMNS, "date", *SUMMARY_SUM_COLUMNS, "line_items"))
    where = "" if everything else f" WHERE li.{qn('integration_id')} = %s"
    if window:
        where += f" AND li.{qn('date')} >= %s AND li.{qn('date')} <= %s"
    return (
        f"INSERT INTO {qn(CostMonthlySummary._meta.db_table)} ({columns}) "
        f"SELECT {keys}, {month}, {sums}, COUNT(*) FROM {qn(CostLineItem._meta.db_table)} li"
        f"{where} GROUP BY {keys}, {month}"
    )


def _dimension_values_sql(qn, *, everything: bool = False) -> str:
    """The distinct ``(integration, dimension, value)`` of one integration's (or every) summary rows."""
    where = "" if everything else f" WHERE {qn('integration_id')} = %s"
    return " UNION ".join(
        f"SELECT DISTINCT {qn('integration_id')}, '{column}', {qn(column)} "
        f"FROM {qn(CostMonthlySummary._meta.db_table)}{where}"
        for column in DIMENSION_VALUE_COLUMNS
    )


def refresh_cost_summaries(integration, start: date | None = None, end: date | None = None) -> None:
    """Bring ``integration``'s monthly summaries and dimension values in line with its line items.

    Call it INSIDE the transaction that changed the line items dated ``start..end`` (inclusive), after
    the change: ``integrations.twilio.ingest.replace_window`` does. Readers then see the line items
    and what is derived from them change together, never one without the other. The months that
    ``start..end`` touches are added up again from the line items (whole months, so a window that
    covers part of a month is fine); without dates, or the first time for an integration, all of
    them. The integration's dimension values are then re-read from its (small) summary, and only
    what changed is written. Concurrent calls for one integration queue on its row lock.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("refresh_cost_summaries() belongs inside the transaction that changed the line items.")
    iid = integration.pk if isinstance(integration, Integration) else integration
    list(Integration.objects.select_for_update(no_key=True).filter(pk=iid).values_list("pk"))  # PostgreSQL: queue
    whole = start is None or end is None or not CostSummaryState.objects.filter(integration_id=iid).exists()
    summaries = CostMonthlySummary.objects.filter(integration_id=iid)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if whole:
            summaries.delete()
            cursor.execute(_summary_insert_sql(connection.vendor, qn, window=False), [iid])
        else:
            first, last = month_start(min(start, end)), month_end(max(start, end))
            summaries.filter(date__gte=first, date__lte=last).delete()
            cursor.execute(_summary_insert_sql(connection.vendor, qn, window=True), [iid, first, last])
        cursor.execute(_dimension_values_sql(qn), [iid] * len(DIMENSION_VALUE_COLUMNS))
        present = {(dimension, value) for _, dimension, value in cursor.fetchall()}
    stored = {
        (dimension, value): pk
        for dimension, value, pk in CostDimensionValue.objects.filter(integration_id=iid).values_list(
            "dimension", "value", "pk"
        )
    }
    stale = [pk for key, pk in stored.items() if key not in present]
    if stale:
        CostDimensionValue.objects.filter(pk__in=stale).delete()
    CostDimensionValue.objects.bulk_create(
        [CostDimensionValue(integration_id=iid, dimension=d, value=v) for d, v in sorted(present - set(stored))]
    )
    line_items = summaries.aggregate(n=Sum("line_items"))["n"] or 0
    CostSummaryState.objects.update_or_create(integration_id=iid, defaults={"line_items": line_items})


def rebuild_cost_summaries(integrations=None) -> None:
    """Rebuild the given integrations' summaries from scratch, one transaction each; without
    ``integrations``, everyone's in ONE transaction of a few set-based statements (after a bulk load)."""
    if integrations is not None:
        for integration in integrations:
            with transaction.atomic():
                refresh_cost_summaries(integration)
        return
    qn = connection.ops.quote_name
    state = qn(CostSummaryState._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (CostDimensionValue, CostMonthlySummary, CostSummaryState):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
        cursor.execute(_summary_insert_sql(connection.vendor, qn, window=False, everything=True))
        cursor.execute(
            f"INSERT INTO {qn(CostDimensionValue._meta.db_table)} ({qn('integration_id')}, {qn('dimension')}, "
            f"{qn('value')}) " + _dimension_values_sql(qn, everything=True)
        )
        cursor.execute(
            f"INSERT INTO {state} ({qn('integration_id')}, {qn('line_items')}, {qn('updated_at')}) "
            f"SELECT i.{qn('id')}, COALESCE((SELECT SUM(s.{qn('line_items')}) FROM "
            f"{qn(CostMonthlySummary._meta.db_table)} s WHERE s.{qn('integration_id')} = i.{qn('id')}), 0), %s "
            f"FROM {qn(Integration._meta.db_table)} i",
            [timezone.now()],
        )


def ensure_default_report(workspace) -> CostReport:
    report = CostReport.objects.filter(workspace=workspace, is_default=True).first()
    if report is not None:
        return report
    try:
        with transaction.atomic():
            return CostReport.objects.create(workspace=workspace, title=CostReport.DEFAULT_TITLE, is_default=True)
    except IntegrityError:  # created by a concurrent request
        return CostReport.objects.get(workspace=workspace, is_default=True)


def report_settings(filterset, settings_form) -> dict:
    """The model fields a valid FilterSet and ReportSettingsForm describe."""
    cleaned, data = settings_form.cleaned_data, filterset.form.cleaned_data
    custom = data.get("date_range") in (None, "", "custom")
    return {
        "filters": filterset.active_filters(),
        "groupings": cleaned["group_by"],
        "date_range": "custom" if custom else data["date_range"],
        "start_date": data.get("start_date") if custom else None,
        "end_date": data.get("end_date") if custom else None,
        "date_bin": cleaned["bin"],
        "chart_type": cleaned["chart"],
        "mode": cleaned["mode"],
        "compare_previous": cleaned["compare"],
    }


def can_change(report: CostReport, user, role: str | None) -> bool:
    """Editors and owners change their own reports; owners change anyone's. Never the default."""
    if report.is_default or role not in EDIT_ROLES:
        return False
    return role == Role.OWNER or report.created_by_id == user.pk


def create_report(workspace, user, title: str, settings: dict) -> CostReport:
    return CostReport.objects.create(workspace=workspace, created_by=user, title=title, **settings)


def save_report(report: CostReport, *, title: str | None = None, settings: dict | None = None) -> CostReport:
    if report.is_default:
        raise DefaultReportError(f"“{report.title}” is the default report and cannot be changed; use Save as new.")
    if title is not None:
        report.title = title
    for name, value in (settings or {}).items():
        setattr(report, name, value)
    report.save()
    return report


def delete_report(report: CostReport) -> None:
    if report.is_default:
        raise DefaultReportError(f"“{report.title}” is the default report and cannot be deleted.")
    report.delete()


def month_to_date_costs(workspace, reports, today: date | None = None) -> dict[int, dict[str, Decimal] | None]:
    """Each report's cost this month (UTC) per currency, from ONE query of conditional sums.

    ``None`` for a report whose filters name a dimension that no longer exists.
    """
    today = today or utc_today()
    conditions = {report.pk: saved_filters_q(report.filters, workspace) for report in reports}
    sums = {f"r{pk}": ExactSum("cost", filter=q) for pk, q in conditions.items() if q is not None}
    out: dict[int, dict[str, Decimal] | None] = {pk: (None if q is None else {}) for pk, q in conditions.items()}
    if not sums:
        return out
    rows = (
        workspace_line_items(workspace)
        .filter(date__gte=month_start(today), date__lte=today)
        .order_by()
        .values("currency")
        .annotate(**sums)
    )
    for row in rows:
        for pk in conditions:
            value = row.get(f"r{pk}")
            if value is not None:
                out[pk][row["currency"]] = value
    return out
