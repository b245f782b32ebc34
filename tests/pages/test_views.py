"""What the pages show: figures, periods, errors, empty states, drill-down lists and CSV exports."""

import csv
import datetime as dt
import io
import re

import pytest
from django.utils.html import strip_tags

from kpis.formatting import format_period
from kpis.models import PitfallConfirmation, Scope, Target
from kpis.templatetags.pulse import duration, kpi_change, kpi_format, nps, percent, status_label
from tests.factories import SurveyResponseFactory
from tests.pages.conftest import at, compute

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


# ---- formatting --------------------------------------------------------------------------


def test_formatting_filters():
    assert percent(90) == "90.0 %"
    assert percent(None) == "—"
    assert duration(360) == "6 min"
    assert duration(3900) == "1 h 5 min"
    assert duration(45) == "45 s"
    assert duration(90000) == "1 d 1 h"
    assert nps(65) == "+65"
    assert nps(-20) == "−20"
    assert nps(0) == "0"
    assert kpi_format(5.2, "ces") == "5.20"
    assert kpi_format(1204, "volume") == "1,204 tickets"
    assert kpi_format(360, "aht") == "6 min"
    assert kpi_change(3.25, "csat") == "+3.2 pts"
    assert kpi_change(-65, "aht") == "−1 min 5 s"
    assert status_label("missed") == "Missed"
    assert status_label("no_target") == "No target"


# ---- team dashboard ----------------------------------------------------------------------


def test_dashboard_shows_values_targets_samples_and_who_needs_coaching(
    client, leader, team, agent, other_agent, team_data
):
    client.force_login(leader)
    page = text(client.get(f"/teams/{team.pk}/"))
    coaching = page[page.index('id="coaching-heading"') : page.index('id="agents-heading"')]
    # alice: 9 of 12 CSAT responses positive = 75 % against the team target of 80 %.
    assert f"{agent}</a> missed 1 target" in coaching
    assert "Customer Satisfaction 75.0 % (target ≥ 80.0 %)" in strip_tags(coaching)
    assert str(other_agent) not in coaching
    assert "75.0 %" in page and "✗ Missed" in page
    assert "target ≥ 80.0 % · n = 12" in page
    # bob: 3 of 3 = 100 %, a low sample; the team row: 12 of 15 = 80.0 %, met.
    assert "target ≥ 80.0 % · n = 3" in page
    assert 'class="low-confidence" title="Only 3 records (fewer than 10)' in page
    assert "target ≥ 80.0 % · n = 15" in page
    # The org row counts carol's ticket and response too: 12 of 16 responses positive.
    assert "n = 16" in page and "n = 17" in page
    assert 'id="chart-data"' in page
    assert f"/teams/{team.pk}/kpis/csat/?period=30d" in page
    assert f"/agents/{agent.pk}/kpis/csat/?period=30d" in page


def test_dashboard_lists_channels_and_categories(client, leader, team, team_data):
    client.force_login(leader)
    page = text(client.get(f"/teams/{team.pk}/"))
    channels = page[page.index('id="channels-heading"') : page.index('id="categories-heading"')]
    assert ">Email</th>" in channels and ">Chat</th>" in channels
    assert "&amp;channel=chat" in channels
    categories = page[page.index('id="categories-heading"') :]
    assert ">Billing</th>" in categories and ">Returns</th>" in categories
    assert "&amp;category=billing" in categories


def test_period_presets_switch_the_period(client, leader, team, team_data, today):
    client.force_login(leader)
    page = text(client.get(f"/teams/{team.pk}/?period=7d"))
    yesterday = today - dt.timedelta(days=1)  # presets judge complete days
    start = yesterday - dt.timedelta(days=6)
    assert format_period(start, yesterday) in page
    assert '<a href="?period=7d" aria-current="true" class="current">Last 7 days</a>' in page
    assert "/kpis/csat/?period=7d" in page


