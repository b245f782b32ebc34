"""Import help on the imports page and the CSV template of each format (tickets/importing/help.py)."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.models import SurveyResponse
from tests.factories import AgentFactory, LeaderFactory
from tickets.customers.models import Customer
from tickets.importing.help import EXAMPLES, profile_as_mapping, profile_help, template_csv, template_rows
from tickets.importing.parsing import RowConverter
from tickets.importing.profiles import (
    BUILTIN_PROFILES,
    FRESHDESK,
    ColumnSpec,
    ImportKind,
    Profile,
    profile_from_mapping,
)
from tickets.importing.service import rows_import
from tickets.importing.uploads import upload_check
from tickets.models import BusinessSecondsSource, Ticket

PROFILES = list(BUILTIN_PROFILES)


def read_template(profile: Profile) -> tuple[list[str], list[str]]:
    data = template_csv(profile)
    assert data.startswith("\ufeff".encode())  # spreadsheet programs read the accents
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 1
    return header, rows[0]


@pytest.mark.parametrize("name", PROFILES)
def test_each_template_reads_back_as_its_example_with_the_profiles_own_reader(name):
    profile = BUILTIN_PROFILES[name]
    header, row = read_template(profile)
    assert header == [specs[0].column for specs in profile.columns.values()]

    parsed = RowConverter(profile, header).convert(row)

    assert parsed.errors == {}
    expected = {
        field: (value.replace(tzinfo=dt.UTC) if isinstance(value, dt.datetime) else value)
        for field, value in EXAMPLES[profile.kind].items()
        if field in profile.columns
    }
    assert parsed.values == expected


def test_the_freshdesk_template_writes_time_tracked_as_hours_and_minutes():
    header, row = read_template(FRESHDESK)
    cells = dict(zip(header, row, strict=True))
    assert cells["Time tracked"] == "0:06"  # 360 s, as Freshdesk writes it
    assert cells["Status"] == "Resolved"  # the helpdesk's word for Pulse's "solved"
    assert cells["Priority"] == "Medium"


@pytest.mark.parametrize("name", PROFILES)
def test_each_template_passes_the_upload_check_of_the_page(name):
    upload = SimpleUploadedFile(f"{name}.csv", template_csv(BUILTIN_PROFILES[name]), content_type="text/csv")
    assert upload_check(upload) == template_rows(BUILTIN_PROFILES[name])[0]


def test_the_zendesk_and_pulse_templates_import_a_ticket_and_its_survey_answer(db, team, tmp_path):
    maya = AgentFactory(username="maya", email="maya.lopez@example.com", team=team)
    acme = Customer.objects.create(external_id="ACME-001", name="Acme Corporation", started_on=dt.date(2025, 1, 15))
    tickets, surveys = tmp_path / "tickets.csv", tmp_path / "surveys.csv"
    tickets.write_bytes(template_csv(BUILTIN_PROFILES["zendesk"]))
    surveys.write_bytes(template_csv(BUILTIN_PROFILES["pulse"]))

    assert rows_import(path=tickets, profile=BUILTIN_PROFILES["zendesk"]).failed == 0
    assert rows_import(path=surveys, profile=BUILTIN_PROFILES["pulse"]).failed == 0

    ticket = Ticket.objects.get(external_id="10542")
    assert (ticket.agent, ticket.team, ticket.channel, ticket.status) == (maya, team, "email", "solved")
    assert ticket.first_response_at - ticket.created_at == dt.timedelta(minutes=12)
    assert ticket.handle_time_seconds == 360
    # Zendesk's business-hours minutes are kept as given, and the organisation is the ticket's customer.
    assert (ticket.first_response_business_seconds, ticket.resolution_business_seconds) == (720, 2880)
    assert (ticket.business_seconds_source, ticket.customer) == (BusinessSecondsSource.HELPDESK, acme)
    answers = sorted(SurveyResponse.objects.values_list("external_id", "kind", "score", "customer"))
    assert answers == [("10542-satisfaction", "csat", 5, acme.pk), ("S-2201", "csat", 5, acme.pk)]


@pytest.mark.parametrize("name", PROFILES)
def test_a_profile_written_as_a_mapping_file_reads_as_the_same_profile(name):
    profile = BUILTIN_PROFILES[name]
    mapping = json.loads(json.dumps(profile_as_mapping(profile)))
    again = profile_from_mapping(data=mapping, kind=profile.kind, name=name)
    assert (again.columns, again.values, again.timezone, again.defaults) == (
        profile.columns,
        profile.values,
        profile.timezone,
        profile.defaults,
    )


def test_the_help_is_read_from_the_profile_so_it_follows_a_change():
    profile = Profile(
        name="custom",
        kind=ImportKind.TICKETS,
        columns={
            "external_id": [ColumnSpec("Case")],
            "created_at": [ColumnSpec("Opened")],
            "solved_at": [ColumnSpec("Closed"), ColumnSpec("Resolution (h)", unit="hours", after="created_at")],
            "channel": [ColumnSpec("Origin")],
        },
        timezone="Europe/Paris",
        datetime_formats=["%d/%m/%Y %H:%M"],
        values={"channel": {"e-mail": "email", "telephone": "phone"}},
    )
    fields = {item.field: item for item in profile_help(profile).fields}
    assert list(fields) == ["external_id", "created_at", "solved_at", "channel"]
    assert [name for name, item in fields.items() if item.required] == ["external_id", "created_at", "channel"]
    assert fields["solved_at"].columns == ["Closed", "Resolution (h) (hours after created_at)"]
    assert "“%d/%m/%Y %H:%M”" in fields["created_at"].expects
    assert "read in Europe/Paris" in fields["created_at"].expects
    assert fields["channel"].expects == (
        "Read case-insensitively: e-mail → email; telephone → phone. "
        "Any other value must be one of email, chat, phone, social, other."
    )
    header, row = template_rows(profile)
    assert header == ["Case", "Opened", "Closed", "Origin"]
    assert row == ["10542", "02/03/2026 09:15", "02/03/2026 10:03", "E-mail"]


# ---- the page --------------------------------------------------------------------------------


def test_the_imports_page_explains_every_format_and_links_its_template(client, leader):
    client.force_login(leader)
    response = client.get(reverse("imports"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "docs/importing.md" not in html  # a file a browser user cannot open
    for name, profile in BUILTIN_PROFILES.items():
        assert f'href="{reverse("import_template", args=[name])}"' in html
        for specs in profile.columns.values():
            for spec in specs:
                assert f"<code>{spec.column}" in html, spec.column
    assert "Any other value must be one of new, open, pending, solved, closed." in html  # Zendesk's Status
    assert "(minutes after created_at)" in html
    assert "<code>satisfaction</code>" in html  # the mapping file's field list
    assert "&quot;First reply time in minutes&quot;" in html  # the example mapping file


def test_a_leader_downloads_each_template(client, leader):
    client.force_login(leader)
    for name, profile in BUILTIN_PROFILES.items():
        response = client.get(reverse("import_template", args=[name]))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="pulse-{name}-{profile.kind}-template.csv"'
        assert response.content == template_csv(profile)


def test_an_admin_downloads_a_template(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("import_template", args=["pulse"])).status_code == 200


@pytest.mark.parametrize("who", ["agent", "hr"])
def test_those_who_may_not_import_get_404_for_a_template(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("import_template", args=["zendesk"])).status_code == 404


def test_an_unknown_format_is_404(client, db):
    client.force_login(LeaderFactory(username="lead"))
    assert client.get("/imports/templates/mapping.csv").status_code == 404
    assert client.get("/imports/templates/..%2Fsettings.csv").status_code == 404


def test_anonymous_is_sent_to_login_for_a_template(client, db):
    response = client.get(reverse("import_template", args=["zendesk"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
