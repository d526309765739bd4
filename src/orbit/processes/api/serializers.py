"""How the process inventory, its dependencies, dictionaries, the APQC taxonomy, assessment rounds, submissions and
BPMN uploads look in the API.

Translated fields are ``{language: text}`` objects, each with a ``*_display`` text in the request's language;
numbers with decimals are strings (``"12.5"``).  Related records are named by id, with their code beside them
where a reader needs it (``owner_unit`` and ``owner_unit_code``).

Write serializers only check the shape of the input and resolve the records it names (one the caller cannot see
reads as one that does not exist, a field error); the services decide who may do what and enforce the inventory's
rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orbit.core.api.fields import IdField, TranslatedTextField, display_text, reason_field, version_field
from orbit.core.errors import NotFound
from orbit.organisation.models import OrgUnit
from orbit.planning.api.serializers import NamedChoiceField
from orbit.processes import graph, scoring, selectors
from orbit.processes.models import (
    Assessment,
    AssessmentRound,
    BpmnUpload,
    ChangeAuthority,
    ChangeWindow,
    Dependency,
    DependencyKind,
    Digitisation,
    ExternalParty,
    ItSystem,
    Nature,
    PcfElement,
    PcfRelease,
    Process,
    ProcessIndicator,
    ProcessParticipant,
    ProcessRole,
    Raci,
    RecordType,
    StrategicImpact,
    Submission,
    TransformationStatus,
)
from orbit.results.api.serializers import DecimalString, RecordSerializer, visible_node, visible_unit
from orbit.results.models import Indicator, ResultNode

#: The most ids a list of related records may name in one write.
MAX_RELATED = 500
#: The longest free text a process field takes over the API (pain points, legal basis, notes of decisions).
MAX_TEXT = 20_000
MAX_ANSWERS = 100
MAX_CRITERIA = 50
LEVELS_HELP = "1 category, 2 process group, 3 process, 4 activity, 5 task (as in the APQC PCF)."


def _user(serializer: serializers.Serializer[Any]) -> Any:
    return serializer.context["request"].user


def _field_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(list(exc.messages))


# --- choices as named schema components -------------------------------------------------------------------------


def nature(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(Nature.choices, enum_name="ProcessNatureEnum", **kwargs)


def digitisation(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(Digitisation.choices, enum_name="ProcessDigitisationEnum", **kwargs)


def transformation_status(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(TransformationStatus.choices, enum_name="ProcessTransformationStatusEnum", **kwargs)


def change_authority(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(ChangeAuthority.choices, enum_name="ProcessChangeAuthorityEnum", **kwargs)


def raci(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(Raci.choices, enum_name="ProcessRaciEnum", **kwargs)


def window_kind(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(ChangeWindow.Kind.choices, enum_name="ProcessChangeWindowKindEnum", **kwargs)


def dependency_kind(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(DependencyKind.choices, enum_name="ProcessDependencyKindEnum", **kwargs)


def submission_kind(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(Submission.Kind.choices, enum_name="ProcessSubmissionKindEnum", **kwargs)


def submission_status(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(Submission.Status.choices, enum_name="ProcessSubmissionStatusEnum", **kwargs)


REVIEW_OUTCOMES = [(value, label) for value, label in Submission.Status.choices if value != Submission.Status.NEW]


def round_status(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(AssessmentRound.Status.choices, enum_name="ProcessRoundStatusEnum", **kwargs)


def upload_status(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(BpmnUpload.Status.choices, enum_name="BpmnUploadStatusEnum", **kwargs)


#: A process KPI is a number (qualitative indicators need a score scale, set in the results engine).
KPI_MEASURES = [(value, label) for value, label in Indicator.Measure.choices if value != Indicator.Measure.QUALITATIVE]


def measure(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(KPI_MEASURES, enum_name="ProcessKpiMeasureEnum", **kwargs)


def direction(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(Indicator.Direction.choices, enum_name="ProcessKpiDirectionEnum", **kwargs)


def level(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=5, help_text=LEVELS_HELP, **kwargs)


def id_list(help_text: str, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=IdField(), max_length=MAX_RELATED, help_text=help_text, **kwargs)


# --- references named in a body -----------------------------------------------------------------------------------


def visible_process(user: Any, pk: int | None) -> Process | None:
    """Any process of the inventory (archived ones too: the service says what an archived one may not do)."""
    if pk is None:
        return None
    try:
        return selectors.process_get(user=user, pk=pk, include_archived=True)
    except NotFound as exc:
        raise serializers.ValidationError(f"No such process: {pk}.") from exc


def any_active_unit(pk: int | None) -> OrgUnit | None:
    if pk is None:
        return None
    try:
        return selectors.active_unit(pk)
    except DjangoValidationError as exc:
        raise _field_error(exc) from exc


def entries(user: Any, dictionary: str, ids: list[int], process: int | None = None) -> list[Any]:
    try:
        return selectors.dictionary_entries(user=user, dictionary=dictionary, ids=ids, process=process)
    except DjangoValidationError as exc:
        raise _field_error(exc) from exc


# --- small shapes shared by several responses ----------------------------------------------------------------------


class ProcessBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = TranslatedTextField()
    name_display = serializers.SerializerMethodField()
    owner_unit = serializers.IntegerField(source="owner_unit_id")
    owner_unit_code = serializers.CharField(source="owner_unit.code")

    def get_name_display(self, process: Process) -> str:
        return display_text(process.name)


class EntryBriefSerializer(serializers.Serializer[Any]):
    """An entry of a shared dictionary (IT system, record type, role, external party)."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = TranslatedTextField()
    name_display = serializers.SerializerMethodField()
    is_archived = serializers.SerializerMethodField(help_text="Archived: kept where it is named, no longer offered.")

    def get_name_display(self, entry: Any) -> str:
        return display_text(entry.name)

    def get_is_archived(self, entry: Any) -> bool:
        return entry.archived_at is not None


class PcfClassificationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    release = serializers.IntegerField(source="release_id")
    release_title = serializers.CharField(source="release.title")
    release_version = serializers.CharField(source="release.pcf_version", help_text="APQC's release number.")
    hierarchy_id = serializers.CharField()
    pcf_id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.IntegerField()


# --- processes ------------------------------------------------------------------------------------------------------


