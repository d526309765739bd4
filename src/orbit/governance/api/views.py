"""The audit log over the API: readable in full by auditors and superusers, by nobody else."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from orbit.core.api.schema import LIST_ERRORS, READ_ERRORS
from orbit.core.api.views import OrbitViewSet
from orbit.core.errors import NotFound
from orbit.governance.api.serializers import AuditEventListParams, AuditLogEventSerializer
from orbit.governance.models import AuditEvent
from orbit.governance.selectors import audit_event_restrict, audit_log_readable


def audit_log_for(user: Any) -> QuerySet[AuditEvent]:
    """The whole log for those who may read it; others get nothing (they read per-object histories)."""
    events = audit_event_restrict(user)
    if not audit_log_readable(user):
        return events.none()
    return events


@extend_schema_view(
    list=extend_schema(
        summary="The audit log, newest first (auditors and superusers; empty for everyone else)",
        parameters=[AuditEventListParams],
        responses={200: AuditLogEventSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One audit event (auditors and superusers)",
        responses={200: AuditLogEventSerializer, **READ_ERRORS},
    ),
)
class AuditEventViewSet(OrbitViewSet):
    """The append-only audit log: every create, update, archive and restore, with who, when and why."""

    serializer_class = AuditLogEventSerializer
    queryset = AuditEvent.objects.none()  # the schema's model; requests read through the selector

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return audit_log_for(self.request.user)

    def list(self, request: Request) -> Response:
        filters = self.query(AuditEventListParams)
        events = self.get_queryset()
        lookups = {
            "actor_username": "actor_username",
            "action": "action",
            "object_type": "object_type",
            "object_id": "object_id",
            "source": "source",
            "since": "occurred_at__gte",
            "until": "occurred_at__lte",
        }
        events = events.filter(**{lookups[name]: value for name, value in filters.items()})
        return self.page_of(events.order_by("-seq"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_queryset().filter(pk=self.object_id()).first()
        if event is None:
            raise NotFound("No such audit event.")
        return Response(AuditLogEventSerializer(event, context=self.context()).data)
