"""Every write to the process inventory, its dictionaries, dependencies, assessments and submissions.

Rights: the inventory is the organisation's shared map of how it works, so every signed-in member reads all
of it (:func:`inventory_readable`); a process and everything hanging from it (participants, windows, impacts,
KPIs, dependencies it starts) change with ``change`` on its owner unit.  Shared dictionaries and BPMN
uploads need ``change`` somewhere; the APQC reference taxonomy needs an administrator.  An assessment round
is run by its owner unit (``change`` there to score); a submission is reviewed by the managers of the unit
it concerns (``approve``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from orbit.core.errors import PermissionDenied
from orbit.governance.services import (
    audited_archive,
    audited_bulk_create,
    audited_create,
    audited_restore,
    audited_update,
)
from orbit.organisation.access import can, can_anywhere, require, scope_paths
from orbit.organisation.models import OrgUnit
from orbit.processes import apqc, scoring
from orbit.processes.models import (
    Assessment,
    AssessmentRound,
    BpmnUpload,
    ChangeWindow,
    Dependency,
    ExternalParty,
    ItSystem,
    PcfElement,
    PcfMetric,
    PcfRelease,
    Process,
    ProcessIndicator,
    ProcessParticipant,
    ProcessRole,
    RecordType,
    StrategicImpact,
    Submission,
    TransformationStatus,
)
from orbit.results.models import Framework, Indicator, ResultNode
from orbit.results.models.periods import PeriodType
from orbit.results.services import framework_create, framework_readable, indicator_create, node_create, target_create

PROCESS_FIELDS = (
    "code", "name", "description", "level", "parent", "task_type", "nature", "owner_unit", "process_owner",
    "change_authority", "change_authority_unit", "change_authority_note", "pcf_element", "yearly_volume",
    "cycle_time_days", "cost_per_case", "currency", "digitisation", "pain_points", "legal_basis", "change_people",
    "change_skills", "change_budget", "transformation_status", "import_key", "source", "is_sample",
)  # fmt: skip
PROCESS_RELATIONS = ("it_systems", "records", "external_parties")
DICTIONARIES: dict[str, type[ItSystem] | type[RecordType] | type[ProcessRole] | type[ExternalParty]] = {
    "it_systems": ItSystem,
    "records": RecordType,
    "roles": ProcessRole,
    "external_parties": ExternalParty,
}
DICTIONARY_FIELDS = ("code", "name", "description", "source", "is_sample", "owner_unit")


def _only(values: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))


def inventory_readable(user: Any) -> bool:
    """Every signed-in member of a unit (and every auditor) reads the whole inventory."""
    paths = scope_paths(user, "view")
    return bool(paths)


def require_inventory_reader(user: Any) -> None:
    if not inventory_readable(user):
        raise PermissionDenied(_("You need a role in a unit to read the process inventory."))


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = {k: v for k, v in values.items() if k not in PROCESS_RELATIONS}
    relations = {k: list(v or ()) for k, v in values.items() if k in PROCESS_RELATIONS}
    return plain, relations


def _next_code(unit: OrgUnit) -> str:
    prefix = f"{unit.code}-P"
    taken = Process.all_objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


# --- processes ------------------------------------------------------------------------------------------------


@transaction.atomic
def process_create(*, actor: Any, owner_unit: OrgUnit, reason: str = "", **values: Any) -> Process:
    _only(values, (*PROCESS_FIELDS, *PROCESS_RELATIONS))
    values.pop("owner_unit", None)
    require(actor, "change", owner_unit.path, noun="unit")
    plain, relations = _split(values)
    parent = plain.get("parent")
    if parent is not None and parent.is_archived:
        raise ValidationError({"parent": _("The process it would belong to is archived.")})
    if not plain.get("code"):
        plain["code"] = _next_code(owner_unit)
    process = Process(owner_unit=owner_unit, **plain)
    return audited_create(actor=actor, instance=process, reason=reason, relations=relations)


@transaction.atomic
def process_update(*, actor: Any, process: Process, expected_version: int, reason: str = "", **values: Any) -> Process:
    _only(values, (*PROCESS_FIELDS, *PROCESS_RELATIONS))
    require(actor, "change", process.owner_unit.path, noun="process", public=True)
    new_unit = values.get("owner_unit")
    if new_unit is not None and new_unit != process.owner_unit:
        require(actor, "change", new_unit.path, noun="unit")
    parent = values.get("parent")
    if parent is not None and _is_below(parent, process):
        raise ValidationError({"parent": _("A process cannot be part of one of its own parts.")})
    plain, relations = _split(values)
    return audited_update(
        actor=actor, instance=process, expected_version=expected_version, values=plain, reason=reason,
        relations=relations,
    )  # fmt: skip


def _is_below(candidate: Process, process: Process) -> bool:
    """Whether ``candidate`` is ``process`` or one of its parts (at most five levels: a few queries)."""
    seen = candidate
    for _level in range(6):
        if seen.pk == process.pk:
            return True
        if seen.parent_id is None:
            return False
        seen = Process.all_objects.only("pk", "parent_id").get(pk=seen.parent_id)
    return False


@transaction.atomic
def process_archive(*, actor: Any, process: Process, expected_version: int, reason: str) -> Process:
    require(actor, "change", process.owner_unit.path, noun="process", public=True)
    if Process.objects.filter(parent=process).exists():
        raise ValidationError({"children": _("Archive or move its parts first.")})
    return audited_archive(actor=actor, instance=process, expected_version=expected_version, reason=reason)


@transaction.atomic
def process_restore(*, actor: Any, process: Process, expected_version: int, reason: str = "") -> Process:
    require(actor, "change", process.owner_unit.path, noun="process", public=True)
    if process.parent is not None and process.parent.is_archived:
        raise ValidationError({"parent": _("The process it belongs to is archived; restore it first.")})
    return audited_restore(actor=actor, instance=process, expected_version=expected_version, reason=reason)


def process_set_status(*, actor: Any, process: Process, status: str, reason: str = "") -> Process:
    if status not in TransformationStatus.values:
        raise ValidationError({"transformation_status": _("Unknown status “%(status)s”.") % {"status": status}})
    return process_update(
        actor=actor, process=process, expected_version=process.version, reason=reason, transformation_status=status
    )


def _require_active(process: Process) -> None:
    if process.is_archived:
        raise ValidationError({"process": _("The process is archived; restore it first.")})


# --- participants, change windows, strategic impact -------------------------------------------------------------


@transaction.atomic
def participant_add(
    *,
    actor: Any,
    process: Process,
    raci: str,
    unit: OrgUnit | None = None,
    role: ProcessRole | None = None,
    note: str = "",
    reason: str = "",
) -> ProcessParticipant:
    require(actor, "change", process.owner_unit.path, noun="process", public=True)
    _require_active(process)
    if unit is None and role is None:
        raise ValidationError({"role": _("Name the unit or the role that takes part.")})
    duplicate = ProcessParticipant.objects.filter(process=process, unit=unit, role=role, raci=raci).exists()
    if duplicate:
        raise ValidationError({"raci": _("This participant already has this letter on this process.")})
    participant = ProcessParticipant(process=process, unit=unit, role=role, raci=raci, note=note)
    return audited_create(actor=actor, instance=participant, reason=reason)


@transaction.atomic
def participant_remove(*, actor: Any, participant: ProcessParticipant, reason: str) -> ProcessParticipant:
    require(actor, "change", participant.process.owner_unit.path, noun="process", public=True)
    return audited_archive(actor=actor, instance=participant, expected_version=participant.version, reason=reason)


@transaction.atomic
def change_window_add(
    *, actor: Any, process: Process, kind: str, start: dt.date, end: dt.date, note: str = "", reason: str = ""
) -> ChangeWindow:
    require(actor, "change", process.owner_unit.path, noun="process", public=True)
    _require_active(process)
    if start and end and end < start:
        raise ValidationError({"end": _("The window ends before it starts.")})
    window = ChangeWindow(process=process, kind=kind, start=start, end=end, note=note)
    return audited_create(actor=actor, instance=window, reason=reason)


@transaction.atomic
def change_window_remove(*, actor: Any, window: ChangeWindow, reason: str) -> ChangeWindow:
    require(actor, "change", window.process.owner_unit.path, noun="process", public=True)
    return audited_archive(actor=actor, instance=window, expected_version=window.version, reason=reason)


@transaction.atomic
def impact_set(
    *, actor: Any, process: Process, node: ResultNode, rating: int, note: str = "", reason: str = ""
) -> StrategicImpact:
    """Link a process to a result it serves, or change the rating of the link."""
    require(actor, "change", process.owner_unit.path, noun="process", public=True)
    _require_active(process)
    if node.is_archived or node.framework.is_archived:
        raise ValidationError({"node": _("%(node)s is not an active result.") % {"node": node}})
    if not framework_readable(actor, node.framework):
        raise ValidationError({"node": _("Result %(id)s is not in a framework you may read.") % {"id": node.pk}})
    current = StrategicImpact.objects.filter(process=process, node=node).first()
    if current is not None:
        return audited_update(
            actor=actor, instance=current, expected_version=current.version, values={"rating": rating, "note": note},
            reason=reason,
        )  # fmt: skip
    return audited_create(
        actor=actor, instance=StrategicImpact(process=process, node=node, rating=rating, note=note), reason=reason
    )


@transaction.atomic
def impact_remove(*, actor: Any, impact: StrategicImpact, reason: str) -> StrategicImpact:
    require(actor, "change", impact.process.owner_unit.path, noun="process", public=True)
    return audited_archive(actor=actor, instance=impact, expected_version=impact.version, reason=reason)


# --- performance targets: indicators of the results engine -------------------------------------------------------

PERFORMANCE_TIERS = [{"en": "Process"}]


def performance_framework(*, actor: Any, unit: OrgUnit, year: int) -> Framework:
    """The unit's framework of process performance targets, created on first use (a results framework like
    any other, so targets, values, review and roll-ups are the results engine's own)."""
    code = f"PP-{unit.code}"[:32]
    framework = Framework.objects.filter(code=code).first()
    if framework is not None:
        return framework
    return framework_create(
        actor=actor,
        owner_unit=unit,
        code=code,
        name={"en": f"Process performance targets — {unit.code}"},
        kind=Framework.Kind.OTHER,
        cycle_start=dt.date(year - 1, 1, 1),
        cycle_end=dt.date(year + 5, 12, 31),
        tiers=PERFORMANCE_TIERS,
        status=Framework.Status.ACTIVE,
        reason="Process performance targets of the unit",
    )


