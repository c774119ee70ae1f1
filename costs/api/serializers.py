"""Serializers for costs and cost reports.

The cost report write serializer checks the shape of the JSON body, then runs the SAME FilterSet and
settings form as the report pages on it (``BoundReport`` in costs/views.py), so a report saved here
is one the pages accept and vice versa; ``services.report_settings`` turns them into model fields.
"""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import serializers

from vantage.lib.text import refuse_bidi_controls

from .. import scoping, services
from ..choices import ChartType, DateBin, DateRange, Mode, Operator
from ..filtersets import DIMENSION_PARAMS, TAG_PARAM, CostLineItemFilterSet
from ..forms import ReportSettingsForm, ReportTitleForm
from ..groupings import MAX_GROUPINGS
from ..models import CostReport

FILTER_KEYS = [*DIMENSION_PARAMS, TAG_PARAM]

# --- /costs (response documentation; the view builds plain dicts) ---------------------------------------


class MoneySerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="Exact decimal, as a string (never a float).")
    currency = serializers.CharField(help_text="ISO 4217 code. Amounts in different currencies are never added.")


class UsageTotalSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="Exact decimal, as a string.")
    unit = serializers.CharField(allow_blank=True, help_text="Normalised usage unit (segments, minutes, ...).")


class UsageSerializer(serializers.Serializer):
    amount = serializers.CharField(allow_null=True, help_text="Exact decimal, as a string; null if not reported.")
    unit = serializers.CharField(allow_blank=True)


class CostSerializer(serializers.Serializer):
    """One aggregated row: a date bin x the grouping values x currency x usage unit.

    Each grouping adds a field named after it (``service``, ``tag:team``, ...); null means "no value".
    """

    accrued_at = serializers.DateField(help_text="First day of the date bin (the start date when cumulative).")
    amount = serializers.CharField(allow_null=True, help_text="Exact decimal, as a string; null if unpriced.")
    currency = serializers.CharField(help_text="The reporting currency, or the billing currency where not converted.")
    billing_amount = serializers.CharField(allow_null=True, help_text="The amount as Twilio billed it.")
    billing_currency = serializers.CharField(help_text="The currency Twilio billed in.")
    usage = UsageSerializer()
    billing_account = serializers.CharField(required=False, allow_null=True, help_text="When grouped by it.")
    account_id = serializers.CharField(required=False, allow_null=True, help_text="When grouped by it.")
    service = serializers.CharField(required=False, allow_null=True, help_text="When grouped by it (the default).")
    charge_type = serializers.CharField(required=False, allow_null=True, help_text="When grouped by it.")
    category = serializers.CharField(required=False, allow_null=True, help_text="When grouped by it.")
    usage_unit = serializers.CharField(required=False, allow_null=True, help_text="When grouped by it.")


class UnconvertedSerializer(serializers.Serializer):
    currency = serializers.CharField()
    message = serializers.CharField(help_text="E.g. “No ECB rate for XYZ: shown in XYZ”.")


class ExchangeRatesSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="ECB reference rates: each day's cost at that day's rate.")
    latest = serializers.DateField(allow_null=True, help_text="The newest ECB business day whose rates are used.")
    unconverted = UnconvertedSerializer(many=True, help_text="Billing currencies the ECB has no rate for.")


class LinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    first = serializers.URLField()
    prev = serializers.URLField(allow_null=True)
    next = serializers.URLField(allow_null=True)
    last = serializers.URLField()


class NotImportedSerializer(serializers.Serializer):
    billing_account = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    importing = serializers.BooleanField(help_text="An import of this account is running or queued.")


class CostsResponseSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="The first day covered (presets resolved, UTC).")
    end_date = serializers.DateField(help_text="The last day covered (inclusive).")
    date_bin = serializers.ChoiceField(choices=DateBin.choices)
    groupings = serializers.ListField(child=serializers.CharField())
    currency = serializers.CharField(
        allow_null=True, help_text="The reporting currency amounts are converted to; null: billing currencies."
    )
    exchange_rates = ExchangeRatesSerializer(allow_null=True, help_text="Null when not converted.")
    total_cost = MoneySerializer(many=True, help_text="One entry per currency, over all pages.")
    total_usage = UsageTotalSerializer(many=True, help_text="One entry per normalised unit, over all pages.")
    not_imported = NotImportedSerializer(
        many=True, help_text="Days of the range no import covered (before the history, failed or running "
        "imports): the costs show nothing there. Empty when the range is complete.",
    )
    count = serializers.IntegerField(help_text="Rows over all pages.")
    links = LinksSerializer()
    costs = CostSerializer(many=True)


# --- cost reports -----------------------------------------------------------------------------------------


class ReportFilterSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=Operator.choices, default=Operator.IS)
    values = serializers.ListField(
        child=serializers.CharField(max_length=200), allow_empty=False, max_length=100,
        help_text="OR-ed values; for tag: key:value.",
    )


