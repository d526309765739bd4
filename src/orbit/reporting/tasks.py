"""Background jobs of the reporting context (django-tasks): a report is produced as its requester, source "job"."""

from __future__ import annotations

from django_tasks import task

from orbit.core.jobs import job_context
from orbit.reporting import services


@task()
def produce_report(run_id: int, actor_username: str, reason: str) -> str:
    """Produce report run ``run_id``; returns the run's final status (done or failed)."""
    with job_context(actor_username=actor_username, reason=reason) as actor:
        run = services.report_run(actor=actor, run_id=run_id)
    return str(run.status)
