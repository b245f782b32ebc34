"""Uploads: refused before a run exists, runs that stop part-way say what is kept, mapping limits, retention."""

import datetime as dt
import functools
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from config.settings.base import CELERY_BEAT_SCHEDULE
from tickets.importing import runs as import_runs
from tickets.importing import service as import_service
from tickets.importing.parsing import ImportFileError
from tickets.importing.profiles import MappingError, profile_load
from tickets.importing.service import ImportStopped, rows_import
from tickets.importing.uploads import SNIFF_BYTES, csv_head_check
from tickets.models import ImportRun, Ticket
from tickets.tasks import import_files_purge_task, import_run_task

DATA = Path(__file__).resolve().parent.parent / "data"
ZENDESK = (DATA / "zendesk_tickets.csv").read_bytes()  # header on line 1, tickets 1001–1005 on lines 2–6
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


pytestmark = pytest.mark.usefixtures("import_media", "eager_import_tasks")


def post(client, name: str, content: bytes, **data):
    payload = {"kind": "tickets", "profile": "zendesk", "timezone": "", **data}
    payload["file"] = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(reverse("imports"), payload)


def file_error(response) -> str:
    """The errors shown under the file field."""
    return " ".join(response.context["form"].errors.get("file", []))


def with_line(line: int, replacement: bytes) -> bytes:
    """The Zendesk sample with its physical line `line` replaced (lines end in \\n)."""
    lines = ZENDESK.split(b"\n")
    lines[line - 1] = replacement
    return b"\n".join(lines)


def stored_ids() -> list[str]:
    return sorted(Ticket.objects.values_list("external_id", flat=True))


# ---- refused before a run exists ---------------------------------------------------------------


def test_a_png_named_csv_is_a_field_error_and_no_run(client, leader):
    client.force_login(leader)
    response = post(client, "export.csv", PNG)

    assert response.status_code == 400
    assert file_error(response) == (
        "This file is a PNG image, not a CSV text file. Save it as “CSV UTF-8 (comma delimited)” and upload that file."
    )
    assert ImportRun.objects.count() == 0


def test_a_file_over_the_size_limit_is_a_field_error_and_no_run(client, leader, sample_agents, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    client.force_login(leader)
    response = post(client, "zendesk_tickets.csv", ZENDESK)

    assert len(ZENDESK) > 1000
    assert response.status_code == 400
    assert file_error(response).startswith(f"The file is {len(ZENDESK) / 1024:.1f}\xa0KB; the limit is 1000\xa0bytes.")
    assert ImportRun.objects.count() == 0
    assert "At most 1000\xa0bytes." in response.content.decode()

    settings.IMPORT_MAX_UPLOAD_BYTES = len(ZENDESK)  # at the limit it is accepted
    assert post(client, "zendesk_tickets.csv", ZENDESK).status_code == 302
    assert ImportRun.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty: a CSV export starts with a row of column names."),
        (b"PK\x03\x04\x14\x00\x06\x00", "This file is a ZIP archive (an Excel .xlsx workbook is one), not a CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "This file is an old Excel (.xls) or Office document, not a CSV"),
        (b"%PDF-1.7\n", "This file is a PDF document, not a CSV"),
        ("Id,Via\n1,Mail\n".encode("utf-16"), "This file is UTF-16 text, not a CSV"),
        (b"Id,Via\n1,Mail\x00\x00\n", "This file holds NUL bytes: it is binary data"),
        (b"Id,Via\n1,Caf\xe9\n", "Line 2 is not UTF-8 text."),
        (b"Id,Via\n" + b"\x01\x02\x03\x04" * 10, "This file holds control characters: it is binary data"),
        (b"Id;Via;Created at\n1;Mail;2026-03-02\n", "The columns are separated by semicolons, not commas."),
        (b"Id\tVia\n1\tMail\n", "The columns are separated by tabs, not commas."),
        (b"just some text\nmore text\n", "The first row has a single column"),
        (b'Id,"' + b"x" * 140_000 + b'"\n', "The first row (the column names) is not valid CSV"),
    ],
)
def test_files_that_are_not_a_text_csv_are_refused_with_the_reason(content, message):
    with pytest.raises(ImportFileError) as caught:
        csv_head_check(content, whole=True)
    assert caught.value.message.startswith(message)
    assert caught.value.errors == {"file": [caught.value.message]}


def test_the_head_check_reads_a_bom_and_a_character_cut_at_the_sniff_limit():
    assert csv_head_check(ZENDESK, whole=True)[:3] == ["Summation column", "Id", "Requester"]
    cut = (b"Id,Name\n1," + b"x" * (SNIFF_BYTES - 11) + "é".encode())[:SNIFF_BYTES]
    assert cut.endswith(b"\xc3")  # the sniffed bytes end inside a two-byte character
    assert csv_head_check(cut, whole=False) == ["Id", "Name"]
    with pytest.raises(ImportFileError, match="The first row is longer than 64 KB"):
        csv_head_check(b"a," * SNIFF_BYTES, whole=False)


