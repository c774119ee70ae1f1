"""The one FilterSet for cost line items, shared by the report pages, the CSV export and the API.

Always build it with ``request=request`` on a queryset already narrowed to the current workspace::

    CostLineItemFilterSet(request.GET, queryset=CostLineItem.objects.filter(integration__workspaces=ws),
                          request=request)

Every dimension takes several values (``service=SMS & MMS&service=Lookup``, OR-ed) and an operator
(``service_op=not`` excludes them). ``date_range`` is a preset (``last_month``) or ``custom`` with
``start_date``/``end_date`` (UTC days, inclusive, at most three years). ``tag=key:value`` filters on a
virtual tag (see ``tag_dimension``). Invalid input makes the FilterSet invalid, with the message on
the field; callers must check ``is_valid()`` and show no data when it is not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import reduce
from operator import mul

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, Value

from vantage.lib.dates import utc_today

from .choices import DateRange, Operator
from .dates import latest_end, out_of_bounds, resolve_preset
from .dimension_values import read_dimension_values
from .dimensions import NONE_LABEL, UNKNOWN_TAG_KEY, Dimension, UnknownDimension, dimensions
from .models import CostLineItem
from .reports.splits import SHARE_ALIAS

DIMENSION_PARAMS = ["billing_account", "account_id", "service", "charge_type", "category", "usage_unit"]
TAG_PARAM = "tag"
DATE_PARAMS = ("date_range", "start_date", "end_date")


class AnyValueMultipleField(forms.MultipleChoiceField):
    """Several free-text values (``tag=team:web&tag=env:prod``); blanks are dropped."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        return [v.strip() for v in super().to_python(value) if v and v.strip()]

    def valid_value(self, value):
        return True


class DimensionFilter(django_filters.MultipleChoiceFilter):
    """Values of one registered dimension, OR-ed; ``<name>_op=not`` excludes them instead."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        dimension = self.parent.registry.get(self.field_name, self.parent.workspace)
        return qs.filter(dimension.q(value, exclude=self.parent.operator(self.field_name) == Operator.NOT))


class TagFilter(django_filters.Filter):
    """``tag=key:value`` (several allowed): OR within one key, AND across keys."""

    field_class = AnyValueMultipleField

    def filter(self, qs, value):
        if not value:
            return qs
        by_key: dict[str, tuple[Dimension, list]] = {}
        for dimension, tag_value in value:  # already parsed and checked by the form
            by_key.setdefault(dimension.key, (dimension, []))[1].append(tag_value)
        exclude = self.parent.operator(TAG_PARAM) == Operator.NOT
        q = Q()
        shares = []
        for dimension, values in by_key.values():
            q &= dimension.q(values, exclude=exclude)
            if dimension.has_splits:
                shares.append(dimension.share(values, exclude=exclude))
        qs = qs.filter(q)
        if shares:  # rows of split values count with the share the chosen labels get (reports.shared)
            qs = qs.alias(**{SHARE_ALIAS: reduce(mul, shares)})
        return qs


class OptionFilter(django_filters.ChoiceFilter):
    """A parameter other filters read (an operator, a preset); it filters nothing itself."""

    def filter(self, qs, value):
        return qs


def _operator_filter(label):
    return OptionFilter(label=f"{label} operator", choices=Operator.choices, empty_label=None)


class CostLineItemFilterForm(forms.Form):
    """Cross-field checks. The FilterSet sets ``filterset`` so the form can reach its hooks."""

    filterset = None

    def _bounded_day(self, name):
        """A day the report arithmetic can handle (three years on, the previous period): else the field's error."""
        value = self.cleaned_data.get(name)
        message = out_of_bounds(value)
        if message:
            raise forms.ValidationError(message)
        return value

    def clean_start_date(self):
        return self._bounded_day("start_date")

    def clean_end_date(self):
        return self._bounded_day("end_date")

    def clean_tag(self):
        return [self.filterset.parse_tag(raw) for raw in self.cleaned_data.get(TAG_PARAM) or []]

    def clean(self):
        cleaned = super().clean()
        preset = cleaned.get("date_range")
        if preset and preset != DateRange.CUSTOM:
            # A preset decides the dates: custom dates left in the query string (an old link) are ignored,
            # even malformed ones, so the page never shows one range while the URL names another.
            for name in ("start_date", "end_date"):
                self.errors.pop(name, None)
            cleaned["start_date"], cleaned["end_date"] = resolve_preset(preset, self.filterset.today)
            return cleaned
        if any(name in self.errors for name in DATE_PARAMS):
            return cleaned
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if not preset and start is None and end is None and self.filterset.require_dates:
            self.add_error("date_range", "Choose a date range.")
        elif preset == DateRange.CUSTOM and start is None and end is None:
            self.add_error("start_date", "Choose a start date for the custom range.")
            self.add_error("end_date", "Choose an end date for the custom range.")
        elif start is None and end is not None:
            self.add_error("start_date", "Choose a start date too.")
        elif end is None and start is not None:
            self.add_error("end_date", "Choose an end date too.")
        elif start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        elif start and end and end > latest_end(start):
            self.add_error("end_date", f"A report covers at most three years: end on {latest_end(start)} or earlier.")
        return cleaned


