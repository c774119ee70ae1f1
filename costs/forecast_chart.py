"""The forecast on the report chart: a dashed line with its shaded 80% band, continuing the actual costs.

``add_forecast(data, report, points, ...)`` turns stored daily forecast points (already summed over the
services shown, in the chart's currency) into one value per x position of the chart, extending the x axis
to ``window_end`` (``chart_window_end``): per bin, a bin partly actual shows its actual cost plus the
forecast of its remaining days; cumulative charts continue the running total. ``forecast_svg(data, frame)``
draws it. Pure functions over aggregated figures: no database, no clock (``today`` is passed in).

Bands: the band of a sum is narrower than the sum of daily bands. The current month's bin uses the stored
band of the month's total (``month_band``, a ``ForecastMonth``) when the line covers every service; other
bins (and running totals) add daily bands up, and the chart says so in a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.html import escape

from vantage.lib.dates import add_months, month_end

from .choices import DateBin
from .dates import bin_start, bin_title, bins
from .formatting import day, money

FORECAST_LABEL = "Forecast (80% band)"
FORECAST_COLOR = "#1f2937"
SUMMED_BAND_NOTE = (
    "The forecast band of a bin spanning several days adds up the daily 80% bands: wider than the band of "
    "the total would be."
)
ONE_DAY = timedelta(days=1)


@dataclass
class ForecastOverlay:
    """The forecast per x position (``None`` where none is drawn), the last position with actual costs
    (the actual lines stop there; -1: none), what is still to come and the last day forecast."""

    values: list
    lows: list
    highs: list
    actual_until: int
    to_come: Decimal
    end: date
    anchor: int = -1  # the last actual figure the line starts from (no point of its own)
    label: str = FORECAST_LABEL
    color: str = FORECAST_COLOR

    def drawn(self) -> list[int]:
        return [i for i, v in enumerate(self.values) if v is not None]


def bin_end(start: date, bin: str) -> date:
    """The last day of the bin starting ``start``."""
    if bin == DateBin.WEEK:
        return start + timedelta(days=6)
    if bin == DateBin.MONTH:
        return month_end(start)
    if bin == DateBin.QUARTER:
        return month_end(add_months(start, 2))
    return start


def chart_window_end(query, today: date, horizon_end: date | None) -> date:
    """The last day a chart continued by a forecast shows: the report's end, or later: the end of the current
    month (and of the bin that holds it), no further than the forecast reaches."""
    end = max(query.end, month_end(today))
    if not query.cumulative:
        end = bin_end(bin_start(end, query.bin), query.bin)
    if horizon_end is not None:
        end = min(end, horizon_end)
    return max(end, query.end)


def _actual_totals(data, n: int) -> list:
    """The chart's actual total per x position (all series added up; ``None`` where nothing is known)."""
    out = []
    for i in range(n):
        known = [s.values[i] for s in data.series if s.values[i] is not None]
        out.append(sum(known, Decimal(0)) if known else None)
    return out


def _binned(data, query, points, history_end: date, window_end: date, month_band, imported_to=None) -> tuple:
    """Per bin: actual (if any) plus the forecast of its days; the current month's band from ``month_band``."""
    starts = bins(query.start, window_end, query.bin)
    n_actual = len(data.x_labels)
    actual = _actual_totals(data, n_actual) + [None] * (len(starts) - n_actual)
    values, lows, highs = [None] * len(starts), [None] * len(starts), [None] * len(starts)
    summed = False
    for i, start in enumerate(starts):
        end = min(bin_end(start, query.bin), window_end)
        days = [p for p in points if start <= p.date <= end]
        if not days:
            continue
        current_month = month_band is not None and query.bin == DateBin.MONTH and start == month_band.month
        if current_month:  # actual up to the forecast's last day, then its forecast: the headline's figure
            base = month_band.actual
        elif start > history_end:  # the forecast stands for the whole bin (today's partial actual included)
            base = Decimal(0)
        else:  # actual so far, then the forecast of the days not imported at all (never a day twice)
            base = actual[i] or Decimal(0)
            days = [p for p in days if imported_to is None or p.date > imported_to]
        values[i] = base + sum((p.amount for p in days), Decimal(0))
        if current_month:
            lows[i], highs[i] = month_band.low, month_band.high
        else:
            lows[i] = base + sum((p.low for p in days), Decimal(0))
            highs[i] = base + sum((p.high for p in days), Decimal(0))
            summed = summed or len(days) > 1
    until = min(n_actual - 1, _index_of(starts, history_end))
    return starts, values, lows, highs, until, summed, actual


def _index_of(starts: list[date], d: date) -> int:
    """The position of the bin holding day ``d`` (-1 before the first)."""
    return sum(1 for s in starts if s <= d) - 1


def _running(data, query, points, history_end: date, window_end: date) -> tuple:
    """Cumulative: the running total of every series at the last actual day, continued day by day."""
    days = bins(query.start, window_end, DateBin.DAY)
    n_actual = len(data.x_labels)
    actual = _actual_totals(data, n_actual) + [None] * (len(days) - n_actual)
    until = min(n_actual - 1, (history_end - query.start).days)
    running = (actual[until] or Decimal(0)) if until >= 0 else Decimal(0)
    low = high = running
    by_day = {p.date: p for p in points}
    values, lows, highs = [None] * len(days), [None] * len(days), [None] * len(days)
    for i, d in enumerate(days):
        if d <= history_end or d not in by_day:
            continue
        p = by_day[d]
        running, low, high = running + p.amount, low + p.low, high + p.high
        values[i], lows[i], highs[i] = running, low, high
    return days, values, lows, highs, until, len(by_day) > 1, actual


