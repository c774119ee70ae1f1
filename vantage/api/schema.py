"""OpenAPI pieces every app's endpoints share: the workspace parameter and the error shape."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

WORKSPACE_PARAM = OpenApiParameter(
    "workspace", int, description="Workspace id (required if you belong to several; 404 if it is not yours)"
)


class ApiErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="The parameter or body field at fault (null: the request as a whole)."
    )
    message = serializers.CharField()


class ApiErrorSerializer(serializers.Serializer):
    """Every error answer: ``{"errors": [{"field": ..., "message": ...}]}``."""

    errors = ApiErrorItemSerializer(many=True)


def _error(description):
    return OpenApiResponse(ApiErrorSerializer, description=description)


BAD_REQUEST = {400: _error("Invalid input; each error names the field or parameter.")}
READ_ERRORS = {
    **BAD_REQUEST,
    401: _error("No or invalid Bearer token."),
    404: _error("Not found in your workspaces (or the workspace is not yours)."),
    429: _error("Too many requests: wait for the number of seconds in Retry-After."),
}
WRITE_ERRORS = {**READ_ERRORS, 403: _error("Viewers can read but not change anything.")}


def json_only(responses: dict) -> dict:
    """The same responses, declared as JSON only (for views that also render CSV)."""
    return {(code, "application/json"): response for code, response in responses.items()}
