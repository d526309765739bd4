from django.urls import path
from rest_framework.routers import SimpleRouter

from orbit.planning.api.views import (
    ActivityViewSet,
    BudgetLineViewSet,
    EvidenceViewSet,
    ExchangeRateViewSet,
    InitiativeViewSet,
    MilestoneViewSet,
    MyWorkView,
    ReviewQueueView,
    UpdateViewSet,
)

router = SimpleRouter()
router.register("planning/activities", ActivityViewSet, basename="planning-activity")
router.register("planning/milestones", MilestoneViewSet, basename="planning-milestone")
router.register("planning/budget-lines", BudgetLineViewSet, basename="planning-budget-line")
router.register("planning/exchange-rates", ExchangeRateViewSet, basename="planning-exchange-rate")
router.register("planning/initiatives", InitiativeViewSet, basename="planning-initiative")
router.register("planning/updates", UpdateViewSet, basename="planning-update")
router.register("planning/evidence", EvidenceViewSet, basename="planning-evidence")

urlpatterns = [
    path("planning/review-queue/", ReviewQueueView.as_view(), name="planning-review-queue"),
    path("planning/my-work/", MyWorkView.as_view(), name="planning-my-work"),
    *router.urls,
]
