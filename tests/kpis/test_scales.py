"""Each KPI's scale (SPEC §3), declared once in the registry: targets, stretches and goals stay on it."""

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import AuditEvent
from kpis.forms import TargetForm
from kpis.models import Scope, Target
from kpis.registry import BENCHMARKS, KPIS
from kpis.reviews.forms import GoalForm
from kpis.services import target_save

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)

# SPEC §3, written out independently of the registry: (lowest, highest, lowest allowed itself).
SPEC_SCALES = {
    "csat": (0, 100, True),
    "nps": (-100, 100, True),
    "ces": (1, 7, True),
    "aht": (0, 86_400, False),
    "frt": (0, 30 * 86_400, False),
    "resolution_time": (0, 365 * 86_400, False),
    "fcr": (0, 100, True),
    "resolution_rate": (0, 100, True),
}


@pytest.mark.parametrize("code", list(SPEC_SCALES))
def test_each_kpi_scale_is_the_one_spec_gives(code):
    low, high, low_allowed = SPEC_SCALES[code]
    kpi = KPIS[code]
    assert (kpi.value_error(low) is None) is low_allowed
    assert kpi.value_error(high) is None
    assert kpi.value_error((low + high) / 2) is None
    for off in (math.nextafter(low, -math.inf), math.nextafter(high, math.inf), math.nan, math.inf, -math.inf):
        assert kpi.value_error(off) == f"{kpi.name}: give a value {kpi.scale_text}."
    assert kpi.value_error(10**400) is not None
    assert kpi.value_error("85") == "Give a number."
    assert kpi.value_error(True) == "Give a number."


def test_volume_takes_no_target_and_counts_from_zero():
    volume = KPIS["volume"]
    assert not volume.has_target
    assert volume.value_error(-1) is not None and volume.value_error(0) is None


def test_scale_texts_read_as_a_leader_would_type_them():
    assert KPIS["csat"].scale_text == "from 0 to 100 %"
    assert KPIS["nps"].scale_text == "from -100 to 100"
    assert KPIS["ces"].scale_text == "from 1 to 7"
    assert KPIS["aht"].scale_text == "above 0 and at most 86,400 seconds"


@pytest.mark.parametrize(
    ("kpi", "value", "stretch", "expected"),
    [
        ("csat", 80, 90, {}),
        ("csat", 80, 80, {}),
        ("csat", 80, 70, {"stretch": "For a higher-is-better KPI the stretch must be at least the target."}),
        ("resolution_rate", 90, 150, {"stretch": "Resolution Rate: give a value from 0 to 100 %."}),
        ("aht", 360, 300, {}),
        ("aht", 360, 400, {"stretch": "For a lower-is-better KPI the stretch must be at most the target."}),
        ("aht", 360, 0, {"stretch": "Average Handling Time: give a value above 0 and at most 86,400 seconds."}),
        ("nps", 500, None, {"value": "Net Promoter Score: give a value from -100 to 100."}),
        # A stretch is judged against the value only when the value itself is on the scale.
        ("ces", 99, 5, {"value": "Customer Effort Score: give a value from 1 to 7."}),
        # None and non-numbers are the field's own errors (required, "Give a finite number.").
        ("csat", None, math.nan, {}),
    ],
)
def test_target_errors_of_value_and_stretch(kpi, value, stretch, expected):
    assert KPIS[kpi].target_errors(value, stretch) == expected


# ---- the findings of issue 12, through the model (what forms, API and admin all call) -------------------


