"""The process inventory over the API: processes and what hangs from them, dependencies and impact analysis, the
dependency graph (JSON and SVG), shared dictionaries, the APQC taxonomy, assessment rounds, submissions and BPMN
uploads.

Every read goes through :mod:`orbit.processes.selectors`; every write through :mod:`orbit.processes.services`
with ``actor=request.user``.  The inventory is readable by every member of a unit; a process changes with the
change right on its owner unit (without it: 403); invalid input is 400 naming the field, a stale version 409.
Writes to existing records name the version they edit (``If-Match`` or ``version``), else 428.
"""

from __future__ import annotations

from decimal import DecimalException
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orbit.core.api.concurrency import (
    IF_MATCH,
    IF_NONE_MATCH,
    etag_header,
    not_modified,
    with_etag,
)
from orbit.core.api.schema import (
    BAD_REQUEST,
    CREATE_ERRORS,
    LIST_ERRORS,
    NOT_FOUND,
    READ_ERRORS,
    UNAUTHENTICATED,
    WRITE_ERRORS,
)
from orbit.core.api.versioned import NOT_MODIFIED, ArchiveSerializer, RestoreSerializer, VersionedViewSet
from orbit.core.api.views import API_AUTHENTICATION, MAX_ID_DIGITS
from orbit.core.errors import NotFound
from orbit.governance.api.resources import Params, ResourceViewSet, Serializer
from orbit.governance.api.serializers import AuditEventSerializer
from orbit.processes import pictures, scoring, selectors, services
from orbit.processes.api.serializers import (
    AssessmentSerializer,
    BpmnUploadBriefSerializer,
    BpmnUploadCreateSerializer,
    BpmnUploadListParams,
    BpmnUploadSerializer,
    ChangeWindowCreateSerializer,
    ChangeWindowSerializer,
    DependencyCreateSerializer,
    DependencyListParams,
    DependencySerializer,
    DependencyWriteSerializer,
    EntryListParams,
    EntryWriteSerializer,
    ExternalPartySerializer,
    GraphParams,
    GraphSerializer,
    GraphSvgParams,
    ImpactParams,
    ImpactSerializer,
    ImpactSetSerializer,
    ItSystemSerializer,
    ItSystemWriteSerializer,
    KpiCreateSerializer,
    ParticipantCreateSerializer,
    ParticipantSerializer,
    PcfElementDetailSerializer,
    PcfElementListParams,
    PcfElementSerializer,
    PcfReleaseSerializer,
    ProcessDetailSerializer,
    ProcessKpiSerializer,
    ProcessListParams,
    ProcessRoleSerializer,
    ProcessSerializer,
    ProcessWriteSerializer,
    RecordTypeSerializer,
    RemoveSerializer,
    RoundCreateSerializer,
    RoundDetailSerializer,
    RoundSerializer,
    ScoreSerializer,
    ScoringModelSerializer,
    StrategicImpactSerializer,
    SubmissionCreateSerializer,
    SubmissionListParams,
    SubmissionReviewSerializer,
    SubmissionSerializer,
    VersionedActionSerializer,
    graph_data,
    impact_data,
    model_data,
)
from orbit.processes.bpmn import MAX_INPUT_BYTES
from orbit.processes.models import (
    AssessmentRound,
    BpmnUpload,
    Dependency,
    ExternalParty,
    ItSystem,
    PcfElement,
    PcfRelease,
    Process,
    ProcessRole,
    RecordType,
    Submission,
)


