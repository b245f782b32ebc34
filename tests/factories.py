"""Factories: each test builds exactly the rows it asserts on."""

import datetime as dt

import factory

from accounts.models import Role, Team, User
from surveys.models import Kind, SurveyResponse
from tickets.models import Channel, Status, Ticket

UTC = dt.UTC


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    timezone = "UTC"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Person"
    role = Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgentFactory(UserFactory):
    role = Role.AGENT
    team = factory.SubFactory(TeamFactory)


class LeaderFactory(UserFactory):
    role = Role.LEADER

    @factory.post_generation
    def teams(obj, create, extracted, **kwargs):
        if create and extracted:
            for team in extracted:
                team.leaders.add(obj)


class HRFactory(UserFactory):
    role = Role.HR


class AdminFactory(UserFactory):
    role = Role.HR
    is_staff = True
    is_superuser = True


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    external_id = factory.Sequence(lambda n: f"T-{n}")
    channel = Channel.EMAIL
    status = Status.SOLVED
    agent = factory.SubFactory(AgentFactory)
    team = factory.LazyAttribute(lambda t: t.agent.team if t.agent else TeamFactory())
    created_at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    first_response_at = factory.LazyAttribute(lambda t: t.created_at + dt.timedelta(minutes=5))
    solved_at = factory.LazyAttribute(lambda t: t.created_at + dt.timedelta(hours=2))
    handle_time_seconds = 300
    agent_replies = 1
    reopened_count = 0


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    external_id = factory.Sequence(lambda n: f"S-{n}")
    agent = factory.SubFactory(AgentFactory)
    team = factory.LazyAttribute(lambda r: r.agent.team if r.agent else TeamFactory())
    kind = Kind.CSAT
    score = 5
    responded_at = dt.datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
