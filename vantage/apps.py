from django.apps import AppConfig


class VantageConfig(AppConfig):
    name = "vantage"
    verbose_name = "Workspaces"
