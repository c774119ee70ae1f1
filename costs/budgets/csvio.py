"""Budgets as CSV in Vantage's shape: ``Budget Name,2026-01,2026-02,...`` with an optional ``Parent Budget``
column. Import checks every row and cell first and saves nothing when anything is wrong (row and column
named); a parent's cells are its children's sum, so on import they are not read."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from vantage.lib.csvcells import plain_cell, safe_row
from vantage.lib.dates import add_months, utc_today

from . import validation
from .choices import MAX_DEPTH
from .models import Budget, BudgetPeriod
from .performance import hierarchy, leaves_of, month_range, months_between
from .validation import Period

NAME, PARENT = "Budget Name", "Parent Budget"
MAX_ROWS = 1000


class CsvImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


def export_csv(workspace, today: date | None = None) -> str:
    """Every budget of the workspace, one row each, one column per month any of them covers."""
    budgets, children = hierarchy(workspace)
    span = month_range(list(budgets.values()), today or utc_today())
    months = months_between(*span) if span else []
    with_parent = any(b.parent_id for b in budgets.values())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # Names are people's text: a name starting ``=`` opens as text in a spreadsheet (``safe_row``), and reads
    # back as the name itself (``plain_cell`` in ``parse_csv``).
    writer.writerow([NAME, *([PARENT] if with_parent else []), *(f"{m:%Y-%m}" for m in months)])
    for budget in budgets.values():
        leaves = [budgets[pk] for pk in leaves_of(budget.pk, children)]
        cells = []
        for month in months:
            amounts = [a for leaf in leaves if (a := _amount(leaf, month)) is not None]
            cells.append(f"{sum(amounts, Decimal(0)):.2f}" if amounts else "")
        parent = budgets[budget.parent_id].name if budget.parent_id in budgets else ""
        writer.writerow(safe_row([budget.name, *([parent] if with_parent else []), *cells]))
    return out.getvalue()


def _amount(budget, month):
    return next((p.amount for p in budget.periods.all() if p.covers(month)), None)


def periods_from(cells: dict[date, Decimal]) -> list[Period]:
    """Consecutive months with the same amount as one period each."""
    periods: list[Period] = []
    for month in sorted(cells):
        last = periods[-1] if periods else None
        if last and last.amount == cells[month] and add_months(last.end_month, 1) == month:
            periods[-1] = Period(last.start_month, month, last.amount)
        else:
            periods.append(Period(month, month, cells[month]))
    return periods


def _outside(periods, columns: list[date]) -> list[Period]:
    """The parts of a budget's periods before the file's first month and after its last: the file does not
    speak of them, so an import keeps them (an exported open-ended budget stays open-ended)."""
    first, last = columns[0], columns[-1]
    kept = []
    for p in periods:
        if p.start_month < first:
            end = add_months(first, -1) if p.end_month is None or p.end_month >= first else p.end_month
            kept.append(Period(p.start_month, end, p.amount))
        if p.end_month is None or p.end_month > last:
            kept.append(Period(max(p.start_month, add_months(last, 1)), p.end_month, p.amount))
    return kept


def _joined(periods: list[Period]) -> list[Period]:
    """Adjacent periods of the same amount as one (open-ended when the later one is)."""
    out: list[Period] = []
    for p in sorted(periods, key=lambda p: p.start_month):
        last = out[-1] if out else None
        follows = last is not None and last.end_month is not None and add_months(last.end_month, 1) == p.start_month
        if follows and last.amount == p.amount:
            out[-1] = Period(last.start_month, p.end_month, last.amount)
        else:
            out.append(p)
    return out


@dataclass
class Row:
    line: int
    name: str
    parent: str
    cells: dict[date, Decimal] = field(default_factory=dict)


def _header(header: list[str], errors: list[str]) -> tuple[int | None, dict[int, date]]:
    clean = [h.strip() for h in header]
    if not clean or clean[0].lower() != NAME.lower():
        errors.append(f"Row 1: the first column must be “{NAME}”.")
    parent_at, months = None, {}
    for index, title in enumerate(clean[1:], start=1):
        if title.lower() == PARENT.lower():
            parent_at = index
            continue
        try:
            month = validation.parse_month(title)
        except ValidationError as error:
            errors.append(f"Row 1, column {index + 1}: {error.messages[0]}")
            continue
        if month in months.values():
            errors.append(f"Row 1, column {title}: this month is there twice.")
        months[index] = month
    return parent_at, months


def parse_csv(text: str) -> list[Row]:
    errors: list[str] = []
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not lines:
        raise CsvImportError(["The file is empty: the first row must be “Budget Name,2026-01,2026-02,...”."])
    if len(lines) > MAX_ROWS + 1:
        raise CsvImportError([f"At most {MAX_ROWS} budgets per file."])
    parent_at, months = _header(lines[0], errors)
    rows, seen = [], {}
    for line, values in enumerate(lines[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        parent = values[parent_at] if parent_at and parent_at < len(values) else ""
        row = Row(line, plain_cell(values[0].strip()), plain_cell(parent.strip()))
        if not row.name or len(row.name) > 100:
            errors.append(f"Row {line}, column {NAME}: give a name of at most 100 characters.")
        elif row.name.lower() in seen:
            errors.append(f"Row {line}, column {NAME}: “{row.name}” is already on row {seen[row.name.lower()]} "
                          "(a budget sits in one place only).")
        seen.setdefault(row.name.lower(), line)
        for index, month in months.items():
            raw = values[index].strip() if index < len(values) else ""
            if raw:
                try:
                    row.cells[month] = validation.parse_amount(raw)
                except ValidationError as error:
                    errors.append(f"Row {line}, column {month:%Y-%m}: {error.messages[0]}")
        rows.append(row)
    if errors:
        raise CsvImportError(errors)
    return rows


def _check_tree(rows: list[Row], existing: dict[str, Budget], currency: str) -> list[str]:
    """Parents known, no cycle, at most 10 levels, parents without periods of their own, one currency."""
    by_pk = {b.pk: b for b in existing.values()}
    parent_of = {n: (by_pk[b.parent_id].name.lower() if b.parent_id in by_pk else "") for n, b in existing.items()}
    parent_of.update({row.name.lower(): row.parent.lower() for row in rows})
    currency_of = {n: (existing[n].currency if n in existing else currency) for n in parent_of}
    in_file = {row.name.lower() for row in rows}
    errors = []
    for row in rows:
        where = f"Row {row.line}, column {PARENT}"
        if not row.parent:
            continue
        if row.parent.lower() not in parent_of:
            errors.append(f"{where}: there is no budget named “{row.parent}” in the file or the workspace.")
            continue
        chain, node = [row.name.lower()], row.parent.lower()
        while node and node not in chain:
            chain.append(node)
            node = parent_of.get(node, "")
        if node:
            errors.append(f"{where}: “{row.parent}” is under “{row.name}”: that would make a cycle.")
        elif len(chain) > MAX_DEPTH:
            errors.append(f"{where}: that would make the hierarchy deeper than {MAX_DEPTH} levels.")
        elif currency_of[row.parent.lower()] != currency_of[row.name.lower()]:
            errors.append(f"{where}: “{row.parent}” is in {currency_of[row.parent.lower()]}, "
                          f"“{row.name}” in {currency_of[row.name.lower()]}.")
        parent = existing.get(row.parent.lower())
        if row.parent.lower() not in in_file and parent is not None and parent.periods.exists():
            errors.append(f"{where}: “{row.parent}” has periods of its own: a parent only adds up its children.")
    return errors


def import_csv(workspace, user, text: str, cost_report) -> dict[str, int]:
    """Create or update (by name) every budget of the file; new ones budget ``cost_report``. All or nothing:
    raises ``CsvImportError`` listing every problem, row and column named, and saves nothing."""
    rows = parse_csv(text)
    try:
        validation.check_report(workspace, cost_report)
        currency = validation.budget_currency(workspace, cost_report, None)
    except ValidationError as error:
        raise CsvImportError([f"Cost report: {error.messages[0]}"]) from None
    existing = {b.name.lower(): b for b in Budget.objects.filter(workspace=workspace).prefetch_related("periods")}
    errors = _check_tree(rows, existing, currency)
    if errors:
        raise CsvImportError(errors)
    parents = {row.parent.lower() for row in rows if row.parent}
    parents |= {b.name.lower() for b in existing.values() if b.children.exists()}
    counts = {"created": 0, "updated": 0}
    columns = sorted({month for row in rows for month in row.cells})
    with transaction.atomic():
        saved = {}
        for row in rows:
            budget = existing.get(row.name.lower())
            counts["updated" if budget else "created"] += 1
            if budget is None:
                budget = Budget.objects.create(workspace=workspace, cost_report=cost_report, name=row.name,
                                               currency=currency, created_by=user)
            saved[row.name.lower()] = budget
            kept = _outside(list(budget.periods.all()), columns) if columns else []
            budget.periods.all().delete()
            if row.name.lower() not in parents:
                BudgetPeriod.objects.bulk_create(
                    BudgetPeriod(budget=budget, start_month=p.start_month, end_month=p.end_month, amount=p.amount)
                    for p in _joined(kept + periods_from(row.cells))
                )
        everyone = {**existing, **saved}
        for row in rows:
            parent = everyone.get(row.parent.lower()) if row.parent else None
            Budget.objects.filter(pk=saved[row.name.lower()].pk).update(parent=parent)
    return counts
