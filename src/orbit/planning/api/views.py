"""Activities, milestones, budgets, regional initiatives, progress updates and evidence over the API.

Every read goes through :mod:`orbit.planning.selectors` (records out of the reader's scope answer 404),
every write through :mod:`orbit.planning.services` with ``actor=request.user`` (in scope without the right:
403; invalid: 400 naming the field; stale: 409).  Writes to existing records name the version they edit
(``If-Match`` or ``version``), else 428.  Updates move through the review workflow with explicit actions:
``submit``, ``return`` (with a note), ``approve`` and ``reopen``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from orbit.core.api.concurrency import (
    IF_MATCH,
    IF_NONE_MATCH,
    etag_header,
    not_modified,
    with_etag,
)
from orbit.core.api.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UNAUTHENTICATED, WRITE_ERRORS
from orbit.core.api.versioned import NOT_MODIFIED, ArchiveSerializer, VersionedViewSet, versioned_schema
from orbit.core.api.views import API_AUTHENTICATION
from orbit.core.errors import NotFound
from orbit.governance.api.resources import Params, ResourceViewSet, Serializer
from orbit.governance.api.serializers import AuditEventSerializer
from orbit.organisation.models import OrgUnit
from orbit.planning import selectors, services
from orbit.planning.api.serializers import (
    ActivityBudgetSerializer,
    ActivityChildListParams,
    ActivityListParams,
    ActivitySerializer,
    ActivityWriteSerializer,
    BudgetLineCreateSerializer,
    BudgetLineSerializer,
    BudgetLineWriteSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    EvidenceWriteSerializer,
    ExchangeRateCreateSerializer,
    ExchangeRateListParams,
    ExchangeRateSerializer,
    InitiativeDetailSerializer,
    InitiativeSerializer,
    InitiativeWriteSerializer,
    MilestoneCreateSerializer,
    MilestoneSerializer,
    MilestoneWriteSerializer,
    MyWorkSerializer,
    ProgressUpdateSerializer,
    ReviewQueueSerializer,
    UpdateCreateSerializer,
    UpdateListParams,
    UpdateWriteSerializer,
    totals_data,
)
from orbit.planning.models import (
    Activity,
    BudgetLine,
    Evidence,
    ExchangeRate,
    Milestone,
    ProgressUpdate,
    RegionalInitiative,
)
from orbit.results.api.serializers import ReturnTransitionSerializer, TransitionSerializer
from orbit.results.models import ResultNode


class PlanningViewSet(ResourceViewSet):
    """The shared shape of a planning resource (:class:`orbit.governance.api.resources.ResourceViewSet`)."""


def _docs(
    noun: str,
    read: Serializer,
    *,
    list_params: Serializer | None = None,
    list_summary: str = "",
    retrieve_read: Serializer | None = None,
    create: Serializer | None = None,
    create_summary: str = "",
    update: Serializer | None = None,
    archive: bool = False,
    history: bool = False,
) -> dict[str, Any]:
    """The OpenAPI description of the usual actions of a planning resource."""
    docs: dict[str, Any] = {
        "retrieve": extend_schema(
            summary=f"One {noun} (archived ones included)",
            parameters=[IF_NONE_MATCH, etag_header(200)],
            responses={200: retrieve_read or read, 304: NOT_MODIFIED, **READ_ERRORS},
        ),
    }
    if list_params is not None:
        docs["list"] = extend_schema(
            summary=list_summary or f"{noun.capitalize()}s you may read",
            parameters=[list_params],
            responses={200: read(many=True), **LIST_ERRORS},
        )
    if create is not None:
        docs["create"] = extend_schema(
            summary=create_summary or f"Create a {noun}",
            request=create,
            parameters=[etag_header(201)],
            responses={201: read, **CREATE_ERRORS},
        )
    if update is not None:
        summaries = {"update": f"Replace a {noun}'s fields", "partial_update": f"Change some of a {noun}'s fields"}
        for name, summary in summaries.items():
            docs[name] = extend_schema(
                summary=summary,
                request=update,
                parameters=[IF_MATCH, etag_header(200)],
                responses={200: read, **WRITE_ERRORS},
            )
    if archive:
        docs["archive"] = extend_schema(
            summary=f"Archive a {noun}",
            request=ArchiveSerializer,
            parameters=[IF_MATCH, etag_header(200)],
            responses={200: read, **WRITE_ERRORS},
        )
    if history:
        docs["history"] = extend_schema(
            summary=f"The {noun}'s audit events, newest first",
            responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
        )
    return docs


# --- activities -----------------------------------------------------------------------------------------------


def _activity_prefetch() -> tuple[Prefetch[Any], ...]:
    """Everything a page of activities shows, fetched once per page whatever its length."""
    return (
        Prefetch("nodes", queryset=ResultNode.objects.only("id")),
        Prefetch("sdg_targets", queryset=ResultNode.objects.only("id")),
        Prefetch("contributing_units", queryset=OrgUnit.objects.only("id")),
        Prefetch("initiatives", queryset=RegionalInitiative.objects.only("id")),
        Prefetch("staff", queryset=get_user_model().objects.only("id")),
    )


@versioned_schema(
    serializer=ActivitySerializer,
    list_params=ActivityListParams,
    create_request=ActivityWriteSerializer,
    update_request=ActivityWriteSerializer,
    summaries={
        "list": "The operational plan: activities you may read, by responsible unit and code",
        "retrieve": "One activity (archived ones included)",
        "create": "Create an activity of a unit you contribute to (its code is given when left out)",
        "update": "Replace an activity's fields",
        "partial_update": "Change some of an activity's fields (lists of ids replace the current ones)",
        "archive": "Archive an activity",
        "restore": "Restore an archived activity",
        "history": "The activity's audit events, newest first",
    },
)
@extend_schema_view(
    budget=extend_schema(
        summary="The activity's budget lines and totals per currency (converted only where rates exist)",
        responses={200: ActivityBudgetSerializer, **READ_ERRORS},
    ),
)
class ActivityViewSet(VersionedViewSet):
    """Actions of the operational plan, linked to the results they serve."""

    serializer_class = ActivitySerializer
    update_serializer_class = ActivityWriteSerializer
    queryset = Activity.objects.none()  # the schema's model; requests read through the selectors

    def get_versioned(self) -> Activity:
        return selectors.activity_get(self.request.user, self.object_id())

    def list(self, request: Request) -> Response:
        filters = selectors.PlanFilters(**self.query(ActivityListParams))
        return self.page_of(selectors.activity_list(request.user, filters).prefetch_related(*_activity_prefetch()))

    def create(self, request: Request) -> Response:
        serializer = ActivityWriteSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        activity = services.activity_create(actor=request.user, **data)
        return self.created(activity, "planning-activity-detail")

    def perform_update(self, instance: Activity, data: dict[str, Any], *, expected_version: int) -> Activity:
        return services.activity_update(
            actor=self.request.user, activity=instance, expected_version=expected_version, **data
        )

    def perform_archive(self, instance: Activity, *, expected_version: int, reason: str) -> Activity:
        return services.activity_archive(
            actor=self.request.user, activity=instance, expected_version=expected_version, reason=reason
        )

    def perform_restore(self, instance: Activity, *, expected_version: int, reason: str) -> Activity:
        return services.activity_restore(
            actor=self.request.user, activity=instance, expected_version=expected_version, reason=reason
        )

    @action(detail=True, methods=["get"])
    def budget(self, request: Request, pk: str | None = None) -> Response:
        activity = self.get_versioned()
        lines, totals = selectors.activity_budget(activity)
        data = {"activity": activity.pk, "lines": lines, "totals": totals_data(totals)}
        return Response(ActivityBudgetSerializer(data, context=self.context()).data)


# --- milestones and budget lines ------------------------------------------------------------------------------


def _of_readable_activities(user: Any, queryset: QuerySet[Any], p: Params) -> QuerySet[Any]:
    """Rows of activities the user may read (archived activities included: the scope does not change)."""
    readable = selectors.activity_restrict(user, include_archived=True).values("pk")
    queryset = queryset.filter(activity__in=readable)
    if "activity" in p:
        queryset = queryset.filter(activity_id=p["activity"])
    return queryset


@extend_schema_view(
    **_docs(
        "milestone",
        MilestoneSerializer,
        list_params=ActivityChildListParams,
        list_summary="Milestones of the activities you may read, by activity and due date",
        create=MilestoneCreateSerializer,
        create_summary="Add a milestone to an activity",
        update=MilestoneWriteSerializer,
        archive=True,
    )
)
class MilestoneViewSet(PlanningViewSet):
    """Dated steps of an activity."""

    serializer_class = MilestoneSerializer
    queryset = Milestone.objects.none()

    def get_milestone(self) -> Milestone:
        scoped = _of_readable_activities(self.request.user, Milestone.all_objects.all(), {})
        milestone: Milestone | None = (
            scoped.select_related("activity__responsible_unit").filter(pk=self.object_id()).first()
        )
        if milestone is None:
            raise NotFound("No such milestone.")
        return milestone

    def list(self, request: Request) -> Response:
        p = self.query(ActivityChildListParams)
        manager = Milestone.all_objects if p["include_archived"] else Milestone.objects
        milestones = _of_readable_activities(request.user, manager.all(), p)
        return self.page_of(milestones.order_by("activity_id", "due_date", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_milestone())

    def create(self, request: Request) -> Response:
        data = self.create_input(MilestoneCreateSerializer)
        return self.created(services.milestone_create(actor=request.user, **data), "planning-milestone-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        milestone = self.get_milestone()
        data, version = self.write_input(MilestoneWriteSerializer, partial=partial)
        return self.show(
            services.milestone_update(actor=request.user, milestone=milestone, expected_version=version, **data)
        )

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        milestone = self.get_milestone()
        data, version = self.write_input(ArchiveSerializer)
        return self.show(
            services.milestone_archive(actor=request.user, milestone=milestone, expected_version=version, **data)
        )


@extend_schema_view(
    **_docs(
        "budget line",
        BudgetLineSerializer,
        list_params=ActivityChildListParams,
        list_summary="Budget lines of the activities you may read (each in its own currency)",
        create=BudgetLineCreateSerializer,
        create_summary="Add a budget line (one funding source, one year, one currency) to an activity",
        update=BudgetLineWriteSerializer,
        archive=True,
    )
)
class BudgetLineViewSet(PlanningViewSet):
    """What an activity plans to spend from one funding source in one year, and what it committed and spent."""

    serializer_class = BudgetLineSerializer
    queryset = BudgetLine.objects.none()

    def get_line(self) -> BudgetLine:
        scoped = _of_readable_activities(self.request.user, BudgetLine.all_objects.all(), {})
        line: BudgetLine | None = (
            scoped.select_related("activity__responsible_unit").filter(pk=self.object_id()).first()
        )
        if line is None:
            raise NotFound("No such budget line.")
        return line

    def list(self, request: Request) -> Response:
        p = self.query(ActivityChildListParams)
        manager = BudgetLine.all_objects if p["include_archived"] else BudgetLine.objects
        lines = _of_readable_activities(request.user, manager.all(), p)
        return self.page_of(lines.order_by("activity_id", "year", "source", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_line())

    def create(self, request: Request) -> Response:
        data = self.create_input(BudgetLineCreateSerializer)
        return self.created(services.budget_line_create(actor=request.user, **data), "planning-budget-line-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        line = self.get_line()
        data, version = self.write_input(BudgetLineWriteSerializer, partial=partial)
        return self.show(services.budget_line_update(actor=request.user, line=line, expected_version=version, **data))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        line = self.get_line()
        data, version = self.write_input(ArchiveSerializer)
        return self.show(services.budget_line_archive(actor=request.user, line=line, expected_version=version, **data))


@extend_schema_view(
    **_docs(
        "exchange rate",
        ExchangeRateSerializer,
        list_params=ExchangeRateListParams,
        list_summary="Dated exchange rates (shared reference data), newest first per currency",
        create=ExchangeRateCreateSerializer,
        create_summary="Record a rate valid from a date (administrators)",
    )
)
class ExchangeRateViewSet(PlanningViewSet):
    """One unit of a currency is worth ``rate`` units of the base currency from ``valid_from`` on."""

    serializer_class = ExchangeRateSerializer
    queryset = ExchangeRate.objects.none()

    def list(self, request: Request) -> Response:
        p = self.query(ExchangeRateListParams)
        rates = ExchangeRate.objects.all()
        if "currency" in p:
            rates = rates.filter(currency=p["currency"].upper())
        if "base" in p:
            rates = rates.filter(base=p["base"].upper())
        return self.page_of(rates.order_by("currency", "base", "-valid_from", "pk"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        rate = ExchangeRate.all_objects.filter(pk=self.object_id()).first()
        if rate is None:
            raise NotFound("No such exchange rate.")
        return self.conditional(rate)

    def create(self, request: Request) -> Response:
        data = self.create_input(ExchangeRateCreateSerializer)
        for name in ("currency", "base"):
            if name in data:
                data[name] = data[name].upper()
        rate = services.exchange_rate_create(actor=request.user, **data)
        return self.created(rate, "planning-exchange-rate-detail")


# --- regional initiatives -------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "regional initiative",
        InitiativeSerializer,
        list_params=None,
        retrieve_read=InitiativeDetailSerializer,
        create=InitiativeWriteSerializer,
        create_summary="Create a regional initiative led by a regional office you manage",
        update=InitiativeWriteSerializer,
    ),
    list=extend_schema(
        summary="Regional initiatives by region, with the number of their activities you may read",
        responses={200: InitiativeSerializer(many=True), **LIST_ERRORS},
    ),
)
class InitiativeViewSet(PlanningViewSet):
    """Regional initiatives: published, readable by every signed-in user; their activities by the usual rules."""

    serializer_class = InitiativeSerializer
    queryset = RegionalInitiative.objects.none()

    def get_initiative(self) -> RegionalInitiative:
        return selectors.initiative_get(self.request.user, self.object_id())

    def list(self, request: Request) -> Response:
        initiatives = selectors.initiative_list(request.user)
        page = self.paginate_queryset(initiatives)  # type: ignore[arg-type]
        prefetch_related_objects(page or [], Prefetch("outputs", queryset=ResultNode.objects.only("id")))
        shown = InitiativeSerializer(page, many=True, context=self.context())
        return self.get_paginated_response(shown.data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        initiative = self.get_initiative()
        if not_modified(request, initiative):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), initiative)
        detail = selectors.initiative_detail(request.user, initiative)
        data = InitiativeDetailSerializer(initiative, context={**self.context(), "detail": detail}).data
        return with_etag(Response(data), initiative)

    def create(self, request: Request) -> Response:
        data = self.create_input(InitiativeWriteSerializer)
        initiative = services.initiative_create(actor=request.user, **data)
        return self.created(initiative, "planning-initiative-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        initiative = self.get_initiative()
        data, version = self.write_input(InitiativeWriteSerializer, partial=partial)
        return self.show(
            services.initiative_update(actor=request.user, initiative=initiative, expected_version=version, **data)
        )

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)


# --- progress updates -----------------------------------------------------------------------------------------


def _with_evidence(updates: QuerySet[ProgressUpdate]) -> QuerySet[ProgressUpdate]:
    return updates.prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))


def _transition_docs() -> dict[str, Any]:
    def doc(summary: str, request: Serializer) -> Any:
        return extend_schema(
            summary=summary,
            request=request,
            parameters=[IF_MATCH, etag_header(200)],
            responses={200: ProgressUpdateSerializer, **WRITE_ERRORS},
        )

    return {
        "submit": doc("Submit a draft or returned update for review (contributors of its unit)", TransitionSerializer),
        "return_": doc(
            "Return a submitted update to its author with a note saying what to fix (managers)",
            ReturnTransitionSerializer,
        ),
        "approve": doc(
            "Approve a submitted update (managers); a new activity status it reports is applied", TransitionSerializer
        ),
        "reopen": doc("Send an approved or returned update back to draft (managers)", TransitionSerializer),
    }


@extend_schema_view(
    **_docs(
        "progress update",
        ProgressUpdateSerializer,
        list_params=UpdateListParams,
        list_summary="Progress updates you may read: those of your units, and approved ones of activities you read",
        create=UpdateCreateSerializer,
        create_summary="Write a draft update on an activity or behind an indicator value",
        update=UpdateWriteSerializer,
        archive=True,
        history=True,
    ),
    **_transition_docs(),
    evidence=extend_schema(
        summary="Attach a photo, video or document to a draft or returned update (multipart form)",
        request={"multipart/form-data": EvidenceUploadSerializer},
        parameters=[etag_header(201)],
        responses={201: EvidenceSerializer, **CREATE_ERRORS, 404: READ_ERRORS[404]},
    ),
)
class UpdateViewSet(PlanningViewSet):
    """What happened on an activity (or behind an indicator value), with its evidence, under review."""

    serializer_class = ProgressUpdateSerializer
    queryset = ProgressUpdate.objects.none()

    def get_update(self) -> ProgressUpdate:
        return selectors.update_get(self.request.user, self.object_id())

    def list(self, request: Request) -> Response:
        p = self.query(UpdateListParams)
        updates = selectors.update_restrict(request.user, include_archived=p["include_archived"])
        if "activity" in p:
            updates = updates.filter(activity_id=p["activity"])
        if "value" in p:
            updates = updates.filter(actual_value_id=p["value"])
        if "status" in p:
            updates = updates.filter(status=p["status"])
        if p["mine"]:
            updates = updates.filter(author_id=request.user.pk)
        return self.page_of(_with_evidence(updates).order_by("-date", "-id"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_update())

    def create(self, request: Request) -> Response:
        data = self.create_input(UpdateCreateSerializer)
        update = services.update_create(actor=request.user, **data)
        return self.created(update, "planning-update-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        update = self.get_update()
        data, version = self.write_input(UpdateWriteSerializer, partial=partial)
        return self.show(services.update_edit(actor=request.user, update=update, expected_version=version, **data))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        update = self.get_update()
        data, version = self.write_input(ArchiveSerializer)
        return self.show(services.update_archive(actor=request.user, update=update, expected_version=version, **data))

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(self.get_update())

    def transition(self, name: str, serializer_class: Serializer) -> Response:
        update = self.get_update()
        data, version = self.write_input(serializer_class)
        changed = services.update_transition(
            actor=self.request.user, update=update, action=name, expected_version=version, note=data["note"]
        )
        return self.show(changed)

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

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        update = self.get_update()
        serializer = EvidenceUploadSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        evidence = services.evidence_add(actor=request.user, update=update, upload=data.pop("file"), **data)
        response = self.show(evidence, status.HTTP_201_CREATED, serializer=EvidenceSerializer)
        response["Location"] = reverse("planning-evidence-detail", args=[evidence.pk], request=request)
        return response


# --- evidence -------------------------------------------------------------------------------------------------


class FileRenderer(renderers.BaseRenderer):
    """Lets a download be asked for with any ``Accept`` header (files bypass renderers); errors answer in JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return bytes(renderers.JSONRenderer().render(data))


