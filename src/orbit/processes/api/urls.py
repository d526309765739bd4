"""Routes of the process inventory API under ``/api/processes/``."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from orbit.processes.api.views import (
    BpmnUploadViewSet,
    DependencyViewSet,
    ExternalPartyViewSet,
    GraphSvgView,
    GraphView,
    ItSystemViewSet,
    PcfElementViewSet,
    PcfReleaseViewSet,
    ProcessRoleViewSet,
    ProcessViewSet,
    RecordTypeViewSet,
    RoundViewSet,
    ScoringModelsView,
    SubmissionViewSet,
)

router = SimpleRouter()
router.register("processes", ProcessViewSet, basename="processes-process")
router.register("dependencies", DependencyViewSet, basename="processes-dependency")
router.register("dictionaries/it_systems", ItSystemViewSet, basename="processes-it-system")
router.register("dictionaries/records", RecordTypeViewSet, basename="processes-record")
router.register("dictionaries/roles", ProcessRoleViewSet, basename="processes-role")
router.register("dictionaries/external_parties", ExternalPartyViewSet, basename="processes-external-party")
router.register("pcf/elements", PcfElementViewSet, basename="processes-pcf-element")
router.register("pcf/releases", PcfReleaseViewSet, basename="processes-pcf-release")
router.register("rounds", RoundViewSet, basename="processes-round")
router.register("submissions", SubmissionViewSet, basename="processes-submission")
router.register("bpmn-uploads", BpmnUploadViewSet, basename="processes-bpmn-upload")

urlpatterns: list[URLPattern | URLResolver] = [
    path("graph/", GraphView.as_view(), name="processes-graph"),
    path("graph.svg", GraphSvgView.as_view(), name="processes-graph-svg"),
    path("scoring-models/", ScoringModelsView.as_view(), name="processes-scoring-models"),
    *router.urls,
]
