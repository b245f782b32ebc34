"""URL configuration: pages per app, the API under /api/v1/, admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("config.api_router")),
    path("reviews/", include("kpis.reviews.urls")),
    path("imports/", include("tickets.urls")),
    path("", include("kpis.urls")),
]
