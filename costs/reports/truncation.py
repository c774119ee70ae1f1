"""Date bins in SQL, and the window sum that orders groups by their total.

Django's Trunc* on SQLite call a Python function for every row; on a DateField these compile to
SQLite's own date() arithmetic instead (same results, much faster). PostgreSQL keeps date_trunc()
(except for days: a date truncated to its day is itself).
"""

from __future__ import annotations

from django.db.models import DateField, Func
from django.db.models import functions as db_functions

from ..choices import DateBin


class _NativeSQLiteTrunc:
    sqlite_modifiers = ""

    def as_sqlite(self, compiler, connection, **extra_context):
        if type(self.lhs.output_field) is not DateField:
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        return self.sqlite_template.format(sql=sql), params


class TruncDay(_NativeSQLiteTrunc, db_functions.TruncDay):
    sqlite_template = "date({sql})"

    def as_postgresql(self, compiler, connection, **extra_context):
        if type(self.lhs.output_field) is DateField:  # a day is already a day
            return compiler.compile(self.lhs)
        return self.as_sql(compiler, connection, **extra_context)


class TruncWeek(_NativeSQLiteTrunc, db_functions.TruncWeek):
    # 'weekday 0' moves to the next Sunday (or stays on one); six days back is that week's Monday.
    sqlite_template = "date({sql}, 'weekday 0', '-6 days')"


class TruncMonth(_NativeSQLiteTrunc, db_functions.TruncMonth):
    sqlite_template = "date({sql}, 'start of month')"


class TruncQuarter(_NativeSQLiteTrunc, db_functions.TruncQuarter):
    # '%%': the SQL is %-formatted with its parameters (and by DEBUG's query log)
    sqlite_template = (
        "date({sql}, 'start of month', '-' || ((CAST(strftime('%%m', {sql}) AS INTEGER) - 1) %% 3) || ' months')"
    )


TRUNC = {
    DateBin.DAY: TruncDay,
    DateBin.WEEK: TruncWeek,
    DateBin.MONTH: TruncMonth,
    DateBin.QUARTER: TruncQuarter,
    DateBin.CUMULATIVE: TruncDay,  # cumulative: one column, but daily points for the running line
}


class SumOver(Func):
    """``SUM(<aggregate>)`` usable in an OVER clause: the total of a group across its bins."""

    function = "SUM"
    window_compatible = True
