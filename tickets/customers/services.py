"""Writes of customers: the all-or-nothing batch upsert that the API, the CSV import and the admin share.

A record is the customer's whole state (name, segment, plan, start and churn dates: an omitted
optional field is empty, an omitted `churned_on` means active), except its revenue, which is a
history: `mrr` (with `mrr_effective_on`) records one dated change, `mrr_history` replaces the whole
history (backfills), and a record with neither leaves the history as it is. `Customer.mrr` is always
the MRR of the latest change (0 with no history). Money is a decimal string with at most two
decimals (or a Decimal / whole number from Python), never a float. Who may write: admins and users
granted the `customers.change_customer` permission (`accounts.scoping.manages_customers`).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_event, audit_records
from accounts.scoping import manages_customers
from config.errors import BatchValidationError
from kpis.page_cache import customers_changed
from tickets.batch import ErrorMap, add_error, check_batch, validate_instance

from .models import Customer, MrrChange

NOT_A_CUSTOMER_WRITER = "You may not write customers: admins and users granted “Can change customer” do."
MONEY_MAX = decimal.Decimal("9999999999.99")  # max_digits=12, decimal_places=2
MONEY_MESSAGE = 'Give money as a decimal string with at most 2 decimals, ≥ 0, e.g. "49.90".'
DATE_MESSAGE = 'Give a date as YYYY-MM-DD, e.g. "2026-03-01".'

# Fields a record states in full (the rest of the customer's state is its MRR history).
CUSTOMER_FIELDS = ("name", "segment", "plan", "started_on", "churned_on")
REQUIRED = ("external_id", "name", "started_on")
EXTERNAL_ID_MAX = Customer._meta.get_field("external_id").max_length
RECORD_KEYS = frozenset({"external_id", *CUSTOMER_FIELDS, "mrr", "mrr_effective_on", "mrr_history"})


@dataclass
class CustomerUpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def external_id_of(record: dict[str, Any]) -> str:
    """The upsert key as `check_batch` reads it."""
    return str(record.get("external_id") or "").strip()


def today_utc() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def parse_money(value: Any) -> decimal.Decimal:
    """A non-negative amount with at most 2 decimals; ValueError otherwise (floats are refused: not exact)."""
    if isinstance(value, bool | float):
        raise ValueError(MONEY_MESSAGE)
    if isinstance(value, int):
        value = decimal.Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text or not all(c in "0123456789." for c in text) or text.count(".") > 1 or text == ".":
            raise ValueError(MONEY_MESSAGE)
        value = decimal.Decimal(text)
    elif not isinstance(value, decimal.Decimal):
        raise ValueError(MONEY_MESSAGE)
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2 or value > MONEY_MAX:
        raise ValueError(MONEY_MESSAGE)
    return value.quantize(decimal.Decimal("0.01"))


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(DATE_MESSAGE)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
    raise ValueError(DATE_MESSAGE)


@dataclass
class _Planned:
    customer: Customer
    history: dict[dt.date, decimal.Decimal]
    history_changed: bool
    before: dict | None


def customers_upsert(*, records: Sequence[dict[str, Any]], actor, dry_run: bool = False) -> CustomerUpsertResult:
    """Create or update customers by `external_id`, all or nothing.

    Raises BatchValidationError with per-index field errors (index -1: the batch as a whole) and
    writes nothing when any record is invalid or `actor` may not write customers (None: the system).
    Each created or changed customer is recorded in the audit trail; an unchanged one is not written.
    `dry_run` checks everything and counts, writing nothing (the admin form's validation).
    """
    if actor is not None and not manages_customers(actor):
        raise BatchValidationError({-1: {"records": [NOT_A_CUSTOMER_WRITER]}})
    errors: dict[int, ErrorMap] = {}
    if not all(isinstance(record, dict) for record in records):
        bad = {
            i: {"records": ["Give each record as an object."]} for i, r in enumerate(records) if not isinstance(r, dict)
        }
        raise BatchValidationError(bad)
    check_batch(records, errors)
    external_ids = [external_id_of(r) for r in records]
    existing = {c.external_id: c for c in Customer.objects.filter(external_id__in=[e for e in external_ids if e])}
    stored_history: dict[int, dict[dt.date, decimal.Decimal]] = {c.pk: {} for c in existing.values()}
    for change in MrrChange.objects.filter(customer__in=list(existing.values())).only(
        "customer_id", "effective_on", "mrr"
    ):
        stored_history[change.customer_id][change.effective_on] = change.mrr
    today = today_utc()

    planned: list[_Planned] = []
    unchanged = 0
    for index, record in enumerate(records):
        before = existing.get(external_ids[index])
        plan = _plan(record, index, errors, before, stored_history.get(before.pk, {}) if before else {}, today)
        if plan is None:
            continue
        customer = plan.customer
        if before is not None and not plan.history_changed and _same(before, customer):
            unchanged += 1
            continue
        planned.append(plan)
    if errors:
        raise BatchValidationError(errors)

    created = sum(1 for p in planned if p.before is None)
    if dry_run:
        return CustomerUpsertResult(created=created, updated=len(planned) - created, unchanged=unchanged)
    with transaction.atomic():
        if planned:
            Customer.objects.bulk_create(
                [p.customer for p in planned],
                update_conflicts=True,
                unique_fields=["external_id"],
                update_fields=[*CUSTOMER_FIELDS, "mrr", "updated_at"],
            )
            saved = dict(
                Customer.objects.filter(external_id__in=[p.customer.external_id for p in planned]).values_list(
                    "external_id", "pk"
                )
            )
            rewritten = [p for p in planned if p.history_changed]
            MrrChange.objects.filter(customer_id__in=[saved[p.customer.external_id] for p in rewritten]).delete()
            MrrChange.objects.bulk_create(
                [
                    MrrChange(customer_id=saved[p.customer.external_id], effective_on=day, mrr=mrr)
                    for p in rewritten
                    for day, mrr in sorted(p.history.items())
                ]
            )
            for p in planned:
                p.customer.pk = saved[p.customer.external_id]
            customers_changed()  # the outcomes' cached figures read these rows
            audit_records(
                [
                    audit_event(
                        actor=actor,
                        action="customer.create" if p.before is None else "customer.update",
                        target=p.customer,
                        before=p.before,
                        after=customer_to_record(p.customer, p.history),
                    )
                    for p in planned
                ]
            )
    return CustomerUpsertResult(
        created=created,
        updated=len(planned) - created,
        unchanged=unchanged,
    )


def _plan(
    record: dict[str, Any],
    index: int,
    errors: dict[int, ErrorMap],
    before: Customer | None,
    history: dict[dt.date, decimal.Decimal],
    today: dt.date,
) -> _Planned | None:
    """The customer and MRR history one record asks for, with its field errors collected."""
    count = len(errors.get(index, {}))
    for key in sorted(set(record) - RECORD_KEYS, key=str):
        add_error(errors, index, str(key), f"Unknown field; customer fields are: {', '.join(sorted(RECORD_KEYS))}.")
    for name in REQUIRED:
        if record.get(name) in (None, "") and name != "external_id":
            add_error(errors, index, name, "This field is required.")
    values: dict[str, Any] = {}
    key = external_id_of(record)
    if isinstance(record.get("external_id"), bool) or not isinstance(record.get("external_id"), str | int | None):
        add_error(errors, index, "external_id", "Give the external id as text.")
    elif len(key) > EXTERNAL_ID_MAX or "\x00" in key:
        add_error(errors, index, "external_id", f"Give at most {EXTERNAL_ID_MAX} characters, without NUL.")
    for name in ("name", "segment", "plan"):
        value = record.get(name)
        if value is None:
            values[name] = ""
        elif not isinstance(value, str) or "\x00" in value:
            add_error(errors, index, name, "Give text (without NUL characters).")
        else:
            values[name] = value.strip()
    for name in ("started_on", "churned_on"):
        value = record.get(name)
        if value in (None, ""):
            values[name] = None
            continue
        try:
            values[name] = parse_date(value)
        except ValueError as error:
            add_error(errors, index, name, str(error))
    started, churned = values.get("started_on"), values.get("churned_on")
    if started and churned and churned < started:
        add_error(errors, index, "churned_on", "A customer cannot churn before they started (started_on).")

    new_history = dict(history)
    history_changed = False
    given_mrr = record.get("mrr") not in (None, "")
    if record.get("mrr_history") is not None:
        if given_mrr or record.get("mrr_effective_on") not in (None, ""):
            add_error(errors, index, "mrr_history", "Give either mrr_history (the whole history) or mrr, not both.")
        new_history = _history(record["mrr_history"], index, errors)
        history_changed = new_history is not None and new_history != history
    elif given_mrr:
        try:
            mrr = parse_money(record["mrr"])
        except ValueError as error:
            add_error(errors, index, "mrr", str(error))
            mrr = None
        effective = record.get("mrr_effective_on")
        day = None
        if effective in (None, ""):
            day = started if before is None else today
        else:
            try:
                day = parse_date(effective)
            except ValueError as error:
                add_error(errors, index, "mrr_effective_on", str(error))
        if mrr is not None and day is not None:
            in_force = [d for d in history if d <= day]
            if not in_force or history[max(in_force)] != mrr:
                new_history[day] = mrr
                history_changed = True
    elif record.get("mrr_effective_on") not in (None, ""):
        add_error(errors, index, "mrr_effective_on", "Give the mrr that takes effect on this date.")
    if new_history is not None and started is not None:
        _check_history_dates(
            new_history, history, started, today, index, errors, from_list=record.get("mrr_history") is not None
        )

    if len(errors.get(index, {})) > count or new_history is None:
        return None
    latest = new_history[max(new_history)] if new_history else decimal.Decimal("0.00")
    customer = Customer(external_id=key, mrr=latest, **values)
    validate_instance(customer, index, errors, exclude=("id", "external_id", "mrr", "updated_at"))
    if len(errors.get(index, {})) > count:
        return None
    if before is not None:
        customer.pk = before.pk
    return _Planned(
        customer=customer,
        history=new_history,
        history_changed=history_changed,
        before=customer_to_record(before, history) if before is not None else None,
    )


def _history(raw: Any, index: int, errors: dict[int, ErrorMap]) -> dict[dt.date, decimal.Decimal] | None:
    if not isinstance(raw, list):
        add_error(errors, index, "mrr_history", 'Give a list of {"effective_on": "YYYY-MM-DD", "mrr": "49.90"}.')
        return None
    history: dict[dt.date, decimal.Decimal] = {}
    ok = True
    for position, item in enumerate(raw):
        where = f"mrr_history[{position}]"
        if not isinstance(item, dict) or set(item) != {"effective_on", "mrr"}:
            add_error(errors, index, where, 'Give exactly {"effective_on": "YYYY-MM-DD", "mrr": "49.90"}.')
            ok = False
            continue
        try:
            day = parse_date(item["effective_on"])
            mrr = parse_money(item["mrr"])
        except ValueError as error:
            add_error(errors, index, where, str(error))
            ok = False
            continue
        if day in history:
            add_error(errors, index, where, f"{day.isoformat()} appears more than once.")
            ok = False
            continue
        history[day] = mrr
    return history if ok else None


def _check_history_dates(new_history, stored, started, today, index, errors, *, from_list: bool) -> None:
    """Every MRR change lies between the start date and today: a new one is reported on the field that
    gave it (mrr_history, mrr_effective_on), a stored one left before a later start date on started_on."""
    for day in sorted(new_history):
        given = from_list or day not in stored or stored[day] != new_history[day]
        where = ("mrr_history" if from_list else "mrr_effective_on") if given else "started_on"
        if day < started:
            hint = "" if given else " Send mrr_history to replace the history."
            message = f"An MRR change on {day.isoformat()} is before started_on ({started.isoformat()}).{hint}"
            add_error(errors, index, where, message)
            return
        if day > today and given:
            add_error(errors, index, where, f"{day.isoformat()} is in the future: record MRR changes once they happen.")
            return


def _same(before: Customer, after: Customer) -> bool:
    return all(getattr(before, name) == getattr(after, name) for name in (*CUSTOMER_FIELDS, "mrr"))


def customer_to_record(customer: Customer, history: dict[dt.date, decimal.Decimal]) -> dict[str, Any]:
    """A customer as an upsert record (with its whole MRR history), for the audit trail."""
    record = {name: getattr(customer, name) for name in ("external_id", *CUSTOMER_FIELDS)}
    record["mrr"] = customer.mrr
    record["mrr_history"] = [{"effective_on": day, "mrr": mrr} for day, mrr in sorted(history.items())]
    return record
