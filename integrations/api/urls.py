from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import IntegrationViewSet, TwilioIntegrationCreateView

app_name = "integrations-api"
router = SimpleRouter(trailing_slash=False)
router.register("integrations", IntegrationViewSet, basename="integration")
urlpatterns = [path("integrations/twilio", TwilioIntegrationCreateView.as_view(), name="twilio_create"), *router.urls]
