from rest_framework import serializers

from vantage.models import Workspace


class WorkspaceSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Workspace
        fields = ["id", "name", "role", "created_at"]

    def get_role(self, obj) -> str:
        return getattr(obj, "my_role", None) or obj.role_of(self.context["request"].user)
