"""Choices shared by the report model, its forms, the FilterSet and (later) the API."""

from django.db import models


class DateRange(models.TextChoices):
    THIS_MONTH = "this_month", "This month"
    LAST_MONTH = "last_month", "Last month"
    LAST_7_DAYS = "last_7_days", "Last 7 days"
    LAST_30_DAYS = "last_30_days", "Last 30 days"
    LAST_90_DAYS = "last_90_days", "Last 90 days"
    LAST_3_MONTHS = "last_3_months", "Last 3 months"
    LAST_6_MONTHS = "last_6_months", "Last 6 months"
    LAST_12_MONTHS = "last_12_months", "Last 12 months"
    YEAR_TO_DATE = "year_to_date", "Year to date"
    CUSTOM = "custom", "Custom"


class DateBin(models.TextChoices):
    DAY = "day", "Daily"
    WEEK = "week", "Weekly"
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"
    CUMULATIVE = "cumulative", "Cumulative"


class ChartType(models.TextChoices):
    BAR = "bar", "Stacked bars"
    LINE = "line", "Lines"


class Mode(models.TextChoices):
    SPEND = "spend", "Spend"
    USAGE = "usage", "Usage"


class Operator(models.TextChoices):
    IS = "is", "is"
    NOT = "not", "is not"


class Sort(models.TextChoices):
    """Row order. The report query orders by total or name in SQL; the page's table also sorts its
    (aggregated) rows by the previous period or the change (``TABLE_SORTS``), which the query treats as name."""

    TOTAL_DESC = "total_desc", "Total, largest first"
    TOTAL_ASC = "total_asc", "Total, smallest first"
    NAME = "name", "Name, A to Z"
    NAME_DESC = "name_desc", "Name, Z to A"
    PREVIOUS_DESC = "previous_desc", "Previous period, largest first"
    PREVIOUS_ASC = "previous_asc", "Previous period, smallest first"
    CHANGE_DESC = "change_desc", "Change, largest increase first"
    CHANGE_ASC = "change_asc", "Change, largest decrease first"


# Sorts only the page's table applies (after the previous period is known); SQL orders these by name.
TABLE_SORTS = {Sort.NAME_DESC, Sort.PREVIOUS_DESC, Sort.PREVIOUS_ASC, Sort.CHANGE_DESC, Sort.CHANGE_ASC}


class Columns(models.TextChoices):
    """The report table's columns: one row per group with its total, previous period and change, or a
    column per date bin (the pivot)."""

    SUMMARY = "summary", "Total and change"
    BINS = "bins", "Per bin"


class ExportLayout(models.TextChoices):
    WIDE = "wide", "As shown (groups × date bins)"
    LONG = "long", "Long (one row per date bin and group)"
