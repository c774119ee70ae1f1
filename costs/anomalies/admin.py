"""Operators see anomalies (by status, workspace, day), floors, suppressions, scoring markers and settings."""

from __future__ import annotations

from django.contrib import admin, messages
from django_q.tasks import async_task

from . import services, tasks
from .choices import AnomalyStatus
from .forms import AnomalySettingsForm
from .models import Anomaly, AnomalyNotification, AnomalySettings, AnomalySuppression, ScoringState


@admin.register(Anomaly)
class AnomalyAdmin(admin.ModelAdmin):
    list_display = ["date", "workspace", "service", "category", "account_id", "direction", "amount", "expected",
                    "percent_change", "status", "feedback", "notified"]
    list_filter = ["status", "direction", "feedback", "notified", "workspace"]
    search_fields = ["service", "category", "account_id"]
    date_hierarchy = "date"
    list_select_related = ["workspace"]
    readonly_fields = ["workspace", "integration", "account_id", "service", "category", "date", "currency",
                       "direction", "amount", "expected", "lower_bound", "upper_bound", "previous_amount",
                       "seven_day_average", "percent_change", "notified", "created_at", "updated_at"]
    actions = ["archive", "rescore"]

    @admin.action(description="Archive the selected anomalies")
    def archive(self, request, queryset):
        count = queryset.update(status=AnomalyStatus.ARCHIVED)
        messages.success(request, f"Archived {count} anomalies.")

    @admin.action(description="Queue a scoring of the selected anomalies' integrations (new days only)")
    def rescore(self, request, queryset):
        ids = sorted(set(queryset.values_list("integration_id", flat=True)))
        for integration_id in ids:
            async_task(tasks.SCORE_TASK, integration_id)
        messages.success(request, f"Queued {len(ids)} scorings.")


@admin.register(AnomalySettings)
class AnomalySettingsAdmin(admin.ModelAdmin):
    form = AnomalySettingsForm
    list_display = ["workspace", "min_amount", "min_percent"]
    fields = ["workspace", "min_amount", "min_percent"]


@admin.register(AnomalySuppression)
class AnomalySuppressionAdmin(admin.ModelAdmin):
    list_display = ["workspace", "category", "account_id", "until", "created_by", "created_at"]
    list_filter = ["workspace"]
    readonly_fields = ["anomaly", "created_by", "created_at"]


@admin.register(ScoringState)
class ScoringStateAdmin(admin.ModelAdmin):
    list_display = ["integration", "scored_through", "updated_at"]
    readonly_fields = ["integration", "scored_through", "updated_at"]


@admin.register(AnomalyNotification)
class AnomalyNotificationAdmin(admin.ModelAdmin):
    list_display = ["cost_report", "workspace", "min_amount", "is_active"]
    list_filter = ["is_active", "workspace"]
    filter_horizontal = ["recipients", "webhooks"]
    actions = ["send_digest"]

    @admin.action(description="Send today's digest of the selected settings' workspaces (once a day)")
    def send_digest(self, request, queryset):
        sent = sum(services.send_digest(ws) for ws in {s.workspace for s in queryset.select_related("workspace")})
        messages.success(request, f"Recorded {sent} digest notifications.")
