"""Median and p90 where leaders look: figures, targets on a statistic, the dashboard toggle, trends, the API,
reviews' frozen summaries and pitfall 5's mean-versus-median signal.

Hand-made data with few records, so every median and p90 is pinned exactly: the lower quantile of the raw
durations (rank ⌊q·(n − 1)⌋, `kpis.distributions`), read back as its sketch bucket's value (`sketched`), which
lies within 1 % of the raw duration (asserted in `sketched`). The data (first response minutes, one team, UTC):

- alice on 2 March: 1, 2, 3, 4 and 60 min: mean 14 min, median 3 min, p90 4 min;
- bob on 3 March: 10 and 20 min: mean 15 min, median and p90 10 min;
- the team: 1, 2, 3, 4, 10, 20, 60 min: mean 6000 s / 7, median 4 min, p90 20 min.
"""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import strip_tags
from rest_framework.test import APIClient

from kpis.distributions import QUANTILES_NOT_KEPT_NOTE, bucket_key, bucket_value
from kpis.formatting import format_value
from kpis.models import Scope, Statistic, Target
from kpis.pitfalls import mean_misleads, review_pitfalls
from kpis.reviews.models import ReviewKpi
from kpis.selectors import Grain, Period, agent_scorecard, kpi_series, scorecard, team_dashboard
from kpis.services import snapshots_compute, target_save
from kpis.templatetags.pulse import quantiles_text
from tests.factories import AgentFactory, LeaderFactory, TeamFactory, TicketFactory
from tests.reviews.helpers import shared_review

UTC = dt.UTC
MARCH_2, MARCH_3 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
PERIOD = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
PERIOD_QUERY = "period=custom&date_from=2026-03-01&date_to=2026-03-10"
MINUTE = 60
ALICE_MINUTES, BOB_MINUTES = (1, 2, 3, 4, 60), (10, 20)


def sketched(seconds: float) -> float:
    """A raw duration as a distribution reads it back: its bucket's value, within 1 % of it."""
    value = bucket_value(bucket_key(seconds))
    assert abs(value - seconds) <= 0.01 * seconds
    return value


def first_responses(agent, day: dt.date, minutes) -> None:
    for index, count in enumerate(minutes):
        created = dt.datetime.combine(day, dt.time(8 + index), tzinfo=UTC)
        TicketFactory(agent=agent, created_at=created, first_response_at=created + dt.timedelta(minutes=count))


@pytest.fixture
def medians(db):
    team = TeamFactory(name="Medians", slug="medians", timezone="UTC")
    alice = AgentFactory(team=team, username="alice", first_name="Alice", last_name="A")
    bob = AgentFactory(team=team, username="bob", first_name="Bob", last_name="B")
    leader = LeaderFactory(username="lena", teams=[team])
    first_responses(alice, MARCH_2, ALICE_MINUTES)
    first_responses(bob, MARCH_3, BOB_MINUTES)
    snapshots_compute(date_from=PERIOD.date_from, date_to=PERIOD.date_to)
    return team, alice, bob, leader


def frt_target(team, leader, statistic: str, minutes: float) -> Target:
    return target_save(
        target=Target(
            kpi="frt",
            statistic=statistic,
            scope=Scope.TEAM,
            team=team,
            value=minutes * MINUTE,
            effective_from=dt.date(2026, 1, 1),
            rationale="Customers hear back fast.",
        ),
        set_by=leader,
    )


# ---- figures -------------------------------------------------------------------------------------


