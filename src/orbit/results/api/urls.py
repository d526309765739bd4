from rest_framework.routers import SimpleRouter

from orbit.results.api.views import (
    DimensionViewSet,
    FrameworkViewSet,
    IndicatorViewSet,
    LinkViewSet,
    LockViewSet,
    NodeViewSet,
    TargetViewSet,
    ValueViewSet,
)

router = SimpleRouter()
router.register("results/frameworks", FrameworkViewSet, basename="results-framework")
router.register("results/nodes", NodeViewSet, basename="results-node")
router.register("results/indicators", IndicatorViewSet, basename="results-indicator")
router.register("results/targets", TargetViewSet, basename="results-target")
router.register("results/values", ValueViewSet, basename="results-value")
router.register("results/links", LinkViewSet, basename="results-link")
router.register("results/dimensions", DimensionViewSet, basename="results-dimension")
router.register("results/locks", LockViewSet, basename="results-lock")

urlpatterns = router.urls
