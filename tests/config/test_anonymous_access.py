"""Walk every URL pattern: nothing is reachable anonymously but login, health probes and the API schema/docs."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Paths an anonymous visitor may open (regex on the sample path).
PUBLIC = [
    r"^/accounts/login/$",
    r"^/healthz$",
    r"^/readyz$",
    r"^/api/schema/",
    r"^/api/docs/",
    r"^/api/v1/auth/token/$",  # POST only: exchanges a username and password for a token
    r"^/admin/login/$",
    r"^/admin/logout/$",
    r"^/accounts/logout/$",
    r"^/static/",
]
SAMPLES = {"int": "1", "slug": "sample", "str": "sample", "uuid": "00000000-0000-0000-0000-000000000001", "path": "x"}


def sample_path(route: str) -> str:
    """Turn a route (or a regex pattern) into a concrete path."""
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "1"), route)
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    route = re.sub(r"\(\?P<\w+>\[\^/\.\]\+\)", "1", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    route = re.sub(r"\(\?P<format>[^)]*\)\??", "", route)
    route = route.replace("?", "")
    return route


def all_paths(resolver=None, prefix="/") -> list[str]:
    resolver = resolver or get_resolver()
    paths = []
    for pattern in resolver.url_patterns:
        route = sample_path(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            paths += all_paths(pattern, prefix + route)
        elif isinstance(pattern, URLPattern):
            paths.append(prefix + route)
    return sorted({re.sub(r"/{2,}", "/", path) for path in paths})


def test_the_walk_finds_the_applications_urls():
    paths = all_paths()
    assert "/accounts/login/" in paths
    assert "/healthz" in paths
    assert len(paths) > 20


@pytest.mark.django_db
def test_no_url_is_reachable_anonymously(client):
    reachable = []
    for path in all_paths():
        if any(re.match(allowed, path) for allowed in PUBLIC):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code < 300 or (
                response.status_code in (301, 302)
                and "login" not in response.get("Location", "")
                and not response.get("Location", "").endswith(path + "/")
            ):
                reachable.append((method.upper(), path, response.status_code))
    assert reachable == []
