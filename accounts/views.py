"""Pages of the accounts app: the role home and the API token page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from . import scoping, selectors, services


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its home (`scoping.home_page`): agent → own scorecard, leader of one team → its
    dashboard, of several → teams, HR → reviews."""
    url_name, args = scoping.home_page(request.user)
    return redirect(url_name, *args)


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API token: whether one exists; create, rotate or revoke it."""
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rotate":
            new_token = services.token_rotate(user=request.user, actor=request.user).key
        elif action == "revoke":
            if services.user_tokens_revoke(user=request.user, actor=request.user, reason="revoked by its owner"):
                messages.success(request, "Your API token was revoked; requests that use it are refused from now on.")
            return redirect("api_token")
        else:
            messages.error(request, "Choose create, rotate or revoke.")
            return redirect("api_token")
    context = {"token_created_at": selectors.api_token_created_at(request.user), "new_token": new_token}
    # The new key is shown in this one response only (it is not kept anywhere to show again): no caching.
    response = render(request, "accounts/api_token.html", context)
    add_never_cache_headers(response)
    return response
