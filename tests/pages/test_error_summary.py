"""A form that comes back with errors opens on a summary at the top of the page, each error linked to its field (on a
phone the first field in error can be screens down); static/js/error-summary.js focuses it."""

from kpis.formatting import DURATION_INPUT_ERROR
from kpis.models import Target


def test_a_refused_target_opens_on_the_summary_of_its_errors(client, leader, team):
    client.force_login(leader)
    body = {"kpi": "aht", "scope": "team", "team": team.pk, "effective_from": "", "value": "5 minutes", "save": "1"}

    page = client.post("/targets/new/", body).content.decode()

    summary = page[page.index('<div class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
    assert page.index("<main") < page.index('class="error-summary"') < page.index("<form", page.index("<main"))
    assert "2 fields to fix" in summary
    assert f'<a href="#id_value">Target value</a>: {DURATION_INPUT_ERROR}' in summary
    assert '<a href="#id_effective_from">' in summary
    assert 'id="id_value"' in page and 'id="id_effective_from"' in page  # the links land on the fields
    assert not Target.objects.exists()
    assert '<script src="/static/js/error-summary.js" defer></script>' in page


def test_a_page_without_errors_has_no_summary(client, leader):
    client.force_login(leader)
    assert "error-summary" not in client.get("/targets/new/").content.decode().split("<main", 1)[1].split("</main>")[0]