def test_the_dashboard_reads_medians_and_p90s_of_agents_team_and_org_in_the_same_queries(
    medians, django_assert_num_queries
):
    team, alice, bob, _ = medians
    with django_assert_num_queries(3):  # targets, every sum and distribution in one UNION ALL, the agents
        dashboard = team_dashboard(team=team, period=PERIOD)
    rows = {row.agent.username: row.figures["frt"] for row in dashboard.agents}
    assert (rows["alice"].value, rows["alice"].median, rows["alice"].p90, rows["alice"].distribution_count) == (
        14 * MINUTE,
        sketched(3 * MINUTE),
        sketched(4 * MINUTE),
        5,
    )
    assert (rows["bob"].median, rows["bob"].p90, rows["bob"].distribution_count) == (
        sketched(10 * MINUTE),
        sketched(10 * MINUTE),
        2,
    )
    # The team's median is that of its seven records merged, not a mean of the agents' medians (6.5 min).
    for figures in (dashboard.team_figures, dashboard.org_figures):
        frt = figures["frt"]
        assert (frt.median, frt.p90, frt.distribution_count) == (sketched(4 * MINUTE), sketched(20 * MINUTE), 7)
        assert frt.value == pytest.approx(6000 / 7)
    # KPIs without a distribution carry none.
    assert (dashboard.team_figures["csat"].median, dashboard.team_figures["csat"].distribution_count) == (None, 0)


def test_scorecards_and_trends_carry_medians_in_a_constant_number_of_queries(medians, django_assert_num_queries):
    team, alice, _, _ = medians
    with django_assert_num_queries(2):  # targets, every sum and distribution of the agent and the team
        card = agent_scorecard(agent=alice, period=PERIOD)
    assert (card.figures["frt"].median, card.team_figures["frt"].p90) == (sketched(3 * MINUTE), sketched(20 * MINUTE))
    daily = {point.date_from: point for point in card.team_series["frt"]}
    assert (daily[MARCH_2].median, daily[MARCH_2].p90, daily[MARCH_2].distribution_count) == (
        sketched(3 * MINUTE),
        sketched(4 * MINUTE),
        5,
    )
    assert (daily[MARCH_3].median, daily[MARCH_3].distribution_count) == (sketched(10 * MINUTE), 2)
    assert (daily[dt.date(2026, 3, 4)].median, daily[dt.date(2026, 3, 4)].distribution_count) == (None, 0)
    with django_assert_num_queries(2):
        figures = scorecard(scope=Scope.AGENT, subject=alice, period=PERIOD)
    assert figures["frt"].p90 == sketched(4 * MINUTE)
    # A week merges its days' distributions: 2 and 3 March fall in the week of Monday 2 March.
    with django_assert_num_queries(1):
        weeks = kpi_series(scope=Scope.TEAM, subject=team, period=PERIOD, grain=Grain.WEEK)
    week = next(point for point in weeks["frt"] if point.date_from == MARCH_2)
    assert (week.median, week.p90, week.distribution_count) == (sketched(4 * MINUTE), sketched(20 * MINUTE), 7)


# ---- targets on a statistic ------------------------------------------------------------------------


def test_a_median_target_judges_the_median_and_a_p90_target_the_p90(medians):
    team, _, _, leader = medians
    target = frt_target(team, leader, Statistic.MEDIAN, 5)
    frt = scorecard(scope=Scope.TEAM, subject=team, period=PERIOD)["frt"]
    # Median 4 min ≤ 5 min: met, though the mean (14 min 17 s) is well above the target.
    assert (frt.status, frt.value > 5 * MINUTE) == ("met", True)
    Target.objects.filter(pk=target.pk).update(statistic=Statistic.P90, value=10 * MINUTE)
    frt = scorecard(scope=Scope.TEAM, subject=team, period=PERIOD)["frt"]
    assert frt.status == "missed"  # p90 20 min > 10 min
    Target.objects.filter(pk=target.pk).update(statistic=Statistic.MEAN, value=15 * MINUTE)
    assert scorecard(scope=Scope.TEAM, subject=team, period=PERIOD)["frt"].status == "met"  # mean 14 min 17 s


