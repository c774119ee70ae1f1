"""The operator's console: integrations, ingestion runs and the category catalog.

Credentials are never shown: they are excluded from every form, list and search.
"""

from django.contrib import admin, messages
from django.db.models import Count, DecimalField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from vantage.lib import formatting
from vantage.lib.admin import count_column, money_column
from vantage.lib.money import MONEY, ExactSum

from . import services
from .models import IngestionRun, Integration, TwilioUsageCategory, UnclassifiedUsage
from .summaries import costs_by_integration
from .twilio.importer import HISTORY_MONTHS

SECRET_FIELDS = ("api_key_sid", "api_secret")


def _sum_of(queryset, field: str) -> Subquery:
    """The exact sum of ``field`` over a queryset correlated with ``OuterRef``: one subquery per row."""
    return Subquery(queryset.annotate(s=ExactSum(field)).values("s")[:1], output_field=DecimalField(**MONEY))


def _reimport(integrations) -> int:
    """Queue a re-import of the connect-time history for each integration not busy; how many were queued."""
    n = 0
    for integration in integrations:
        if not services.is_busy(integration):
            services.queue_history_import(integration)
            n += 1
    return n


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = [
        "account_name", "provider", "status", "short_error", "last_refreshed_at", "workspace_count", "line_items",
        "cost_to_date",
    ]
    list_filter = ["status", "provider"]
    search_fields = ["account_name", "account_sid", "description"]
    exclude = SECRET_FIELDS
    readonly_fields = [
        "provider", "account_sid", "status", "status_message", "import_windows_total", "import_windows_done",
        "import_records_read", "import_started_at", "history_back_to", "last_refreshed_at", "created_by",
        "created_at", "updated_at",
    ]
    filter_horizontal = ["workspaces"]
    actions = ["sync_now", "reimport_history"]

    def get_queryset(self, request):
        assigned = Integration.workspaces.through.objects.filter(integration=OuterRef("pk")).values("integration")
        return super().get_queryset(request).annotate(
            _items=Count("cost_line_items"),
            _workspaces=Coalesce(Subquery(assigned.annotate(n=Count("pk")).values("n")[:1]), Value(0)),
        )

    def get_changelist_instance(self, request):
        """The page's rows with their cost per billing currency, in one grouped query for the whole page."""
        changelist = super().get_changelist_instance(request)
        costs = costs_by_integration([i.pk for i in changelist.result_list])
        for integration in changelist.result_list:
            integration.costs = costs.get(integration.pk, [])
        return changelist

    def has_add_permission(self, request):
        return False  # connecting needs the live credentials check: use Settings › Integrations

    @admin.display(description="Last error")
    def short_error(self, obj):
        return (obj.status_message[:80] + "…") if len(obj.status_message) > 80 else obj.status_message

    line_items = count_column("_items", "Line items")
    # An operator deletes for every workspace (and is the one who deletes an integration left in none).
    workspace_count = count_column("_workspaces", "Workspaces")

    def delete_model(self, request, obj):
        services.delete_integration(obj)  # the same deletion as the pages and the API: costs, runs, records

    def delete_queryset(self, request, queryset):
        for integration in queryset:
            services.delete_integration(integration)
    @admin.display(description="Cost to date")
    def cost_to_date(self, obj):
        """Each billing currency on its own line (``1,951,085.59 USD``): amounts in two currencies never add up."""
        costs = getattr(obj, "costs", [])
        if not costs:
            return formatting.DASH
        amounts = ((formatting.money(cost, cur),) for cur, cost, _ in costs)
        return format_html_join(mark_safe("<br>"), '<span class="nowrap">{}</span>', amounts)

    @admin.action(description="Sync now (current and previous month)")
    def sync_now(self, request, queryset):
        started = sum(1 for i in queryset if services.queue_sync(i))
        self.message_user(request, f"Queued {started} sync(s); busy integrations were skipped.", messages.SUCCESS)

    @admin.action(description=f"Re-import the history imported on connect ({HISTORY_MONTHS} months)")
    def reimport_history(self, request, queryset):
        n = _reimport(queryset)
        self.message_user(request, f"Queued {n} re-import(s) of {HISTORY_MONTHS} months.", messages.SUCCESS)


@admin.register(IngestionRun)
class IngestionRunAdmin(admin.ModelAdmin):
    list_display = ["integration", "trigger", "start_date", "end_date", "status", "pages_column", "records_column",
                    "written_column", "unknown_column", "twilio_total_column", "difference_column", "started_at",
                    "finished_at"]
    list_filter = ["status", "trigger", "integration"]
    list_select_related = ["integration"]
    date_hierarchy = "started_at"
    # Newest month first, then the latest run of it: connecting imports the newest month first, so by start
    # time alone the current month would sink to the end of a fresh integration's list.
    ordering = ["-start_date", "-started_at", "-pk"]

    pages_column = count_column("pages", "Pages")
    records_column = count_column("records_read", "Records read")
    written_column = count_column("line_items_written", "Line items written")
    unknown_column = count_column("unknown_records", "Unknown records")
    twilio_total_column = money_column("twilio_total", "Twilio total")
    difference_column = money_column("reconciliation_difference", "Difference", signed=True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TwilioUsageCategory)
class TwilioUsageCategoryAdmin(admin.ModelAdmin):
    """Classify categories. Saving marks the row as overridden so catalog.csv no longer changes it."""

    list_display = [
        "name", "service", "role", "overridden", "first_seen_at", "unclassified_records", "unclassified_amount",
    ]
    list_filter = ["role", "service", "overridden"]
    list_editable = ["service", "role"]
    search_fields = ["name", "comment"]
    fields = ["name", "service", "role", "comment", "overridden", "first_seen_at"]
    readonly_fields = ["first_seen_at"]
    actions = ["reimport_affected"]

    def get_queryset(self, request):
        seen = UnclassifiedUsage.objects.filter(category=OuterRef("name")).values("category")
        return (
            super()
            .get_queryset(request)
            .annotate(
                _records=Coalesce(Subquery(seen.annotate(n=Count("pk")).values("n")[:1]), Value(0)),
                _amount=_sum_of(seen, "price"),
            )
        )

    unclassified_records = count_column("_records", "Records waiting")
    unclassified_amount = money_column("_amount", "Amount waiting")

    def save_model(self, request, obj, form, change):
        if change and form.changed_data:
            obj.overridden = True
        super().save_model(request, obj, form, change)

    @admin.action(description=f"Re-import {HISTORY_MONTHS} months for integrations that reported these categories")
    def reimport_affected(self, request, queryset):
        ids = UnclassifiedUsage.objects.filter(category__in=queryset.values("name")).values("integration_id").distinct()
        n = _reimport(Integration.objects.filter(pk__in=ids))
        self.message_user(request, f"Queued {n} re-import(s).", messages.SUCCESS)
