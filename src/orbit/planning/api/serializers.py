"""How activities, milestones, budgets, regional initiatives, progress updates and evidence look in the API.

Numbers are decimals written as strings; money has two decimal places (``"1250.00"``) and is never added
across currencies.  Translated fields are ``{language: text}`` objects, each with a ``*_display`` text in the
request's language.  Related records are named by id: ``nodes``, ``sdg_targets``, ``contributing_units``,
``initiatives`` and ``staff`` are lists of ids.

Write serializers only check the shape of the input and resolve references through the scoped selectors (a
record the caller cannot see reads as one that does not exist); the services decide who may do what and
enforce the planning rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from orbit.core.api.fields import IdField, TranslatedTextField, display_text, reason_field, version_field
from orbit.core.errors import NotFound
from orbit.core.fields import clean_translations
from orbit.core.i18n import CONTENT_LANGUAGES, current_language
from orbit.governance.workflow import ReviewStatus, available_transitions
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_restrict
from orbit.planning.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    BudgetLine,
    Evidence,
    ExchangeRate,
    FundingSource,
    ItuRegion,
    Milestone,
    ProgressUpdate,
    RegionalInitiative,
)
from orbit.planning.selectors import MoneyTotals, activity_get, initiative_get
from orbit.results.api.serializers import DecimalString, RecordSerializer, visible_node, visible_unit
from orbit.results.models import ActualValue, ResultNode
from orbit.results.selectors import actual_get

#: The most ids a list of related records may name in one write.
MAX_RELATED = 500


def _user(serializer: serializers.Serializer[Any]) -> Any:
    return serializer.context["request"].user


def _request(serializer: serializers.Serializer[Any]) -> Any:
    return serializer.context.get("request")


# --- choices as named schema components ---------------------------------------------------------------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose choice set is one named component of the schema (e.g. ``ActivityStatusEnum``).

    Several choice sets here share field names with other contexts (``status``, ``type``, ``kind``); naming
    each set keeps the generated schema free of enum-name collisions.
    """

    def __init__(self, choices: Any, *, enum_name: str, **kwargs: Any) -> None:
        self.enum_name = enum_name
        super().__init__(choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        field: NamedChoiceField = self.target
        values = [value for value in field.choices if value not in ("", None)]
        schema = {
            "type": "string",
            "enum": values,
            "description": "\n".join(f"* `{value}` - {field.choices[value]}" for value in values),
        }
        component = ResolvedComponent(  # type: ignore[no-untyped-call]
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name, schema=schema
        )
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref


def activity_status(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(ActivityStatus.choices, enum_name="ActivityStatusEnum", **kwargs)


def activity_type(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(ActivityType.choices, enum_name="ActivityTypeEnum", **kwargs)


def itu_region(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(ItuRegion.choices, enum_name="ItuRegionEnum", **kwargs)


def funding_source(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(FundingSource.choices, enum_name="FundingSourceEnum", **kwargs)


def review_status(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(ReviewStatus.choices, enum_name="ReviewStatusEnum", **kwargs)


def evidence_kind(**kwargs: Any) -> NamedChoiceField:
    return NamedChoiceField(Evidence.Kind.choices, enum_name="EvidenceKindEnum", **kwargs)


# --- references named in a body -------------------------------------------------------------------------------


def visible_activity(user: Any, pk: int | None) -> Activity | None:
    if pk is None:
        return None
    try:
        return activity_get(user, pk)
    except NotFound as exc:
        raise serializers.ValidationError("No such activity.") from exc


def visible_value(user: Any, pk: int | None) -> ActualValue | None:
    if pk is None:
        return None
    try:
        return actual_get(user, pk)
    except NotFound as exc:
        raise serializers.ValidationError("No such indicator value.") from exc


def visible_initiative(user: Any, pk: int) -> RegionalInitiative:
    try:
        return initiative_get(user, pk)
    except NotFound as exc:
        raise serializers.ValidationError(f"No such regional initiative: {pk}.") from exc


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def visible_nodes(user: Any, ids: list[int]) -> list[ResultNode]:
    nodes = []
    for pk in _unique(ids):
        try:
            node = visible_node(user, pk)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(f"No such result node: {pk}.") from exc
        assert node is not None
        nodes.append(node)
    return nodes


def active_units(ids: list[int]) -> list[OrgUnit]:
    """Contributing units may be any active unit: an activity names the other units that work on it, whose
    records the caller does not otherwise see (the web form offers the whole organisation chart too)."""
    wanted = _unique(ids)
    found = {unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise serializers.ValidationError(f"No such organisational unit: {', '.join(map(str, missing))}.")
    return [found[pk] for pk in wanted]


def visible_staff(user: Any, ids: list[int]) -> list[Any]:
    """Staff are the caller and active users holding a role on a unit the caller may read."""
    wanted = _unique(ids)
    if not wanted:
        return []
    readable_units = org_unit_restrict(user).values("pk")
    found = {
        person.pk: person
        for person in get_user_model()
        .objects.filter(pk__in=wanted, is_active=True)
        .filter(Q(pk=user.pk) | Q(memberships__unit__in=readable_units, memberships__archived_at__isnull=True))
        .distinct()
    }
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise serializers.ValidationError(f"No such user: {', '.join(map(str, missing))}.")
    return [found[pk] for pk in wanted]


def id_list(help_text: str, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=IdField(), max_length=MAX_RELATED, help_text=help_text, **kwargs)


# --- small shapes shared by several responses ------------------------------------------------------------------


class ActivityBriefSerializer(serializers.ModelSerializer[Activity]):
    title = TranslatedTextField()
    title_display = serializers.SerializerMethodField()
    type = activity_type(read_only=True)
    status = activity_status(read_only=True)
    responsible_unit = serializers.IntegerField(source="responsible_unit_id", read_only=True)
    responsible_unit_code = serializers.CharField(source="responsible_unit.code", read_only=True)

    class Meta:
        model = Activity
        fields = (
            "id", "code", "title", "title_display", "type", "status", "responsible_unit", "responsible_unit_code",
            "planned_start", "planned_end", "version",
        )  # fmt: skip
        read_only_fields = fields

    def get_title_display(self, activity: Activity) -> str:
        return display_text(activity.title)


class NodeBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    framework = serializers.IntegerField(source="framework_id")
    framework_code = serializers.CharField(source="framework.code")
    code = serializers.CharField()
    title_display = serializers.SerializerMethodField()

    def get_title_display(self, node: ResultNode) -> str:
        return display_text(node.title)


# --- activities -----------------------------------------------------------------------------------------------


class ActivitySerializer(RecordSerializer):
    title = TranslatedTextField()
    title_display = serializers.SerializerMethodField(help_text="The title in the request's language.")
    description = TranslatedTextField(text_required=False)
    description_display = serializers.SerializerMethodField()
    type = activity_type(read_only=True)
    status = activity_status(read_only=True)
    responsible_unit = serializers.IntegerField(source="responsible_unit_id", read_only=True)
    responsible_unit_code = serializers.CharField(source="responsible_unit.code", read_only=True)
    contributing_units: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    nodes: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="Result nodes it serves.")
    sdg_targets: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    initiatives: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    staff: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    countries = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="ISO 3166-1 codes.")
    regions = serializers.ListField(child=itu_region(), read_only=True)
    partners = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Activity
        fields = (
            "id", "code", "title", "title_display", "description", "description_display", "type",
            "responsible_unit", "responsible_unit_code", "contributing_units", "nodes", "sdg_targets", "initiatives",
            "staff", "countries", "regions", "partners", "planned_start", "planned_end", "actual_start", "actual_end",
            "status", "status_reason", "is_sample", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_title_display(self, activity: Activity) -> str:
        return display_text(activity.title)

    def get_description_display(self, activity: Activity) -> str:
        return display_text(activity.description)


class ActivityWriteSerializer(serializers.Serializer[Any]):
    """Create (POST), replace (PUT) or change (PATCH) an activity; PATCH may send any subset."""

    code = serializers.CharField(
        max_length=32, required=False, help_text="Given on creation when left out: <unit>-<year>-<number>."
    )
    title = TranslatedTextField(max_length=500)
    description = TranslatedTextField(text_required=False, required=False)
    type = activity_type(required=False)
    responsible_unit = IdField(help_text="The responsible unit's id.")
    contributing_units = id_list("Ids of the units that contribute (any active unit).", required=False)
    nodes = id_list("Ids of the result nodes (outputs, outcomes) it serves.", required=False)
    sdg_targets = id_list("Ids of SDG target nodes.", required=False)
    initiatives = id_list("Ids of regional initiatives.", required=False)
    staff = id_list("Ids of users working on it.", required=False)
    countries = serializers.ListField(
        child=serializers.CharField(max_length=8), max_length=300, required=False, help_text="ISO 3166-1 codes."
    )
    regions = serializers.ListField(child=itu_region(), max_length=10, required=False)
    partners = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=MAX_RELATED, required=False, help_text="Names."
    )
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    actual_start = serializers.DateField(required=False, allow_null=True)
    actual_end = serializers.DateField(required=False, allow_null=True)
    status = activity_status(required=False)
    status_reason = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    is_sample = serializers.BooleanField(required=False)
    version = version_field()
    reason = reason_field()

    def validate_responsible_unit(self, value: int) -> OrgUnit | None:
        return visible_unit(_user(self), value)

    def validate_contributing_units(self, value: list[int]) -> list[OrgUnit]:
        return active_units(value)

    def validate_nodes(self, value: list[int]) -> list[ResultNode]:
        return visible_nodes(_user(self), value)

    def validate_sdg_targets(self, value: list[int]) -> list[ResultNode]:
        return visible_nodes(_user(self), value)

    def validate_initiatives(self, value: list[int]) -> list[RegionalInitiative]:
        return [visible_initiative(_user(self), pk) for pk in _unique(value)]

    def validate_staff(self, value: list[int]) -> list[Any]:
        return visible_staff(_user(self), value)


class ActivityListParams(serializers.Serializer[Any]):
    """The filters of the plan (:class:`orbit.planning.selectors.PlanFilters`)."""

    unit = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=32, help_text="A unit code: it and the units under it."
    )
    region = serializers.ChoiceField(choices=ItuRegion.choices, required=False, default="", allow_blank=True)
    initiative = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=32, help_text="A regional initiative's code."
    )
    status = serializers.ChoiceField(choices=ActivityStatus.choices, required=False, default="", allow_blank=True)
    year = serializers.IntegerField(
        required=False, min_value=1900, max_value=2200, help_text="Activities planned to run during this year."
    )
    sdg = IdField(required=False, help_text="An SDG target node (or an SDG goal node: any of its targets).")
    node = IdField(required=False, help_text="A result node: activities serving it or a node under it.")
    framework = IdField(required=False, help_text="A results framework: activities serving any of its nodes.")
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=200, help_text="Code or title in any language."
    )
    include_archived = serializers.BooleanField(required=False, default=False)


# --- milestones -----------------------------------------------------------------------------------------------


class MilestoneSerializer(RecordSerializer):
    activity = serializers.IntegerField(source="activity_id", read_only=True)
    title = TranslatedTextField()
    title_display = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ("id", "activity", "title", "title_display", "due_date", "done_date", *RecordSerializer.RECORD_FIELDS)
        read_only_fields = fields

    def get_title_display(self, milestone: Milestone) -> str:
        return display_text(milestone.title)


class MilestoneWriteSerializer(serializers.Serializer[Any]):
    title = TranslatedTextField(max_length=300)
    due_date = serializers.DateField()
    done_date = serializers.DateField(required=False, allow_null=True)
    version = version_field()
    reason = reason_field()


class MilestoneCreateSerializer(MilestoneWriteSerializer):
    activity = IdField()

    def validate_activity(self, value: int) -> Activity | None:
        return visible_activity(_user(self), value)


class ActivityChildListParams(serializers.Serializer[Any]):
    activity = IdField(required=False, help_text="Only those of this activity.")
    include_archived = serializers.BooleanField(required=False, default=False)


# --- budget ---------------------------------------------------------------------------------------------------


def money(**kwargs: Any) -> serializers.DecimalField:
    kwargs.setdefault("max_digits", 16)
    kwargs.setdefault("decimal_places", 2)
    return serializers.DecimalField(coerce_to_string=True, **kwargs)


class BudgetLineSerializer(RecordSerializer):
    activity = serializers.IntegerField(source="activity_id", read_only=True)
    source = funding_source(read_only=True)  # type: ignore[assignment]
    planned = money(read_only=True)
    committed = money(read_only=True)
    spent = money(read_only=True)

    class Meta:
        model = BudgetLine
        fields = (
            "id", "activity", "source", "year", "currency", "planned", "committed", "spent", "note", "is_sample",
            *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields


class BudgetLineWriteSerializer(serializers.Serializer[Any]):
    source = funding_source()  # type: ignore[assignment]
    year = serializers.IntegerField(min_value=1900, max_value=2200)
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217 code; CHF when left out.")
    planned = money(required=False, min_value=0)
    committed = money(required=False, min_value=0)
    spent = money(required=False, min_value=0)
    note = serializers.CharField(max_length=300, allow_blank=True, required=False)
    is_sample = serializers.BooleanField(required=False)
    version = version_field()
    reason = reason_field()


class BudgetLineCreateSerializer(BudgetLineWriteSerializer):
    activity = IdField()

    def validate_activity(self, value: int) -> Activity | None:
        return visible_activity(_user(self), value)


class AmountsSerializer(serializers.Serializer[Any]):
    planned = money(max_digits=20)
    committed = money(max_digits=20)
    spent = money(max_digits=20)


class CurrencyTotalSerializer(AmountsSerializer):
    currency = serializers.CharField()


class RateUsedSerializer(serializers.Serializer[Any]):
    currency = serializers.CharField()
    rate = DecimalString(max_digits=20, decimal_places=8, help_text="One unit of the currency in the base currency.")
    valid_from = serializers.DateField()


class BudgetTotalsSerializer(serializers.Serializer[Any]):
    base = serializers.CharField(help_text="The currency totals are converted into.")
    by_currency = CurrencyTotalSerializer(many=True, help_text="Sums per currency, never mixed.")
    converted = AmountsSerializer(
        allow_null=True, help_text="All lines in the base currency; null while a currency has no rate."
    )
    rates = RateUsedSerializer(many=True, help_text="The dated rates the conversion used.")
    missing_rates = serializers.ListField(child=serializers.CharField(), help_text="Currencies without a rate.")


def totals_data(totals: MoneyTotals) -> dict[str, Any]:
    """A :class:`MoneyTotals` in the shape of :class:`BudgetTotalsSerializer`."""
    return {
        "base": totals.base,
        "by_currency": [{"currency": code, **sums} for code, sums in sorted(totals.by_currency.items())],
        "converted": totals.converted,
        "rates": [
            {"currency": code, "rate": rate.rate, "valid_from": rate.valid_from}
            for code, rate in sorted(totals.rates.items())
            if code in totals.by_currency
        ],
        "missing_rates": totals.missing_rates,
    }


class ActivityBudgetSerializer(serializers.Serializer[Any]):
    activity = serializers.IntegerField()
    lines = BudgetLineSerializer(many=True)
    totals = BudgetTotalsSerializer()


class ExchangeRateSerializer(RecordSerializer):
    rate = DecimalString(max_digits=20, decimal_places=8, read_only=True)

    class Meta:
        model = ExchangeRate
        fields = ("id", "currency", "base", "rate", "valid_from", "source", "is_sample",
                  *RecordSerializer.RECORD_FIELDS)  # fmt: skip
        read_only_fields = fields


class ExchangeRateCreateSerializer(serializers.Serializer[Any]):
    currency = serializers.CharField(max_length=3, help_text="ISO 4217 code of the converted currency.")
    base = serializers.CharField(max_length=3, required=False, help_text="ISO 4217 code; CHF when left out.")
    rate = DecimalString(max_digits=20, decimal_places=8, help_text="One unit of `currency` in `base`.")
    valid_from = serializers.DateField()
    source = serializers.CharField(max_length=300, allow_blank=True, required=False)  # type: ignore[assignment]
    is_sample = serializers.BooleanField(required=False)
    reason = reason_field()


class ExchangeRateListParams(serializers.Serializer[Any]):
    currency = serializers.CharField(required=False, max_length=3)
    base = serializers.CharField(required=False, max_length=3)


# --- regional initiatives -------------------------------------------------------------------------------------


class InitiativeSerializer(RecordSerializer):
    region = itu_region(read_only=True)
    title = TranslatedTextField()
    title_display = serializers.SerializerMethodField()
    objective = TranslatedTextField(text_required=False)
    objective_display = serializers.SerializerMethodField()
    lead_unit = serializers.IntegerField(source="lead_unit_id", read_only=True)
    lead_unit_code = serializers.CharField(source="lead_unit.code", read_only=True)
    node = serializers.IntegerField(source="node_id", read_only=True, allow_null=True)
    outputs: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    activity_count = serializers.SerializerMethodField(help_text="Activities you may read that serve it.")

    class Meta:
        model = RegionalInitiative
        fields: tuple[str, ...] = (
            "id", "code", "region", "title", "title_display", "objective", "objective_display", "lead_unit",
            "lead_unit_code", "node", "outputs", "activity_count", "status_note", "source", "is_sample",
            *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = fields

    def get_title_display(self, initiative: RegionalInitiative) -> str:
        return display_text(initiative.title)

    def get_objective_display(self, initiative: RegionalInitiative) -> str:
        return display_text(initiative.objective)

    def get_activity_count(self, initiative: RegionalInitiative) -> int | None:
        return getattr(initiative, "activity_count", None)


class OutputChainSerializer(serializers.Serializer[Any]):
    output = NodeBriefSerializer()
    ancestors = NodeBriefSerializer(many=True, help_text="The output's path up its framework, top first.")
    contributes_to = NodeBriefSerializer(many=True, help_text="Nodes of other frameworks it contributes to.")


class InitiativeDetailSerializer(InitiativeSerializer):
    """An initiative with ``selectors.initiative_detail`` (given as ``detail`` in the context)."""

    activities = serializers.SerializerMethodField(help_text="Its activities you may read, across units.")
    chains = serializers.SerializerMethodField(help_text="Each output with its place in its framework.")

    class Meta(InitiativeSerializer.Meta):
        fields = (*InitiativeSerializer.Meta.fields, "activities", "chains")
        read_only_fields = fields

    def get_activity_count(self, initiative: RegionalInitiative) -> int | None:
        return len(self.context["detail"]["activities"])

    @extend_schema_field(ActivityBriefSerializer(many=True))
    def get_activities(self, initiative: RegionalInitiative) -> Any:
        return ActivityBriefSerializer(self.context["detail"]["activities"], many=True, context=self.context).data

    @extend_schema_field(OutputChainSerializer(many=True))
    def get_chains(self, initiative: RegionalInitiative) -> Any:
        return OutputChainSerializer(self.context["detail"]["chains"], many=True, context=self.context).data


class InitiativeWriteSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=32)
    region = itu_region()
    title = TranslatedTextField(max_length=500)
    objective = TranslatedTextField(text_required=False, required=False)
    lead_unit = IdField(help_text="The leading regional office's id.")
    node = IdField(required=False, allow_null=True, help_text="Its entry in the reference framework, if any.")
    outputs = id_list("Ids of the result nodes it contributes to.", required=False)
    status_note = serializers.CharField(max_length=200, allow_blank=True, required=False)
    source = serializers.CharField(allow_blank=True, required=False, max_length=5000)  # type: ignore[assignment]
    is_sample = serializers.BooleanField(required=False)
    version = version_field()
    reason = reason_field()

    def validate_lead_unit(self, value: int) -> OrgUnit | None:
        return visible_unit(_user(self), value)

    def validate_node(self, value: int | None) -> ResultNode | None:
        return visible_node(_user(self), value)

    def validate_outputs(self, value: list[int]) -> list[ResultNode]:
        return visible_nodes(_user(self), value)


# --- evidence -------------------------------------------------------------------------------------------------


class EvidenceSerializer(RecordSerializer):
    update = serializers.IntegerField(source="update_id", read_only=True)  # type: ignore[assignment]
    kind = evidence_kind(read_only=True)
    caption = TranslatedTextField(text_required=False)
    caption_display = serializers.SerializerMethodField()
    publishable = serializers.BooleanField(
        read_only=True, help_text="Nobody identifiable is shown, or their consent to publish is on file."
    )
    file_url = serializers.SerializerMethodField(help_text="Download the file (read access to the update).")
    thumbnail_url = serializers.SerializerMethodField(help_text="A small preview image; null when there is none.")

    class Meta:
        model = Evidence
        fields = (
            "id", "update", "kind", "original_name", "content_type", "size", "sha256", "width", "height", "caption",
            "caption_display", "credit", "taken_on", "location", "identifiable_people", "consent", "publishable",
            "gps_kept", "file_url", "thumbnail_url", "is_sample", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_caption_display(self, evidence: Evidence) -> str:
        return display_text(evidence.caption)

    def get_file_url(self, evidence: Evidence) -> str:
        return reverse("planning-evidence-file", args=[evidence.pk], request=_request(self))

    def get_thumbnail_url(self, evidence: Evidence) -> str | None:
        if not evidence.thumbnail:
            return None
        return reverse("planning-evidence-thumbnail", args=[evidence.pk], request=_request(self))


@extend_schema_field(
    {
        "type": "string",
        "description": "The caption: plain text (kept in the request's language) or a JSON object of text by "
        "language code, e.g. {\"en\": \"...\", \"fr\": \"...\"}.",
    }
)
class CaptionField(serializers.Field):  # type: ignore[type-arg]
    """A caption sent in a form: plain text in the request's language, or a JSON object of translations."""

    def to_internal_value(self, data: Any) -> dict[str, str]:
        value: Any = data
        if isinstance(data, str) and data.strip().startswith("{"):
            try:
                value = json.loads(data)
            except ValueError as exc:
                raise serializers.ValidationError("The caption is neither text nor a JSON object.") from exc
        elif isinstance(data, str):
            value = {current_language(): data}
        try:
            return clean_translations(value, required=False, max_length=500)
        except Exception as exc:  # Django's ValidationError: reported on this field
            raise serializers.ValidationError(list(getattr(exc, "messages", [str(exc)]))) from exc

    def to_representation(self, value: Any) -> dict[str, str]:
        values = dict(value or {})
        return {code: values[code] for code in CONTENT_LANGUAGES if values.get(code)}


class EvidenceUploadSerializer(serializers.Serializer[Any]):
    """One file and what a report needs to show it (a multipart form)."""

    file = serializers.FileField(
        help_text="A photo, video or document; its type is read from its content, not its name."
    )
    caption = CaptionField(required=False)
    credit = serializers.CharField(max_length=200, allow_blank=True, required=False)
    taken_on = serializers.DateField(required=False, allow_null=True)
    location = serializers.CharField(max_length=200, allow_blank=True, required=False)
    identifiable_people = serializers.BooleanField(required=False, default=False)
    consent = serializers.BooleanField(
        required=False, default=False, help_text="The consent to publish of the people shown is on file."
    )
    keep_gps = serializers.BooleanField(
        required=False, default=False, help_text="Keep GPS position data in a photo (removed by default)."
    )
    is_sample = serializers.BooleanField(required=False)
    reason = reason_field()


class EvidenceWriteSerializer(serializers.Serializer[Any]):
    caption = TranslatedTextField(text_required=False, max_length=500, required=False)
    credit = serializers.CharField(max_length=200, allow_blank=True, required=False)
    taken_on = serializers.DateField(required=False, allow_null=True)
    location = serializers.CharField(max_length=200, allow_blank=True, required=False)
    identifiable_people = serializers.BooleanField(required=False)
    consent = serializers.BooleanField(required=False)
    is_sample = serializers.BooleanField(required=False)
    version = version_field()
    reason = reason_field()


# --- progress updates -----------------------------------------------------------------------------------------


class ProgressUpdateSerializer(RecordSerializer):
    activity = serializers.IntegerField(source="activity_id", read_only=True, allow_null=True)
    activity_code = serializers.SerializerMethodField()
    actual_value = serializers.IntegerField(source="actual_value_id", read_only=True, allow_null=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_username = serializers.CharField(source="author.username", read_only=True)
    narrative = TranslatedTextField()
    narrative_display = serializers.SerializerMethodField()
    new_status = activity_status(read_only=True, allow_blank=True, help_text="Applied to the activity on approval.")
    latitude = DecimalString(max_digits=9, decimal_places=6, allow_null=True, read_only=True)
    longitude = DecimalString(max_digits=9, decimal_places=6, allow_null=True, read_only=True)
    status = review_status(read_only=True)
    reviewed_by = serializers.IntegerField(source="reviewed_by_id", read_only=True, allow_null=True)
    transitions = serializers.SerializerMethodField(
        help_text="Review actions the status allows (submit, return, approve, reopen); rights are checked apart."
    )
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = (
            "id", "activity", "activity_code", "actual_value", "unit", "unit_code", "author", "author_username",
            "date", "narrative", "narrative_display", "new_status", "status_reason", "location", "latitude",
            "longitude", "status", "review_note", "submitted_at", "reviewed_at", "reviewed_by", "transitions",
            "evidence", "is_sample", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_activity_code(self, update: ProgressUpdate) -> str | None:
        return update.activity.code if update.activity_id and update.activity is not None else None

    def get_narrative_display(self, update: ProgressUpdate) -> str:
        return display_text(update.narrative)

    def get_transitions(self, update: ProgressUpdate) -> list[str]:
        return available_transitions(update.status)


class UpdateWriteSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    narrative = TranslatedTextField()
    new_status = activity_status(required=False, allow_blank=True, help_text="Blank: the status does not change.")
    status_reason = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    location = serializers.CharField(max_length=200, allow_blank=True, required=False)
    latitude = DecimalString(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = DecimalString(max_digits=9, decimal_places=6, required=False, allow_null=True)
    is_sample = serializers.BooleanField(required=False)
    version = version_field()
    reason = reason_field()


class UpdateCreateSerializer(UpdateWriteSerializer):
    activity = IdField(required=False, allow_null=True, help_text="The activity; or give `actual_value`.")
    actual_value = IdField(required=False, allow_null=True, help_text="The indicator value; or give `activity`.")

    def validate_activity(self, value: int | None) -> Activity | None:
        return visible_activity(_user(self), value)

    def validate_actual_value(self, value: int | None) -> ActualValue | None:
        return visible_value(_user(self), value)


class UpdateListParams(serializers.Serializer[Any]):
    activity = IdField(required=False)
    value = IdField(required=False, help_text="Updates behind this indicator value.")
    status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False)
    mine = serializers.BooleanField(required=False, default=False, help_text="Only updates you wrote.")
    include_archived = serializers.BooleanField(required=False, default=False)


# --- review queue and my work ---------------------------------------------------------------------------------


class UpdateBriefSerializer(serializers.ModelSerializer[ProgressUpdate]):
    activity = serializers.IntegerField(source="activity_id", read_only=True, allow_null=True)
    actual_value = serializers.IntegerField(source="actual_value_id", read_only=True, allow_null=True)
    subject_label = serializers.CharField(read_only=True, help_text="The activity's code, or the value's id.")
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True)
    narrative_display = serializers.SerializerMethodField()
    status = review_status(read_only=True)

    class Meta:
        model = ProgressUpdate
        fields: tuple[str, ...] = (
            "id", "activity", "actual_value", "subject_label", "unit", "unit_code", "author", "date",
            "narrative_display", "status", "review_note", "submitted_at", "version",
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = fields

    def get_narrative_display(self, update: ProgressUpdate) -> str:
        return display_text(update.narrative)


class ReviewUpdateSerializer(UpdateBriefSerializer):
    author_username = serializers.CharField(source="author.username", read_only=True)

    class Meta(UpdateBriefSerializer.Meta):
        fields = (*UpdateBriefSerializer.Meta.fields, "author_username")
        read_only_fields = fields


class ValueBriefSerializer(serializers.ModelSerializer[ActualValue]):
    indicator = serializers.IntegerField(source="indicator_id", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    period_label = serializers.CharField(read_only=True)
    value = DecimalString(allow_null=True, read_only=True)
    status = serializers.ChoiceField(choices=ActualValue.Status.choices, read_only=True)

    class Meta:
        model = ActualValue
        fields = (
            "id", "indicator", "indicator_code", "unit", "unit_code", "period_start", "period_end", "period_label",
            "category", "value", "score", "status", "version",
        )  # fmt: skip
        read_only_fields = fields


class ReviewQueueSerializer(serializers.Serializer[Any]):
    updates = ReviewUpdateSerializer(many=True, help_text="Submitted updates you may review, oldest first.")
    values = ValueBriefSerializer(many=True, help_text="Submitted indicator values you may review.")


class MyWorkSerializer(serializers.Serializer[Any]):
    activities = ActivityBriefSerializer(many=True, help_text="Open activities you work on or wrote updates for.")
    due = ActivityBriefSerializer(many=True, help_text="Ongoing or delayed activities without an update in 90 days.")
    drafts = UpdateBriefSerializer(many=True, help_text="Your draft and returned updates.")
    submitted = UpdateBriefSerializer(many=True, help_text="Your updates waiting for review.")
    review_updates = ReviewUpdateSerializer(many=True, help_text="Updates waiting for your review.")
    review_values = ValueBriefSerializer(many=True, help_text="Values waiting for your review.")
