"""Budget workflows: check and save a budget with its periods (all or nothing), alerts, delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from vantage.lib.text import bidi_problem

from . import validation
from .models import Budget, BudgetAlert, BudgetPeriod
from .validation import Period


@dataclass
class BudgetInput:
    """What a form, a CSV row or an API body says a budget is (``children`` only when given)."""

    name: str
    cost_report: object
    parent: Budget | None = None
    currency: str = ""
    periods: Sequence[Period] = ()
    children: Sequence[Budget] | None = None


@dataclass
class Checked:
    data: BudgetInput
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, error: ValidationError) -> None:
        self.errors.setdefault(name, []).extend(error.messages)


def check_budget(workspace, data: BudgetInput, instance: Budget | None = None) -> Checked:
    """Every rule at once, errors by field (``name``, ``cost_report``, ``currency``, ``parent``, ``periods``,
    ``child_budgets``); ``data.currency`` is set to the budget's currency when it is valid."""
    out = Checked(data)
    budget = instance or Budget(workspace=workspace)
    budget.workspace = workspace
    name = (data.name or "").strip()
    if not name:
        out.add("name", ValidationError("Give the budget a name."))
    elif len(name) > 100:
        out.add("name", ValidationError("At most 100 characters."))
    elif (problem := bidi_problem(name)) is not None:
        out.add("name", problem)
    elif Budget.objects.filter(workspace=workspace, name__iexact=name).exclude(pk=budget.pk).exists():
        out.add("name", ValidationError(f"There is already a budget named “{name}”."))
    data.name = name
    try:
        validation.check_report(workspace, data.cost_report)
    except ValidationError as error:
        out.add("cost_report", error)
    else:
        try:
            data.currency = validation.budget_currency(workspace, data.cost_report, data.currency)
        except ValidationError as error:
            out.add("currency", error)
    _check_tree(workspace, budget, data, out)
    return out


def _check_tree(workspace, budget: Budget, data: BudgetInput, out: Checked) -> None:
    try:
        validation.check_periods(list(data.periods))
    except ValidationError as error:
        out.add("periods", error)
    if data.periods and (data.children or (data.children is None and budget.pk and budget.children.exists())):
        out.add("periods", ValidationError("A parent budget adds up its children and has no periods of its own."))
    try:
        validation.check_parent(budget, data.parent, has_periods=bool(data.periods))
        if data.parent is not None and data.parent.currency != data.currency and "currency" not in out.errors:
            raise ValidationError(f"“{data.parent.name}” is in {data.parent.currency}: its children must be too.")
    except ValidationError as error:
        out.add("parent", error)
    if data.children and "parent" not in out.errors:
        budget.parent = data.parent  # in memory only: the children's checks walk up from the budget's new place
        try:
            validation.check_children(budget, data.children)
            if data.parent is not None and any(c.pk == data.parent.pk for c in data.children):
                raise ValidationError(f"“{data.parent.name}” cannot be both parent and child of this budget.")
            if any(c.currency != data.currency for c in data.children):
                raise ValidationError(f"Child budgets must be in {data.currency} too.")
        except ValidationError as error:
            out.add("child_budgets", error)


@transaction.atomic
def save_budget(workspace, user, data: BudgetInput, instance: Budget | None = None) -> Budget:
    """Save a checked budget with its periods (replacing the old ones) and, when given, its children."""
    budget = instance or Budget(workspace=workspace, created_by=user)
    budget.name, budget.cost_report, budget.parent = data.name, data.cost_report, data.parent
    budget.currency = data.currency
    budget.save()
    budget.periods.all().delete()
    BudgetPeriod.objects.bulk_create(
        BudgetPeriod(budget=budget, start_month=p.start_month, end_month=p.end_month, amount=p.amount)
        for p in data.periods
    )
    if data.children is not None:
        Budget.objects.filter(parent=budget).exclude(pk__in=[c.pk for c in data.children]).update(parent=None)
        Budget.objects.filter(pk__in=[c.pk for c in data.children]).update(parent=budget)
    return budget


@dataclass
class AlertInput:
    thresholds: object
    basis: str
    window: str
    window_days: object = None
    recipients: Sequence = ()
    webhooks: Sequence = ()
    is_active: bool = True


def check_alert(workspace, budget: Budget | None, data: AlertInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if budget is None or budget.workspace_id != workspace.pk:
        errors["budget"] = ["Choose one of this workspace's budgets."]

    def thresholds():
        data.thresholds = validation.parse_thresholds(data.thresholds)

    def window_days():
        data.window_days = validation.check_window(data.window, data.window_days)

    checks = {
        "thresholds": thresholds,
        "window_days": window_days,
        "recipients": lambda: validation.check_members(workspace, data.recipients),
        "webhooks": lambda: validation.check_webhooks(workspace, data.webhooks),
    }
    for name, check in checks.items():
        try:
            check()
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
    return errors


@transaction.atomic
def save_alert(budget: Budget, user, data: AlertInput, instance: BudgetAlert | None = None) -> BudgetAlert:
    alert = instance or BudgetAlert(created_by=user)
    alert.budget = budget
    alert.thresholds, alert.basis, alert.window = data.thresholds, data.basis, data.window
    alert.window_days, alert.is_active = data.window_days, data.is_active
    alert.save()
    alert.recipients.set(data.recipients)
    alert.webhooks.set(data.webhooks)
    return alert
