from django.urls import path

from .views import WorkspaceListView

app_name = "vantage-api"
urlpatterns = [path("workspaces", WorkspaceListView.as_view(), name="workspace_list")]
