from django.urls import path

from . import views

app_name = "budgets"
urlpatterns = [
    path("", views.budget_list, name="budget_list"),
    path("new/", views.budget_create, name="budget_create"),
    path("export.csv", views.budget_export, name="budget_export"),
    path("import/", views.budget_import, name="budget_import"),
    path("<int:pk>/", views.budget_detail, name="budget_detail"),
    path("<int:pk>/edit/", views.budget_edit, name="budget_edit"),
    path("<int:pk>/delete/", views.budget_delete, name="budget_delete"),
    path("<int:pk>/alerts/new/", views.alert_create, name="alert_create"),
    path("alerts/<int:pk>/", views.alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/delete/", views.alert_delete, name="alert_delete"),
]
