"""The base of every business record: versioned, archived instead of deleted.

Writes go through :mod:`orbit.governance.services`, which checks the version,
records the audit event and saves in one transaction.  Bulk ``delete()`` and
``update()`` raise, so nothing can change records behind the audit log.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from orbit.core.errors import BulkUpdateForbidden, HardDeleteForbidden

_derived_write: contextvars.ContextVar[bool] = contextvars.ContextVar("orbit_derived_write", default=False)


class AuditedQuerySet(models.QuerySet[Any]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise HardDeleteForbidden(
            f"{self.model._meta.label} records are never deleted; archive them through their service"
        )

    def update(self, **kwargs: Any) -> int:
        derived = set(getattr(self.model, "derived_fields", ()))
        if _derived_write.get() and set(kwargs) <= derived:
            return super().update(**kwargs)
        raise BulkUpdateForbidden(
            f"{self.model._meta.label} records change only through their service, one audited write each"
        )

    def bulk_update_derived(self, objs: Iterable[Any], fields: list[str]) -> int:
        """Rewrite fields derived from an audited change (outline numbers, paths) in one statement per batch.

        Only fields the model lists in ``derived_fields`` may be written this way; the change that made
        them necessary is the one audited.
        """
        extra = set(fields) - set(getattr(self.model, "derived_fields", ()))
        if extra:
            raise BulkUpdateForbidden(f"{sorted(extra)} are not derived fields of {self.model._meta.label}")
        token = _derived_write.set(True)
        try:
            return super().bulk_update(objs, fields, batch_size=500)
        finally:
            _derived_write.reset(token)

    def active(self) -> AuditedQuerySet:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> AuditedQuerySet:
        return self.filter(archived_at__isnull=False)


class ActiveManager(models.Manager.from_queryset(AuditedQuerySet)):  # type: ignore[misc]
    """The default manager: archived rows are hidden."""

    def get_queryset(self) -> AuditedQuerySet:
        return super().get_queryset().filter(archived_at__isnull=True)


class AllManager(models.Manager.from_queryset(AuditedQuerySet)):  # type: ignore[misc]
    """Every row, archived ones included."""


class AuditedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    archive_reason = models.TextField(blank=True, editable=False)

    objects = ActiveManager()
    all_objects = AllManager()

    #: Fields computed from others (paths, outline numbers); services rewrite them in bulk.
    derived_fields: ClassVar[tuple[str, ...]] = ()
    #: Fields that are bookkeeping, never shown as a change in the history.
    audit_exclude: ClassVar[tuple[str, ...]] = (
        "version",
        "created_at",
        "updated_at",
        "archived_at",
        "archived_by",
        "archive_reason",
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise HardDeleteForbidden(f"{self._meta.label} records are never deleted; archive them instead")

    # Hooks the audit log uses; models override them.
    def audit_label(self) -> str:
        return str(self)[:200]

    def audit_scope_path(self) -> str:
        """The organisational unit path that scopes who may read this record's history."""
        return ""

    def audit_parent(self) -> models.Model | None:
        return None
