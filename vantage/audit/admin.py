from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is what happened; nobody edits or deletes it from here."""

    list_display = ["created_at", "actor_name", "action", "workspace", "target_name", "summary", "ip_address"]
    list_filter = ["action", "workspace", "created_at"]
    search_fields = ["actor_name", "target_name", "summary", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["workspace"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
