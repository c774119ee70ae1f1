"""Periodic tasks, declared in code; `manage.py setup_schedules` applies them idempotently."""

SCHEDULES = [
    {
        "name": "vantage:twilio-refresh",
        "func": "integrations.tasks.refresh_all_integrations",
        "schedule_type": "D",  # daily
        "repeats": -1,
        "hour_utc": 6,
    },
]
PREFIX = "vantage:"
