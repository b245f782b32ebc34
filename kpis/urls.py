from django.urls import path

from accounts.views import home

from . import views
from .outcomes import views as outcome_views

urlpatterns = [
    path("", home, name="home"),
    path("me/", views.my_scorecard, name="me"),
    path("teams/", views.team_list, name="teams"),
    path("outcomes/", outcome_views.org_outcomes, name="org_outcomes"),
    path("teams/<int:pk>/", views.team_dashboard, name="team_dashboard"),
    path("teams/<int:pk>/pitfalls/", views.team_pitfalls, name="team_pitfalls"),
    path("teams/<int:pk>/kpis/<slug:kpi>/", views.team_records, name="team_records"),
    path("teams/<int:pk>/kpis/<slug:kpi>/export.csv", views.team_records_csv, name="team_records_csv"),
    path("agents/<int:pk>/", views.agent_scorecard, name="agent_scorecard"),
    path("agents/<int:pk>/kpis/<slug:kpi>/", views.agent_records, name="agent_records"),
    path("agents/<int:pk>/kpis/<slug:kpi>/export.csv", views.agent_records_csv, name="agent_records_csv"),
    path("targets/", views.target_list, name="targets"),
    path("targets/new/", views.target_new, name="target_new"),
    path("targets/<int:pk>/", views.target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
]
