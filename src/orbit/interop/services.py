"""Writes of the interop context: IATI imports (and exports), authorised, validated and audited.

Rights: an import needs ``change`` on the unit that will own what it creates, and on the owner of a framework it
attaches results to; creating the framework of a new reporting organisation needs ``approve`` on the unit, as any
new framework does (the import is then refused with that reason).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orbit.core.errors import OrbitError
from orbit.interop import iati
from orbit.interop import iati_import as importing
from orbit.interop.models import ImportRun
from orbit.organisation.access import require
from orbit.organisation.models import OrgUnit
from orbit.results.models import Framework

# Import


class _Hashing:
    """A binary stream that counts and hashes what is read through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(1024 * 1024):
            pass


def iati_schema() -> Any:
    """The official IATI activity schema when ``ORBIT_IATI_SCHEMA_DIR`` names its folder, else None."""
    folder = getattr(settings, "ORBIT_IATI_SCHEMA_DIR", None)
    return iati.load_schema(Path(folder)) if folder else None


def _summary(report: importing.Report) -> str:
    parts = []
    for kind, label in (
        ("activities", _("activities")),
        ("results", _("results")),
        ("indicators", _("indicators")),
        ("periods", _("periods")),
    ):
        c = report.counts[kind]
        parts.append(
            _("%(label)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(refused)d refused")
            % {"label": label, **c}
        )
    return "; ".join(parts) + "."


def iati_import(
    *,
    actor: Any,
    stream: IO[bytes],
    name: str,
    unit: OrgUnit,
    framework: Framework | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    reason: str = "",
    today: dt.date | None = None,
    chunk_size: int = importing.CHUNK_SIZE,
) -> ImportRun:
    """Import one IATI 2.03 activity file (see :mod:`orbit.interop.iati_import`) and return its saved report.

    A bad file never raises: it comes back as an :class:`ImportRun` with status "refused" and a message naming the
    file and line; refused activities are listed in ``problems`` by identifier, rule and line. A dry run computes
    everything inside a transaction that is rolled back: the same report, nothing written. Raises
    ``PermissionDenied``/``NotFound``/``ValidationError`` only for bad arguments.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the file's name.")})
    require(actor, "change", unit.path, noun="unit")
    if unit.is_archived:
        raise ValidationError({"unit": _("The unit is archived.")})
    if framework is not None:
        require(actor, "change", framework.owner_unit.path, noun="framework", public=framework.is_public)
        if framework.is_archived or framework.status == Framework.Status.CLOSED:
            raise ValidationError({"framework": _("The framework is archived or closed; results cannot be added.")})
    schema = iati_schema()
    source = _Hashing(stream)
    importer = importing.Importer(
        actor=actor, unit=unit, framework=framework, name=name, reason=reason,
        today=today or dt.date.today(), chunk_size=chunk_size,
    )  # fmt: skip
    report = importer.report
    started = time.perf_counter()
    failure = ""
    try:
        with transaction.atomic():
            importer.run(source, schema=schema, progress=progress)
            if dry_run:
                transaction.set_rollback(True)
    except iati.IatiError as exc:
        failure = exc.message
    except (ValidationError, OrbitError) as exc:  # rights to create a framework, or a check the importer missed
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        failure = _("%(name)s: refused, nothing was imported: %(detail)s") % {"name": name, "detail": detail}
    source.drain()
    if failure:
        report.refused = failure
        report.counts = importing.blank_counts()
        report.frameworks.clear()
        status, message = ImportRun.Status.REFUSED, failure
    else:
        message = _summary(report)
        if not report.imported_any:
            status = ImportRun.Status.REFUSED
            message = _("%(name)s: no activity could be imported. %(summary)s") % {"name": name, "summary": message}
        elif dry_run:
            status = ImportRun.Status.DRY_RUN
        elif report.refused_any:
            status = ImportRun.Status.PARTIAL
        else:
            status = ImportRun.Status.APPLIED
    run = ImportRun.objects.create(
        file_name=name[:255], sha256=source.sha256.hexdigest(), size=source.size, actor=actor, unit=unit,
        seconds=time.perf_counter() - started, dry_run=dry_run, status=status, message=message, reason=reason,
        activities_read=report.activities_read, counts=report.counts, problems=report.problems,
    )  # fmt: skip
    if report.frameworks and not dry_run:
        run.frameworks.set(Framework.all_objects.filter(pk__in=report.frameworks))
    return run