@transaction.atomic
def process_kpi_create(
    *,
    actor: Any,
    process: Process,
    code: str,
    title: dict[str, str],
    target_value: Any,
    target_year: int,
    measure: str = Indicator.Measure.NUMBER,
    unit_label: str = "",
    direction: str = Indicator.Direction.DECREASE,
    baseline_value: Any = None,
    baseline_date: dt.date | None = None,
    definition: dict[str, str] | None = None,
    data_source: str = "",
    reason: str = "",
) -> ProcessIndicator:
    """A KPI for a process: an indicator with its baseline and an annual target, in the owner unit's
    performance framework.  Setting targets is a management decision: ``approve`` on the owner unit."""
    require(actor, "approve", process.owner_unit.path, noun="process", public=True)
    _require_active(process)
    framework = performance_framework(actor=actor, unit=process.owner_unit, year=target_year)
    node = ResultNode.objects.filter(framework=framework, ref_code=process.code[:40]).first()
    if node is None:
        node = node_create(
            actor=actor, framework=framework, title=dict(process.name), ref_code=process.code[:40],
            is_sample=process.is_sample,
        )  # fmt: skip
    aggregation = (
        Indicator.UnitAggregation.RATIO if measure == Indicator.Measure.PERCENTAGE else Indicator.UnitAggregation.NONE
    )
    indicator = indicator_create(
        actor=actor,
        node=node,
        code=code,
        title=title,
        definition=definition or {},
        measure=measure,
        unit_label=unit_label,
        direction=direction,
        time_aggregation=Indicator.TimeAggregation.LATEST,
        unit_aggregation=aggregation,
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        data_source=data_source,
        responsible_unit=process.owner_unit,
        is_sample=process.is_sample,
        reason=reason,
    )
    target_create(
        actor=actor,
        indicator=indicator,
        period_type=PeriodType.ANNUAL,
        period_start=dt.date(target_year, 1, 1),
        period_end=dt.date(target_year, 12, 31),
        value=target_value,
        is_sample=process.is_sample,
        reason=reason,
    )
    return audited_create(actor=actor, instance=ProcessIndicator(process=process, indicator=indicator), reason=reason)