class ProcessSerializer(RecordSerializer):
    """A process as listed: its own fields, related records by id (and the unit's and parent's codes)."""

    name = TranslatedTextField()
    name_display = serializers.SerializerMethodField(help_text="The name in the request's language.")
    description = TranslatedTextField(text_required=False)
    description_display = serializers.SerializerMethodField()
    level = level(read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    parent_code = serializers.SerializerMethodField()
    nature = nature(read_only=True)
    owner_unit = serializers.IntegerField(source="owner_unit_id", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    process_owner = serializers.IntegerField(source="process_owner_id", read_only=True, allow_null=True)
    change_authority = change_authority(read_only=True)
    change_authority_unit = serializers.IntegerField(source="change_authority_unit_id", read_only=True, allow_null=True)
    pcf_element = serializers.IntegerField(source="pcf_element_id", read_only=True, allow_null=True)
    pcf_hierarchy_id = serializers.SerializerMethodField(help_text="The APQC PCF number it is classified under.")
    cycle_time_days = DecimalString(max_digits=10, decimal_places=2, allow_null=True, read_only=True)
    cost_per_case = DecimalString(max_digits=18, decimal_places=2, allow_null=True, read_only=True)
    change_people = DecimalString(max_digits=8, decimal_places=2, allow_null=True, read_only=True)
    change_budget = DecimalString(max_digits=18, decimal_places=2, allow_null=True, read_only=True)
    digitisation = digitisation(read_only=True)
    transformation_status = transformation_status(read_only=True)

    class Meta:
        model = Process
        fields: tuple[str, ...] = (
            "id", "code", "name", "name_display", "description", "description_display", "level", "parent",
            "parent_code", "task_type", "nature", "owner_unit", "owner_unit_code", "process_owner", "change_authority",
            "change_authority_unit", "change_authority_note", "pcf_element", "pcf_hierarchy_id", "yearly_volume",
            "cycle_time_days", "cost_per_case", "currency", "digitisation", "pain_points", "legal_basis",
            "change_people", "change_skills", "change_budget", "transformation_status", "import_key", "source",
            "is_sample", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = fields

    def get_name_display(self, process: Process) -> str:
        return display_text(process.name)

    def get_description_display(self, process: Process) -> str:
        return display_text(process.description)

    def get_parent_code(self, process: Process) -> str | None:
        return process.parent.code if process.parent_id and process.parent is not None else None

    def get_pcf_hierarchy_id(self, process: Process) -> str | None:
        return process.pcf_element.hierarchy_id if process.pcf_element_id and process.pcf_element else None


class ParticipantSerializer(RecordSerializer):
    process = serializers.IntegerField(source="process_id", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True, allow_null=True)
    unit_code = serializers.SerializerMethodField()
    role = serializers.IntegerField(source="role_id", read_only=True, allow_null=True)
    role_code = serializers.SerializerMethodField()
    role_name_display = serializers.SerializerMethodField()
    raci = raci(read_only=True)

    class Meta:
        model = ProcessParticipant
        fields = (
            "id", "process", "unit", "unit_code", "role", "role_code", "role_name_display", "raci", "note",
            *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_unit_code(self, participant: ProcessParticipant) -> str | None:
        return participant.unit.code if participant.unit_id and participant.unit else None

    def get_role_code(self, participant: ProcessParticipant) -> str | None:
        return participant.role.code if participant.role_id and participant.role else None

    def get_role_name_display(self, participant: ProcessParticipant) -> str | None:
        return display_text(participant.role.name) if participant.role_id and participant.role else None


class ChangeWindowSerializer(RecordSerializer):
    process = serializers.IntegerField(source="process_id", read_only=True)
    kind = window_kind(read_only=True)

    class Meta:
        model = ChangeWindow
        fields = ("id", "process", "kind", "start", "end", "note", *RecordSerializer.RECORD_FIELDS)
        read_only_fields = fields


class StrategicImpactSerializer(RecordSerializer):
    process = serializers.IntegerField(source="process_id", read_only=True)
    node = serializers.IntegerField(source="node_id", read_only=True)
    node_code = serializers.CharField(source="node.code", read_only=True)
    node_title_display = serializers.SerializerMethodField()
    framework = serializers.IntegerField(source="node.framework_id", read_only=True)
    framework_code = serializers.CharField(source="node.framework.code", read_only=True)
    rating = serializers.IntegerField(read_only=True, help_text="1 low, 2 medium, 3 high.")

    class Meta:
        model = StrategicImpact
        fields = (
            "id", "process", "node", "node_code", "node_title_display", "framework", "framework_code", "rating",
            "note", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_node_title_display(self, impact: StrategicImpact) -> str:
        return display_text(impact.node.title)


class KpiTargetSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    value = DecimalString(allow_null=True)


class KpiIndicatorSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = TranslatedTextField()
    title_display = serializers.SerializerMethodField()
    measure = measure()
    unit_label = serializers.CharField()
    direction = direction()
    baseline_value = DecimalString(allow_null=True)
    baseline_date = serializers.DateField(allow_null=True)
    targets = serializers.SerializerMethodField()

    def get_title_display(self, indicator: Indicator) -> str:
        return display_text(indicator.title)

    @extend_schema_field(KpiTargetSerializer(many=True))
    def get_targets(self, indicator: Indicator) -> Any:
        targets = sorted(indicator.targets.all(), key=lambda t: (t.period_start, t.pk))
        return KpiTargetSerializer(targets, many=True).data


class ProcessKpiSerializer(RecordSerializer):
    process = serializers.IntegerField(source="process_id", read_only=True)
    indicator = KpiIndicatorSerializer(read_only=True, help_text="An indicator of the results engine.")

    class Meta:
        model = ProcessIndicator
        fields = ("id", "process", "indicator", *RecordSerializer.RECORD_FIELDS)
        read_only_fields = fields


class DependencySerializer(RecordSerializer):
    source = serializers.IntegerField(source="source_id", read_only=True)  # type: ignore[assignment]
    source_code = serializers.CharField(source="source.code", read_only=True)
    source_unit_code = serializers.CharField(source="source.owner_unit.code", read_only=True)
    target = serializers.IntegerField(source="target_id", read_only=True)
    target_code = serializers.CharField(source="target.code", read_only=True)
    target_unit_code = serializers.CharField(source="target.owner_unit.code", read_only=True)
    kind = dependency_kind(read_only=True)
    strength = serializers.IntegerField(read_only=True, help_text="1 weak, 2 normal, 3 strong.")

    class Meta:
        model = Dependency
        fields = (
            "id", "source", "source_code", "source_unit_code", "target", "target_code", "target_unit_code", "kind",
            "strength", "note", "import_key", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields


class AssessmentBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    round = serializers.IntegerField(source="round_id")
    round_name = serializers.CharField(source="round.name")
    total = DecimalString()
    value = DecimalString()
    effort = DecimalString()
    updated_at = serializers.DateTimeField()


class ProcessDetailSerializer(ProcessSerializer):
    """A process with what hangs from it (``selectors.process_detail``, given as ``detail`` in the context)."""

    process_owner_username = serializers.SerializerMethodField()
    change_authority_unit_code = serializers.SerializerMethodField()
    ancestors = serializers.SerializerMethodField(help_text="The processes it is part of, the top one first.")
    children = serializers.SerializerMethodField(help_text="Its active parts, by code.")
    participants = serializers.SerializerMethodField(help_text="Units and roles taking part (RACI).")
    change_windows = serializers.SerializerMethodField(help_text="When it may change, or must not.")
    impacts = serializers.SerializerMethodField(help_text="Results of the strategic or operational plan it serves.")
    kpis = serializers.SerializerMethodField(help_text="Its performance targets.")
    dependencies_out = serializers.SerializerMethodField(help_text="Dependencies it starts (it is the source).")
    dependencies_in = serializers.SerializerMethodField(help_text="Dependencies that end at it (it is the target).")
    it_systems = serializers.SerializerMethodField()
    records = serializers.SerializerMethodField(help_text="Kinds of records it produces.")
    external_parties = serializers.SerializerMethodField()
    pcf = serializers.SerializerMethodField(help_text="Its APQC PCF classification, if any.")
    assessments = serializers.SerializerMethodField(help_text="Its scores in assessment rounds, newest round first.")

    class Meta(ProcessSerializer.Meta):
        fields = (
            *ProcessSerializer.Meta.fields, "process_owner_username", "change_authority_unit_code", "ancestors",
            "children", "participants", "change_windows", "impacts", "kpis", "dependencies_out", "dependencies_in",
            "it_systems", "records", "external_parties", "pcf", "assessments",
        )  # fmt: skip
        read_only_fields = fields

    def _detail(self) -> selectors.ProcessDetail:
        detail: selectors.ProcessDetail = self.context["detail"]
        return detail

    def _many(self, serializer: type[serializers.Serializer[Any]], items: Iterable[Any]) -> Any:
        return serializer(list(items), many=True, context=self.context).data

    def get_process_owner_username(self, process: Process) -> str | None:
        owner = process.process_owner if process.process_owner_id else None
        return owner.get_username() if owner is not None else None

    def get_change_authority_unit_code(self, process: Process) -> str | None:
        unit = process.change_authority_unit if process.change_authority_unit_id else None
        return unit.code if unit is not None else None

    @extend_schema_field(ProcessBriefSerializer(many=True))
    def get_ancestors(self, process: Process) -> Any:
        return self._many(ProcessBriefSerializer, self._detail().ancestors)

    @extend_schema_field(ProcessBriefSerializer(many=True))
    def get_children(self, process: Process) -> Any:
        return self._many(ProcessBriefSerializer, self._detail().children)

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, process: Process) -> Any:
        return self._many(ParticipantSerializer, self._detail().participants)

    @extend_schema_field(ChangeWindowSerializer(many=True))
    def get_change_windows(self, process: Process) -> Any:
        return self._many(ChangeWindowSerializer, self._detail().windows)

    @extend_schema_field(StrategicImpactSerializer(many=True))
    def get_impacts(self, process: Process) -> Any:
        return self._many(StrategicImpactSerializer, self._detail().impacts)

    @extend_schema_field(ProcessKpiSerializer(many=True))
    def get_kpis(self, process: Process) -> Any:
        return self._many(ProcessKpiSerializer, self._detail().kpis)

    @extend_schema_field(DependencySerializer(many=True))
    def get_dependencies_out(self, process: Process) -> Any:
        return self._many(DependencySerializer, self._detail().dependencies_out)

    @extend_schema_field(DependencySerializer(many=True))
    def get_dependencies_in(self, process: Process) -> Any:
        return self._many(DependencySerializer, self._detail().dependencies_in)

    @extend_schema_field(EntryBriefSerializer(many=True))
    def get_it_systems(self, process: Process) -> Any:
        return self._many(EntryBriefSerializer, process.it_systems.all())

    @extend_schema_field(EntryBriefSerializer(many=True))
    def get_records(self, process: Process) -> Any:
        return self._many(EntryBriefSerializer, process.records.all())

    @extend_schema_field(EntryBriefSerializer(many=True))
    def get_external_parties(self, process: Process) -> Any:
        return self._many(EntryBriefSerializer, process.external_parties.all())

    @extend_schema_field(PcfClassificationSerializer(allow_null=True))
    def get_pcf(self, process: Process) -> Any:
        if not process.pcf_element_id or process.pcf_element is None:
            return None
        return PcfClassificationSerializer(process.pcf_element, context=self.context).data

    @extend_schema_field(AssessmentBriefSerializer(many=True))
    def get_assessments(self, process: Process) -> Any:
        return self._many(AssessmentBriefSerializer, self._detail().assessments)


class ProcessWriteSerializer(serializers.Serializer[Any]):
    """Create (POST), replace (PUT) or change (PATCH) a process; PATCH may send any subset."""

    code = serializers.CharField(
        max_length=64, required=False, help_text="Given on creation when left out: <unit>-P<number>."
    )
    name = TranslatedTextField(max_length=300)
    description = TranslatedTextField(text_required=False, required=False)
    level = level(required=False)
    parent = IdField(required=False, allow_null=True, help_text="The process it is part of.")  # type: ignore[assignment]
    task_type = serializers.CharField(max_length=40, allow_blank=True, required=False)
    nature = nature(required=False)
    owner_unit = IdField(help_text="The owner unit's id (you need the change right there).")
    process_owner = IdField(required=False, allow_null=True, help_text="The process owner's user id.")
    change_authority = change_authority(required=False)
    change_authority_unit = IdField(
        required=False, allow_null=True, help_text="The unit that decides changes (any active unit)."
    )
    change_authority_note = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False)
    pcf_element = IdField(required=False, allow_null=True, help_text="An element of the APQC PCF.")
    it_systems = id_list("Ids of IT systems it uses.", required=False)
    records = id_list("Ids of record types it produces.", required=False)
    external_parties = id_list("Ids of external parties it deals with.", required=False)
    yearly_volume = serializers.IntegerField(min_value=0, max_value=2**31 - 1, allow_null=True, required=False)
    cycle_time_days = DecimalString(max_digits=10, decimal_places=2, min_value=0, allow_null=True, required=False)
    cost_per_case = DecimalString(max_digits=18, decimal_places=2, min_value=0, allow_null=True, required=False)
    currency = serializers.CharField(max_length=3, allow_blank=True, required=False, help_text="ISO 4217 code.")
    digitisation = digitisation(required=False)
    pain_points = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False)
    legal_basis = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False)
    change_people = DecimalString(max_digits=8, decimal_places=2, min_value=0, allow_null=True, required=False)
    change_skills = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False)
    change_budget = DecimalString(max_digits=18, decimal_places=2, min_value=0, allow_null=True, required=False)
    transformation_status = transformation_status(required=False)
    source = serializers.CharField(max_length=300, allow_blank=True, required=False)  # type: ignore[assignment]
    is_sample = serializers.BooleanField(required=False)
    version = version_field()
    reason = reason_field()

    def validate_owner_unit(self, value: int) -> OrgUnit | None:
        return visible_unit(_user(self), value)

    def validate_parent(self, value: int | None) -> Process | None:
        return visible_process(_user(self), value)

    def validate_process_owner(self, value: int | None) -> Any:
        if value is None:
            return None
        try:
            return selectors.person(user=_user(self), pk=value)
        except DjangoValidationError as exc:
            raise _field_error(exc) from exc

    def validate_change_authority_unit(self, value: int | None) -> OrgUnit | None:
        return any_active_unit(value)

    def validate_pcf_element(self, value: int | None) -> PcfElement | None:
        if value is None:
            return None
        try:
            return selectors.pcf_element(user=_user(self), pk=value)
        except DjangoValidationError as exc:
            raise _field_error(exc) from exc

    def _process_changed(self) -> int | None:
        """The process this write changes (None for a new one): the archived entries it names may stay."""
        view = self.context.get("view")
        if view is None or getattr(view, "action", "") not in ("update", "partial_update"):
            return None
        pk = str(view.kwargs.get("pk", ""))
        return int(pk) if pk.isdigit() else None

    def validate_it_systems(self, value: list[int]) -> list[ItSystem]:
        return entries(_user(self), "it_systems", value, self._process_changed())

    def validate_records(self, value: list[int]) -> list[RecordType]:
        return entries(_user(self), "records", value, self._process_changed())

    def validate_external_parties(self, value: list[int]) -> list[ExternalParty]:
        return entries(_user(self), "external_parties", value, self._process_changed())


class ProcessListParams(serializers.Serializer[Any]):
    """The filters of the inventory (:class:`orbit.processes.selectors.ProcessFilters`)."""

    unit = IdField(required=False, help_text="The owner unit's id.")
    level = serializers.IntegerField(required=False, min_value=1, max_value=5, help_text=LEVELS_HELP)
    nature = serializers.ChoiceField(choices=Nature.choices, required=False, default="", allow_blank=True)
    digitisation = serializers.ChoiceField(choices=Digitisation.choices, required=False, default="", allow_blank=True)
    status = serializers.ChoiceField(
        choices=TransformationStatus.choices, required=False, default="", allow_blank=True,
        help_text="The transformation status.",
    )  # fmt: skip
    impact = serializers.ChoiceField(
        choices=[("none", "none"), ("low", "low"), ("medium", "medium"), ("high", "high")],
        required=False, default="", allow_blank=True, help_text="The highest strategic impact of the process.",
    )  # fmt: skip
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100, help_text="Code or name in any language."
    )
    archived = serializers.BooleanField(required=False, default=False, help_text="Only archived processes.")


