"""costs.forecast_chart on its own: the window, the bins, and a chart with not-imported bins."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from costs.charts import ChartData, Series, render_svg
from costs.forecast_chart import add_forecast, chart_window_end
from costs.forecasts.read import DailyPoint


def query(start, end, bin, cumulative=False):
    return SimpleNamespace(start=start, end=end, bin=bin, cumulative=cumulative)


def test_the_window_reaches_the_end_of_the_month_and_its_bin_within_the_horizon():
    nov20 = date(2026, 11, 20)
    assert chart_window_end(query(date(2026, 11, 1), nov20, "day"), nov20, None) == date(2026, 11, 30)
    assert chart_window_end(query(date(2026, 11, 1), nov20, "week"), nov20, None) == date(2026, 12, 6)
    assert chart_window_end(query(date(2026, 11, 1), nov20, "quarter"), nov20, None) == date(2026, 12, 31)
    assert chart_window_end(query(date(2026, 11, 1), nov20, "day"), nov20, date(2026, 11, 25)) == date(2026, 11, 25)
    # never before the report's own end
    assert chart_window_end(query(date(2026, 11, 1), date(2027, 1, 31), "day"), nov20, None) == date(2027, 1, 31)


def chart(values, missing=()):
    return ChartData("bar", [f"{d} Nov" for d in range(1, len(values) + 1)],
                     [f"{d} Nov 2026" for d in range(1, len(values) + 1)],
                     [Series("All costs", [Decimal(v) if v is not None else None for v in values], "#000")],
                     "USD", False, "Stacked bar chart.", missing=list(missing))  # fmt: skip


def test_not_imported_bins_and_the_forecast_share_the_axis():
    data = chart([10, 10, None], missing=[[], [], ["Acme"]])
    report = SimpleNamespace(query=query(date(2026, 11, 1), date(2026, 11, 3), "day"))
    points = [DailyPoint(date(2026, 11, d), "USD", Decimal(5), Decimal(4), Decimal(6)) for d in (3, 4, 5)]
    assert add_forecast(data, report, points, history_end=date(2026, 11, 2), window_end=date(2026, 11, 5))
    assert len(data.x_labels) == len(data.missing) == len(data.series[0].values) == 5
    assert data.forecast.values == [None, Decimal(10), Decimal(5), Decimal(5), Decimal(5)]  # from 2 Nov's actual
    svg = render_svg(data)
    assert svg.count('class="forecast-point"') == 3 and "not imported" in svg


def test_no_point_in_range_leaves_the_chart_alone():
    data = chart([10, 10])
    report = SimpleNamespace(query=query(date(2026, 11, 1), date(2026, 11, 2), "day"))
    assert not add_forecast(data, report, [], history_end=date(2026, 11, 2), window_end=date(2026, 11, 30))
    assert data.forecast is None and len(data.x_labels) == 2 and "forecast" not in render_svg(data)
