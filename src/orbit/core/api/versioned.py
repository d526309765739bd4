"""Audited, versioned records over the API: ETag and If-Match, archive, restore and history.

A context's view set for such a record subclasses :class:`VersionedViewSet` and says how to
read one record in the caller's scope (:meth:`~VersionedViewSet.get_versioned`) and which
services archive and restore it; the class answers ``retrieve`` (with ``If-None-Match``),
``partial_update``, ``archive``, ``restore`` and ``history`` the same way for every context.
:func:`versioned_schema` documents those endpoints alike.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from orbit.core.api.concurrency import (
    IF_MATCH,
    IF_NONE_MATCH,
    etag_header,
    expected_version,
    not_modified,
    require_version,
    with_etag,
)
from orbit.core.api.fields import REASON_MAX, reason_field, version_field
from orbit.core.api.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from orbit.core.api.views import OrbitViewSet
from orbit.governance.api.serializers import AuditEventSerializer
from orbit.governance.selectors import audit_event_history
from orbit.governance.services import object_type_of

NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag in If-None-Match is still current.")

_View = TypeVar("_View", bound=Callable[..., Any])


class ArchiveSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why the record is archived.")
    version = version_field()


class RestoreSerializer(serializers.Serializer[Any]):
    reason = reason_field()
    version = version_field()


class VersionedViewSet(OrbitViewSet, metaclass=ABCMeta):
    """The shared shape of a versioned, archivable resource with a history.

    Subclasses set ``serializer_class`` (how one record is shown) and ``update_serializer_class``
    (what an update may change), and implement :meth:`get_versioned`, :meth:`perform_update`,
    :meth:`perform_archive` and :meth:`perform_restore`.
    """

    update_serializer_class: type[serializers.Serializer[Any]]

    @abstractmethod
    def get_versioned(self) -> Any:
        """The record named in the path, read through the context's selector (404 out of scope)."""

    @abstractmethod
    def perform_update(self, instance: Any, data: dict[str, Any], *, expected_version: int) -> Any:
        """Apply the validated ``data`` to ``instance`` through the context's service as ``self.request.user``."""

    @abstractmethod
    def perform_archive(self, instance: Any, *, expected_version: int, reason: str) -> Any:
        """Archive ``instance`` through the context's service as ``self.request.user``."""

    @abstractmethod
    def perform_restore(self, instance: Any, *, expected_version: int, reason: str) -> Any:
        """Restore ``instance`` through the context's service as ``self.request.user``."""

    def show(self, instance: Any, http_status: int = status.HTTP_200_OK) -> Response:
        """One record as ``serializer_class`` shows it, with its version as the ETag."""
        data = self.get_serializer_class()(instance, context=self.context()).data
        return with_etag(Response(data, status=http_status), instance)

    def created(self, instance: Any, route: str) -> Response:
        """201 with the new record, its ETag and its ``Location`` (the URL named ``route``)."""
        response = self.show(instance, status.HTTP_201_CREATED)
        response["Location"] = reverse(route, args=[instance.pk], request=self.request)
        return response

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

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_versioned()
        if not_modified(request, instance):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), instance)
        return self.show(instance)

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        instance = self.get_versioned()
        data, version = self.write_input(self.update_serializer_class, partial=partial)
        return self.show(self.perform_update(instance, data, expected_version=version))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_versioned()
        data, version = self.write_input(ArchiveSerializer)
        return self.show(self.perform_archive(instance, expected_version=version, reason=data["reason"]))

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_versioned()
        data, version = self.write_input(RestoreSerializer)
        return self.show(self.perform_restore(instance, expected_version=version, reason=data["reason"]))

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        # The record's audit events, newest first, a page at a time.
        instance = self.get_versioned()
        events = audit_event_history(object_type=object_type_of(instance), object_id=instance.pk)
        return self.page_of(events, AuditEventSerializer)


def versioned_schema(
    *,
    serializer: type[serializers.Serializer[Any]],
    list_params: type[serializers.Serializer[Any]],
    create_request: type[serializers.Serializer[Any]],
    update_request: type[serializers.Serializer[Any]],
    summaries: Mapping[str, str],
) -> Callable[[_View], _View]:
    """The OpenAPI description of a :class:`VersionedViewSet`'s endpoints.

    ``summaries`` gives one line for each of list, retrieve, create, update, partial_update,
    archive, restore and history.
    """

    def write(summary: str, request: type[serializers.Serializer[Any]]) -> Any:
        return extend_schema(
            summary=summary,
            request=request,
            parameters=[IF_MATCH, etag_header(200)],
            responses={200: serializer, **WRITE_ERRORS},
        )

    return extend_schema_view(
        list=extend_schema(
            summary=summaries["list"],
            parameters=[list_params],
            responses={200: serializer(many=True), **LIST_ERRORS},
        ),
        retrieve=extend_schema(
            summary=summaries["retrieve"],
            parameters=[IF_NONE_MATCH, etag_header(200)],
            responses={200: serializer, 304: NOT_MODIFIED, **READ_ERRORS},
        ),
        create=extend_schema(
            summary=summaries["create"],
            request=create_request,
            parameters=[etag_header(201)],
            responses={201: serializer, **CREATE_ERRORS},
        ),
        update=write(summaries["update"], update_request),
        partial_update=write(summaries["partial_update"], update_request),
        archive=write(summaries["archive"], ArchiveSerializer),
        restore=write(summaries["restore"], RestoreSerializer),
        history=extend_schema(
            summary=summaries["history"],
            responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
        ),
    )
