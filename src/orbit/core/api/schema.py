"""Serializers that only describe responses in the OpenAPI schema (the error shape)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(help_text="A stable, machine-readable code, e.g. not_found, invalid.")
    message = serializers.CharField(help_text="A human-readable explanation.")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages for invalid input; empty otherwise.",
    )


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    error = ErrorDetailSerializer()


class ChangeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    action = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    changes = serializers.DictField(child=serializers.JSONField())
    reason = serializers.CharField()


class ConflictDetailSerializer(ErrorDetailSerializer):
    current_version = serializers.IntegerField()
    changes_since = ChangeSerializer(many=True)


class ConflictSerializer(serializers.Serializer):  # type: ignore[type-arg]
    error = ConflictDetailSerializer()


def error_doc(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


BAD_REQUEST = error_doc("Invalid input; `fields` names each problem.")
UNAUTHENTICATED = error_doc("Not signed in, or the token is not valid.")
FORBIDDEN = error_doc("You can see the object but may not do this to it.")
NOT_FOUND = error_doc("No such object, or it is outside your scope.")
CONFLICT = OpenApiResponse(
    ConflictSerializer, description="Stale version: someone changed the record since you read it."
)
PRECONDITION_REQUIRED = error_doc('Say which version you edit: an "If-Match" header or "version" in the body.')

READ_ERRORS: dict[int, Any] = {401: UNAUTHENTICATED, 404: NOT_FOUND}
LIST_ERRORS: dict[int, Any] = {400: BAD_REQUEST, 401: UNAUTHENTICATED}
CREATE_ERRORS: dict[int, Any] = {400: BAD_REQUEST, 401: UNAUTHENTICATED, 403: FORBIDDEN}
WRITE_ERRORS: dict[int, Any] = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: CONFLICT,
    428: PRECONDITION_REQUIRED,
}
