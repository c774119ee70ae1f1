"""API v2: the workspace's members (``/workspace_members``): everyone in it reads them; owners add people by
username or email, change roles and remove members, through the same functions as Settings › Members."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from vantage import members
from vantage.models import Membership, Role

from .errors import error_response
from .schema import READ_ERRORS, WORKSPACE_PARAM, WRITE_ERRORS
from .viewsets import WorkspaceViewSetMixin


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.get_username", read_only=True)
    person = serializers.CharField(write_only=True, max_length=254,
                                   help_text="Username or email address of the person to add (POST only).")

    class Meta:
        model = Membership
        fields = ["id", "username", "person", "role", "created_at"]
        read_only_fields = ["created_at"]


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


@extend_schema_view(
    list=extend_schema(summary="Members of the workspace and their roles", parameters=[WORKSPACE_PARAM],
                       responses={200: MembershipSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="One member", parameters=[WORKSPACE_PARAM],
                           responses={200: MembershipSerializer, **READ_ERRORS}),
    create=extend_schema(summary="Add a person by username or email (owners only)", parameters=[WORKSPACE_PARAM],
                         request=MembershipSerializer, responses={201: MembershipSerializer, **WRITE_ERRORS}),
    update=extend_schema(summary="Change a member's role (owners only; the last owner stays owner)",
                         parameters=[WORKSPACE_PARAM], request=RoleSerializer,
                         responses={200: MembershipSerializer, **WRITE_ERRORS}),
    destroy=extend_schema(summary="Remove a member (owners only; not the last owner)", parameters=[WORKSPACE_PARAM],
                          responses={204: None, **WRITE_ERRORS}),
)
class MembershipViewSet(WorkspaceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()  # for the schema; get_queryset scopes to the workspace

    def get_queryset(self):
        return Membership.objects.filter(workspace=self.workspace).select_related("user").order_by("user__username")

    def _require_owner(self):
        if self.workspace.role_of(self.request.user) != Role.OWNER:
            raise exceptions.PermissionDenied("Only the workspace's owners add, change or remove members.")

    def create(self, request, *args, **kwargs):
        self._require_owner()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            user = members.find_person(ser.validated_data["person"])
            membership = members.add_member(request, self.workspace, user, ser.validated_data["role"])
        except DjangoValidationError as exc:
            return error_response("person", exc.messages[0])
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        self._require_owner()
        membership = self.get_object()
        ser = RoleSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            members.change_role(request, membership, ser.validated_data["role"])
        except DjangoValidationError as exc:
            return error_response("role", exc.messages[0])
        return Response(self.get_serializer(membership).data)

    def destroy(self, request, *args, **kwargs):
        self._require_owner()
        try:
            members.remove_member(request, self.get_object())
        except DjangoValidationError as exc:
            return error_response(None, exc.messages[0])
        return Response(status=status.HTTP_204_NO_CONTENT)
