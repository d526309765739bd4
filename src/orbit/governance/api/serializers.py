"""How audit events look in the API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from orbit.core.context import SOURCES
from orbit.governance.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    """One audit event, as shown in an object's history."""

    actor = serializers.IntegerField(source="actor_id", read_only=True)
    changes = serializers.SerializerMethodField(
        help_text="Changed fields as {field: [before, after]}.",
    )

    class Meta:
        model = AuditEvent
        fields: tuple[str, ...] = (
            "id",
            "seq",
            "occurred_at",
            "actor",
            "actor_username",
            "request_id",
            "source",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "object_version",
            "parent_type",
            "parent_id",
            "changes",
            "reason",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_changes(self, event: AuditEvent) -> dict[str, list[Any]]:
        return event.changes


class AuditLogEventSerializer(AuditEventSerializer):
    """An audit log row for auditors: with its scope and its place in the hash chain."""

    class Meta(AuditEventSerializer.Meta):
        fields = (*AuditEventSerializer.Meta.fields, "scope_path", "prev_hash", "hmac")
        read_only_fields = fields


class AuditEventListParams(serializers.Serializer[Any]):
    """Query parameters of the audit log."""

    actor_username = serializers.CharField(required=False, help_text="Exact username of the actor.")
    action = serializers.ChoiceField(choices=AuditEvent.Action.choices, required=False)
    object_type = serializers.CharField(required=False, help_text="e.g. organisation.orgunit")
    object_id = serializers.CharField(required=False)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[(source, source) for source in SOURCES], required=False
    )
    since = serializers.DateTimeField(required=False, help_text="Events at or after this time (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Events at or before this time (ISO 8601).")
