from django.urls import re_path
from rest_framework.routers import SimpleRouter

from vantage.api.views import UnknownResourceView

from .views import VirtualTagViewSet

app_name = "tagging-api"
router = SimpleRouter(trailing_slash=False)
router.register("virtual_tags", VirtualTagViewSet, basename="virtualtag")
urlpatterns = [
    *router.urls,
    re_path(r"^virtual_tags/[\s\S]*$", UnknownResourceView.as_view()),  # ids that are not numbers: a JSON 404
]
