"""Generated values thrown at every validation of a value with a scale: targets (model, form, page,
API), goals (service and form), and the ticket and survey-response batch upserts.

Each property: no 500 and no exception but a validation error, and nothing off-scale in the
database afterwards. Every example runs in a savepoint that is rolled back, so examples are
independent while the test's own fixtures (users, sessions, a review) persist.
"""

import datetime as dt
import inspect
import json
import math
from contextlib import contextmanager, suppress

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from config.errors import BatchValidationError
from kpis.formatting import is_duration, parse_duration_input
from kpis.forms import TargetForm
from kpis.models import Scope, Target
from kpis.registry import KPIS
from kpis.reviews import services as review_services
from kpis.reviews.forms import GoalForm
from kpis.reviews.models import Goal
from kpis.services import target_save
from surveys.models import SCORE_RANGES, SurveyResponse
from surveys.services import survey_responses_upsert
from tickets.models import Channel, Status, Ticket
from tickets.services import tickets_upsert

pytestmark = pytest.mark.django_db

EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UTC = dt.UTC
CREATED = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
START = dt.date(2026, 1, 1)
TARGET_CODES = [code for code, kpi in KPIS.items() if kpi.has_target]
POSTGRES_INT_MAX = 2**31 - 1


def _edges() -> list[float]:
    """Every registry bound, and the floats just either side of it."""
    edges = [0.0, -0.0, 5e-324, 1e308, -1e308]
    for kpi in KPIS.values():
        for bound in (kpi.lower_bound, kpi.upper_bound):
            if bound is not None:
                edges += [bound, math.nextafter(bound, -math.inf), math.nextafter(bound, math.inf)]
    return edges


NUMBERS = st.one_of(
    st.floats(),  # includes nan, ±inf, subnormals
    st.floats(min_value=-200, max_value=200),
    st.sampled_from(_edges()),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=10**308, max_value=10**400),
    st.integers(min_value=-(10**400), max_value=-(10**308)),
)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-Infinity", "1e400", "85", "1_000", "0x10", "٣"]),
)
RAW = st.one_of(NUMBERS, JUNK)


def as_text(value) -> str:
    """What a browser would submit for a typed value."""
    return "" if value is None else str(value)


@contextmanager
def rolled_back():
    """A savepoint per example, always rolled back (the test's own transaction stays)."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def call_upsert(upsert, records):
    """Call a batch upsert with `actor=None` (the system) when it takes an actor, else without."""
    if "actor" in inspect.signature(upsert).parameters:
        return upsert(records=records, actor=None)
    return upsert(records=records)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def on_scale(kpi: str, value, stretch=None) -> bool:
    """The oracle for numbers: on the KPI's scale (with a stretch on its better side) must be accepted."""
    if kpi not in KPIS or not KPIS[kpi].has_target or not is_number(value):
        return False
    if stretch is not None and (not is_number(stretch) or KPIS[kpi].value_error(stretch)):
        return False
    return KPIS[kpi].value_error(value) is None and not KPIS[kpi].target_errors(value, stretch)


def typed_on_scale(kpi: str, value, stretch=None) -> bool:
    """The oracle for a form, where a duration is typed in minutes: `on_scale` of what the form stores."""
    if kpi not in KPIS or not is_duration(kpi):
        return on_scale(kpi, value, stretch)

    def stored(typed):
        if not is_number(typed):
            return typed  # not a number: `on_scale` refuses it, as the form does
        try:
            return parse_duration_input(as_text(typed))
        except ValueError:  # "1e+20" is no way to type minutes: refused like any text that is not a number
            return "refused"

    return on_scale(kpi, stored(value), stored(stretch))


def assert_targets_on_scale() -> None:
    for code, value, stretch in Target.objects.values_list("kpi", "value", "stretch"):
        kpi = KPIS[code]
        assert kpi.has_target, code
        assert kpi.value_error(value) is None, (code, value)
        assert stretch is None or kpi.value_error(stretch) is None, (code, stretch)
        assert kpi.target_errors(value, stretch) == {}, (code, value, stretch)


def assert_goals_on_scale() -> None:
    for code, value in Goal.objects.exclude(kpi="").values_list("kpi", "target_value"):
        assert value is not None and KPIS[code].value_error(value) is None, (code, value)


def target_body(kpi: str, team, value, stretch) -> dict:
    return {"kpi": kpi, "scope": "team", "team": team.pk, "effective_from": "2026-01-01", "value": value} | (
        {} if stretch is None else {"stretch": stretch}
    )


# ---- targets -------------------------------------------------------------------------------------------


def test_target_model_validation_refuses_or_stores_on_scale(team, leader):
    @EXAMPLES
    @given(kpi=st.sampled_from([*TARGET_CODES, "volume"]), value=RAW, stretch=RAW)
    def check(kpi, value, stretch):
        with rolled_back():
            target = Target(kpi=kpi, scope=Scope.TEAM, team=team, effective_from=START, value=value, stretch=stretch)
            try:
                target_save(target=target, set_by=leader)
            except ValidationError as error:
                assert error.message_dict  # a field error, never a bare failure
                assert not on_scale(kpi, value, stretch), error.message_dict
            assert_targets_on_scale()

    check()


