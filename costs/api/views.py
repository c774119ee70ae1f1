"""API v2: costs (JSON and CSV) and saved cost reports, scoped to one of the caller's workspaces."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from vantage.api.pagination import MAX_PAGE_SIZE
from vantage.api.schema import READ_ERRORS, WORKSPACE_PARAM, WRITE_ERRORS, json_only
from vantage.api.scoping import WorkspaceScopedMixin
from vantage.api.viewsets import WorkspaceViewSetMixin
from vantage.audit.choices import AuditAction
from vantage.audit.services import record

from .. import services
from ..choices import DateBin, DateRange, Operator
from ..exports import csv_response
from ..filtersets import DIMENSION_PARAMS
from ..models import CostReport
from .query import parse_costs_request
from .serializers import CostReportSerializer, CostReportWriteSerializer, CostsResponseSerializer

# --- renderers and negotiation ------------------------------------------------------------------------------


class CSVRenderer(BaseRenderer):
    """Lets ``Accept: text/csv`` through content negotiation; the views stream the CSV themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - errors go as JSON
        return JSONRenderer().render(data)


class AlwaysJSONNegotiation(DefaultContentNegotiation):
    """For ``costs.csv``: the body is always CSV; errors are always JSON, whatever ``Accept`` says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ErrorsAsJSONMixin:
    """Error answers are JSON even when the client asked for CSV."""

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and renderer is not None and renderer.format == "csv":
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


# --- /costs ------------------------------------------------------------------------------------------------


def _filter_params():
    out = []
    for name in DIMENSION_PARAMS:
        out.append(OpenApiParameter(name, str, many=True, explode=True,
                                    description=f"Only these {name} values (repeat for several, OR-ed)."))
        out.append(OpenApiParameter(f"{name}_op", str, enum=list(Operator.values),
                                    description=f"is (default) or not: exclude the {name} values instead."))
    out.append(OpenApiParameter(
        "tag", str, many=True, explode=True,
        description="Virtual tag filter key:value (e.g. team:web); OR within a key, AND across keys.",
    ))
    out.append(OpenApiParameter("tag_op", str, enum=list(Operator.values), description="is (default) or not."))
    return out


COSTS_PARAMS = [
    WORKSPACE_PARAM,
    OpenApiParameter("cost_report", int,
                     description="Start from this saved report's settings; other parameters override them."),
    OpenApiParameter("date_range", str, enum=list(DateRange.values),
                     description="A preset (UTC days); custom needs start_date and end_date. Default: this_month."),
    OpenApiParameter("start_date", OpenApiTypes.DATE,
                     description="First day (inclusive, UTC); implies date_range=custom."),
    OpenApiParameter("end_date", OpenApiTypes.DATE,
                     description="Last day (inclusive); at most three years after start_date."),
    OpenApiParameter("date_bin", str, enum=list(DateBin.values), description="Default: day (or the report's)."),
    OpenApiParameter("currency", str,
                     description="Show costs in this ECB currency (e.g. USD), each day at that day's ECB reference "
                     "rate; `billing`: in their billing currencies. Default: the workspace's reporting currency."),
    OpenApiParameter("groupings", str,
                     description="Comma-separated: billing_account, account_id, service, charge_type, category, "
                     "usage_unit, tag:<key>; at most 3. Default: service (or the report's). Empty: no grouping."),
    *_filter_params(),
]
PAGE_PARAMS = [
    OpenApiParameter("page", int, description="Page number (from 1)."),
    OpenApiParameter("page_size", int, description=f"Rows per page (default 100, at most {MAX_PAGE_SIZE})."),
]


def _stream_csv(costs, workspace):
    q = costs.query
    return csv_response(costs.csv_rows(), f"costs-{workspace.pk}-{q.start.isoformat()}-{q.end.isoformat()}.csv")


class CostsView(ErrorsAsJSONMixin, WorkspaceScopedMixin, APIView):
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]

    @extend_schema(
        operation_id="costs_retrieve",
        summary="Costs and usage, aggregated by date bin and groupings",
        description="Totals per currency and per usage unit, and one row per date bin x grouping values x "
        "currency x unit. Send `Accept: text/csv` (or use /costs.csv) for the same rows as CSV.",
        parameters=[*COSTS_PARAMS, *PAGE_PARAMS],
        responses={
            (200, "application/json"): CostsResponseSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="All rows (not paginated) as CSV."),
            **json_only(READ_ERRORS),
        },
        tags=["costs"],
    )
    def get(self, request, *args, **kwargs):
        as_csv = request.accepted_renderer.format == "csv"
        costs = parse_costs_request(request, self.workspace, paginate=not as_csv)
        if as_csv:
            return _stream_csv(costs, self.workspace)
        count, rows = costs.page_rows()
        q = costs.query
        total_cost = costs.total_cost()
        return Response({
            "start_date": q.start.isoformat(),
            "end_date": q.end.isoformat(),
            "date_bin": q.bin,
            "groupings": costs.groupings,
            "currency": q.currency,
            "exchange_rates": costs.exchange_rates(total_cost),
            "total_cost": total_cost,
            "total_usage": costs.total_usage(),
            "not_imported": costs.not_imported(),
            "count": count,
            "links": self._links(request, costs.page, costs.page_size, count),
            "costs": [costs.as_dict(r) for r in rows],
        })

    @staticmethod
    def _links(request, page, page_size, count):
        url = request.build_absolute_uri()
        last = max(1, -(-count // page_size))

        def to(n):
            return remove_query_param(url, "page") if n == 1 else replace_query_param(url, "page", n)

        return {
            "self": url,
            "first": to(1),
            "prev": to(page - 1) if 1 < page <= last + 1 else None,
            "next": to(page + 1) if page < last else None,
            "last": to(last),
        }


class CostsCsvView(WorkspaceScopedMixin, APIView):
    renderer_classes = [JSONRenderer]  # errors only: the rows are streamed as CSV
    content_negotiation_class = AlwaysJSONNegotiation

    @extend_schema(
        operation_id="costs_csv_retrieve",
        summary="Costs and usage as CSV (streamed; all rows, no pagination)",
        description="Columns: accrued_at, one per grouping, amount, currency, billing_amount, billing_currency, "
        "usage_amount, usage_unit.",
        parameters=COSTS_PARAMS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV"), **READ_ERRORS},
        tags=["costs"],
    )
    def get(self, request, *args, **kwargs):
        return _stream_csv(parse_costs_request(request, self.workspace, paginate=False), self.workspace)


# --- /cost_reports -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Saved cost reports of the workspace (All Resources first)",
                       parameters=[WORKSPACE_PARAM], responses={200: CostReportSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One saved cost report", parameters=[WORKSPACE_PARAM],
                           responses={200: CostReportSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Save a new cost report (owners and editors)", parameters=[WORKSPACE_PARAM],
                         request=CostReportWriteSerializer, responses={201: CostReportSerializer, **WRITE_ERRORS}),
    update=extend_schema(
        summary="Replace a report's title and settings (its author or an owner; never All Resources)",
        parameters=[WORKSPACE_PARAM], request=CostReportWriteSerializer,
        responses={200: CostReportSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(summary="Delete a report (its author or an owner; never All Resources)",
                          parameters=[WORKSPACE_PARAM], responses={204: None, **WRITE_ERRORS}),
)
class CostReportViewSet(
    WorkspaceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = CostReportSerializer
    queryset = CostReport.objects.none()  # for the schema; get_queryset scopes to the workspace

    def get_queryset(self):
        return CostReport.objects.filter(workspace=self.workspace).select_related("created_by")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "workspace"):  # not set while the OpenAPI schema is generated
            context["role"] = self.workspace.role_of(self.request.user)
        return context

    def list(self, request, *args, **kwargs):
        services.ensure_default_report(self.workspace)  # as the report list page does
        return super().list(request, *args, **kwargs)

    def _changeable(self) -> CostReport:
        """Same rules as the pages: editors change their own reports, owners any; never the default."""
        self.require_editor()
        report = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if report.is_default:
            raise exceptions.ValidationError(
                {"non_field_errors": [f"“{report.title}” is the default report: it cannot be changed or deleted. "
                                      "Create a new report instead."]}
            )
        if not services.can_change(report, self.request.user, self.workspace.role_of(self.request.user)):
            raise exceptions.PermissionDenied("Only the report's author or a workspace owner can change it.")
        return report

    def _output(self, report, code=status.HTTP_200_OK):
        report = CostReport.objects.select_related("created_by").get(pk=report.pk)
        return Response(CostReportSerializer(report, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        self.require_editor()
        ser = CostReportWriteSerializer(data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        report = services.create_report(self.workspace, request.user, ser.validated_data["title"],
                                        ser.validated_data["settings"])
        record(request, self.workspace, AuditAction.REPORT_CREATED, report, f"Created the report “{report.title}”.")
        return self._output(report, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        report = self._changeable()
        ser = CostReportWriteSerializer(report, data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        services.save_report(report, title=ser.validated_data["title"], settings=ser.validated_data["settings"])
        record(request, self.workspace, AuditAction.REPORT_CHANGED, report, f"Saved the report “{report.title}”.")
        return self._output(report)

    def destroy(self, request, *args, **kwargs):
        report = self._changeable()
        record(request, self.workspace, AuditAction.REPORT_DELETED, report, f"Deleted the report “{report.title}”.")
        services.delete_report(report)
        return Response(status=status.HTTP_204_NO_CONTENT)