def _sub_id(value: Any) -> int:
    """An id in the path below a process (a participant, a window): anything but a number in range is not found."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        raise NotFound("Not found.")
    return int(text)


class ProcessesViewSet(ResourceViewSet):
    """The shared shape of a process-inventory resource (:class:`orbit.governance.api.resources.ResourceViewSet`)."""


def _docs(
    noun: str,
    read: Serializer,
    *,
    article: str = "a",
    plural: str = "",
    retrieve_summary: str = "",
    list_params: Serializer | None = None,
    list_summary: str = "",
    list_read: Serializer | None = None,
    retrieve: bool = True,
    create: Serializer | None = None,
    create_summary: str = "",
    update: Serializer | None = None,
    archive: bool = False,
    restore: bool = False,
    history: bool = False,
) -> dict[str, Any]:
    """The OpenAPI description of the usual actions of a process-inventory resource."""
    docs: dict[str, Any] = {}
    one = f"{article} {noun}"
    if retrieve:
        docs["retrieve"] = extend_schema(
            summary=retrieve_summary or f"One {noun} (archived ones included)",
            parameters=[IF_NONE_MATCH, etag_header(200)],
            responses={200: read, 304: NOT_MODIFIED, **READ_ERRORS},
        )
    if list_params is not None:
        docs["list"] = extend_schema(
            summary=list_summary or (plural or f"{noun}s").capitalize(),
            parameters=[list_params],
            responses={200: (list_read or read)(many=True), **LIST_ERRORS},
        )
    if create is not None:
        docs["create"] = extend_schema(
            summary=create_summary or f"Create {one}",
            request=create,
            parameters=[etag_header(201)],
            responses={201: read, **CREATE_ERRORS},
        )
    if update is not None:
        summaries = {"update": f"Replace {one}'s fields", "partial_update": f"Change some of {one}'s fields"}
        for name, summary in summaries.items():
            docs[name] = extend_schema(
                summary=summary,
                request=update,
                parameters=[IF_MATCH, etag_header(200)],
                responses={200: read, **WRITE_ERRORS},
            )
    for name, wanted, request in (("archive", archive, ArchiveSerializer), ("restore", restore, RestoreSerializer)):
        if wanted:
            docs[name] = extend_schema(
                summary=f"{name.capitalize()} {one}",
                request=request,
                parameters=[IF_MATCH, etag_header(200)],
                responses={200: read, **WRITE_ERRORS},
            )
    if history:
        docs["history"] = extend_schema(
            summary=f"The {noun}'s audit events, newest first",
            responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
        )
    return docs


def _sub_docs(summary: str, request: Serializer, response: Serializer, code: int = 201) -> Any:
    """A write to a record hanging from a process (no version: the process's own version does not change)."""
    return extend_schema(summary=summary, request=request, responses={code: response, **WRITE_ERRORS})


def _removal_docs(summary: str, name: str, response: Serializer) -> Any:
    return extend_schema(
        summary=summary,
        request=RemoveSerializer,
        parameters=[OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: response, **WRITE_ERRORS},
    )


# --- processes ------------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "process",
        ProcessDetailSerializer,
        list_params=ProcessListParams,
        list_read=ProcessSerializer,
        list_summary="The process inventory (every member of a unit reads all of it), by code",
        create=ProcessWriteSerializer,
        create_summary="Add a process owned by a unit where you have the change right (its code given when left out)",
        update=ProcessWriteSerializer,
        archive=True,
        restore=True,
        history=True,
    ),
    impact=extend_schema(
        summary="What a change to the process reaches (downstream), what can affect it (upstream), its cycle",
        parameters=[ImpactParams],
        responses={200: ImpactSerializer, **READ_ERRORS, 400: BAD_REQUEST},
    ),
    participants=_sub_docs("Add a unit or role taking part in the process (RACI)", ParticipantCreateSerializer,
                           ParticipantSerializer),
    remove_participant=_removal_docs("Remove a participant (archived, with the reason)", "participant",
                                     ParticipantSerializer),
    windows=_sub_docs("Add a period when the process may change, or must not", ChangeWindowCreateSerializer,
                      ChangeWindowSerializer),
    remove_window=_removal_docs("Remove a change window (archived, with the reason)", "window", ChangeWindowSerializer),
    impacts=_sub_docs("Link the process to a result it serves, or change the rating of the link", ImpactSetSerializer,
                      StrategicImpactSerializer, 200),
    remove_impact=_removal_docs("Remove a link to a result (archived, with the reason)", "impact",
                                StrategicImpactSerializer),
    kpis=_sub_docs("Add a KPI: an indicator with its baseline and a target, in the unit's performance framework "
                   "(managers of the owner unit)", KpiCreateSerializer, ProcessKpiSerializer),
)  # fmt: skip
class ProcessViewSet(VersionedViewSet):
    """Processes, procedures and working methods at five levels, with what hangs from each."""

    serializer_class = ProcessSerializer
    update_serializer_class = ProcessWriteSerializer
    queryset = Process.objects.none()  # the schema's model; requests read through the selectors

    def get_versioned(self) -> Process:
        return selectors.process_get(user=self.request.user, pk=self.object_id(), include_archived=True)

    def show(self, instance: Any, http_status: int = status.HTTP_200_OK) -> Response:
        """One process with what hangs from it, read afresh, with its version as the ETag."""
        detail = selectors.process_detail(user=self.request.user, pk=instance.pk)
        return self.show_detail(detail, http_status)

    def show_detail(self, detail: selectors.ProcessDetail, http_status: int = status.HTTP_200_OK) -> Response:
        data = ProcessDetailSerializer(detail.process, context={**self.context(), "detail": detail}).data
        return with_etag(Response(data, status=http_status), detail.process)

    def list(self, request: Request) -> Response:
        filters = selectors.ProcessFilters(**self.query(ProcessListParams))
        return self.page_of(selectors.process_list(user=request.user, filters=filters))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        detail = selectors.process_detail(user=request.user, pk=self.object_id())
        if not_modified(request, detail.process):
            return with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), detail.process)
        return self.show_detail(detail)

    def create(self, request: Request) -> Response:
        serializer = ProcessWriteSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        process = services.process_create(actor=request.user, **data)
        return self.created(process, "processes-process-detail")

    def perform_update(self, instance: Process, data: dict[str, Any], *, expected_version: int) -> Process:
        return services.process_update(
            actor=self.request.user, process=instance, expected_version=expected_version, **data
        )

    def perform_archive(self, instance: Process, *, expected_version: int, reason: str) -> Process:
        return services.process_archive(
            actor=self.request.user, process=instance, expected_version=expected_version, reason=reason
        )

    def perform_restore(self, instance: Process, *, expected_version: int, reason: str) -> Process:
        return services.process_restore(
            actor=self.request.user, process=instance, expected_version=expected_version, reason=reason
        )

    @action(detail=True, methods=["get"])
    def impact(self, request: Request, pk: str | None = None) -> Response:
        process = self.get_versioned()
        params = self.query(ImpactParams)
        kinds: list[str] = params["kinds"]
        max_distance: int | None = params.get("max_distance")
        impact, processes = selectors.impact_analysis(
            user=request.user, process=process, kinds=kinds or None, max_distance=max_distance
        )
        return Response(impact_data(process, impact, processes, kinds, max_distance))

    def _child_input(self, serializer_class: Serializer) -> tuple[Process, Params]:
        """The process named in the path (404 first) and the validated body of a record to hang from it."""
        process = self.get_versioned()
        serializer = serializer_class(data=self.request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        return process, dict(serializer.validated_data)

    def _child(self, instance: Any, serializer: Serializer, http_status: int = status.HTTP_201_CREATED) -> Response:
        return with_etag(Response(serializer(instance, context=self.context()).data, status=http_status), instance)

    def _removal_reason(self) -> str:
        """The reason of a removal, from the body or, for clients that send no body with DELETE, the query."""
        data = self.request.data if "reason" in self.request.data else self.request.query_params
        serializer = RemoveSerializer(data=data, context=self.context())
        serializer.is_valid(raise_exception=True)
        reason: str = serializer.validated_data["reason"]
        return reason

    @action(detail=True, methods=["post"])
    def participants(self, request: Request, pk: str | None = None) -> Response:
        process, data = self._child_input(ParticipantCreateSerializer)
        participant = services.participant_add(actor=request.user, process=process, **data)
        return self._child(participant, ParticipantSerializer)

    @action(detail=True, methods=["delete"], url_path=r"participants/(?P<participant>[^/.]+)",
            url_name="participant")  # fmt: skip
    def remove_participant(self, request: Request, pk: str | None = None, participant: str | None = None) -> Response:
        process = self.get_versioned()
        found = selectors.participant_get(user=request.user, process=process, pk=_sub_id(participant))
        removed = services.participant_remove(actor=request.user, participant=found, reason=self._removal_reason())
        return self._child(removed, ParticipantSerializer, status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def windows(self, request: Request, pk: str | None = None) -> Response:
        process, data = self._child_input(ChangeWindowCreateSerializer)
        window = services.change_window_add(actor=request.user, process=process, **data)
        return self._child(window, ChangeWindowSerializer)

    @action(detail=True, methods=["delete"], url_path=r"windows/(?P<window>[^/.]+)", url_name="window")
    def remove_window(self, request: Request, pk: str | None = None, window: str | None = None) -> Response:
        process = self.get_versioned()
        found = selectors.window_get(user=request.user, process=process, pk=_sub_id(window))
        removed = services.change_window_remove(actor=request.user, window=found, reason=self._removal_reason())
        return self._child(removed, ChangeWindowSerializer, status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def impacts(self, request: Request, pk: str | None = None) -> Response:
        process, data = self._child_input(ImpactSetSerializer)
        impact = services.impact_set(actor=request.user, process=process, **data)
        return self._child(impact, StrategicImpactSerializer, status.HTTP_200_OK)

    @action(detail=True, methods=["delete"], url_path=r"impacts/(?P<impact>[^/.]+)", url_name="impact")
    def remove_impact(self, request: Request, pk: str | None = None, impact: str | None = None) -> Response:
        process = self.get_versioned()
        found = selectors.impact_get(user=request.user, process=process, pk=_sub_id(impact))
        removed = services.impact_remove(actor=request.user, impact=found, reason=self._removal_reason())
        return self._child(removed, StrategicImpactSerializer, status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def kpis(self, request: Request, pk: str | None = None) -> Response:
        process, data = self._child_input(KpiCreateSerializer)
        kpi = services.process_kpi_create(actor=request.user, process=process, **data)
        return self._child(kpi, ProcessKpiSerializer)


# --- dependencies ---------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "dependency",
        DependencySerializer,
        list_params=DependencyListParams,
        list_summary="Dependencies between processes, by source code, target code and kind",
        create=DependencyCreateSerializer,
        create_summary="Link two processes (the change right on the source's owner unit)",
        update=DependencyWriteSerializer,
        archive=True,
        history=True,
    )
)
class DependencyViewSet(ProcessesViewSet):
    """Typed, directed edges: changing the source affects the target (shared kinds reach both ways)."""

    serializer_class = DependencySerializer
    queryset = Dependency.objects.none()

    def get_dependency(self) -> Dependency:
        return selectors.dependency_get(user=self.request.user, pk=self.object_id())

    def list(self, request: Request) -> Response:
        return self.page_of(selectors.dependency_list(user=request.user, **self.query(DependencyListParams)))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_dependency())

    def create(self, request: Request) -> Response:
        data = self.create_input(DependencyCreateSerializer)
        dependency = services.dependency_create(actor=request.user, **data)
        return self.created(dependency, "processes-dependency-detail")

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        dependency = self.get_dependency()
        data, version = self.write_input(DependencyWriteSerializer, partial=partial)
        changed = services.dependency_update(
            actor=request.user, dependency=dependency, expected_version=version, **data
        )
        return self.show(changed)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        dependency = self.get_dependency()
        data, version = self.write_input(ArchiveSerializer)
        archived = services.dependency_archive(
            actor=request.user, dependency=dependency, expected_version=version, reason=data["reason"]
        )
        return self.show(archived)

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(self.get_dependency())


# --- the dependency graph -----------------------------------------------------------------------------------------


class GraphView(APIView):
    """The dependency graph as data, for a client that draws its own picture."""

    authentication_classes = API_AUTHENTICATION

    @extend_schema(
        operation_id="processes_graph_retrieve",
        summary="The dependency graph: processes of levels 1–3 with their wave, dependencies, cycles and waves",
        parameters=[GraphParams],
        responses={200: GraphSerializer, 400: BAD_REQUEST, 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        params = GraphParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        view = selectors.graph_view(
            user=request.user, unit=params.validated_data.get("unit"), limit=params.validated_data["limit"]
        )
        return Response(graph_data(view))


class SvgRenderer(renderers.BaseRenderer):
    """Lets the picture be asked for with ``Accept: image/svg+xml``; errors still answer in JSON."""

    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return bytes(renderers.JSONRenderer().render(data))


SVG_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description="A standalone SVG picture, without script.")


class GraphSvgView(APIView):
    """The dependency graph as one SVG picture, drawn on the server."""

    authentication_classes = API_AUTHENTICATION
    renderer_classes = [renderers.JSONRenderer, SvgRenderer]

    @extend_schema(
        operation_id="processes_graph_svg_retrieve",
        summary="The dependency graph as an SVG picture, columns by transformation wave, bands by unit or wave; "
        "with process, the impact of a change to that process",
        parameters=[GraphSvgParams],
        responses={(200, "image/svg+xml"): SVG_RESPONSE, 400: BAD_REQUEST, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> HttpResponse:
        params = GraphSvgParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if data.get("process"):
            process = selectors.process_get(user=request.user, pk=data["process"])
            impact, processes = selectors.impact_analysis(
                user=request.user, process=process, kinds=data["kinds"] or None,
                max_distance=data.get("max_distance"), fetch_limit=pictures.PICTURE_LIMIT,
            )  # fmt: skip
            svg, _cut = pictures.impact_picture(process, impact, processes)
        else:
            view = selectors.graph_view(user=request.user, unit=data.get("unit"))
            svg = pictures.dependency_picture(list(view["processes"].values()), group_by=data["group_by"])
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response


# --- shared dictionaries -------------------------------------------------------------------------------------------


class DictionaryViewSet(ProcessesViewSet):
    """Entries of one shared dictionary; any member reads them, the change right somewhere writes them."""

    dictionary: str = ""
    write_serializer_class: Serializer = EntryWriteSerializer
    route: str = ""

    def get_entry(self) -> Any:
        return selectors.dictionary_get(user=self.request.user, dictionary=self.dictionary, pk=self.object_id())

    def list(self, request: Request) -> Response:
        return self.page_of(selectors.dictionary_list(user=request.user, dictionary=self.dictionary,
                                                  **self.query(EntryListParams)))  # fmt: skip

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_entry())

    def create(self, request: Request) -> Response:
        data = self.create_input(self.write_serializer_class)
        entry = services.dictionary_entry_create(actor=request.user, dictionary=self.dictionary, **data)
        return self.created(entry, self.route)

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        entry = self.get_entry()
        data, version = self.write_input(self.write_serializer_class, partial=partial)
        return self.show(
            services.dictionary_entry_update(actor=request.user, entry=entry, expected_version=version, **data)
        )

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    def _archive_or_restore(self, serializer_class: Serializer, service: Any) -> Response:
        entry = self.get_entry()
        data, version = self.write_input(serializer_class)
        return self.show(
            service(actor=self.request.user, entry=entry, expected_version=version, reason=data["reason"])
        )

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        return self._archive_or_restore(ArchiveSerializer, services.dictionary_entry_archive)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        return self._archive_or_restore(RestoreSerializer, services.dictionary_entry_restore)

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(self.get_entry())


def _dictionary_docs(
    noun: str, plural: str, read: Serializer, write: Serializer, *, article: str = "a"
) -> dict[str, Any]:
    return _docs(
        noun,
        read,
        article=article,
        list_params=EntryListParams,
        list_summary=f"{plural[0].upper()}{plural[1:]} of the shared dictionary, by code",
        create=write,
        create_summary=f"Add {article} {noun} to the shared dictionary (the change right in any unit)",
        update=write,
        archive=True,
        restore=True,
        history=True,
    )


@extend_schema_view(
    **_dictionary_docs("IT system", "IT systems", ItSystemSerializer, ItSystemWriteSerializer, article="an")
)
class ItSystemViewSet(DictionaryViewSet):
    serializer_class = ItSystemSerializer
    queryset = ItSystem.objects.none()
    dictionary = "it_systems"
    write_serializer_class = ItSystemWriteSerializer
    route = "processes-it-system-detail"


@extend_schema_view(**_dictionary_docs("record type", "record types", RecordTypeSerializer, EntryWriteSerializer))
class RecordTypeViewSet(DictionaryViewSet):
    serializer_class = RecordTypeSerializer
    queryset = RecordType.objects.none()
    dictionary = "records"
    route = "processes-record-detail"


@extend_schema_view(**_dictionary_docs("process role", "process roles", ProcessRoleSerializer, EntryWriteSerializer))
class ProcessRoleViewSet(DictionaryViewSet):
    serializer_class = ProcessRoleSerializer
    queryset = ProcessRole.objects.none()
    dictionary = "roles"
    route = "processes-role-detail"


@extend_schema_view(
    **_dictionary_docs(
        "external party", "external parties", ExternalPartySerializer, EntryWriteSerializer, article="an"
    )
)
class ExternalPartyViewSet(DictionaryViewSet):
    serializer_class = ExternalPartySerializer
    queryset = ExternalParty.objects.none()
    dictionary = "external_parties"
    route = "processes-external-party-detail"


# --- the APQC reference taxonomy -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Elements of the APQC Process Classification Framework, by release and PCF id",
        parameters=[PcfElementListParams],
        responses={200: PcfElementSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One PCF element with its parent, children and the metrics APQC defines for it",
        responses={200: PcfElementDetailSerializer, **READ_ERRORS},
    ),
)
class PcfElementViewSet(ProcessesViewSet):
    """The APQC taxonomy as a read-only reference to classify processes and pick KPI templates."""

    serializer_class = PcfElementSerializer
    queryset = PcfElement.objects.none()

    def list(self, request: Request) -> Response:
        return self.page_of(selectors.pcf_element_list(user=request.user, **self.query(PcfElementListParams)))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        element = selectors.pcf_element_get(user=request.user, pk=self.object_id())
        return Response(PcfElementDetailSerializer(element, context=self.context()).data)


@extend_schema_view(
    list=extend_schema(
        summary="Releases of the APQC PCF stored, with APQC's attribution and their number of elements",
        responses={200: PcfReleaseSerializer(many=True), **LIST_ERRORS},
    ),
)
class PcfReleaseViewSet(ProcessesViewSet):
    serializer_class = PcfReleaseSerializer
    queryset = PcfRelease.objects.none()

    def list(self, request: Request) -> Response:
        return self.page_of(selectors.pcf_release_list(user=request.user))


# --- assessment rounds -----------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "assessment round",
        RoundDetailSerializer,
        article="an",
        retrieve_summary="One assessment round with its scoring model and ranking (quick wins flagged, with reasons)",
        list_params=None,
        create=RoundCreateSerializer,
        create_summary="Open an assessment round run by a unit where you have the change right",
        history=True,
    ),
    list=extend_schema(
        summary="Assessment rounds, newest first, with how many processes each has scored",
        responses={200: RoundSerializer(many=True), **LIST_ERRORS},
    ),
    scores=extend_schema(
        summary="Score (or score again) a process in an open round; the model checks every answer",
        request=ScoreSerializer,
        responses={200: AssessmentSerializer, **WRITE_ERRORS},
    ),
    close=extend_schema(
        summary="Close the round: its ranking stays, no more scores",
        request=VersionedActionSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: RoundDetailSerializer, **WRITE_ERRORS},
    ),
)
class RoundViewSet(ProcessesViewSet):
    """Processes scored by a scoring model, ranked, with the quick wins picked out."""

    serializer_class = RoundDetailSerializer
    queryset = AssessmentRound.objects.none()

    def get_round(self) -> AssessmentRound:
        return selectors.round_get(user=self.request.user, pk=self.object_id())

    def show(
        self, instance: Any, http_status: int = status.HTTP_200_OK, serializer: Serializer | None = None
    ) -> Response:
        """A round with its model and ranking."""
        context = {
            **self.context(),
            "model": selectors.round_scoring_model(instance),
            "ranking": selectors.round_ranking(user=self.request.user, round_=instance),
        }
        return with_etag(Response(RoundDetailSerializer(instance, context=context).data, status=http_status), instance)

    def list(self, request: Request) -> Response:
        # The count of scored processes groups the rows, which drops the model's ordering: give it again.
        rounds = selectors.round_list(user=request.user).order_by("-created_at", "-id")
        return self.page_of(rounds, RoundSerializer)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_round())

    def create(self, request: Request) -> Response:
        data = self.create_input(RoundCreateSerializer)
        return self.created(services.round_create(actor=request.user, **data), "processes-round-detail")

    @action(detail=True, methods=["post"])
    def scores(self, request: Request, pk: str | None = None) -> Response:
        round_ = self.get_round()
        data = self.create_input(ScoreSerializer)
        try:
            assessment = services.process_score(actor=request.user, round_=round_, **data)
        except DecimalException as exc:
            # A number beyond what the scoring arithmetic can carry (e.g. 1e-30 person-months of effort): bad
            # input, refused like any other, not a server error.  Nothing was written (the service is atomic).
            raise DjangoValidationError({"answers": TOO_LARGE_TO_SCORE}) from exc
        return with_etag(Response(AssessmentSerializer(assessment, context=self.context()).data), assessment)

    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        round_ = self.get_round()
        data, version = self.write_input(VersionedActionSerializer)
        return self.show(services.round_close(actor=request.user, round_=round_, expected_version=version, **data))

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(self.get_round())


