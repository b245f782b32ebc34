"""`validate_instance` (the batch upserts' validation) gives exactly Django's `full_clean` result.

The quick checks in `tickets.batch` skip Django's field machinery for plainly valid values; this
property test pins that every error and every cleaned value is the same as the reference path (each
field's `to_python` for type errors, then `full_clean(validate_unique=False, validate_constraints=False)`),
for tickets and survey responses, on valid, borderline and wrong values alike.
"""

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.models import Kind, SurveyResponse
from tickets.batch import add_error, validate_instance
from tickets.models import Channel, Priority, Status, Ticket

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def reference_validate(instance, index, errors, exclude):
    """Django's own path: to_python for type errors, then full_clean (the implementation before the quick checks)."""
    exclude = set(exclude)
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        raw = getattr(instance, field.attname)
        if field.null and raw in field.empty_values:
            setattr(instance, field.attname, None)
            continue
        try:
            field.to_python(raw)
        except (TypeError, OverflowError):
            invalid = ValidationError(field.error_messages["invalid"], params={"value": raw})
            add_error(errors, index, field.name, invalid.messages[0])
            exclude.add(field.name)
        except ValidationError:
            pass
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                add_error(errors, index, field, message)


moments = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.just(UTC)),  # aware
    st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1)),  # naive
    st.sampled_from(["2026-01-31T09:00:00+01:00", "2026-01-31 09:00", "yesterday", "", None, 12345, 1.5, []]),
)
counts = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, -(2**31), True, False, None, "", "7", "x", 3.0, 3.7, math.inf, []]),
)
texts = st.one_of(
    st.text(max_size=120),
    st.sampled_from(["", "a\x00b", "x" * 100, "x" * 101, "x" * 300, None, 5, Channel.CHAT]),
)


def choice(values):
    return st.one_of(
        st.sampled_from(values), st.sampled_from(["", "EMAIL", "bogus", None, 3, "x" * 40]), st.text(max_size=5)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    channel=choice([*Channel.values, Channel.EMAIL]),
    category=texts,
    priority=choice(Priority.values),
    status=choice([*Status.values, Status.SOLVED]),
    created_at=moments,
    first_response_at=moments,
    solved_at=moments,
    handle_time_seconds=counts,
    agent_replies=counts,
    reopened_count=counts,
)
def test_ticket_validation_matches_full_clean(team, **values):
    def build():
        return Ticket(external_id="t-1", team=team, agent=None, **values)

    quick, reference = build(), build()
    found, expected = {}, {}
    validate_instance(quick, 0, found, exclude=("agent", "team", "external_id"))
    reference_validate(reference, 0, expected, exclude=("agent", "team", "external_id"))
    assert {k: sorted(v) for k, v in found.get(0, {}).items()} == {k: sorted(v) for k, v in expected.get(0, {}).items()}
    if not found:
        for name in values:
            assert getattr(quick, name) == getattr(reference, name), name


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=choice([*Kind.values, Kind.CSAT]),
    score=counts,
    comment=texts,
    responded_at=moments,
)
def test_survey_response_validation_matches_full_clean(team, **values):
    def build():
        return SurveyResponse(external_id="s-1", team=team, ticket=None, agent=None, **values)

    quick, reference = build(), build()
    found, expected = {}, {}
    validate_instance(quick, 0, found, exclude=("ticket", "agent", "team", "external_id"))
    reference_validate(reference, 0, expected, exclude=("ticket", "agent", "team", "external_id"))
    assert {k: sorted(v) for k, v in found.get(0, {}).items()} == {k: sorted(v) for k, v in expected.get(0, {}).items()}


def test_a_plainly_valid_ticket_passes_and_a_bad_one_gets_every_field_error(team):
    good = Ticket(
        external_id="t-1",
        team=team,
        channel=Channel.CHAT,
        category="Billing",
        priority="high",
        status="solved",
        created_at=dt.datetime(2026, 1, 5, 9, tzinfo=UTC),
        first_response_at=dt.datetime(2026, 1, 5, 10, tzinfo=UTC),
        solved_at=dt.datetime(2026, 1, 5, 11, tzinfo=UTC),
        handle_time_seconds=None,
        agent_replies=2,
        reopened_count=0,
    )
    errors = {}
    validate_instance(good, 0, errors, exclude=("agent", "team", "external_id"))
    assert errors == {}
    bad = Ticket(
        external_id="t-2",
        team=team,
        channel="fax",
        category="x" * 101,
        priority="normal",
        status="solved",
        created_at=dt.datetime(2026, 1, 5, 9),
        first_response_at=None,
        solved_at=dt.datetime(2026, 1, 4, 9, tzinfo=UTC),
        handle_time_seconds=-5,
        agent_replies=-1,
        reopened_count=0,
    )
    validate_instance(bad, 3, errors, exclude=("agent", "team", "external_id"))
    assert set(errors[3]) == {"channel", "category", "created_at", "handle_time_seconds", "agent_replies"}
