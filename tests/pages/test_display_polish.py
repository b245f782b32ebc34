"""How pages write what they show: a value never parts from its unit, categories read as labels (exports keep the
raw value)."""

import datetime as dt

import pytest

from kpis.templatetags.pulse import category_label, values_nowrap
from tests.pages.conftest import activity, compute

pytestmark = pytest.mark.django_db


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
