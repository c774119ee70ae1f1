from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, post_save


class CostsConfig(AppConfig):
    name = "costs"
    verbose_name = "Costs"

    def ready(self):
        # costs.fx imports the models, which only exist once the app registry is ready.
        from vantage.models import Workspace

        from . import fx, tasks

        connection_created.connect(fx.register_sqlite_functions, dispatch_uid="costs-sqlite-fx-convert")
        post_migrate.connect(tasks.ensure_exchange_rates, sender=self, dispatch_uid="costs-load-exchange-rates")
        # a workspace taking up a reporting currency: convert the summaries into it (whoever saved it)
        post_save.connect(tasks.workspace_saved, sender=Workspace, dispatch_uid="costs-workspace-currency")
