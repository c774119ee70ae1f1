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
        "name": "vantage:notifications-deliver-due",
        "func": "vantage.notifications.tasks.deliver_due",
        "schedule_type": "I",  # every `minutes`
        "minutes": 1,
        "repeats": -1,
    },
    {
        "name": "vantage:budget-alerts",
        "func": "costs.budgets.tasks.evaluate_all",
        "schedule_type": "D",  # daily, after the refresh: queues one evaluation per workspace with alerts
        "repeats": -1,
        "hour_utc": 8,
    },
    {
        "name": "vantage:cost-alerts-digests",
        "func": "costs.alerting.tasks.evaluate_all",
        "schedule_type": "D",  # daily, after the refresh: cost alerts and due report digests, per workspace
        "repeats": -1,
        "hour_utc": 8,
    },
    {
        "name": "vantage:anomalies-daily",
        "func": "costs.anomalies.tasks.daily",
        "schedule_type": "D",  # daily, after the refresh's scoring: archive past 7 days, one digest per workspace
        "repeats": -1,
        "hour_utc": 9,
    },
]
PREFIX = "vantage:"
