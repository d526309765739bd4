"""IATI over the API: imports of IATI files (``/api/iati/imports/``) and exports of the plan
(``/api/iati/exports/``).

An import needs the change right on its unit (403 without it, 404 for a unit out of sight); an invalid field is 400
naming it; a file that cannot be read at all is a refused run (201, status ``refused``), not an error. A file over
2 MB is imported in the background: 202 with the upload (``/api/iati/uploads/{id}/``) to poll until it is done.
An export is written in the background: the created export says ``queued``; poll it until ``done`` or ``failed``.
Its file is served only when the export is valid (409 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from orbit.core.api.errors import error_response
from orbit.core.api.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, error_doc
from orbit.core.api.views import OrbitViewSet
from orbit.interop import iati, selectors, services
from orbit.interop.api.serializers import (
    ApplySerializer,
    ExportCreateSerializer,
    IatiExportSerializer,
    IatiUploadSerializer,
    ImportCreateSerializer,
    ImportRunSerializer,
)
from orbit.interop.models import IatiExport, IatiUpload, ImportRun

NOT_READY = error_doc("The export is not finished, or it is not valid IATI and is not offered for publication.")


@extend_schema_view(
    list=extend_schema(
        summary="IATI imports into the units you may change, newest first",
        responses={200: ImportRunSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One IATI import: counts per kind and every problem by activity, rule and line",
        responses={200: ImportRunSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Import an IATI activity file (or dry-run it): good activities are imported, each bad one is reported "
        "by identifier, rule and line; importing the same file again changes nothing",
        request={"multipart/form-data": ImportCreateSerializer},
        responses={201: ImportRunSerializer, 202: IatiUploadSerializer, **CREATE_ERRORS},
    ),
    apply=extend_schema(
        summary="Apply a dry run from the file kept on the server, with the same unit and framework",
        request=ApplySerializer,
        responses={201: ImportRunSerializer, 202: IatiUploadSerializer, **CREATE_ERRORS, 404: READ_ERRORS[404]},
    ),
)
class ImportRunViewSet(OrbitViewSet):
    serializer_class = ImportRunSerializer
    queryset = ImportRun.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def list(self, request: Request) -> Response:
        return self.page_of(selectors.import_run_restrict(request.user))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        run = selectors.import_run_get(user=request.user, pk=self.object_id())
        return Response(ImportRunSerializer(run, context=self.context()).data)

    def _created(self, run: ImportRun) -> Response:
        response = Response(ImportRunSerializer(run, context=self.context()).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("iati-import-detail", args=[run.pk], request=self.request)
        return response

    def create(self, request: Request) -> Response:
        body: dict[str, Any] = {
            key: request.data.get(key)
            for key in ("unit", "framework", "dry_run", "reason")
            if request.data.get(key) not in (None, "")
        }
        serializer = ImportCreateSerializer(data={**body, "file": request.FILES.get("file")}, context=self.context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        uploaded = data["file"]
        try:
            upload = services.iati_upload(
                actor=request.user,
                stream=uploaded,
                name=str(uploaded.name or "upload.xml"),
                unit=data["unit"],
                framework=data["framework"],
                dry_run=data["dry_run"],
                reason=data["reason"],
            )
        except iati.IatiError as exc:
            raise DjangoValidationError({"file": str(exc)}) from exc
        return self._answer(upload)

    def _answer(self, upload: IatiUpload) -> Response:
        """201 with the run when the import has finished; 202 with the upload to poll while it runs in the
        background (files over 2 MB)."""
        run = upload.applied if upload.applied_id is not None else upload.dry_run
        if upload.status == IatiUpload.Status.DONE and run is not None:
            return self._created(run)
        response = Response(IatiUploadSerializer(upload, context=self.context()).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("iati-upload-detail", args=[upload.pk], request=self.request)
        return response

    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        run = selectors.import_run_get(user=request.user, pk=self.object_id())
        upload = selectors.iati_upload_of_dry_run(run)
        if upload is None:
            raise DjangoValidationError({"run": "Only a dry run uploaded through the page or the API can be applied."})
        data = ApplySerializer(data=request.data, context=self.context())
        data.is_valid(raise_exception=True)
        upload = services.iati_upload_apply(actor=request.user, upload=upload, reason=data.validated_data["reason"])
        return self._answer(upload)


@extend_schema_view(
    retrieve=extend_schema(
        summary="An IATI file being imported in the background: its status, then the run it made",
        responses={200: IatiUploadSerializer, **READ_ERRORS},
    ),
)
class IatiUploadViewSet(OrbitViewSet):
    serializer_class = IatiUploadSerializer
    queryset = IatiUpload.objects.none()

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        upload = selectors.iati_upload_get(user=request.user, pk=self.object_id())
        return Response(IatiUploadSerializer(upload, context=self.context()).data)


@extend_schema_view(
    list=extend_schema(summary="Your IATI exports, newest first", responses={200: IatiExportSerializer(many=True)}),
    retrieve=extend_schema(
        summary="One IATI export: its status, the checks and every problem by activity and rule",
        responses={200: IatiExportSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Export the activities you may read as IATI 2.03 (written and checked in the background; poll it)",
        request=ExportCreateSerializer,
        responses={201: IatiExportSerializer, **CREATE_ERRORS},
    ),
    download=extend_schema(
        summary="The IATI file of a finished, valid export",
        responses={
            (200, "application/xml"): OpenApiResponse(OpenApiTypes.BINARY, description="The IATI 2.03 file."),
            409: NOT_READY,
            **READ_ERRORS,
        },
    ),
)
class IatiExportViewSet(OrbitViewSet):
    serializer_class = IatiExportSerializer
    queryset = IatiExport.objects.none()

    def list(self, request: Request) -> Response:
        return self.page_of(selectors.iati_export_restrict(request.user))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        found = selectors.iati_export_get(user=request.user, pk=self.object_id())
        return Response(IatiExportSerializer(found, context=self.context()).data)

    def create(self, request: Request) -> Response:
        serializer = ExportCreateSerializer(data=request.data, context=self.context())
        serializer.is_valid(raise_exception=True)
        created = services.iati_export_request(actor=request.user, **serializer.validated_data)
        response = Response(IatiExportSerializer(created, context=self.context()).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("iati-export-detail", args=[created.pk], request=request)
        return response

    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> Any:
        found = selectors.iati_export_get(user=request.user, pk=self.object_id())
        if found.status != IatiExport.Status.DONE or not found.file:
            return error_response("not_ready", "The export is not finished.", status.HTTP_409_CONFLICT)
        if not found.valid:
            return error_response(
                "not_valid",
                "The export is not valid IATI and is not offered for publication; see its problems.",
                status.HTTP_409_CONFLICT,
            )
        return FileResponse(
            default_storage.open(found.file, "rb"),
            as_attachment=True,
            filename=f"iati-activities-{found.pk}.xml",
            content_type="application/xml",
        )