# --- parts of a process: participants, windows, impacts, KPIs --------------------------------------------------------


class ParticipantCreateSerializer(serializers.Serializer[Any]):
    raci = raci(required=False, default=Raci.RESPONSIBLE)
    unit = IdField(required=False, allow_null=True, help_text="A unit taking part (any active unit); or a role.")
    role = IdField(required=False, allow_null=True, help_text="A role of the shared dictionary; or a unit.")
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    reason = reason_field()

    def validate_unit(self, value: int | None) -> OrgUnit | None:
        return any_active_unit(value)

    def validate_role(self, value: int | None) -> ProcessRole | None:
        return None if value is None else entries(_user(self), "roles", [value])[0]


class RemoveSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, help_text="Why it is removed; kept in the audit log.")


class ChangeWindowCreateSerializer(serializers.Serializer[Any]):
    kind = window_kind()
    start = serializers.DateField()
    end = serializers.DateField()
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    reason = reason_field()


class ImpactSetSerializer(serializers.Serializer[Any]):
    node = IdField(help_text="A result node of a framework you may read.")
    rating = serializers.IntegerField(min_value=1, max_value=3, help_text="1 low, 2 medium, 3 high.")
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    reason = reason_field()

    def validate_node(self, value: int) -> ResultNode | None:
        return visible_node(_user(self), value)


class KpiCreateSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=40)
    title = TranslatedTextField(max_length=500)
    definition = TranslatedTextField(text_required=False, required=False)
    measure = measure(required=False)
    unit_label = serializers.CharField(max_length=60, allow_blank=True, required=False)
    direction = direction(required=False)
    baseline_value = DecimalString(required=False, allow_null=True)
    baseline_date = serializers.DateField(required=False, allow_null=True)
    target_value = DecimalString(help_text="The value to reach in the target year.")
    target_year = serializers.IntegerField(min_value=1900, max_value=2200)
    data_source = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    reason = reason_field()


# --- impact analysis and the graph -------------------------------------------------------------------------------


class ImpactParams(serializers.Serializer[Any]):
    kinds = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=200,
        help_text="Dependency kinds to follow, comma-separated (" + ", ".join(graph.KINDS) + "); all when empty.",
    )  # fmt: skip
    max_distance = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="Stop after this many dependencies; no limit if absent."
    )

    def validate_kinds(self, value: str) -> list[str]:
        kinds = [kind.strip() for kind in value.split(",") if kind.strip()]
        unknown = [kind for kind in kinds if kind not in graph.KINDS]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown dependency kind: {', '.join(unknown)}; use some of {', '.join(graph.KINDS)}."
            )
        return list(dict.fromkeys(kinds))


