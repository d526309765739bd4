"""A background task writes through the services as a named actor, with source "job"."""

from __future__ import annotations

import pytest
from django_tasks import task

from orbit.core.jobs import job_context
from orbit.governance.models import AuditEvent
from orbit.organisation.models import OrgUnit
from orbit.organisation.services import org_unit_update

pytestmark = pytest.mark.django_db


@task()
def set_city(unit_id: int, city: str, actor_username: str) -> int:
    with job_context(actor_username=actor_username, reason="nightly sync") as actor:
        unit = OrgUnit.objects.get(pk=unit_id)
        return org_unit_update(actor=actor, unit=unit, expected_version=unit.version, city=city).version


def test_task_writes_one_job_event_as_its_actor(tree, system_actor):
    result = set_city.enqueue(tree.dept_b.pk, "Geneva", "orbit-system")
    assert result.return_value == 2
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.source, event.actor_username, event.reason, event.action) == (
        "job",
        "orbit-system",
        "nightly sync",
        "update",
    )


def test_job_without_reason_or_with_unknown_actor_is_refused(tree):
    with pytest.raises(ValueError), job_context(actor_username="orbit-system", reason=" "):
        pass
    from django.contrib.auth import get_user_model

    with pytest.raises(get_user_model().DoesNotExist), job_context(actor_username="ghost", reason="x"):
        pass
