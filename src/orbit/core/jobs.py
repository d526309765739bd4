"""Background jobs (django-tasks) act as a named user with a reason, like the CLI.

Wrap a task's body in :func:`job_context`; every service call inside records
source ``job``, the actor and the reason in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model

from orbit.core.context import audit_context


@contextmanager
def job_context(*, actor_username: str, reason: str, request_id: str | None = None) -> Iterator[Any]:
    """Yield the acting user; refuse to run for an unknown or inactive user."""
    if not reason.strip():
        raise ValueError("a job needs a reason for the audit log")
    actor = get_user_model().objects.get(username=actor_username, is_active=True)
    with audit_context(source="job", reason=reason, request_id=request_id):
        yield actor