class ReachedSerializer(ProcessBriefSerializer):
    distance = serializers.IntegerField(help_text="Dependencies on a shortest path from the process analysed.")
    kinds = serializers.ListField(
        child=dependency_kind(), help_text="Kinds of the last dependency on the shortest paths."
    )
    via = serializers.IntegerField(help_text="The process one step closer on a shortest path (smallest id).")


class ImpactSerializer(serializers.Serializer[Any]):
    process = ProcessBriefSerializer()
    kinds = serializers.ListField(child=dependency_kind(), help_text="The kinds followed.")
    max_distance = serializers.IntegerField(allow_null=True)
    downstream = ReachedSerializer(many=True, help_text="What a change to it reaches, nearest first.")
    upstream = ReachedSerializer(many=True, help_text="What can affect it, nearest first.")
    cycles = serializers.ListField(
        child=ProcessBriefSerializer(many=True), help_text="The circle of processes depending on each other it is in."
    )


def impact_data(
    process: Process, impact: graph.Impact, processes: Mapping[int, Process], kinds: list[str], max_distance: int | None
) -> dict[str, Any]:
    """The result of :func:`orbit.processes.selectors.impact_analysis` in the shape of :class:`ImpactSerializer`."""

    def reached(items: list[graph.Reached]) -> list[dict[str, Any]]:
        shown = []
        for r in items:
            if r.node in processes:
                kinds = [kind for kind in graph.KINDS if kind in r.kinds]
                brief = ProcessBriefSerializer(processes[r.node]).data
                shown.append({**brief, "distance": r.distance, "kinds": kinds, "via": r.via})
        return shown

    return {
        "process": ProcessBriefSerializer(process).data,
        "kinds": kinds or list(graph.KINDS),
        "max_distance": max_distance,
        "downstream": reached(impact.downstream),
        "upstream": reached(impact.upstream),
        "cycles": [
            [ProcessBriefSerializer(processes[pk]).data for pk in cycle if pk in processes] for cycle in impact.cycles
        ],
    }


class GraphParams(serializers.Serializer[Any]):
    unit = IdField(required=False, help_text="Only processes this unit owns.")
    limit = serializers.IntegerField(required=False, default=400, min_value=1, max_value=2000)


class GraphSvgParams(ImpactParams):
    """The whole graph (of one unit), or with ``process`` the impact of a change to that process (``kinds`` and
    ``max_distance`` as for its impact analysis)."""

    unit = IdField(required=False, help_text="Only processes this unit owns (ignored with process).")
    process = IdField(
        required=False,
        help_text="Draw what a change to this process reaches: it, and the nearest processes downstream and upstream "
        "of it, marked as such.",
    )
    group_by = serializers.ChoiceField(
        choices=[("unit", "unit"), ("wave", "wave")], required=False, default="unit",
        help_text="Bands by owner unit, or by transformation wave.",
    )  # fmt: skip


class GraphNodeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = TranslatedTextField()
    name_display = serializers.CharField()
    unit = serializers.IntegerField(help_text="The owner unit's id.")
    unit_code = serializers.CharField()
    status = transformation_status()
    wave = serializers.IntegerField(help_text="Its transformation wave (0 first).")


class GraphEdgeSerializer(serializers.Serializer[Any]):
    source = serializers.IntegerField()  # type: ignore[assignment]
    target = serializers.IntegerField()
    kind = dependency_kind()
    strength = serializers.IntegerField()


class GraphSerializer(serializers.Serializer[Any]):
    nodes = GraphNodeSerializer(many=True, help_text="Processes of levels 1 to 3, by unit code and code.")
    edges = GraphEdgeSerializer(many=True, help_text="Dependencies between the processes shown.")
    cycles = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="Groups of processes depending on each other in a circle (ids).",
    )
    waves = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="The processes shown in each wave, wave 0 first (ids): a process comes after what feeds it.",
    )
    truncated = serializers.BooleanField(help_text="More processes match than the limit shows.")


def graph_data(view: Mapping[str, Any]) -> dict[str, Any]:
    """The result of :func:`orbit.processes.selectors.graph_view` in the shape of :class:`GraphSerializer`."""
    processes: Mapping[int, Process] = view["processes"]
    waves: Mapping[int, int] = view["waves"]
    by_wave: list[list[int]] = [[] for _ in range(max(waves.values(), default=-1) + 1)]
    for pk in sorted(processes):
        by_wave[waves.get(pk, 0)].append(pk)
    nodes = [
        {
            "id": p.pk, "code": p.code, "name": p.name, "name_display": display_text(p.name), "unit": p.owner_unit_id,
            "unit_code": p.owner_unit.code, "status": p.transformation_status, "wave": waves.get(p.pk, 0),
        }
        for p in processes.values()
    ]  # fmt: skip
    edges = [{"source": e.source, "target": e.target, "kind": e.kind, "strength": e.strength} for e in view["edges"]]
    return {
        "nodes": nodes,
        "edges": sorted(edges, key=lambda e: (e["source"], e["target"], e["kind"])),
        "cycles": view["cycles"],
        "waves": by_wave,
        "truncated": view["truncated"],
    }


# --- dependencies ----------------------------------------------------------------------------------------------------


class DependencyWriteSerializer(serializers.Serializer[Any]):
    kind = dependency_kind()
    strength = serializers.IntegerField(min_value=1, max_value=3, required=False, help_text="1 weak … 3 strong.")
    note = serializers.CharField(max_length=300, allow_blank=True, required=False)
    version = version_field()
    reason = reason_field()


