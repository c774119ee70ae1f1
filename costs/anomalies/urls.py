from django.urls import path

from . import views

app_name = "anomalies"
urlpatterns = [
    path("", views.anomaly_list, name="anomaly_list"),
    path("<int:pk>/action/", views.anomaly_action, name="anomaly_action"),
    path("settings/", views.anomaly_settings, name="anomaly_settings"),
    path("notifications/<int:report_pk>/", views.notification_edit, name="notification_edit"),
    path("notifications/<int:report_pk>/delete/", views.notification_delete, name="notification_delete"),
]
