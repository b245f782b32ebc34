"""Issue #16's journey in Chromium: an admin connects a (fake) Zendesk and a (fake) Freshdesk on the
connections page, the backfills run on a real Celery worker with their progress shown, and the team
leader's dashboard then shows the helpdesks' tickets and CSAT."""

import datetime as dt
import re
import time

import pytest
from django.core.cache import cache
from django.utils import timezone
from pytest_httpserver import HTTPServer

from kpis.formatting import format_value
from tests.factories import AdminFactory, AgentFactory, LeaderFactory, TeamFactory
from tests.tickets.connectors.fake_freshdesk import FakeFreshdesk
from tests.tickets.connectors.fake_zendesk import FakeZendesk
from tests.worker import celery_worker
from tickets.connectors.models import SyncRun

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def helpdesks():
    """A fake Zendesk and a fake Freshdesk, each on its own loopback HTTP server."""
    servers = [HTTPServer(host="127.0.0.1"), HTTPServer(host="127.0.0.1")]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture
def organisation(transactional_db):
    team = TeamFactory(name="Falcons", slug="falcons", timezone="Europe/Paris")
    TeamFactory(name="Owls", slug="owls", timezone="America/New_York")
    LeaderFactory(username="lena", first_name="Lena", last_name="Leader", teams=[team])
    AgentFactory(username="alice", first_name="Alice", last_name="Martin", email="alice@example.com", team=team)
    AgentFactory(username="bruno", first_name="Bruno", last_name="Keller", email="bruno@example.com", team=team)
    AdminFactory(username="root", email="root@example.com")
    return team


def days_ago(days: int) -> dt.datetime:
    return (timezone.now() - dt.timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)


def build_zendesk(server) -> FakeZendesk:
    """Six of Alice's tickets in "Support EU" (mapped by a rule), one page each, slowly; 3 good and 1 bad rating."""
    fake = FakeZendesk(page_size=1, delay_seconds=0.8)
    fake.add_group(10, "Support EU")
    fake.add_agent(101, "alice@example.com", "Alice")
    for ticket_id in range(1, 7):
        fake.put_ticket(ticket_id, created_at=days_ago(ticket_id + 1), group_id=10, assignee_id=101)
    for ticket_id, score in ((1, "good"), (2, "good"), (3, "good"), (4, "bad")):
        fake.rate(ticket_id, score, at=days_ago(1))
    fake.install(server)
    return fake


def build_freshdesk(server) -> FakeFreshdesk:
    """Four of Bruno's tickets in the group "Falcons" (a team's name); one happy and one unhappy answer."""
    fake = FakeFreshdesk(delay_seconds=0.5)
    fake.add_group(7, "Falcons")
    fake.add_agent(55, "bruno@example.com")
    for ticket_id in range(1, 5):
        fake.put_ticket(ticket_id, created_at=days_ago(ticket_id + 1), group_id=7, responder_id=55)
    fake.rate(1, 103, at=days_ago(1))
    fake.rate(2, -103, at=days_ago(1))
    fake.install(server)
    return fake


def fill_connection_form(page, *, name: str, kind: str, url: str, email="", token: str, rules="", prefix="") -> None:
    """Fill in "Connect a helpdesk" as an admin would, and save."""
    page.goto("/connectors/")
    page.get_by_role("link", name="Connect a helpdesk").click()
    page.get_by_label("Name (required)").fill(name)
    page.get_by_label("Kind").select_option(kind)
    page.get_by_label("Helpdesk address").fill(url)
    if email:
        page.get_by_label("Agent e-mail (Zendesk)").fill(email)
    page.get_by_label("API token (Zendesk) or API key (Freshdesk)").fill(token)
    page.get_by_label("Group → team rules").fill(rules)
    page.get_by_label("External id prefix").fill(prefix)
    page.get_by_label("Days of history to read first").fill("30")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()


def check_and_sync(page, name: str) -> None:
    """On the saved connection's page: test the connection, then start the first sync."""
    assert page.get_by_text(f"Saved {name}. Test the connection, then sync.").is_visible()
    page.get_by_role("button", name="Test connection").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="Connected as").is_visible()
    assert "not mapped" not in page.locator("#check-title + p + table").inner_text()
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_load_state()


def follow_sync(page, *, seconds: float = 90) -> bool:
    """Reload the connection page until its sync history shows a finished run; True if progress was shown."""
    saw_progress, deadline = False, time.monotonic() + seconds
    while True:
        if page.locator("#sync-progress").count():
            saw_progress = True
            percent = int(page.locator("#sync-progress").get_attribute("value"))
            assert 0 <= percent <= 99
        history = page.locator("table.data tbody").first
        if history.count() and re.search(r"\bFinished\b", history.inner_text()):
            return saw_progress
        assert "Failed" not in (history.inner_text() if history.count() else ""), history.inner_text()
        assert time.monotonic() < deadline, "the first sync did not finish"
        time.sleep(0.5)
        page.reload()


def test_admin_connects_zendesk_and_freshdesk_and_the_leader_sees_their_tickets_and_csat(
    page, login, screenshot, organisation, helpdesks, redis_url, live_server
):
    cache.clear()  # no refresh flag left in Redis by an earlier worker test
    zendesk = build_zendesk(helpdesks[0])
    freshdesk = build_freshdesk(helpdesks[1])
    with celery_worker(redis_url):
        login(page, "root")
        page.get_by_role("link", name="Helpdesks").click()
        fill_connection_form(
            page,
            name="Acme Zendesk",
            kind="zendesk",
            url=helpdesks[0].url_for("/").rstrip("/"),
            email=zendesk.email,
            token=zendesk.api_token,
            rules="Support EU = falcons",
        )
        check_and_sync(page, "Acme Zendesk")
        assert follow_sync(page), "the backfill's progress was never shown"
        assert "6 in 6 pages" in page.locator("table.data tbody").first.inner_text()
        screenshot(page, "zendesk-connected")

        fill_connection_form(
            page,
            name="Acme Freshdesk",
            kind="freshdesk",
            url=helpdesks[1].url_for("/").rstrip("/"),
            token=freshdesk.api_key,
        )
        # Both accounts have a ticket 1: the second connection must say how its ids differ.
        assert page.get_by_role("alert").filter(has_text="Another connection already uses this prefix").is_visible()
        page.get_by_label("API token (Zendesk) or API key (Freshdesk)").fill(freshdesk.api_key)  # never shown back
        page.get_by_label("External id prefix").fill("fd-")
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        check_and_sync(page, "Acme Freshdesk")
        follow_sync(page)
        assert SyncRun.objects.filter(status=SyncRun.RunStatus.SUCCEEDED).count() == 2

        page.context.clear_cookies()
        login(page, "lena")
        assert page.url.endswith(f"/teams/{organisation.pk}/")
        team_row = page.locator("tbody.row-team")
        # The dashboard's figures come from the snapshots the worker refreshed after each page.
        deadline = time.monotonic() + 60
        while team_row.locator("td[data-label='Ticket Volume'] .value").inner_text() != format_value("volume", 10):
            assert time.monotonic() < deadline, team_row.inner_text()
            time.sleep(1)
            page.reload()
    csat = team_row.locator("td[data-label='Customer Satisfaction'] .value").inner_text()
    assert csat == format_value("csat", 100 * 4 / 6)  # Zendesk 3 good + 1 bad, Freshdesk 103 and -103
    assert page.get_by_role("link", name="Alice Martin").is_visible()
    assert page.get_by_role("link", name="Bruno Keller").is_visible()
    screenshot(page, "leader-dashboard-after-sync")
    assert page.external_requests == []
