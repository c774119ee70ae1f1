from django.apps import AppConfig


class ForecastsConfig(AppConfig):
    name = "costs.forecasts"
    label = "forecasts"
    verbose_name = "Forecasts"
    default_auto_field = "django.db.models.BigAutoField"
