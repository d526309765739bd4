"""How units, memberships and users look in the API, and what a write may send.

Write serializers only check the shape of the input and resolve references through
the scoped selectors (a unit or user the caller cannot see is "no such" one, exactly
like an id that does not exist); the services decide who may do what.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from orbit.core.api.fields import IdField, TranslatedTextField, display_text, reason_field, version_field
from orbit.core.api.versioned import ArchiveSerializer as ArchiveSerializer  # shared; still importable from here
from orbit.core.api.versioned import RestoreSerializer as RestoreSerializer
from orbit.core.errors import NotFound
from orbit.organisation.models import Membership, OrgUnit, Role, UnitType
from orbit.organisation.selectors import org_unit_get


def visible_unit(user: Any, pk: int | None) -> OrgUnit | None:
    """Resolve a unit named in a body; one the caller cannot see reads as one that does not exist."""
    if pk is None:
        return None
    try:
        return org_unit_get(user, pk)
    except NotFound as exc:
        raise serializers.ValidationError("No such organisational unit.") from exc


# --- organisational units ---------------------------------------------------------------


class OrgUnitSerializer(serializers.ModelSerializer[OrgUnit]):
    name = TranslatedTextField()
    name_display = serializers.SerializerMethodField(help_text="The name in the request's language.")
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    parent_code = serializers.SerializerMethodField()
    archived_by = serializers.IntegerField(source="archived_by_id", read_only=True, allow_null=True)
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = OrgUnit
        fields = (
            "id",
            "code",
            "name",
            "name_display",
            "type",
            "parent",
            "parent_code",
            "path",
            "depth",
            "region",
            "city",
            "country",
            "source",
            "is_sample",
            "version",
            "created_at",
            "updated_at",
            "is_archived",
            "archived_at",
            "archived_by",
            "archive_reason",
        )
        read_only_fields = fields

    def get_name_display(self, unit: OrgUnit) -> str:
        return display_text(unit.name)

    def get_parent_code(self, unit: OrgUnit) -> str | None:
        return unit.parent.code if unit.parent is not None else None


class OrgUnitWriteSerializer(serializers.Serializer[Any]):
    """Create (POST), replace (PUT) or change (PATCH) a unit; PATCH may send any subset."""

    code = serializers.CharField(max_length=32)
    name = TranslatedTextField(max_length=300)
    type = serializers.ChoiceField(choices=UnitType.choices)
    parent = IdField(  # type: ignore[assignment]
        allow_null=True, help_text="The parent unit's id; null only for a top-level organisation."
    )
    region = serializers.CharField(max_length=40, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, allow_blank=True, default="", help_text="ISO 3166-1 alpha-2.")
    source = serializers.CharField(allow_blank=True, default="", max_length=5000)  # type: ignore[assignment]
    is_sample = serializers.BooleanField(default=False)
    version = version_field()
    reason = reason_field()

    def validate_parent(self, value: int | None) -> OrgUnit | None:
        return visible_unit(self.context["request"].user, value)


class OrgUnitListParams(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=200, help_text="Code or name in any language."
    )
    type = serializers.ChoiceField(choices=UnitType.choices, required=False, default="", allow_blank=True)
    parent = IdField(required=False, help_text="Only the direct children of this unit.")  # type: ignore[assignment]
    include_archived = serializers.BooleanField(required=False, default=False)


# --- memberships -------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    user = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.SerializerMethodField()
    unit = serializers.IntegerField(source="unit_id", read_only=True, allow_null=True)
    unit_code = serializers.SerializerMethodField()
    unit_name_display = serializers.SerializerMethodField()
    archived_by = serializers.IntegerField(source="archived_by_id", read_only=True, allow_null=True)
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Membership
        fields = (
            "id",
            "user",
            "username",
            "unit",
            "unit_code",
            "unit_name_display",
            "role",
            "version",
            "created_at",
            "updated_at",
            "is_archived",
            "archived_at",
            "archived_by",
            "archive_reason",
        )
        read_only_fields = fields

    def get_username(self, membership: Membership) -> str:
        return membership.user.get_username()

    def get_unit_code(self, membership: Membership) -> str | None:
        return membership.unit.code if membership.unit is not None else None

    def get_unit_name_display(self, membership: Membership) -> str | None:
        return display_text(membership.unit.name) if membership.unit is not None else None


class MembershipCreateSerializer(serializers.Serializer[Any]):
    user = IdField(help_text="The user who receives the role.")
    unit = IdField(allow_null=True, help_text="The unit; null for the global auditor role.")
    role = serializers.ChoiceField(choices=Role.choices)
    reason = reason_field()

    def validate_unit(self, value: int | None) -> OrgUnit | None:
        return visible_unit(self.context["request"].user, value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["role"] == Role.AUDITOR and attrs["unit"] is not None:
            raise serializers.ValidationError({"unit": "The auditor role is global: leave the unit empty."})
        if attrs["role"] != Role.AUDITOR and attrs["unit"] is None:
            raise serializers.ValidationError({"unit": "This role is held on a unit: name one."})
        return attrs


class MembershipUpdateSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=Role.choices)
    version = version_field()
    reason = reason_field()


class MembershipListParams(serializers.Serializer[Any]):
    unit = IdField(required=False)
    user = IdField(required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    include_archived = serializers.BooleanField(required=False, default=False)


# --- users -------------------------------------------------------------------------------


class UserSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    is_superuser = serializers.BooleanField(read_only=True)


class UserCreateSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, default="", allow_blank=True)
    first_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Leave out to create a login that cannot sign in with a password yet.",
    )
    is_superuser = serializers.BooleanField(required=False, default=False)
    reason = reason_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        password = attrs.get("password")
        if password:
            candidate = get_user_model()(
                username=attrs["username"],
                email=attrs.get("email", ""),
                first_name=attrs.get("first_name", ""),
                last_name=attrs.get("last_name", ""),
            )
            try:
                validate_password(password, user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class UserListParams(serializers.Serializer[Any]):
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=150)


# --- the current user --------------------------------------------------------------------


class ScopeUnitSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_display = serializers.CharField()


class ActionScopeSerializer(serializers.Serializer[Any]):
    all = serializers.BooleanField(help_text="True when the right holds on every unit.")
    units = ScopeUnitSerializer(many=True, help_text="The top units of the scope (rights apply to descendants).")


class ScopeSerializer(serializers.Serializer[Any]):
    view = ActionScopeSerializer()
    change = ActionScopeSerializer()
    approve = ActionScopeSerializer()
    admin = ActionScopeSerializer()


class MeSerializer(UserSerializer):
    is_auditor = serializers.BooleanField()
    language = serializers.CharField(help_text="The language of *_display fields in responses.")
    memberships = MembershipSerializer(many=True)
    scope = ScopeSerializer()
