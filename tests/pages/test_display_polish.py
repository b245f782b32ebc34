"""How pages write what they show: a value never parts from its unit, categories read as labels, dates in one
readable format (exports and the API keep raw values and ISO dates)."""

import datetime as dt

import pytest

from kpis.formatting import format_date, format_period
from kpis.templatetags.pulse import category_label, values_nowrap
from tests.pages.conftest import activity, compute

pytestmark = pytest.mark.django_db
D = dt.date


# ---- a value and its unit ------------------------------------------------------------------


HELD = '<span class="nowrap">{}</span>'.format


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("≥ 80.0 % (stretch 90.0 %)", f"{HELD('≥ 80.0 %')} (stretch {HELD('90.0 %')})"),
        ("baseline 7 h 27 min over 90 days", f"baseline {HELD('7 h 27 min')} over {HELD('90 days')}"),
        ("−3.2 pts, 12 tickets", f"{HELD('−3.2 pts')}, {HELD('12 tickets')}"),
        ("interval 72.1–95.3 %", f"interval {HELD('72.1–95.3 %')}"),
        ("MRR 1,836.40 USD", f"MRR {HELD('1,836.40 USD')}"),
        ("5 agents in 2 teams <b>", "5 agents in 2 teams &lt;b&gt;"),  # no unit: nothing held; always escaped
    ],
)
def test_values_nowrap_holds_each_value_with_its_unit(text, html):
    assert values_nowrap(text) == html


# ---- categories ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "label"),
    [
        ("billing", "Billing"),
        ("password_reset", "Password reset"),
        ("tech-support", "Tech support"),
        ("level 2", "Level 2"),
        ("VIP refunds", "VIP refunds"),  # written by a person: kept as written
        ("iPhone", "iPhone"),
        ("", "No category"),
        (None, "No category"),
        ("(none)", "No category"),  # the breakdown's row (and drill-down filter) of tickets without a category
    ],
)
def test_a_category_reads_as_a_label(category, label):
    assert category_label(category) == label


def test_the_dashboard_breakdown_and_drill_down_name_categories_and_export_them_raw(client, leader, team, agent):
    day = dt.date.today() - dt.timedelta(days=2)
    activity(agent, day, tickets=2, category="password_reset")
    activity(agent, day, tickets=1)
    compute()
    client.force_login(leader)

    page = client.get(f"/teams/{team.pk}/").content.decode()

    categories = page[page.index('id="categories-heading"') :]
    assert ">Password reset</th>" in categories and ">No category</th>" in categories
    assert "password_reset</th>" not in categories and "(none)</th>" not in categories
    assert "&amp;category=password_reset" in categories and "&amp;category=%28none%29" in categories  # raw filters
    records = client.get(f"/teams/{team.pk}/kpis/volume/", {"period": "7d", "category": "password_reset"})
    content = records.content.decode()
    assert " · Password reset</p>" in content
    assert content.count('<td data-label="Category">Password reset</td>') == 2
    export = client.get(f"/teams/{team.pk}/kpis/volume/export.csv", {"period": "7d"})
    rows = b"".join(export.streaming_content if export.streaming else [export.content]).decode("utf-8-sig")
    assert ",password_reset," in rows and "Password reset" not in rows  # exports keep the raw value


# ---- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        (D(2026, 11, 2), D(2026, 11, 2), "2 Nov 2026"),
        (D(2026, 11, 1), D(2026, 11, 30), "1–30 Nov 2026"),
        (D(2026, 11, 28), D(2026, 12, 3), "28 Nov – 3 Dec 2026"),
        (D(2026, 12, 28), D(2027, 1, 3), "28 Dec 2026 – 3 Jan 2027"),
    ],
)
def test_a_period_reads_in_as_few_words_as_it_takes(first, last, text):
    assert format_period(first, last) == text


def test_a_day_has_no_leading_zero():
    assert (format_date(D(2026, 3, 1)), format_date(D(2026, 3, 1), year=False)) == ("1 Mar 2026", "1 Mar")


def test_review_pages_write_periods_and_moments_one_way(client, leader, agent):
    from kpis.reviews import services

    review = services.review_create(author=leader, agent=agent, period_start=D(2026, 3, 1), period_end=D(2026, 3, 31))
    client.force_login(leader)

    listed = client.get("/reviews/").content.decode()
    page = client.get(review.get_absolute_url()).content.decode()

    assert '<td data-label="Period">1–31 Mar 2026</td>' in listed
    assert "<dt>Period</dt><dd>1–31 Mar 2026</dd>" in page
    assert "KPI summary, 1–31 Mar 2026 (live" in page
    assert str(review) == f"Review of {agent} for 1–31 Mar 2026"
    # The history: a moment as "3 Dec 2026 10:05", not "2026-12-03 10:05".
    created = review.created_at.astimezone(dt.UTC)
    assert f'<td data-label="When">{created.day} {created:%b %Y %H:%M}</td>' in page
