"""URL configuration: pages per app, the API under /api/v1/, its schema and docs, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("reviews/", include("kpis.reviews.urls")),
    path("quality/", include("kpis.quality.urls")),
    path("imports/", include("tickets.urls")),
    path("connectors/", include("tickets.connectors.urls")),
    path("schedules/", include("accounts.schedules.urls")),
    path("customers/", include("tickets.customers.urls")),
    path("", include("kpis.urls")),
]