def test_the_target_form_sets_a_median_and_refuses_one_on_a_kpi_without_durations(client, medians):
    team, _, _, leader = medians
    client.force_login(leader)
    form = {
        "kpi": "frt",
        "statistic": "median",
        "scope": "team",
        "team": team.pk,
        "channel": "",
        "effective_from": "2026-03-01",
        "value": "60",
        "rationale": "An hour for half the customers.",
        "save": "1",
    }
    response = client.post(reverse("target_new"), form)
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.statistic, target.value, str(target)) == (
        "median",
        3600,
        "First Response Time Medians: median ≤ 1 h",
    )
    listing = client.get(reverse("targets")).content.decode()
    assert "median ≤ 1 h" in listing
    refused = client.post(reverse("target_new"), {**form, "kpi": "csat", "value": "80", "effective_from": "2026-05-01"})
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert list(errors) == ["statistic"]
    assert errors["statistic"] == [
        "Customer Satisfaction has no distribution of durations: only its mean takes a target."
    ]
    assert Target.objects.count() == 1
    # Left out, the statistic is the mean.
    client.post(reverse("target_new"), {**form, "kpi": "aht", "statistic": "", "value": "6"})
    assert Target.objects.get(kpi="aht").statistic == "mean"


def test_the_api_sets_a_p90_target_and_gives_medians_with_each_figure(medians):
    team, alice, _, leader = medians
    api = APIClient()
    api.force_authenticate(user=leader)
    body = {"kpi": "frt", "statistic": "p90", "scope": "team", "team": team.pk, "effective_from": "2026-01-01"}
    created = api.post("/api/v1/targets/", {**body, "value": 1800}, format="json")
    assert created.status_code == 201 and created.json()["statistic"] == "p90"
    refused = api.post("/api/v1/targets/", {**body, "kpi": "fcr", "value": 70}, format="json")
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["statistic"]
    response = api.get(f"/api/v1/scorecards/agent/{alice.pk}/", {"date_from": "2026-03-01", "date_to": "2026-03-10"})
    figures = {figure["code"]: figure for figure in response.json()["kpis"]}
    frt = figures["frt"]
    assert (frt["median_seconds"], frt["p90_seconds"], frt["distribution_count"]) == (
        sketched(3 * MINUTE),
        sketched(4 * MINUTE),
        5,
    )
    # Alice is held to her team's p90 target: her p90 (4 min) is within 30 min.
    assert (frt["target_statistic"], frt["target_display"], frt["status"]) == ("p90", "p90 ≤ 30 min", "met")
    assert (figures["csat"]["median_seconds"], figures["csat"]["distribution_count"]) == (None, 0)
    schema = api.get("/api/schema/").content.decode()
    assert "median_seconds" in schema and "p90_seconds" in schema and "target_statistic" in schema


