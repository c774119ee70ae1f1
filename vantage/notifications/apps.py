from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "vantage.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
