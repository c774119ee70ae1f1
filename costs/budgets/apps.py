"""Budgets per cost report (monthly periods, hierarchies), their performance and their alerts."""
from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "costs.budgets"
    label = "budgets"
    verbose_name = "Budgets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here: the receiver's module reads models, which exist only once the apps are loaded.
        from ..signals import costs_imported, forecasts_refreshed
        from .tasks import on_costs_imported, on_forecasts_refreshed

        costs_imported.connect(on_costs_imported, dispatch_uid="budgets-evaluate-after-import")
        # and again once the import's forecasts are fitted: an alert on the forecast reads the new one
        forecasts_refreshed.connect(on_forecasts_refreshed, dispatch_uid="budgets-evaluate-after-forecasts")
