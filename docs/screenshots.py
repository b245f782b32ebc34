"""`make screenshots`: the README's pictures, taken from the demo a newcomer gets with `make run`.

Builds the demo in a throw-away SQLite database (migrate, seed_demo, compute_kpis --dirty), serves it
with `runserver` on a free loopback port, signs in as the demo's leader, agent and HR user in Debian's
Chromium (Playwright) and writes docs/screenshots/*.png. Tests never write these files.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, LAPTOP, PHONE  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the demo server did not answer at {url}")


def demo_users(env: dict) -> dict[str, str]:
    """The first demo login of each role (admin, hr, leader, agent) by username."""
    os.environ.update(env)
    import django

    django.setup()
    from accounts.demo import demo_logins_list

    first: dict[str, str] = {}
    for login in demo_logins_list():
        first.setdefault(login.role, login.username)
    return first


def shoot(base_url: str, users: dict[str, str], password: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = CHROMIUM
    if not Path(chromium).exists():
        raise SystemExit("make screenshots needs Debian's Chromium: sudo apt-get install chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(page, name: str) -> None:
        path = OUT / f"{name}.png"
        # A phone picture shows the first two screens, what a person sees before scrolling far.
        if page.viewport_size["width"] < 600:
            clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": 2 * page.viewport_size["height"]}
            page.screenshot(path=str(path), full_page=True, clip=clip)
        else:
            page.screenshot(path=str(path), full_page=True)
        written.append(path)

    def save_part(page, selector: str, name: str) -> None:
        path = OUT / f"{name}.png"
        # A part taller than the window is shot in slices, and sticky table headers land inside it: a tall window.
        viewport = page.viewport_size
        page.set_viewport_size({"width": viewport["width"], "height": 2400})
        page.locator(selector).first.screenshot(path=str(path))
        page.set_viewport_size(viewport)
        written.append(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)

        def signed_in(username: str, viewport: dict, **options):
            context = browser.new_context(viewport=viewport, base_url=base_url, **options)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state("networkidle")
            return context, page

        context, page = signed_in(users["leader"], LAPTOP)
        if page.url.endswith("/teams/"):  # a leader of several teams lands on the list
            page.locator("main a[href^='/teams/']").first.click()
        page.wait_for_selector("html.charts-ready")
        dashboard = page.url
        save(page, "leader-team-dashboard")
        page.goto(f"{dashboard}?period=90d")
        page.wait_for_selector("html.charts-ready")
        save_part(page, "section.outcomes", "leader-outcomes")
        page.goto(f"{dashboard}?stat=median")
        page.wait_for_selector("html.charts-ready")
        save(page, "leader-team-dashboard-median")
        page.goto("/schedules/")
        page.locator("main a[href^='/schedules/teams/']").first.click()
        page.wait_for_load_state()
        save(page, "leader-schedule")
        page.goto(dashboard)
        page.wait_for_selector("html.charts-ready")
        page.locator("a[href*='/kpis/csat/']").first.click()
        page.wait_for_load_state()
        save(page, "leader-drill-down")
        page.go_back()
        page.wait_for_selector("html.charts-ready")
        page.locator("a[href^='/agents/']").first.click()
        page.wait_for_selector("html.charts-ready")
        save(page, "leader-agent-scorecard")
        page.goto("/reviews/")
        shared = page.locator("table tr", has_text="Shared")  # a review as the agent reads it, not a draft
        if shared.count() == 0:
            shared = page.locator("table tr", has_text="Acknowledged")
        shared.locator("th[scope='row'] a").first.click()
        page.wait_for_load_state()
        save(page, "review-leader-shared")
        page.goto("/quality/calibrations/")
        page.locator("main table a[href^='/quality/calibrations/']").first.click()
        page.wait_for_load_state()
        save(page, "quality-calibration")
        context.close()

        context, page = signed_in(users["leader"], PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        page.goto(dashboard)
        page.wait_for_selector("html.charts-ready")
        save(page, "leader-team-dashboard-phone")
        context.close()

        context, page = signed_in(users["agent"], LAPTOP)
        page.wait_for_selector("html.charts-ready")
        save(page, "agent-scorecard")
        page.goto("/quality/")
        if page.get_by_role("heading", name="My quality").count() == 0:  # an agent who also reviews
            page.get_by_role("link", name="My quality").last.click()
            page.wait_for_load_state()
        save(page, "agent-quality")
        context.close()
        context, page = signed_in(users["agent"], PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        page.wait_for_selector("html.charts-ready")
        save(page, "agent-scorecard-phone")
        context.close()

        if "admin" in users:
            context, page = signed_in(users["admin"], LAPTOP)
            page.goto("/outcomes/?period=90d")
            page.wait_for_load_state()
            save(page, "admin-org-outcomes")
            context.close()

        if "hr" in users:
            context, page = signed_in(users["hr"], LAPTOP)
            save(page, "review-hr-list")
            context.close()
        browser.close()
    return written


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pulse-screenshots-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}",
        "REDIS_URL": "",
    }
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo", "--if-empty")
        manage(env, "compute_kpis", "--dirty")
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        wait_for(f"{base_url}/healthz")
        users = demo_users(env)
        from accounts.demo import DEMO_PASSWORD

        for path in shoot(base_url, users, DEMO_PASSWORD):
            print(f"wrote {path.relative_to(ROOT)}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
