"""One FilterSet for anomalies, used by the Anomalies page and the API alike (on a workspace's rows)."""

import django_filters

from .choices import AnomalyStatus
from .models import Anomaly


class AnomalyFilterSet(django_filters.FilterSet):
    start_date = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="From")
    end_date = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="To")
    service = django_filters.CharFilter(field_name="service")
    category = django_filters.CharFilter(field_name="category")
    status = django_filters.ChoiceFilter(choices=AnomalyStatus.choices)

    class Meta:
        model = Anomaly
        fields = ["start_date", "end_date", "service", "category", "status"]
