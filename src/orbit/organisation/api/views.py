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
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from orbit.core.api.concurrency import (
    IF_MATCH,
    IF_NONE_MATCH,
    etag_header,
    expected_version,
    not_modified,
    require_version,
    with_etag,
)
from orbit.core.api.fields import display_text
from orbit.core.api.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UNAUTHENTICATED, WRITE_ERRORS
from orbit.core.api.views import API_AUTHENTICATION, OrbitViewSet
from orbit.core.errors import NotFound
from orbit.governance.api.serializers import AuditEventSerializer
from orbit.governance.selectors import audit_event_history
from orbit.governance.services import object_type_of
from orbit.organisation.access import ACTIONS, ALL, is_auditor, scope_paths
from orbit.organisation.api.serializers import (
    ArchiveSerializer,
    MembershipCreateSerializer,
    MembershipListParams,
    MembershipSerializer,
    MembershipUpdateSerializer,
    MeSerializer,
    OrgUnitListParams,
    OrgUnitSerializer,
    OrgUnitWriteSerializer,
    RestoreSerializer,
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

NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag in If-None-Match is still current.")


def _detail(data: Any, instance: Any, http_status: int = status.HTTP_200_OK) -> Response:
    return with_etag(Response(data, status=http_status), instance)


class _VersionedViewSet(OrbitViewSet):
    """The shared shape of a versioned, archivable resource with a history."""

    def history_page(self, instance: Any) -> Response:
        events = audit_event_history(object_type=object_type_of(instance), object_id=instance.pk)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True, context=self.context()).data)

    def write_input(
        self, serializer_class: type[serializers.Serializer[Any]], *, partial: bool = False
    ) -> tuple[dict[str, Any], int]:
        """Validate a write to an existing record: 428 without a version, 400 for bad input."""
        require_version(self.request)
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(self.request, data.pop("version", None))
        return data, version


@extend_schema_view(
    list=extend_schema(
        summary="Units in your scope, in tree order",
        parameters=[OrgUnitListParams],
        responses={200: OrgUnitSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One unit (archived ones included)",
        parameters=[IF_NONE_MATCH, etag_header(200)],
        responses={200: OrgUnitSerializer, 304: NOT_MODIFIED, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Create a unit under a parent you administer",
        request=OrgUnitWriteSerializer,
        parameters=[etag_header(201)],
        responses={201: OrgUnitSerializer, **CREATE_ERRORS},
    ),
    update=extend_schema(
        summary="Replace a unit's fields",
        request=OrgUnitWriteSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: OrgUnitSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some of a unit's fields",
        request=OrgUnitWriteSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: OrgUnitSerializer, **WRITE_ERRORS},
    ),
    archive=extend_schema(
        summary="Archive a unit (it has no active children)",
        request=ArchiveSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: OrgUnitSerializer, **WRITE_ERRORS},
    ),
    restore=extend_schema(
        summary="Restore an archived unit",
        request=RestoreSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: OrgUnitSerializer, **WRITE_ERRORS},
    ),
    history=extend_schema(
        summary="The unit's audit events, newest first",
        responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
    ),
)
class OrgUnitViewSet(_VersionedViewSet):
    """Organisational units: you see those under your roles, and administer those under your admin roles."""

    serializer_class = OrgUnitSerializer
    queryset = OrgUnit.objects.none()  # the schema's model; requests read through the selectors

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return org_unit_restrict(self.request.user)

    def list(self, request: Request) -> Response:
        params = OrgUnitListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        units = org_unit_list(request.user, **params.validated_data)
        page = self.paginate_queryset(units)
        return self.get_paginated_response(OrgUnitSerializer(page, many=True, context=self.context()).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        unit = org_unit_get(request.user, self.object_id())
        if not_modified(request, unit):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), unit)
        return _detail(OrgUnitSerializer(unit, context=self.context()).data, unit)

    def create(self, request: Request) -> Response:
        serializer = OrgUnitWriteSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        unit = org_unit_create(actor=request.user, **data)
        response = _detail(OrgUnitSerializer(unit, context=self.context()).data, unit, status.HTTP_201_CREATED)
        response["Location"] = reverse("org-unit-detail", args=[unit.pk], request=request)
        return response

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        unit = org_unit_get(request.user, self.object_id())
        data, version = self.write_input(OrgUnitWriteSerializer, partial=partial)
        reason = data.pop("reason", "")
        updated = org_unit_update(actor=request.user, unit=unit, expected_version=version, reason=reason, **data)
        return _detail(OrgUnitSerializer(updated, context=self.context()).data, updated)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        unit = org_unit_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        archived = org_unit_archive(actor=request.user, unit=unit, expected_version=version, reason=data["reason"])
        return _detail(OrgUnitSerializer(archived, context=self.context()).data, archived)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        unit = org_unit_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        restored = org_unit_restore(actor=request.user, unit=unit, expected_version=version, reason=data["reason"])
        return _detail(OrgUnitSerializer(restored, context=self.context()).data, restored)

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(org_unit_get(request.user, self.object_id()))


