from django.urls import re_path
from rest_framework.routers import SimpleRouter

from vantage.api.views import UnknownResourceView

from .views import AnomalyAlertViewSet, AnomalyNotificationViewSet

app_name = "anomalies-api"
router = SimpleRouter(trailing_slash=False)
router.register("anomaly_alerts", AnomalyAlertViewSet, basename="anomalyalert")
router.register("anomaly_notifications", AnomalyNotificationViewSet, basename="anomalynotification")
urlpatterns = [
    *router.urls,
    re_path(r"^(anomaly_alerts|anomaly_notifications)/[\s\S]*$", UnknownResourceView.as_view()),
]
