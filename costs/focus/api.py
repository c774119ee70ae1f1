"""``GET /api/v2/exports/focus``: the workspace's costs as FOCUS 1.2 (CSV or Parquet, streamed)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from vantage.api.schema import READ_ERRORS, WORKSPACE_PARAM
from vantage.api.scoping import WorkspaceScopedMixin

from ..api.query import _check_filters, _saved_then_given
from ..api.views import COSTS_PARAMS
from .services import CONTENT_TYPES, FORMAT_ERROR, FocusFormat, export_focus, focus_response

# The cost filters of /costs, minus what only shapes aggregated rows (bins, groupings, currency, report).
FILTER_PARAMS = [p for p in COSTS_PARAMS if p.name not in ("workspace", "cost_report", "date_bin", "groupings",
                                                         "currency")]  # fmt: skip


class BodyNotNegotiated(DefaultContentNegotiation):
    """``format`` names the export's format, not a renderer (DRF reads ``?format=`` as one): the body is
    always the export, errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FocusExportView(WorkspaceScopedMixin, APIView):
    renderer_classes = [JSONRenderer]  # errors only: the export is streamed
    content_negotiation_class = BodyNotNegotiated

    @extend_schema(
        operation_id="exports_focus_retrieve",
        summary="Costs as FOCUS 1.2 Cost and Usage rows (CSV or Parquet, streamed, all rows)",
        description="One row per line item (account x UTC day x Twilio category, plus the day's unattributed "
        "residual), so BilledCost adds up to Twilio's total for the range. Same date and cost filters as /costs "
        "(default: this month).",
        parameters=[
            WORKSPACE_PARAM,
            OpenApiParameter("format", str, enum=list(FocusFormat.values), description="csv (default) or parquet."),
            *FILTER_PARAMS,
        ],
        responses={
            (200, CONTENT_TYPES[FocusFormat.CSV]): OpenApiResponse(OpenApiTypes.STR, description="FOCUS CSV"),
            (200, CONTENT_TYPES[FocusFormat.PARQUET]): OpenApiResponse(OpenApiTypes.BINARY, description="Parquet"),
            **READ_ERRORS,
        },
        tags=["exports"],
    )
    def get(self, request, *args, **kwargs):
        errors: dict[str, list[str]] = {}
        fmt = request.query_params.get("format") or FocusFormat.CSV
        if fmt not in FocusFormat.values:
            errors["format"] = [FORMAT_ERROR % fmt]
        params, _, _ = _saved_then_given(request.query_params, None)  # /costs' dates: this month by default
        filterset = _check_filters(params, request, self.workspace, errors)
        if errors:
            raise exceptions.ValidationError(errors)
        start, end = filterset.date_bounds
        return focus_response(export_focus(filterset.filter_dimensions(), self.workspace, start, end, fmt))
