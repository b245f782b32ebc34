"""The imports page: who may use it, upload → task → result, error CSV download."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import LeaderFactory
from tickets.models import ImportRun, Ticket

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(autouse=True)
def _media_and_tasks(import_media, eager_import_tasks):
    """Every test here uploads to a temporary MEDIA_ROOT and runs the import task in-process."""


@pytest.fixture
def people(sample_agents):
    """Alice and Bob in Falcons, Carol in Owls (tests/tickets/conftest.py)."""


def error_row(*cells: str) -> str:
    """A bad row as the run page prints it (each cell labelled for the phone layout)."""
    labels = ("Line", "Column", "Value", "Reason")
    return "".join(f'<td data-label="{label}">{cell}</td>' for label, cell in zip(labels, cells, strict=False))


def upload(client, name, **data):
    payload = {"kind": "tickets", "profile": "zendesk", "timezone": "", **data}
    payload["file"] = SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type="text/csv")
    return client.post(reverse("imports"), payload)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("imports"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["agent", "hr"])
def test_agents_and_hr_get_404(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("imports")).status_code == 404


def test_leader_sees_the_form_without_create_missing(client, leader):
    client.force_login(leader)
    response = client.get(reverse("imports"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_file">CSV file' in html
    assert "create_missing" not in html


def test_leader_upload_runs_the_task_and_shows_the_result(
    client, leader, people, customer_of_falcons, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "zendesk_mixed.csv")

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_detail", args=[run.pk])
    assert (run.status, run.created_by, run.rows_total, run.rows_done) == ("succeeded", leader, 10, 10)
    assert (run.rows_created, run.rows_updated, run.rows_unchanged, run.rows_failed) == (2, 0, 0, 8)
    assert sorted(Ticket.objects.values_list("external_id", flat=True)) == ["3001", "3006", "SYNC-1"]

    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert error_row("3", "Solved at", "2026-03-01 10:00:00 +0100") in page
    assert "solved_at: solved_at cannot be before created_at." in page
    assert reverse("import_errors_csv", args=[run.pk]) in page

    download = client.get(reverse("import_errors_csv", args=[run.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="zendesk_mixed-errors.csv"'
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert lines[0] == "line,column,field,value,message"
    assert len(lines) == 9


def test_leader_rows_of_other_teams_are_errors(
    client, leader, people, customer_of_falcons, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "zendesk_tickets.csv")

    run = ImportRun.objects.get()
    assert (run.rows_created, run.rows_failed) == (4, 1)
    assert not Ticket.objects.filter(external_id="1005").exists()
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert error_row("6", "Group", "Owls", "team: No team “Owls”.") in page


def test_all_or_nothing_writes_none_of_a_file_with_a_refused_row_and_says_why(
    client, leader, admin_user, people, customer_of_falcons, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    assert (
        "All or nothing: if any row is refused, write none of the file"
        in client.get(reverse("imports")).content.decode()
    )
    before = sorted(Ticket.objects.values_list("external_id", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "zendesk_tickets.csv", strict="on")

    run = ImportRun.objects.get()
    assert (run.strict, run.status, run.rows_created, run.rows_updated, run.rows_failed) == (True, "failed", 0, 0, 1)
    assert sorted(Ticket.objects.values_list("external_id", flat=True)) == before  # 1001-1004 not written
    assert run.message == (
        "All or nothing: line 6 was refused (team: No team “Owls”.), so nothing was written. Fix the rows listed "
        "below and import the file again."
    )
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert ", all or nothing." in page and "Status: Failed" in page
    assert error_row("6", "Group", "Owls", "team: No team “Owls”.") in page

    # The same file is clean for an admin (every team is theirs): under the same option it is written whole.
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "zendesk_tickets.csv", strict="on")
    run = ImportRun.objects.latest("pk")
    assert (run.strict, run.status, run.rows_created, run.rows_failed, run.message) == (True, "succeeded", 5, 0, "")
    assert Ticket.objects.filter(external_id__in=["1001", "1002", "1003", "1004", "1005"]).count() == 5


def test_a_running_import_refreshes_itself(client, leader):
    run = ImportRun.objects.create(created_by=leader, kind="tickets", profile="zendesk", file="imports/x.csv",
                                   original_name="x.csv", status="running", rows_total=400, rows_done=100)  # fmt: skip
    client.force_login(leader)
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "100 of 400 rows (25 %)" in page


def test_other_leaders_runs_are_404_and_admin_sees_all(client, leader, other_leader, admin_user):
    run = ImportRun.objects.create(created_by=leader, kind="tickets", profile="zendesk", file="imports/x.csv")
    client.force_login(other_leader)
    assert client.get(reverse("import_detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("import_errors_csv", args=[run.pk])).status_code == 404
    assert "x.csv" not in client.get(reverse("imports")).content.decode()
    client.force_login(admin_user)
    assert client.get(reverse("import_detail", args=[run.pk])).status_code == 200


def test_admin_dry_run_with_create_missing_writes_nothing(
    client, admin_user, people, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "zendesk_mixed.csv", create_missing="on", dry_run="on")

    run = ImportRun.objects.get()
    assert (run.create_missing, run.dry_run, run.rows_created, run.rows_failed) == (True, True, 4, 6)
    assert Ticket.objects.count() == 0


def test_mapping_file_upload_and_its_errors(client, admin_user, people, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    bad = SimpleUploadedFile("map.json", b'{"columns": {"external_id": "Case"}}', content_type="application/json")
    response = upload(client, "generic_tickets.csv", profile="mapping", mapping_file=bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The mapping map.json has errors." in html
    assert "columns.channel: Required: name the column that holds it." in html
    assert ImportRun.objects.count() == 0

    mapping = SimpleUploadedFile("map.json", (DATA / "generic_mapping.json").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "generic_tickets.csv", profile="mapping", mapping_file=mapping)
    run = ImportRun.objects.get()
    assert (run.profile, run.status, run.rows_created, run.rows_failed) == ("", "succeeded", 3, 0)


def test_profile_must_fit_the_kind(client, leader):
    client.force_login(leader)
    response = upload(client, "pulse_surveys.csv", kind="tickets", profile="pulse")
    assert response.status_code == 400
    assert "This format holds surveys, not tickets." in response.content.decode()


def test_a_file_without_the_format_columns_is_refused_before_a_run(client, leader, people):
    client.force_login(leader)
    response = upload(client, "freshdesk_tickets.csv")
    assert response.status_code == 400
    assert "The file has no column “Id” (for external_id)" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_leader_import_by_another_leader_team(client, other_leader, people, django_capture_on_commit_callbacks):
    leader_b = LeaderFactory(username="nobody", teams=[])
    client.force_login(leader_b)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "zendesk_tickets.csv")
    run = ImportRun.objects.get()
    assert (run.rows_created, run.rows_failed) == (0, 5)


def test_error_download_is_quoted_and_the_page_shows_the_upload(
    client, leader, people, django_capture_on_commit_callbacks
):
    header, row = (DATA / "zendesk_mixed.csv").read_text(encoding="utf-8-sig").splitlines()[:2]
    assignee = '"=HYPERLINK(""http://x"")"'  # a CSV field holding =HYPERLINK("http://x")
    body = f"{header}\n{row.replace('Alice Martin', assignee)}\n".encode()
    client.force_login(leader)
    payload = {"kind": "tickets", "profile": "zendesk", "timezone": ""}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports"), {**payload, "file": SimpleUploadedFile("t.csv", body, "text/csv")})

    run = ImportRun.objects.get()
    assert (run.rows_created, run.rows_failed) == (0, 1)
    download = client.get(reverse("import_errors_csv", args=[run.pk]))
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert lines[1].startswith('2,Assignee,agent,"\'=HYPERLINK(""http://x"")",')  # quoted: never a formula
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert error_row("2", "Assignee", "=HYPERLINK(&quot;http://x&quot;)") in page  # as uploaded
