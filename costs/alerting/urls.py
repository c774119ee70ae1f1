from django.urls import path

from . import views

app_name = "alerting"
urlpatterns = [
    path("alerts/", views.costalert_list, name="costalert_list"),
    path("alerts/new/", views.costalert_create, name="costalert_create"),
    path("alerts/<int:pk>/", views.costalert_edit, name="costalert_edit"),
    path("alerts/<int:pk>/delete/", views.costalert_delete, name="costalert_delete"),
    path("alerts/<int:pk>/events/", views.costalert_events, name="costalert_events"),
    path("digests/", views.reportdigest_list, name="reportdigest_list"),
    path("digests/new/", views.reportdigest_create, name="reportdigest_create"),
    path("digests/<int:pk>/", views.reportdigest_edit, name="reportdigest_edit"),
    path("digests/<int:pk>/delete/", views.reportdigest_delete, name="reportdigest_delete"),
]