def test_an_agent_on_one_channel_has_no_median_or_p90_and_the_figure_says_why(client, medians):
    # An agent's distributions are kept over all channels only (kpis.distributions.quantiles_kept): filtered to a
    # channel, the mean stays and the median and p90 are None beside a note, never a figure from other rows.
    team, alice, _, leader = medians
    note = "median and p90 are kept per agent over all channels: pick All channels"
    assert note == QUANTILES_NOT_KEPT_NOTE
    email = scorecard(scope=Scope.AGENT, subject=alice, period=PERIOD, channel="email")["frt"]
    assert (email.value, email.sample_size, email.median, email.p90, email.distribution_count) == (
        14 * MINUTE,
        5,
        None,
        None,
        0,
    )
    assert (email.quantiles_note, quantiles_text(email)) == (note, note)
    everywhere = scorecard(scope=Scope.AGENT, subject=alice, period=PERIOD)["frt"]
    assert (everywhere.median, everywhere.quantiles_note) == (sketched(3 * MINUTE), "")
    assert quantiles_text(everywhere) == f"median {format_value(everywhere.kpi, sketched(3 * MINUTE))} · p90 " + (
        format_value(everywhere.kpi, sketched(4 * MINUTE))
    )
    # A team on one channel keeps them.
    team_email = scorecard(scope=Scope.TEAM, subject=team, period=PERIOD, channel="email")["frt"]
    assert (team_email.median, team_email.p90, team_email.quantiles_note) == (
        sketched(4 * MINUTE),
        sketched(20 * MINUTE),
        "",
    )
    trend = kpi_series(scope=Scope.AGENT, subject=alice, period=PERIOD, channel="email", grain=Grain.DAY)["frt"]
    march_2 = next(point for point in trend if point.date_from == MARCH_2)
    assert (march_2.sample_size, march_2.median, march_2.p90) == (5, None, None)

    api = APIClient()
    api.force_authenticate(user=leader)
    query = {"date_from": "2026-03-01", "date_to": "2026-03-10"}
    on_email = api.get(f"/api/v1/scorecards/agent/{alice.pk}/", {**query, "channel": "email"}).json()
    frt = {figure["code"]: figure for figure in on_email["kpis"]}["frt"]
    assert (frt["value"], frt["median_seconds"], frt["p90_seconds"], frt["distribution_count"]) == (
        14 * MINUTE,
        None,
        None,
        0,
    )
    assert frt["quantiles_note"] == note
    all_channels = api.get(f"/api/v1/scorecards/agent/{alice.pk}/", query).json()
    assert {figure["code"]: figure for figure in all_channels["kpis"]}["frt"]["quantiles_note"] == ""

    # The drill-down filtered to the channel says it beside the figure (its title).
    client.force_login(leader)
    page = client.get(reverse("agent_records", args=[alice.pk, "frt"]) + f"?{PERIOD_QUERY}&channel=email")
    assert page.status_code == 200 and note in html.unescape(page.content.decode())

    # A target on an agent's median or p90 on one channel could never be judged: refused on its field.
    target = Target(
        kpi="frt",
        statistic=Statistic.MEDIAN,
        scope=Scope.AGENT,
        agent=alice,
        channel="email",
        value=600,
        effective_from=dt.date(2026, 3, 1),
    )
    with pytest.raises(ValidationError) as refused:
        target.clean()
    assert refused.value.message_dict == {
        "statistic": [
            "An agent's median and p90 are kept over all channels only: leave the channel empty, "
            "or set this target on the mean."
        ]
    }
    target.statistic = Statistic.MEAN
    target.clean()  # on the mean it stands


# ---- pages ----------------------------------------------------------------------------------------


def test_the_dashboard_grid_shows_the_statistic_asked_for_and_keeps_it_with_the_period(client, medians):
    team, _, _, leader = medians
    client.force_login(leader)
    url = reverse("team_dashboard", args=[team.pk])
    mean_page = client.get(f"{url}?{PERIOD_QUERY}")
    assert mean_page.context["statistic"] == "mean"
    alice_cells = next(row for row in mean_page.context["rows"] if row.label == "Alice A").cells
    assert f">{format_value('frt', 14 * MINUTE)}</a>" in alice_cells  # "14 min"
    median_page = client.get(f"{url}?{PERIOD_QUERY}&stat=median")
    alice_cells = next(row for row in median_page.context["rows"] if row.label == "Alice A").cells
    assert f">{format_value('frt', sketched(3 * MINUTE))}</a>" in alice_cells  # "2 min 59 s"
    assert f'data-sort="{sketched(3 * MINUTE):f}"' in alice_cells
    assert f">{format_value('frt', sketched(4 * MINUTE))}<" in median_page.context["team_row"].cells
    # Every cell says all three, with n.
    assert html.escape(f"mean {format_value('frt', 14 * MINUTE)} · median ") in alice_cells
    content = median_page.content.decode()
    assert f'<a href="?{html.escape(PERIOD_QUERY)}&amp;stat=median" aria-current="true" class="current">median</a>' in (
        content
    )
    assert '<a href="?period=7d&amp;stat=median"' in content  # the presets keep it
    assert '<input type="hidden" name="stat" value="median">' in content  # and so does the custom range
    p90_page = client.get(f"{url}?{PERIOD_QUERY}&stat=p90")
    assert f">{format_value('frt', sketched(20 * MINUTE))}<" in p90_page.context["team_row"].cells
    frt_chart = next(chart for chart in p90_page.context["chart_data"]["charts"] if chart["code"] == "frt")
    assert frt_chart["name"] == "First Response Time (p90)"
    trend = frt_chart["datasets"][0]
    # 2 March: alice's five records, p90 4 min; 3 March: bob's two, p90 10 min.
    assert (trend["data"][1], trend["data"][2]) == (round(sketched(4 * MINUTE), 3), round(sketched(10 * MINUTE), 3))
    assert trend["text"][1] == format_value("frt", sketched(4 * MINUTE))
    # Anything else reads as the mean.
    assert client.get(f"{url}?{PERIOD_QUERY}&stat=mode").context["statistic"] == "mean"


