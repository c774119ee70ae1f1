"""Virtual tags: ordered rules that label costs where Twilio has no tags."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from vantage.lib.text import refuse_bidi_controls
from vantage.models import Workspace

from .choices import TagDimension, TagOperator
from .validation import check_room_for_value, clean_filters, clean_splits, validate_key, validate_name


class VirtualTag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="virtual_tags")
    key = models.CharField(max_length=50, help_text="e.g. Team, Product, Customer", validators=[refuse_bidi_controls])
    description = models.TextField(blank=True, validators=[refuse_bidi_controls])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint("workspace", Lower("key"), name="virtualtag_key_unique_ci")]

    def __str__(self):
        return self.key

    def clean(self):
        if self.workspace_id is None:  # a form sets the workspace after validating (it checks the key itself)
            self.key = validate_name(self.key, "Key")
            return
        others = VirtualTag.objects.filter(workspace_id=self.workspace_id).exclude(pk=self.pk)
        try:
            self.key = validate_key(self.key, others, new=self.pk is None)
        except ValidationError as exc:
            raise ValidationError({"key": exc.messages}) from None


class VirtualTagValue(models.Model):
    """One value of a tag. The first value (by position) whose filter matches a cost labels it."""

    tag = models.ForeignKey(VirtualTag, on_delete=models.CASCADE, related_name="values")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100, validators=[refuse_bidi_controls])
    filters = models.JSONField(
        default=list,
        help_text='Filter sets ORed together, each a list of ANDed conditions: '
        '[{"conditions": [{"dimension": "service", "operator": "is", "values": ["SMS & MMS"]}]}]',
    )
    date_from = models.DateField(null=True, blank=True, help_text="Applies from this UTC day (inclusive).")
    date_to = models.DateField(null=True, blank=True, help_text="Applies until this UTC day (inclusive).")
    splits = models.JSONField(
        null=True, blank=True,
        help_text='Optional: split matching costs across labels, e.g. [{"label": "Team A", "percent": "60"}, '
        '{"label": "Team B", "percent": "40"}]. Percentages add up to 100.',
    )

    class Meta:
        ordering = ["tag", "position", "pk"]

    def __str__(self):
        return f"{self.tag.key}: {self.name}"

    def clean(self):
        errors = {}
        for field, fn in (("name", validate_name), ("filters", clean_filters), ("splits", clean_splits)):
            try:
                setattr(self, field, fn(getattr(self, field)))
            except ValidationError as exc:
                errors[field] = exc.messages
        if self.date_from and self.date_to and self.date_to < self.date_from:
            errors["date_to"] = ["The end of the date range is before its start."]
        if self.pk is None and self.tag_id:
            try:
                check_room_for_value(VirtualTagValue.objects.filter(tag_id=self.tag_id))
            except ValidationError as exc:
                errors.setdefault("name", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    @property
    def filter_text(self) -> str:
        """The filter in words, e.g. ``(Service is “SMS & MMS” AND Account is not “AC1”) OR (Category starts
        with “sms”)``."""
        def condition(c):
            dimension = TagDimension(c["dimension"]).label if c["dimension"] in TagDimension.values else c["dimension"]
            operator = TagOperator(c["operator"]).label if c["operator"] in TagOperator.values else c["operator"]
            return f"{dimension} {operator} {' or '.join(f'“{v}”' for v in c['values'])}"

        sets = [" AND ".join(condition(c) for c in fset["conditions"]) for fset in self.filters]
        return " OR ".join(f"({s})" if len(sets) > 1 else s for s in sets)

    @property
    def labels(self) -> list[str]:
        return [s["label"] for s in self.splits] if self.splits else [self.name]
