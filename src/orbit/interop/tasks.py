"""Background jobs of the interop context (django-tasks): IATI exports, and imports of large uploaded IATI files,
run in the worker, never in a request, as the user who asked for them."""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django_tasks import task

from orbit.core.errors import OrbitError
from orbit.core.jobs import job_context


@task()
def run_iati_export(export_id: int, actor_username: str) -> int:
    """Write IATI export ``export_id`` as ``actor_username`` reads the plan; returns the export's id."""
    from orbit.interop import selectors, services

    with job_context(actor_username=actor_username, reason=f"IATI export {export_id}") as actor:
        export = selectors.iati_export_for_job(export_id)
        services.iati_export_run(actor=actor, export=export)
    return export_id


@task()
def run_iati_upload(upload_id: int, actor_username: str, dry_run: bool) -> int:
    """Import (or dry-run) a kept IATI upload as ``actor_username``; returns the upload's id."""
    from orbit.interop import selectors, services

    with job_context(actor_username=actor_username, reason=f"IATI upload {upload_id}") as actor:
        upload = selectors.iati_upload_for_job(upload_id)
        with contextlib.suppress(ValidationError, OrbitError):  # kept on the upload with its message, for the page
            services.iati_upload_run(actor=actor, upload=upload, dry_run=dry_run)
    return upload_id
