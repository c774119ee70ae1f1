from django.apps import AppConfig
from django.db.backends.signals import connection_created

from .lib.money import register_sqlite_functions


class VantageConfig(AppConfig):
    name = "vantage"
    verbose_name = "Workspaces"

    def ready(self):
        connection_created.connect(register_sqlite_functions, dispatch_uid="vantage-sqlite-decimal-sum")