TOO_LARGE_TO_SCORE = "These answers give a score too large or too small to compute; check each answer's range."


class ScoringModelsView(APIView):
    """The scoring models a round may use."""

    authentication_classes = API_AUTHENTICATION

    @extend_schema(
        operation_id="processes_scoring_models_list",
        summary="The built-in scoring models and their criteria (a round may also define `weighted` criteria)",
        responses={200: ScoringModelSerializer(many=True), 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        services.require_inventory_reader(request.user)
        return Response([model_data(model) for model in scoring.MODELS.values()])


# --- submissions ---------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "submission",
        SubmissionSerializer,
        retrieve_summary="One submission (yours, or one you may review)",
        list_params=SubmissionListParams,
        list_summary="Submissions waiting for your review (managers of the unit concerned), or yours with ?mine=1",
        create=SubmissionCreateSerializer,
        create_summary="Describe a process, a pain point or an idea for any unit (any member)",
        history=True,
    ),
    review=extend_schema(
        summary="Merge a submission (into a process, or as a new one), decline it or mark it a duplicate",
        request=SubmissionReviewSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: SubmissionSerializer, **WRITE_ERRORS},
    ),
)
class SubmissionViewSet(ProcessesViewSet):
    """Bottom-up capture: staff describe how they work; analysts merge it into the inventory."""

    serializer_class = SubmissionSerializer
    queryset = Submission.objects.none()

    def get_submission(self) -> Submission:
        return selectors.submission_get(user=self.request.user, pk=self.object_id())

    def list(self, request: Request) -> Response:
        return self.page_of(selectors.submission_list(user=request.user, **self.query(SubmissionListParams)))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_submission())

    def create(self, request: Request) -> Response:
        data = self.create_input(SubmissionCreateSerializer)
        return self.created(services.submission_create(actor=request.user, **data), "processes-submission-detail")

    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_submission()
        data, version = self.write_input(SubmissionReviewSerializer)
        reviewed = services.submission_review(
            actor=request.user, submission=submission, expected_version=version, **data
        )
        return self.show(reviewed)

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        return self.history_page(self.get_submission())