# --- dependencies ------------------------------------------------------------------------------------------------


@transaction.atomic
def dependency_create(
    *,
    actor: Any,
    source: Process,
    target: Process,
    kind: str,
    strength: int = 2,
    note: str = "",
    import_key: str | None = None,
    reason: str = "",
) -> Dependency:
    require(actor, "change", source.owner_unit.path, noun="process", public=True)
    if source.is_archived or target.is_archived:
        raise ValidationError({"target": _("Both processes must be active.")})
    if Dependency.objects.filter(source=source, target=target, kind=kind).exists():
        raise ValidationError({"kind": _("These processes are already linked by a dependency of this kind.")})
    dependency = Dependency(
        source=source, target=target, kind=kind, strength=strength, note=note, import_key=import_key
    )
    return audited_create(actor=actor, instance=dependency, reason=reason)


@transaction.atomic
def dependency_update(
    *, actor: Any, dependency: Dependency, expected_version: int, reason: str = "", **values: Any
) -> Dependency:
    _only(values, ("kind", "strength", "note"))
    require(actor, "change", dependency.source.owner_unit.path, noun="dependency", public=True)
    return audited_update(
        actor=actor, instance=dependency, expected_version=expected_version, values=values, reason=reason
    )


@transaction.atomic
def dependency_archive(*, actor: Any, dependency: Dependency, expected_version: int, reason: str) -> Dependency:
    require(actor, "change", dependency.source.owner_unit.path, noun="dependency", public=True)
    return audited_archive(actor=actor, instance=dependency, expected_version=expected_version, reason=reason)