def test_a_custom_range_without_data_shows_the_empty_state(client, leader, team, team_data):
    client.force_login(leader)
    page = text(client.get(f"/teams/{team.pk}/?period=custom&date_from=2020-01-01&date_to=2020-01-31"))
    assert "1–31 Jan 2020" in page
    assert "No data for 1–31 Jan 2020" in page
    assert "Nothing to judge without data." in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-02-10&date_to=2026-02-01", "The end date is before the start date."),
        ("date_from=yesterday&date_to=2026-02-01", "Give a date as YYYY-MM-DD."),
        ("period=custom", "Give a date as YYYY-MM-DD."),
        ("period=decade", "Select a valid choice."),
    ],
)
def test_custom_range_errors_are_shown_next_to_the_fields(client, leader, team, team_data, query, message):
    client.force_login(leader)
    response = client.get(f"/teams/{team.pk}/?{query}")
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert 'class="errorlist"' in page
    assert "Showing the default period until the range is fixed." in page


# ---- scorecards --------------------------------------------------------------------------


def test_agent_scorecard_shows_interval_target_and_team_context(client, agent, other_agent, team_data):
    client.force_login(agent)
    page = text(client.get("/me/"))
    assert "My scorecard" in page
    assert "75.0 %" in page and "≥ 80.0 %" in page and "✗ Missed" in page
    # Wilson 95 % interval of 9/12.
    assert "46.8–91.1 %" in page
    # The team aggregate for context (12/15 = 80.0 %), never another agent's numbers.
    assert "The team column shows Falcons as a whole" in page
    assert '<span class="nowrap">80.0 %</span> <span class="meta">n = 15</span>' in page
    assert str(other_agent) not in page
    assert f"/agents/{other_agent.pk}/" not in page


def test_leader_sees_an_agents_scorecard_with_review_and_target_links(client, leader, agent, team_data):
    client.force_login(leader)
    page = text(client.get(f"/agents/{agent.pk}/?period=90d"))
    assert f"<h1>{agent}</h1>" in page
    assert f'href="/reviews/new/?agent={agent.pk}"' in page
    assert f"/targets/new/?scope=agent&amp;agent={agent.pk}" in page
    assert f"/agents/{agent.pk}/kpis/csat/?period=90d" in page


def test_hr_reads_a_scorecard_without_write_links(client, hr, agent, team_data):
    client.force_login(hr)
    page = text(client.get(f"/agents/{agent.pk}/"))
    assert "75.0 %" in page
    assert "/reviews/new/" not in page and "/targets/new/" not in page


def test_scorecard_without_data_says_what_to_do(client, agent, today):
    client.force_login(agent)
    page = text(client.get("/me/"))
    assert "No data for" in page
    assert "You have no ticket or survey in this period. Try a longer period" in page


# ---- drill-down --------------------------------------------------------------------------


def test_drill_down_lists_the_records_behind_a_team_figure(client, leader, team, team_data):
    client.force_login(leader)
    page = text(client.get(f"/teams/{team.pk}/kpis/csat/"))
    assert "Customer Satisfaction: the records behind the figure" in page
    assert "Download these 15 records as CSV" in page
    assert page.count('<th scope="row">S-') == 15
    # carol's response belongs to the other team.
    chat = text(client.get(f"/teams/{team.pk}/kpis/aht/?channel=chat"))
    assert "Download these 3 records as CSV" in chat
    billing = text(client.get(f"/teams/{team.pk}/kpis/aht/?category=billing"))
    assert "Download these 12 records as CSV" in billing


def test_drill_down_is_paginated(client, leader, team, agent, today):
    for i in range(55):
        SurveyResponseFactory(
            agent=agent, score=5, responded_at=at(today - dt.timedelta(days=1), 8) + dt.timedelta(minutes=i)
        )
    compute(days=3)
    client.force_login(leader)
    first = text(client.get(f"/teams/{team.pk}/kpis/csat/?period=7d"))
    assert first.count('<th scope="row">S-') == 50
    assert "Page 1 of 2" in first and "period=7d&amp;page=2" in first
    second = text(client.get(f"/teams/{team.pk}/kpis/csat/?period=7d&page=2"))
    assert second.count('<th scope="row">S-') == 5


