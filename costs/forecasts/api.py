"""API v2: ``GET /api/v2/cost_reports/{id}/forecasted_costs``, the stored forecast of one saved report.

Reads what the forecasting task stored (never fits on a request), scoped to one of the caller's workspaces:
another workspace's report is a 404; bad dates, service or page a 400 naming the parameter.
"""

from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from vantage.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from vantage.api.schema import READ_ERRORS, WORKSPACE_PARAM
from vantage.api.scoping import WorkspaceScopedMixin

from ..api.query import decimal_string
from ..api.serializers import LinksSerializer
from ..api.views import CostsView
from ..models import CostReport
from .models import ForecastPoint, ReportForecast

NOT_COMPUTED = "not_computed"


class ForecastedCostSerializer(serializers.Serializer):
    date = serializers.DateField()
    amount = serializers.CharField(help_text="Expected cost of the day (decimal string).")
    low = serializers.CharField(help_text="Lower end of the 80% band.")
    high = serializers.CharField(help_text="Upper end of the 80% band.")
    currency = serializers.CharField()
    service = serializers.CharField()


class AccuracySerializer(serializers.Serializer):
    months = serializers.IntegerField(required=False, help_text="Past months backtested.")
    day = serializers.IntegerField(required=False, help_text="The day of each month the forecast was made on.")
    error_percent = serializers.FloatField(required=False, help_text="Median absolute error of the month total.")
    currency = serializers.CharField(required=False)


class ForecastedCostsResponseSerializer(serializers.Serializer):
    cost_report_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["ok", "too_short", "failed", NOT_COMPUTED])
    reason = serializers.CharField(allow_blank=True)
    method = serializers.CharField(allow_blank=True)
    accuracy = AccuracySerializer()
    history_end = serializers.DateField(allow_null=True, help_text="The last day of actual costs it saw.")
    computed_at = serializers.DateTimeField(allow_null=True)
    count = serializers.IntegerField()
    links = LinksSerializer()
    forecasted_costs = ForecastedCostSerializer(many=True)


def _date(params, name: str, errors: dict) -> date | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = [f"Give a date as YYYY-MM-DD, not “{raw}”."]
        return None


def _int(params, name: str, default: int, maximum: int, errors: dict) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not 1 <= value <= maximum:
        errors[name] = [f"Give a whole number between 1 and {maximum}, not “{raw}”."]
        return default
    return value


def _points(forecast: ReportForecast | None, params) -> tuple[object, int, int]:
    """The forecast's points the parameters ask for, and the page; a 400 names each bad parameter."""
    errors: dict[str, list[str]] = {}
    start, end = _date(params, "start_date", errors), _date(params, "end_date", errors)
    if start and end and end < start:
        errors["end_date"] = ["The end date is before the start date."]
    page = _int(params, "page", 1, 10**6, errors)
    page_size = _int(params, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, errors)
    points = ForecastPoint.objects.filter(forecast=forecast) if forecast else ForecastPoint.objects.none()
    service = params.get("service")
    if service not in (None, "") and forecast is not None and not points.filter(service=service).exists():
        known = sorted(set(points.values_list("service", flat=True)))
        errors["service"] = [f"No forecast for a service “{service}”; this report has: {', '.join(known) or 'none'}."]
    if errors:
        raise exceptions.ValidationError(errors)
    if start:
        points = points.filter(date__gte=start)
    if end:
        points = points.filter(date__lte=end)
    if service:
        points = points.filter(service=service)
    return points.order_by("date", "service", "currency"), page, page_size


def _as_dict(point: ForecastPoint) -> dict:
    return {"date": point.date.isoformat(), "amount": decimal_string(point.amount), "low": decimal_string(point.low),
            "high": decimal_string(point.high), "currency": point.currency, "service": point.service}  # fmt: skip


class ForecastedCostsView(WorkspaceScopedMixin, APIView):
    @extend_schema(
        operation_id="cost_reports_forecasted_costs",
        summary="A saved report's forecast: daily cost per service and currency with an 80% band",
        description="What the forecasting task stored after the last import (status, method, the backtest's "
        "typical error of the month-end total), to the end of the current month and the next three.",
        parameters=[
            WORKSPACE_PARAM,
            OpenApiParameter("start_date", OpenApiTypes.DATE, description="First day (inclusive)."),
            OpenApiParameter("end_date", OpenApiTypes.DATE, description="Last day (inclusive)."),
            OpenApiParameter("service", str, description="Only this service."),
            OpenApiParameter("page", int, description="Page number (from 1)."),
            OpenApiParameter("page_size", int, description=f"Rows per page (default {DEFAULT_PAGE_SIZE}, "
                             f"at most {MAX_PAGE_SIZE})."),
        ],
        responses={200: ForecastedCostsResponseSerializer, **READ_ERRORS},
        tags=["cost_reports"],
    )
    def get(self, request, pk: int, *args, **kwargs):
        report = get_object_or_404(CostReport, pk=pk, workspace=self.workspace)
        forecast = ReportForecast.objects.filter(report=report).first()
        points, page, page_size = _points(forecast, request.query_params)
        count = points.count()
        rows = points[(page - 1) * page_size: page * page_size]
        return Response({
            "cost_report_id": report.pk,
            "status": forecast.status if forecast else NOT_COMPUTED,
            "reason": forecast.reason if forecast else "Not computed yet: forecasts are fitted after each import.",
            "method": forecast.method if forecast else "",
            "accuracy": forecast.accuracy if forecast else {},
            "history_end": forecast.history_end.isoformat() if forecast and forecast.history_end else None,
            "computed_at": forecast.computed_at.isoformat() if forecast else None,
            "count": count,
            "links": CostsView._links(request, page, page_size, count),
            "forecasted_costs": [_as_dict(p) for p in rows],
        })
