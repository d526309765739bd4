"""Shared pieces of Orbit's own management commands: the acting user and the audit context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from orbit.core.context import audit_context
from orbit.core.errors import OrbitError

SYSTEM_USERNAME = "orbit-system"


def add_actor_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--actor",
        default=SYSTEM_USERNAME,
        help=f"Username the change is recorded under (default: {SYSTEM_USERNAME}).",
    )
    parser.add_argument("--reason", default="", help="Why the change is made; kept in the audit log.")


def resolve_actor(username: str) -> Any:
    try:
        user = get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"--actor {username!r}: no active user with that username") from exc
    return user


def describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


@contextmanager
def cli_write(options: dict[str, Any], source: str = "cli") -> Iterator[Any]:
    """Yield the acting user inside an audit context; turn service errors into one-line command errors."""
    actor = resolve_actor(options["actor"])
    try:
        with audit_context(source=source, reason=options.get("reason", "")):
            yield actor
    except (ValidationError, OrbitError) as exc:
        raise CommandError(describe(exc)) from exc
