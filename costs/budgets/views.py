"""Budget pages: list (this month's % used), create/edit with periods, detail with performance, alerts, CSV."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from vantage.audit.choices import AuditAction
from vantage.audit.services import record
from vantage.lib.dates import month_start, utc_today
from vantage.workspaces import require_editor, require_workspace

from . import csvio, services
from .charts import budget_chart
from .forms import BudgetAlertForm, BudgetForm, CsvImportForm, period_formset, periods_from
from .models import Budget, BudgetAlert, BudgetAlertFiring
from .performance import budget_performance, reports_counted_twice, workspace_performance


def _budget(request, pk) -> Budget:
    return get_object_or_404(Budget.objects.filter(workspace=require_workspace(request)), pk=pk)


def _alert(request, pk) -> BudgetAlert:
    return get_object_or_404(BudgetAlert.objects.filter(budget__workspace=require_workspace(request)), pk=pk)


@require_GET
def budget_list(request):
    ws = require_workspace(request)
    performance = workspace_performance(ws)
    rows = [(perf.budget, perf.current) for perf in performance.values()]
    return render(request, "budgets/list.html", {"rows": rows, "can_edit": ws.can_edit(request.user)})


def _form_page(request, budget: Budget | None):
    ws = require_editor(request)
    post = request.POST if request.method == "POST" else None
    form, formset = BudgetForm(post, workspace=ws, instance=budget), period_formset(post, budget)
    if post is not None:
        periods = periods_from(formset)
        data = form.check(periods or [])
        if data is not None and periods is not None:
            saved = services.save_budget(ws, request.user, data, budget)
            action = AuditAction.BUDGET_CHANGED if budget else AuditAction.BUDGET_CREATED
            record(request, ws, action, saved, f"Saved the budget “{saved.name}”.")
            messages.success(request, f"Saved budget “{saved.name}”.")
            return redirect("budgets:budget_detail", pk=saved.pk)
    return render(request, "budgets/form.html", {
        "form": form, "formset": formset, "budget": budget, "period_errors": getattr(form, "period_errors", []),
    }, status=400 if post is not None else 200)


def budget_create(request):
    return _form_page(request, None)


def budget_edit(request, pk):
    return _form_page(request, _budget(request, pk))


@require_GET
def budget_detail(request, pk):
    budget = _budget(request, pk)
    ws = request.workspace
    perf = budget_performance(budget)
    return render(request, "budgets/detail.html", {
        "budget": budget, "perf": perf, "ytd": perf.year_to_date, "this_month": month_start(utc_today()),
        "chart": budget_chart(perf),
        "children": budget.children.all(), "alerts": budget.alerts.prefetch_related("recipients", "webhooks"),
        "firings": BudgetAlertFiring.objects.filter(alert__budget=budget)[:10],
        "can_edit": ws.can_edit(request.user),
        "counted_twice": reports_counted_twice(budget),
    })


@require_POST
def budget_delete(request, pk):
    require_editor(request)
    budget = _budget(request, pk)
    record(request, budget.workspace, AuditAction.BUDGET_DELETED, budget, f"Deleted the budget “{budget.name}”.")
    budget.delete()
    messages.success(request, f"Deleted budget “{budget.name}”.")
    return redirect("budgets:budget_list")


def _alert_page(request, budget: Budget, alert: BudgetAlert | None):
    ws = require_editor(request)
    post = request.POST if request.method == "POST" else None
    form = BudgetAlertForm(post, workspace=ws, budget=budget, instance=alert)
    if post is not None and form.is_valid():
        services.save_alert(budget, request.user, form.alert_input, alert)
        messages.success(request, "Saved the alert.")
        return redirect("budgets:budget_detail", pk=budget.pk)
    return render(request, "budgets/alert_form.html", {"form": form, "budget": budget, "alert": alert},
                  status=400 if post is not None else 200)


def alert_create(request, pk):
    return _alert_page(request, _budget(request, pk), None)


def alert_edit(request, pk):
    alert = _alert(request, pk)
    return _alert_page(request, alert.budget, alert)


@require_POST
def alert_delete(request, pk):
    require_editor(request)
    alert = _alert(request, pk)
    alert.delete()
    messages.success(request, "Deleted the alert.")
    return redirect("budgets:budget_detail", pk=alert.budget_id)


@require_GET
def budget_export(request):
    ws = require_workspace(request)
    response = HttpResponse(csvio.export_csv(ws), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="budgets.csv"'
    return response


def budget_import(request):
    ws = require_editor(request)
    post = request.method == "POST"
    form = CsvImportForm(request.POST or None, request.FILES or None, workspace=ws)
    errors: list[str] = []
    if post and form.is_valid():
        try:
            counts = csvio.import_csv(ws, request.user, form.cleaned_data["file"], form.cleaned_data["cost_report"])
        except csvio.CsvImportError as error:
            errors = error.errors
        else:
            summary = f"Imported budgets from a CSV file: {counts['created']} new, {counts['updated']} updated."
            record(request, ws, AuditAction.BUDGET_CHANGED, None, summary)
            messages.success(request, f"Imported: {counts['created']} new, {counts['updated']} updated.")
            return redirect("budgets:budget_list")
    return render(request, "budgets/import.html", {"form": form, "errors": errors}, status=400 if post else 200)
