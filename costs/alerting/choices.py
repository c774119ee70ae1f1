"""The limits and choices of cost alerts and report digests (one home: models, forms, API and admin read them)."""

from decimal import Decimal

from django.db import models

MAX_REPORTS = 10  # cost reports per alert
MIN_PERCENT, MAX_PERCENT = Decimal(1), Decimal(1000)  # a % threshold
MAX_AMOUNT = Decimal("1000000000")  # a change of more than a billion a period is a typo, not a threshold
TOP_GROUPS = 5  # lines of a digest's "top groups" and "biggest movers"


class Direction(models.TextChoices):
    UP = "up", "Up (an increase)"
    DOWN = "down", "Down (a decrease)"
    EITHER = "either", "Either way"


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week (Monday to Sunday)"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily (the day before)"
    WEEKLY = "weekly", "Weekly, on Mondays (the week before)"
    MONTHLY = "monthly", "Monthly, on the 2nd (the month before)"
