"""Optimistic concurrency over HTTP: ``ETag: "<version>"`` on reads, ``If-Match`` on writes.

A write names the version it edited, in an ``If-Match`` header (the ETag it read) or
as ``version`` in the body.  Without either the API answers 428; the services compare
it with the stored version and raise :class:`~orbit.core.errors.StaleVersion` (409)
when someone else wrote in between, so no update is ever lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from orbit.core.api.errors import PreconditionRequired

_TAG = re.compile(r'^"?([0-9]{1,9})"?$')

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag of the version you edited, e.g. "3". Required unless the body carries "version".',
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag you hold; the answer is 304 with no body while it is still current.",
)


def etag_header(*codes: int) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description='The record\'s version as a strong entity tag, e.g. "3"; send it back in "If-Match".',
        response=list(codes),
    )


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, instance: Any) -> Response:
    response["ETag"] = etag(instance.version)
    return response


def parse_if_match(value: str) -> int:
    """The version in an ``If-Match`` header; 400 for anything but one strong tag."""
    match = _TAG.match(value.strip())
    if match is None:
        raise exceptions.ValidationError(
            {"If-Match": ['Give exactly one strong entity tag as read from the ETag header, e.g. "3".']}
        )
    return int(match.group(1))


def require_version(request: Request) -> None:
    """428 unless the request names the version it edits (checked before the body is validated)."""
    if request.headers.get("If-Match") is not None:
        return
    data = request.data
    if isinstance(data, Mapping) and data.get("version") not in (None, ""):
        return
    raise PreconditionRequired()


def expected_version(request: Request, body_version: int | None) -> int:
    """The version the client edited: the ``If-Match`` header, else ``version`` from the validated body."""
    header = request.headers.get("If-Match")
    if header is not None:
        version = parse_if_match(header)
        if body_version is not None and body_version != version:
            raise exceptions.ValidationError({"version": ["Does not match the If-Match header."]})
        return version
    if body_version is None:
        raise PreconditionRequired()
    return body_version


def not_modified(request: Request, instance: Any) -> bool:
    """Whether a conditional GET (``If-None-Match``) already holds the current version."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag(instance.version) in tags
