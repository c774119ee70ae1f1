"""What costs tells the rest of the product.

``costs_imported``: an integration's costs changed through an import run (sent by the importer's task
when the run ends, whether it succeeded or kept what it imported before failing), with
``integration_id``. Receivers (forecasts, budgets, anomaly detection) queue their own django-q2 tasks;
they must not do slow work in the sender's process.

``forecasts_refreshed``: a workspace's report forecasts were fitted again (sent by the forecasting task),
with ``workspace_id``. Budget alerts on the forecast are evaluated after it, so they read the new fit.
"""

from django.dispatch import Signal

costs_imported = Signal()
forecasts_refreshed = Signal()
