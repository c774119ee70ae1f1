from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from vantage.api.views import UnknownResourceView

from ..focus.api import FocusExportView
from ..forecasts.api import ForecastedCostsView
from .views import CostReportViewSet, CostsCsvView, CostsView

app_name = "costs-api"
router = SimpleRouter(trailing_slash=False)
router.register("cost_reports", CostReportViewSet, basename="costreport")
urlpatterns = [
    path("costs", CostsView.as_view(), name="costs"),
    path("costs.csv", CostsCsvView.as_view(), name="costs_csv"),
    path("exports/focus", FocusExportView.as_view(), name="exports_focus"),
    *router.urls,
    path("cost_reports/<int:pk>/forecasted_costs", ForecastedCostsView.as_view(), name="costreport_forecasted_costs"),
    re_path(r"^cost_reports/[\s\S]*$", UnknownResourceView.as_view()),  # ids that are not numbers: a JSON 404
]
