"""Server-rendered SVG charts: top groups plus Other, bars and lines, accessible and escaped."""

import re
from datetime import date

import pytest

from costs.charts import PALETTE, chart_data, legend, render_svg
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
def eleven_services(integration):
    add_costs(integration, [
        item(f"2026-03-{d:02d}", f"Service {n}", f"cat-{n}", (n + 1) * 10 + d) for n in range(11) for d in (2, 20)
    ])  # fmt: skip


def test_top_eight_groups_plus_other(ws, eleven_services):
    data = chart_data(report(ws, bin="month"), chart_type="bar", row_label=label)
    assert [s.label for s in data.series] == [*(f"Service {n}" for n in range(10, 2, -1)), "Other"]
    other = data.series[-1].values[0]
    assert other == sum((n + 1) * 10 * 2 + 22 for n in range(3))  # services 0..2
    assert sum(s.values[0] for s in data.series) == sum((n + 1) * 20 + 22 for n in range(11))


def test_bars_have_titles_axes_and_accessible_name(ws, eleven_services):
    data = chart_data(report(ws, bin="week"), chart_type="bar", row_label=label)
    svg = str(render_svg(data))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert re.search(r'aria-label="Stacked bar chart of cost in USD, Week of 23 Feb 2026 to Week of 30 Mar 2026', svg)
    rects = re.findall(r"<rect [^>]*><title>([^<]+)</title></rect>", svg)
    assert "Service 10 · Week of 2 Mar 2026: 112.00 USD" in rects
    assert "Cost (USD)" in svg  # y axis label
    assert data.title == "Cost in USD by Service"


def test_legend_is_outside_the_plot_with_full_names(ws, integration):
    long_name = "Programmable Messaging, a service name clipped at 24"  # a service name has at most 64
    add_costs(integration, [item("2026-03-02", long_name, "x", 5), item("2026-03-03", "Lookup", "y", 2)])
    data = chart_data(report(ws, bin="day"), chart_type="bar", row_label=label)
    assert legend(data) == [
        {"label": long_name, "color": PALETTE[0], "total": "5.00 USD"},
        {"label": "Lookup", "color": PALETTE[1], "total": "2.00 USD"},
    ]
    svg = str(render_svg(data))
    assert "legend" not in svg and "…" not in svg  # the SVG is the plot alone: the page lists the legend


def test_lines_when_asked_and_running_total_when_cumulative(ws, eleven_services):
    svg = str(render_svg(chart_data(report(ws, bin="month"), chart_type="line", row_label=label)))
    assert svg.count("<polyline") == 9 and "<rect x" not in svg
    data = chart_data(report(ws, bin="cumulative"), chart_type="bar", row_label=label)
    assert data.kind == "line" and len(data.x_labels) == 31
    top = data.series[0]
    assert top.values[0] == 0 and top.values[1] == 112 and top.values[-1] == 112 + 130  # running total
    assert legend(data)[0]["total"] == "242.00 USD"  # a running total's last value, not the sum of the days


def test_usage_charts_the_unit_with_the_largest_share_of_cost_and_says_so(ws, integration):
    add_costs(integration, [
        item("2026-03-02", "Conversations", "characters", "0.50", usage=900000, unit="characters"),
        item("2026-03-02", "SMS & MMS", "sms-outbound", "40.00", usage=5000, unit="segments"),
        item("2026-03-02", "Programmable Voice", "calls", "10.00", usage=600, unit="minutes"),
    ])  # fmt: skip
    data = chart_data(report(ws, mode="usage"), chart_type="bar", row_label=label)
    assert data.unit == "segments" and [s.label for s in data.series] == ["SMS & MMS"]
    assert data.title == (
        "Usage in segments (the unit with the largest share of the cost; the table has 2 more) by Service"
    )


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
