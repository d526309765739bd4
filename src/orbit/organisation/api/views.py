"""Units, memberships, users and the current user over the API.

Every read goes through :mod:`orbit.organisation.selectors`, every write through
:mod:`orbit.organisation.services` with ``actor=request.user``; the exception
handler turns the services' errors into 400/403/404/409.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import translation
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from orbit.core.api.fields import display_text
from orbit.core.api.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UNAUTHENTICATED
from orbit.core.api.versioned import VersionedViewSet, versioned_schema
from orbit.core.api.views import API_AUTHENTICATION, OrbitViewSet
from orbit.core.errors import NotFound
from orbit.organisation.access import ACTIONS, ALL, is_auditor, scope_paths
from orbit.organisation.api.serializers import (
    MembershipCreateSerializer,
    MembershipListParams,
    MembershipSerializer,
    MembershipUpdateSerializer,
    MeSerializer,
    OrgUnitListParams,
    OrgUnitSerializer,
    OrgUnitWriteSerializer,
    UserCreateSerializer,
    UserListParams,
    UserSerializer,
)
from orbit.organisation.models import Membership, OrgUnit
from orbit.organisation.selectors import (
    membership_get,
    membership_restrict,
    org_unit_get,
    org_unit_list,
    org_unit_restrict,
    user_restrict,
)
from orbit.organisation.services import (
    membership_archive,
    membership_create,
    membership_grant_check,
    membership_restore,
    membership_update,
    org_unit_archive,
    org_unit_create,
    org_unit_restore,
    org_unit_update,
    user_create,
)


@versioned_schema(
    serializer=OrgUnitSerializer,
    list_params=OrgUnitListParams,
    create_request=OrgUnitWriteSerializer,
    update_request=OrgUnitWriteSerializer,
    summaries={
        "list": "Units in your scope, in tree order",
        "retrieve": "One unit (archived ones included)",
        "create": "Create a unit under a parent you administer",
        "update": "Replace a unit's fields",
        "partial_update": "Change some of a unit's fields",
        "archive": "Archive a unit (it has no active children)",
        "restore": "Restore an archived unit",
        "history": "The unit's audit events, newest first",
    },
)
class OrgUnitViewSet(VersionedViewSet):
    """Organisational units: you see those under your roles, and administer those under your admin roles."""

    serializer_class = OrgUnitSerializer
    update_serializer_class = OrgUnitWriteSerializer
    queryset = OrgUnit.objects.none()  # the schema's model; requests read through the selectors

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return org_unit_restrict(self.request.user)

    def get_versioned(self) -> OrgUnit:
        return org_unit_get(self.request.user, self.object_id())

    def list(self, request: Request) -> Response:
        return self.page_of(org_unit_list(request.user, **self.query(OrgUnitListParams)))

    def create(self, request: Request) -> Response:
        serializer = OrgUnitWriteSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        return self.created(org_unit_create(actor=request.user, **data), "org-unit-detail")

    def perform_update(self, instance: OrgUnit, data: dict[str, Any], *, expected_version: int) -> OrgUnit:
        reason = data.pop("reason", "")
        return org_unit_update(
            actor=self.request.user, unit=instance, expected_version=expected_version, reason=reason, **data
        )

    def perform_archive(self, instance: OrgUnit, *, expected_version: int, reason: str) -> OrgUnit:
        return org_unit_archive(
            actor=self.request.user, unit=instance, expected_version=expected_version, reason=reason
        )

    def perform_restore(self, instance: OrgUnit, *, expected_version: int, reason: str) -> OrgUnit:
        return org_unit_restore(
            actor=self.request.user, unit=instance, expected_version=expected_version, reason=reason
        )


@versioned_schema(
    serializer=MembershipSerializer,
    list_params=MembershipListParams,
    create_request=MembershipCreateSerializer,
    update_request=MembershipUpdateSerializer,
    summaries={
        "list": "Memberships you may see: on units you administer, and your own",
        "retrieve": "One membership (archived ones included)",
        "create": "Grant a role on a unit you administer (the global auditor role: superusers only)",
        "update": "Change the role",
        "partial_update": "Change the role",
        "archive": "Archive a membership (the role no longer applies)",
        "restore": "Restore an archived membership",
        "history": "The membership's audit events, newest first",
    },
)
class MembershipViewSet(VersionedViewSet):
    """Roles users hold on units; administrators of a unit manage the roles on it and below."""

    serializer_class = MembershipSerializer
    update_serializer_class = MembershipUpdateSerializer
    queryset = Membership.objects.none()  # the schema's model; requests read through the selectors

    def get_queryset(self) -> QuerySet[Membership]:
        return membership_restrict(self.request.user)

    def get_versioned(self) -> Membership:
        return membership_get(self.request.user, self.object_id())

    def list(self, request: Request) -> Response:
        filters = self.query(MembershipListParams)
        memberships = membership_restrict(request.user, include_archived=filters["include_archived"])
        if "unit" in filters:
            memberships = memberships.filter(unit_id=filters["unit"])
        if "user" in filters:
            memberships = memberships.filter(user_id=filters["user"])
        if "role" in filters:
            memberships = memberships.filter(role=filters["role"])
        return self.page_of(memberships.order_by("unit__path", "user__username", "pk"))

    def create(self, request: Request) -> Response:
        serializer = MembershipCreateSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The service's own rule for who may grant this role here, checked before the user is looked
        # up, so that someone who may not grant roles learns nothing about which users exist.
        membership_grant_check(request.user, data["unit"], data["role"])
        user = user_restrict(request.user).filter(pk=data["user"]).first()
        if user is None:
            raise serializers.ValidationError({"user": ["No such user."]})
        membership = membership_create(
            actor=request.user, user=user, unit=data["unit"], role=data["role"], reason=data["reason"]
        )
        return self.created(membership, "membership-detail")

    def perform_update(self, instance: Membership, data: dict[str, Any], *, expected_version: int) -> Membership:
        return membership_update(
            actor=self.request.user,
            membership=instance,
            expected_version=expected_version,
            role=data.get("role", instance.role),
            reason=data.get("reason", ""),
        )

    def perform_archive(self, instance: Membership, *, expected_version: int, reason: str) -> Membership:
        return membership_archive(
            actor=self.request.user, membership=instance, expected_version=expected_version, reason=reason
        )

    def perform_restore(self, instance: Membership, *, expected_version: int, reason: str) -> Membership:
        return membership_restore(
            actor=self.request.user, membership=instance, expected_version=expected_version, reason=reason
        )


@extend_schema_view(
    list=extend_schema(
        summary="Users you may pick: everyone active for administrators and auditors, else yourself",
        parameters=[UserListParams],
        responses={200: UserSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(summary="One user", responses={200: UserSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Create a login (administrators; superusers for another superuser)",
        request=UserCreateSerializer,
        responses={201: UserSerializer, **CREATE_ERRORS},
    ),
)
class UserViewSet(OrbitViewSet):
    """Logins.  Administrators create them and pick among them when granting roles."""

    serializer_class = UserSerializer
    queryset = get_user_model().objects.none()  # the schema's model; requests read through the selector

    def get_queryset(self) -> QuerySet[Any]:
        return user_restrict(self.request.user)

    def list(self, request: Request) -> Response:
        users = self.get_queryset()
        term = self.query(UserListParams)["q"]
        if term:
            users = users.filter(
                Q(username__icontains=term)
                | Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
            )
        return self.page_of(users.order_by("username"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_queryset().filter(pk=self.object_id()).first()
        if user is None:
            raise NotFound("No such user.")
        return Response(UserSerializer(user, context=self.context()).data)

    def create(self, request: Request) -> Response:
        serializer = UserCreateSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        user = user_create(actor=request.user, **serializer.validated_data)
        response = Response(UserSerializer(user, context=self.context()).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("user-detail", args=[user.pk], request=request)
        return response


def _unit_id(path: str) -> int:
    return int(path.rstrip("/").rsplit("/", 1)[-1])


class MeView(APIView):
    """The signed-in user, their roles and, for each right, the units it covers."""

    authentication_classes = API_AUTHENTICATION

    @extend_schema(operation_id="me_retrieve", responses={200: MeSerializer, 401: UNAUTHENTICATED})
    def get(self, request: Request) -> Response:
        user = request.user
        scopes = {name: scope_paths(user, name) for name in ACTIONS}
        wanted = {_unit_id(path) for paths in scopes.values() if paths is not ALL for path in paths}
        units = {unit.pk: unit for unit in org_unit_restrict(user).filter(pk__in=wanted)} if wanted else {}
        scope: dict[str, Any] = {}
        for name, paths in scopes.items():
            if paths is ALL:
                scope[name] = {"all": True, "units": []}
                continue
            listed = [units[_unit_id(path)] for path in paths if _unit_id(path) in units]
            scope[name] = {
                "all": False,
                "units": [{"id": u.pk, "code": u.code, "name_display": display_text(u.name)} for u in listed],
            }
        memberships = membership_restrict(user).filter(user_id=int(user.pk or 0)).order_by("unit__path", "pk")
        data = {
            **UserSerializer(user).data,
            "is_auditor": is_auditor(user),
            "language": translation.get_language() or "en",
            "memberships": MembershipSerializer(memberships, many=True).data,
            "scope": scope,
        }
        return Response(data)
