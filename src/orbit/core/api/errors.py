"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``.

Service errors map onto HTTP statuses here, so views never translate them by hand:
:class:`~orbit.core.errors.NotFound` → 404, :class:`~orbit.core.errors.PermissionDenied` → 403,
:class:`~orbit.core.errors.StaleVersion` → 409 (with ``current_version`` and ``changes_since``),
Django's ``ValidationError`` → 400 naming the fields.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
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

NON_FIELD_KEY = "non_field_errors"


class PreconditionRequired(exceptions.APIException):
    """A write that must say which version it edits (``If-Match`` or ``version``) did not."""

    status_code = 428
    default_detail = 'Send the version you edited: an "If-Match" header with the ETag, or "version" in the body.'
    default_code = "precondition_required"


def error_body(
    code: str, message: str, fields: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "fields": fields or {}}}
    if extra:
        body["error"].update(extra)
    return body


def error_response(
    code: str,
    message: str,
    http_status: int,
    fields: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    return Response(error_body(code, message, fields, extra), status=http_status)


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {(NON_FIELD_KEY if k == NON_FIELD_ERRORS else str(k)): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def validation_fields(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD_KEY if field == NON_FIELD_ERRORS else field): [str(m) for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return {NON_FIELD_KEY: [str(m) for m in exc.messages]}


def _message(fields: dict[str, Any]) -> str:
    parts = []
    for key, value in fields.items():
        text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(text if key == NON_FIELD_KEY else f"{key}: {text}")
    return "; ".join(parts)


def stale_version_response(exc: StaleVersion) -> Response:
    response = error_response(
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
                    "reason": event.reason,
                }
                for event in exc.changes_since
            ],
        },
    )
    response["ETag"] = f'"{exc.current.version}"'
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, StaleVersion):
        return stale_version_response(exc)
    if isinstance(exc, NotFound | Http404):
        return error_response("not_found", str(exc) or "Not found.", status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied | DjangoPermissionDenied):
        return error_response("permission_denied", str(exc) or "Not allowed.", status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        fields = validation_fields(exc)
        return error_response("invalid", _message(fields), status.HTTP_400_BAD_REQUEST, fields)
    if isinstance(exc, HardDeleteForbidden | BulkUpdateForbidden):
        return error_response(exc.code, str(exc), status.HTTP_405_METHOD_NOT_ALLOWED)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {NON_FIELD_KEY: fields}
        response.data = error_body("invalid", _message(fields), fields)
        return response
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, str(exc.detail))
    return response


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under ``/api/`` answer in the API's error shape, not with an HTML page."""
    return JsonResponse(error_body("not_found", "No such API endpoint."), status=404)
