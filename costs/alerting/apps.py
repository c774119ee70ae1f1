"""Cost alerts and report digests: evaluated after every import and daily, on complete periods only."""
from django.apps import AppConfig


class AlertingConfig(AppConfig):
    name = "costs.alerting"
    label = "alerting"
    verbose_name = "Cost alerts and report digests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here: the receiver's module reads models, which exist only once the apps are loaded.
        from ..signals import costs_imported
        from .tasks import on_costs_imported

        costs_imported.connect(on_costs_imported, dispatch_uid="alerting-evaluate-after-import")
