"""Writes to the inventory: rights, validation, archived records, scoring limits, submissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from orbit.core.context import audit_context
from orbit.core.errors import PermissionDenied
from orbit.governance.models import AuditEvent
from orbit.organisation.services import system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.processes import services
from orbit.processes.models import AssessmentRound, Process, Submission, TransformationStatus

pytestmark = pytest.mark.django_db


def make_process(unit, code, **values):
    with audit_context(source="cli", reason="test data"):
        return services.process_create(actor=system_actor(), owner_unit=unit, code=code, name={"en": code}, **values)


def member(unit, role):
    user = make_user()
    grant(user, unit, role)
    return user


def test_a_process_is_changed_only_with_the_change_right_on_its_unit(tree):
    process = make_process(tree.dept_a, "A")
    with audit_context(source="web", reason="test"):
        with pytest.raises(PermissionDenied):  # readable by every member, so 403 rather than 404
            services.process_update(
                actor=member(tree.dept_b, "contributor"), process=process, expected_version=1, nature="support"
            )
        updated = services.process_update(
            actor=member(tree.div_a1.parent, "contributor"), process=process, expected_version=1, nature="support"
        )
    assert updated.nature == "support" and updated.version == 2
    assert AuditEvent.objects.filter(object_type="processes.process", object_id=str(process.pk)).count() == 2


def test_a_part_sits_below_its_parent_and_never_under_itself(tree):
    parent = make_process(tree.dept_a, "P")
    child = make_process(tree.dept_a, "P.1", parent=parent, level=4)
    with audit_context(source="cli", reason="test"), pytest.raises(ValidationError) as refused:
        make_process(tree.dept_a, "P.2", parent=parent, level=3)
    assert "lower level" in str(refused.value)
    with audit_context(source="cli", reason="test"), pytest.raises(ValidationError) as loop:
        services.process_update(actor=system_actor(), process=parent, expected_version=1, parent=child, level=5)
    assert "its own parts" in str(loop.value)


def test_nothing_is_added_to_an_archived_process(tree):
    process = make_process(tree.dept_a, "A")
    with audit_context(source="cli", reason="test"):
        process = services.process_archive(actor=system_actor(), process=process, expected_version=1, reason="gone")
        with pytest.raises(ValidationError, match="archived"):
            services.change_window_add(
                actor=system_actor(), process=process, kind="freeze", start=dt.date(2027, 1, 1),
                end=dt.date(2027, 2, 1),
            )  # fmt: skip
        with pytest.raises(ValidationError, match="archived"):
            services.participant_add(actor=system_actor(), process=process, raci="R", unit=tree.dept_a)


def test_a_change_window_must_end_after_it_starts(tree):
    process = make_process(tree.dept_a, "A")
    with audit_context(source="cli", reason="test"), pytest.raises(ValidationError, match="ends before"):
        services.change_window_add(
            actor=system_actor(), process=process, kind="open", start=dt.date(2027, 2, 1), end=dt.date(2027, 1, 1)
        )


def test_scoring_refuses_answers_whose_total_cannot_be_stored(tree):
    process = make_process(tree.dept_a, "A")
    with audit_context(source="cli", reason="test"):
        round_ = services.round_create(actor=system_actor(), owner_unit=tree.bdt, name="R", model_key="rice")
        with pytest.raises(ValidationError) as refused:
            services.process_score(
                actor=system_actor(), round_=round_, process=process,
                answers={"reach": "10000000", "impact": "3", "confidence": "100", "effort": "0.0000000001"},
            )  # fmt: skip
    assert list(refused.value.error_dict) == ["answers"]
    assert not round_.assessments.exists()


def test_scoring_marks_a_documented_process_assessed_and_rescoring_replaces(tree):
    process = make_process(tree.dept_a, "A")
    with audit_context(source="cli", reason="test"):
        round_ = services.round_create(actor=system_actor(), owner_unit=tree.bdt, name="R", model_key="value_effort")
        first = services.process_score(
            actor=system_actor(), round_=round_, process=process, answers={"value": 8, "effort": 2}
        )
        second = services.process_score(
            actor=system_actor(), round_=round_, process=process, answers={"value": "6", "effort": "3"}
        )
    assert first.pk == second.pk and second.total == 2 and second.version == 2
    assert Process.objects.get(pk=process.pk).transformation_status == TransformationStatus.ASSESSED
    analyst = member(tree.dept_b, "contributor")  # not a member of the unit running the round
    with audit_context(source="web", reason="test"), pytest.raises(PermissionDenied):
        services.process_score(actor=analyst, round_=round_, process=process, answers={"value": 1, "effort": 1})


def test_a_bad_custom_model_is_refused_with_what_is_wrong(tree):
    with audit_context(source="cli", reason="test"), pytest.raises(ValidationError) as refused:
        services.round_create(
            actor=system_actor(), owner_unit=tree.bdt, name="R", model_key="weighted",
            criteria=[{"key": "benefit", "label": "Benefit", "minimum": 1, "maximum": 5, "weight": 1,
                       "role": "value"}],
        )  # fmt: skip
    assert "effort" in str(refused.value)
    assert not AssessmentRound.objects.exists()


def test_submissions_are_reviewed_by_managers_of_their_unit_and_the_submitter_sees_the_outcome(tree):
    submitter = member(tree.dept_b, "viewer")
    process = make_process(tree.dept_a, "A", pain_points="Slow.")
    with audit_context(source="web", reason="test"):
        submission = services.submission_create(
            actor=submitter, kind="pain_point", title="Forms on paper", description="We print and scan.",
            unit=tree.dept_a, process=process,
        )  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.submission_review(
                actor=member(tree.dept_a, "contributor"), submission=submission, expected_version=1,
                status="merged", outcome="Merged.", merged_into=process,
            )  # fmt: skip
        with pytest.raises(ValidationError, match="became of it"):
            services.submission_review(
                actor=member(tree.dept_a, "manager"), submission=submission, expected_version=1, status="merged",
                outcome=" ", merged_into=process,
            )  # fmt: skip
        reviewed = services.submission_review(
            actor=member(tree.dept_a, "manager"), submission=submission, expected_version=1, status="merged",
            outcome="Added to the pain points of A.", merged_into=process,
        )  # fmt: skip
    assert reviewed.status == Submission.Status.MERGED and reviewed.merged_into == process
    assert Process.objects.get(pk=process.pk).pain_points == "Slow.\nWe print and scan."
