from django.urls import path

from . import views

urlpatterns = [
    path("", views.connection_list, name="connections"),
    path("new/", views.connection_create, name="connection_create"),
    path("<int:pk>/", views.connection_detail, name="connection_detail"),
    path("<int:pk>/edit/", views.connection_edit, name="connection_edit"),
    path("<int:pk>/test/", views.connection_test, name="connection_test"),
    path("<int:pk>/sync/", views.connection_sync_now, name="connection_sync_now"),
    path("<int:pk>/webhook/", views.connection_webhook, name="connection_webhook"),
]
