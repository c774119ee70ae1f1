"""Cost reports in the database: group by registered dimensions, bin dates, sum per currency.

``ReportQuery`` turns a (workspace-scoped, filtered) ``CostLineItem`` queryset into aggregated rows
with ONE grouped query, ordered so rows of one group arrive together and can be pivoted (groups x
bins) while streaming, for the page and the CSV export alike. The previous period's totals come
from one more query. Python only ever loops over these aggregated rows.

Given ``summary`` (the same filters over ``CostMonthlySummary``), a query reads it instead of the line
items whenever the answer cannot differ; both give the same rows. Money in different currencies is
never added: every group row, column total and headline figure is per currency (and, in usage mode,
per normalised usage unit).

The package, one job per module (each imports only the ones above it):

* ``rows``: ``ReportRow`` (one group x bin), ``GroupRow`` (one group across bins), ``sum_or_none``;
* ``truncation``: date bins in SQL (native on SQLite) and ``SumOver`` for the group totals;
* ``eligibility``: when the monthly summary gives the same answer (``summary_safe``); the only
  module that reads Django's private query classes;
* ``splits``: split virtual tag values (``shared`` weights filtered rows, ``share_out`` groups);
* ``pivot``: aggregated rows -> one ``GroupRow`` per group;
* ``query``: ``ReportQuery``, the SQL;
* ``assembly``: ``build_report`` -> ``Report`` with its column totals and headlines.

For the API engineers::

    fs = CostLineItemFilterSet(params, queryset=scoped_qs, request=request)
    if fs.is_valid():
        start, end = fs.date_bounds
        query = ReportQuery(fs.filter_dimensions(), start=start, end=end, group_by=["service"],
                            bin="month", mode="spend", workspace=request.workspace,
                            summary=scoping.filtered_cost_summary(fs))  # optional, same rows, faster
        for row in query.rows(): ...          # ReportRow(bin, groups, currency, unit, cost, usage)
        report = build_report(query, compare=True)   # pivoted groups, column and headline totals
"""

from .assembly import ColumnTotal, Report, build_report, column_total, table_cells
from .eligibility import summary_safe
from .query import ReportQuery
from .rows import ReportRow
from .splits import shared

# What the rest of costs (and tagging, tests, bench) uses; the other names stay in their modules.
__all__ = [
    "ColumnTotal",
    "Report",
    "ReportQuery",
    "ReportRow",
    "build_report",
    "column_total",
    "shared",
    "summary_safe",
    "table_cells",
]