# --- shared dictionaries -----------------------------------------------------------------------------------------


def _require_dictionary_writer(actor: Any) -> None:
    if not can_anywhere(actor, "change"):
        raise PermissionDenied(_("You need the change right in a unit to edit the shared dictionaries."))


@transaction.atomic
def dictionary_entry_create(*, actor: Any, dictionary: str, reason: str = "", **values: Any) -> Any:
    model = DICTIONARIES.get(dictionary)
    if model is None:
        raise ValidationError({"dictionary": _("Unknown dictionary “%(dictionary)s”.") % {"dictionary": dictionary}})
    _only(values, DICTIONARY_FIELDS if model is ItSystem else DICTIONARY_FIELDS[:-1])
    _require_dictionary_writer(actor)
    return audited_create(actor=actor, instance=model(**values), reason=reason)


@transaction.atomic
def dictionary_entry_update(*, actor: Any, entry: Any, expected_version: int, reason: str = "", **values: Any) -> Any:
    _only(values, DICTIONARY_FIELDS if isinstance(entry, ItSystem) else DICTIONARY_FIELDS[:-1])
    _require_dictionary_writer(actor)
    return audited_update(actor=actor, instance=entry, expected_version=expected_version, values=values, reason=reason)


@transaction.atomic
def dictionary_entry_archive(*, actor: Any, entry: Any, expected_version: int, reason: str) -> Any:
    """Take an entry out of use: it can no longer be chosen for a process; the processes that name it keep it
    (shown as archived), and nothing is deleted."""
    _require_dictionary_writer(actor)
    return audited_archive(actor=actor, instance=entry, expected_version=expected_version, reason=reason)


@transaction.atomic
def dictionary_entry_restore(*, actor: Any, entry: Any, expected_version: int, reason: str = "") -> Any:
    _require_dictionary_writer(actor)
    return audited_restore(actor=actor, instance=entry, expected_version=expected_version, reason=reason)


# --- assessment rounds -------------------------------------------------------------------------------------------


def round_model(round_: AssessmentRound) -> scoring.ScoringModel:
    """The scoring model of a round: a built-in one, or its own weighted criteria."""
    if round_.model_key == "weighted":
        return scoring.weighted_model_from_definition(round_.criteria)
    model = scoring.MODELS.get(round_.model_key)
    if model is None:
        raise ValidationError({"model_key": _("Unknown scoring model “%(model)s”.") % {"model": round_.model_key}})
    return model


