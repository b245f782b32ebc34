from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_list, name="imports"),
    path("templates/<slug:profile>.csv", views.import_template, name="import_template"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/errors.csv", views.import_errors_csv, name="import_errors_csv"),
]
