"""The one FilterSet of the audit log, used by the page and the API: action, actor (username), days (UTC)."""

import django_filters
from django import forms

from .choices import AuditAction
from .models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, empty_label="Any action")
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="iexact", label="Who (username)",
                                      max_length=150)
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="From (day)",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="Until (day)",
                                      widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "since", "until"]
