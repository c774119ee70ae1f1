"""Charts drawn on the server as inline SVG: no JavaScript, readable by screen readers.

``chart_data(report, ...)`` picks what to draw (the top eight groups plus "Other" for one currency, or
one usage unit: the unit with the largest share of the cost, named in the title);
``render_svg(data)`` draws the plot: stacked bars per date bin, or lines (the running total when the
report is cumulative). The legend is not part of the SVG: the page lists ``data.series`` beside it, in
HTML, with full names. Every bar and point has a ``<title>`` with its value (shown on hover), the axes
are labelled and the ``<svg>`` has ``role="img"`` and an ``aria-label``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .budget_chart import BudgetLine, budget_bounds, budget_legend, budget_svg
from .choices import ChartType
from .dates import bin_title, bins
from .forecast_chart import ForecastOverlay, forecast_bounds, forecast_svg, legend_entry
from .formatting import money, quantity
from .reports import ColumnTotal, Report

TOP_GROUPS = 8
PALETTE = ["#4b3fd8", "#0f9d8a", "#e3892b", "#d6457a", "#3b8fd9", "#8a5a00", "#2e7d32", "#7b1fa2"]
OTHER_COLOR = "#9aa3b2"
WIDTH, HEIGHT = 900, 300
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 16, 48


@dataclass
class Series:
    label: str
    values: list  # Decimal | None per x position
    color: str


@dataclass
class ChartData:
    kind: str  # "bar" (stacked) or "line"
    x_labels: list[str]  # short, for the axis
    x_titles: list[str]  # full, for hover titles and the description
    series: list[Series]
    unit: str  # the currency code, or the usage unit
    usage_mode: bool
    description: str
    notes: list[str] = field(default_factory=list)
    cumulative: bool = False  # series are running totals
    title: str = ""  # what is charted, e.g. "Cost in USD" or "Usage in segments (the unit with the most cost)"
    missing: list[list[str]] = field(default_factory=list)  # per x position: the accounts not imported there
    currency: str = ""  # the billing currency drawn (spend and usage alike)
    forecast: ForecastOverlay | None = None  # the dashed forecast line and its band (costs.forecast_chart)
    budgets: list[BudgetLine] = field(default_factory=list)  # the report's budgets (costs.budget_chart)

    def fmt(self, value) -> str:
        return quantity(value) if self.usage_mode else money(value)


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def _minus(a, b):
    if a is None and b is None:
        return None
    return (a or Decimal(0)) - (b or Decimal(0))


def _chosen(report: Report) -> tuple[ColumnTotal, str, list[str], str]:
    """The total row of the (unit, currency) the chart draws, its axis unit, notes, and the chart's title.

    Spend: the currency with the most cost. Usage: amounts in different units never add up, so the unit
    (and currency) with the largest share of the cost; the title says so and the table has every unit."""
    query = report.query
    footers = {(f.unit, f.currency): f for f in report.column_totals}
    key = max(footers, key=lambda k: (abs(footers[k].cost_total or 0), str(k[1]), str(k[0])))
    notes = []
    if query.usage_mode:
        unit = key[0] or "(no unit)"
        others = len(footers) - 1
        title = f"Usage in {unit}" + (
            f" (the unit with the largest share of the cost; the table has {others} more)" if others else ""
        )
    else:
        unit = key[1]
        title = f"Cost in {unit}"
        if len(footers) > 1:
            notes.append(f"The chart shows {unit} only; the table has every currency.")
    return footers[key], unit, notes, title


def _running_series(query, rows, top, row_label) -> tuple[list[str], list[str], list[Series]]:
    """Cumulative: a running total per day for each top group, and "Other"."""
    days = bins(query.start, query.end, "day")

    def values_of(cells):
        running, out = Decimal(0), []
        for d in days:
            running += cells.get(d) or Decimal(0)
            out.append(running)
        return out

    series = [Series(row_label(r), values_of(r.cells), PALETTE[i]) for i, r in enumerate(top)]
    if len(rows) > len(top):
        other_cells = {}
        top_ids = {id(r) for r in top}
        for r in rows:
            if id(r) not in top_ids:
                for d, v in r.cells.items():
                    other_cells[d] = (other_cells.get(d) or Decimal(0)) + (v or Decimal(0))
        series.append(Series("Other", values_of(other_cells), OTHER_COLOR))
    return [bin_title(d, "day", short=True) for d in days], [bin_title(d, "day") for d in days], series


def _binned_series(report, rows, top, footer, row_label) -> tuple[list[str], list[str], list[Series]]:
    """Per date bin: the top groups' cells, and "Other" (the column totals less theirs)."""
    query = report.query
    series = [Series(row_label(r), list(r.table_cells), PALETTE[i]) for i, r in enumerate(top)]
    if len(rows) > len(top):
        other = list(footer.cells)
        for r in top:
            other = [_minus(o, v) for o, v in zip(other, r.table_cells, strict=True)]
        series.append(Series("Other", other, OTHER_COLOR))
    x_labels = [bin_title(c, query.bin, short=True) for c in report.columns]
    return x_labels, [bin_title(c, query.bin) for c in report.columns], series