def test_the_scorecard_shows_median_and_p90_beside_the_mean(client, medians):
    _, alice, _, _ = medians
    client.force_login(alice)
    content = client.get(f"{reverse('me')}?{PERIOD_QUERY}").content.decode()
    median, p90 = format_value("frt", sketched(3 * MINUTE)), format_value("frt", sketched(4 * MINUTE))
    # Each statistic on one line (a phone never parts a number from its unit).
    nowrap = '<span class="nowrap">{}</span>'.format
    assert f'<span class="meta quantiles">{nowrap(f"median {median}")} · {nowrap(f"p90 {p90}")}</span>' in content
    team_median = format_value("frt", sketched(4 * MINUTE))
    team_p90 = format_value("frt", sketched(20 * MINUTE))
    assert f"median {team_median} · p90 {team_p90}" in strip_tags(content)
    # The trends follow the toggle: alice's own series and her team's, of the median.
    page = client.get(f"{reverse('me')}?{PERIOD_QUERY}&stat=median")
    chart = next(chart for chart in page.context["chart_data"]["charts"] if chart["code"] == "frt")
    own, team = chart["datasets"]
    assert chart["name"] == "First Response Time (median)"
    assert (own["data"][1], own["data"][2]) == (round(sketched(3 * MINUTE), 3), None)  # bob's day is not hers
    assert (team["data"][1], team["data"][2]) == (round(sketched(3 * MINUTE), 3), round(sketched(10 * MINUTE), 3))
    assert '<input type="hidden" name="stat" value="median">' in page.content.decode()


# ---- reviews --------------------------------------------------------------------------------------


def test_a_shared_review_freezes_medians_and_an_older_summary_still_renders(client, medians):
    team, alice, _, leader = medians
    frt_target(team, leader, Statistic.MEDIAN, 5)
    review = shared_review(leader, alice, period=(PERIOD.date_from, PERIOD.date_to))
    frozen = ReviewKpi.objects.get(review=review, kpi="frt")
    assert (frozen.median_seconds, frozen.p90_seconds, frozen.distribution_count, frozen.target_statistic) == (
        sketched(3 * MINUTE),
        sketched(4 * MINUTE),
        5,
        "median",
    )
    assert (ReviewKpi.objects.get(review=review, kpi="csat").distribution_count, frozen.target_label) == (
        None,
        "median ≤ 5 min",
    )
    client.force_login(leader)
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    median, p90 = format_value("frt", sketched(3 * MINUTE)), format_value("frt", sketched(4 * MINUTE))
    assert f"median {median} · p90 {p90} (n = 5)" in strip_tags(page)
    assert "median ≤ 5 min" in page
    api = APIClient()
    api.force_authenticate(user=leader)
    summary = {row["kpi"]: row for row in api.get(f"/api/v1/reviews/{review.pk}/").json()["kpi_summary"]}
    assert (summary["frt"]["median_seconds"], summary["frt"]["target_display"]) == (
        sketched(3 * MINUTE),
        "median ≤ 5 min",
    )
    # A summary frozen before distributions were stored: no median, the target on the mean, the page still reads.
    ReviewKpi.objects.filter(review=review).update(
        median_seconds=None, p90_seconds=None, distribution_count=None, target_statistic=""
    )
    page = client.get(reverse("review_detail", args=[review.pk]))
    assert page.status_code == 200
    assert "p90" not in page.content.decode().split("KPI summary")[1].split("</table>")[0]
    assert api.get(f"/api/v1/reviews/{review.pk}/").json()["kpi_summary"][4]["target_statistic"] == "mean"


