"""The choices and limits of anomalies (one home: models, forms, API and the engine's callers read them)."""

from decimal import Decimal

from django.db import models

DEFAULT_MIN_AMOUNT = Decimal("20.00")  # a change smaller than this is noise, whatever its %
DEFAULT_MIN_PERCENT = Decimal("20")
MAX_AMOUNT = Decimal("1000000000")
MAX_PERCENT = Decimal("1000")
ACTIVE_DAYS = 7  # an anomaly stays active this many days after its date, then it is archived
MAX_SUPPRESS_DAYS = 365
DEFAULT_SUPPRESS_DAYS = 30


class AnomalyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"
    IGNORED = "ignored", "Ignored"


class Feedback(models.TextChoices):
    NONE = "", "No feedback"
    EXPECTED = "expected", "Expected (a known change)"
    ACTIONABLE = "actionable", "Unexpected: we acted on it"
    NOT_ANOMALY = "not_anomaly", "Not an anomaly (noise)"


class Direction(models.TextChoices):
    SPIKE = "spike", "Spike"
    DROP = "drop", "Drop"
