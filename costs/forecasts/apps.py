"""Forecasts of every cost report: fitted after each import in a task, stored, read by pages and the API."""
from django.apps import AppConfig


class ForecastsConfig(AppConfig):
    name = "costs.forecasts"
    label = "forecasts"
    verbose_name = "Forecasts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because Django requires it: the tasks module imports models, which cannot be
        # imported before the app registry is ready (not at the top of an apps.py).
        from ..signals import costs_imported
        from .tasks import queue_forecasts

        costs_imported.connect(queue_forecasts, dispatch_uid="forecasts.queue_forecasts")
