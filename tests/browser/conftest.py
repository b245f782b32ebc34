"""Browser fixtures: a live server, a Playwright page on Debian's Chromium, and a login helper.

Generic on purpose: any journey (dashboards, reviews…) marks itself `browser` and uses `page`,
`phone_page`, `login` and `screenshot`. Playwright's sync API runs an event loop in this thread,
so Django's async-safety check is relaxed for these tests only.
"""

import os
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, LAPTOP, PHONE

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MISSING_BROWSER = (
    "browser tests skipped: no Chromium on this machine "
    "(Debian/Ubuntu: `sudo apt-get install chromium`; `bash .ci/run` installs it and runs them)"
)
PASSWORD = "pass-word-123"  # tests.factories.UserFactory's password


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def pytest_collection_modifyitems(config, items):
    """Without Chromium, locally, the browser journeys skip with one line; in CI they never skip."""
    if chromium_available() or IN_CI:
        return
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    skip = pytest.mark.skip(reason=MISSING_BROWSER)
    for item in browser_items:
        item.add_marker(skip)
    config.pulse_missing_browser = len(browser_items)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if getattr(config, "pulse_missing_browser", 0):
        terminalreporter.write_line(f"{MISSING_BROWSER} [{config.pulse_missing_browser} tests]", yellow=True)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session (Debian's build, never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    if not chromium_available():
        pytest.fail(f"Chromium is required in CI: {MISSING_BROWSER}")
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
def screenshot(tmp_path):
    """`screenshot(page, name)` renders a full-page PNG into the test's temporary folder.

    Tests never write tracked files: the README's pictures come from `make screenshots` (demo data).
    """

    def save(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path

    return save
