from django.apps import AppConfig

from costs.coverage import coverage
from costs.focus.categories import service_categories

from .twilio.focus import read_service_categories


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        # Imported here, not at the top: both modules import models, which Django loads after the AppConfigs.
        from . import signals  # noqa: F401  (connects the post_migrate handler)
        from .coverage import IngestionRunHistory

        coverage.register(IngestionRunHistory())  # what costs.coverage needs: the days never imported
        service_categories.register(read_service_categories())  # FOCUS ServiceCategory of each Twilio service
