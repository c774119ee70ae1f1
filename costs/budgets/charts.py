"""A small SVG chart of a budget's months: actual spend as bars, the budget as a line (future months dotted)."""

from __future__ import annotations

from decimal import Decimal

from .performance import Performance

WIDTH, HEIGHT, PAD = 640, 160, 4


def budget_chart(perf: Performance) -> dict | None:
    months = perf.months
    if not months:
        return None
    top = max([m.budget or 0 for m in months] + [m.actual for m in months] + [m.forecast or 0 for m in months])
    top = max(top, 0)
    if not top:
        return None
    step = Decimal(WIDTH) / len(months)

    def y(value) -> str:
        return f"{HEIGHT - PAD - (Decimal(value) / top) * (HEIGHT - 2 * PAD):.1f}"

    bars = [{"x": f"{i * step + step / 6:.1f}", "y": y(max(m.actual, 0)), "w": f"{step * 2 / 3:.1f}",
             "h": f"{HEIGHT - PAD - Decimal(y(max(m.actual, 0))):.1f}", "label": m.month}
            for i, m in enumerate(months) if not m.is_future]  # credits beyond spend: no bar below the axis
    solid, dotted = [], []
    for i, m in enumerate(months):
        if m.budget is None:
            continue
        point = f"{i * step + step / 2:.1f},{y(m.budget)}"
        (dotted if m.is_future else solid).append(point)
        if m.is_current:
            dotted.append(point)
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "solid": " ".join(solid), "dotted": " ".join(dotted)}
