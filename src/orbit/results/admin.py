from django.contrib import admin

from orbit.core.admin import ReadOnlyAdmin
from orbit.results.models import ActualValue, Dimension, Framework, Indicator, NodeLink, ResultNode, Target


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "status", "cycle_start", "cycle_end", "owner_unit", "is_public", "is_sample")
    list_filter = ("kind", "status", "is_public", "is_sample")
    search_fields = ("code",)


@admin.register(ResultNode)
class ResultNodeAdmin(ReadOnlyAdmin):
    list_display = ("framework", "number", "ref_code", "tier", "status_note", "archived_at")
    list_filter = ("framework",)
    list_select_related = ("framework",)


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ("code", "node", "measure", "time_aggregation", "unit_aggregation", "is_sample")
    list_filter = ("measure", "time_aggregation", "unit_aggregation")
    list_select_related = ("node", "node__framework")


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "period_type", "period_start", "period_end", "unit", "value", "score")
    list_select_related = ("indicator", "unit")


@admin.register(ActualValue)
class ActualValueAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "unit", "period_type", "period_start", "value", "score", "status")
    list_filter = ("status", "period_type")
    list_select_related = ("indicator", "unit")


admin.site.register(Dimension, ReadOnlyAdmin)
admin.site.register(NodeLink, ReadOnlyAdmin)
