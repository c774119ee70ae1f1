"""Operators edit tags with the same validation as the pages (model clean())."""

from django.contrib import admin
from django.db.models import Count

from vantage.lib.admin import count_column

from .models import VirtualTag, VirtualTagValue


class VirtualTagValueInline(admin.StackedInline):
    model = VirtualTagValue
    extra = 0
    fields = ["position", "name", "filters", "date_from", "date_to", "splits"]
    ordering = ["position"]


@admin.register(VirtualTag)
class VirtualTagAdmin(admin.ModelAdmin):
    list_display = ["key", "workspace", "value_count", "updated_at"]
    list_filter = ["workspace"]
    search_fields = ["key", "description"]
    inlines = [VirtualTagValueInline]
    list_select_related = ["workspace"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_values=Count("values"))

    value_count = count_column("_values", "Values")
