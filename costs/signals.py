"""What costs tells the rest of the product.

``costs_imported``: an integration's costs changed through an import run (sent by the importer's task
when the run ends, whether it succeeded or kept what it imported before failing), with
``integration_id``. Receivers (forecasts, budgets, anomaly detection) queue their own django-q2 tasks;
they must not do slow work in the sender's process.
"""

from django.dispatch import Signal

costs_imported = Signal()