# --- BPMN uploads -------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_docs(
        "BPMN upload", BpmnUploadSerializer, retrieve_summary="One BPMN upload with its preview or what it applied",
        list_params=BpmnUploadListParams, list_read=BpmnUploadBriefSerializer,
        list_summary="BPMN uploads into the units you may change, newest first, with their counts",
    ),
    create=extend_schema(
        summary="Upload BPMN files and preview what applying them would change (nothing changes yet); a file that "
        "cannot be read refuses the whole upload, with the reason in the report",
        request={"multipart/form-data": BpmnUploadCreateSerializer},
        parameters=[etag_header(201)],
        responses={201: BpmnUploadSerializer, **CREATE_ERRORS},
    ),
    apply=extend_schema(
        summary="Apply a previewed upload, all or nothing (worked out again against the current inventory)",
        request=VersionedActionSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: BpmnUploadSerializer, **WRITE_ERRORS},
    ),
)
class BpmnUploadViewSet(ProcessesViewSet):
    """BPMN files into the inventory: a preview first, then an atomic apply."""

    serializer_class = BpmnUploadSerializer
    queryset = BpmnUpload.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_upload(self) -> BpmnUpload:
        return selectors.upload_get(user=self.request.user, pk=self.object_id())

    def list(self, request: Request) -> Response:
        uploads = selectors.upload_list(user=request.user, **self.query(BpmnUploadListParams))
        return self.page_of(uploads, BpmnUploadBriefSerializer)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self.conditional(self.get_upload())

    def create(self, request: Request) -> Response:
        files = [*request.FILES.getlist("files"), *request.FILES.getlist("files[]")]
        body = {key: request.data.get(key) for key in ("owner_unit", "reason") if request.data.get(key) is not None}
        serializer = BpmnUploadCreateSerializer(data={**body, "files": files}, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        too_large = [f.name for f in data["files"] if f.size is None or f.size > MAX_INPUT_BYTES]
        if too_large:
            raise DjangoValidationError(
                {"files": f"{', '.join(too_large)}: larger than the {MAX_INPUT_BYTES:,} bytes accepted for one file."}
            )
        contents = [(str(f.name), f.read()) for f in data["files"]]
        upload = services.bpmn_upload_preview(
            actor=request.user, owner_unit=data["owner_unit"], files=contents, reason=data["reason"]
        )
        return self.created(upload, "processes-bpmn-upload-detail")

    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        upload = self.get_upload()
        data, version = self.write_input(VersionedActionSerializer)
        return self.show(
            services.bpmn_upload_apply(actor=request.user, upload=upload, expected_version=version, **data)
        )
