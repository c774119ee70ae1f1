"""Virtual tags: ordered rules that label costs where Twilio has no tags."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from vantage.models import Workspace

from .validation import clean_filters, clean_splits, validate_name


class VirtualTag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="virtual_tags")
    key = models.CharField(max_length=50, help_text="e.g. Team, Product, Customer")
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint("workspace", Lower("key"), name="virtualtag_key_unique_ci")]

    def __str__(self):
        return self.key

    def clean(self):
        from .choices import MAX_KEYS

        self.key = validate_name(self.key, "Key")
        if self.pk is None and self.workspace_id and VirtualTag.objects.filter(workspace_id=self.workspace_id).count() >= MAX_KEYS:
            raise ValidationError(f"A workspace can have at most {MAX_KEYS} virtual tags.")


class VirtualTagValue(models.Model):
    """One value of a tag. The first value (by position) whose filter matches a cost labels it."""

    tag = models.ForeignKey(VirtualTag, on_delete=models.CASCADE, related_name="values")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100)
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
        from .choices import MAX_VALUES

        if self.pk is None and self.tag_id and VirtualTagValue.objects.filter(tag_id=self.tag_id).count() >= MAX_VALUES:
            errors.setdefault("name", []).append(f"A tag can have at most {MAX_VALUES} values.")
        if errors:
            raise ValidationError(errors)

    @property
    def labels(self) -> list[str]:
        return [s["label"] for s in self.splits] if self.splits else [self.name]
