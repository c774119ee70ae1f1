"""The rules of cost alerts and report digests, one home for the forms, the API and the admin.

``check_alert`` and ``check_digest`` return ``{field: [messages]}`` (empty: valid) and normalise the input
in place (thresholds parsed to ``Decimal``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from vantage.lib.text import bidi_problem

from .choices import MAX_AMOUNT, MAX_PERCENT, MAX_REPORTS, MIN_PERCENT, Direction, Frequency, Period


@dataclass
class AlertInput:
    name: str
    reports: Sequence
    percent: object = None
    amount: object = None
    direction: str = Direction.UP
    period: str = Period.DAY
    recipients: Sequence = ()
    webhooks: Sequence = ()
    is_active: bool = True


@dataclass
class DigestInput:
    report: object
    frequency: str = Frequency.WEEKLY
    recipients: Sequence = ()
    webhooks: Sequence = ()
    is_active: bool = True


def parse_decimal(value, what: str) -> Decimal | None:
    """A number written as text or a number (``None`` or blank: not given)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | list | dict):
        raise ValidationError(f"Write the {what} as a number like 25 or 25.5.")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(f"Write the {what} as a number like 25 or 25.5.") from None
    if not number.is_finite():
        raise ValidationError(f"Write the {what} as a number like 25 or 25.5.")
    return number


def parse_percent(value) -> Decimal | None:
    percent = parse_decimal(value, "percentage")
    if percent is not None and not MIN_PERCENT <= percent <= MAX_PERCENT:
        raise ValidationError(f"The % threshold must be between {MIN_PERCENT} and {MAX_PERCENT}.")
    return None if percent is None else percent.quantize(Decimal("0.01"))


def parse_amount(value) -> Decimal | None:
    amount = parse_decimal(value, "amount")
    if amount is not None and not Decimal(0) < amount <= MAX_AMOUNT:
        raise ValidationError(f"The amount threshold must be more than 0 and at most {MAX_AMOUNT:,}.")
    return None if amount is None else amount.quantize(Decimal("0.01"))


def check_reports(workspace, reports) -> None:
    if not reports:
        raise ValidationError("Choose at least one cost report.")
    if len(reports) > MAX_REPORTS:
        raise ValidationError(f"An alert watches at most {MAX_REPORTS} cost reports.")
    if any(r is None or r.workspace_id != workspace.pk for r in reports):
        raise ValidationError("Cost reports must be this workspace's.")


def check_audience(workspace, recipients, webhooks) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    members = set(workspace.memberships.values_list("user_id", flat=True))
    if any(u.pk not in members for u in recipients):
        errors["recipients"] = ["Recipients must be members of this workspace."]
    if any(h.workspace_id != workspace.pk for h in webhooks):
        errors["webhooks"] = ["Webhooks must be this workspace's."]
    if not recipients and not webhooks:
        errors["recipients"] = ["Choose at least one member to email or one webhook."]
    return errors


def _run(errors: dict, name: str, check) -> None:
    try:
        check()
    except ValidationError as error:
        errors.setdefault(name, []).extend(error.messages)


def check_alert(workspace, data: AlertInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (data.name or "").strip():
        errors["name"] = ["Give the alert a name."]
    elif (problem := bidi_problem(data.name)) is not None:  # a name must read as what it is
        errors["name"] = problem.messages
    _run(errors, "reports", lambda: check_reports(workspace, list(data.reports)))

    def percent():
        data.percent = parse_percent(data.percent)

    def amount():
        data.amount = parse_amount(data.amount)

    _run(errors, "percent", percent)
    _run(errors, "amount", amount)
    if data.percent is None and data.amount is None and not ({"percent", "amount"} & set(errors)):
        errors["percent"] = ["Set a % threshold, an amount threshold, or both (then both must be crossed)."]
    if data.direction not in Direction.values:
        errors["direction"] = [f"Choose one of: {', '.join(Direction.values)}."]
    if data.period not in Period.values:
        errors["period"] = [f"Choose one of: {', '.join(Period.values)}."]
    for name, messages in check_audience(workspace, data.recipients, data.webhooks).items():
        errors.setdefault(name, []).extend(messages)
    return errors


def check_digest(workspace, data: DigestInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.report is None or data.report.workspace_id != workspace.pk:
        errors["report"] = ["Choose one of this workspace's cost reports."]
    if data.frequency not in Frequency.values:
        errors["frequency"] = [f"Choose one of: {', '.join(Frequency.values)}."]
    for name, messages in check_audience(workspace, data.recipients, data.webhooks).items():
        errors.setdefault(name, []).extend(messages)
    return errors