# ---- pitfall 5 ------------------------------------------------------------------------------------


def test_pitfall_five_asks_when_the_mean_misleads_and_stays_quiet_otherwise(medians, settings):
    team, alice, bob, _ = medians
    settings.KPI_MIN_SAMPLE = 5
    # Alice: mean 14 min is 4.7 × her median 2 min 59 s, on 5 records.
    frt = scorecard(scope=Scope.AGENT, subject=alice, period=PERIOD, with_previous=False)["frt"]
    assert mean_misleads(frt)
    check = review_pitfalls(agent=alice, period=PERIOD, goals=[])[4]
    median, p90 = format_value("frt", sketched(3 * MINUTE)), format_value("frt", sketched(4 * MINUTE))
    expected = (
        f"First Response Time: the mean 14 min is {14 * MINUTE / sketched(3 * MINUTE):.1f} × the median {median} "
        f"(p90 {p90}, n = 5): a few long tickets carry the mean"
    )
    assert check.triggered and any(line.startswith(expected) for line in check.evidence)
    assert "4.7 × the median" in expected
    # Bob: 2 records, fewer than KPI_MIN_SAMPLE: no mean-versus-median signal (only the low-sample one).
    bob_check = review_pitfalls(agent=bob, period=PERIOD, goals=[])[4]
    assert not any("× the median" in line for line in bob_check.evidence)
    # Carol: 6, 6, 7, 7 and 8 min, mean 6 min 48 s against a median of 7 min: quiet.
    carol = AgentFactory(team=team, username="carol")
    first_responses(carol, MARCH_2, (6, 6, 7, 7, 8))
    snapshots_compute(date_from=MARCH_2, date_to=MARCH_2)
    carol_frt = scorecard(scope=Scope.AGENT, subject=carol, period=PERIOD, with_previous=False)["frt"]
    assert (carol_frt.distribution_count, mean_misleads(carol_frt)) == (5, False)
    assert not any("× the median" in line for line in review_pitfalls(agent=carol, period=PERIOD, goals=[])[4].evidence)


def test_the_grid_shows_a_business_hours_kpi_only_where_a_target_is_on_it(client, medians):
    team, _, _, leader = medians
    client.force_login(leader)
    url = f"{reverse('team_dashboard', args=[team.pk])}?{PERIOD_QUERY}"
    codes = [kpi.code for kpi in client.get(url).context["kpis"]]
    assert codes == ["csat", "nps", "ces", "aht", "frt", "resolution_time", "fcr", "resolution_rate", "volume", "iqs"]
    target_save(
        target=Target(kpi="frt_business", scope=Scope.TEAM, team=team, value=3600, effective_from=dt.date(2026, 1, 1)),
        set_by=leader,
    )
    codes = [kpi.code for kpi in client.get(url).context["kpis"]]
    # In place of its calendar twin, which has no target: the grid keeps ten columns.
    assert codes[3:6] == ["aht", "frt_business", "resolution_time"] and len(codes) == 10
    frt_target(team, leader, Statistic.MEAN, 60)
    codes = [kpi.code for kpi in client.get(url).context["kpis"]]
    assert codes[3:7] == ["aht", "frt", "frt_business", "resolution_time"]


def test_the_mean_grid_reads_the_agents_medians_only_when_a_target_judges_them(client, medians):
    team, _, _, leader = medians
    client.force_login(leader)
    url = f"{reverse('team_dashboard', args=[team.pk])}?{PERIOD_QUERY}"
    alice = next(row for row in client.get(url).context["rows"] if row.label == "Alice A")
    assert "median" not in alice.cells and "median" not in alice.details  # not read: the grid shows means
    frt_target(team, leader, Statistic.MEDIAN, 2)
    page = client.get(url)
    alice = next(row for row in page.context["rows"] if row.label == "Alice A")
    # Her median 2 min 59 s misses the team's median target of 2 min; her mean (14 min) is what the cell shows.
    assert f">{format_value('frt', 14 * MINUTE)}</a>" in alice.cells
    assert alice.missed_count == 1
    assert f"First Response Time {format_value('frt', sketched(3 * MINUTE))} (target median ≤ 2 min" in (
        html.unescape(strip_tags(alice.missed_html))
    )


