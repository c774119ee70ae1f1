"""Virtual tags in the API: a tag with its ordered values, written whole (PUT replaces the values in order).

Rules are checked by the same functions as the pages and the admin (tagging/validation.py), then by
each model's ``full_clean()`` before anything is saved; errors name the field, e.g. ``values[1].filters``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vantage.lib.text import refuse_bidi_controls

from .. import services
from ..choices import MAX_CONDITION_VALUE_LENGTH, MAX_CONDITIONS, MAX_VALUES, NAME_HELP, TagDimension, TagOperator
from ..models import VirtualTag
from ..validation import clean_filters, clean_splits, validate_key, validate_name


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
        )
    return serializers.ValidationError(exc.messages)


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except DjangoValidationError as exc:
        raise _drf_error(exc) from None


# --- documentation of the JSON fields (validation is tagging/validation.py's) -----------------------------


class ConditionSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=TagDimension.choices)
    operator = serializers.ChoiceField(choices=TagOperator.choices)
    values = serializers.ListField(child=serializers.CharField(max_length=MAX_CONDITION_VALUE_LENGTH), min_length=1)


class FilterSetSerializer(serializers.Serializer):
    conditions = ConditionSerializer(many=True, help_text=f"AND-ed; at most {MAX_CONDITIONS}.")


class SplitSerializer(serializers.Serializer):
    label = serializers.CharField(help_text=NAME_HELP)
    percent = serializers.CharField(help_text="A number between 0 and 100 (at most 4 decimals); all add up to 100.")


@extend_schema_field(FilterSetSerializer(many=True))
class FiltersField(serializers.JSONField):
    """``[{"conditions": [{"dimension", "operator", "values"}]}]``: sets OR-ed, conditions AND-ed."""


@extend_schema_field(SplitSerializer(many=True, allow_null=True))
class SplitsField(serializers.JSONField):
    """``[{"label", "percent"}, ...]`` adding up to 100, or null."""


# --- values and tags ----------------------------------------------------------------------------------------


class VirtualTagValueSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100, help_text=f"The label costs get. {NAME_HELP}")
    filters = FiltersField(help_text="Filter sets OR-ed, each a list of AND-ed conditions (dimension: "
                           f"{', '.join(TagDimension.values)}; operator: {', '.join(TagOperator.values)}).")
    date_from = serializers.DateField(required=False, allow_null=True, help_text="Applies from this UTC day.")
    date_to = serializers.DateField(required=False, allow_null=True,
                                    help_text="Applies until this UTC day (inclusive).")
    splits = SplitsField(required=False, allow_null=True, default=None,
                         help_text="Optional: share matching costs across labels by percent (adding up to 100).")

    def validate_name(self, value):
        return _run(validate_name, value)

    def validate_filters(self, value):
        return _run(clean_filters, value)

    def validate_splits(self, value):
        return _run(clean_splits, value)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": "The end of the date range is before its start."})
        return attrs


class VirtualTagSerializer(serializers.ModelSerializer):
    """A virtual tag: a key and its ordered values (the first value whose filters match labels a cost)."""

    key = serializers.CharField(max_length=50,
                                help_text=f"e.g. Team; unique in the workspace, ignoring case. {NAME_HELP}")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000,
                                        validators=[refuse_bidi_controls])
    values = VirtualTagValueSerializer(
        many=True, required=False, default=list, max_length=MAX_VALUES,
        help_text=f"Ordered: the first value whose filters match labels a cost. At most {MAX_VALUES}.",
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = VirtualTag
        fields = ["id", "workspace", "key", "description", "values", "created_by", "created_at", "updated_at"]
        read_only_fields = ["id", "workspace", "created_by", "created_at", "updated_at"]

    def validate_key(self, value):
        others = VirtualTag.objects.filter(workspace=self.context["workspace"])
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        return _run(validate_key, value, others, new=self.instance is None)

    def create(self, validated_data):
        tag = VirtualTag(workspace=self.context["workspace"], created_by=self.context["request"].user)
        return self._save(tag, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    @staticmethod
    def _save(tag: VirtualTag, data) -> VirtualTag:
        values = data.get("values") or []
        try:
            tag = services.save_tag(tag, key=data["key"], description=data.get("description", ""), values=values)
        except services.TagValueInvalid as exc:
            errors = [{} for _ in values]
            errors[exc.index] = _drf_error(exc.error).detail
            raise serializers.ValidationError({"values": errors}) from None
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        except IntegrityError:  # a concurrent request took the key
            raise serializers.ValidationError({"key": f"This workspace already has a tag “{data['key']}”."}) from None
        return VirtualTag.objects.select_related("created_by").prefetch_related("values").get(pk=tag.pk)