def test_target_form_refuses_or_stores_on_scale(team, leader):
    @EXAMPLES
    @given(kpi=st.sampled_from(TARGET_CODES), value=RAW, stretch=RAW)
    def check(kpi, value, stretch):
        with rolled_back():
            data = target_body(kpi, team, as_text(value), as_text(stretch))
            form = TargetForm(data, instance=Target(), user=leader)
            if not form.is_valid():
                assert not form.non_field_errors()
            else:
                target_save(target=form.save(commit=False), set_by=leader)
            assert Target.objects.exists() or not typed_on_scale(kpi, value, stretch), form.errors
            assert_targets_on_scale()

    check()


def test_target_page_check_and_save_never_fail(client, team, leader):
    client.force_login(leader)

    @EXAMPLES
    @given(kpi=st.sampled_from(TARGET_CODES), value=RAW, stretch=RAW, action=st.sampled_from(["check", "save"]))
    def check(kpi, value, stretch, action):
        with rolled_back():
            data = target_body(kpi, team, as_text(value), as_text(stretch)) | {action: "1"}
            response = client.post("/targets/new/", data)
            assert response.status_code in (200, 302)
            if response.status_code == 200:  # every refusal sits on its field
                assert not response.context["form"].non_field_errors()
            if action == "save" and typed_on_scale(kpi, value, stretch):
                assert response.status_code == 302
            assert_targets_on_scale()

    check()


def test_target_api_answers_201_or_400_and_stores_on_scale(team, leader):
    api = APIClient()
    api.force_authenticate(leader)

    @EXAMPLES
    @given(kpi=st.sampled_from([*TARGET_CODES, "volume"]), value=RAW, stretch=RAW)
    def check(kpi, value, stretch):
        with rolled_back():
            # Python's json writes NaN and Infinity as a lax client would; the API must refuse them.
            body = json.dumps(target_body(kpi, team, value, stretch))
            response = api.post("/api/v1/targets/", body, content_type="application/json")
            assert response.status_code in (201, 400), response.content
            if response.status_code == 400:
                assert response.json()["detail"]
                assert "non_field_errors" not in response.json().get("errors", {})  # every refusal on its field
                assert not on_scale(kpi, value, stretch), response.json()
            assert_targets_on_scale()

    check()


# ---- goals ---------------------------------------------------------------------------------------------


def test_goal_validation_refuses_or_stores_on_scale(leader, agent):
    review = review_services.review_create(
        author=leader, agent=agent, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )

    @EXAMPLES
    @given(kpi=st.sampled_from(["", *TARGET_CODES]), value=RAW, typed=st.booleans())
    def check(kpi, value, typed):
        with rolled_back():
            fields = {"kpi": kpi, "target_value": value, "due_date": dt.date(2026, 4, 30), "description": "Goal"}
            if typed:  # through the page's form first, as a leader types it
                form = GoalForm({f"goal-{name}": as_text(v) for name, v in fields.items()})
                if not form.is_valid():
                    return
                fields = {name: form.cleaned_data[name] for name in fields}
            try:
                review_services.goal_add(review=review, actor=leader, **fields)
            except ValidationError as error:
                assert error.message_dict
                assert not on_scale(kpi, value), error.message_dict
            assert_goals_on_scale()

    check()


# ---- ticket and survey-response batches --------------------------------------------------------------

MOMENTS = st.one_of(
    st.none(),
    st.integers(min_value=-(10**7), max_value=10**7).map(lambda seconds: CREATED + dt.timedelta(seconds=seconds)),
    st.just(CREATED.replace(tzinfo=None)),  # naive
    JUNK,
)


def test_ticket_upsert_refuses_or_stores_on_scale(team):
    @EXAMPLES
    @given(
        channel=st.one_of(st.sampled_from(Channel.values), JUNK),
        status=st.one_of(st.sampled_from(Status.values), JUNK),
        first_response_at=MOMENTS,
        solved_at=MOMENTS,
        handle_time_seconds=RAW,
        agent_replies=RAW,
        reopened_count=RAW,
    )
    def check(**fields):
        with rolled_back():
            record = {"external_id": "T-prop", "team": team.pk, "created_at": CREATED, **fields}
            with suppress(ValidationError, BatchValidationError):
                call_upsert(tickets_upsert, [record])
            for ticket in Ticket.objects.all():
                assert ticket.handle_time_seconds is None or 0 <= ticket.handle_time_seconds <= POSTGRES_INT_MAX
                assert ticket.agent_replies >= 0 and ticket.reopened_count >= 0
                for moment in (ticket.first_response_at, ticket.solved_at):
                    assert moment is None or moment >= ticket.created_at
                assert ticket.channel in Channel.values and ticket.status in Status.values

    check()


def test_survey_response_upsert_refuses_or_stores_on_scale(team):
    @EXAMPLES
    @given(kind=st.one_of(st.sampled_from(list(SCORE_RANGES)), JUNK), score=RAW, responded_at=MOMENTS)
    def check(kind, score, responded_at):
        with rolled_back():
            record = {"external_id": "S-prop", "team": team.pk, "kind": kind, "score": score}
            record["responded_at"] = responded_at
            with suppress(ValidationError, BatchValidationError):
                call_upsert(survey_responses_upsert, [record])
            for response in SurveyResponse.objects.all():
                low, high = SCORE_RANGES[response.kind]
                assert low <= response.score <= high, (response.kind, response.score)

    check()