@transaction.atomic
def round_create(
    *,
    actor: Any,
    owner_unit: OrgUnit,
    name: str,
    model_key: str,
    criteria: list[dict[str, Any]] | None = None,
    quick_win_min_value: Decimal | None = None,
    quick_win_max_effort: Decimal | None = None,
    is_sample: bool = False,
    reason: str = "",
) -> AssessmentRound:
    require(actor, "change", owner_unit.path, noun="unit")
    round_ = AssessmentRound(
        owner_unit=owner_unit, name=name.strip(), model_key=model_key, criteria=criteria or [], is_sample=is_sample
    )
    if quick_win_min_value is not None:
        round_.quick_win_min_value = quick_win_min_value
    if quick_win_max_effort is not None:
        round_.quick_win_max_effort = quick_win_max_effort
    if not round_.name:
        raise ValidationError({"name": _("Give the round a name.")})
    if model_key != "weighted" and criteria:
        raise ValidationError({"criteria": _("Only a round with custom weighted criteria takes criteria.")})
    try:
        round_model(round_)
    except scoring.ScoringError as exc:
        raise ValidationError({"criteria": "; ".join(f"{k}: {v}" for k, v in exc.problems.items())}) from exc
    return audited_create(actor=actor, instance=round_, reason=reason)


@transaction.atomic
def round_close(*, actor: Any, round_: AssessmentRound, expected_version: int, reason: str = "") -> AssessmentRound:
    require(actor, "change", round_.owner_unit.path, noun="assessment round", public=True)
    return audited_update(
        actor=actor, instance=round_, expected_version=expected_version,
        values={"status": AssessmentRound.Status.CLOSED}, reason=reason,
    )  # fmt: skip


#: Totals are stored with 20 digits, 6 of them decimals.
MAX_TOTAL = 10**14


@transaction.atomic
def process_score(
    *,
    actor: Any,
    round_: AssessmentRound,
    process: Process,
    answers: Mapping[str, object],
    note: str = "",
    reason: str = "",
) -> Assessment:
    """Score (or re-score) a process in an open round; the model validates the answers and computes the total.

    A process still only documented becomes *assessed* in the same transaction."""
    require(actor, "change", round_.owner_unit.path, noun="assessment round", public=True)
    if round_.status != AssessmentRound.Status.OPEN:
        raise ValidationError({"round": _("The round is closed; open a new round to score again.")})
    if process.is_archived:
        raise ValidationError({"process": _("The process is archived.")})
    model = round_model(round_)
    try:
        clean = model.validate(answers)
    except scoring.ScoringError as exc:
        raise ValidationError({f"answers.{key}": message for key, message in exc.problems.items()}) from exc
    score = model.score(clean)
    if not score.total.is_finite() or abs(score.total) >= MAX_TOTAL:
        raise ValidationError(
            {"answers": _("These answers give a score of %(score)s, beyond what Orbit stores (less than %(limit)s); "
                          "check the numbers.") % {"score": scoring.show(score.total), "limit": f"{MAX_TOTAL:,}"}}
        )  # fmt: skip
    values = {
        "answers": {key: str(value) for key, value in clean.items()},
        "total": score.total.quantize(Decimal("0.000001")),
        "value": score.value.quantize(Decimal("0.0001")),
        "effort": score.effort.quantize(Decimal("0.0001")),
        "note": note,
    }
    current = Assessment.objects.filter(round=round_, process=process).first()
    if current is None:
        assessment = audited_create(
            actor=actor,
            instance=Assessment(round=round_, process=process, scored_by=actor, **values),
            reason=reason,
        )
    else:
        assessment = audited_update(
            actor=actor, instance=current, expected_version=current.version,
            values={**values, "scored_by": actor}, reason=reason,
        )  # fmt: skip
    current = Process.all_objects.select_related("owner_unit").get(pk=process.pk)  # the caller's copy may be old
    if current.transformation_status == TransformationStatus.DOCUMENTED and can(
        actor, "change", current.owner_unit.path
    ):
        process_set_status(
            actor=actor, process=current, status=TransformationStatus.ASSESSED, reason="Scored in " + round_.name
        )
    return assessment


# --- bottom-up submissions ---------------------------------------------------------------------------------------


