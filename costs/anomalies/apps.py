"""Anomaly detection after every import: score the new days of each daily cost series, record, notify."""
from django.apps import AppConfig


class AnomaliesConfig(AppConfig):
    name = "costs.anomalies"
    label = "anomalies"
    verbose_name = "Anomalies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here: the receiver's module reads models, which exist only once the apps are loaded.
        from ..signals import costs_imported
        from .tasks import on_costs_imported

        costs_imported.connect(on_costs_imported, dispatch_uid="anomalies-score-after-import")
