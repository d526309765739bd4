"""Reads of the interop context, scoped by the user's units."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from orbit.core.errors import NotFound
from orbit.interop.models import IatiExport, IatiUpload, ImportRun
from orbit.organisation.access import require, restrict

# Import


def import_run_restrict(user: Any) -> QuerySet[ImportRun]:
    """The IATI imports of units the user may read, newest first."""
    runs = ImportRun.objects.select_related("unit", "actor").order_by("-created_at", "-id")
    return restrict(runs, user, "view", "unit__path")


def import_run_get(*, user: Any, pk: int) -> ImportRun:
    """One import the user may read; ``NotFound`` when there is none or it is outside the user's units."""
    run = ImportRun.objects.select_related("unit", "actor").filter(pk=pk).first()
    if run is None:
        raise NotFound("No such IATI import.")
    require(user, "view", run.unit.path, noun="IATI import")
    return run


# --------------------------------------------------------------------------------------------------------------
# Export, and uploads through the page and the API


def iati_export_restrict(user: Any) -> QuerySet[IatiExport]:
    """Exports ``user`` may see: their own (an export holds what its requester may read); all for a superuser."""
    exports = IatiExport.objects.select_related("requested_by", "framework")
    if not getattr(user, "is_authenticated", False):
        return exports.none()
    return exports if user.is_superuser else exports.filter(requested_by=user)


def iati_export_get(*, user: Any, pk: Any) -> IatiExport:
    export = iati_export_restrict(user).filter(pk=pk).first()
    if export is None:
        raise NotFound("No such IATI export.")
    return export


def iati_export_for_job(pk: int) -> IatiExport:
    """The export a background job writes (the job acts as its requester)."""
    return IatiExport.objects.select_related("requested_by", "framework").get(pk=pk)


def iati_upload_restrict(user: Any) -> QuerySet[IatiUpload]:
    """Uploads to the units ``user`` may change (they made them, or could have)."""
    uploads = IatiUpload.objects.select_related("unit", "framework", "uploaded_by", "dry_run", "applied")
    return restrict(uploads, user, "change", "unit__path")


def iati_upload_get(*, user: Any, pk: Any) -> IatiUpload:
    upload = iati_upload_restrict(user).filter(pk=pk).first()
    if upload is None:
        raise NotFound("No such IATI upload.")
    return upload


def iati_upload_of_dry_run(run: ImportRun) -> IatiUpload | None:
    """The kept upload a dry run was made from (None for a run from the command line or an applied run)."""
    return IatiUpload.objects.select_related("unit", "framework", "applied").filter(dry_run=run).first()


def iati_upload_for_job(pk: int) -> IatiUpload:
    """The upload a background job imports (the job acts as its uploader)."""
    return IatiUpload.objects.select_related("unit", "framework", "dry_run", "applied").get(pk=pk)
