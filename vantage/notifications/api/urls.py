from django.urls import re_path
from rest_framework.routers import SimpleRouter

from vantage.api.views import UnknownResourceView

from .views import NotificationViewSet, WebhookEndpointViewSet

app_name = "notifications-api"
router = SimpleRouter(trailing_slash=False)
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = [
    *router.urls,
    re_path(r"^(?:webhooks|notifications)/[\s\S]*$", UnknownResourceView.as_view()),  # non-numeric ids: a JSON 404
]
