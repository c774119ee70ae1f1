"""The limits and choices of budgets and their alerts (one home: models, forms, CSV and API read them)."""

from decimal import Decimal

from django.db import models

MAX_DEPTH = 10  # levels of a budget hierarchy, as Vantage allows (a root alone is level 1)
MAX_AMOUNT = Decimal("1000000000000")  # a month's budget above a trillion is a typo, not a budget
MIN_THRESHOLD, MAX_THRESHOLD = 1, 1000  # percent of the month's budget
MAX_WINDOW_DAYS = 31


class Basis(models.TextChoices):
    ACTUAL = "actual", "Actual spend"
    FORECAST = "forecast", "Forecast for the month"


class Window(models.TextChoices):
    NONE = "none", "Any day of the month"
    FIRST = "first", "Only in the first N days of the month"
    LAST = "last", "Only in the last N days of the month"
