from django.urls import path

from .views import AuditEventListView

app_name = "audit-api"
urlpatterns = [path("audit_events", AuditEventListView.as_view(), name="auditevent_list")]
