"""An integration as connecting leaves it: a successful run for every month of the history imported."""

from integrations import history
from integrations.models import IngestionRun, IntegrationStatus, RunStatus, RunTrigger
from vantage.lib.dates import add_months, month_end


def imported_history(integration, **run_fields):
    """One successful backfill run per month of ``history.history_range()`` (``run_fields`` set on each)."""
    start, end = history.history_range()
    month = start
    while month <= end:
        IngestionRun.objects.create(integration=integration, start_date=month, end_date=min(month_end(month), end),
                                    status=RunStatus.SUCCEEDED, trigger=RunTrigger.BACKFILL, **run_fields)
        month = add_months(month, 1)
    integration.save_fields(status=IntegrationStatus.IMPORTED)
    return integration
