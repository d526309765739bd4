"""The append-only, hash-chained audit log."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    """One committed change.  The database refuses UPDATE and DELETE on this table."""

    class Action(models.TextChoices):
        CREATE = "create", "create"
        UPDATE = "update", "update"
        ARCHIVE = "archive", "archive"
        RESTORE = "restore", "restore"
        APPROVE = "approve", "approve"
        IMPORT = "import", "import"
        MOVE = "move", "move"
        LOGIN = "login", "login"

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_events", db_constraint=False
    )
    actor_username = models.CharField(max_length=150)
    request_id = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=16)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=200, blank=True)
    object_version = models.PositiveIntegerField(null=True, blank=True)
    parent_type = models.CharField(max_length=100, blank=True)
    parent_id = models.CharField(max_length=64, blank=True)
    scope_path = models.CharField(max_length=255, blank=True, db_index=True)
    changes_json = models.TextField(default="{}")
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hmac = models.CharField(max_length=64)

    class Meta:
        ordering = ("-seq",)
        indexes = [models.Index(fields=("object_type", "object_id", "seq"))]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    @property
    def changes(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.changes_json or "{}")
        return result

    @property
    def change_rows(self) -> list[tuple[str, Any, Any]]:
        return [(field, pair[0], pair[1]) for field, pair in self.changes.items()]


class AuditChainHead(models.Model):
    """A single row holding the last sequence number and hash; writers lock it to extend the chain."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = "audit chain head"

    def __str__(self) -> str:
        return f"audit chain head at seq {self.seq}"
