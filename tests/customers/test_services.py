"""customers_upsert: create, update, unchanged, MRR history rules, field errors with nothing written, audit."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.models import AuditEvent
from config.errors import BatchValidationError
from tests.customers.conftest import customer
from tickets.customers.models import Customer, MrrChange
from tickets.customers.services import MONEY_MAX, MONEY_MESSAGE, customers_upsert, parse_money, today_utc

pytestmark = pytest.mark.django_db

D = Decimal


def history(external_id):
    return list(
        MrrChange.objects.filter(customer__external_id=external_id)
        .order_by("effective_on")
        .values_list("effective_on", "mrr")
    )


def stored(external_id):
    return Customer.objects.values("name", "segment", "plan", "mrr", "started_on", "churned_on").get(
        external_id=external_id
    )


ACME = {"external_id": "ACME", "name": "Acme", "segment": "SMB", "plan": "Pro", "started_on": "2025-01-01"}


def test_a_new_customer_gets_its_mrr_from_its_start_date(admin_user):
    result = customers_upsert(records=[{**ACME, "mrr": "49.90"}], actor=admin_user)
    assert (result.created, result.updated, result.unchanged, result.total) == (1, 0, 0, 1)
    assert stored("ACME") == {
        "name": "Acme",
        "segment": "SMB",
        "plan": "Pro",
        "mrr": D("49.90"),
        "started_on": dt.date(2025, 1, 1),
        "churned_on": None,
    }
    assert history("ACME") == [(dt.date(2025, 1, 1), D("49.90"))]


def test_the_same_record_again_is_unchanged_and_not_audited_twice(admin_user):
    customers_upsert(records=[{**ACME, "mrr": "49.90"}], actor=admin_user)
    events = AuditEvent.objects.filter(action__startswith="customer.").count()
    result = customers_upsert(records=[{**ACME, "mrr": "49.90"}], actor=admin_user)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert AuditEvent.objects.filter(action__startswith="customer.").count() == events == 1
    # The same MRR, later: still in force, so nothing to record.
    result = customers_upsert(records=[{**ACME, "mrr": "49.90", "mrr_effective_on": "2025-03-01"}], actor=admin_user)
    assert result.unchanged == 1
    assert history("ACME") == [(dt.date(2025, 1, 1), D("49.90"))]


def test_a_changed_mrr_is_appended_on_its_date_and_becomes_the_current_mrr(admin_user):
    customers_upsert(records=[{**ACME, "mrr": "100"}], actor=admin_user)
    result = customers_upsert(records=[{**ACME, "mrr": "150.50", "mrr_effective_on": "2025-06-01"}], actor=admin_user)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert history("ACME") == [(dt.date(2025, 1, 1), D("100.00")), (dt.date(2025, 6, 1), D("150.50"))]
    assert stored("ACME")["mrr"] == D("150.50")
    # A correction of an earlier date replaces that day's change; the latest still sets the MRR.
    customers_upsert(records=[{**ACME, "mrr": "90", "mrr_effective_on": "2025-01-01"}], actor=admin_user)
    assert history("ACME") == [(dt.date(2025, 1, 1), D("90.00")), (dt.date(2025, 6, 1), D("150.50"))]
    assert stored("ACME")["mrr"] == D("150.50")


def test_an_mrr_without_a_date_on_an_existing_customer_takes_effect_today(admin_user):
    customers_upsert(records=[{**ACME, "mrr": "100"}], actor=admin_user)
    customers_upsert(records=[{**ACME, "mrr": "110"}], actor=admin_user)
    assert history("ACME") == [(dt.date(2025, 1, 1), D("100.00")), (today_utc(), D("110.00"))]


def test_a_record_without_mrr_leaves_the_history_and_updates_the_rest(admin_user):
    customers_upsert(records=[{**ACME, "mrr": "100"}], actor=admin_user)
    result = customers_upsert(records=[{**ACME, "plan": "Enterprise", "churned_on": "2025-10-31"}], actor=admin_user)
    assert result.updated == 1
    row = stored("ACME")
    assert (row["plan"], row["churned_on"], row["mrr"]) == ("Enterprise", dt.date(2025, 10, 31), D("100.00"))
    assert history("ACME") == [(dt.date(2025, 1, 1), D("100.00"))]
    # The record is the whole state: churned_on omitted means active again, segment omitted means none.
    customers_upsert(records=[{"external_id": "ACME", "name": "Acme", "started_on": "2025-01-01"}], actor=admin_user)
    row = stored("ACME")
    assert (row["segment"], row["plan"], row["churned_on"]) == ("", "", None)


def test_mrr_history_replaces_the_whole_history(admin_user):
    customers_upsert(records=[{**ACME, "mrr": "100"}], actor=admin_user)
    backfill = [
        {"effective_on": "2025-03-01", "mrr": "80.00"},
        {"effective_on": "2025-01-01", "mrr": "60"},
        {"effective_on": "2025-08-15", "mrr": "0"},
    ]
    result = customers_upsert(records=[{**ACME, "mrr_history": backfill}], actor=admin_user)
    assert result.updated == 1
    assert history("ACME") == [
        (dt.date(2025, 1, 1), D("60.00")),
        (dt.date(2025, 3, 1), D("80.00")),
        (dt.date(2025, 8, 15), D("0.00")),
    ]
    assert stored("ACME")["mrr"] == D("0.00")
    assert customers_upsert(records=[{**ACME, "mrr_history": backfill}], actor=admin_user).unchanged == 1
    customers_upsert(records=[{**ACME, "mrr_history": []}], actor=admin_user)
    assert history("ACME") == [] and stored("ACME")["mrr"] == D("0.00")


def test_the_audit_trail_has_before_and_after_of_each_write(admin_user):
    customers_upsert(records=[{**ACME, "mrr": "100"}], actor=admin_user)
    customers_upsert(records=[{**ACME, "mrr": "120", "mrr_effective_on": "2025-02-01"}], actor=admin_user)
    created, updated = AuditEvent.objects.filter(action__startswith="customer.").order_by("pk")
    assert (created.action, created.actor, created.before) == ("customer.create", admin_user, None)
    assert created.after["mrr_history"] == [{"effective_on": "2025-01-01", "mrr": "100.00"}]
    assert updated.action == "customer.update"
    assert updated.before["mrr"] == "100.00" and updated.after["mrr"] == "120.00"
    assert updated.object_id == str(Customer.objects.get(external_id="ACME").pk)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"mrr": "12.345"}, "mrr", "at most 2 decimals"),
        ({"mrr": "-1"}, "mrr", "at most 2 decimals"),
        ({"mrr": 12.5}, "mrr", "decimal string"),
        ({"mrr": "1e3"}, "mrr", "decimal string"),
        ({"mrr": "NaN"}, "mrr", "decimal string"),
        ({"mrr": "12,50"}, "mrr", "decimal string"),
        ({"mrr": "١٢"}, "mrr", "decimal string"),
        ({"mrr": True}, "mrr", "decimal string"),
        ({"started_on": "2025-01-01T00:00:00"}, "started_on", "YYYY-MM-DD"),
        ({"segment": 7}, "segment", "Give text"),
        ({"name": "Ac\x00me"}, "name", "without NUL"),
        ({"external_id": "A" * 256}, "external_id", "at most 255 characters"),
        ({"external_id": {"id": 1}}, "external_id", "as text"),
        ({"mrr": "10000000000.00"}, "mrr", "decimal string"),
        ({"churned_on": "2024-12-31"}, "churned_on", "cannot churn before they started"),
        ({"started_on": "01/02/2025"}, "started_on", "YYYY-MM-DD"),
        ({"started_on": None}, "started_on", "required"),
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 256}, "name", "at most 255 characters"),
        ({"revenue": "10"}, "revenue", "Unknown field"),
        ({"mrr": "10", "mrr_effective_on": "2024-06-01"}, "mrr_effective_on", "before started_on"),
        ({"mrr": "10", "mrr_effective_on": "2999-01-01"}, "mrr_effective_on", "in the future"),
        ({"mrr_effective_on": "2025-06-01"}, "mrr_effective_on", "Give the mrr"),
        ({"mrr_history": [{"effective_on": "2025-01-01", "mrr": "1"}], "mrr": "2"}, "mrr_history", "not both"),
        ({"mrr_history": [{"effective_on": "2025-01-01", "mrr": "1.001"}]}, "mrr_history[0]", "at most 2 decimals"),
        (
            {"mrr_history": [{"effective_on": "2025-02-01", "mrr": "1"}, {"effective_on": "2025-02-01", "mrr": "2"}]},
            "mrr_history[1]",
            "more than once",
        ),
        ({"mrr_history": [{"effective_on": "2024-12-01", "mrr": "1"}]}, "mrr_history", "before started_on"),
    ],
)
def test_a_bad_record_is_a_field_error_and_nothing_of_the_batch_is_written(admin_user, change, field, message):
    good = {**ACME, "external_id": "GOOD", "mrr": "10"}
    bad = {**ACME, **change}
    with pytest.raises(BatchValidationError) as caught:
        customers_upsert(records=[good, bad], actor=admin_user)
    assert list(caught.value.errors) == [1]
    assert field in caught.value.errors[1], caught.value.errors
    assert any(message in text for text in caught.value.errors[1][field]), caught.value.errors
    assert Customer.objects.count() == MrrChange.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="customer.").exists()


def test_a_later_start_date_cannot_orphan_stored_mrr_changes(admin_user):
    customers_upsert(records=[{**ACME, "mrr": "100"}], actor=admin_user)
    with pytest.raises(BatchValidationError) as caught:
        customers_upsert(records=[{**ACME, "started_on": "2025-02-01"}], actor=admin_user)
    assert "Send mrr_history to replace the history" in caught.value.errors[0]["started_on"][0]
    assert stored("ACME")["started_on"] == dt.date(2025, 1, 1)


def test_a_duplicate_external_id_in_one_batch_is_refused(admin_user):
    with pytest.raises(BatchValidationError) as caught:
        customers_upsert(records=[ACME, ACME], actor=admin_user)
    assert caught.value.errors == {1: {"external_id": ["Appears more than once in this batch (first at index 0)."]}}


@pytest.mark.parametrize("who", ["leader", "agent", "hr"])
def test_only_admins_and_customer_writers_write_customers(request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(BatchValidationError) as caught:
        customers_upsert(records=[ACME], actor=user)
    assert list(caught.value.errors) == [-1]
    assert Customer.objects.count() == 0


def test_a_user_granted_change_customer_writes_customers(crm):
    assert customers_upsert(records=[ACME], actor=crm).created == 1
    assert AuditEvent.objects.get(action="customer.create").actor == crm


def test_a_customer_whose_mrr_disagrees_with_its_history_is_mended(admin_user):
    customer("ACME", "Acme", mrr="999.00", segment="SMB", plan="Pro", history=[(dt.date(2025, 1, 1), "100.00")])
    assert customers_upsert(records=[ACME], actor=admin_user).updated == 1
    assert stored("ACME")["mrr"] == D("100.00")


@pytest.mark.parametrize(
    ("text", "value"), [("0", D("0.00")), ("49.9", D("49.90")), ("  1200.00 ", D("1200.00")), (D("3.10"), D("3.10"))]
)
def test_money_is_read_exactly(text, value):
    assert parse_money(text) == value


@given(amount=st.decimals(min_value=0, max_value=MONEY_MAX, places=2, allow_nan=False, allow_infinity=False))
def test_any_amount_with_cents_reads_back_exactly(amount):
    assert parse_money(str(amount)) == amount
    assert parse_money(format(amount, "f")) == amount


@example(text="²")
@example(text="١٢")
@example(text="1_000")
@given(text=st.text(max_size=20))
def test_any_text_is_money_or_a_value_error_never_a_crash(text):
    try:
        value = parse_money(text)
    except ValueError as error:
        assert str(error) == MONEY_MESSAGE
        return
    assert Decimal(0) <= value <= MONEY_MAX and value.as_tuple().exponent == -2
