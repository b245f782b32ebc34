"""View decorators shared by the KPI pages."""

from __future__ import annotations

from functools import wraps
from urllib.parse import parse_qsl, urlencode

from django.http import HttpRequest, HttpResponseRedirect

from .selectors import OLD_PERIOD_PARAM, PERIOD_PARAM


def period_page(view):
    """A page whose period comes from the query string: a link with the old `preset=` name is redirected
    (302) to the same URL with `period=`, every other parameter kept in its place.

    Bookmarks and shared links made before the rename keep working, and the address bar then shows the
    one name pages, exports and the API read. Where both names are given, `period=` wins.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method in ("GET", "HEAD") and OLD_PERIOD_PARAM in request.GET:
            return HttpResponseRedirect(f"{request.path}?{renamed_period_query(request.META['QUERY_STRING'])}")
        return view(request, *args, **kwargs)

    return wrapper


def renamed_period_query(query_string: str) -> str:
    """The query string with `preset=` renamed `period=` (dropped when `period=` is there already)."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    has_period = any(name == PERIOD_PARAM for name, _ in pairs)
    renamed = []
    for name, value in pairs:
        if name == OLD_PERIOD_PARAM:
            if has_period:
                continue
            name = PERIOD_PARAM
        renamed.append((name, value))
    return urlencode(renamed)
