"""costs/dates.py: presets, bins and previous periods are pure functions of their arguments."""

from datetime import date

import pytest

from costs.dates import bin_label, bin_start, bin_title, bins, latest_end, previous_period, resolve_preset
from vantage.lib.dates import add_months

TODAY = date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(
    "name, expected",
    [
        ("this_month", (date(2026, 11, 1), date(2026, 11, 27))),
        ("last_month", (date(2026, 10, 1), date(2026, 10, 31))),
        ("last_7_days", (date(2026, 11, 21), date(2026, 11, 27))),
        ("last_30_days", (date(2026, 10, 29), date(2026, 11, 27))),
        ("last_90_days", (date(2026, 8, 30), date(2026, 11, 27))),
        ("last_3_months", (date(2026, 8, 1), date(2026, 10, 31))),
        ("last_6_months", (date(2026, 5, 1), date(2026, 10, 31))),
        ("last_12_months", (date(2025, 11, 1), date(2026, 10, 31))),
        ("year_to_date", (date(2026, 1, 1), date(2026, 11, 27))),
    ],
)
def test_presets(name, expected):
    assert resolve_preset(name, TODAY) == expected


def test_presets_across_a_year_boundary():
    assert resolve_preset("last_month", date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert resolve_preset("last_3_months", date(2026, 2, 1)) == (date(2025, 11, 1), date(2026, 1, 31))
    assert resolve_preset("this_month", date(2026, 3, 1)) == (date(2026, 3, 1), date(2026, 3, 1))


def test_unknown_preset_and_custom_are_refused():
    for name in ("custom", "yesterday"):
        with pytest.raises(ValueError):
            resolve_preset(name, TODAY)


def test_day_bins_cover_every_day():
    assert bins(date(2026, 2, 27), date(2026, 3, 2), "day") == [
        date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)
    ]  # fmt: skip


def test_week_bins_start_on_monday():
    # 2026-11-01 is a Sunday: its week began on Monday 2026-10-26.
    assert bin_start(date(2026, 11, 1), "week") == date(2026, 10, 26)
    assert bin_start(date(2026, 11, 2), "week") == date(2026, 11, 2)  # Monday starts a new week
    assert bins(date(2026, 11, 1), date(2026, 11, 16), "week") == [
        date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
    ]  # fmt: skip
    assert all(b.weekday() == 0 for b in bins(date(2025, 1, 1), date(2026, 12, 31), "week"))


def test_month_and_quarter_bins():
    assert bins(date(2026, 1, 31), date(2026, 4, 1), "month") == [
        date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)
    ]  # fmt: skip
    assert bins(date(2025, 12, 31), date(2026, 7, 1), "quarter") == [
        date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)
    ]  # fmt: skip
    assert bin_start(date(2026, 3, 31), "quarter") == date(2026, 1, 1)
    assert bin_start(date(2026, 4, 1), "quarter") == date(2026, 4, 1)
    assert bin_start(date(2026, 12, 31), "quarter") == date(2026, 10, 1)


def test_cumulative_has_no_bins():
    assert bins(date(2026, 1, 1), date(2026, 3, 31), "cumulative") == []
    assert bin_label(None, "cumulative") == "Total"


def test_bins_refuse_an_inverted_range():
    with pytest.raises(ValueError):
        bins(date(2026, 2, 1), date(2026, 1, 1), "day")


@pytest.mark.parametrize(
    "start, end, expected",
    [
        # whole months compare with the same number of months before
        (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2026, 4, 1), date(2026, 6, 30), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 1, 1), date(2026, 1, 31), (date(2025, 12, 1), date(2025, 12, 31))),
        (date(2024, 3, 1), date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29))),  # leap year
        # month to date compares with the same days of the month before (clamped)
        (date(2026, 11, 1), date(2026, 11, 27), (date(2026, 10, 1), date(2026, 10, 27))),
        (date(2026, 3, 1), date(2026, 3, 30), (date(2026, 2, 1), date(2026, 2, 28))),
        # any other range: the same number of days just before
        (date(2026, 3, 10), date(2026, 3, 16), (date(2026, 3, 3), date(2026, 3, 9))),
        (date(2026, 1, 2), date(2026, 1, 2), (date(2026, 1, 1), date(2026, 1, 1))),
        (date(2026, 10, 29), date(2026, 11, 27), (date(2026, 9, 29), date(2026, 10, 28))),
    ],
)
def test_previous_period(start, end, expected):
    prev = previous_period(start, end)
    assert prev == expected
    assert prev[1] < start  # never overlaps


def test_previous_period_of_days_has_the_same_length():
    start, end = date(2026, 2, 17), date(2026, 5, 9)
    p_start, p_end = previous_period(start, end)
    assert (p_end - p_start) == (end - start)
    assert (start - p_end).days == 1


def test_add_months_clamps_and_three_years_limit():
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 13) == date(2027, 2, 28)
    assert add_months(date(2026, 5, 15), -17) == date(2024, 12, 15)
    assert latest_end(date(2023, 1, 1)) == date(2025, 12, 31)
    assert latest_end(date(2024, 2, 29)) == date(2027, 2, 27)


def test_labels():
    assert bin_label(date(2026, 3, 1), "month") == "Mar 2026"
    assert bin_label(date(2026, 4, 1), "quarter") == "2026 Q2"
    assert bin_label(date(2026, 11, 2), "week") == "Week of 2026-11-02"
    assert bin_label(date(2026, 11, 2), "day") == "2026-11-02"
    assert bin_label(date(2026, 11, 2), "day", short=True) == "2 Nov"
    assert bin_title(date(2026, 11, 2), "week") == "Week of 2 Nov 2026"  # the page: the one date format
    assert bin_title(date(2026, 11, 2), "day") == "2 Nov 2026"
    assert bin_title(date(2026, 11, 2), "day", short=True) == "2 Nov"
    assert bin_title(date(2026, 3, 1), "month") == "Mar 2026"
