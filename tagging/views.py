"""Virtual tag pages: list, create, edit with ordered values and live preview, delete."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from vantage.audit.choices import AuditAction
from vantage.audit.services import record
from vantage.lib.formatting import integer
from vantage.workspaces import require_editor, require_workspace

from . import services
from .choices import MAX_KEYS, MAX_VALUES
from .forms import VirtualTagForm, VirtualTagValueForm
from .models import VirtualTag, VirtualTagValue


def _tag(request, pk):
    return get_object_or_404(VirtualTag.objects.filter(workspace=require_workspace(request)), pk=pk)


def _value(request, tag, value_pk):
    return get_object_or_404(VirtualTagValue.objects.filter(tag=tag), pk=value_pk)


def virtualtag_list(request):
    ws = require_workspace(request)
    tags = VirtualTag.objects.filter(workspace=ws).prefetch_related("values")
    return render(request, "tagging/list.html", {
        "tags": tags, "can_edit": ws.can_edit(request.user), "max_keys": MAX_KEYS,
        "at_limit": tags.count() >= MAX_KEYS,
    })


def virtualtag_create(request):
    ws = require_editor(request)
    form = VirtualTagForm(request.POST or None, workspace=ws)
    if request.method == "POST" and form.is_valid():
        tag = form.save(commit=False)
        tag.created_by = request.user
        tag.save()
        record(request, ws, AuditAction.TAG_CREATED, tag, f"Created the virtual tag “{tag.key}”.")
        messages.success(request, f"Created tag “{tag.key}”. Now add its values, in order.")
        return redirect("tagging:virtualtag_edit", pk=tag.pk)
    return render(request, "tagging/tag_form.html", {"form": form}, status=400 if request.method == "POST" else 200)


def virtualtag_edit(request, pk):
    tag = _tag(request, pk)
    ws = request.workspace
    can_edit = ws.can_edit(request.user)
    form = VirtualTagForm(request.POST or None, instance=tag, workspace=ws)
    if request.method == "POST":
        require_editor(request)
        if form.is_valid():
            form.save()
            record(request, ws, AuditAction.TAG_CHANGED, tag, f"Saved the virtual tag “{tag.key}”.")
            messages.success(request, "Saved.")
            return redirect("tagging:virtualtag_edit", pk=tag.pk)
    values = list(tag.values.order_by("position", "pk"))
    return render(request, "tagging/tag_edit.html", {
        "tag": tag, "form": form, "values": values, "can_edit": can_edit,
        "preview": services.preview(ws, tag, values), "max_values": MAX_VALUES,
        "at_limit": len(values) >= MAX_VALUES,
    }, status=400 if request.method == "POST" else 200)


def match_text(count: int) -> str:
    """What the editor says about a filter's matches (the page and the live count alike)."""
    if count == 0:
        return ("This filter matches no line items in this workspace's costs: check the values "
                "(a typo, another dimension?) or the date range.")
    return f"This filter matches {integer(count)} line item{'' if count == 1 else 's'} (all imported days)."


def _value_form_page(request, tag, instance=None):
    ws = require_editor(request)
    dimension_values = services.dimension_values(ws)
    form = VirtualTagValueForm(request.POST or None, tag=tag, instance=instance, dimension_values=dimension_values)
    preview, matches = None, None
    if request.method == "POST" and form.is_valid():
        value = form.build()
        matches = services.match_count(ws, value)
        if "preview" in request.POST:
            values = [v for v in tag.values.order_by("position", "pk") if v.pk != value.pk]
            values.insert(min(len(values), max(0, value.position - 1)) if value.pk else len(values), value)
            if value.pk is None:
                value.pk = 0  # a temporary id for the split marker
            preview = services.preview(ws, tag, values)
        else:
            value.save()
            services.renumber(tag)
            record(request, ws, AuditAction.TAG_CHANGED, tag, f"Saved the value “{value.name}” of “{tag.key}”.")
            messages.success(request, f"Saved value “{value.name}”.")
            for warning in form.warnings + ([match_text(0)] if matches == 0 else []):
                messages.warning(request, f"“{value.name}”: {warning}")
            return redirect("tagging:virtualtag_edit", pk=tag.pk)
    elif request.method == "GET" and instance is not None:
        matches = services.match_count(ws, instance)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "tagging/value_form.html", {
        "tag": tag, "form": form, "value": instance, "preview": preview, "dimension_values": dimension_values,
        "matches": matches, "match_text": None if matches is None else match_text(matches),
    }, status=status)


@require_GET
def value_match_count(request, pk):
    """The live count: how many line items the value form's filter (its fields, as query parameters)
    matches in the workspace. JSON; 400 names what is missing or wrong."""
    tag = _tag(request, pk)
    form = VirtualTagValueForm(request.GET, tag=tag)
    form.is_valid()
    filters = form.cleaned_data.get("filters")
    errors = [{"field": f, "message": e[0]} for f, e in form.errors.items() if f.startswith(("c", "date_"))]
    if not filters and not errors:
        errors = [{"field": None, "message": (form.non_field_errors() or ["Add a condition."])[0]}]
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    value = VirtualTagValue(tag=tag, filters=filters, date_from=form.cleaned_data.get("date_from"),
                            date_to=form.cleaned_data.get("date_to"))
    count = services.match_count(request.workspace, value)
    return JsonResponse({"count": count, "message": match_text(count)})


def value_create(request, pk):
    return _value_form_page(request, _tag(request, pk))


def value_edit(request, pk, value_pk):
    tag = _tag(request, pk)
    return _value_form_page(request, tag, _value(request, tag, value_pk))


@require_POST
def value_move(request, pk, value_pk):
    tag = _tag(request, pk)
    require_editor(request)
    services.move_value(value := _value(request, tag, value_pk), request.POST.get("direction", "up"))
    record(request, tag.workspace, AuditAction.TAG_CHANGED, tag, f"Moved the value “{value.name}” of “{tag.key}”.")
    return redirect("tagging:virtualtag_edit", pk=tag.pk)


@require_POST
def value_delete(request, pk, value_pk):
    tag = _tag(request, pk)
    require_editor(request)
    value = _value(request, tag, value_pk)
    value.delete()
    services.renumber(tag)
    record(request, tag.workspace, AuditAction.TAG_CHANGED, tag, f"Deleted the value “{value.name}” of “{tag.key}”.")
    messages.success(request, f"Deleted value “{value.name}”.")
    return redirect("tagging:virtualtag_edit", pk=tag.pk)


def virtualtag_delete(request, pk):
    tag = _tag(request, pk)
    require_editor(request)
    if request.method == "POST":
        key = tag.key
        record(request, tag.workspace, AuditAction.TAG_DELETED, tag, f"Deleted the virtual tag “{key}”.")
        tag.delete()
        messages.success(request, f"Deleted tag “{key}”. Reports no longer offer it.")
        return redirect("tagging:virtualtag_list")
    return render(request, "tagging/confirm_delete.html", {"tag": tag})
