"""Every write to activities, milestones, budgets, regional initiatives, updates and their evidence.

Rights: an activity, its milestones and budget lines need ``change`` on the responsible unit; a regional
initiative needs ``approve`` (managers) on its lead office; exchange rates need an administrator.
Updates follow the review workflow of :mod:`orbit.governance.workflow`: contributors of the update's unit
write and submit, its managers return (with a note), approve and reopen.  Nothing in a locked period
changes (:func:`orbit.results.services.refuse_if_locked`).  Approving an update that reports a new
activity status applies that status to the activity in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orbit.core.errors import PermissionDenied
from orbit.governance.services import audited_archive, audited_create, audited_restore, audited_update
from orbit.governance.workflow import EDITABLE, check_transition
from orbit.organisation.access import can_anywhere, require
from orbit.organisation.models import OrgUnit
from orbit.planning.models import (
    Activity,
    ActivityStatus,
    BudgetLine,
    Evidence,
    ExchangeRate,
    Milestone,
    ProgressUpdate,
    RegionalInitiative,
)
from orbit.results.models import ActualValue, Framework, ResultNode
from orbit.results.services import framework_readable, refuse_if_locked

ACTIVITY_FIELDS = (
    "code", "title", "description", "type", "responsible_unit", "countries", "regions", "partners",
    "planned_start", "planned_end", "actual_start", "actual_end", "status", "status_reason", "is_sample",
)  # fmt: skip
ACTIVITY_RELATIONS = ("nodes", "sdg_targets", "contributing_units", "initiatives", "staff")
MILESTONE_FIELDS = ("title", "due_date", "done_date")
BUDGET_FIELDS = ("source", "year", "currency", "planned", "committed", "spent", "note", "is_sample")
INITIATIVE_FIELDS = ("code", "region", "title", "objective", "lead_unit", "node", "status_note", "source",
                     "is_sample")  # fmt: skip
UPDATE_FIELDS = ("date", "narrative", "new_status", "status_reason", "location", "latitude", "longitude",
                 "is_sample")  # fmt: skip
EVIDENCE_FIELDS = ("caption", "credit", "taken_on", "location", "identifiable_people", "consent", "is_sample")


def _only(values: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))


def _split_relations(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = {k: v for k, v in values.items() if k not in ACTIVITY_RELATIONS}
    relations = {k: list(v or ()) for k, v in values.items() if k in ACTIVITY_RELATIONS}
    return plain, relations


def _check_relations(actor: Any, relations: dict[str, Any]) -> None:
    """Result nodes must be active nodes of frameworks the actor may read; SDG targets must be nodes of a
    global-goals framework; contributing units must be active.  One query for all the frameworks involved."""
    errors: dict[str, str] = {}
    nodes = [n for n in relations.get("nodes", []) if isinstance(n, ResultNode)]
    targets = [n for n in relations.get("sdg_targets", []) if isinstance(n, ResultNode)]
    if len(nodes) != len(relations.get("nodes", [])) or len(targets) != len(relations.get("sdg_targets", [])):
        errors["nodes"] = _("Give result nodes.")
    frameworks = {
        f.pk: f
        for f in Framework.all_objects.select_related("owner_unit").filter(
            pk__in={n.framework_id for n in (*nodes, *targets)}
        )
    }
    for node in nodes:
        framework = frameworks.get(node.framework_id)
        if node.is_archived or framework is None or framework.is_archived:
            errors["nodes"] = _("%(node)s is not an active result node.") % {"node": node}
        elif not framework_readable(actor, framework):
            errors["nodes"] = _("Result node %(id)s is not in a framework you may read.") % {"id": node.pk}
    for node in targets:
        framework = frameworks.get(node.framework_id)
        if framework is None or framework.kind != Framework.Kind.GLOBAL_GOALS:
            errors["sdg_targets"] = _("%(node)s is not an SDG target.") % {"node": node}
    for unit in relations.get("contributing_units", []):
        if not isinstance(unit, OrgUnit) or unit.is_archived:
            errors["contributing_units"] = _("%(unit)s is not an active unit.") % {"unit": unit}
    if errors:
        raise ValidationError(errors)


def _next_code(unit: OrgUnit, year: int) -> str:
    prefix = f"{unit.code}-{year}-"
    taken = Activity.all_objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


# --- activities -----------------------------------------------------------------------------------------------


@transaction.atomic
def activity_create(*, actor: Any, responsible_unit: OrgUnit, reason: str = "", **values: Any) -> Activity:
    _only(values, (*ACTIVITY_FIELDS, *ACTIVITY_RELATIONS))
    require(actor, "change", responsible_unit.path, noun="unit")
    plain, relations = _split_relations(values)
    _check_relations(actor, relations)
    if not plain.get("code"):
        start = plain.get("planned_start")
        plain["code"] = _next_code(responsible_unit, start.year if start else timezone.now().year)
    activity = Activity(responsible_unit=responsible_unit, **plain)
    return audited_create(actor=actor, instance=activity, reason=reason, relations=relations)


@transaction.atomic
def activity_update(
    *, actor: Any, activity: Activity, expected_version: int, reason: str = "", **values: Any
) -> Activity:
    _only(values, (*ACTIVITY_FIELDS, *ACTIVITY_RELATIONS))
    require(actor, "change", activity.responsible_unit.path, noun="activity")
    new_unit = values.get("responsible_unit")
    if new_unit is not None and new_unit != activity.responsible_unit:
        require(actor, "change", new_unit.path, noun="unit")
    plain, relations = _split_relations(values)
    _check_relations(actor, relations)
    return audited_update(
        actor=actor,
        instance=activity,
        expected_version=expected_version,
        values=plain,
        reason=reason,
        relations=relations,
    )


@transaction.atomic
def activity_archive(*, actor: Any, activity: Activity, expected_version: int, reason: str) -> Activity:
    require(actor, "change", activity.responsible_unit.path, noun="activity")
    return audited_archive(actor=actor, instance=activity, expected_version=expected_version, reason=reason)


@transaction.atomic
def activity_restore(*, actor: Any, activity: Activity, expected_version: int, reason: str = "") -> Activity:
    require(actor, "change", activity.responsible_unit.path, noun="activity")
    return audited_restore(actor=actor, instance=activity, expected_version=expected_version, reason=reason)


# --- milestones -----------------------------------------------------------------------------------------------


@transaction.atomic
def milestone_create(*, actor: Any, activity: Activity, reason: str = "", **values: Any) -> Milestone:
    _only(values, MILESTONE_FIELDS)
    require(actor, "change", activity.responsible_unit.path, noun="activity")
    return audited_create(actor=actor, instance=Milestone(activity=activity, **values), reason=reason)


@transaction.atomic
def milestone_update(
    *, actor: Any, milestone: Milestone, expected_version: int, reason: str = "", **values: Any
) -> Milestone:
    _only(values, MILESTONE_FIELDS)
    require(actor, "change", milestone.activity.responsible_unit.path, noun="activity")
    return audited_update(
        actor=actor, instance=milestone, expected_version=expected_version, values=values, reason=reason
    )


@transaction.atomic
def milestone_archive(*, actor: Any, milestone: Milestone, expected_version: int, reason: str) -> Milestone:
    require(actor, "change", milestone.activity.responsible_unit.path, noun="activity")
    return audited_archive(actor=actor, instance=milestone, expected_version=expected_version, reason=reason)


# --- budget ---------------------------------------------------------------------------------------------------


@transaction.atomic
def budget_line_create(*, actor: Any, activity: Activity, reason: str = "", **values: Any) -> BudgetLine:
    _only(values, BUDGET_FIELDS)
    require(actor, "change", activity.responsible_unit.path, noun="activity")
    return audited_create(actor=actor, instance=BudgetLine(activity=activity, **values), reason=reason)


@transaction.atomic
def budget_line_update(
    *, actor: Any, line: BudgetLine, expected_version: int, reason: str = "", **values: Any
) -> BudgetLine:
    _only(values, BUDGET_FIELDS)
    require(actor, "change", line.activity.responsible_unit.path, noun="budget line")
    return audited_update(actor=actor, instance=line, expected_version=expected_version, values=values, reason=reason)


@transaction.atomic
def budget_line_archive(*, actor: Any, line: BudgetLine, expected_version: int, reason: str) -> BudgetLine:
    require(actor, "change", line.activity.responsible_unit.path, noun="budget line")
    return audited_archive(actor=actor, instance=line, expected_version=expected_version, reason=reason)


@transaction.atomic
def exchange_rate_create(*, actor: Any, reason: str = "", **values: Any) -> ExchangeRate:
    _only(values, ("currency", "base", "rate", "valid_from", "source", "is_sample"))
    if not (getattr(actor, "is_superuser", False) or can_anywhere(actor, "admin")):
        raise PermissionDenied(_("Only an administrator may record exchange rates."))
    return audited_create(actor=actor, instance=ExchangeRate(**values), reason=reason)


# --- regional initiatives -------------------------------------------------------------------------------------


@transaction.atomic
def initiative_create(
    *, actor: Any, lead_unit: OrgUnit, outputs: Iterable[ResultNode] = (), reason: str = "", **values: Any
) -> RegionalInitiative:
    _only(values, INITIATIVE_FIELDS)
    require(actor, "approve", lead_unit.path, noun="unit")
    initiative = RegionalInitiative(lead_unit=lead_unit, **values)
    return audited_create(actor=actor, instance=initiative, reason=reason, relations={"outputs": list(outputs)})


@transaction.atomic
def initiative_update(
    *, actor: Any, initiative: RegionalInitiative, expected_version: int, reason: str = "", **values: Any
) -> RegionalInitiative:
    _only(values, (*INITIATIVE_FIELDS, "outputs"))
    require(actor, "approve", initiative.lead_unit.path, noun="initiative")
    relations = {"outputs": list(values.pop("outputs"))} if "outputs" in values else {}
    return audited_update(
        actor=actor,
        instance=initiative,
        expected_version=expected_version,
        values=values,
        reason=reason,
        relations=relations,
    )


# --- progress updates -----------------------------------------------------------------------------------------


def _subject_unit(activity: Activity | None, actual_value: ActualValue | None) -> OrgUnit:
    if (activity is None) == (actual_value is None):
        raise ValidationError({"activity": _("An update is about one activity or one indicator value.")})
    if activity is not None:
        if activity.is_archived:
            raise ValidationError({"activity": _("The activity is archived.")})
        return activity.responsible_unit
    assert actual_value is not None
    if actual_value.is_archived:
        raise ValidationError({"actual_value": _("The value is archived.")})
    return actual_value.unit


@transaction.atomic
def update_create(
    *,
    actor: Any,
    date: dt.date,
    narrative: dict[str, str],
    activity: Activity | None = None,
    actual_value: ActualValue | None = None,
    reason: str = "",
    **values: Any,
) -> ProgressUpdate:
    _only(values, UPDATE_FIELDS)
    unit = _subject_unit(activity, actual_value)
    require(actor, "change", unit.path, noun="activity" if activity else "value")
    refuse_if_locked(unit, date, date, what="update")
    update = ProgressUpdate(
        activity=activity, actual_value=actual_value, unit=unit, author=actor, date=date, narrative=narrative, **values
    )
    return audited_create(actor=actor, instance=update, reason=reason)


def _require_editable(actor: Any, update: ProgressUpdate) -> None:
    require(actor, "change", update.unit.path, noun="update")
    if update.status not in EDITABLE:
        state = update.get_status_display().lower()
        raise ValidationError(
            {
                "status": _("The update is %(state)s; only drafts and returned updates can be changed.")
                % {"state": state}
            }
        )
    refuse_if_locked(update.unit, update.date, update.date, what="update")


@transaction.atomic
def update_edit(
    *, actor: Any, update: ProgressUpdate, expected_version: int, reason: str = "", **values: Any
) -> ProgressUpdate:
    _only(values, UPDATE_FIELDS)
    _require_editable(actor, update)
    if "date" in values:
        refuse_if_locked(update.unit, values["date"], values["date"], what="update")
    return audited_update(actor=actor, instance=update, expected_version=expected_version, values=values, reason=reason)


@transaction.atomic
def update_archive(*, actor: Any, update: ProgressUpdate, expected_version: int, reason: str) -> ProgressUpdate:
    _require_editable(actor, update)
    return audited_archive(actor=actor, instance=update, expected_version=expected_version, reason=reason)


@transaction.atomic
def update_transition(
    *, actor: Any, update: ProgressUpdate, action: str, expected_version: int, note: str = ""
) -> ProgressUpdate:
    """Submit, return (with a note), approve or reopen an update.

    Approving an activity update that reports a new status sets the activity's status (and its actual
    start or end where the status implies one and none is recorded).
    """
    transition = check_transition(action, update.status, note)
    require(actor, transition.right, update.unit.path, noun="update")
    refuse_if_locked(update.unit, update.date, update.date, what="update")
    now = timezone.now()
    values: dict[str, Any] = {"status": transition.target}
    if action == "submit":
        values["submitted_at"] = now
    elif action in ("return", "approve"):
        values.update(reviewed_at=now, reviewed_by=actor)
        if action == "return":
            values["review_note"] = note.strip()
    result = audited_update(
        actor=actor,
        instance=update,
        expected_version=expected_version,
        values=values,
        reason=note.strip(),
        action="approve" if action == "approve" else "update",
    )
    if action == "approve" and update.activity_id and update.new_status:
        _apply_status(actor, result)
    return result


def _apply_status(actor: Any, update: ProgressUpdate) -> None:
    activity = Activity.objects.select_for_update().get(pk=update.activity_id)
    values: dict[str, Any] = {"status": update.new_status}
    if update.new_status in (ActivityStatus.DELAYED, ActivityStatus.CANCELLED):
        values["status_reason"] = update.status_reason
    if update.new_status == ActivityStatus.ONGOING and activity.actual_start is None:
        values["actual_start"] = update.date
    if update.new_status == ActivityStatus.COMPLETED and activity.actual_end is None:
        values["actual_end"] = update.date
        if activity.actual_start is None:
            values["actual_start"] = update.date
    audited_update(
        actor=actor,
        instance=activity,
        expected_version=activity.version,
        values=values,
        reason=f"approved update {update.pk}",
    )


# --- evidence -------------------------------------------------------------------------------------------------


@transaction.atomic
def evidence_add(
    *,
    actor: Any,
    update: ProgressUpdate,
    upload: UploadedFile,
    keep_gps: bool = False,
    reason: str = "",
    **values: Any,
) -> Evidence:
    """Check the file (content sniffed, size and pixel limits, no SVG or HTML), store it and record it.

    The checks run before anything is written: a refused file leaves no trace in storage or database.
    """
    from orbit.planning import media

    _only(values, EVIDENCE_FIELDS)
    _require_editable(actor, update)
    checked = media.inspect_upload(upload, keep_gps=keep_gps)
    probe = Evidence(update=update, kind=checked.kind, **values)
    probe.full_clean(exclude=["file", "original_name", "content_type", "size", "sha256"])
    file_name, thumb_name = media.store_upload(checked, folder="evidence")
    evidence = Evidence(
        update=update,
        kind=checked.kind,
        file=file_name,
        thumbnail=thumb_name,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        width=checked.width,
        height=checked.height,
        gps_kept=checked.gps_kept,
        **values,
    )
    return audited_create(actor=actor, instance=evidence, reason=reason)


@transaction.atomic
def evidence_update(
    *, actor: Any, evidence: Evidence, expected_version: int, reason: str = "", **values: Any
) -> Evidence:
    _only(values, EVIDENCE_FIELDS)
    _require_editable(actor, evidence.update)
    return audited_update(
        actor=actor, instance=evidence, expected_version=expected_version, values=values, reason=reason
    )


@transaction.atomic
def evidence_archive(*, actor: Any, evidence: Evidence, expected_version: int, reason: str) -> Evidence:
    """Take an item of evidence off its update (archived, never deleted).  While the update is a draft or returned,
    its editors may; once it is submitted or approved, only those who approve the unit's updates may, to withdraw
    it (consent withdrawn, a mistake seen late): it then leaves the reports and, where evidence is published, its
    public address, at once, whatever period locks say (a photo is not a reported figure)."""
    update = evidence.update
    if update.status in EDITABLE:
        _require_editable(actor, update)
    else:
        require(actor, "approve", update.unit.path, noun="update")
    return audited_archive(actor=actor, instance=evidence, expected_version=expected_version, reason=reason)
