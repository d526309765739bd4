"""Shapes of the IATI API: import runs and IATI exports."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orbit.core.api.fields import IdField, reason_field
from orbit.core.errors import NotFound
from orbit.interop.forms import MAX_UPLOAD_BYTES
from orbit.interop.models import IatiExport, IatiUpload, ImportRun
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_get
from orbit.results.api.serializers import RecordSerializer
from orbit.results.models import Framework
from orbit.results.selectors import framework_get


def _user(serializer: serializers.Serializer[Any]) -> Any:
    return serializer.context["request"].user


class CountsSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    refused = serializers.IntegerField()


class ImportCountsSerializer(serializers.Serializer[Any]):
    activities = CountsSerializer()
    results = CountsSerializer()
    indicators = CountsSerializer()
    periods = CountsSerializer()


class ImportProblemSerializer(serializers.Serializer[Any]):
    identifier = serializers.CharField(help_text="The activity's iati-identifier (empty for the whole file).")
    rule = serializers.CharField(help_text="The IATI validator's rule id, or Orbit's.")
    severity = serializers.CharField(help_text="critical (the activity is refused), error or warning.")
    message = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)


class ExportProblemSerializer(ImportProblemSerializer):
    activity = serializers.CharField(help_text="The Orbit activity code (empty for the whole file).")


class ImportRunSerializer(serializers.ModelSerializer[ImportRun]):
    actor = serializers.CharField(source="actor.get_username", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    counts = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = (
            "id", "file_name", "sha256", "size", "actor", "unit", "unit_code", "created_at", "seconds", "dry_run",
            "status", "message", "activities_read", "counts", "problems",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ImportCountsSerializer)
    def get_counts(self, run: ImportRun) -> dict[str, Any]:
        return dict(run.counts) if isinstance(run.counts, dict) else {}

    @extend_schema_field(ImportProblemSerializer(many=True))
    def get_problems(self, run: ImportRun) -> list[Any]:
        return list(run.problems) if isinstance(run.problems, list) else []


class ImportCreateSerializer(serializers.Serializer[Any]):
    """A multipart form: the IATI ``file``, the ``unit`` that owns what it creates, an optional ``framework``."""

    file = serializers.FileField(help_text="An IATI 2.0x activities XML file.")
    unit = IdField(help_text="The unit that owns what the file creates (you need the change right there).")
    framework = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Attach to this results framework (you need the change right on it); "
        "without it, a framework per reporting organisation.",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Check and count only; apply the run later with POST .../apply/."
    )
    reason = reason_field()

    def validate_file(self, value: Any) -> Any:
        if value.size is None or value.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(f"Larger than the {MAX_UPLOAD_BYTES:,} bytes accepted.")
        return value

    def validate_unit(self, value: int) -> OrgUnit:
        try:
            return org_unit_get(_user(self), value)
        except NotFound as exc:
            raise serializers.ValidationError("No such organisational unit.") from exc

    def validate_framework(self, value: int | None) -> Framework | None:
        if value is None:
            return None
        try:
            return framework_get(_user(self), value)
        except NotFound as exc:
            raise serializers.ValidationError("No such results framework.") from exc


class IatiUploadSerializer(serializers.ModelSerializer[IatiUpload]):
    """A large file being imported in the background: poll it until ``done`` (then read ``dry_run`` or ``applied``,
    the runs) or ``failed`` (``message`` says why)."""

    uploaded_by = serializers.CharField(source="uploaded_by.get_username", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    framework = serializers.IntegerField(source="framework_id", read_only=True, allow_null=True)
    dry_run = serializers.IntegerField(source="dry_run_id", read_only=True, allow_null=True)
    applied = serializers.IntegerField(source="applied_id", read_only=True, allow_null=True)

    class Meta:
        model = IatiUpload
        fields = (
            "id", "file_name", "sha256", "size", "uploaded_by", "unit", "framework", "created_at", "status",
            "dry_run_requested", "message", "dry_run", "applied",
        )  # fmt: skip
        read_only_fields = fields


class ApplySerializer(serializers.Serializer[Any]):
    reason = reason_field()


class IatiExportSerializer(RecordSerializer):
    requested_by = serializers.CharField(source="requested_by.get_username", read_only=True)
    framework = serializers.IntegerField(source="framework_id", read_only=True, allow_null=True)
    problems = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField(
        help_text="Where to download the file: only when the export is finished and valid."
    )

    class Meta:
        model = IatiExport
        fields = (
            "id", "requested_by", "framework", "prefix", "reporting_org_ref", "reporting_org_name",
            "reporting_org_type", "status", "activities", "valid", "schema_checked", "problems", "message", "size",
            "sha256", "seconds", "finished_at", "download", *RecordSerializer.RECORD_FIELDS,
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ExportProblemSerializer(many=True))
    def get_problems(self, export: IatiExport) -> list[Any]:
        return list(export.problems) if isinstance(export.problems, list) else []

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download(self, export: IatiExport) -> str | None:
        if export.status != IatiExport.Status.DONE or not export.valid:
            return None
        path = reverse("iati-export-download", args=[export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ExportCreateSerializer(serializers.Serializer[Any]):
    """What to export and as whom; every field left out takes the configured publisher (``ORBIT_IATI_*``)."""

    framework = IdField(
        required=False, allow_null=True, default=None, help_text="Only activities serving this framework."
    )
    prefix = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    reporting_org_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    reporting_org_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    reporting_org_type = serializers.CharField(required=False, allow_blank=True, default="", max_length=4)
    reason = reason_field()

    def validate_framework(self, value: int | None) -> Framework | None:
        if value is None:
            return None
        try:
            return framework_get(_user(self), value)
        except NotFound as exc:
            raise serializers.ValidationError("No such results framework.") from exc