@transaction.atomic
def submission_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    description: str,
    unit: OrgUnit,
    process: Process | None = None,
    is_sample: bool = False,
    reason: str = "",
) -> Submission:
    """Any member of a unit may describe a process, a pain point or an idea, for any active unit."""
    require_inventory_reader(actor)
    if unit.is_archived:
        raise ValidationError({"unit": _("The unit is archived.")})
    submission = Submission(
        kind=kind, title=title.strip(), description=description.strip(), unit=unit, process=process,
        submitted_by=actor, is_sample=is_sample,
    )  # fmt: skip
    return audited_create(actor=actor, instance=submission, reason=reason)


@transaction.atomic
def submission_review(
    *,
    actor: Any,
    submission: Submission,
    expected_version: int,
    status: str,
    outcome: str,
    merged_into: Process | None = None,
    create_process: bool = False,
    reason: str = "",
) -> Submission:
    """Merge (into an existing process, or as a new one), decline, or mark as a duplicate — with the outcome
    the submitter reads."""
    require(actor, "approve", submission.unit.path, noun="submission")
    if submission.status != Submission.Status.NEW:
        raise ValidationError({"status": _("This submission was already reviewed.")})
    if status not in (Submission.Status.MERGED, Submission.Status.DECLINED, Submission.Status.DUPLICATE):
        raise ValidationError({"status": _("Merge, decline or mark as a duplicate.")})
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Tell the submitter what became of it.")})
    if status == Submission.Status.MERGED:
        if create_process:
            merged_into = process_create(
                actor=actor,
                owner_unit=submission.unit,
                name={"en": submission.title[:300]},
                description={"en": submission.description},
                pain_points=submission.description if submission.kind == Submission.Kind.PAIN_POINT else "",
                source=f"Submission {submission.pk}",
                is_sample=submission.is_sample,
                reason=f"From submission {submission.pk}",
            )
        elif merged_into is not None and submission.kind == Submission.Kind.PAIN_POINT:
            points = "\n".join(p for p in (merged_into.pain_points, submission.description) if p)
            merged_into = process_update(
                actor=actor, process=merged_into, expected_version=merged_into.version, pain_points=points,
                reason=f"Pain point from submission {submission.pk}",
            )  # fmt: skip
        if merged_into is None:
            raise ValidationError({"merged_into": _("Choose the process it merges into, or create a new one.")})
    elif status == Submission.Status.DUPLICATE and merged_into is None:
        raise ValidationError({"merged_into": _("Name the process it duplicates.")})
    return audited_update(
        actor=actor,
        instance=submission,
        expected_version=expected_version,
        values={"status": status, "outcome": outcome.strip(), "merged_into": merged_into, "reviewed_by": actor},
        reason=reason,
    )


# --- BPMN uploads ------------------------------------------------------------------------------------------------

MAX_UPLOAD_FILES = 50


def _require_importer(actor: Any, owner_unit: OrgUnit) -> None:
    require(actor, "change", owner_unit.path, noun="unit")


@transaction.atomic
def bpmn_upload_preview(
    *, actor: Any, owner_unit: OrgUnit, files: Sequence[tuple[str, bytes]], reason: str = ""
) -> BpmnUpload:
    """Keep the files and the preview of what applying them would do; nothing in the inventory changes."""
    from orbit.processes.bpmn_import import plan_import

    _require_importer(actor, owner_unit)
    if not files:
        raise ValidationError({"files": _("Choose one or more BPMN files.")})
    if len(files) > MAX_UPLOAD_FILES:
        raise ValidationError({"files": _("Upload at most %(limit)d files at once.") % {"limit": MAX_UPLOAD_FILES}})
    names = [name for name, _data in files]
    if len(set(names)) != len(names):
        raise ValidationError({"files": _("Two files have the same name; rename one.")})
    plan = plan_import(files, owner_unit=owner_unit)
    stored = []
    for name, data in files:
        digest = hashlib.sha256(data).hexdigest()
        path = f"imports/bpmn/{digest}.bpmn"
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(data))
        stored.append({"name": name, "sha256": digest, "size": len(data), "path": path})
    upload = BpmnUpload(
        owner_unit=owner_unit,
        files=stored,
        report=plan.as_report(),
        status=BpmnUpload.Status.PREVIEWED if plan.ok else BpmnUpload.Status.REFUSED,
    )
    return audited_create(actor=actor, instance=upload, reason=reason)