def _description(query, kind: str, unit: str, x_titles: list[str], series: list[Series]) -> str:
    shape = {ChartType.BAR: "Stacked bar chart", ChartType.LINE: "Line chart"}[kind]
    measure = f"usage in {unit}" if query.usage_mode else f"cost in {unit}"
    running = " (running total)" if query.cumulative else ""
    totals = "; ".join(f"{s.label} {_series_total(s, kind, query.cumulative, unit, query.usage_mode)}" for s in series)
    return f"{shape} of {measure}{running}, {x_titles[0]} to {x_titles[-1]}, {len(series)} series: {totals}."


def chart_data(report: Report, *, chart_type: str, row_label) -> ChartData | None:
    """What to draw: one currency (or usage unit), its top groups and "Other". ``None`` if no data."""
    query = report.query
    if not report.rows:
        return None
    footer, unit, notes, title = _chosen(report)
    rows = [r for r in report.rows if (r.unit, r.currency) == (footer.unit, footer.currency)]
    top = sorted(rows, key=lambda r: r.total or Decimal(0), reverse=True)[:TOP_GROUPS]
    if query.cumulative:
        x_labels, x_titles, series = _running_series(query, rows, top, row_label)
        kind = ChartType.LINE
    else:
        x_labels, x_titles, series = _binned_series(report, rows, top, footer, row_label)
        kind = ChartType.LINE if chart_type == ChartType.LINE else ChartType.BAR
    description = _description(query, kind, unit, x_titles, series)
    by = ", ".join(d.label for d in query.dimensions)
    title = f"{title} by {by}" if by else title
    return ChartData(
        kind, x_labels, x_titles, series, unit, query.usage_mode, description, notes, query.cumulative, title,
        currency=footer.currency,
    )


def mark_not_imported(data: ChartData | None, report: Report, gaps) -> None:
    """Note, per bin, which billing accounts were not (fully) imported there (``gaps`` from the coverage
    check), so the plot hatches those bins and a partly imported bar never passes for the real spend."""
    if data is None or not gaps:
        return
    query = report.query
    starts = bins(query.start, query.end, "day") if query.cumulative else list(report.columns)
    ends = [d - timedelta(days=1) for d in starts[1:]] + [query.end]
    data.missing = [
        sorted({g.billing_account for g in gaps if g.start <= end and g.end >= max(start, query.start)})
        for start, end in zip(starts, ends, strict=True)
    ]
    if any(data.missing):
        data.notes.append("Hatched dates were not (fully) imported: their bars show only what was imported.")


def _series_total(series, kind, cumulative, unit, usage_mode) -> str:
    values = [v for v in series.values if v is not None]
    total = values[-1] if cumulative and values else sum(values, Decimal(0))
    return f"{quantity(total) if usage_mode else money(total)} {unit}"


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _bounds(data: ChartData) -> tuple[float, float]:
    n = len(data.x_labels)
    if data.kind == ChartType.BAR:
        highs = [sum(max(_num(s.values[i]), 0) for s in data.series) for i in range(n)]
        lows = [sum(min(_num(s.values[i]), 0) for s in data.series) for i in range(n)]
    else:
        highs = [_num(v) for s in data.series for v in s.values]
        lows = highs
    extra = forecast_bounds(data) + budget_bounds(data)
    return min([0.0, *lows, *extra]), max([0.0, *highs, *extra])


def _tick_label(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:,.0f}k"
    if abs(value) >= 1 or value == 0:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:.2g}"


@dataclass(frozen=True)
class _Frame:
    """The plot area and the value scale: ``low..high`` in ``step``s, ``n`` bands along x."""

    low: float
    high: float
    step: float
    n: int
    plot_w: float = WIDTH - LEFT - RIGHT
    plot_h: float = HEIGHT - TOP - BOTTOM

    @property
    def band(self) -> float:
        return self.plot_w / max(self.n, 1)

    def x(self, i: int) -> float:
        """The middle of band ``i``."""
        return LEFT + self.band * (i + 0.5)

    def y(self, v: float) -> float:
        return TOP + self.plot_h - (v - self.low) / ((self.high - self.low) or 1.0) * self.plot_h


def _frame(data: ChartData) -> _Frame:
    low, high = _bounds(data)
    step = _nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step if high > 0 else (0.0 if low < 0 else step)
    return _Frame(low, high, step, len(data.x_labels))


def _y_axis(data: ChartData, f: _Frame) -> list[str]:
    """Grid lines with their ticks, and the axis label."""
    parts = []
    tick = f.low
    while tick <= f.high + f.step / 2:
        ty = f.y(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{LEFT + f.plot_w}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{escape(_tick_label(tick))}</text>'
        )
        tick += f.step
    label = ("Usage (" + data.unit + ")") if data.usage_mode else ("Cost (" + data.unit + ")")
    parts.append(
        f'<text class="axis-label" transform="translate(14 {TOP + f.plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">'
        f"{escape(label)}</text>"
    )
    return parts


