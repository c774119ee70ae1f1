from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "vantage.audit"
    label = "audit"
    verbose_name = "Audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: the receivers import the models, which need the app registry ready.
        from . import receivers  # noqa: F401
