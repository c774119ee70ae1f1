"""Budgets on the report chart: each budget of the report as a line at its monthly amount.

Drawn on monthly (not cumulative) spend charts in the budget's currency: a level segment across each
month's bin, solid up to the current month and dotted after it (the future). The budget's amounts come
from ``costs.budgets.performance.report_budget_months``; nothing here queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.html import escape

from vantage.lib.dates import add_months, month_start

from .choices import DateBin
from .formatting import money

BUDGET_COLORS = ["#b42318", "#6d28d9", "#0e7490"]


@dataclass
class BudgetLine:
    label: str
    values: list  # Decimal | None per x position
    first_future: int  # the first x position after the current month: dotted from there
    color: str


def add_budgets(data, query, budgets: list[tuple[str, str, dict[date, Decimal]]], today: date) -> list[str]:
    """Add a line per ``(name, currency, {month: amount})`` to the chart; returns the names left out for
    being in another currency than the chart's."""
    if data is None or query.bin != DateBin.MONTH or query.usage_mode or data.cumulative or not budgets:
        return []
    first = month_start(query.start)
    starts = [add_months(first, i) for i in range(len(data.x_labels))]  # monthly bins, the forecast's too
    current = month_start(today)
    first_future = next((i for i, s in enumerate(starts) if s > current), len(starts))
    other = []
    for name, currency, months in budgets:
        if currency != data.currency:
            other.append(name)
            continue
        values = [months.get(s) for s in starts]
        if any(v is not None for v in values):
            color = BUDGET_COLORS[len(data.budgets) % len(BUDGET_COLORS)]
            data.budgets.append(BudgetLine(f"Budget: {name}", values, first_future, color))
    return other


def budget_bounds(data) -> list[float]:
    return [float(v) for line in data.budgets for v in line.values if v is not None]


def budget_legend(data) -> list[dict]:
    out = []
    for line in data.budgets:
        shown = [v for v in line.values if v is not None]
        out.append({"label": line.label, "color": line.color, "budget": True,
                    "total": f"{money(sum(shown, Decimal(0)))} {data.unit} over {len(shown)} months"})  # fmt: skip
    return out


def budget_svg(data, f) -> list[str]:
    """A level segment per month (solid, then dotted for the future), each titled with its amount."""
    parts = []
    for line in data.budgets:
        parts.append('<g class="budget">')
        for i, value in enumerate(line.values):
            if value is None:
                continue
            y, half = f.y(float(value)), f.band * 0.45
            dash = ' stroke-dasharray="2 3"' if i >= line.first_future else ""
            title = f"{line.label} · {data.x_titles[i]}: {money(value)} {data.unit}"
            parts.append(
                f'<line class="budget-line" x1="{f.x(i) - half:.1f}" x2="{f.x(i) + half:.1f}" y1="{y:.1f}" '
                f'y2="{y:.1f}" stroke="{line.color}" stroke-width="2"{dash}><title>{escape(title)}</title></line>'
            )
        parts.append("</g>")
    return parts