def add_forecast(
    data, report, points, *, history_end: date, window_end: date, month_band=None, imported_to: date | None = None
) -> bool:
    """Continue chart ``data`` of ``report`` with the forecast ``points`` (``DailyPoint``s after
    ``history_end``, in the chart's currency); ``False`` (and ``data`` untouched) when none falls in range.
    ``imported_to``: the last day with (partial) costs after ``history_end`` (today, mid-import): a bin
    holding it adds no forecast for it on top of its actual cost."""
    query = report.query
    if query.cumulative:
        starts, values, lows, highs, until, summed, actual = _running(data, query, points, history_end, window_end)
    else:
        starts, values, lows, highs, until, summed, actual = _binned(
            data, query, points, history_end, window_end, month_band, imported_to
        )
    drawn = [i for i, v in enumerate(values) if v is not None]
    if not drawn:
        return False
    anchor = drawn[0] - 1  # the line starts from the last actual figure before it, when there is one
    if anchor >= 0 and values[anchor] is None and actual[anchor] is not None:
        values[anchor] = lows[anchor] = highs[anchor] = actual[anchor]
    else:
        anchor = -1
    _extend_axis(data, query, starts)
    to_come = sum((p.amount for p in points if starts[0] <= p.date <= window_end), Decimal(0))
    data.forecast = ForecastOverlay(values, lows, highs, until, to_come, min(window_end, points[-1].date), anchor)
    if summed:
        data.notes.append(SUMMED_BAND_NOTE)
    if not query.cumulative and bin_end(starts[drawn[-1]], query.bin) > data.forecast.end:
        data.notes.append(f"The forecast reaches {day(data.forecast.end)}: the last bin has no forecast after it.")
    data.description += (
        f" Dashed line: {FORECAST_LABEL.lower()}, {data.x_titles[drawn[0]]} to {data.x_titles[drawn[-1]]}, "
        f"{money(to_come)} {data.unit} more expected by {day(data.forecast.end)}."
    )
    return True


def _extend_axis(data, query, starts: list[date]) -> None:
    """New x positions for the forecast bins (after the report's own), with no actual values."""
    extra = starts[len(data.x_labels):]
    bin = DateBin.DAY if query.cumulative else query.bin
    data.x_labels.extend(bin_title(d, bin, short=True) for d in extra)
    data.x_titles.extend(bin_title(d, bin) for d in extra)
    for series in data.series:
        series.values.extend([None] * len(extra))
    if data.missing:
        data.missing.extend([] for _ in extra)


def legend_entry(data) -> dict | None:
    overlay = data.forecast
    if overlay is None:
        return None
    total = f"+{money(overlay.to_come)} {data.unit} by {day(overlay.end)}"
    return {"label": overlay.label, "color": overlay.color, "total": total, "forecast": True}


def forecast_bounds(data) -> list[float]:
    """Every forecast value and band edge, so the value axis makes room for them."""
    overlay = data.forecast
    if overlay is None:
        return []
    return [float(v) for i in overlay.drawn() for v in (overlay.lows[i], overlay.highs[i], overlay.values[i])]


def forecast_svg(data, f) -> list[str]:
    """The band (a shaded polygon, or a bar for a single bin) and the dashed line, each point titled."""
    overlay = data.forecast
    if overlay is None:
        return []
    drawn = overlay.drawn()
    parts = ['<g class="forecast">']
    if len(drawn) == 1:
        (i,) = drawn
        top, bottom = f.y(float(overlay.highs[i])), f.y(float(overlay.lows[i]))
        width = max(f.band * 0.3, 4.0)
        parts.append(
            f'<rect class="forecast-band" x="{f.x(i) - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
            f'height="{max(bottom - top, 0.5):.1f}" fill="{overlay.color}" fill-opacity=".15"/>'
        )
        y = f.y(float(overlay.values[i]))
        line = f"{f.x(i) - width:.1f},{y:.1f} {f.x(i) + width:.1f},{y:.1f}"
    else:
        upper = [f"{f.x(i):.1f},{f.y(float(overlay.highs[i])):.1f}" for i in drawn]
        lower = [f"{f.x(i):.1f},{f.y(float(overlay.lows[i])):.1f}" for i in reversed(drawn)]
        parts.append(
            f'<polygon class="forecast-band" points="{" ".join(upper + lower)}" fill="{overlay.color}" '
            f'fill-opacity=".15"/>'
        )
        line = " ".join(f"{f.x(i):.1f},{f.y(float(overlay.values[i])):.1f}" for i in drawn)
    parts.append(
        f'<polyline class="forecast-line" fill="none" stroke="{overlay.color}" stroke-width="2" '
        f'stroke-dasharray="6 4" points="{line}"><title>{escape(overlay.label)}</title></polyline>'
    )
    parts.extend(_point(data, f, i) for i in drawn if i != overlay.anchor)
    parts.append("</g>")
    return parts


def _point(data, f, i: int) -> str:
    overlay = data.forecast
    text = (
        f"{overlay.label} · {data.x_titles[i]}: {money(overlay.values[i])} {data.unit} "
        f"({money(overlay.lows[i])}–{money(overlay.highs[i])})"
    )
    return (
        f'<circle class="forecast-point" cx="{f.x(i):.1f}" cy="{f.y(float(overlay.values[i])):.1f}" r="2.5" '
        f'fill="#fff" stroke="{overlay.color}"><title>{escape(text)}</title></circle>'
    )
