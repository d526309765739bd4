"""Errors raised by services and understood by every interface (web, API, CLI)."""

from __future__ import annotations

from typing import Any


class OrbitError(Exception):
    code = "error"


class NotFound(OrbitError):
    """The object does not exist or is outside the actor's scope (never say which)."""

    code = "not_found"


class PermissionDenied(OrbitError):
    """The actor may see the object but not do this to it."""

    code = "permission_denied"


class StaleVersion(OrbitError):
    """The record changed since the version the writer read."""

    code = "stale_version"

    def __init__(self, *, expected: int, current: Any, changes_since: list[Any]) -> None:
        self.expected = expected
        self.current = current
        self.changes_since = changes_since
        super().__init__(
            f"{current._meta.verbose_name} changed since version {expected}; "
            f"it is now at version {current.version}"
        )


class HardDeleteForbidden(OrbitError):
    code = "hard_delete_forbidden"


class BulkUpdateForbidden(OrbitError):
    code = "bulk_update_forbidden"


class AnonymousWrite(OrbitError):
    code = "anonymous_write"
