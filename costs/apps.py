from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class CostsConfig(AppConfig):
    name = "costs"
    verbose_name = "Costs"

    def ready(self):
        # costs.fx imports the models, which only exist once the app registry is ready.
        from . import fx

        connection_created.connect(fx.register_sqlite_functions, dispatch_uid="costs-sqlite-fx-convert")
        post_migrate.connect(fx.ensure_exchange_rates, sender=self, dispatch_uid="costs-load-exchange-rates")