def _declared_filters() -> dict[str, django_filters.Filter]:
    """The date filters, then each dimension's values and operator (``<name>`` and ``<name>_op``, labelled
    as the dimension registry labels it), in the order of the form."""
    filters = {
        "date_range": OptionFilter(label="Date range", choices=DateRange.choices, empty_label=None),
        "start_date": django_filters.DateFilter(field_name="date", lookup_expr="gte", label="Start date"),
        "end_date": django_filters.DateFilter(field_name="date", lookup_expr="lte", label="End date"),
    }
    for name in DIMENSION_PARAMS:
        label = dimensions.get(name).label
        filters[name] = DimensionFilter(field_name=name, label=label)
        filters[f"{name}_op"] = _operator_filter(label)
    return filters


# A FilterSet declares its filters as class attributes; these are built from DIMENSION_PARAMS instead.
_DimensionFilterSet = type(
    "_DimensionFilterSet", (django_filters.FilterSet,), {"__module__": __name__, **_declared_filters()}
)


class CostLineItemFilterSet(_DimensionFilterSet):
    tag = TagFilter(label="Tag")
    tag_op = _operator_filter("Tag")

    class Meta:
        model = CostLineItem
        fields = []
        form = CostLineItemFilterForm

    registry = dimensions

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        workspace=None,
        today: date | None = None,
        require_dates: bool = False,
    ):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.require_dates = require_dates
        self.workspace = workspace if workspace is not None else getattr(request, "workspace", None)
        self.today = today or utc_today()
        self._values = None
        self._maintained = None
        for name in DIMENSION_PARAMS:
            self.filters[name].extra["choices"] = self._choices_callable(name)

    # --- choices: the values present in the workspace, from one query -----------------------------

    def _choices_callable(self, name):
        return lambda: [(v, NONE_LABEL if v == "" else v) for v in self.dimension_values()[name]]

    def dimension_values(self) -> dict[str, list[str]]:
        """Distinct values of every filterable dimension, from one query, cached on the FilterSet.

        With a workspace (always, for pages and the API) they are the values present in the
        workspace's line items, read with index skip scans (costs/dimension_values.py); without
        one, a UNION of plain DISTINCT queries over ``queryset``.
        """
        if self._values is None:
            if self.workspace is not None:
                self._values, self._maintained = read_dimension_values(self.workspace)
            else:
                self._values = self._distinct_values(self.queryset)
        return self._values

    def summaries_maintained(self) -> bool | None:
        """Whether every integration of the workspace with line items has maintained monthly summaries
        (learnt from the same query as the values; ``None`` without a workspace)."""
        self.dimension_values()
        return self._maintained

    def _distinct_values(self, queryset) -> dict[str, list[str]]:
        parts = [
            queryset.order_by()
            .annotate(dim_key=Value(name), dim_value=self.registry.get(name).resolve())
            .values_list("dim_key", "dim_value")
            .distinct()
            for name in DIMENSION_PARAMS
        ]
        found = defaultdict(set)
        for name, value in parts[0].union(*parts[1:], all=True):
            found[name].add("" if value is None else str(value))
        return {name: sorted(found[name]) for name in DIMENSION_PARAMS}

    # --- form -------------------------------------------------------------------------------------

    @property
    def form(self):
        form = super().form
        form.filterset = self
        return form

    def operator(self, name: str) -> str:
        return self.form.cleaned_data.get(f"{name}_op") or Operator.IS

    # --- hooks ------------------------------------------------------------------------------------

    def tag_dimension(self, key: str) -> Dimension:
        """Hook for virtual tags: the dimension for tag ``key`` in this workspace.

        Tag dimensions are contributed to the registry by the tagging app (``tag:<key>`` provider,
        see costs/dimensions.py). Until then, and for keys that do not exist, this rejects the
        key with a message shown next to the Tag field (or a 400 naming ``tag`` in the API).
        """
        try:
            return self.registry.get(f"tag:{key}", self.workspace)
        except UnknownDimension:
            raise ValidationError(UNKNOWN_TAG_KEY, code="unknown_tag", params={"key": key}) from None

    def parse_tag(self, raw: str) -> tuple[Dimension, str]:
        key, sep, value = raw.partition(":")
        if not sep or not key.strip():
            raise ValidationError(
                "Write a tag filter as key:value (e.g. team:web), not “%(raw)s”.",
                code="tag_format",
                params={"raw": raw},
            )
        return self.tag_dimension(key.strip()), value.strip()

    # --- what reports need ------------------------------------------------------------------------

    @property
    def date_bounds(self) -> tuple[date | None, date | None]:
        """The validated ``(start, end)`` (presets resolved); call ``is_valid()`` first."""
        return self.form.cleaned_data.get("start_date"), self.form.cleaned_data.get("end_date")

    def active_filters(self) -> dict[str, dict]:
        """The dimension filters in use, in the shape ``CostReport.filters`` stores."""
        cleaned = self.form.cleaned_data
        out = {}
        for name in DIMENSION_PARAMS:
            if cleaned.get(name):
                out[name] = {"op": self.operator(name), "values": list(cleaned[name])}
        if cleaned.get(TAG_PARAM):
            values = [f"{d.key[4:]}:{v}" for d, v in cleaned[TAG_PARAM]]
            out[TAG_PARAM] = {"op": self.operator(TAG_PARAM), "values": values}
        return out

    def filter_dimensions(self, queryset=None):
        """Every filter except the date range: reports apply their own periods (current and previous)."""
        queryset = self.queryset.all() if queryset is None else queryset
        for name, value in self.form.cleaned_data.items():
            if name not in DATE_PARAMS:
                queryset = self.filters[name].filter(queryset, value)
        return queryset


def saved_filters_q(filters: dict, workspace, registry=dimensions) -> Q | None:
    """A saved report's ``filters`` as one ``Q`` (``None`` when a dimension no longer exists).

    Used where many reports are evaluated in one query (the report list's conditional sums), so
    no choices are loaded and nothing is validated against the workspace's values.
    """
    q = Q()
    try:
        for key, spec in (filters or {}).items():
            values = list(spec.get("values") or [])
            if not values:
                continue
            exclude = spec.get("op") == Operator.NOT
            if key == TAG_PARAM:
                by_key = defaultdict(list)
                for raw in values:
                    tag_key, _, tag_value = str(raw).partition(":")
                    by_key[tag_key].append(tag_value)
                for tag_key, tag_values in by_key.items():
                    q &= registry.get(f"tag:{tag_key}", workspace).q(tag_values, exclude=exclude)
            else:
                q &= registry.get(key, workspace).q(values, exclude=exclude)
    except UnknownDimension:
        return None
    return q
