"""One period parameter: every period page reads `period=`; the old `preset=` redirects to it."""

import datetime as dt

import pytest

from kpis.formatting import format_period

pytestmark = pytest.mark.django_db

# Every page whose period comes from the query string, as (path template, what it answers).
PERIOD_PAGES = [
    ("/teams/{team}/", "html"),
    ("/agents/{agent}/", "html"),
    ("/me/", "html"),
    ("/teams/{team}/kpis/csat/", "html"),
    ("/agents/{agent}/kpis/csat/", "html"),
    ("/teams/{team}/kpis/aht/export.csv", "csv"),
    ("/agents/{agent}/kpis/aht/export.csv", "csv"),
]


def page_path(template: str, team, agent) -> str:
    return template.format(team=team.pk, agent=agent.pk)


@pytest.fixture
def get(client, leader, agent, team_data):
    """GET a page as who reads it: the agent (alice) her own `/me/`, the team's leader the rest."""

    def get(url: str):
        client.force_login(agent if url.startswith("/me/") else leader)
        return client.get(url)

    return get


@pytest.mark.parametrize(("template", "kind"), PERIOD_PAGES)
def test_the_old_name_redirects_to_period_keeping_the_other_parameters(get, team, agent, template, kind):
    path = page_path(template, team, agent)
    response = get(f"{path}?channel=chat&preset=custom&date_from=2026-01-01&date_to=2026-01-31&page=2")
    assert response.status_code == 302
    assert response["Location"] == f"{path}?channel=chat&period=custom&date_from=2026-01-01&date_to=2026-01-31&page=2"


def test_where_both_names_are_given_period_wins_and_preset_is_dropped(get, team, agent):
    response = get(f"/teams/{team.pk}/?preset=90d&period=7d")
    assert response.status_code == 302
    assert response["Location"] == f"/teams/{team.pk}/?period=7d"


def test_the_redirect_comes_before_the_sign_in_so_the_next_url_has_the_new_name(client, team):
    response = client.get(f"/teams/{team.pk}/?preset=7d")
    assert response["Location"] == f"/teams/{team.pk}/?period=7d"
    assert client.get(response["Location"])["Location"] == f"/accounts/login/?next=/teams/{team.pk}/%3Fperiod%3D7d"


@pytest.mark.parametrize(("template", "kind"), PERIOD_PAGES)
def test_every_period_page_reads_period(get, team, agent, today, template, kind):
    yesterday = today - dt.timedelta(days=1)
    start = yesterday - dt.timedelta(days=6)
    response = get(f"{page_path(template, team, agent)}?period=7d")
    assert response.status_code == 200
    if kind == "csv":
        assert f"-{start.isoformat()}-{yesterday.isoformat()}.csv" in response["Content-Disposition"]
        return
    page = response.content.decode()
    assert format_period(start, yesterday) in page  # "27 Nov – 3 Dec 2026"
    # Links carry the period on, under the same name.
    assert "period=7d" in page and "preset=" not in page


@pytest.mark.parametrize(("template", "kind"), PERIOD_PAGES)
def test_a_custom_range_is_read_with_period_custom(get, team, agent, template, kind):
    response = get(f"{page_path(template, team, agent)}?period=custom&date_from=2026-01-01&date_to=2026-01-31")
    assert response.status_code == 200
    if kind == "csv":
        assert "-2026-01-01-2026-01-31.csv" in response["Content-Disposition"]
    else:
        assert "1–31 Jan 2026" in response.content.decode()


@pytest.mark.parametrize("template", ["/teams/{team}/", "/agents/{agent}/", "/me/"])
def test_an_invalid_period_is_a_field_error_on_period(get, team, agent, today, template):
    response = get(f"{page_path(template, team, agent)}?period=decade")
    assert response.status_code == 200
    form = response.context["period_form"]
    assert list(form.errors) == ["period"]
    assert form.errors["period"] == ["Select a valid choice. decade is not one of the available choices."]
    page = response.content.decode()
    assert '<ul class="errorlist" role="alert"><li>Select a valid choice.' in page
    # The page still answers, for the default 30 days.
    yesterday = today - dt.timedelta(days=1)
    assert format_period(yesterday - dt.timedelta(days=29), yesterday) in page


def test_an_invalid_period_on_a_drill_down_is_listed_under_its_label(get, team):
    response = get(f"/teams/{team.pk}/kpis/csat/?period=decade")
    assert list(response.context["form"].errors) == ["period"]
    assert "<li>Period: Select a valid choice." in response.content.decode()


def test_the_custom_range_form_submits_period_custom(get):
    page = get("/me/").content.decode()
    assert '<input type="hidden" name="period" value="custom">' in page
    assert '<a href="?period=90d">Last 90 days</a>' in page
