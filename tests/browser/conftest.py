"""Browser fixtures: a live server, a Playwright page on Debian's Chromium, and a login helper.

Generic on purpose: any journey (dashboards, reviews…) marks itself `browser` and uses `page`,
`phone_page`, `login` and `screenshot`. Playwright's sync API runs an event loop in this thread,
so Django's async-safety check is relaxed for these tests only.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pass-word-123"  # tests.factories.UserFactory's password
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session (Debian's build, never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed at {CHROMIUM} (apt-get install chromium)")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    playwright.stop()


def _page(chromium, live_server, viewport, **options):
    context = chromium.new_context(viewport=viewport, base_url=live_server.url, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # No page may reach another host: every request outside the live server is recorded.
    page.external_requests = []
    page.on(
        "request",
        lambda req: None if req.url.startswith((live_server.url, "data:")) else page.external_requests.append(req.url),
    )
    return context, page


@pytest.fixture
def page(chromium, live_server, transactional_db):
    """A laptop-sized page (1280×800) whose relative URLs go to the live server."""
    context, page = _page(chromium, live_server, LAPTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium, live_server, transactional_db):
    """A phone-sized page (390×844, touch, mobile user agent)."""
    context, page = _page(chromium, live_server, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


@pytest.fixture
def login():
    """`login(page, username)` logs in through the real login form and waits for the role's home."""

    def do_login(page, username: str, password: str = PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in page.url, f"login as {username} failed"
        return page

    return do_login


@pytest.fixture
def screenshot():
    """`screenshot(page, name)` saves a full-page PNG to docs/screenshots/<name>.png."""

    def save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
