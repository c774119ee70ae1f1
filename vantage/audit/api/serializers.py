from rest_framework import serializers

from ..models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", help_text="The username when it happened.")

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "actor", "workspace", "target_type", "target_id", "target_name",
                  "summary", "ip_address"]
        read_only_fields = fields
