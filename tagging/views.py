"""Virtual tag pages: list, create, edit with ordered values and live preview, delete."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

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
            messages.success(request, "Saved.")
            return redirect("tagging:virtualtag_edit", pk=tag.pk)
    values = list(tag.values.order_by("position", "pk"))
    return render(request, "tagging/tag_edit.html", {
        "tag": tag, "form": form, "values": values, "can_edit": can_edit,
        "preview": services.preview(ws, tag, values), "max_values": MAX_VALUES,
        "at_limit": len(values) >= MAX_VALUES,
    }, status=400 if request.method == "POST" else 200)


def _value_form_page(request, tag, instance=None):
    require_editor(request)
    form = VirtualTagValueForm(request.POST or None, tag=tag, instance=instance)
    preview = None
    if request.method == "POST" and form.is_valid():
        value = form.build()
        if "preview" in request.POST:
            values = [v for v in tag.values.order_by("position", "pk") if v.pk != value.pk]
            values.insert(min(len(values), max(0, value.position - 1)) if value.pk else len(values), value)
            if value.pk is None:
                value.pk = 0  # a temporary id for the split marker
            preview = services.preview(request.workspace, tag, values)
        else:
            value.save()
            services.renumber(tag)
            messages.success(request, f"Saved value “{value.name}”.")
            return redirect("tagging:virtualtag_edit", pk=tag.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "tagging/value_form.html",
                  {"tag": tag, "form": form, "value": instance, "preview": preview}, status=status)


def value_create(request, pk):
    return _value_form_page(request, _tag(request, pk))


def value_edit(request, pk, value_pk):
    tag = _tag(request, pk)
    return _value_form_page(request, tag, _value(request, tag, value_pk))


@require_POST
def value_move(request, pk, value_pk):
    tag = _tag(request, pk)
    require_editor(request)
    services.move_value(_value(request, tag, value_pk), request.POST.get("direction", "up"))
    return redirect("tagging:virtualtag_edit", pk=tag.pk)


@require_POST
def value_delete(request, pk, value_pk):
    tag = _tag(request, pk)
    require_editor(request)
    value = _value(request, tag, value_pk)
    value.delete()
    services.renumber(tag)
    messages.success(request, f"Deleted value “{value.name}”.")
    return redirect("tagging:virtualtag_edit", pk=tag.pk)


def virtualtag_delete(request, pk):
    tag = _tag(request, pk)
    require_editor(request)
    if request.method == "POST":
        key = tag.key
        tag.delete()
        messages.success(request, f"Deleted tag “{key}”. Reports no longer offer it.")
        return redirect("tagging:virtualtag_list")
    return render(request, "tagging/confirm_delete.html", {"tag": tag})
