"""Counting a page's SQL queries the same way on SQLite and PostgreSQL."""

PLANNER_SETTING = "set_config("  # vantage.lib.db.planner_settings: work_mem around a tag-grouped query


def data_queries(captured) -> list[str]:
    """The SQL of ``captured`` (a ``CaptureQueriesContext``) minus PostgreSQL's planner settings: those
    only configure the next statement (and, inside a test's transaction, restore it after) and read no
    data, so a query budget means the same on both databases."""
    return [q["sql"] for q in captured.captured_queries if PLANNER_SETTING not in q["sql"]]
