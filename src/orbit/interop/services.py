"""Writes of the interop context: IATI imports (and exports), authorised, validated and audited.

Rights: an import needs ``change`` on the unit that will own what it creates, and on the owner of a framework it
attaches results to; creating the framework of a new reporting organisation needs ``approve`` on the unit, as any
new framework does (the import is then refused with that reason).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orbit.core.errors import NotFound, OrbitError, PermissionDenied
from orbit.governance.services import audited_create, audited_update
from orbit.interop import codelists, iati, iati_export
from orbit.interop import iati_import as importing
from orbit.interop.models import IatiExport, IatiUpload, ImportRun
from orbit.organisation.access import can_anywhere, require
from orbit.organisation.models import OrgUnit
from orbit.results.models import Framework
from orbit.results.selectors import framework_restrict

logger = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------------------------------------------
# Export


def iati_publisher_defaults() -> dict[str, str]:
    """The publisher configured for this Orbit (``ORBIT_IATI_*``): the defaults of every IATI export."""
    return {
        "prefix": settings.ORBIT_IATI_PUBLISHER_PREFIX,
        "reporting_org_ref": settings.ORBIT_IATI_REPORTING_ORG_REF,
        "reporting_org_name": settings.ORBIT_IATI_REPORTING_ORG_NAME or "Orbit",
        "reporting_org_type": settings.ORBIT_IATI_REPORTING_ORG_TYPE or iati_export.DEFAULT_REPORTING_ORG_TYPE,
    }


def _identifier_problem(value: str) -> str:
    if not value:
        return _("Required.")
    if len(value) > 100:
        return _("At most 100 characters.")
    if any(c.isspace() or c in "/&|?" for c in value):
        return _("An IATI identifier has no spaces and none of / & | ?.")
    return ""


def iati_export_request(
    *,
    actor: Any,
    framework: Framework | None = None,
    prefix: str = "",
    reporting_org_ref: str = "",
    reporting_org_name: str = "",
    reporting_org_type: str = "",
    reason: str = "",
) -> IatiExport:
    """Record an export of what ``actor`` may read and start writing it in the background.

    Empty parameters take the configured publisher (:func:`iati_publisher_defaults`). The export runs as a job
    (:func:`orbit.interop.tasks.run_iati_export`): a request never waits for a large plan to be written.
    """
    from orbit.interop.tasks import run_iati_export

    if not can_anywhere(actor, "view"):
        raise PermissionDenied(_("You need a role on a unit to export its plan."))
    defaults = iati_publisher_defaults()
    values = {
        "prefix": (prefix or defaults["prefix"]).strip(),
        "reporting_org_ref": (reporting_org_ref or defaults["reporting_org_ref"]).strip(),
        "reporting_org_name": (reporting_org_name or defaults["reporting_org_name"]).strip(),
        "reporting_org_type": (reporting_org_type or defaults["reporting_org_type"]).strip(),
    }
    errors: dict[str, str] = {}
    for name in ("prefix", "reporting_org_ref"):
        problem = _identifier_problem(values[name])
        if problem:
            errors[name] = problem
    if codelists.name_of("OrganisationType", values["reporting_org_type"]) is None:
        errors["reporting_org_type"] = _("%(code)s is not an IATI organisation type.") % {
            "code": repr(values["reporting_org_type"])
        }
    if len(values["reporting_org_name"]) > 200:
        errors["reporting_org_name"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    if framework is not None and not framework_restrict(actor).filter(pk=framework.pk).exists():
        raise NotFound(_("No such results framework."))
    export = audited_create(
        actor=actor, instance=IatiExport(requested_by=actor, framework=framework, **values), reason=reason
    )
    run_iati_export.enqueue(export.pk, actor.get_username())
    export.refresh_from_db()
    return export


def _problem_rows(report: iati_export.ExportReport, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "activity": code,
            "identifier": problem.identifier or (f"{prefix}-{code}" if code else ""),
            "rule": problem.rule,
            "severity": problem.severity,
            "message": problem.message,
            "line": problem.line,
        }
        for code, problem in report.all_problems()
    ]


def iati_export_run(*, actor: Any, export: IatiExport, today: dt.date | None = None) -> IatiExport:
    """Write the export's file (streaming, one activity at a time, each one checked) and record what was found.

    A failure (a bug, a full disk) is recorded on the export with its message rather than lost in a worker's log.
    """
    if export.status != IatiExport.Status.QUEUED:
        raise ValidationError({"status": _("This export has already run.")})
    export = audited_update(
        actor=actor, instance=export, expected_version=export.version, values={"status": IatiExport.Status.RUNNING}
    )
    schema_dir = settings.ORBIT_IATI_SCHEMA_DIR
    try:
        schema = iati.load_schema(Path(schema_dir)) if schema_dir is not None else None
        with tempfile.TemporaryFile() as scratch:
            report = iati_export.export_activities(
                scratch,
                user=actor,
                framework=export.framework,
                prefix=export.prefix,
                reporting_org_ref=export.reporting_org_ref,
                reporting_org_name=export.reporting_org_name,
                reporting_org_type=export.reporting_org_type,
                today=today or dt.date.today(),
                schema=schema,
            )
            size = scratch.tell()
            scratch.seek(0)
            digest = hashlib.sha256()
            for block in iter(lambda: scratch.read(1 << 20), b""):
                digest.update(block)
            scratch.seek(0)
            name = default_storage.save(f"iati/exports/{export.pk}-{digest.hexdigest()[:16]}.xml", File(scratch))
    except Exception as exc:  # recorded on the export, shown to the user, and logged
        logger.exception("IATI export %s failed", export.pk)
        return audited_update(
            actor=actor,
            instance=export,
            expected_version=export.version,
            values={
                "status": IatiExport.Status.FAILED,
                "message": f"{type(exc).__name__}: {exc}"[:2000],
                "finished_at": timezone.now(),
            },
        )
    return audited_update(
        actor=actor,
        instance=export,
        expected_version=export.version,
        values={
            "status": IatiExport.Status.DONE,
            "activities": report.activities,
            "valid": report.valid,
            "schema_checked": report.schema_checked,
            "problems": _problem_rows(report, export.prefix),
            "file": name,
            "size": size,
            "sha256": digest.hexdigest(),
            "seconds": round(report.seconds, 3),
            "finished_at": timezone.now(),
        },
    )


# --------------------------------------------------------------------------------------------------------------
# Uploads through the page and the API: the file kept until applied

#: Files larger than this are imported by the background worker: the request returns at once and the page follows
#: the import (a 20,000-activity file takes minutes).
BACKGROUND_BYTES = 2 * 1024 * 1024


def _keep_upload(stream: BinaryIO) -> tuple[str, str, int]:
    """Store an uploaded IATI file as ``iati/uploads/<sha256>.xml`` (once per content): (storage name, sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
    sha256 = digest.hexdigest()
    name = f"iati/uploads/{sha256}.xml"
    if not default_storage.exists(name):
        stream.seek(0)
        name = default_storage.save(name, File(stream))
    return name, sha256, size


def _set_upload(upload: IatiUpload, **values: Any) -> IatiUpload:
    """Record the state of an upload's import (a log entry, like :class:`ImportRun`: not audited)."""
    for field_name, value in values.items():
        setattr(upload, field_name, value)
    IatiUpload.objects.filter(pk=upload.pk).update(**values)
    return upload


def iati_upload(
    *,
    actor: Any,
    stream: BinaryIO,
    name: str,
    unit: OrgUnit,
    framework: Framework | None = None,
    dry_run: bool = True,
    reason: str = "",
    background: bool | None = None,
) -> IatiUpload:
    """Keep an uploaded IATI file and import it (or dry-run it); the upload records the run.

    After a dry run the file stays in the media storage, so that :func:`iati_upload_apply` applies it without a
    second upload. A file larger than :data:`BACKGROUND_BYTES` (or any file with ``background=True``) is imported
    by the background worker: the upload comes back ``queued`` and says ``done`` with its run when it has finished.
    """
    require(actor, "change", unit.path, noun="unit")
    if framework is not None:
        require(actor, "change", framework.owner_unit.path, noun="framework", public=framework.is_public)
    path, sha256, size = _keep_upload(stream)
    upload = IatiUpload.objects.create(
        file_name=name[:255],
        sha256=sha256,
        size=size,
        path=path,
        uploaded_by=actor,
        unit=unit,
        framework=framework,
        dry_run_requested=dry_run,
        reason=reason,
        status=IatiUpload.Status.QUEUED,
    )
    if background if background is not None else size > BACKGROUND_BYTES:
        return _enqueue(upload, actor, dry_run=dry_run)
    return iati_upload_run(actor=actor, upload=upload, dry_run=dry_run)


def _enqueue(upload: IatiUpload, actor: Any, *, dry_run: bool) -> IatiUpload:
    from orbit.interop.tasks import run_iati_upload

    _set_upload(upload, status=IatiUpload.Status.QUEUED, message="")
    run_iati_upload.enqueue(upload.pk, actor.get_username(), dry_run)
    return IatiUpload.objects.select_related("unit", "framework", "dry_run", "applied").get(pk=upload.pk)


def iati_upload_run(*, actor: Any, upload: IatiUpload, dry_run: bool) -> IatiUpload:
    """Import a kept upload (a dry run, or applying it) and record the run on it; a failure is kept on the upload."""
    _set_upload(upload, status=IatiUpload.Status.RUNNING)
    try:
        if not default_storage.exists(upload.path):
            raise ValidationError(
                {"upload": _("%(file)s: the kept copy is gone; upload the file again.") % {"file": upload.file_name}}
            )
        with default_storage.open(upload.path, "rb") as kept:
            digest = hashlib.sha256()
            for block in iter(lambda: kept.read(1 << 20), b""):
                digest.update(block)
            if digest.hexdigest() != upload.sha256:
                raise ValidationError(
                    {"upload": _("%(file)s: the kept copy changed since it was uploaded.") % {"file": upload.file_name}}
                )
            kept.seek(0)
            run = iati_import(
                actor=actor,
                stream=kept,
                name=upload.file_name,
                unit=upload.unit,
                framework=upload.framework,
                dry_run=dry_run,
                reason=upload.reason,
            )
    except (ValidationError, OrbitError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _set_upload(upload, status=IatiUpload.Status.FAILED, message=message[:2000])
        raise
    except Exception as exc:  # a bug or a full disk: kept on the upload for the page, and logged
        logger.exception("IATI upload %s failed", upload.pk)
        return _set_upload(upload, status=IatiUpload.Status.FAILED, message=f"{type(exc).__name__}: {exc}"[:2000])
    if dry_run:
        return _set_upload(upload, dry_run=run, status=IatiUpload.Status.DONE)
    return _set_upload(upload, applied=run, status=IatiUpload.Status.DONE)


def iati_upload_apply(
    *, actor: Any, upload: IatiUpload, reason: str = "", background: bool | None = None
) -> IatiUpload:
    """Apply a dry-run upload from the kept file, with the unit and framework it was uploaded for (in the background
    for a large file, as on upload)."""
    require(actor, "change", upload.unit.path, noun="unit")
    if upload.applied_id is not None:
        raise ValidationError({"upload": _("This file has already been applied.")})
    if upload.status in (IatiUpload.Status.QUEUED, IatiUpload.Status.RUNNING):
        raise ValidationError({"upload": _("This file is being imported; wait until it has finished.")})
    if upload.dry_run is not None and upload.dry_run.status == ImportRun.Status.REFUSED:
        raise ValidationError({"upload": _("The file was refused: nothing in it can be applied.")})
    if reason:
        _set_upload(upload, reason=reason)
    if background if background is not None else upload.size > BACKGROUND_BYTES:
        return _enqueue(upload, actor, dry_run=False)
    return iati_upload_run(actor=actor, upload=upload, dry_run=False)
