"""A report's cost per group in two consecutive periods: ONE grouped query through ``costs.reports``.

The report's own saved filters and groupings (per service when it has none), binned by the period, in
the workspace's reporting currency (billing currencies when it has none). Python only loops over the
aggregated rows (a few per group).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from vantage.lib.money import percent_of

from ..choices import DateRange, Mode, Sort
from ..dimensions import UnknownDimension
from ..filtersets import saved_filters_q
from ..reports import ReportQuery
from ..scoping import workspace_line_items

ZERO = Decimal(0)


@dataclass(frozen=True)
class GroupChange:
    groups: tuple
    label: str
    currency: str
    previous: Decimal
    current: Decimal

    @property
    def key(self) -> str:
        """What identifies the group in a recorded event: its values and currency."""
        return json.dumps([*(None if g is None else str(g) for g in self.groups), self.currency])[:200]

    @property
    def change(self) -> Decimal:
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        """The change in % of the previous period (``None`` when that cost nothing)."""
        return percent_of(self.change, self.previous)


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def report_changes(report, period: str, previous_start: date, start: date, end: date) -> list[GroupChange] | None:
    """Each group's cost in ``previous_start..start-1`` and in ``start..end`` (``period`` bins); ``None`` when
    the report cannot be read (a filter or grouping names a dimension that no longer exists)."""
    workspace = report.workspace
    condition = saved_filters_q(report.filters, workspace)
    if condition is None:
        return None
    try:
        query = ReportQuery(workspace_line_items(workspace).filter(condition), start=previous_start, end=end,
                            group_by=list(report.groupings or []) or ["service"], bin=period, mode=Mode.SPEND,
                            sort=Sort.NAME, workspace=workspace, currency=workspace.reporting_currency or None)
    except (UnknownDimension, ValueError):
        return None
    out = []
    for row in query.groups():
        costs = {_as_date(k): v for k, v in row.costs.items()}
        out.append(GroupChange(row.groups, " / ".join(str(x) for x in query.labels(row.groups)), row.currency,
                               costs.get(previous_start) or ZERO, costs.get(start) or ZERO))
    return out


def report_link(report, period: str, start: date, end: date) -> str:
    """The report over the period, binned by it: an absolute URL (``SITE_URL``)."""
    params = {"date_range": DateRange.CUSTOM, "start_date": start.isoformat(), "end_date": end.isoformat(),
              "bin": period}
    path = reverse("costs:report_detail", args=[report.pk])
    return f"{absolute(path)}?{urlencode(params)}"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"
