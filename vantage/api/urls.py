from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from .members import MembershipViewSet
from .views import UnknownResourceView, WorkspaceListView

app_name = "vantage-api"
router = SimpleRouter(trailing_slash=False)
router.register("workspace_members", MembershipViewSet, basename="workspace_member")
urlpatterns = [
    path("workspaces", WorkspaceListView.as_view(), name="workspace_list"),
    *router.urls,
    re_path(r"^workspace_members/[\s\S]*$", UnknownResourceView.as_view()),  # non-numeric ids: a JSON 404
]
