from django.contrib import admin

from .models import CostReport


@admin.register(CostReport)
class CostReportAdmin(admin.ModelAdmin):
    list_display = ("title", "workspace", "is_default", "created_by", "date_range", "date_bin", "mode", "updated_at")
    list_filter = ("is_default", "mode", "date_bin", "date_range")
    search_fields = ("title", "workspace__name")
    list_select_related = ("workspace", "created_by")
    readonly_fields = ("is_default", "created_at", "updated_at")
    raw_id_fields = ("created_by",)

    def has_delete_permission(self, request, obj=None):
        # The default report of a workspace is never deleted (it comes back on the next visit anyway).
        return super().has_delete_permission(request, obj) and not (obj and obj.is_default)

    def get_deleted_objects(self, objs, request):
        # Bulk "delete selected" must not take a workspace's default report either.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        defaults = [str(o) for o in objs if o.is_default]
        return deleted, model_count, perms_needed, protected + [f"{d} (default report)" for d in defaults]