def bpmn_upload_files(upload: BpmnUpload) -> list[tuple[str, bytes]]:
    files = []
    for item in upload.files:
        with default_storage.open(item["path"], "rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != item["sha256"]:
            raise ValidationError(
                {"files": _("%(file)s: the stored copy changed since the preview.") % {"file": item["name"]}}
            )
        files.append((item["name"], data))
    return files


@transaction.atomic
def bpmn_upload_apply(*, actor: Any, upload: BpmnUpload, expected_version: int, reason: str = "") -> BpmnUpload:
    """Apply an upload, all or nothing.  The plan is worked out again (the inventory may have changed since
    the preview) and the report kept is what was applied."""
    from orbit.processes.bpmn_import import apply_plan, plan_import

    _require_importer(actor, upload.owner_unit)
    if upload.status != BpmnUpload.Status.PREVIEWED:
        raise ValidationError({"status": _("Only a previewed upload without refused files can be applied.")})
    plan = plan_import(bpmn_upload_files(upload), owner_unit=upload.owner_unit)
    if not plan.ok:
        raise ValidationError({"files": "; ".join(f.refused for f in plan.refused)})
    apply_plan(plan, actor=actor, owner_unit=upload.owner_unit, reason=reason or f"BPMN upload {upload.pk}")
    return audited_update(
        actor=actor,
        instance=upload,
        expected_version=expected_version,
        values={"status": BpmnUpload.Status.APPLIED, "applied_at": timezone.now(), "report": plan.as_report()},
        reason=reason,
    )


# --- the APQC reference taxonomy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PcfImportResult:
    release: PcfRelease
    created: bool
    elements: int
    metrics: int
    levels: dict[int, int]


@transaction.atomic
def pcf_import(*, actor: Any, workbook: apqc.PcfWorkbook, source_name: str = "", reason: str = "") -> PcfImportResult:
    """Store a PCF release read by :func:`orbit.processes.apqc.read_pcf`.

    A release already stored (same title and version) is left as it is: APQC never changes a published
    release, and the inventory's classifications point at its elements.
    """
    if not can_anywhere(actor, "admin"):
        raise PermissionDenied(_("Importing the APQC reference taxonomy needs an administrator."))
    existing = PcfRelease.objects.filter(title=workbook.title, pcf_version=workbook.version).first()
    if existing is not None:
        elements = PcfElement.objects.filter(release=existing).count()
        metrics = PcfMetric.objects.filter(release=existing).count()
        levels = dict(
            PcfElement.objects.filter(release=existing).values_list("level").annotate(n=Count("id")).order_by("level")
        )
        return PcfImportResult(existing, False, elements, metrics, levels)
    release = audited_create(
        actor=actor,
        instance=PcfRelease(
            title=workbook.title[:300], pcf_version=workbook.version[:40], attribution=workbook.attribution,
            source_name=source_name[:300],
        ),
        reason=reason,
    )  # fmt: skip
    by_number: dict[str, PcfElement] = {}
    for level in range(1, 6):
        batch = []
        for item in workbook.elements:
            if item.level != level:
                continue
            element = PcfElement(
                release=release,
                pcf_id=item.pcf_id,
                hierarchy_id=item.hierarchy_id,
                name=item.name[:500],
                level=item.level,
                parent=by_number.get(item.parent_hierarchy_id or ""),
                description=item.description,
                difference_index=item.difference_index[:40],
                change_details=item.change_details,
                metrics_available=item.metrics_available,
            )
            by_number[item.hierarchy_id] = element
            batch.append(element)
        audited_bulk_create(actor=actor, instances=batch, reason=reason)
    by_id = {e.pcf_id: e for e in by_number.values()}
    metrics = [
        PcfMetric(
            release=release, element=by_id[m.element_pcf_id], metric_id=m.metric_id[:40], category=m.category[:120],
            name=m.name, formula=m.formula, units=m.units[:200], position=index,
        )
        for index, m in enumerate(workbook.metrics)
    ]  # fmt: skip
    audited_bulk_create(actor=actor, instances=metrics, reason=reason)
    return PcfImportResult(release, True, len(by_number), len(metrics), workbook.levels)
