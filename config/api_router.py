"""The one DRF router under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

app_name = "api"
urlpatterns = [*router.urls]