def test_a_cell_showing_another_statistic_than_its_target_judges_carries_no_status_mark(client, medians):
    """A mean target of 10 min: Alice's mean (14 min) missed it, her median (2 min 59 s) would not have. The median
    grid shows 2 min 59 s with no ✗ and no colour, and says "Missed on the mean (14 min)"; the missed count and the
    needs-coaching list are the target's, as on the mean grid; a median target's cell is marked on the median grid."""
    team, _, _, leader = medians
    frt_target(team, leader, Statistic.MEAN, 10)
    client.force_login(leader)
    url = reverse("team_dashboard", args=[team.pk])

    mean_row = next(r for r in client.get(f"{url}?{PERIOD_QUERY}").context["rows"] if r.label == "Alice A")
    median_page = client.get(f"{url}?{PERIOD_QUERY}&stat=median")
    median_row = next(r for r in median_page.context["rows"] if r.label == "Alice A")
    frt_cell = lambda cells: next(cell for cell in cells.split("</td>") if "First Response Time" in cell)  # noqa: E731

    assert 'class="figure status-missed' in frt_cell(mean_row.cells) and "✗" in frt_cell(mean_row.cells)
    cell = frt_cell(median_row.cells)
    assert 'class="figure status-other-statistic' in cell and "status-symbol" not in cell
    assert f">{format_value('frt', sketched(3 * MINUTE))}</a>" in cell
    assert '<span class="status-label">Missed on the mean (14 min)</span>' in cell
    assert median_row.missed_count == mean_row.missed_count == 1
    assert "First Response Time 14 min (target ≤ 10 min, low sample)" in strip_tags(median_row.missed_html)

    Target.objects.filter(kpi="frt").update(statistic=Statistic.MEDIAN, value=5 * MINUTE)
    median_row = next(
        r for r in client.get(f"{url}?{PERIOD_QUERY}&stat=median").context["rows"] if r.label == "Alice A"
    )
    assert 'class="figure status-met' in frt_cell(median_row.cells) and "✓" in frt_cell(median_row.cells)


def test_needs_coaching_lists_misses_on_enough_records_and_names_the_rest_apart(client, medians, settings):
    """With 3 records as the least to judge: Alice missed the 10-min mean target on 5 first responses (needs
    coaching), Bob on 2 (named apart, "too few records to judge", not offered a review)."""
    settings.KPI_MIN_SAMPLE = 3
    team, alice, bob, leader = medians
    frt_target(team, leader, Statistic.MEAN, 10)
    client.force_login(leader)

    page = client.get(f"{reverse('team_dashboard', args=[team.pk])}?{PERIOD_QUERY}")
    content = page.content.decode()
    coaching = str(page.context["needs_coaching"])
    assert "Alice A" in coaching and "Bob B" not in coaching
    assert "First Response Time 14 min (target ≤ 10 min)" in strip_tags(coaching)
    assert [row.label for row in page.context["too_few_to_judge"]] == ["Bob B"]
    assert (
        f'Missed only on too few records to judge (fewer than 3): <a href="{reverse("agent_scorecard", args=[bob.pk])}'
        in (content)
    )
    # The grid still counts every target missed.
    assert {row.label: row.missed_count for row in page.context["rows"]} == {"Alice A": 1, "Bob B": 1}

    settings.KPI_MIN_SAMPLE = 10  # both on too few: nobody to coach yet
    page = client.get(f"{reverse('team_dashboard', args=[team.pk])}?{PERIOD_QUERY}&stat=p90")
    assert str(page.context["needs_coaching"]) == ""
    assert "No agent missed a target on enough records to judge." in page.content.decode()
    assert [row.label for row in page.context["too_few_to_judge"]] == ["Alice A", "Bob B"]
