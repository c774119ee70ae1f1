"""The rules every writer of anomaly settings applies (forms, API, admin): one home for each."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from .choices import MAX_AMOUNT, MAX_PERCENT, MAX_SUPPRESS_DAYS


def check_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError("Enter an amount, e.g. 20 or 20.50.") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(f"Enter an amount between 0 and {MAX_AMOUNT:,}.")
    return amount.quantize(Decimal("0.01"))


def check_percent(value) -> Decimal:
    try:
        percent = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError("Enter a percentage, e.g. 20.") from None
    if not percent.is_finite() or percent < 0 or percent > MAX_PERCENT:
        raise ValidationError(f"Enter a percentage between 0 and {MAX_PERCENT}.")
    return percent.quantize(Decimal("0.01"))


def check_suppress_days(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError("Enter a number of days.") from None
    if not 0 <= days <= MAX_SUPPRESS_DAYS:
        raise ValidationError(f"Between 0 and {MAX_SUPPRESS_DAYS} days.")
    return days


def check_report(workspace, report) -> None:
    if report is None or report.workspace_id != workspace.pk:
        raise ValidationError("Choose one of this workspace's cost reports.")


def check_targets(workspace, recipients, webhooks) -> None:
    """Recipients must be members with an email; webhooks the workspace's; at least one of them."""
    members = set(workspace.memberships.values_list("user_id", flat=True))
    strangers = [u for u in recipients if u.pk not in members]
    if strangers:
        raise ValidationError("Recipients must be members of this workspace.")
    without = [u.username for u in recipients if not u.email]
    if without:
        raise ValidationError(f"No email address for {', '.join(without)}: set it in their profile first.")
    if any(h.workspace_id != workspace.pk for h in webhooks):
        raise ValidationError("Choose webhooks of this workspace.")
    if not recipients and not webhooks:
        raise ValidationError("Choose at least one recipient or webhook.")
