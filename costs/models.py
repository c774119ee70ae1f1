"""Cost line items: one row per integration x account x UTC day x category, plus Twilio's totals."""

from django.db import models

from integrations.models import MONEY, Integration

UNATTRIBUTED_CATEGORY = "unattributed"
UNATTRIBUTED_SERVICE = "Unattributed"


class ChargeType(models.TextChoices):
    USAGE = "Usage", "Usage"
    CREDIT = "Credit", "Credit"


class CostLineItem(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="cost_line_items")
    account_id = models.CharField("Account", max_length=34)
    date = models.DateField()
    service = models.CharField(max_length=64)
    category = models.CharField(max_length=128)
    charge_type = models.CharField(max_length=16, default=ChargeType.USAGE)
    description = models.CharField(max_length=255, blank=True)
    # NULL when Twilio reported no price: unknown is never silently 0 (the day's residual covers it).
    cost = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3)
    usage = models.DecimalField(null=True, blank=True, **MONEY)
    usage_unit = models.CharField(max_length=32, blank=True)
    count = models.DecimalField(null=True, blank=True, **MONEY)
    count_unit = models.CharField(max_length=32, blank=True)

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
        ]

    def __str__(self):
        return f"{self.date} {self.category} {self.cost} {self.currency}"


class BilledTotal(models.Model):
    """Twilio's ``totalprice`` for one account and UTC day: the truth reports reconcile to."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="billed_totals")
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

    @property
    def difference(self):
        return self.amount - self.attributed
