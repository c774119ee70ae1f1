"""Operators see cost alerts, their events, report digests and their sends; edits follow the pages' rules."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max

from . import tasks, validation
from .models import CostAlert, CostAlertEvent, ReportDigest, ReportDigestSend


class CostAlertAdminForm(forms.ModelForm):
    class Meta:
        model = CostAlert
        fields = ["workspace", "name", "reports", "percent", "amount", "direction", "period", "recipients",
                  "webhooks", "is_active"]

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace")
        if workspace is None:
            return cleaned
        data = validation.AlertInput(
            name=cleaned.get("name") or "", reports=list(cleaned.get("reports") or []),
            percent=cleaned.get("percent"), amount=cleaned.get("amount"), direction=cleaned.get("direction") or "",
            period=cleaned.get("period") or "", recipients=list(cleaned.get("recipients") or []),
            webhooks=list(cleaned.get("webhooks") or []), is_active=cleaned.get("is_active", False),
        )  # fmt: skip
        for name, found in validation.check_alert(workspace, data).items():
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, ValidationError(found))
        return cleaned


class ReportDigestAdminForm(forms.ModelForm):
    class Meta:
        model = ReportDigest
        fields = ["workspace", "report", "frequency", "recipients", "webhooks", "is_active"]

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace")
        if workspace is None:
            return cleaned
        data = validation.DigestInput(
            report=cleaned.get("report"), frequency=cleaned.get("frequency") or "",
            recipients=list(cleaned.get("recipients") or []), webhooks=list(cleaned.get("webhooks") or []),
            is_active=cleaned.get("is_active", False),
        )  # fmt: skip
        for name, found in validation.check_digest(workspace, data).items():
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, ValidationError(found))
        return cleaned


@admin.action(description="Evaluate their workspaces now (queued)")
def evaluate_now(modeladmin, request, queryset):
    ids = sorted(set(queryset.values_list("workspace_id", flat=True)))
    for workspace_id in ids:
        tasks.async_task(tasks.EVALUATE_TASK, workspace_id)
    messages.success(request, f"Queued the evaluation of {len(ids)} workspace(s).")


@admin.register(CostAlert)
class CostAlertAdmin(admin.ModelAdmin):
    form = CostAlertAdminForm
    list_display = ["name", "workspace", "period", "direction", "percent", "amount", "is_active", "events_count",
                    "last_event"]
    list_filter = ["is_active", "period", "direction"]
    search_fields = ["name", "workspace__name"]
    filter_horizontal = ["reports", "recipients", "webhooks"]
    actions = [evaluate_now]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workspace").annotate(
            n_events=Count("events"), last_event_at=Max("events__created_at"))

    @admin.display(description="Events", ordering="n_events")
    def events_count(self, obj):
        return obj.n_events

    @admin.display(description="Last event", ordering="last_event_at")
    def last_event(self, obj):
        return obj.last_event_at


@admin.register(CostAlertEvent)
class CostAlertEventAdmin(admin.ModelAdmin):
    list_display = ["alert", "report", "group", "period_start", "period_end", "previous_amount", "amount", "percent",
                    "currency", "created_at"]
    list_filter = ["period", "currency"]
    search_fields = ["alert__name", "group", "report__title"]
    list_select_related = ["alert", "report"]
    date_hierarchy = "period_start"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportDigest)
class ReportDigestAdmin(admin.ModelAdmin):
    form = ReportDigestAdminForm
    list_display = ["report", "workspace", "frequency", "is_active", "last_sent"]
    list_filter = ["is_active", "frequency"]
    search_fields = ["report__title", "workspace__name"]
    filter_horizontal = ["recipients", "webhooks"]
    actions = [evaluate_now]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workspace", "report").annotate(
            last_period=Max("sends__period_start"))

    @admin.display(description="Last period sent", ordering="last_period")
    def last_sent(self, obj):
        return obj.last_period


@admin.register(ReportDigestSend)
class ReportDigestSendAdmin(admin.ModelAdmin):
    list_display = ["digest", "period_start", "period_end", "created_at"]
    list_select_related = ["digest__report"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