def test_csv_export_of_an_agents_tickets(client, leader, agent, team_data):
    client.force_login(leader)
    response = client.get(f"/agents/{agent.pk}/kpis/aht/export.csv?period=7d")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="aht-alice-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["external_id", "team", "agent", "agent_email", "channel"]
    assert len(rows) == 13
    day = team_data["day"]
    assert rows[1][1:8] == ["falcons", "alice", "alice@example.com", "email", "billing", "normal", "solved"]
    assert rows[1][8] == f"{day.isoformat()}T09:00:00+00:00"
    assert rows[1][11:] == ["300", "1", "0"]


def test_csv_export_of_survey_responses_quotes_formula_like_comments(client, leader, team, agent, today):
    SurveyResponseFactory(agent=agent, score=2, comment='=HYPERLINK("x")', responded_at=at(today, 1))
    compute(days=2)
    client.force_login(leader)
    response = client.get(f"/teams/{team.pk}/kpis/csat/export.csv?period=today")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "external_id", "team", "agent", "agent_email", "kind", "score",
        "responded_at", "ticket_external_id", "channel", "category", "comment",
    ]  # fmt: skip
    assert rows[1][4:6] == ["csat", "2"]
    assert rows[1][-1] == '\'=HYPERLINK("x")'


# ---- targets -----------------------------------------------------------------------------


def test_targets_page_empty_state(client, leader, team):
    client.force_login(leader)
    page = text(client.get("/targets/"))
    assert "No targets yet" in page
    assert 'href="/targets/new/"' in page


def test_hr_reads_targets_without_edit_links(client, hr, team_data):
    client.force_login(hr)
    page = text(client.get("/targets/"))
    assert "Customer Satisfaction" in page and "≥ 80.0 %" in page
    assert "/targets/new/" not in page and f"/targets/{team_data['target'].pk}/" not in page
    assert "leaders of a team set them" in page


def csat_team_target(team, **extra):
    return {
        "kpi": "csat",
        "scope": Scope.TEAM,
        "team": team.pk,
        "channel": "",
        "effective_from": dt.date.today().isoformat(),
        "value": "85",
        "rationale": "Renewals depend on it.",
        **extra,
    }


def test_an_overlapping_target_is_refused_with_a_clear_message(client, leader, team, team_data):
    client.force_login(leader)
    response = client.post("/targets/new/", csat_team_target(team, save="1"))
    assert response.status_code == 200
    assert "Overlaps the existing target Customer Satisfaction Falcons: ≥ 80.0 %" in text(response)
    assert Target.objects.filter(kpi="csat").count() == 1


def test_checking_a_target_shows_baseline_suggestion_and_pitfalls_without_saving(client, leader, team, team_data):
    team_data["target"].delete()
    client.force_login(leader)
    page = text(client.post("/targets/new/", csat_team_target(team, value="99", check="1")))
    panel = page[page.index('id="panel-heading"') :]
    # Baseline: 12 of 15 positive over the trailing 90 days; CSAT benchmark 80 %.
    assert "<strong>80.0 %</strong> (n = 15)" in panel
    assert "Suggested next target" in panel and "industry benchmark 80.0 %" in panel
    assert "Already at or beyond the benchmark: hold the baseline." in panel
    assert "Customer Satisfaction: target 99.0 % is far beyond the 90-day baseline 80.0 %." in strip_tags(panel)
    assert 'name="save"' in page
    assert not Target.objects.exists()
    saved = client.post("/targets/new/", csat_team_target(team, value="82", save="1"))
    assert saved.status_code == 302
    target = Target.objects.get()
    assert (target.value, target.set_by, target.rationale) == (82.0, leader, "Renewals depend on it.")


def test_editing_a_target_shows_its_baseline_at_once(client, leader, team_data):
    client.force_login(leader)
    page = text(client.get(f"/targets/{team_data['target'].pk}/"))
    assert "<strong>80.0 %</strong> (n = 15)" in page
    assert "This target has no rationale yet." in page
    assert "Delete this target" in page


# ---- pitfalls ----------------------------------------------------------------------------


