"""Background jobs of the interop context (django-tasks): IATI exports are written by the worker, never in a
request, as the user who asked for them."""

from __future__ import annotations

from django_tasks import task

from orbit.core.jobs import job_context


@task()
def run_iati_export(export_id: int, actor_username: str) -> int:
    """Write IATI export ``export_id`` as ``actor_username`` reads the plan; returns the export's id."""
    from orbit.interop import selectors, services

    with job_context(actor_username=actor_username, reason=f"IATI export {export_id}") as actor:
        export = selectors.iati_export_for_job(export_id)
        services.iati_export_run(actor=actor, export=export)
    return export_id
