"""The app's URLs plus one bench-only page: the layout alone (`templates/base.html`) for the signed-in user.

`bench/dashboard.py` times it beside each page as the request's own floor: what any page of the app costs before
it reads or shows a figure (middleware, session, user, the layout's navigation and unread-notifications count)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path

LAYOUT_URL = "/bench/layout/"


@login_required
def layout_only(request):
    return render(request, "base.html", {})


urlpatterns = [path(LAYOUT_URL.strip("/") + "/", layout_only), path("", include("config.urls"))]