def test_a_nul_mid_file_in_an_upload_is_refused_only_by_the_run_at_its_line(
    client, admin_user, sample_agents, django_capture_on_commit_callbacks
):
    """Past the sniffed head, the run stops at the exact line and keeps (and says) what came before."""
    client.force_login(admin_user)
    content = with_line(5, ZENDESK.split(b"\n")[4].replace(b"Account", b"Acc\x00ount"))
    content = content.replace(b"Refund, please", b"Refund, please" + b"x" * SNIFF_BYTES)  # an unmapped column
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "zendesk_tickets.csv", content)

    assert response.status_code == 302, response.context["form"].errors
    run = ImportRun.objects.get()
    assert (run.status, run.stopped_at_line, run.rows_total, run.rows_done, run.rows_created) == ("partial", 5, 3, 3, 3)
    assert stored_ids() == ["1001", "1002", "1003"]
    assert run.message == (
        "Line 5 holds a NUL byte: the file is damaged or not a text CSV. The 3 rows up to line 4 are imported "
        "and kept (3 created, 0 updated, 0 unchanged, 0 refused as bad rows); the rows from line 5 on are not. "
        "Fix line 5 and import the whole file again: rows are matched by external_id, so the rows already "
        "imported are left as they are."
    )
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert "Status: Stopped part-way (earlier rows kept)" in page
    assert "Fix line 5 and import the whole file again" in page


# ---- a run that stops part-way tells the truth -------------------------------------------------


def run_file(tmp_path, content: bytes, **options):
    path = tmp_path / "tickets.csv"
    path.write_bytes(content)
    return rows_import(path=path, profile=profile_load(name_or_path="zendesk", kind="tickets"), **options)


def test_a_bad_byte_in_chunk_two_keeps_the_rows_before_its_line(sample_agents, tmp_path):
    content = with_line(5, ZENDESK.split(b"\n")[4].replace(b"Account locked", "Compte bloqu\xe9".encode("latin-1")))
    with pytest.raises(ImportStopped) as caught:
        run_file(tmp_path, content, chunk_size=2)

    stop = caught.value
    assert stop.line == 5
    assert stop.message.startswith("Line 5 is not UTF-8 text. Save the file as “CSV UTF-8” and import it again.")
    assert "The 3 rows up to line 4 are imported and kept (3 created," in stop.message
    assert (stop.report.rows_read, stop.report.created, stop.report.last_line) == (3, 3, 4)
    assert stored_ids() == ["1001", "1002", "1003"]


def test_a_row_the_csv_reader_refuses_is_named_by_the_line_it_starts_on(sample_agents, tmp_path):
    content = ZENDESK + b'1,1006,"Jane\n' + b"x" * 140_000 + b'",9001\n'  # a cell over the csv module's limit
    with pytest.raises(ImportStopped) as caught:
        run_file(tmp_path, content, chunk_size=2)
    assert caught.value.line == 7
    assert caught.value.message.startswith(
        "The row that starts on line 7 is not valid CSV (field larger than field limit (131072))."
    )
    assert len(stored_ids()) == 5


def refuse_ticket(monkeypatch, external_id: str):
    """The ticket upsert hits a real database error when its batch holds `external_id`: the database's own
    check constraint refuses a negative handle time (on PostgreSQL and SQLite alike)."""
    real = import_service.tickets_upsert

    def upsert(*, records, **kwargs):
        result = real(records=records, **kwargs)
        if any(record["external_id"] == external_id for record in records):
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE tickets_ticket SET handle_time_seconds = -1 WHERE external_id = %s", [external_id]
                )
        return result

    monkeypatch.setattr(import_service, "tickets_upsert", upsert)


def test_a_database_error_in_chunk_two_names_its_exact_line_and_what_is_kept(
    client, admin_user, sample_agents, monkeypatch, django_capture_on_commit_callbacks
):
    refuse_ticket(monkeypatch, "1004")  # line 5, the second row of the second chunk of two
    monkeypatch.setattr(import_runs, "rows_import", functools.partial(rows_import, chunk_size=2))
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "zendesk_tickets.csv", ZENDESK)

    run = ImportRun.objects.get()
    assert (run.status, run.stopped_at_line) == ("partial", 5)
    assert (run.rows_done, run.rows_created, run.rows_updated, run.rows_failed) == (2, 2, 0, 0)
    assert stored_ids() == ["1001", "1002"]  # the whole second chunk (lines 4–5) was rolled back
    assert run.message == (
        "Line 5: the database refused this row although it passed the checks (a value breaks a rule of the "
        "stored data). The 2 rows up to line 3 are imported and kept (2 created, 0 updated, 0 unchanged, "
        "0 refused as bad rows); the rows from line 4 on are not. Fix line 5 and import the whole file again: "
        "rows are matched by external_id, so the rows already imported are left as they are."
    )

    # Resuming as the message says: the same file again imports the rest and leaves the first rows alone.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "zendesk_tickets.csv", ZENDESK)
    second = ImportRun.objects.exclude(pk=run.pk).get()
    assert (second.status, second.rows_created, second.rows_unchanged) == ("succeeded", 3, 2)
    assert len(stored_ids()) == 5


