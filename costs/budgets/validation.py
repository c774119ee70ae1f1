"""The rules of budgets and alerts, in one home: the forms, the CSV import, the API and the admin call these.

Each raises ``django.core.exceptions.ValidationError`` with a message a person can act on; callers put
it next to the field (forms), name the row and column (CSV) or the field (API, 400).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from ..filtersets import saved_filters_q
from ..scoping import workspace_line_items
from .choices import MAX_AMOUNT, MAX_DEPTH, MAX_THRESHOLD, MAX_WINDOW_DAYS, MIN_THRESHOLD, Window

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    start_month: date
    end_month: date | None
    amount: Decimal


def parse_amount(value) -> Decimal:
    """A month's budget: a number, not negative, at most two decimals, under a trillion."""
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "") if value is not None else ""
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(f"“{str(value)[:40]}” is not an amount: write a number like 1500 or 1500.50.") from None
    if not amount.is_finite():
        raise ValidationError("Write a finite number like 1500.50.")
    if amount < 0:
        raise ValidationError("A budget cannot be negative.")
    if amount >= MAX_AMOUNT:
        raise ValidationError(f"{amount:,.2f} a month is not a plausible budget (the limit is 1,000,000,000,000).")
    if amount != amount.quantize(CENT):
        raise ValidationError("A budget has at most two decimals (cents).")
    return amount.quantize(CENT)


