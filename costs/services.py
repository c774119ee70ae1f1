"""Report workflows: the default report, saving and deleting reports, the report list's costs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q

from vantage.lib.dates import add_months, month_start, utc_today
from vantage.lib.money import ExactSum
from vantage.models import EDIT_ROLES, Role

from .choices import DateBin, DateRange
from .filtersets import saved_filters_q
from .models import CostReport
from .scoping import workspace_line_items


class DefaultReportError(Exception):
    """The default report ("All Resources") cannot be deleted or changed."""


# What "All Resources" shows: the last 30 days (today included) by day and service, compared with the 30
# days before. A picture on any day, the 1st of a month included (where "this month" would be one day).
DEFAULT_REPORT_SETTINGS = {
    "date_range": DateRange.LAST_30_DAYS,
    "date_bin": DateBin.DAY,
    "groupings": ["service"],
    "compare_previous": True,
}


def ensure_default_report(workspace) -> CostReport:
    report = CostReport.objects.filter(workspace=workspace, is_default=True).first()
    if report is not None:
        return report
    try:
        with transaction.atomic():
            return CostReport.objects.create(
                workspace=workspace, title=CostReport.DEFAULT_TITLE, is_default=True, **DEFAULT_REPORT_SETTINGS
            )
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


def month_to_date_costs(
    workspace, reports, today: date | None = None
) -> dict[int, dict[str, dict[str, Decimal]] | None]:
    """Each report's cost this month to date AND last month (UTC), per currency, from ONE query of
    conditional sums: ``{pk: {"month_to_date": {currency: cost}, "last_month": {currency: cost}}}``.

    Both, so the column means something on any day (on the 1st, this month is one day).
    ``None`` for a report whose filters name a dimension that no longer exists.
    """
    today = today or utc_today()
    this_month = month_start(today)
    last_month = add_months(this_month, -1)
    periods = {"month_to_date": Q(date__gte=this_month), "last_month": Q(date__lt=this_month)}
    conditions = {report.pk: saved_filters_q(report.filters, workspace) for report in reports}
    sums = {
        f"r{pk}_{period}": ExactSum("cost", filter=q & when)
        for pk, q in conditions.items()
        if q is not None
        for period, when in periods.items()
    }
    out = {pk: (None if q is None else {period: {} for period in periods}) for pk, q in conditions.items()}
    if not sums:
        return out
    rows = (
        workspace_line_items(workspace)
        .filter(date__gte=last_month, date__lte=today)
        .order_by()
        .values("currency")
        .annotate(**sums)
    )
    for row in rows:
        for pk, costs in out.items():
            for period in periods:
                value = None if costs is None else row.get(f"r{pk}_{period}")
                if value is not None:
                    costs[period][row["currency"]] = value
    return out
