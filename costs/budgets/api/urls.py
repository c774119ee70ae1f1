from django.urls import re_path
from rest_framework.routers import SimpleRouter

from vantage.api.views import UnknownResourceView

from .views import BudgetAlertViewSet, BudgetViewSet

app_name = "budgets-api"
router = SimpleRouter(trailing_slash=False)
router.register("budgets", BudgetViewSet, basename="budget")
router.register("budget_alerts", BudgetAlertViewSet, basename="budgetalert")
urlpatterns = [
    *router.urls,
    re_path(r"^(budgets|budget_alerts)/[\s\S]*$", UnknownResourceView.as_view()),  # non-numeric ids: a JSON 404
]