def test_pitfalls_page_shows_signals_and_stores_a_confirmation(client, leader, team, team_data):
    client.force_login(leader)
    page = text(client.get(f"/teams/{team.pk}/pitfalls/"))
    assert page.count("<h2>") >= 5
    assert "3. Not considering impacts to business objectives" in page
    assert "Customer Satisfaction Falcons: ≥ 80.0 % has no rationale." in strip_tags(page)
    assert "⚠ Signal raised" in page
    empty = client.post(f"/teams/{team.pk}/pitfalls/", {"number": "3", "note": "  "})
    assert empty.status_code == 200
    assert "Write what you checked and decided." in text(empty)
    assert not PitfallConfirmation.objects.exists()
    response = client.post(f"/teams/{team.pk}/pitfalls/", {"number": "3", "note": "Rationale agreed with sales."})
    assert response.status_code == 302 and response["Location"].endswith("#pitfall-3")
    page = text(client.get(f"/teams/{team.pk}/pitfalls/"))
    assert "“Rationale agreed with sales.”" in page


def test_hr_reads_pitfalls_without_forms(client, hr, team, team_data):
    client.force_login(hr)
    page = text(client.get(f"/teams/{team.pk}/pitfalls/"))
    assert "5. Unchecked biases about what a metric might indicate" in page
    assert "<textarea" not in page


# ---- frame -------------------------------------------------------------------------------


def test_navigation_follows_the_role(client, agent, leader, hr, admin_user):
    client.force_login(agent)
    page = text(client.get("/me/"))
    assert 'href="/me/" aria-current="page"' in page and 'href="/teams/"' not in page
    client.force_login(leader)
    page = text(client.get("/teams/"))
    assert 'href="/targets/"' in page and 'href="/imports/"' in page and 'href="/admin/"' not in page
    client.force_login(hr)
    page = text(client.get("/teams/"))
    assert 'href="/reviews/"' in page and 'href="/imports/"' not in page
    client.force_login(admin_user)
    assert 'href="/admin/"' in text(client.get("/teams/"))


def test_login_page_and_role_home(client, agent):
    page = text(client.get("/accounts/login/"))
    assert '<label for="id_username">' in page and '<main id="main"' in page
    response = client.post("/accounts/login/", {"username": "alice", "password": "pass-word-123"}, follow=True)
    assert response.redirect_chain[-1][0] == "/me/"
    client.logout()
    bad = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert "Please enter a correct username and password" in text(bad)


def test_password_change(client, agent):
    client.force_login(agent)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": "pass-word-123", "new_password1": "a-longer-Secret-42", "new_password2": "a-longer-Secret-42"},
    )
    assert response["Location"] == "/accounts/password/done/"
    agent.refresh_from_db()
    assert agent.check_password("a-longer-Secret-42")
    assert "Password changed" in text(client.get("/accounts/password/done/"))


def test_pages_load_nothing_from_another_host(client, leader, team, team_data):
    client.force_login(leader)
    page = text(client.get(f"/teams/{team.pk}/"))
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert '<script src="/static/vendor/chart.js/chart.umd.min.js" defer></script>' in page
    assert "<script>" not in page  # no inline script (CSP)


def test_the_scorecard_says_how_fresh_its_figures_are(client, agent, team_data):
    from django.utils import timezone

    from kpis.models import Snapshot
    from kpis.templatetags.pulse import ago

    Snapshot.objects.filter(agent=agent).update(computed_at=timezone.now() - dt.timedelta(seconds=42))
    client.force_login(agent)

    page = client.get("/me/").content.decode()

    # Rendering takes a moment: the page says 42 s, or 43 s when a second boundary passed meanwhile.
    assert re.search(r"figures updated 4[23] s ago", page)
    now = timezone.now()
    assert [ago(now - dt.timedelta(seconds=s)) for s in (0, 59, 60, 3_599, 3_600, 86_400 * 2)] == [
        "0 s ago", "59 s ago", "1 min ago", "59 min ago", "1 h ago", "2 d ago",
    ]  # fmt: skip
