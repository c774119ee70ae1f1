from django.urls import re_path
from rest_framework.routers import SimpleRouter

from vantage.api.views import UnknownResourceView

from .views import CostAlertViewSet, ReportNotificationViewSet

app_name = "alerting-api"
router = SimpleRouter(trailing_slash=False)
router.register("cost_alerts", CostAlertViewSet, basename="costalert")
router.register("report_notifications", ReportNotificationViewSet, basename="reportnotification")
urlpatterns = [
    *router.urls,
    re_path(r"^(cost_alerts|report_notifications)/[\s\S]*$", UnknownResourceView.as_view()),  # a JSON 404
]
