"""How frameworks, nodes, indicators, targets, values, links and dimensions look in the API.

Numbers are decimals written as strings (``"12.5"``), never floats; dates are ISO 8601.  Translated
fields are ``{language: text}`` objects, each with a ``*_display`` text in the request's language.

Write serializers only check the shape of the input and resolve references through the scoped
selectors (an object the caller cannot see reads as one that does not exist); the services decide
who may do what and enforce the results rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orbit.core.api.fields import IdField, TranslatedTextField, display_text
from orbit.core.errors import NotFound
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_get
from orbit.results.models import (
    ActualValue,
    Dimension,
    Framework,
    Indicator,
    NodeLink,
    PeriodLock,
    ResultNode,
    Target,
)
from orbit.results.models.frameworks import MAX_TIERS
from orbit.results.models.periods import PeriodType
from orbit.results.selectors import framework_get, indicator_get, node_get

REASON_MAX = 2000


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as plain text without exponent or trailing zeros: ``Decimal("12.500000")`` → ``"12.5"``."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class DecimalString(serializers.DecimalField):
    """A decimal read and written as a string; input may also be a JSON number, never free text."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]
        if value is None:
            return None
        return decimal_text(value if isinstance(value, Decimal) else Decimal(str(value)))


def _reason(**kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("default", "")
    return serializers.CharField(
        allow_blank=True, max_length=REASON_MAX, help_text="Why; kept in the audit log.", **kwargs
    )


def _version() -> IdField:
    return IdField(
        required=False,
        write_only=True,
        max_value=2**31 - 1,
        help_text='The version you edited, when no "If-Match" header is sent.',
    )


def _user(serializer: serializers.Serializer[Any]) -> Any:
    return serializer.context["request"].user


def visible_unit(user: Any, pk: int | None) -> OrgUnit | None:
    if pk is None:
        return None
    try:
        return org_unit_get(user, pk)
    except NotFound as exc:
        raise serializers.ValidationError("No such organisational unit.") from exc


def visible_framework(user: Any, pk: int) -> Framework:
    try:
        return framework_get(user, pk)
    except NotFound as exc:
        raise serializers.ValidationError("No such results framework.") from exc


def visible_node(user: Any, pk: int | None) -> ResultNode | None:
    if pk is None:
        return None
    try:
        return node_get(user, pk)
    except NotFound as exc:
        raise serializers.ValidationError("No such result node.") from exc


def visible_indicator(user: Any, pk: int) -> Indicator:
    try:
        return indicator_get(user, pk)
    except NotFound as exc:
        raise serializers.ValidationError("No such indicator.") from exc


def known_dimension(pk: int | None) -> Dimension | None:
    """Dimensions are shared reference data, readable by every signed-in user."""
    if pk is None:
        return None
    dimension: Dimension | None = Dimension.objects.filter(pk=pk).first()
    if dimension is None:
        raise serializers.ValidationError("No such dimension.")
    return dimension


class RecordSerializer(serializers.ModelSerializer[Any]):
    """The bookkeeping every business record carries."""

    archived_by = serializers.IntegerField(source="archived_by_id", read_only=True, allow_null=True)
    is_archived = serializers.BooleanField(read_only=True)

    RECORD_FIELDS = (
        "version", "created_at", "updated_at", "is_archived", "archived_at", "archived_by", "archive_reason",
    )  # fmt: skip


# --- frameworks -------------------------------------------------------------------------------------------------


class FrameworkSerializer(RecordSerializer):
    name = TranslatedTextField()
    name_display = serializers.SerializerMethodField(help_text="The name in the request's language.")
    description = TranslatedTextField(text_required=False)
    description_display = serializers.SerializerMethodField()
    owner_unit = serializers.IntegerField(source="owner_unit_id", read_only=True)
    owner_unit_code = serializers.CharField(source="owner_unit.code", read_only=True)
    tiers = serializers.ListField(child=TranslatedTextField(), help_text="Tier names, top tier first.")
    tiers_display = serializers.SerializerMethodField()
    on_track_threshold = DecimalString(max_digits=5, decimal_places=4)
    at_risk_threshold = DecimalString(max_digits=5, decimal_places=4)

    class Meta:
        model = Framework
        fields = (
            "id", "code", "name", "name_display", "description", "description_display", "kind",
            "cycle_start", "cycle_end", "owner_unit", "owner_unit_code", "status", "tiers", "tiers_display",
            "is_public", "on_track_threshold", "at_risk_threshold", "source", "is_sample",
            *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_name_display(self, framework: Framework) -> str:
        return display_text(framework.name)

    def get_description_display(self, framework: Framework) -> str:
        return display_text(framework.description)

    def get_tiers_display(self, framework: Framework) -> list[str]:
        return [display_text(tier) for tier in framework.tiers or []]


class FrameworkWriteSerializer(serializers.Serializer[Any]):
    """Create (POST), replace (PUT) or change (PATCH) a framework; PATCH may send any subset."""

    code = serializers.CharField(max_length=32)
    name = TranslatedTextField(max_length=300)
    description = TranslatedTextField(text_required=False, required=False)
    kind = serializers.ChoiceField(choices=Framework.Kind.choices, required=False)
    cycle_start = serializers.DateField()
    cycle_end = serializers.DateField()
    owner_unit = IdField(help_text="The owning unit's id.")
    status = serializers.ChoiceField(choices=Framework.Status.choices, required=False)
    tiers = serializers.ListField(
        child=TranslatedTextField(max_length=100),
        min_length=1,
        max_length=MAX_TIERS,
        help_text='Tier names, top tier first (1 to 6), e.g. [{"en": "Goal"}, {"en": "Target"}].',
    )
    is_public = serializers.BooleanField(required=False)
    on_track_threshold = DecimalString(max_digits=5, decimal_places=4, required=False)
    at_risk_threshold = DecimalString(max_digits=5, decimal_places=4, required=False)
    source = serializers.CharField(allow_blank=True, required=False, max_length=5000)  # type: ignore[assignment]
    is_sample = serializers.BooleanField(required=False)
    version = _version()
    reason = _reason()

    def validate_owner_unit(self, value: int) -> OrgUnit | None:
        return visible_unit(_user(self), value)


class FrameworkListParams(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=200, help_text="Code or name in any language."
    )
    status = serializers.ChoiceField(choices=Framework.Status.choices, required=False, default="", allow_blank=True)
    kind = serializers.ChoiceField(choices=Framework.Kind.choices, required=False, default="", allow_blank=True)
    unit = IdField(required=False, help_text="Only frameworks owned by this unit.")
    include_archived = serializers.BooleanField(required=False, default=False)


class TreeParams(serializers.Serializer[Any]):
    as_of = serializers.DateField(
        required=False, help_text="The date whose current targets count (YYYY-MM-DD); today by default."
    )
    results = serializers.ChoiceField(
        choices=["current", "all"],
        required=False,
        default="current",
        help_text="Which targets carry their result: each indicator's current target (the default), or all.",
    )
    values = serializers.ChoiceField(
        choices=["approved", "submitted", "all"],
        required=False,
        default="approved",
        help_text="Which values count: approved ones (the default), approved and submitted, or all "
        "(drafts and returned values too).",
    )


# --- nodes ------------------------------------------------------------------------------------------------------


class NodeSerializer(RecordSerializer):
    framework = serializers.IntegerField(source="framework_id", read_only=True)
    framework_code = serializers.CharField(source="framework.code", read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    code = serializers.CharField(read_only=True, help_text="The official code where there is one, else the number.")
    title = TranslatedTextField()
    title_display = serializers.SerializerMethodField()
    description = TranslatedTextField(text_required=False)
    description_display = serializers.SerializerMethodField()

    class Meta:
        model = ResultNode
        fields = (
            "id", "framework", "framework_code", "parent", "tier", "position", "number", "ref_code", "code",
            "path", "title", "title_display", "description", "description_display", "status_note", "source",
            "is_sample", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_title_display(self, node: ResultNode) -> str:
        return display_text(node.title)

    def get_description_display(self, node: ResultNode) -> str:
        return display_text(node.description)


class NodeFieldsSerializer(serializers.Serializer[Any]):
    """A node's own fields (its place in the tree changes through ``move``)."""

    title = TranslatedTextField(max_length=2000)
    description = TranslatedTextField(text_required=False, required=False)
    ref_code = serializers.CharField(max_length=40, allow_blank=True, required=False)
    status_note = serializers.CharField(max_length=200, allow_blank=True, required=False)
    source = serializers.CharField(allow_blank=True, required=False, max_length=5000)  # type: ignore[assignment]
    is_sample = serializers.BooleanField(required=False)
    reason = _reason()


class NodeUpdateSerializer(NodeFieldsSerializer):
    version = _version()


class NodeCreateSerializer(NodeFieldsSerializer):
    framework = IdField(help_text="The framework the node belongs to.")
    parent = IdField(  # type: ignore[assignment]
        required=False, allow_null=True, default=None, help_text="The parent node; null for a top-tier node."
    )
    position = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=99999,
        help_text="Place among its siblings (1 = first); at the end when left out.",
    )

    def validate_framework(self, value: int) -> Framework:
        return visible_framework(_user(self), value)

    def validate_parent(self, value: int | None) -> ResultNode | None:
        return visible_node(_user(self), value)


class NodeMoveSerializer(serializers.Serializer[Any]):
    parent = IdField(allow_null=True, help_text="The new parent (a node of the tier above); null for the top.")  # type: ignore[assignment]
    position = serializers.IntegerField(min_value=1, max_value=99999, help_text="Place among the new siblings.")
    version = _version()
    reason = _reason()

    def validate_parent(self, value: int | None) -> ResultNode | None:
        return visible_node(_user(self), value)


class NodeListParams(serializers.Serializer[Any]):
    framework = IdField(required=False)
    parent = IdField(required=False, help_text="Only the direct children of this node.")  # type: ignore[assignment]
    tier = serializers.IntegerField(required=False, min_value=0, max_value=MAX_TIERS - 1)
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    include_archived = serializers.BooleanField(required=False, default=False)


# --- indicators -------------------------------------------------------------------------------------------------


class ScoreLevelSerializer(serializers.Serializer[Any]):
    score = serializers.IntegerField()
    label = TranslatedTextField()  # type: ignore[assignment]


class IndicatorSerializer(RecordSerializer):
    node = serializers.IntegerField(source="node_id", read_only=True, allow_null=True)
    framework = serializers.SerializerMethodField()
    title = TranslatedTextField()
    title_display = serializers.SerializerMethodField()
    definition = TranslatedTextField(text_required=False)
    definition_display = serializers.SerializerMethodField()
    score_scale = ScoreLevelSerializer(many=True)
    baseline_value = DecimalString(allow_null=True)
    responsible_unit = serializers.IntegerField(source="responsible_unit_id", read_only=True, allow_null=True)
    dimension_codes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Indicator
        fields = (
            "id", "node", "framework", "code", "title", "title_display", "definition", "definition_display",
            "unit_label", "measure", "currency", "score_scale", "numerator_le_denominator", "direction",
            "time_aggregation", "unit_aggregation", "baseline_value", "baseline_date", "baseline_note",
            "means_of_verification", "data_source", "collection_frequency", "responsible_unit", "dimension_codes",
            "position", "is_sample", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_framework(self, indicator: Indicator) -> int | None:
        return indicator.node.framework_id if indicator.node is not None else None

    def get_title_display(self, indicator: Indicator) -> str:
        return display_text(indicator.title)

    def get_definition_display(self, indicator: Indicator) -> str:
        return display_text(indicator.definition)


class IndicatorWriteSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=40)
    title = TranslatedTextField(max_length=500)
    definition = TranslatedTextField(text_required=False, required=False)
    unit_label = serializers.CharField(max_length=60, allow_blank=True, required=False)
    measure = serializers.ChoiceField(choices=Indicator.Measure.choices, required=False)
    currency = serializers.CharField(max_length=3, allow_blank=True, required=False)
    score_scale = ScoreLevelSerializer(many=True, required=False)
    numerator_le_denominator = serializers.BooleanField(required=False)
    direction = serializers.ChoiceField(choices=Indicator.Direction.choices, required=False)
    time_aggregation = serializers.ChoiceField(choices=Indicator.TimeAggregation.choices, required=False)
    unit_aggregation = serializers.ChoiceField(choices=Indicator.UnitAggregation.choices, required=False)
    baseline_value = DecimalString(required=False, allow_null=True)
    baseline_date = serializers.DateField(required=False, allow_null=True)
    baseline_note = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    means_of_verification = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    data_source = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    collection_frequency = serializers.ChoiceField(choices=Indicator.Frequency.choices, required=False)
    responsible_unit = IdField(required=False, allow_null=True)
    dimension_codes = serializers.ListField(child=serializers.CharField(max_length=32), required=False)
    position = serializers.IntegerField(required=False, min_value=1, max_value=99999)
    is_sample = serializers.BooleanField(required=False)
    version = _version()
    reason = _reason()

    def validate_responsible_unit(self, value: int | None) -> OrgUnit | None:
        return visible_unit(_user(self), value)


class IndicatorCreateSerializer(IndicatorWriteSerializer):
    node = IdField(help_text="The result node the indicator measures.")

    def validate_node(self, value: int) -> ResultNode | None:
        return visible_node(_user(self), value)


class IndicatorListParams(serializers.Serializer[Any]):
    framework = IdField(required=False)
    node = IdField(required=False)
    unit = IdField(required=False, help_text="Only indicators this unit is responsible for.")
    measure = serializers.ChoiceField(choices=Indicator.Measure.choices, required=False)
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    include_archived = serializers.BooleanField(required=False, default=False)


# --- targets and values -----------------------------------------------------------------------------------------


class PeriodListParams(serializers.Serializer[Any]):
    framework = IdField(required=False)
    node = IdField(required=False, help_text="Only those of this node's own indicators.")
    indicator = IdField(required=False)
    unit = IdField(required=False)
    period_type = serializers.ChoiceField(choices=PeriodType.choices, required=False)
    period_from = serializers.DateField(required=False, help_text="Only periods ending on or after this date.")
    period_to = serializers.DateField(required=False, help_text="Only periods starting on or before this date.")
    include_archived = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("period_from"), attrs.get("period_to")
        if start and end and end < start:
            raise serializers.ValidationError({"period_to": "The range ends before it starts."})
        return attrs


class ValueListParams(PeriodListParams):
    status = serializers.ChoiceField(choices=ActualValue.Status.choices, required=False)


class PeriodSerializer(RecordSerializer):
    indicator = serializers.IntegerField(source="indicator_id", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    period_label = serializers.CharField(read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True, allow_null=True)
    unit_code = serializers.SerializerMethodField()
    dimension = serializers.IntegerField(source="dimension_id", read_only=True, allow_null=True)
    dimension_code = serializers.SerializerMethodField()
    value = DecimalString(allow_null=True)

    def get_unit_code(self, obj: Target | ActualValue) -> str | None:
        return obj.unit.code if obj.unit_id is not None and obj.unit is not None else None

    def get_dimension_code(self, obj: Target | ActualValue) -> str | None:
        return obj.dimension.code if obj.dimension_id is not None and obj.dimension is not None else None


PERIOD_FIELDS = (
    "id", "indicator", "indicator_code", "period_type", "period_start", "period_end", "period_label", "unit",
    "unit_code", "dimension", "dimension_code", "category",
)  # fmt: skip


class TargetSerializer(PeriodSerializer):
    class Meta:
        model = Target
        fields = (*PERIOD_FIELDS, "value", "score", "note", "is_sample", *RecordSerializer.RECORD_FIELDS)
        read_only_fields = fields


class ValueSerializer(PeriodSerializer):
    numerator = DecimalString(allow_null=True)
    denominator = DecimalString(allow_null=True)

    class Meta:
        model = ActualValue
        fields = (
            *PERIOD_FIELDS, "value", "numerator", "denominator", "score", "narrative", "status", "is_sample",
            *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields


class PeriodWriteSerializer(serializers.Serializer[Any]):
    period_type = serializers.ChoiceField(choices=PeriodType.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    dimension = IdField(required=False, allow_null=True, help_text="A disaggregation dimension, with `category`.")
    category = serializers.CharField(max_length=40, allow_blank=True, required=False)
    value = DecimalString(required=False, allow_null=True)
    score = serializers.IntegerField(required=False, allow_null=True)
    is_sample = serializers.BooleanField(required=False)
    version = _version()
    reason = _reason()

    def validate_dimension(self, value: int | None) -> Dimension | None:
        return known_dimension(value)


class TargetWriteSerializer(PeriodWriteSerializer):
    unit = IdField(required=False, allow_null=True, help_text="A unit's own target; null for the overall target.")
    note = serializers.CharField(allow_blank=True, required=False, max_length=5000)

    def validate_unit(self, value: int | None) -> OrgUnit | None:
        return visible_unit(_user(self), value)


class TargetCreateSerializer(TargetWriteSerializer):
    indicator = IdField()

    def validate_indicator(self, value: int) -> Indicator:
        return visible_indicator(_user(self), value)


class ValueWriteSerializer(PeriodWriteSerializer):
    unit = IdField(help_text="The reporting unit.")
    numerator = DecimalString(required=False, allow_null=True)
    denominator = DecimalString(required=False, allow_null=True)
    narrative = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    status = serializers.ChoiceField(
        choices=ActualValue.Status.choices,
        required=False,
        help_text="draft → submitted → approved; approving (or reopening an approved value) needs the approve right.",
    )

    def validate_unit(self, value: int) -> OrgUnit | None:
        return visible_unit(_user(self), value)


class ValueCreateSerializer(ValueWriteSerializer):
    indicator = IdField()
    status = None  # type: ignore[assignment]  # values start as drafts

    def validate_indicator(self, value: int) -> Indicator:
        return visible_indicator(_user(self), value)


# --- links and dimensions ---------------------------------------------------------------------------------------


class LinkedNodeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    framework = serializers.IntegerField()
    framework_code = serializers.CharField()
    code = serializers.CharField()
    title_display = serializers.CharField()


class LinkSerializer(RecordSerializer):
    source = serializers.IntegerField(source="source_id", read_only=True)  # type: ignore[assignment]
    target = serializers.IntegerField(source="target_id", read_only=True)
    source_node = serializers.SerializerMethodField()
    target_node = serializers.SerializerMethodField()

    class Meta:
        model = NodeLink
        fields = ("id", "source", "target", "source_node", "target_node", "note", *RecordSerializer.RECORD_FIELDS)
        read_only_fields = fields

    @staticmethod
    def _node(node: ResultNode) -> dict[str, Any]:
        return {
            "id": node.pk,
            "framework": node.framework_id,
            "framework_code": node.framework.code,
            "code": node.code,
            "title_display": display_text(node.title),
        }

    @extend_schema_field(LinkedNodeSerializer)
    def get_source_node(self, link: NodeLink) -> dict[str, Any]:
        return self._node(link.source)

    @extend_schema_field(LinkedNodeSerializer)
    def get_target_node(self, link: NodeLink) -> dict[str, Any]:
        return self._node(link.target)


class LinkCreateSerializer(serializers.Serializer[Any]):
    source = IdField(help_text="The contributing node.")  # type: ignore[assignment]
    target = IdField(help_text="The node it contributes to: in another framework, e.g. an SDG target.")
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    reason = _reason()

    def validate_source(self, value: int) -> ResultNode | None:
        return visible_node(_user(self), value)

    def validate_target(self, value: int) -> ResultNode | None:
        return visible_node(_user(self), value)


class LinkListParams(serializers.Serializer[Any]):
    framework = IdField(required=False, help_text="Links whose contributing node is in this framework.")
    node = IdField(required=False, help_text="Links from this node.")
    target = IdField(required=False, help_text="Links to this node.")
    include_archived = serializers.BooleanField(required=False, default=False)


class CategorySerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=40)
    name = TranslatedTextField(max_length=200)


class DimensionSerializer(RecordSerializer):
    name = TranslatedTextField()
    name_display = serializers.SerializerMethodField()
    categories = CategorySerializer(many=True)

    class Meta:
        model = Dimension
        fields = (
            "id", "code", "kind", "name", "name_display", "categories", "exhaustive", "is_sample",
            *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    def get_name_display(self, dimension: Dimension) -> str:
        return display_text(dimension.name)


class DimensionCreateSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=32)
    kind = serializers.ChoiceField(choices=Dimension.Kind.choices)
    name = TranslatedTextField(max_length=200)
    categories = CategorySerializer(many=True, allow_empty=False)
    exhaustive = serializers.BooleanField(required=False, default=True)
    is_sample = serializers.BooleanField(required=False, default=False)
    reason = _reason()


# --- the review workflow and locked periods ---------------------------------------------------------------------


class TransitionSerializer(serializers.Serializer[Any]):
    """Submit, approve or reopen a record under review (:mod:`orbit.governance.workflow`)."""

    note = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=REASON_MAX, help_text="Kept in the audit log."
    )
    version = _version()


class ReturnTransitionSerializer(TransitionSerializer):
    """Return a submitted record to its author, saying what to fix."""

    note = serializers.CharField(
        allow_blank=True, max_length=REASON_MAX, help_text="What needs to change before it can be approved."
    )


class LockSerializer(RecordSerializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = PeriodLock
        fields = ("id", "unit", "unit_code", "period_start", "period_end", "reason", *RecordSerializer.RECORD_FIELDS)
        read_only_fields = fields


class LockCreateSerializer(serializers.Serializer[Any]):
    unit = IdField(help_text="The unit whose reporting (and that of the units under it) is locked.")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why the period is locked.")

    def validate_unit(self, value: int) -> OrgUnit | None:
        return visible_unit(_user(self), value)


class UnlockSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why the period is reopened.")
    version = _version()


class LockListParams(serializers.Serializer[Any]):
    unit = IdField(required=False, help_text="Only locks on this unit.")
    include_archived = serializers.BooleanField(
        required=False, default=False, help_text="Include unlocked periods (archived locks)."
    )