class DependencyCreateSerializer(DependencyWriteSerializer):
    source = IdField(help_text="The process whose change affects the target (you need the change right on it).")  # type: ignore[assignment]
    target = IdField(help_text="The process affected.")

    def validate_source(self, value: int) -> Process | None:
        return visible_process(_user(self), value)

    def validate_target(self, value: int) -> Process | None:
        return visible_process(_user(self), value)


class DependencyListParams(serializers.Serializer[Any]):
    source = IdField(required=False)  # type: ignore[assignment]
    target = IdField(required=False)
    kind = serializers.ChoiceField(choices=DependencyKind.choices, required=False, default="", allow_blank=True)
    include_archived = serializers.BooleanField(required=False, default=False)


# --- shared dictionaries -------------------------------------------------------------------------------------------

_ENTRY_FIELDS = (
    "id", "code", "name", "name_display", "description", "description_display", "source", "is_sample",
    *RecordSerializer.RECORD_FIELDS,
)  # fmt: skip


class _EntrySerializer(RecordSerializer):
    name = TranslatedTextField()
    name_display = serializers.SerializerMethodField()
    description = TranslatedTextField(text_required=False)
    description_display = serializers.SerializerMethodField()

    def get_name_display(self, entry: Any) -> str:
        return display_text(entry.name)

    def get_description_display(self, entry: Any) -> str:
        return display_text(entry.description)


class ItSystemSerializer(_EntrySerializer):
    owner_unit = serializers.IntegerField(source="owner_unit_id", read_only=True, allow_null=True)

    class Meta:
        model = ItSystem
        fields = (*_ENTRY_FIELDS, "owner_unit")
        read_only_fields = fields


class RecordTypeSerializer(_EntrySerializer):
    class Meta:
        model = RecordType
        fields = _ENTRY_FIELDS
        read_only_fields = fields


class ProcessRoleSerializer(_EntrySerializer):
    class Meta:
        model = ProcessRole
        fields = _ENTRY_FIELDS
        read_only_fields = fields


class ExternalPartySerializer(_EntrySerializer):
    class Meta:
        model = ExternalParty
        fields = _ENTRY_FIELDS
        read_only_fields = fields


class EntryWriteSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=64, help_text="Capital letters, digits and hyphens, unique.")
    name = TranslatedTextField(max_length=300)
    description = TranslatedTextField(text_required=False, required=False)
    source = serializers.CharField(max_length=300, allow_blank=True, required=False)  # type: ignore[assignment]
    is_sample = serializers.BooleanField(required=False)
    version = version_field()
    reason = reason_field()


class ItSystemWriteSerializer(EntryWriteSerializer):
    owner_unit = IdField(required=False, allow_null=True, help_text="The unit that runs it (any active unit).")

    def validate_owner_unit(self, value: int | None) -> OrgUnit | None:
        return any_active_unit(value)


class EntryListParams(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100, help_text="Code or name in any language."
    )
    include_archived = serializers.BooleanField(
        required=False, default=False, help_text="Archived entries too (they can no longer be chosen)."
    )


# --- the APQC reference taxonomy -------------------------------------------------------------------------------


class PcfReleaseSerializer(serializers.ModelSerializer[PcfRelease]):
    element_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PcfRelease
        fields = ("id", "title", "pcf_version", "attribution", "source_name", "element_count")
        read_only_fields = fields


