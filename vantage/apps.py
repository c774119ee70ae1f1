from django.apps import AppConfig
from django.db.backends.signals import connection_created


class VantageConfig(AppConfig):
    name = "vantage"
    verbose_name = "Workspaces"

    def ready(self):
        from .lib.money import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="vantage-sqlite-decimal-sum")
