"""Report runs over the API: what a request for a report carries, and how a run is shown."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from orbit.core.i18n import current_language
from orbit.reporting.content import ReportParams
from orbit.reporting.models import ReportFormat, ReportRun


class ReportRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A results report to produce in the background (the same choices as the report form)."""

    framework = serializers.IntegerField(min_value=1, help_text="Id of the results framework.")
    period = serializers.RegexField(
        r"^\d{4}$", required=False, allow_blank=True, default="",
        help_text="A calendar year such as 2024 inside the framework's cycle; empty for the whole cycle.",
    )  # fmt: skip
    node = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text="One node (objective): its subtree only."
    )
    unit = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=32,
        help_text="Code of an organisational unit: it and the units below it.",
    )  # fmt: skip
    region = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=3, help_text="An ITU region code, e.g. AFR."
    )
    initiative = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text="Id of a regional initiative."
    )
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False,
        help_text="Language of the report; by default the language of the request.",
    )  # fmt: skip

    def params(self) -> ReportParams:
        data = self.validated_data
        return ReportParams(
            framework_id=data["framework"],
            period=data.get("period") or "",
            node_id=data.get("node"),
            unit_code=(data.get("unit") or "").strip(),
            region=(data.get("region") or "").strip().upper(),
            initiative_id=data.get("initiative"),
            language=data.get("language") or current_language(),
        )


class ReportRunListParams(serializers.Serializer):  # type: ignore[type-arg]
    # Not "format": the API keeps ?format= for choosing its own response format.
    file_format = serializers.ChoiceField(
        choices=ReportFormat.choices, required=False, help_text="html, pdf, docx or xlsx."
    )
    status = serializers.ChoiceField(choices=ReportRun.Status.choices, required=False)
    framework = serializers.IntegerField(min_value=1, required=False)
    archived = serializers.BooleanField(required=False, default=False, help_text="Include archived runs.")


class ReportLinksSerializer(serializers.Serializer):  # type: ignore[type-arg]
    self = serializers.URLField()
    page = serializers.URLField(help_text="The run's page in the web interface.")
    download = serializers.URLField(allow_null=True, help_text="The file, once the run is done; null before.")


class ReportRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    framework_code = serializers.CharField(source="framework.code", read_only=True)
    requested_by = serializers.CharField(source="requested_by.get_username", read_only=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    file_name = serializers.CharField(source="download_name", read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = (
            "id", "kind", "title", "framework", "framework_code", "params", "format", "language", "status",
            "progress", "step", "requested_by", "requested_at", "started_at", "finished_at", "data_cutoff",
            "file_name", "size", "error", "archived", "version", "links",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ReportLinksSerializer)
    def get_links(self, run: ReportRun) -> dict[str, Any]:
        request = self.context.get("request")
        done = run.status == ReportRun.Status.DONE and bool(run.file)
        return {
            "self": reverse("reports-run-detail", args=[run.pk], request=request),
            "page": reverse("reporting:run-detail", args=[run.pk], request=request),
            "download": reverse("reports-run-download", args=[run.pk], request=request) if done else None,
        }
