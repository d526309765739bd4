"""Report runs over the API under ``/api/reports/``: request a report (202, produced in the background), follow
its status and progress, list the history, download the file.

Reads go through :mod:`orbit.reporting.selectors` (a user sees their own runs and those of frameworks they may
read; any other run is a 404); requests go through :func:`orbit.reporting.services.report_request` with
``actor=request.user``.  Bad parameters are 400 naming the fields.
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from orbit.core.api.concurrency import IF_MATCH, etag_header
from orbit.core.api.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from orbit.core.api.versioned import ArchiveSerializer, RestoreSerializer
from orbit.governance.api.resources import ResourceViewSet
from orbit.planning.api.views import DOWNLOAD, FILE_RESPONSE, FileRenderer
from orbit.reporting import selectors, services
from orbit.reporting.api.serializers import ReportRequestSerializer, ReportRunListParams, ReportRunSerializer
from orbit.reporting.models import ReportRun
from orbit.reporting.views import download_response


@extend_schema_view(
    list=extend_schema(
        summary="The report history: the reports you asked for (every report for administrators), newest first",
        parameters=[ReportRunListParams],
        responses={200: ReportRunSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One report run: its status, progress and links",
        responses={200: ReportRunSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Request a results report; it is produced in the background",
        description="Answers 202 with the queued run; follow `links.self` until `status` is `done` (then "
        "`links.download` gives the file) or `failed` (then `error` says why).",
        request=ReportRequestSerializer,
        responses={
            202: OpenApiResponse(ReportRunSerializer, description="The run, queued (or already done)."),
            **CREATE_ERRORS,
        },
    ),
    archive=extend_schema(
        summary="Archive a report run (yours; not while it is queued or running); its file is kept",
        request=ArchiveSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: ReportRunSerializer, **WRITE_ERRORS},
    ),
    restore=extend_schema(
        summary="Restore an archived report run to the history",
        request=RestoreSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: ReportRunSerializer, **WRITE_ERRORS},
    ),
    download=extend_schema(
        summary="Download the report's file (an HTML report inline unless ?download=1); 404 until it is done",
        parameters=[DOWNLOAD],
        responses={(200, "application/octet-stream"): FILE_RESPONSE, **READ_ERRORS},
    ),
)
class ReportRunViewSet(ResourceViewSet):
    serializer_class = ReportRunSerializer
    queryset = ReportRun.objects.none()

    def list(self, request: Request) -> Response:
        query = self.query(ReportRunListParams)
        runs = selectors.report_run_list(
            request.user,
            fmt=query.get("file_format", ""),
            status=query.get("status", ""),
            framework_id=query.get("framework"),
            include_archived=query.get("archived", False),
        )
        return self.page_of(runs)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        run = selectors.report_run_get(request.user, self.object_id())
        return Response(ReportRunSerializer(run, context=self.context()).data)

    def create(self, request: Request) -> Response:
        serializer = ReportRequestSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        run = services.report_request(
            actor=request.user, params=serializer.params(), fmt=serializer.validated_data["format"]
        )
        response = Response(ReportRunSerializer(run, context=self.context()).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("reports-run-detail", args=[run.pk], request=request)
        return response

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        run = selectors.report_run_get(request.user, self.object_id())
        data, version = self.write_input(ArchiveSerializer)
        return self.show(services.report_archive(actor=request.user, run=run, expected_version=version, **data))

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        run = selectors.report_run_get(request.user, self.object_id())
        data, version = self.write_input(RestoreSerializer)
        return self.show(services.report_restore(actor=request.user, run=run, expected_version=version, **data))

    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, FileRenderer])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        run = selectors.report_run_get(request.user, self.object_id())
        inline = run.format == "html" and request.query_params.get("download") not in ("1", "true")
        return download_response(run, inline=inline)

