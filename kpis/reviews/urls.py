from django.urls import path

from . import views

urlpatterns = [
    path("", views.review_list, name="reviews"),
    path("new/", views.review_new, name="review_new"),
    path("export/", views.reviews_export, name="reviews_export"),
    path("notifications/", views.review_notifications, name="review_notifications"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("<int:pk>/goals/", views.review_goal_add, name="review_goal_add"),
    path("<int:pk>/goals/<int:goal_pk>/edit/", views.review_goal_edit, name="review_goal_edit"),
    path("<int:pk>/goals/<int:goal_pk>/remove/", views.review_goal_remove, name="review_goal_remove"),
    path("<int:pk>/pitfalls/", views.review_pitfalls, name="review_pitfalls"),
    path("<int:pk>/share/", views.review_share, name="review_share"),
    path("<int:pk>/acknowledge/", views.review_acknowledge, name="review_acknowledge"),
    path("<int:pk>/amend/", views.review_amend, name="review_amend"),
    path("<int:pk>/print/", views.review_print, name="review_print"),
]
