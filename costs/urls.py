from django.urls import path

from . import views
from .focus import views as focus_views

app_name = "costs"
urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("new/", views.report_create, name="report_create"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/export.csv", views.report_export, name="report_export"),
    path("<int:pk>/focus", focus_views.report_focus_export, name="report_focus_export"),
    path("<int:pk>/save/", views.report_save, name="report_save"),
    path("<int:pk>/rename/", views.report_rename, name="report_rename"),
    path("<int:pk>/delete/", views.report_delete, name="report_delete"),
]