@extend_schema_view(
    list=extend_schema(
        summary="Memberships you may see: on units you administer, and your own",
        parameters=[MembershipListParams],
        responses={200: MembershipSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One membership (archived ones included)",
        parameters=[IF_NONE_MATCH, etag_header(200)],
        responses={200: MembershipSerializer, 304: NOT_MODIFIED, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Grant a role on a unit you administer (the global auditor role: superusers only)",
        request=MembershipCreateSerializer,
        parameters=[etag_header(201)],
        responses={201: MembershipSerializer, **CREATE_ERRORS},
    ),
    update=extend_schema(
        summary="Change the role",
        request=MembershipUpdateSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: MembershipSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change the role",
        request=MembershipUpdateSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: MembershipSerializer, **WRITE_ERRORS},
    ),
    archive=extend_schema(
        summary="Archive a membership (the role no longer applies)",
        request=ArchiveSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: MembershipSerializer, **WRITE_ERRORS},
    ),
    restore=extend_schema(
        summary="Restore an archived membership",
        request=RestoreSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: MembershipSerializer, **WRITE_ERRORS},
    ),
    history=extend_schema(
        summary="The membership's audit events, newest first",
        responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
    ),
)
class MembershipViewSet(_VersionedViewSet):
    """Roles users hold on units; administrators of a unit manage the roles on it and below."""

    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()  # the schema's model; requests read through the selectors

    def get_queryset(self) -> QuerySet[Membership]:
        return membership_restrict(self.request.user)

    def list(self, request: Request) -> Response:
        params = MembershipListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        memberships = membership_restrict(request.user, include_archived=filters["include_archived"])
        if "unit" in filters:
            memberships = memberships.filter(unit_id=filters["unit"])
        if "user" in filters:
            memberships = memberships.filter(user_id=filters["user"])
        if "role" in filters:
            memberships = memberships.filter(role=filters["role"])
        page = self.paginate_queryset(memberships.order_by("unit__path", "user__username", "pk"))
        return self.get_paginated_response(MembershipSerializer(page, many=True, context=self.context()).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        membership = membership_get(request.user, self.object_id())
        if not_modified(request, membership):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), membership)
        return _detail(MembershipSerializer(membership, context=self.context()).data, membership)

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
        response = _detail(
            MembershipSerializer(membership, context=self.context()).data, membership, status.HTTP_201_CREATED
        )
        response["Location"] = reverse("membership-detail", args=[membership.pk], request=request)
        return response

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        membership = membership_get(request.user, self.object_id())
        data, version = self.write_input(MembershipUpdateSerializer, partial=partial)
        updated = membership_update(
            actor=request.user,
            membership=membership,
            expected_version=version,
            role=data.get("role", membership.role),
            reason=data.get("reason", ""),
        )
        return _detail(MembershipSerializer(updated, context=self.context()).data, updated)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        membership = membership_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        archived = membership_archive(
            actor=request.user, membership=membership, expected_version=version, reason=data["reason"]
        )
        return _detail(MembershipSerializer(archived, context=self.context()).data, archived)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        membership = membership_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        restored = membership_restore(
            actor=request.user, membership=membership, expected_version=version, reason=data["reason"]
        )
        return _detail(MembershipSerializer(restored, context=self.context()).data, restored)

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(membership_get(request.user, self.object_id()))


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
        params = UserListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        users = self.get_queryset()
        term = params.validated_data["q"]
        if term:
            users = users.filter(
                Q(username__icontains=term)
                | Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
            )
        page = self.paginate_queryset(users.order_by("username"))
        return self.get_paginated_response(UserSerializer(page, many=True, context=self.context()).data)

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
