"""Integrations: a connected cloud account, its ingestion runs and the Twilio category catalog."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from encrypted_model_fields.fields import EncryptedCharField

from costs.models import UsageAmounts
from vantage.lib.money import MONEY
from vantage.lib.text import refuse_bidi_controls
from vantage.models import Workspace


class Provider(models.TextChoices):
    TWILIO = "twilio", "Twilio"


class IntegrationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    ERROR = "error", "Error"


class IntegrationQuerySet(models.QuerySet):
    def in_workspace(self, workspace):
        return self.filter(workspaces=workspace)

    def for_user(self, user):
        return self.filter(workspaces__memberships__user=user).distinct()


class Integration(models.Model):
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.TWILIO)
    account_name = models.CharField(
        "Account Name", max_length=100, validators=[refuse_bidi_controls],
        help_text="Unique across all Twilio integrations; shown as the Billing Account.",
    )
    description = models.CharField(max_length=500, blank=True, validators=[refuse_bidi_controls])
    account_sid = models.CharField("Account SID", max_length=34)
    # Credentials: encrypted at rest with FIELD_ENCRYPTION_KEY, write-only everywhere else.
    api_key_sid = EncryptedCharField("API Key", max_length=64)
    api_secret = EncryptedCharField("API Secret", max_length=128)
    workspaces = models.ManyToManyField(Workspace, related_name="integrations", blank=True)

    status = models.CharField(max_length=12, choices=IntegrationStatus.choices, default=IntegrationStatus.PENDING)
    status_message = models.TextField(blank=True)
    import_windows_total = models.PositiveIntegerField(default=0)
    import_windows_done = models.PositiveIntegerField(default=0)
    import_records_read = models.PositiveIntegerField(default=0)
    import_started_at = models.DateTimeField(null=True, blank=True)
    history_back_to = models.DateField(
        null=True, blank=True,
        help_text="Earlier history: the first month an unfinished import of earlier months goes back to "
        "(Retry continues it; cleared when it completes or another import starts).",
    )
    last_refreshed_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["account_name"]
        constraints = [
            models.UniqueConstraint("provider", Lower("account_name"), name="integration_account_name_unique_ci"),
            models.UniqueConstraint(fields=["provider", "account_sid"], name="integration_account_sid_unique"),
        ]

    def __str__(self):
        return self.account_name

    def save_fields(self, **fields) -> None:
        """Write ``fields`` (and ``updated_at``) in one UPDATE that leaves every other column alone, so an
        import's progress counters, bumped with F() expressions meanwhile, are never overwritten. Plain
        values are set on this instance too."""
        type(self).objects.filter(pk=self.pk).update(**fields, updated_at=timezone.now())
        for name, value in fields.items():
            if not hasattr(value, "resolve_expression"):
                setattr(self, name, value)

    @property
    def masked_account_sid(self):
        return f"AC…{self.account_sid[-4:]}" if self.account_sid else ""

    @property
    def progress_percent(self):
        if not self.import_windows_total:
            return 100 if self.status == IntegrationStatus.IMPORTED else 0
        return round(100 * self.import_windows_done / self.import_windows_total)


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    BACKFILL = "backfill", "Initial import"
    REFRESH = "refresh", "Daily refresh"
    MANUAL = "manual", "Sync now"
    COMMAND = "command", "Management command"
    EARLIER = "earlier", "Earlier history"


class IngestionRun(models.Model):
    """One window of one import: what was read, written and how it reconciled."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL)
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    pages = models.PositiveIntegerField(default=0)
    records_read = models.PositiveIntegerField(default=0)
    line_items_written = models.PositiveIntegerField(default=0)
    unknown_records = models.PositiveIntegerField(default=0)
    twilio_total = models.DecimalField(null=True, blank=True, **MONEY)
    reconciliation_difference = models.DecimalField(null=True, blank=True, **MONEY)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["integration", "status", "start_date"])]

    def __str__(self):
        return f"{self.integration} {self.start_date}..{self.end_date} ({self.status})"


class CategoryRole(models.TextChoices):
    TOTAL = "total", "Grand total (totalprice)"
    ROLLUP = "rollup", "Roll-up (sum of others; skipped)"
    LEAF = "leaf", "Leaf (becomes a line item)"
    UNKNOWN = "unknown", "Unknown (seen, not yet classified)"


class TwilioUsageCategory(models.Model):
    """The catalog: seeded from integrations/twilio/catalog.csv, overridable by operators."""

    name = models.CharField(max_length=128, unique=True)
    service = models.CharField(max_length=64, default="Other")
    role = models.CharField(max_length=10, choices=CategoryRole.choices, default=CategoryRole.LEAF)
    comment = models.TextField(blank=True)
    overridden = models.BooleanField(
        default=False, help_text="Set when an operator edits the row; the seed file then leaves it alone."
    )
    first_seen_at = models.DateTimeField(null=True, blank=True, help_text="For unknown categories: first seen in data.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "Twilio usage category"
        verbose_name_plural = "Twilio usage categories"

    def __str__(self):
        return self.name


class UnclassifiedUsage(UsageAmounts):
    """Records in categories the catalog does not know: kept aside, never counted as line items.

    Their cost is inside Twilio's ``totalprice``, so it reaches reports through the day's
    ``unattributed`` residual until an operator classifies the category and re-imports.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="unclassified_usage")
    account_id = models.CharField(max_length=34)
    date = models.DateField()
    category = models.CharField(max_length=128)
    description = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "account_id", "date", "category"], name="unclassified_unique"
            )
        ]
        indexes = [models.Index(fields=["category"])]