DOWNLOAD = OpenApiParameter(
    "download",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    description="Ask for an attachment even where a browser could show the file itself.",
)
FILE_RESPONSE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The file, with headers that keep a browser from running anything in it.",
)


@extend_schema_view(
    **_docs("piece of evidence", EvidenceSerializer, update=EvidenceWriteSerializer, archive=True),
    file=extend_schema(
        summary="Download the evidence file (photos and videos inline unless ?download=1)",
        parameters=[DOWNLOAD],
        responses={(200, "application/octet-stream"): FILE_RESPONSE, **READ_ERRORS},
    ),
    thumbnail=extend_schema(
        summary="Download the evidence's preview image (404 when it has none)",
        responses={(200, "image/jpeg"): FILE_RESPONSE, **READ_ERRORS},
    ),
)
class EvidenceViewSet(PlanningViewSet):
    """Photos, videos and documents attached to progress updates; readable by the update's readers."""

    serializer_class = EvidenceSerializer
    queryset = Evidence.objects.none()

    def get_evidence(self) -> Evidence:
        return selectors.evidence_get(self.request.user, self.object_id())

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_evidence())

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        evidence = self.get_evidence()
        data, version = self.write_input(EvidenceWriteSerializer, partial=partial)
        return self.show(
            services.evidence_update(actor=request.user, evidence=evidence, expected_version=version, **data)
        )

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        evidence = self.get_evidence()
        data, version = self.write_input(ArchiveSerializer)
        return self.show(
            services.evidence_archive(actor=request.user, evidence=evidence, expected_version=version, **data)
        )

    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, FileRenderer])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        from orbit.planning import media

        evidence = self.get_evidence()
        inline = evidence.kind in (Evidence.Kind.PHOTO, Evidence.Kind.VIDEO)
        return media.download_response(
            evidence.file.name,
            content_type=evidence.content_type,
            download_name=evidence.original_name,
            inline=inline and request.query_params.get("download") not in ("1", "true"),
        )

    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, FileRenderer])
    def thumbnail(self, request: Request, pk: str | None = None) -> FileResponse:
        from orbit.planning import media

        evidence = self.get_evidence()
        name = evidence.thumbnail.name if evidence.thumbnail else ""
        if not name:
            raise NotFound("This evidence has no preview image.")
        stem = evidence.original_name.rsplit(".", 1)[0] or "preview"
        png = name.endswith(".png")
        return media.download_response(
            name,
            content_type="image/png" if png else "image/jpeg",
            download_name=f"{stem}-preview{'.png' if png else '.jpg'}",
            inline=True,
        )


# --- what waits for the reader --------------------------------------------------------------------------------


class ReviewQueueView(APIView):
    """Submitted updates and values waiting for a review the caller may give."""

    authentication_classes = API_AUTHENTICATION

    @extend_schema(
        operation_id="planning_review_queue_retrieve",
        summary="Submitted updates and indicator values waiting for your review (managers of their units)",
        responses={200: ReviewQueueSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        return Response(ReviewQueueSerializer(selectors.review_queue(request.user), context={"request": request}).data)


class MyWorkView(APIView):
    """What is on the caller's desk."""

    authentication_classes = API_AUTHENTICATION

    @extend_schema(
        operation_id="planning_my_work_retrieve",
        summary="Your activities, activities due for an update, your drafts and submissions, reviews waiting",
        responses={200: MyWorkSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        return Response(MyWorkSerializer(selectors.my_work(request.user), context={"request": request}).data)
