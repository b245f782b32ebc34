"""Pages of the accounts app: the role home."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its home: agent → own scorecard, leader → teams, HR → reviews."""
    user = request.user
    if user.is_staff:
        return redirect("teams")
    return redirect({Role.AGENT: "me", Role.LEADER: "teams", Role.HR: "reviews"}[user.role])