def parse_month(value) -> date:
    """``2026-01`` (or ``2026-01-01``, or a date on the 1st) as the month's first day."""
    if isinstance(value, date):
        if value.day != 1:
            raise ValidationError(f"{value.isoformat()} is not the first day of a month.")
        return value
    match = MONTH_RE.match(str(value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationError(f"“{str(value)[:20]}” is not a month: write YYYY-MM, e.g. 2026-01.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def check_periods(periods: Sequence[Period]) -> None:
    """Each period ends after it starts; no month is in two periods."""
    for p in periods:
        if p.end_month is not None and p.end_month < p.start_month:
            raise ValidationError(f"The period starting {p.start_month:%Y-%m} ends before it starts.")
    ordered = sorted(periods, key=lambda p: p.start_month)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.end_month is None or before.end_month >= after.start_month:
            raise ValidationError(
                f"Periods overlap: {after.start_month:%Y-%m} is already in the period starting "
                f"{before.start_month:%Y-%m}. A month can have one amount only."
            )


def check_report(workspace, report) -> None:
    if report is None or report.workspace_id != workspace.pk:
        raise ValidationError("Choose one of this workspace's cost reports.")


def report_currencies(workspace, report) -> list[str]:
    """The billing currencies of a report's costs (one small DISTINCT query)."""
    q = saved_filters_q(report.filters, workspace)
    rows = workspace_line_items(workspace)
    if q is not None:
        rows = rows.filter(q)
    return sorted(set(rows.order_by().values_list("currency", flat=True).distinct()))


def budget_currency(workspace, report, currency: str | None) -> str:
    """The currency a budget of ``report`` is in: the workspace's reporting currency when it converts, else
    the report's single billing currency. A mismatch is refused with the reason."""
    currency = (currency or "").strip().upper()
    if workspace.reporting_currency:
        if currency and currency != workspace.reporting_currency:
            raise ValidationError(
                f"This workspace reports in {workspace.reporting_currency}: a budget must be in "
                f"{workspace.reporting_currency}, not {currency}."
            )
        return workspace.reporting_currency
    billed = report_currencies(workspace, report)
    if len(billed) > 1:
        raise ValidationError(
            f"“{report.title}” has costs in {', '.join(billed)}: set a reporting currency for the workspace "
            "(Settings, Workspace) so that one budget can cover them."
        )
    if billed and currency and currency != billed[0]:
        raise ValidationError(f"“{report.title}” is billed in {billed[0]}: a budget of it must be in {billed[0]}.")
    if not (currency or billed):
        raise ValidationError("Give the budget's currency (the report has no costs yet to tell it).")
    return currency or billed[0]


def _depth(budget) -> int:
    """Levels from the root down to ``budget`` (a root is 1); stops on a cycle."""
    depth, seen, node = 1, {budget.pk}, budget
    while node.parent_id is not None and node.parent_id not in seen:
        seen.add(node.parent_id)
        node = node.parent
        depth += 1
    return depth


def subtree_height(budget, children_of) -> int:
    """Levels of ``budget``'s subtree (itself alone: 1). ``children_of(pk)`` lists the children's pks."""
    height, level, seen = 0, [budget.pk], set()
    while level:
        height += 1
        seen.update(level)
        level = [c for pk in level for c in children_of(pk) if c not in seen]
    return height


def check_parent(budget, parent, *, has_periods: bool, children_of=None) -> None:
    """``parent`` may take ``budget`` as a child: same workspace, no periods of its own, no cycle, 10 levels."""
    if parent is None:
        return
    if budget.pk is not None and parent.pk == budget.pk:
        raise ValidationError("A budget cannot be its own parent.")
    if parent.workspace_id != budget.workspace_id:
        raise ValidationError("Choose a parent budget of this workspace.")
    if parent.pk is not None and parent.periods.exists():
        raise ValidationError(f"“{parent.name}” has periods of its own: a parent budget only adds up its children.")
    node, seen = parent, set()
    while node is not None and node.pk not in seen:
        if budget.pk is not None and node.pk == budget.pk:
            raise ValidationError(f"“{parent.name}” is under “{budget.name}”: that would make a cycle.")
        seen.add(node.pk)
        node = node.parent
    if children_of is None:
        def children_of(pk):
            return list(type(budget).objects.filter(parent_id=pk).values_list("pk", flat=True))
    height = subtree_height(budget, children_of) if budget.pk is not None else 1
    if _depth(parent) + height > MAX_DEPTH:
        raise ValidationError(f"That would make the hierarchy deeper than {MAX_DEPTH} levels.")


def check_children(budget, children: Iterable) -> None:
    """``children`` may all sit under ``budget``: each once, none an ancestor of it, none ``budget`` itself."""
    seen = set()
    for child in children:
        if child.pk in seen:
            raise ValidationError(f"“{child.name}” is listed twice: a budget sits in one place only.")
        seen.add(child.pk)
        if child.workspace_id != budget.workspace_id:
            raise ValidationError("Child budgets must be of this workspace.")
        check_parent(child, budget, has_periods=False)


def parse_thresholds(values) -> list[int]:
    """Percentages of the month's budget, each a whole number from 1 to 1000; at least one, no repeats."""
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,;%]+", values) if v]
    if not isinstance(values, list | tuple) or not values:
        raise ValidationError("Give at least one threshold, e.g. 50, 80, 100.")
    out = []
    for raw in values:
        try:
            number = int(str(raw).strip())
        except (TypeError, ValueError):
            raise ValidationError(f"“{str(raw)[:20]}” is not a whole percentage.") from None
        if isinstance(raw, float) and raw != number:
            raise ValidationError(f"“{raw}” is not a whole percentage.")
        if not MIN_THRESHOLD <= number <= MAX_THRESHOLD:
            raise ValidationError(f"{number}% is outside {MIN_THRESHOLD} to {MAX_THRESHOLD}%.")
        out.append(number)
    if len(set(out)) != len(out):
        raise ValidationError("Each threshold once.")
    return sorted(out)


def check_window(window: str, days) -> int | None:
    if window == Window.NONE:
        return None
    if days in (None, "") or not str(days).isdigit() or not 1 <= int(days) <= MAX_WINDOW_DAYS:
        raise ValidationError(f"Give N, the number of days, from 1 to {MAX_WINDOW_DAYS}.")
    return int(days)


def check_members(workspace, users) -> None:
    outsiders = [u for u in users if not workspace.memberships.filter(user=u).exists()]
    if outsiders:
        raise ValidationError("Recipients must be members of this workspace.")


def check_webhooks(workspace, hooks) -> None:
    if any(h.workspace_id != workspace.pk for h in hooks):
        raise ValidationError("Webhooks must be this workspace's.")