FILTERS_HELP = (
    "Dimension key -> {op, values}: keys " + ", ".join(FILTER_KEYS) + '; e.g. {"service": {"op": "not", '
    '"values": ["SMS & MMS"]}, "tag": {"op": "is", "values": ["team:web"]}}.'
)


class CostReportSerializer(serializers.ModelSerializer):
    filters = serializers.DictField(child=ReportFilterSerializer(), help_text=FILTERS_HELP)
    groupings = serializers.ListField(child=serializers.CharField())
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    can_change = serializers.SerializerMethodField(help_text="Whether you may change or delete it.")

    class Meta:
        model = CostReport
        fields = [
            "id", "workspace", "title", "is_default", "filters", "groupings", "date_range", "start_date", "end_date",
            "date_bin", "chart_type", "mode", "compare_previous", "created_by", "can_change", "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_can_change(self, obj) -> bool:
        return services.can_change(obj, self.context["request"].user, self.context.get("role"))


# Page-form field -> API field, for error messages.
SETTINGS_FIELDS = {"group_by": "groupings", "bin": "date_bin", "chart": "chart_type", "mode": "mode",
                   "compare": "compare_previous", "sort": "sort"}


class CostReportWriteSerializer(serializers.Serializer):
    """A whole report (PUT replaces every setting; omitted ones take their defaults)."""

    title = serializers.CharField(max_length=100, validators=[refuse_bidi_controls])
    filters = serializers.DictField(child=ReportFilterSerializer(), default=dict, help_text=FILTERS_HELP)
    groupings = serializers.ListField(
        child=serializers.CharField(max_length=100), default=lambda: ["service"],
        help_text="Ordered dimension keys (billing_account, account_id, service, charge_type, category, usage_unit, "
        f"tag:<key>); at most {MAX_GROUPINGS}, each once (the same rules as the report page).",
    )
    date_range = serializers.ChoiceField(
        choices=DateRange.choices, required=False,
        help_text="A preset, or custom with start_date and end_date (default: custom when dates are given, "
        "else this_month).",
    )
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    date_bin = serializers.ChoiceField(choices=DateBin.choices, default=DateBin.DAY)
    chart_type = serializers.ChoiceField(choices=ChartType.choices, default=ChartType.BAR)
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.SPEND)
    compare_previous = serializers.BooleanField(default=True)

    def validate_filters(self, value):
        unknown = sorted(set(value) - set(FILTER_KEYS))
        if unknown:
            raise serializers.ValidationError(f"Unknown filter {', '.join(unknown)}; use {', '.join(FILTER_KEYS)}.")
        return value

    def validate_title(self, value):
        form = ReportTitleForm({"title": value}, instance=self.instance)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors["title"])
        return form.cleaned_data["title"]

    def as_params(self, attrs) -> QueryDict:
        """The body as the query string the report page reads (``CostReport.as_params`` in reverse)."""
        params = QueryDict(mutable=True)
        for key, spec in attrs.get("filters", {}).items():
            params.setlist(key, [str(v) for v in spec["values"]])
            params[f"{key}_op"] = spec["op"]
        start, end = attrs.get("start_date"), attrs.get("end_date")
        date_range = attrs.get("date_range") or (DateRange.CUSTOM if start or end else DateRange.THIS_MONTH)
        params["date_range"] = date_range
        if date_range == DateRange.CUSTOM:
            params["start_date"] = start.isoformat() if start else ""
            params["end_date"] = end.isoformat() if end else ""
        params.setlist("group_by", list(attrs.get("groupings", [])))
        params["bin"] = attrs["date_bin"]
        params["chart"] = attrs["chart_type"]
        params["mode"] = attrs["mode"]
        if attrs["compare_previous"]:
            params["compare"] = "on"
        return params

    def validate(self, attrs):
        workspace, request = self.context["workspace"], self.context["request"]
        params = self.as_params(attrs)
        filterset = CostLineItemFilterSet(
            params, queryset=scoping.workspace_line_items(workspace), request=request, workspace=workspace,
            require_dates=True,
        )
        settings_form = ReportSettingsForm(params, workspace=workspace)
        filters_ok, settings_ok = filterset.is_valid(), settings_form.is_valid()
        if not (filters_ok and settings_ok):
            errors: dict[str, list[str]] = {}
            for field, messages in filterset.errors.items():
                if field in FILTER_KEYS:
                    name = f"filters.{field}"
                elif field.endswith("_op") and field[:-3] in FILTER_KEYS:
                    name = f"filters.{field[:-3]}.op"
                elif field == "__all__":
                    name = "non_field_errors"
                else:
                    name = field
                errors.setdefault(name, []).extend(messages)
            for field, messages in settings_form.errors.items():
                errors.setdefault(SETTINGS_FIELDS.get(field, "non_field_errors"), []).extend(messages)
            raise serializers.ValidationError(errors)
        return {"title": attrs["title"], "settings": services.report_settings(filterset, settings_form)}

