from django.urls import path
from django.views.generic import RedirectView

from . import views
from .twilio import views as twilio_views

app_name = "integrations"
urlpatterns = [
    # Settings > Integrations: one provider today, so its page (a bookmark of the section still works)
    path("", RedirectView.as_view(pattern_name="integrations:twilio", permanent=False), name="index"),
    path("twilio/", twilio_views.twilio, name="twilio"),  # a provider's page is named after it (views.manage_url)
    path("twilio/<int:pk>/", views.detail, name="detail"),
    path("twilio/<int:pk>/status.json", views.status_json, name="status"),
    path("twilio/<int:pk>/sync/", views.sync, name="sync"),
    path("twilio/<int:pk>/retry/", views.retry, name="retry"),
    path("twilio/<int:pk>/history/", views.import_earlier, name="import_earlier"),
    path("twilio/<int:pk>/workspaces/", views.workspaces, name="workspaces"),
    path("twilio/<int:pk>/edit/", twilio_views.edit, name="edit"),
    path("twilio/<int:pk>/remove/", views.delete, name="delete"),
]
