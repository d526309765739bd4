from django.contrib import admin

from orbit.core.admin import ReadOnlyAdmin
from orbit.processes.models import (
    Assessment,
    AssessmentRound,
    BpmnUpload,
    ChangeWindow,
    Dependency,
    ExternalParty,
    ItSystem,
    PcfElement,
    PcfMetric,
    PcfRelease,
    Process,
    ProcessIndicator,
    ProcessParticipant,
    ProcessRole,
    RecordType,
    StrategicImpact,
    Submission,
)


@admin.register(Process)
class ProcessAdmin(ReadOnlyAdmin):
    list_display = ("code", "level", "owner_unit", "nature", "digitisation", "transformation_status", "is_sample")
    list_filter = ("level", "nature", "digitisation", "transformation_status", "is_sample")
    list_select_related = ("owner_unit",)
    search_fields = ("code", "import_key")


@admin.register(Dependency)
class DependencyAdmin(ReadOnlyAdmin):
    list_display = ("source", "target", "kind", "strength", "archived_at")
    list_filter = ("kind",)
    list_select_related = ("source", "target")


@admin.register(PcfElement)
class PcfElementAdmin(ReadOnlyAdmin):
    list_display = ("hierarchy_id", "pcf_id", "name", "level", "release")
    list_filter = ("level", "release")
    search_fields = ("hierarchy_id", "name")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("round", "process", "total", "value", "effort")
    list_select_related = ("round", "process")


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "unit", "status", "submitted_by")
    list_filter = ("kind", "status")
    list_select_related = ("unit", "submitted_by")


for model in (AssessmentRound, BpmnUpload, ChangeWindow, ExternalParty, ItSystem, PcfMetric, PcfRelease,
              ProcessIndicator, ProcessParticipant, ProcessRole, RecordType, StrategicImpact):  # fmt: skip
    admin.site.register(model, ReadOnlyAdmin)