def test_a_database_error_under_strict_rolls_everything_back_and_names_the_line(sample_agents, tmp_path, monkeypatch):
    refuse_ticket(monkeypatch, "1004")
    with pytest.raises(ImportStopped) as caught:
        run_file(tmp_path, ZENDESK, chunk_size=2, strict=True)
    assert caught.value.line == 5
    kept = "Nothing was written: all or nothing (--strict) rolls the whole file back. Fix line 5"
    assert kept in caught.value.message
    assert (caught.value.report.created, caught.value.report.unchanged) == (0, 0)
    assert Ticket.objects.count() == 0
    assert Team.objects.count() == 2


def test_strict_command_names_the_bad_row_in_the_middle_of_chunk_two(sample_agents, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(with_line(5, ZENDESK.split(b"\n")[4].replace(b"2026-03-03 09:00:00 +0100", b"yesterday", 1)))
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_tickets", str(path), "--strict", "--chunk-size", "2", stdout=out, stderr=StringIO())
    assert str(caught.value) == (
        "--strict: aborted at line 5, column 'Created at': created_at: “yesterday” is not a date and time "
        "(expected e.g. 2026-03-02 09:15:00). Nothing was written: fix line 5 and import the file again."
    )
    assert Ticket.objects.count() == 0


def test_the_command_prints_what_is_kept_when_a_file_stops_part_way(sample_agents, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(with_line(6, b"1,1005,\xff\xfe"))
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_tickets", str(path), "--chunk-size", "2", stdout=out, stderr=StringIO())
    assert str(caught.value).startswith("Line 6 is not UTF-8 text.")
    assert "The 4 rows up to line 5 are imported and kept (4 created," in str(caught.value)
    assert out.getvalue().splitlines()[-2] == "4 rows read: 4 created, 0 updated, 0 unchanged, 0 failed."
    assert stored_ids() == ["1001", "1002", "1003", "1004"]


def test_a_run_never_stays_running_after_an_unexpected_error(leader, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("boom")

    run = ImportRun.objects.create(created_by=leader, kind="tickets", profile="zendesk", original_name="x.csv")
    run.file.save("x.csv", ContentFile(ZENDESK))
    monkeypatch.setattr(import_runs, "rows_import", crash)

    assert import_run_task.delay(run.pk).get() == "failed"
    run.refresh_from_db()
    assert (run.status, run.message) == (
        "failed",
        "The import stopped on an unexpected error (logged for the administrators).",
    )
    assert run.finished_at is not None


def test_a_png_reaching_a_run_fails_it_at_line_one(leader):
    """The form refuses it; a run made some other way still ends, with the reason."""
    run = ImportRun.objects.create(created_by=leader, kind="tickets", profile="zendesk", original_name="x.csv")
    run.file.save("x.csv", ContentFile(PNG))

    assert import_run_task.delay(run.pk).get() == "failed"
    run.refresh_from_db()
    assert (run.status, run.stopped_at_line, run.rows_total) == ("failed", 1, 0)
    assert run.message.startswith("Line 1 is not UTF-8 text.")


# ---- mapping files -----------------------------------------------------------------------------


DEEP = {
    "map.json": b"[" * 10_000 + b"]" * 10_000,
    "map.toml": b"columns = " + b"[" * 10_000 + b"]" * 10_000,
    "deep.json": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
}


@pytest.mark.parametrize("name", DEEP)
def test_a_mapping_nested_ten_thousand_deep_is_a_clear_error(name, tmp_path):
    path = tmp_path / name
    path.write_bytes(DEEP[name])
    with pytest.raises(MappingError) as caught:
        profile_load(name_or_path=str(path), kind="tickets")
    assert caught.value.message == f"The mapping file {name} nests lists or tables more than 8 levels deep."


def test_a_deep_mapping_upload_is_a_field_error_and_no_run(client, admin_user, sample_agents):
    client.force_login(admin_user)
    mapping = SimpleUploadedFile("map.json", DEEP["map.json"], content_type="application/json")
    response = post(
        client, "generic_tickets.csv", (DATA / "generic_tickets.csv").read_bytes(), profile="mapping",
        mapping_file=mapping,
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["mapping_file"] == [
        "The mapping file map.json nests lists or tables more than 8 levels deep."
    ]
    assert ImportRun.objects.count() == 0


def test_mapping_size_and_plain_values_are_checked(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"columns": {"external_id": "Id"}, "pad": "x" * 70_000}))
    with pytest.raises(MappingError, match="larger than 64 KB"):
        profile_load(name_or_path=str(big), kind="tickets")

    nested = tmp_path / "nested.json"
    nested.write_text(
        json.dumps(
            {
                "columns": {"external_id": "Id", "channel": "Via", "created_at": "Created"},
                "values": {"channel": {"mail": ["email"]}},
                "defaults": {"category": {"a": 1}},
            }
        )
    )
    with pytest.raises(MappingError) as caught:
        profile_load(name_or_path=str(nested), kind="tickets")
    assert caught.value.errors == {
        "values.channel": ["Map each source value to a plain value (text or number)."],
        "defaults.category": ["Give a plain value (text or number)."],
    }


def test_strings_and_comments_do_not_count_as_nesting(tmp_path):
    path = tmp_path / "map.toml"
    path.write_text(
        'columns = { external_id = "[[[[[[[[[[Id", channel = "Via", created_at = "Created" }  # ]]]]] [[[[[[[[[[\n'
        "defaults = { category = '''{{{{{{{{{{''' }\n"
        "[values.channel]\n'[[[[[[[[[[' = \"email\"\n"
    )
    profile = profile_load(name_or_path=str(path), kind="tickets")
    assert profile.columns["external_id"][0].column == "[[[[[[[[[[Id"
    assert profile.values["channel"] == {"[[[[[[[[[[": "email"}
    assert profile.defaults == {"category": "{{{{{{{{{{"}


# ---- retention ---------------------------------------------------------------------------------


def finished_run(user, *, days_ago: int, status="succeeded") -> ImportRun:
    run = ImportRun.objects.create(created_by=user, kind="tickets", profile="zendesk", original_name="t.csv",
                                   status=status, rows_created=4, rows_failed=1)  # fmt: skip
    run.file.save("t.csv", ContentFile(ZENDESK), save=False)
    run.errors_file.save("t-errors.csv", ContentFile(b"line,column\n"), save=False)
    run.save()
    ended = timezone.now() - dt.timedelta(days=days_ago)
    if status in ("succeeded", "failed", "partial"):
        ImportRun.objects.filter(pk=run.pk).update(created_at=ended, finished_at=ended)
    else:
        ImportRun.objects.filter(pk=run.pk).update(created_at=ended)
    run.refresh_from_db()
    return run


def test_purge_deletes_the_files_of_old_runs_and_keeps_the_rows(client, leader, settings):
    settings.IMPORT_RETENTION_DAYS = 30
    old = finished_run(leader, days_ago=31)
    recent = finished_run(leader, days_ago=29)
    stuck = finished_run(leader, days_ago=40, status="pending")
    old_paths = [Path(old.file.path), Path(old.errors_file.path)]
    assert all(path.is_file() for path in old_paths)

    assert import_files_purge_task.delay().get() == 2

    old.refresh_from_db()
    assert not any(path.exists() for path in old_paths)
    assert (old.file.name, old.errors_file.name, old.status, old.rows_created) == ("", "", "succeeded", 4)
    assert old.files_purged_at is not None
    recent.refresh_from_db()
    assert Path(recent.file.path).is_file() and Path(recent.errors_file.path).is_file()
    assert recent.files_purged_at is None
    stuck.refresh_from_db()
    assert (stuck.status, stuck.file.name) == ("failed", "")
    assert stuck.message == "The import never finished; its files were deleted after 30 days."
    assert ImportRun.objects.count() == 3

    client.force_login(leader)
    page = client.get(reverse("import_detail", args=[old.pk]))
    assert page.status_code == 200
    assert "The uploaded file and the list of its bad rows were deleted on" in page.content.decode()
    assert client.get(reverse("import_errors_csv", args=[old.pk])).status_code == 404
    assert import_files_purge_task.delay().get() == 0  # idempotent


def test_purge_command_takes_the_retention_and_beat_runs_the_task(leader):
    run = finished_run(leader, days_ago=8)
    out = StringIO()
    call_command("import_files_purge", "--days", "10", stdout=out)
    assert out.getvalue() == "Deleted the files of 0 import runs.\n"
    call_command("import_files_purge", "--days", "7", stdout=out)
    assert out.getvalue().endswith("Deleted the files of 1 import runs.\n")
    run.refresh_from_db()
    assert run.file.name == ""
    with pytest.raises(CommandError, match=r"--days must be at least 1\."):
        call_command("import_files_purge", "--days", "0")
    assert CELERY_BEAT_SCHEDULE["tickets-import-files-purge"]["task"] == import_files_purge_task.name
