import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role, Team, User


def test_team_timezone_must_be_iana(db):
    team = Team(name="Moon", slug="moon", timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as raised:
        team.full_clean()
    assert raised.value.message_dict == {
        "timezone": ["“Mars/Olympus” is not an IANA time zone (for example Europe/Paris)."]
    }


def test_agent_needs_a_team_and_others_have_none(team):
    with pytest.raises(ValidationError) as raised:
        User(username="a", role=Role.AGENT).full_clean()
    assert raised.value.message_dict["team"] == ["An agent must belong to a team."]
    with pytest.raises(ValidationError) as raised:
        User(username="l", role=Role.LEADER, team=team).full_clean()
    assert raised.value.message_dict["team"] == ["Only agents belong to a team; leaders lead teams instead."]


def test_email_is_unique_ignoring_case(team):
    User.objects.create(username="a", email="Ann@Example.com", team=team)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="b", email="ann@example.com", team=team)
    User.objects.create(username="c", email="", role=Role.HR)
    User.objects.create(username="d", email="", role=Role.HR)  # empty emails do not clash
    assert User.objects.count() == 3
