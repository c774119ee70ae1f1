from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from vantage.models import Workspace

from .serializers import WorkspaceSerializer


@extend_schema(summary="The workspaces you belong to, with your role in each", tags=["Workspaces"])
class WorkspaceListView(generics.ListAPIView):
    serializer_class = WorkspaceSerializer

    def get_queryset(self):
        return (
            Workspace.objects.filter(memberships__user=self.request.user)
            .annotate(my_role=F("memberships__role"))
            .order_by("name")
        )
