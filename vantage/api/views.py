from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics
from rest_framework.views import APIView

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


@extend_schema(exclude=True)
class UnknownResourceView(APIView):
    """``/cost_reports/<not a number>`` and the like: the API's JSON 404 (after authentication), not Django's page."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound("Not found.")
