"""The base every workspace-scoped viewset shares: numeric ids, the API's pagination, no PATCH, and the
workspace in the serializer context."""

from .pagination import ApiPagination
from .scoping import WorkspaceScopedMixin


class WorkspaceViewSetMixin(WorkspaceScopedMixin):
    # Put before the DRF viewset class: ``class XViewSet(WorkspaceViewSetMixin, viewsets.ModelViewSet)``.
    # No docstring: drf-spectacular shows the first docstring of a view's classes as its description.

    pagination_class = ApiPagination
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "put", "delete", "head", "options"]  # PUT replaces the whole object

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "workspace"):  # not set while the OpenAPI schema is generated
            context["workspace"] = self.workspace
        return context
