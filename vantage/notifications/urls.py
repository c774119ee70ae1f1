from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("log/", views.notification_log, name="notification_log"),
    path("webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
]
