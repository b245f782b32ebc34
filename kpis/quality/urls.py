from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("", views.quality_home, name="home"),
    path("agents/<int:pk>/", views.agent_page, name="agent"),
    path("teams/<int:pk>/", views.team_page, name="team"),
    path("teams/<int:pk>/reviewers/", views.reviewer_grant, name="reviewer_grant"),
    path("teams/<int:pk>/reviewers/<int:role_pk>/revoke/", views.reviewer_revoke, name="reviewer_revoke"),
    path("rubrics/", views.rubric_list, name="rubrics"),
    path("rubrics/<int:pk>/", views.rubric_detail, name="rubric_detail"),
    path("rubrics/<int:pk>/categories/", views.category_add, name="category_add"),
    path("rubrics/<int:pk>/categories/<int:category_pk>/remove/", views.category_remove, name="category_remove"),
    path("rubrics/<int:pk>/publish/", views.rubric_publish, name="rubric_publish"),
    path("rubrics/<int:pk>/versions/", views.rubric_new_version, name="rubric_new_version"),
    path("tickets/<int:ticket_pk>/review/", views.ticket_review, name="ticket_review"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/dispute/", views.review_dispute, name="review_dispute"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/<int:pk>/accept/", views.dispute_accept, name="dispute_accept"),
    path("disputes/<int:pk>/reject/", views.dispute_reject, name="dispute_reject"),
    path("assignments/", views.assignment_list, name="assignments"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("calibrations/", views.calibration_list, name="calibrations"),
    path("calibrations/<int:pk>/", views.calibration_detail, name="calibration_detail"),
    path("calibrations/<int:pk>/tickets/<int:ticket_pk>/", views.calibration_score, name="calibration_score"),
    path(
        "calibrations/<int:pk>/tickets/<int:ticket_pk>/reference/",
        views.calibration_reference,
        name="calibration_reference",
    ),
    path("export/", views.quality_export, name="export"),
]
