"""The shared shape of a versioned resource of any context's API: ETag on reads, 304 when unchanged, a version
on every write to an existing record (428 without one), 201 with a Location on creation, and the record's audit
history as a page."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.reverse import reverse

from orbit.core.api.concurrency import expected_version, not_modified, require_version, with_etag
from orbit.core.api.views import OrbitViewSet
from orbit.governance.api.serializers import AuditEventSerializer
from orbit.governance.selectors import audit_event_history
from orbit.governance.services import object_type_of

Params = dict[str, Any]
Serializer = type[serializers.Serializer[Any]]


class ResourceViewSet(OrbitViewSet):
    def show(
        self, instance: Any, http_status: int = status.HTTP_200_OK, serializer: Serializer | None = None
    ) -> Response:
        data = (serializer or self.get_serializer_class())(instance, context=self.context()).data
        return with_etag(Response(data, status=http_status), instance)

    def conditional(self, instance: Any, serializer: Serializer | None = None) -> Response:
        if not_modified(self.request, instance):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), instance)
        return self.show(instance, serializer=serializer)

    def created(self, instance: Any, route: str, serializer: Serializer | None = None) -> Response:
        response = self.show(instance, status.HTTP_201_CREATED, serializer=serializer)
        response["Location"] = reverse(route, args=[instance.pk], request=self.request)
        return response

    def create_input(self, serializer_class: Serializer) -> Params:
        serializer = serializer_class(data=self.request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        return data

    def write_input(self, serializer_class: Serializer, *, partial: bool = False) -> tuple[Params, int]:
        """Validate a write to an existing record: 428 without a version, 400 for bad input."""
        require_version(self.request)
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(self.request, data.pop("version", None))
        return data, version

    def history_page(self, instance: Any) -> Response:
        events = audit_event_history(object_type=object_type_of(instance), object_id=instance.pk)
        return self.page_of(events, AuditEventSerializer)
