"""Customer CSV import: the built-in "customers" profile end to end (service, command, imports page)."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditEvent
from tickets.customers.models import Customer, MrrChange
from tickets.importing.parsing import ImportFileError
from tickets.importing.profiles import profile_load
from tickets.importing.service import rows_import
from tickets.models import ImportRun

pytestmark = pytest.mark.django_db

HEADER = "external_id,name,segment,plan,mrr,mrr_effective_on,started_on,churned_on\n"
GOOD = (
    HEADER
    + "C-1,Acme,SMB,Pro,100.00,,2025-01-01,\n"
    + "C-2,Globex,Enterprise,Basic,49.9,2025-03-01,2025-02-01,2025-09-30\n"
    + "C-3,Initech,,,,,2025-05-05,\n"
)
BAD = (
    HEADER
    + "C-1,Acme,SMB,Pro,100.005,,2025-01-01,\n"  # line 2: three decimals
    + "C-4,Hooli,SMB,Pro,10,,2025-06-01,2025-05-01\n"  # line 3: churned before started
    + "C-5,,SMB,Pro,10,,2025-06-01,\n"  # line 4: no name
    + "C-6,Pied Piper,SMB,Pro,12.50,,2025/06/01,\n"  # line 5: not YYYY-MM-DD
    + "C-7,Umbrella,SMB,Pro,12.50,,2025-06-01,\n"  # line 6: good
)


def write(tmp_path, text, name="customers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows():
    return list(
        Customer.objects.order_by("external_id").values_list(
            "external_id", "name", "segment", "plan", "mrr", "started_on", "churned_on"
        )
    )


def test_a_customer_csv_is_imported_with_its_mrr_history(tmp_path, admin_user):
    profile = profile_load(name_or_path=None, kind="customers")
    report = rows_import(path=write(tmp_path, GOOD), profile=profile, actor=admin_user)
    assert (report.rows_read, report.created, report.updated, report.unchanged, report.failed) == (3, 3, 0, 0, 0)
    assert rows() == [
        ("C-1", "Acme", "SMB", "Pro", Decimal("100.00"), dt.date(2025, 1, 1), None),
        ("C-2", "Globex", "Enterprise", "Basic", Decimal("49.90"), dt.date(2025, 2, 1), dt.date(2025, 9, 30)),
        ("C-3", "Initech", "", "", Decimal("0.00"), dt.date(2025, 5, 5), None),
    ]
    assert list(
        MrrChange.objects.order_by("customer__external_id").values_list("customer__external_id", "effective_on")
    ) == [
        ("C-1", dt.date(2025, 1, 1)),
        ("C-2", dt.date(2025, 3, 1)),
    ]
    assert AuditEvent.objects.filter(action="import.customers").count() == 1
    assert AuditEvent.objects.filter(action="customer.create").count() == 3
    # The same file again changes nothing.
    again = rows_import(path=write(tmp_path, GOOD), profile=profile, actor=admin_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_bad_rows_are_reported_by_line_and_column_and_the_good_ones_kept(tmp_path, admin_user):
    profile = profile_load(name_or_path="customers", kind="customers")
    report = rows_import(path=write(tmp_path, BAD), profile=profile, actor=admin_user)
    assert (report.created, report.failed) == (1, 4)
    assert [(e.line, e.column, e.value) for e in report.errors] == [
        (2, "mrr", "100.005"),
        (3, "churned_on", "2025-05-01"),
        (4, "name", ""),
        (5, "started_on", "2025/06/01"),
    ]
    assert "at most 2 decimals" in report.errors[0].message
    assert [row[0] for row in rows()] == ["C-7"]


def test_strict_rolls_the_whole_file_back(tmp_path, admin_user):
    profile = profile_load(name_or_path="customers", kind="customers")
    report = rows_import(path=write(tmp_path, BAD), profile=profile, actor=admin_user, strict=True)
    assert report.aborted and report.created == 0
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("who", ["leader", "agent", "hr"])
def test_only_customer_writers_import_customers(request, tmp_path, who):
    profile = profile_load(name_or_path="customers", kind="customers")
    with pytest.raises(ImportFileError):
        rows_import(path=write(tmp_path, GOOD), profile=profile, actor=request.getfixturevalue(who))
    assert Customer.objects.count() == 0


def test_the_import_customers_command(tmp_path):
    out = StringIO()
    call_command("import_customers", str(write(tmp_path, GOOD)), stdout=out, verbosity=0)
    assert Customer.objects.count() == 3


@pytest.fixture
def uploads(import_media, eager_import_tasks):
    """Uploads go to a temporary MEDIA_ROOT; the import task runs in-process."""


def test_an_admin_imports_customers_on_the_imports_page(
    client, admin_user, uploads, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    payload = {"kind": "customers", "profile": "customers", "timezone": ""}
    payload["file"] = SimpleUploadedFile("customers.csv", GOOD.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports"), payload)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert (run.kind, run.status, run.rows_created, run.rows_failed) == ("customers", "succeeded", 3, 0)
    assert Customer.objects.count() == 3
    template = client.get(reverse("import_template", args=["customers"]))
    assert template.content.decode("utf-8-sig").splitlines() == [
        "external_id,name,segment,plan,mrr,mrr_effective_on,started_on,churned_on",
        "ACME-001,Acme Corporation,Mid-market,Business,490.00,2026-03-01,2025-01-15,2026-09-30",
    ]


def test_a_leader_cannot_choose_customers_on_the_imports_page(client, leader, uploads):
    client.force_login(leader)
    assert 'value="customers"' not in client.get(reverse("imports")).content.decode().split('name="profile"')[0]
    payload = {"kind": "customers", "profile": "customers", "timezone": ""}
    payload["file"] = SimpleUploadedFile("customers.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(reverse("imports"), payload)
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    assert not ImportRun.objects.exists() and not Customer.objects.exists()
