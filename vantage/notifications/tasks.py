"""django-q2 tasks: primary keys in, nothing secret in their arguments or results."""

from . import services


def deliver(notification_id: int) -> str | None:
    """One delivery attempt (queued by ``services.notify`` and ``deliver_due``)."""
    return services.deliver(notification_id)


def deliver_due() -> int:
    """Every minute (``vantage:notifications-deliver-due``): queue the retries that are due."""
    return services.deliver_due()
