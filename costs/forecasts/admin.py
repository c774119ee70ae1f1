"""The operator's console for forecasts: read-only (the task writes them), with the points each holds."""

from django.contrib import admin
from django.db.models import Count

from .models import ReportForecast
from .tasks import queue_workspace


@admin.register(ReportForecast)
class ReportForecastAdmin(admin.ModelAdmin):
    list_display = ("report", "workspace", "status", "method", "history_end", "horizon_end", "points_count",
                    "accuracy", "computed_at")
    list_filter = ("status", "computed_at")
    search_fields = ("report__title", "report__workspace__name")
    list_select_related = ("report", "report__workspace")
    actions = ["queue_refresh"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(points_count=Count("points", distinct=True))

    @admin.display(description="Workspace", ordering="report__workspace__name")
    def workspace(self, obj):
        return obj.report.workspace

    @admin.display(description="Points", ordering="points_count")
    def points_count(self, obj):
        return obj.points_count

    @admin.action(description="Queue a refresh of these reports' workspaces")
    def queue_refresh(self, request, queryset):
        ids = sorted(set(queryset.values_list("report__workspace_id", flat=True)))
        for workspace_id in ids:
            queue_workspace(workspace_id)
        self.message_user(request, f"Queued {len(ids)} forecast refresh(es).")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
