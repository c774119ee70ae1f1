from django.contrib import admin
from django.db.models import Count

from .lib.admin import count_column
from .lib.formatting import DASH
from .models import Membership, Workspace

admin.site.empty_value_display = DASH  # no value reads "—" in the admin too, as on the pages
# Named after the product, as its pages are (templates/base.html), not "Django administration".
admin.site.site_header = "Vantage for Twilio administration"
admin.site.site_title = "Vantage for Twilio admin"
admin.site.index_title = "Operations"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("memberships"))

    member_count = count_column("_members", "Members")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    search_fields = ["user__username", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]
    list_select_related = ["user", "workspace"]


from .models import ApiToken  # noqa: E402


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Operators see who has tokens and can revoke them; the token itself is never stored."""

    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["user", "name", "hint", "created_at", "last_used_at"]
    fields = ["user", "name", "hint", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False
