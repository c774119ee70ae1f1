"""Server-rendered SVG charts: top groups plus Other, bars and lines, accessible and escaped."""

import re
from datetime import date

import pytest

from costs.charts import chart_data, render_svg
from costs.reports import ReportQuery, build_report
from costs.scoping import workspace_line_items

from .factories import add_costs, item


def report(ws, **kw):
    kw.setdefault("start", date(2026, 3, 1))
    kw.setdefault("end", date(2026, 3, 31))
    kw.setdefault("group_by", ["service"])
    return build_report(ReportQuery(workspace_line_items(ws), workspace=ws, **kw), compare=False)


def label(row):
    return " / ".join(str(v) for v in row.groups) or "Total"


@pytest.fixture
def eight_services(integration):
    add_costs(integration, [
        item(f"2026-03-{d:02d}", f"Service {n}", f"cat-{n}", (n + 1) * 10 + d) for n in range(8) for d in (2, 20)
    ])  # fmt: skip


def test_top_five_groups_plus_other(ws, eight_services):
    data = chart_data(report(ws, bin="month"), chart_type="bar", row_label=label)
    assert [s.label for s in data.series] == ["Service 7", "Service 6", "Service 5", "Service 4", "Service 3", "Other"]
    other = data.series[-1].values[0]
    assert other == sum((n + 1) * 10 * 2 + 22 for n in range(3))  # services 0..2
    assert sum(s.values[0] for s in data.series) == sum((n + 1) * 20 + 22 for n in range(8))


def test_bars_have_titles_axes_legend_and_accessible_name(ws, eight_services):
    svg = str(render_svg(chart_data(report(ws, bin="week"), chart_type="bar", row_label=label)))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert re.search(r'aria-label="Stacked bar chart of cost in USD, Week of 2026-02-23 to Week of 2026-03-30', svg)
    rects = re.findall(r"<rect [^>]*><title>([^<]+)</title></rect>", svg)
    assert "Service 7 · Week of 2026-03-02: 82.00 USD" in rects
    assert "Cost (USD)" in svg  # y axis label
    assert svg.count('class="legend-item"') == 6


def test_lines_when_asked_and_running_total_when_cumulative(ws, eight_services):
    svg = str(render_svg(chart_data(report(ws, bin="month"), chart_type="line", row_label=label)))
    assert svg.count("<polyline") == 6 and "<rect x" not in svg.replace('class="legend-item"><rect', "")
    data = chart_data(report(ws, bin="cumulative"), chart_type="bar", row_label=label)
    assert data.kind == "line" and len(data.x_labels) == 31
    top = data.series[0]
    assert top.values[0] == 0 and top.values[1] == 82 and top.values[-1] == 82 + 100  # running total


def test_negative_values_stack_below_zero(ws, integration):
    add_costs(integration, [
        item("2026-03-02", "SMS & MMS", "sms-outbound", 50),
        item("2026-03-02", "Credits", "promo", -20),
    ])  # fmt: skip
    svg = str(render_svg(chart_data(report(ws, bin="month"), chart_type="bar", row_label=label)))
    assert "Credits · Mar 2026: -20.00 USD" in svg
    assert ">-20<" in svg or ">-25<" in svg or ">-10<" in svg  # the axis goes below zero


def test_labels_are_escaped(ws, integration):
    add_costs(integration, [item("2026-03-02", '<script>alert("x")</script>', "evil", 5)])
    svg = str(render_svg(chart_data(report(ws), chart_type="bar", row_label=label)))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_one_currency_is_charted_and_the_rest_is_noted(ws, integration):
    add_costs(integration, [
        item("2026-03-02", "Lookup", "lookups", 5, currency="EUR"),
        item("2026-03-02", "SMS & MMS", "sms-outbound", 50),
    ])  # fmt: skip
    data = chart_data(report(ws), chart_type="bar", row_label=label)
    assert data.unit == "USD" and [s.label for s in data.series] == ["SMS & MMS"]
    assert "table has every currency" in data.notes[0]


def test_nothing_to_chart(ws):
    assert chart_data(report(ws), chart_type="bar", row_label=label) is None