@pytest.mark.parametrize(
    ("kpi", "value", "stretch", "field"),
    [
        ("nps", 500, None, "value"),
        ("ces", 99, None, "value"),
        ("aht", -10, None, "value"),
        ("frt", 0, None, "value"),
        ("frt", -1, None, "value"),
        ("resolution_rate", 90, 150, "stretch"),
        ("csat", -5, None, "value"),
        ("csat", 200, None, "value"),
        ("aht", 360, -10, "stretch"),
        ("aht", 90_000, None, "value"),
        ("csat", math.nan, None, "value"),
        ("csat", math.inf, None, "value"),
        ("nps", 10**400, None, "value"),
        ("nps", 50, -(10**400), "stretch"),
    ],
)
def test_an_off_scale_target_is_refused_with_a_field_error_and_nothing_written(
    team, leader, kpi, value, stretch, field
):
    target = Target(kpi=kpi, scope=Scope.TEAM, team=team, effective_from=START, value=value, stretch=stretch)
    with pytest.raises(ValidationError) as error:
        target_save(target=target, set_by=leader)
    assert list(error.value.message_dict) == [field]
    assert len(error.value.message_dict[field]) == 1  # one mistake, one message
    assert not Target.objects.exists()
    assert not AuditEvent.objects.filter(action="target.created").exists()


def test_a_target_on_its_scale_is_saved(team, leader):
    for kpi, value, stretch in [("nps", -100, 100), ("ces", 1, 7), ("frt", 0.5, 0.5), ("aht", 86_400, None)]:
        target_save(
            target=Target(kpi=kpi, scope=Scope.TEAM, team=team, effective_from=START, value=value, stretch=stretch),
            set_by=leader,
        )
    assert Target.objects.count() == 4


@pytest.mark.parametrize(
    ("kpi", "value", "stretch"),
    [("nps", 500, None), ("ces", 99, None), ("aht", -10, None), ("frt", 0, None), ("resolution_rate", 90, 150),
     ("csat", 80, 70), ("aht", 300, 360), ("volume", 10, None), ("csat", math.nan, None), ("aht", math.inf, None)],
)  # fmt: skip
def test_the_database_refuses_an_off_scale_target_written_around_validation(team, kpi, value, stretch):
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(kpi=kpi, scope=Scope.TEAM, team=team, effective_from=START, value=value, stretch=stretch)
    assert not Target.objects.exists()


def test_the_target_form_shows_the_scale_error_on_its_field(leader, team):
    data = {"kpi": "ces", "scope": "team", "team": team.pk, "effective_from": "2026-01-01", "value": "99"}
    form = TargetForm(data, instance=Target(), user=leader)
    assert not form.is_valid()
    assert form.errors == {"value": ["Customer Effort Score: give a value from 1 to 7."]}
    assert "Customer Effort Score from 1 to 7" in form.fields["value"].help_text
    nan = TargetForm(data | {"kpi": "csat", "value": "nan"}, instance=Target(), user=leader)
    assert not nan.is_valid() and list(nan.errors) == ["value"]


def test_the_admin_refuses_an_off_scale_target(client, admin_user, team):
    client.force_login(admin_user)
    data = {
        "kpi": "nps",
        "scope": "team",
        "team": team.pk,
        "channel": "",
        "effective_from": "2026-01-01",
        "value": "500",
        "rationale": "",
    }
    response = client.post("/admin/kpis/target/add/", data)
    assert response.status_code == 200
    assert "Net Promoter Score: give a value from -100 to 100." in response.content.decode()
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    ("kpi", "value", "message"),
    [
        ("nps", "500", "Net Promoter Score: give a value from -100 to 100."),
        ("ces", "99", "Customer Effort Score: give a value from 1 to 7."),
        # A duration is typed in minutes or h:mm; its scale reads in the same units, and once only.
        ("frt", "0", "First Response Time: give a duration above 0 s and at most 30 d."),
        ("aht", "5 min", "Type the duration in minutes (e.g. 5.5) or as h:mm (e.g. 1:30)."),
    ],
)
def test_the_goal_form_uses_the_same_scale(kpi, value, message):
    form = GoalForm(
        {"goal-kpi": kpi, "goal-target_value": value, "goal-due_date": "2026-05-31", "goal-description": "x"}
    )
    assert not form.is_valid()
    assert form.errors["target_value"] == [message]


def test_every_benchmark_a_suggestion_starts_from_lies_on_its_scale():
    for (code, _channel), (benchmark, excellent) in BENCHMARKS.items():
        assert KPIS[code].target_errors(benchmark, excellent) == {}, code
        assert KPIS[code].value_error(benchmark) is None, code