def _x_axis(data: ChartData, f: _Frame) -> list[str]:
    """Bin labels (thinned so they never overlap), the axis label and the zero line."""
    parts = []
    longest = max((len(label) for label in data.x_labels), default=1)
    every = max(1, math.ceil(f.n / max(1, f.plot_w // (longest * 6.5 + 10))))
    for i, label in enumerate(data.x_labels):
        if i % every == 0:
            parts.append(
                f'<text class="tick" x="{f.x(i):.1f}" y="{TOP + f.plot_h + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append(
        f'<text class="axis-label" x="{LEFT + f.plot_w / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{'Day' if data.kind == ChartType.LINE and f.n > 40 else 'Date'}</text>"
    )
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{LEFT + f.plot_w}" y1="{f.y(0):.1f}" y2="{f.y(0):.1f}"/>')
    return parts


def _value_title(data: ChartData, series: Series, i: int) -> str:
    """What hovering a bar or a point shows: the series, the bin and the value."""
    value = series.values[i]
    return f"<title>{escape(f'{series.label} · {data.x_titles[i]}: {data.fmt(value)} {data.unit}')}</title>"


def _bars(data: ChartData, f: _Frame) -> list[str]:
    """Stacked bars: positive values up from zero, negative ones down, each with its value as title."""
    parts = []
    width = max(f.band * 0.7, 1.0)
    for i in range(len(data.x_titles)):
        x = LEFT + f.band * i + (f.band - width) / 2
        up, down = 0.0, 0.0
        for s in data.series:
            v = s.values[i]
            if v is None or v == 0:
                continue
            fv = float(v)
            base = up if fv > 0 else down
            top_v = base + fv
            y1, y2 = sorted((f.y(base), f.y(top_v)))
            if fv > 0:
                up = top_v
            else:
                down = top_v
            partial = ' opacity=".45"' if data.missing and data.missing[i] else ""
            parts.append(
                f'<rect x="{x:.1f}" y="{y1:.1f}" width="{width:.1f}" height="{max(y2 - y1, 0.5):.1f}" '
                f'fill="{s.color}"{partial}>{_value_title(data, s, i)}</rect>'
            )
    return parts


def _lines(data: ChartData, f: _Frame) -> list[str]:
    """A line per series, with a titled point per bin when there are few enough; continued by a forecast,
    the lines stop at the last bin with actual costs."""
    parts = []
    shown = data.forecast.actual_until + 1 if data.forecast is not None else f.n
    for s in data.series:
        values = s.values[:shown]
        points = " ".join(f"{f.x(i):.1f},{f.y(_num(v)):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline fill="none" stroke="{s.color}" stroke-width="2" points="{points}">'
            f"<title>{escape(s.label)}</title></polyline>"
        )
        if f.n <= 120:
            parts.extend(
                f'<circle cx="{f.x(i):.1f}" cy="{f.y(_num(v)):.1f}" r="2.5" fill="{s.color}">'
                f"{_value_title(data, s, i)}</circle>"
                for i, v in enumerate(values)
            )
    return parts


HATCH = (
    '<defs><pattern id="not-imported-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="8" height="8" fill="#f1f2f5"/>'
    '<line x1="0" y1="0" x2="0" y2="8" stroke="#c4c9d3" stroke-width="3"/></pattern></defs>'
)


def _not_imported(data: ChartData, f: _Frame) -> list[str]:
    """A hatched band behind every bin that was not (fully) imported, labelled "not imported"."""
    parts = [HATCH] if any(data.missing) else []
    for i, accounts in enumerate(data.missing):
        if not accounts:
            continue
        x = LEFT + f.band * i
        what = f"{data.x_titles[i]}: not imported for {', '.join(accounts)}"
        parts.append(
            f'<rect class="not-imported" x="{x:.1f}" y="{TOP}" width="{f.band:.1f}" height="{f.plot_h:.1f}" '
            f'fill="url(#not-imported-hatch)"><title>{escape(what)}</title></rect>'
        )
        if f.band >= 80:
            label = f'x="{f.x(i):.1f}" y="{TOP + 14}" text-anchor="middle"'
        else:
            label = f'transform="translate({f.x(i) - 4:.1f} {TOP + 6}) rotate(90)"'
        parts.append(f'<text class="gap-label" {label}>not imported</text>')
    return parts


def legend(data: ChartData) -> list[dict]:
    """The legend the page shows beside the plot: colour, full name and the series' total (and the forecast's
    entry, what is still to come, when the chart is continued by one)."""
    entries = [
        {"label": s.label, "color": s.color, "total": _series_total(s, data.kind, data.cumulative, data.unit,
                                                                    data.usage_mode)}
        for s in data.series
    ]  # fmt: skip
    forecast = legend_entry(data)
    return entries + ([forecast] if forecast else []) + budget_legend(data)


def render_svg(data: ChartData) -> SafeString:
    f = _frame(data)
    parts = [
        f'<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(data.description)}">',
        f"<title>{escape(data.description)}</title>",
        *_not_imported(data, f),
        *_y_axis(data, f),
        *_x_axis(data, f),
        *(_bars(data, f) if data.kind == ChartType.BAR else _lines(data, f)),
        *forecast_svg(data, f),
        *budget_svg(data, f),
        "</svg>",
    ]
    return mark_safe("".join(parts))
