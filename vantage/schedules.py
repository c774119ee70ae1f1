"""Periodic tasks, declared in code; `manage.py setup_schedules` applies them idempotently."""

SCHEDULES = [
    {
        "name": "vantage:twilio-refresh",
        "func": "integrations.tasks.refresh_all_integrations",
        "schedule_type": "D",  # daily
        "repeats": -1,
        "hour_utc": 6,
    },
    {
        "name": "vantage:budget-alerts",
        "func": "costs.budgets.tasks.evaluate_all",
        "schedule_type": "D",  # daily, after the refresh: queues one evaluation per workspace with alerts
        "repeats": -1,
        "hour_utc": 8,
    },
]
PREFIX = "vantage:"
