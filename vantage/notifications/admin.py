"""The operator's console for notifications: endpoints (never their secret nor full URL) and the
delivery records (read-only; an action gives failed ones another attempt)."""

from django.contrib import admin, messages

from . import services
from .models import Notification, WebhookEndpoint
from .outbound import display_url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "target", "is_active", "failing", "consecutive_failures", "created_at"]
    list_filter = ["failing", "is_active"]
    list_select_related = ["workspace"]
    search_fields = ["name", "workspace__name"]
    # signing_secret and url are left out of every form: the secret is a credential, and so is the path
    # of a Slack or Teams incoming-webhook URL. Operators may deactivate an endpoint or clear "failing".
    fields = ["name", "workspace", "target", "is_active", "failing", "consecutive_failures", "created_by",
              "created_at"]
    readonly_fields = ["name", "workspace", "target", "consecutive_failures", "created_by", "created_at"]

    @admin.display(description="Target")
    def target(self, obj):
        return display_url(obj.url)

    def has_add_permission(self, request):
        return False  # added on Settings › Notifications, where the URL is checked and the secret shown once


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "workspace", "kind", "channel", "recipient", "status", "attempts", "response_code",
                    "short_error", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    list_select_related = ["workspace"]
    search_fields = ["recipient", "subject", "kind", "last_error"]
    date_hierarchy = "created_at"
    actions = ["deliver_again"]

    @admin.display(description="Last error")
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened

    @admin.action(description="Deliver again now (failed or retrying ones)")
    def deliver_again(self, request, queryset):
        n = services.retry_now(queryset)
        self.message_user(request, f"Queued {n} delivery attempt(s).", messages.SUCCESS)