class PcfElementSerializer(serializers.ModelSerializer[PcfElement]):
    release = serializers.IntegerField(source="release_id", read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = PcfElement
        fields: tuple[str, ...] = (
            "id", "release", "pcf_id", "hierarchy_id", "name", "level", "parent", "description", "difference_index",
            "change_details", "metrics_available",
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = fields


class PcfElementBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    pcf_id = serializers.IntegerField()
    hierarchy_id = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()


class PcfMetricSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    metric_id = serializers.CharField()
    category = serializers.CharField()
    name = serializers.CharField()
    formula = serializers.CharField()
    units = serializers.CharField()


class PcfElementDetailSerializer(PcfElementSerializer):
    release_title = serializers.CharField(source="release.title", read_only=True)
    release_version = serializers.CharField(source="release.pcf_version", read_only=True)
    attribution = serializers.CharField(source="release.attribution", read_only=True)
    parent_element = serializers.SerializerMethodField()
    children = PcfElementBriefSerializer(many=True, read_only=True)
    metrics = PcfMetricSerializer(many=True, read_only=True, help_text="Metrics APQC defines for it.")

    class Meta(PcfElementSerializer.Meta):
        fields = (
            *PcfElementSerializer.Meta.fields, "release_title", "release_version", "attribution", "parent_element",
            "children", "metrics",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PcfElementBriefSerializer(allow_null=True))
    def get_parent_element(self, element: PcfElement) -> Any:
        return PcfElementBriefSerializer(element.parent).data if element.parent_id and element.parent else None


class PcfElementListParams(serializers.Serializer[Any]):
    release = IdField(required=False)
    level = serializers.IntegerField(required=False, min_value=1, max_value=5)
    parent = IdField(required=False)  # type: ignore[assignment]
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100,
        help_text="Words of the name or description, or the start of a hierarchy number (e.g. 8.2).",
    )  # fmt: skip


# --- assessment rounds --------------------------------------------------------------------------------------------


class CriterionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    help = serializers.CharField()
    minimum = serializers.CharField(help_text="A decimal number as text.")
    maximum = serializers.CharField(help_text="A decimal number as text.")
    weight = serializers.CharField(help_text="A decimal number as text.")
    role = NamedChoiceField(
        [("value", "value"), ("effort", "effort")], enum_name="ScoringCriterionRoleEnum", help_text="The axis it feeds."
    )
    choices = serializers.ListField(child=serializers.CharField(), help_text="The only answers accepted, if any.")
    minimum_exclusive = serializers.BooleanField(help_text="The minimum itself is not accepted.")


class ScoringModelSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField()
    criteria = CriterionSerializer(many=True)


def model_data(model: scoring.ScoringModel) -> dict[str, Any]:
    """A scoring model in the shape of :class:`ScoringModelSerializer`, its words in the request's language."""

    def words(text: str) -> str:
        return _(text) if text else ""

    return {
        "key": model.key,
        "label": words(model.label),
        "description": words(model.description),
        "criteria": [
            {
                "key": c.key, "label": words(c.label), "help": words(c.help), "minimum": str(c.minimum),
                "maximum": str(c.maximum), "weight": str(c.weight), "role": c.role,
                "choices": [str(choice) for choice in c.choices], "minimum_exclusive": c.minimum_exclusive,
            }
            for c in model.criteria
        ],
    }  # fmt: skip


class RoundSerializer(RecordSerializer):
    owner_unit = serializers.IntegerField(source="owner_unit_id", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    criteria = serializers.ListField(
        child=serializers.DictField(), read_only=True, help_text="The custom criteria of a weighted round."
    )
    quick_win_min_value = DecimalString(max_digits=5, decimal_places=2, read_only=True)
    quick_win_max_effort = DecimalString(max_digits=5, decimal_places=2, read_only=True)
    status = round_status(read_only=True)
    scored = serializers.SerializerMethodField(help_text="How many processes are scored (in lists).")

    class Meta:
        model = AssessmentRound
        fields: tuple[str, ...] = (
            "id", "name", "owner_unit", "owner_unit_code", "model_key", "criteria", "quick_win_min_value",
            "quick_win_max_effort", "status", "scored", "is_sample", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = fields

    def get_scored(self, round_: AssessmentRound) -> int | None:
        return getattr(round_, "scored", None)


class RankedSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField(help_text="1 first; equal totals share a rank.")
    assessment = serializers.IntegerField(source="assessment.pk")
    process = ProcessBriefSerializer()
    total = DecimalString(source="assessment.total")
    value = DecimalString(source="assessment.value", help_text="On 0–10.")
    effort = DecimalString(source="assessment.effort", help_text="On 0–10.")
    quick_win = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it is not a quick win.")
    blocking = ProcessBriefSerializer(many=True, help_text="Higher-ranked processes feeding it, not yet transformed.")
    answers = serializers.DictField(child=serializers.CharField(), source="assessment.answers")
    note = serializers.CharField(source="assessment.note")


class RoundDetailSerializer(RoundSerializer):
    """A round with its scoring model and ranking (given as ``model`` and ``ranking`` in the context)."""

    model = serializers.SerializerMethodField(help_text="The scoring model: what to answer for each process.")
    ranking = serializers.SerializerMethodField()

    class Meta(RoundSerializer.Meta):
        fields = (*RoundSerializer.Meta.fields, "model", "ranking")
        read_only_fields = fields

    @extend_schema_field(ScoringModelSerializer)
    def get_model(self, round_: AssessmentRound) -> Any:
        return ScoringModelSerializer(model_data(self.context["model"])).data

    @extend_schema_field(RankedSerializer(many=True))
    def get_ranking(self, round_: AssessmentRound) -> Any:
        return RankedSerializer(self.context["ranking"], many=True, context=self.context).data


class RoundCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    owner_unit = IdField(help_text="The unit that runs the round (you need the change right there).")
    model_key = serializers.CharField(
        max_length=40, help_text="A model of /api/processes/scoring-models/, or `weighted` with `criteria`."
    )
    criteria = serializers.ListField(
        child=serializers.DictField(), required=False, max_length=MAX_CRITERIA,
        help_text="For `weighted`: [{key, label, minimum, maximum, weight, role}], role `value` or `effort`.",
    )  # fmt: skip
    quick_win_min_value = DecimalString(
        max_digits=5, decimal_places=2, min_value=0, max_value=10, required=False,
        help_text="A quick win has value at least this (0–10).",
    )  # fmt: skip
    quick_win_max_effort = DecimalString(
        max_digits=5, decimal_places=2, min_value=0, max_value=10, required=False,
        help_text="A quick win has effort at most this (0–10).",
    )  # fmt: skip
    is_sample = serializers.BooleanField(required=False)
    reason = reason_field()

    def validate_owner_unit(self, value: int) -> OrgUnit | None:
        return visible_unit(_user(self), value)


class VersionedActionSerializer(serializers.Serializer[Any]):
    version = version_field()
    reason = reason_field()


class ScoreSerializer(serializers.Serializer[Any]):
    process = IdField()
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="One answer per criterion of the round's model, by criterion key.",
    )
    note = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    reason = reason_field()

    def validate_process(self, value: int) -> Process | None:
        return visible_process(_user(self), value)

    def validate_answers(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_ANSWERS:
            raise serializers.ValidationError(f"Give at most {MAX_ANSWERS} answers.")
        return value


class AssessmentSerializer(RecordSerializer):
    round = serializers.IntegerField(source="round_id", read_only=True)
    process = serializers.IntegerField(source="process_id", read_only=True)
    process_code = serializers.CharField(source="process.code", read_only=True)
    answers = serializers.DictField(child=serializers.CharField(), read_only=True)
    total = DecimalString(read_only=True)
    value = DecimalString(read_only=True, help_text="On 0–10.")
    effort = DecimalString(read_only=True, help_text="On 0–10.")
    scored_by = serializers.IntegerField(source="scored_by_id", read_only=True)

    class Meta:
        model = Assessment
        fields = (
            "id", "round", "process", "process_code", "answers", "total", "value", "effort", "note", "scored_by",
            *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields


# --- submissions ----------------------------------------------------------------------------------------------------


class SubmissionSerializer(RecordSerializer):
    kind = submission_kind(read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    process = serializers.IntegerField(source="process_id", read_only=True, allow_null=True)
    process_code = serializers.SerializerMethodField()
    submitted_by = serializers.IntegerField(source="submitted_by_id", read_only=True)
    submitted_by_username = serializers.CharField(source="submitted_by.username", read_only=True)
    status = submission_status(read_only=True)
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True)
    merged_into_code = serializers.SerializerMethodField()
    reviewed_by = serializers.IntegerField(source="reviewed_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Submission
        fields = (
            "id", "kind", "title", "description", "unit", "unit_code", "process", "process_code", "submitted_by",
            "submitted_by_username", "status", "outcome", "merged_into", "merged_into_code", "reviewed_by",
            "is_sample", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_process_code(self, submission: Submission) -> str | None:
        return submission.process.code if submission.process_id and submission.process else None

    def get_merged_into_code(self, submission: Submission) -> str | None:
        return submission.merged_into.code if submission.merged_into_id and submission.merged_into else None


class SubmissionCreateSerializer(serializers.Serializer[Any]):
    kind = submission_kind()
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=MAX_TEXT)
    unit = IdField(help_text="The unit concerned (any active unit).")
    process = IdField(required=False, allow_null=True, help_text="The process it is about, if known.")
    is_sample = serializers.BooleanField(required=False, default=False)
    reason = reason_field()

    def validate_unit(self, value: int) -> OrgUnit | None:
        return any_active_unit(value)

    def validate_process(self, value: int | None) -> Process | None:
        return visible_process(_user(self), value)


class SubmissionReviewSerializer(serializers.Serializer[Any]):
    status = NamedChoiceField(REVIEW_OUTCOMES, enum_name="ProcessSubmissionOutcomeEnum")
    outcome = serializers.CharField(max_length=MAX_TEXT, help_text="What became of it, for the submitter.")
    merged_into = IdField(required=False, allow_null=True, help_text="The process it merges into or duplicates.")
    create_process = serializers.BooleanField(
        required=False, default=False, help_text="Merge as a new process of the unit concerned."
    )
    version = version_field()
    reason = reason_field()

    def validate_merged_into(self, value: int | None) -> Process | None:
        return visible_process(_user(self), value)


class SubmissionListParams(serializers.Serializer[Any]):
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Your submissions; otherwise those waiting for your review."
    )
    status = serializers.ChoiceField(choices=Submission.Status.choices, required=False, default="", allow_blank=True)


# --- BPMN uploads ---------------------------------------------------------------------------------------------------


class UploadedFileSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")


class ReportFileSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    exporter = serializers.CharField(help_text="The modelling tool that wrote it, when it says.")
    encoding = serializers.CharField()
    processes = serializers.IntegerField()
    participants = serializers.IntegerField()
    black_box_pools = serializers.IntegerField()
    lanes = serializers.IntegerField()
    tasks = serializers.IntegerField()
    call_activities = serializers.IntegerField()
    message_flows = serializers.IntegerField()
    refused = serializers.CharField(help_text="Why the file is refused; empty when it is read.")


class ReportIssueSerializer(serializers.Serializer[Any]):
    severity = serializers.CharField()
    source = serializers.CharField(help_text="The file.")  # type: ignore[assignment]
    message = serializers.CharField()
    element_id = serializers.CharField(allow_null=True)
    line = serializers.IntegerField(allow_null=True)


class ReportCallSerializer(serializers.Serializer[Any]):
    source = serializers.CharField(help_text="The file.")  # type: ignore[assignment]
    process = serializers.CharField(help_text="The calling process's BPMN id.")
    call = serializers.CharField(help_text="The call activity's BPMN id.")
    name = serializers.CharField()
    called_element = serializers.CharField()
    status = serializers.CharField(help_text="resolved, ambiguous, dangling, missing or self.")
    targets = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()


class ReportRecordSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="process, part, role, it_system, record, external_party, participant…")
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    action = serializers.CharField(help_text="create, update or unchanged.")
    changes = serializers.ListField(child=serializers.CharField())


class BpmnReportSerializer(serializers.Serializer[Any]):
    ok = serializers.BooleanField(help_text="No file is refused.")
    files = ReportFileSerializer(many=True)
    counts = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="By kind of record: how many are created, updated and unchanged.",
    )
    issues = ReportIssueSerializer(many=True)
    calls = ReportCallSerializer(many=True)
    records = ReportRecordSerializer(many=True)


class BpmnUploadSerializer(RecordSerializer):
    owner_unit = serializers.IntegerField(source="owner_unit_id", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    files = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField(help_text="The preview, or what was applied.")
    status = upload_status(read_only=True)

    class Meta:
        model = BpmnUpload
        fields = (
            "id", "owner_unit", "owner_unit_code", "files", "report", "status", "applied_at",
            *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(UploadedFileSerializer(many=True))
    def get_files(self, upload: BpmnUpload) -> list[dict[str, Any]]:
        # Where the file is stored stays on the server.
        return [{"name": f.get("name"), "sha256": f.get("sha256"), "size": f.get("size")} for f in upload.files]

    @extend_schema_field(BpmnReportSerializer)
    def get_report(self, upload: BpmnUpload) -> dict[str, Any]:
        return dict(upload.report or {})


class BpmnUploadBriefSerializer(BpmnUploadSerializer):
    """An upload in a list: its files and what it counts, without the report's records and issues."""

    report = None  # type: ignore[assignment]
    counts = serializers.SerializerMethodField()
    refused = serializers.SerializerMethodField()

    class Meta(BpmnUploadSerializer.Meta):
        fields: tuple[str, ...] = (  # type: ignore[assignment]
            *(name for name in BpmnUploadSerializer.Meta.fields if name != "report"), "counts", "refused"
        )
        read_only_fields: tuple[str, ...] = fields  # type: ignore[assignment]

    @extend_schema_field(
        serializers.DictField(
            child=serializers.DictField(child=serializers.IntegerField()),
            help_text="By kind of record: how many are (or would be) created, updated and unchanged.",
        )
    )
    def get_counts(self, upload: BpmnUpload) -> dict[str, dict[str, int]]:
        counts = (upload.report or {}).get("counts", {})
        return counts if isinstance(counts, dict) else {}

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="Each refused file: why."))
    def get_refused(self, upload: BpmnUpload) -> list[str]:
        files = (upload.report or {}).get("files", [])
        return [f"{f.get('name')}: {f.get('refused')}" for f in files if isinstance(f, dict) and f.get("refused")]


class BpmnUploadListParams(serializers.Serializer[Any]):
    owner_unit = IdField(required=False, help_text="Only uploads into this unit.")
    status = upload_status(required=False, default="", allow_blank=True)


class BpmnUploadCreateSerializer(serializers.Serializer[Any]):
    """A multipart form: one or more ``files`` (or ``files[]``) and the unit that will own new processes."""

    files = serializers.ListField(
        # An empty file is read like any other, and refused in the report with its name.
        child=serializers.FileField(allow_empty_file=True),
        min_length=1,
        help_text="BPMN 2.0 files; calls between them are resolved.",
    )
    owner_unit = IdField(help_text="The unit that will own the new processes (you need the change right there).")
    reason = reason_field()

    def validate_owner_unit(self, value: int) -> OrgUnit | None:
        return visible_unit(_user(self), value)
