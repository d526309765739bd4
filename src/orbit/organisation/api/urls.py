from django.urls import path
from rest_framework.routers import SimpleRouter

from orbit.organisation.api.views import MembershipViewSet, MeView, OrgUnitViewSet, UserViewSet

router = SimpleRouter()
router.register("org-units", OrgUnitViewSet, basename="org-unit")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("users", UserViewSet, basename="user")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]
