from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from orbit.core import views as core_views
from orbit.planning import views as planning_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/", include("orbit.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("orbit.core.urls")),
    path("", include("orbit.governance.urls")),
    path("units/", include("orbit.organisation.urls")),
    path("results/excel/", include("orbit.results.excel_urls")),
    path("results/", include("orbit.results.urls")),
    path("plan/", include("orbit.planning.urls")),
    path("processes/", include("orbit.processes.urls")),
    path("reports/", include("orbit.reporting.urls")),
    path("iati/", include("orbit.interop.urls")),
    # Published evidence, without sign-in, only when ORBIT_PUBLIC_URL is set (orbit.planning.publication).
    path("public/evidence/<int:pk>/<str:token>", planning_views.evidence_public, name="evidence-public"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
