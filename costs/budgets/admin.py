"""Operators see budgets, their alerts and every firing; edits go through the same rules as the pages."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count

from vantage.lib.admin import count_column, money_column

from . import tasks, validation
from .models import Budget, BudgetAlert, BudgetAlertFiring, BudgetPeriod
from .validation import Period


class PeriodInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        periods = [Period(f.cleaned_data["start_month"], f.cleaned_data.get("end_month"), f.cleaned_data["amount"])
                   for f in self.forms
                   if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("start_month")]
        validation.check_periods(periods)
        for period in periods:
            validation.parse_month(period.start_month)
            validation.parse_amount(period.amount)
            if period.end_month:
                validation.parse_month(period.end_month)
        if periods and self.instance.pk and self.instance.children.exists():
            raise ValidationError("A parent budget adds up its children and has no periods of its own.")


class BudgetPeriodInline(admin.TabularInline):
    model = BudgetPeriod
    formset = PeriodInlineFormSet
    extra = 0


class BudgetAdminForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ["workspace", "cost_report", "name", "parent", "currency"]

    def clean(self):
        cleaned = super().clean()
        workspace, report = cleaned.get("workspace"), cleaned.get("cost_report")
        if workspace and report:
            try:
                validation.check_report(workspace, report)
            except ValidationError as error:
                self.add_error("cost_report", error)
        if workspace and cleaned.get("parent"):
            self.instance.workspace = workspace
            try:
                validation.check_parent(self.instance, cleaned["parent"], has_periods=False)
            except ValidationError as error:
                self.add_error("parent", error)
        return cleaned


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    form = BudgetAdminForm
    list_display = ["name", "workspace", "cost_report", "parent", "currency", "period_count", "alert_count"]
    list_filter = ["workspace", "currency"]
    search_fields = ["name"]
    list_select_related = ["workspace", "cost_report", "parent"]
    inlines = [BudgetPeriodInline]
    actions = ["evaluate_alerts"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_periods=Count("periods", distinct=True),
                                                      _alerts=Count("alerts", distinct=True))

    period_count = count_column("_periods", "Periods")
    alert_count = count_column("_alerts", "Alerts")

    @admin.action(description="Evaluate the alerts of the selected budgets' workspaces now (queued)")
    def evaluate_alerts(self, request, queryset):
        ids = sorted(set(queryset.values_list("workspace_id", flat=True)))
        for workspace_id in ids:
            tasks.async_task(tasks.EVALUATE_TASK, workspace_id)
        messages.info(request, f"Queued {len(ids)} evaluation(s).")


class BudgetAlertAdminForm(forms.ModelForm):
    class Meta:
        model = BudgetAlert
        fields = ["budget", "thresholds", "basis", "window", "window_days", "recipients", "webhooks", "is_active"]

    def clean_thresholds(self):
        return validation.parse_thresholds(self.cleaned_data["thresholds"])

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["window_days"] = validation.check_window(cleaned.get("window"), cleaned.get("window_days"))
            if cleaned.get("budget"):
                validation.check_members(cleaned["budget"].workspace, cleaned.get("recipients") or [])
                validation.check_webhooks(cleaned["budget"].workspace, cleaned.get("webhooks") or [])
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return cleaned


@admin.register(BudgetAlert)
class BudgetAlertAdmin(admin.ModelAdmin):
    form = BudgetAlertAdminForm
    list_display = ["__str__", "budget", "basis", "window", "is_active", "firing_count"]
    list_filter = ["is_active", "basis", "window", "budget__workspace"]
    list_select_related = ["budget"]
    filter_horizontal = ["recipients", "webhooks"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_firings=Count("firings"))

    firing_count = count_column("_firings", "Firings")


@admin.register(BudgetAlertFiring)
class BudgetAlertFiringAdmin(admin.ModelAdmin):
    list_display = ["alert", "month", "threshold", "basis", "value_column", "notified", "fired_at"]
    list_filter = ["notified", "basis", "month"]
    list_select_related = ["alert__budget"]
    readonly_fields = ["alert", "month", "threshold", "basis", "value", "budget_amount", "notified", "fired_at"]

    value_column = money_column("value", "Value")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
