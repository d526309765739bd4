"""Who is writing, from where and why: carried with every write into the audit log.

The web and API middleware, the CLI and background jobs each open an
:func:`audit_context`; services read it when they record an audit event.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

SOURCES = ("web", "api", "cli", "job", "import", "system")


@dataclass(frozen=True)
class AuditContext:
    source: str = "system"
    request_id: str = ""
    reason: str = ""


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("orbit_audit", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> AuditContext:
    return _current.get() or AuditContext(source="system", request_id="")


@contextmanager
def audit_context(*, source: str, request_id: str | None = None, reason: str = "") -> Iterator[AuditContext]:
    if source not in SOURCES:
        raise ValueError(f"unknown audit source {source!r}")
    ctx = AuditContext(source=source, request_id=request_id or new_request_id(), reason=reason)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextmanager
def with_source(source: str) -> Iterator[AuditContext]:
    """Narrow the source inside an existing context (an import run from the web, say)."""
    ctx = replace(current(), source=source)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
