from django.urls import path

from . import views

app_name = "schedules"
urlpatterns = [
    path("", views.schedule_list, name="list"),
    path("default/", views.schedule_default, name="default"),
    path("teams/<slug:slug>/", views.schedule_team, name="team"),
]
