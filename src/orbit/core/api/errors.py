"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from orbit.core.errors import (
    BulkUpdateForbidden,
    HardDeleteForbidden,
    NotFound,
    PermissionDenied,
    StaleVersion,
)


def error_response(code: str, message: str, http_status: int, fields: dict[str, Any] | None = None,
                   extra: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "fields": fields or {}}}
    if extra:
        body["error"].update(extra)
    return Response(body, status=http_status)


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def validation_fields(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, StaleVersion):
        return error_response(
            "stale_version",
            str(exc),
            status.HTTP_409_CONFLICT,
            extra={
                "current_version": exc.current.version,
                "changes_since": [
                    {
                        "seq": event.seq,
                        "at": event.occurred_at.isoformat(),
                        "actor": event.actor_username,
                        "action": event.action,
                        "version": event.object_version,
                        "changes": event.changes,
                    }
                    for event in exc.changes_since
                ],
            },
        )
    if isinstance(exc, NotFound | Http404):
        return error_response("not_found", str(exc) or "Not found.", status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied | DjangoPermissionDenied):
        return error_response("permission_denied", str(exc) or "Not allowed.", status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        fields = validation_fields(exc)
        message = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
        return error_response("invalid", message, status.HTTP_400_BAD_REQUEST, fields)
    if isinstance(exc, HardDeleteForbidden | BulkUpdateForbidden):
        return error_response(exc.code, str(exc), status.HTTP_405_METHOD_NOT_ALLOWED)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        message = "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in fields.items())
        response.data = {"error": {"code": "invalid", "message": message, "fields": fields}}
        return response
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = {"error": {"code": code, "message": str(exc.detail), "fields": {}}}
    return response
