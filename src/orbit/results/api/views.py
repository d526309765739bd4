"""Frameworks, nodes, indicators, targets, values, links and dimensions over the API.

Every read goes through :mod:`orbit.results.selectors` (objects out of the reader's scope answer 404),
every write through :mod:`orbit.results.services` with ``actor=request.user`` (in scope without the
right: 403; invalid: 400 naming the field; stale: 409).  Writes to existing records name the version
they edit (``If-Match`` or ``version``), else 428.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import caches
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from orbit.core.api.concurrency import (
    IF_MATCH,
    IF_NONE_MATCH,
    etag_header,
    expected_version,
    not_modified,
    require_version,
    with_etag,
)
from orbit.core.api.renderers import FastJSONRenderer
from orbit.core.api.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from orbit.core.api.versioned import NOT_MODIFIED, ArchiveSerializer, RestoreSerializer
from orbit.core.api.views import OrbitViewSet
from orbit.core.errors import NotFound
from orbit.core.fields import translated_search_q
from orbit.core.i18n import current_language
from orbit.governance.api.serializers import AuditEventSerializer
from orbit.governance.selectors import audit_chain_stamp, audit_event_history
from orbit.governance.services import object_type_of
from orbit.organisation.selectors import org_unit_restrict
from orbit.results.api.serializers import (
    DimensionCreateSerializer,
    DimensionSerializer,
    FrameworkListParams,
    FrameworkSerializer,
    FrameworkWriteSerializer,
    IndicatorCreateSerializer,
    IndicatorListParams,
    IndicatorSerializer,
    IndicatorWriteSerializer,
    LinkCreateSerializer,
    LinkListParams,
    LinkSerializer,
    LockCreateSerializer,
    LockListParams,
    LockSerializer,
    NodeCreateSerializer,
    NodeListParams,
    NodeMoveSerializer,
    NodeSerializer,
    NodeUpdateSerializer,
    PeriodListParams,
    ReturnTransitionSerializer,
    TargetCreateSerializer,
    TargetSerializer,
    TargetWriteSerializer,
    TransitionSerializer,
    TreeParams,
    UnlockSerializer,
    ValueCreateSerializer,
    ValueListParams,
    ValueSerializer,
    ValueWriteSerializer,
)
from orbit.results.api.tree import FrameworkTreeSerializer, tree_data
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
from orbit.results.selectors import (
    COUNTED,
    actual_get,
    actual_restrict,
    framework_get,
    framework_list,
    framework_tree,
    indicator_get,
    indicator_restrict,
    link_get,
    link_restrict,
    node_get,
    node_restrict,
    target_get,
    target_restrict,
)
from orbit.results.services import (
    actual_archive,
    actual_create,
    actual_restore,
    actual_transition,
    actual_update,
    dimension_create,
    framework_archive,
    framework_create,
    framework_restore,
    framework_update,
    indicator_archive,
    indicator_create,
    indicator_restore,
    indicator_update,
    node_archive,
    node_create,
    node_link,
    node_link_restore,
    node_move,
    node_restore,
    node_unlink,
    node_update,
    period_lock,
    period_unlock,
    target_archive,
    target_create,
    target_restore,
    target_update,
)

Params = dict[str, Any]


class ResultsViewSet(OrbitViewSet):
    """The shared shape of a versioned, archivable results resource with a history."""

    read_serializer: type[serializers.Serializer[Any]]

    def params(self, params_class: type[serializers.Serializer[Any]]) -> Params:
        params = params_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def page(self, queryset: QuerySet[Any]) -> Response:
        rows = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.read_serializer(rows, many=True, context=self.context()).data)

    def respond(self, instance: Any, http_status: int = status.HTTP_200_OK) -> Response:
        data = self.read_serializer(instance, context=self.context()).data
        return with_etag(Response(data, status=http_status), instance)

    def conditional(self, instance: Any) -> Response:
        if not_modified(self.request, instance):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), instance)
        return self.respond(instance)

    def created(self, instance: Any, route: str) -> Response:
        response = self.respond(instance, status.HTTP_201_CREATED)
        response["Location"] = reverse(route, args=[instance.pk], request=self.request)
        return response

    def create_input(self, serializer_class: type[serializers.Serializer[Any]]) -> Params:
        serializer = serializer_class(data=self.request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        return data

    def write_input(
        self, serializer_class: type[serializers.Serializer[Any]], *, partial: bool = False
    ) -> tuple[Params, int]:
        """Validate a write to an existing record: 428 without a version, 400 for bad input."""
        require_version(self.request)
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(self.request, data.pop("version", None))
        return data, version

    def history_page(self, instance: Any) -> Response:
        events = audit_event_history(object_type=object_type_of(instance), object_id=instance.pk)
        rows = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(rows, many=True, context=self.context()).data)


def _docs(
    noun: str,
    read: type[serializers.Serializer[Any]],
    *,
    list_params: type[serializers.Serializer[Any]] | None = None,
    list_summary: str = "",
    create: type[serializers.Serializer[Any]] | None = None,
    create_summary: str = "",
    update: type[serializers.Serializer[Any]] | None = None,
    restore: bool = True,
    history: bool = True,
) -> dict[str, Any]:
    """The OpenAPI description of the usual actions of a resource."""
    docs: dict[str, Any] = {
        "list": extend_schema(
            summary=list_summary or f"{noun.capitalize()}s in your scope",
            parameters=[list_params] if list_params else [],
            responses={200: read(many=True), **LIST_ERRORS},
        ),
        "retrieve": extend_schema(
            summary=f"One {noun} (archived ones included)",
            parameters=[IF_NONE_MATCH, etag_header(200)],
            responses={200: read, 304: NOT_MODIFIED, **READ_ERRORS},
        ),
    }
    if create is not None:
        docs["create"] = extend_schema(
            summary=create_summary or f"Create a {noun}",
            request=create,
            parameters=[etag_header(201)],
            responses={201: read, **CREATE_ERRORS},
        )
    if update is not None:
        docs["update"] = extend_schema(
            summary=f"Replace a {noun}'s fields",
            request=update,
            parameters=[IF_MATCH, etag_header(200)],
            responses={200: read, **WRITE_ERRORS},
        )
        docs["partial_update"] = extend_schema(
            summary=f"Change some of a {noun}'s fields",
            request=update,
            parameters=[IF_MATCH, etag_header(200)],
            responses={200: read, **WRITE_ERRORS},
        )
        docs["archive"] = extend_schema(
            summary=f"Archive a {noun}",
            request=ArchiveSerializer,
            parameters=[IF_MATCH, etag_header(200)],
            responses={200: read, **WRITE_ERRORS},
        )
    if restore:
        docs["restore"] = extend_schema(
            summary=f"Restore an archived {noun}",
            request=RestoreSerializer,
            parameters=[IF_MATCH, etag_header(200)],
            responses={200: read, **WRITE_ERRORS},
        )
    if history:
        docs["history"] = extend_schema(
            summary=f"The {noun}'s audit events, newest first",
            responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
        )
    return docs


def transition_docs(noun: str, read: type[serializers.Serializer[Any]]) -> dict[str, Any]:
    """The OpenAPI description of the four review actions (:mod:`orbit.governance.workflow`)."""

    def doc(summary: str, request: type[serializers.Serializer[Any]]) -> Any:
        return extend_schema(
            summary=summary,
            request=request,
            parameters=[IF_MATCH, etag_header(200)],
            responses={200: read, **WRITE_ERRORS},
        )

    return {
        "submit": doc(f"Submit a draft or returned {noun} for review (contributors)", TransitionSerializer),
        "return_": doc(
            f"Return a submitted {noun} to its author with a note saying what to fix (managers)",
            ReturnTransitionSerializer,
        ),
        "approve": doc(f"Approve a submitted {noun} (managers)", TransitionSerializer),
        "reopen": doc(f"Send an approved or returned {noun} back to draft (managers)", TransitionSerializer),
    }


# --- frameworks -------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "framework",
        FrameworkSerializer,
        list_params=FrameworkListParams,
        list_summary="Frameworks you may read: those of your units, and public ones",
        create=FrameworkWriteSerializer,
        create_summary="Create a framework owned by a unit you manage",
        update=FrameworkWriteSerializer,
    ),
    tree=extend_schema(
        summary="The whole framework in one response: nodes with roll-ups, indicators, targets, results, links",
        parameters=[TreeParams],
        responses={200: FrameworkTreeSerializer, **READ_ERRORS, 400: LIST_ERRORS[400]},
    ),
)
class FrameworkViewSet(ResultsViewSet):
    """Results frameworks: strategic and action plans, the SDGs, operational plans."""

    serializer_class = FrameworkSerializer
    read_serializer = FrameworkSerializer
    queryset = Framework.objects.none()  # the schema's model; requests read through the selectors

    def list(self, request: Request) -> Response:
        p = self.params(FrameworkListParams)
        unit = p.pop("unit", None)
        frameworks = framework_list(request.user, **p)
        if unit is not None:
            frameworks = frameworks.filter(owner_unit_id=unit)
        return self.page(frameworks)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(framework_get(request.user, self.object_id()))

    def create(self, request: Request) -> Response:
        data = self.create_input(FrameworkWriteSerializer)
        framework = framework_create(actor=request.user, **data)
        return self.created(framework, "results-framework-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        framework = framework_get(request.user, self.object_id())
        data, version = self.write_input(FrameworkWriteSerializer, partial=partial)
        updated = framework_update(actor=request.user, framework=framework, expected_version=version, **data)
        return self.respond(updated)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        framework = framework_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        return self.respond(
            framework_archive(actor=request.user, framework=framework, expected_version=version, **data)
        )

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        framework = framework_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        return self.respond(
            framework_restore(actor=request.user, framework=framework, expected_version=version, **data)
        )

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(framework_get(request.user, self.object_id()))

    @action(detail=True, methods=["get"], renderer_classes=[FastJSONRenderer])
    def tree(self, request: Request, pk: str | None = None) -> HttpResponse:
        p = self.params(TreeParams)
        framework = framework_get(request.user, self.object_id())  # access is checked before any cached copy
        as_of = p.get("as_of") or timezone.localdate()
        evaluate = p.get("results") or "current"
        counted = p.get("values") or "approved"
        # The tree is the same for every reader who may see the framework; it changes only when something
        # is written, and every write moves the audit chain's head: cache the encoded body under it.
        stamp = audit_chain_stamp()
        key = hashlib.sha256(
            f"{framework.pk}|{as_of.isoformat()}|{evaluate}|{counted}|{current_language()}|{stamp}".encode()
        ).hexdigest()
        etag = f'"tree-{key[:40]}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Language, Cookie"}
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return HttpResponse(status=304, headers=headers)
        cache_key = f"orbit:results-tree:{key}"
        body = caches["derived"].get(cache_key)
        if body is None:
            tree = framework_tree(
                request.user, framework, as_of=as_of, evaluate=evaluate, statuses=COUNTED[counted]
            )
            framework_data = FrameworkSerializer(framework, context=self.context()).data
            body = FastJSONRenderer().render(tree_data(tree, framework_data))
            caches["derived"].set(cache_key, body, timeout=600)
        return HttpResponse(body, content_type="application/json", headers=headers)


# --- nodes ------------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "node",
        NodeSerializer,
        list_params=NodeListParams,
        list_summary="Result nodes of the frameworks you may read, in outline order",
        create=NodeCreateSerializer,
        create_summary="Add a node under a parent (or at the top), at a position among its siblings",
        update=NodeUpdateSerializer,
    ),
    move=extend_schema(
        summary="Move a node under another parent of the tier above, at a position; the outline is renumbered",
        request=NodeMoveSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: NodeSerializer, **WRITE_ERRORS},
    ),
)
class NodeViewSet(ResultsViewSet):
    """Goals, objectives, outcomes, outputs: the tree of a framework, numbered automatically."""

    serializer_class = NodeSerializer
    read_serializer = NodeSerializer
    queryset = ResultNode.objects.none()

    def list(self, request: Request) -> Response:
        p = self.params(NodeListParams)
        nodes = node_restrict(request.user, include_archived=p["include_archived"])
        if "framework" in p:
            nodes = nodes.filter(framework_id=p["framework"])
        if "parent" in p:
            nodes = nodes.filter(parent_id=p["parent"])
        if "tier" in p:
            nodes = nodes.filter(tier=p["tier"])
        if p["q"]:
            nodes = nodes.filter(
                Q(ref_code__icontains=p["q"]) | Q(number=p["q"]) | translated_search_q(p["q"], "title")
            )
        return self.page(nodes.order_by("framework__code", "framework_id", "path", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(node_get(request.user, self.object_id()))

    def create(self, request: Request) -> Response:
        data = self.create_input(NodeCreateSerializer)
        node = node_create(actor=request.user, **data)
        return self.created(node, "results-node-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        node = node_get(request.user, self.object_id())
        data, version = self.write_input(NodeUpdateSerializer, partial=partial)
        return self.respond(node_update(actor=request.user, node=node, expected_version=version, **data))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        node = node_get(request.user, self.object_id())
        data, version = self.write_input(NodeMoveSerializer)
        return self.respond(node_move(actor=request.user, node=node, expected_version=version, **data))

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        node = node_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        return self.respond(node_archive(actor=request.user, node=node, expected_version=version, **data))

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        node = node_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        return self.respond(node_restore(actor=request.user, node=node, expected_version=version, **data))

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(node_get(request.user, self.object_id()))


# --- indicators -------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "indicator",
        IndicatorSerializer,
        list_params=IndicatorListParams,
        create=IndicatorCreateSerializer,
        create_summary="Attach an indicator to a node",
        update=IndicatorWriteSerializer,
    )
)
class IndicatorViewSet(ResultsViewSet):
    """Indicators (KPIs) with their measure, direction, aggregation rules and baseline."""

    serializer_class = IndicatorSerializer
    read_serializer = IndicatorSerializer
    queryset = Indicator.objects.none()

    def list(self, request: Request) -> Response:
        p = self.params(IndicatorListParams)
        indicators = indicator_restrict(request.user, include_archived=p["include_archived"])
        if "framework" in p:
            indicators = indicators.filter(node__framework_id=p["framework"])
        if "node" in p:
            indicators = indicators.filter(node_id=p["node"])
        if "unit" in p:
            indicators = indicators.filter(responsible_unit_id=p["unit"])
        if "measure" in p:
            indicators = indicators.filter(measure=p["measure"])
        if p["q"]:
            indicators = indicators.filter(Q(code__icontains=p["q"]) | translated_search_q(p["q"], "title"))
        return self.page(indicators.order_by("node__framework_id", "node__path", "position", "code", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(indicator_get(request.user, self.object_id()))

    def create(self, request: Request) -> Response:
        data = self.create_input(IndicatorCreateSerializer)
        indicator = indicator_create(actor=request.user, **data)
        return self.created(indicator, "results-indicator-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        indicator = indicator_get(request.user, self.object_id())
        data, version = self.write_input(IndicatorWriteSerializer, partial=partial)
        return self.respond(indicator_update(actor=request.user, indicator=indicator, expected_version=version, **data))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        indicator = indicator_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        return self.respond(
            indicator_archive(actor=request.user, indicator=indicator, expected_version=version, **data)
        )

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        indicator = indicator_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        return self.respond(
            indicator_restore(actor=request.user, indicator=indicator, expected_version=version, **data)
        )

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(indicator_get(request.user, self.object_id()))


# --- targets and values -----------------------------------------------------------------------------------------


def _period_filters(queryset: QuerySet[Any], p: Params) -> QuerySet[Any]:
    if "framework" in p:
        queryset = queryset.filter(indicator__node__framework_id=p["framework"])
    if "node" in p:
        queryset = queryset.filter(indicator__node_id=p["node"])
    if "indicator" in p:
        queryset = queryset.filter(indicator_id=p["indicator"])
    if "unit" in p:
        queryset = queryset.filter(unit_id=p["unit"])
    if "period_type" in p:
        queryset = queryset.filter(period_type=p["period_type"])
    if "period_from" in p:
        queryset = queryset.filter(period_end__gte=p["period_from"])
    if "period_to" in p:
        queryset = queryset.filter(period_start__lte=p["period_to"])
    return queryset


@extend_schema_view(
    **_docs(
        "target",
        TargetSerializer,
        list_params=PeriodListParams,
        create=TargetCreateSerializer,
        create_summary="Set an indicator's target for a period (overall, for a unit, or for a category)",
        update=TargetWriteSerializer,
    )
)
class TargetViewSet(ResultsViewSet):
    """What an indicator should reach in a period."""

    serializer_class = TargetSerializer
    read_serializer = TargetSerializer
    queryset = Target.objects.none()

    def list(self, request: Request) -> Response:
        p = self.params(PeriodListParams)
        targets = _period_filters(target_restrict(request.user, include_archived=p["include_archived"]), p)
        return self.page(targets.order_by("indicator_id", "period_start", "period_end", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(target_get(request.user, self.object_id()))

    def create(self, request: Request) -> Response:
        data = self.create_input(TargetCreateSerializer)
        target = target_create(actor=request.user, **data)
        return self.created(target, "results-target-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        target = target_get(request.user, self.object_id())
        data, version = self.write_input(TargetWriteSerializer, partial=partial)
        return self.respond(target_update(actor=request.user, target=target, expected_version=version, **data))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        target = target_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        return self.respond(target_archive(actor=request.user, target=target, expected_version=version, **data))

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        target = target_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        return self.respond(target_restore(actor=request.user, target=target, expected_version=version, **data))

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(target_get(request.user, self.object_id()))


@extend_schema_view(
    **_docs(
        "value",
        ValueSerializer,
        list_params=ValueListParams,
        list_summary="Actual values you may read: reported by your units, or for your units' frameworks",
        create=ValueCreateSerializer,
        create_summary="Report a value for a unit you contribute for (it starts as a draft)",
        update=ValueWriteSerializer,
    ),
    **transition_docs("value", ValueSerializer),
)
class ValueViewSet(ResultsViewSet):
    """Actual values per period and reporting unit; PATCH ``status`` submits and approves them."""

    serializer_class = ValueSerializer
    read_serializer = ValueSerializer
    queryset = ActualValue.objects.none()

    def list(self, request: Request) -> Response:
        p = self.params(ValueListParams)
        values = _period_filters(actual_restrict(request.user, include_archived=p["include_archived"]), p)
        if "status" in p:
            values = values.filter(status=p["status"])
        return self.page(values.order_by("indicator_id", "period_start", "unit__code", "category", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(actual_get(request.user, self.object_id()))

    def create(self, request: Request) -> Response:
        data = self.create_input(ValueCreateSerializer)
        actual = actual_create(actor=request.user, **data)
        return self.created(actual, "results-value-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        actual = actual_get(request.user, self.object_id())
        data, version = self.write_input(ValueWriteSerializer, partial=partial)
        return self.respond(actual_update(actor=request.user, actual=actual, expected_version=version, **data))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        actual = actual_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        return self.respond(actual_archive(actor=request.user, actual=actual, expected_version=version, **data))

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        actual = actual_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        return self.respond(actual_restore(actor=request.user, actual=actual, expected_version=version, **data))

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(actual_get(request.user, self.object_id()))

    def transition(self, name: str, serializer_class: type[serializers.Serializer[Any]]) -> Response:
        actual = actual_get(self.request.user, self.object_id())
        data, version = self.write_input(serializer_class)
        return self.respond(
            actual_transition(
                actor=self.request.user, actual=actual, action=name, expected_version=version, note=data["note"]
            )
        )

    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self.transition("submit", TransitionSerializer)

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        return self.transition("return", ReturnTransitionSerializer)

    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self.transition("approve", TransitionSerializer)

    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self.transition("reopen", TransitionSerializer)


# --- links and dimensions ---------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "contribution link",
        LinkSerializer,
        list_params=LinkListParams,
        list_summary="Contribution links between nodes you may read",
        create=LinkCreateSerializer,
        create_summary="Record that a node contributes to a node of another framework (e.g. an SDG target)",
    ),
    archive=extend_schema(
        summary="Remove a contribution (the link is archived)",
        request=ArchiveSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: LinkSerializer, **WRITE_ERRORS},
    ),
)
class LinkViewSet(ResultsViewSet):
    """A node contributes to a node of another framework: an output to a strategic goal, to an SDG target."""

    serializer_class = LinkSerializer
    read_serializer = LinkSerializer
    queryset = NodeLink.objects.none()

    def list(self, request: Request) -> Response:
        p = self.params(LinkListParams)
        links = link_restrict(request.user, include_archived=p["include_archived"])
        if "framework" in p:
            links = links.filter(source__framework_id=p["framework"])
        if "node" in p:
            links = links.filter(source_id=p["node"])
        if "target" in p:
            links = links.filter(target_id=p["target"])
        return self.page(links.order_by("source__framework_id", "source__path", "target__path", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(link_get(request.user, self.object_id()))

    def create(self, request: Request) -> Response:
        data = self.create_input(LinkCreateSerializer)
        link = node_link(actor=request.user, **data)
        return self.created(link, "results-link-detail")

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        link = link_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        return self.respond(node_unlink(actor=request.user, link=link, expected_version=version, **data))

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        link = link_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        return self.respond(node_link_restore(actor=request.user, link=link, expected_version=version, **data))

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(link_get(request.user, self.object_id()))


@extend_schema_view(
    **_docs(
        "dimension",
        DimensionSerializer,
        list_summary="Disaggregation dimensions (shared reference data)",
        create=DimensionCreateSerializer,
        create_summary="Define a disaggregation dimension (administrators)",
        restore=False,
    )
)
class DimensionViewSet(ResultsViewSet):
    """Ways to break values down: sex, age group, region, country, custom."""

    serializer_class = DimensionSerializer
    read_serializer = DimensionSerializer
    queryset = Dimension.objects.none()

    def list(self, request: Request) -> Response:
        return self.page(Dimension.objects.order_by("code"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        dimension = Dimension.all_objects.filter(pk=self.object_id()).first()
        if dimension is None:
            raise NotFound("No such dimension.")
        return self.conditional(dimension)

    def create(self, request: Request) -> Response:
        data = self.create_input(DimensionCreateSerializer)
        dimension = dimension_create(actor=request.user, **data)
        return self.created(dimension, "results-dimension-detail")

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        dimension = Dimension.all_objects.filter(pk=self.object_id()).first()
        if dimension is None:
            raise NotFound("No such dimension.")
        return self.history_page(dimension)


# --- locked periods ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Locked periods of the units you may read (unlocked ones with include_archived)",
        parameters=[LockListParams],
        responses={200: LockSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One locked period (unlocked ones included)",
        parameters=[IF_NONE_MATCH, etag_header(200)],
        responses={200: LockSerializer, 304: NOT_MODIFIED, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Lock a unit's reporting for a period (managers of the unit; the units under it are locked too)",
        request=LockCreateSerializer,
        parameters=[etag_header(201)],
        responses={201: LockSerializer, **CREATE_ERRORS},
    ),
    unlock=extend_schema(
        summary="Reopen a locked period (managers of the locked unit, with a reason)",
        request=UnlockSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: LockSerializer, **WRITE_ERRORS},
    ),
    history=extend_schema(
        summary="The lock's audit events, newest first",
        responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
    ),
)
class LockViewSet(ResultsViewSet):
    """Reporting periods closed to changes: values and progress updates in them refuse edits and transitions."""

    serializer_class = LockSerializer
    read_serializer = LockSerializer
    queryset = PeriodLock.objects.none()

    def scoped(self, *, include_archived: bool) -> QuerySet[PeriodLock]:
        manager = PeriodLock.all_objects if include_archived else PeriodLock.objects
        locks: QuerySet[PeriodLock] = manager.select_related("unit")
        return locks.filter(unit__in=org_unit_restrict(self.request.user).values("pk"))

    def get_lock(self) -> PeriodLock:
        lock = self.scoped(include_archived=True).filter(pk=self.object_id()).first()
        if lock is None:
            raise NotFound("No such lock.")
        return lock

    def list(self, request: Request) -> Response:
        p = self.params(LockListParams)
        locks = self.scoped(include_archived=p["include_archived"])
        if "unit" in p:
            locks = locks.filter(unit_id=p["unit"])
        return self.page(locks.order_by("-period_start", "unit__path", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_lock())

    def create(self, request: Request) -> Response:
        data = self.create_input(LockCreateSerializer)
        return self.created(period_lock(actor=request.user, **data), "results-lock-detail")

    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        lock = self.get_lock()
        data, version = self.write_input(UnlockSerializer)
        return self.respond(
            period_unlock(actor=request.user, lock=lock, expected_version=version, reason=data["reason"])
        )

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(self.get_lock())
