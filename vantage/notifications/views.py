"""Settings › Notifications: webhook endpoints (add, test, delete) and the log of every notification."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from vantage.workspaces import require_editor, require_workspace

from . import services
from .forms import WebhookEndpointForm
from .models import DeliveryStatus, Notification, WebhookEndpoint

LOG_PAGE_SIZE = 50


def _hook(request, pk):
    return get_object_or_404(WebhookEndpoint.objects.filter(workspace=require_workspace(request)), pk=pk)


@sensitive_post_parameters("url")  # a Slack/Teams webhook URL is itself a credential
def webhook_list(request):
    """GET: the workspace's endpoints. POST (owners, editors): add one; its signing secret is shown once."""
    ws = require_workspace(request)
    form, created, status = WebhookEndpointForm(workspace=ws), None, 200
    if request.method == "POST":
        require_editor(request)
        form = WebhookEndpointForm(request.POST, workspace=ws)
        if form.is_valid():
            hook, secret = services.create_webhook(
                ws, name=form.cleaned_data["name"], url=form.cleaned_data["url"], created_by=request.user
            )
            created = {"hook": hook, "secret": secret}
            form = WebhookEndpointForm(workspace=ws)
        else:
            status = 400
    hooks = WebhookEndpoint.objects.filter(workspace=ws)
    response = render(request, "notifications/webhook_list.html", {
        "hooks": hooks, "form": form, "created": created, "can_edit": ws.can_edit(request.user),
        "failing": [h for h in hooks if h.failing], "recent": Notification.objects.filter(workspace=ws)[:5],
    }, status=status)  # fmt: skip
    response["Cache-Control"] = "no-store"  # the secret shown once must not stay in a cache
    return response


@require_POST
def webhook_test(request, pk):
    hook = _hook(request, pk)
    require_editor(request)
    if not hook.is_active:
        messages.error(request, f"“{hook.name}” is deactivated: nothing was sent.")
    else:
        services.send_test(hook)
        messages.success(request, f"Test notification queued for “{hook.name}”: its result shows in the log below.")
    return redirect("notifications:webhook_list")


def webhook_delete(request, pk):
    hook = _hook(request, pk)
    require_editor(request)
    if request.method == "POST":
        name = hook.name
        hook.delete()
        messages.success(request, f"Deleted webhook “{name}”: it receives nothing from now on.")
        return redirect("notifications:webhook_list")
    return render(request, "notifications/webhook_confirm_delete.html", {"hook": hook})


def notification_log(request):
    """Every notification of the workspace, newest first, paginated."""
    ws = require_workspace(request)
    page = Paginator(Notification.objects.filter(workspace=ws), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_log.html", {"page": page, "statuses": DeliveryStatus})
