"""The demo organisation of Pulse: teams, people and months of tickets and surveys.

Everything is drawn from one `random.Random(seed)` in a fixed order, so a seed always gives
the same rows. People (names, usernames, profiles) depend only on their position, never on
the seed, so the demo logins are the same for every seed and every size.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from kpis.models import Scope
from kpis.reviews import services as review_services
from kpis.reviews.models import PITFALL_NUMBERS, ReviewStatus
from kpis.selectors import baselines, suggest_target
from surveys.models import Kind, SurveyResponse
from tickets.models import Channel, Priority, Status, Ticket

from .models import Role, Team, User
from .schedules.demo import demo_schedules_create
from .schedules.services import tickets_business_seconds_fill
from .scoping import home_page

DEMO_PASSWORD = "pulse-demo"
DEMO_EMAIL_DOMAIN = "demo.pulse"
TICKET_ID_PREFIX = "DEMO-T-"
SURVEY_ID_PREFIX = "DEMO-S-"
BATCH_SIZE = 2000
UTC = dt.UTC

MAX_DAYS = 3660
MAX_AGENTS_PER_TEAM = 200


@dataclass(frozen=True)
class TeamSpec:
    name: str
    slug: str
    timezone: str
    # Share of tickets per channel: email, chat, phone, social.
    channel_mix: tuple[float, float, float, float]
    # Team-wide nudge to the chance that a customer is happy.
    satisfaction_offset: float
    leader: tuple[str, str]


TEAM_SPECS: tuple[TeamSpec, ...] = (
    TeamSpec("Falcons", "falcons", "Europe/London", (0.40, 0.30, 0.20, 0.10), 0.00, ("Olivia", "Bennett")),
    TeamSpec("Orcas", "orcas", "America/New_York", (0.25, 0.40, 0.25, 0.10), 0.02, ("Marcus", "Reid")),
    TeamSpec("Tigers", "tigers", "Asia/Kolkata", (0.30, 0.20, 0.40, 0.10), -0.03, ("Ananya", "Iyer")),
    TeamSpec("Koalas", "koalas", "Australia/Sydney", (0.35, 0.30, 0.20, 0.15), 0.01, ("Liam", "Walsh")),
    TeamSpec("Condors", "condors", "America/Sao_Paulo", (0.30, 0.35, 0.20, 0.15), -0.01, ("Camila", "Souza")),
    TeamSpec("Lynxes", "lynxes", "Europe/Berlin", (0.45, 0.25, 0.20, 0.10), 0.01, ("Jonas", "Richter")),
    TeamSpec("Cranes", "cranes", "Asia/Tokyo", (0.35, 0.35, 0.20, 0.10), 0.03, ("Yuki", "Tanaka")),
    TeamSpec("Pumas", "pumas", "America/Los_Angeles", (0.30, 0.40, 0.15, 0.15), -0.02, ("Diego", "Ramirez")),
)
MAX_TEAMS = len(TEAM_SPECS)
CHANNELS = (Channel.EMAIL, Channel.CHAT, Channel.PHONE, Channel.SOCIAL)

# The leader of the first two teams together (the "one leader, two teams" case).
OPS_LEADER = ("lead.ops", "Grace", "Whitfield")
HR_PERSON = ("hr", "Hannah", "Okafor")
ADMIN_PERSON = ("admin", "Alex", "Morgan")

AGENT_FIRST_NAMES = (
    "Maya", "Noah", "Aisha", "Lucas", "Sofia", "Ethan", "Zara", "Mateo", "Chloe", "Arjun",
    "Emma", "Kenji", "Fatima", "Oliver", "Isabel", "Ravi", "Leah", "Tomas", "Nadia", "Samuel",
    "Elena", "Kwame", "Hana", "Daniel", "Amara", "Felix", "Mei", "Omar", "Clara", "Jin",
    "Ingrid", "Pedro", "Layla", "Victor", "Keira", "Rohan", "Julia", "Andre", "Sana", "Hugo",
    "Eva", "Tariq", "Lina", "Oscar", "Priya", "Bruno", "Nora", "Malik", "Alice", "Dev",
    "Freya", "Kofi", "Rosa", "Max", "Anika", "Leon", "Iris", "Yusuf", "Greta", "Theo",
    "Mila", "Ivan", "Ines", "Caleb", "Aiko", "Rafael", "Esme", "Sami", "Lucia", "Ben",
    "Tara", "Nikolai", "Ada", "Jonah", "Wren", "Paulo", "Mira", "Adam", "Selin", "Luca",
    "Vera", "Kai", "Elif", "Jasper", "Noor", "Finn", "Ruth", "Emil", "Lea", "Aarav",
    "Saoirse", "Hamza", "Lily", "Marco", "Dana", "Joel", "Asha", "Nils", "Olga", "Ruben",
)  # fmt: skip
AGENT_LAST_NAMES = (
    "Lopez", "Kim", "Khan", "Martin", "Rossi", "Nguyen", "Patel", "Schmidt", "Dubois", "Silva",
    "Cohen", "Sato", "Haddad", "Novak", "Garcia", "Mensah", "Larsen", "Costa", "Ibrahim", "Park",
    "Fischer", "Moreau", "Chen", "Sharma", "Kowalski", "Andersen", "Romero", "Yilmaz", "Hughes", "Ito",
    "Alvarez", "Murphy", "Nakamura", "Owusu", "Petrov", "Quinn", "Santos", "Torres", "Varga", "Wong",
    "Zhang", "Becker", "Clarke", "Diaz", "Evans", "Fraser", "Gupta", "Hoffmann", "Jansen", "Lindqvist",
    "Mwangi", "Nair", "Oliveira", "Pereira", "Reyes", "Suzuki", "Tran", "Ueda", "Weber", "Young",
    "Ali",
)  # fmt: skip

CATEGORIES = ("billing", "shipping", "returns", "account", "technical")
CATEGORY_WEIGHTS = (0.25, 0.25, 0.18, 0.17, 0.15)
CATEGORY_EFFORT = {"billing": 1.1, "shipping": 0.95, "returns": 0.9, "account": 0.85, "technical": 1.35}
PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
PRIORITY_WEIGHTS = (0.15, 0.70, 0.12, 0.03)

# Median handle time (seconds) and first-response time per channel; lognormal spread.
HANDLE_MEDIAN_SECONDS = {Channel.EMAIL: 200, Channel.CHAT: 430, Channel.PHONE: 360, Channel.SOCIAL: 160}
FIRST_RESPONSE_MEDIAN_SECONDS = {
    Channel.EMAIL: 2.6 * 3600,
    Channel.CHAT: 32,
    Channel.PHONE: 26,
    Channel.SOCIAL: 11 * 60,
}
FIRST_RESPONSE_BOUNDS = {
    Channel.EMAIL: (600, 24 * 3600),
    Channel.CHAT: (8, 300),
    Channel.PHONE: (8, 300),
    Channel.SOCIAL: (60, 3 * 3600),
}
# Mon..Sun: weekdays busier than weekends.
WEEKDAY_VOLUME = (1.15, 1.0, 1.0, 0.95, 0.9, 0.35, 0.25)
TICKETS_PER_AGENT_WEEKDAY = 13.0
SURVEY_RATES = {Kind.CSAT: 0.27, Kind.NPS: 0.05, Kind.CES: 0.04}

POSITIVE_COMMENTS = (
    "Quick and friendly, thank you!",
    "Solved on the first try.",
    "Very helpful, explained everything clearly.",
    "Great service.",
    "Fast answer, problem gone.",
)
NEGATIVE_COMMENTS = (
    "Took far too long to get an answer.",
    "I had to explain my problem twice.",
    "Still not fixed.",
    "The agent did not seem to understand the issue.",
    "Too many back-and-forth messages.",
)


@dataclass(frozen=True)
class Profile:
    """How an agent performs: multipliers and probabilities the generator draws from."""

    code: str
    label: str
    handle_factor: float
    first_response_factor: float
    happy: float  # chance a surveyed customer is satisfied
    first_contact: float  # chance a ticket is solved with one reply
    reopen: float
    survey_factor: float
    volume_factor: float
    # An improving agent moves from `handle_factor`/`happy` at the start to average at the end.
    improving: bool = False


STAR = Profile("star", "star performer", 0.82, 0.8, 0.95, 0.90, 0.02, 1.0, 1.12)
STRUGGLING = Profile("struggling_aht", "struggling on AHT", 1.6, 1.25, 0.72, 0.66, 0.08, 1.0, 0.85)
FEW_SURVEYS = Profile("few_surveys", "few survey responses", 1.0, 1.0, 0.86, 0.78, 0.05, 0.15, 1.0)
IMPROVING = Profile("improving", "new hire, improving", 1.45, 1.15, 0.76, 0.70, 0.07, 1.0, 0.8, improving=True)
AVERAGE = Profile("average", "average", 1.0, 1.0, 0.86, 0.78, 0.05, 1.0, 1.0)
# Profiles by an agent's position in their team; everyone after them is average (with variance).
PROFILES_BY_POSITION = (STAR, STRUGGLING, FEW_SURVEYS, IMPROVING)


@dataclass(frozen=True)
class AgentSpec:
    username: str
    first_name: str
    last_name: str
    email: str
    team_index: int
    profile: Profile


def agent_spec(team_index: int, position: int) -> AgentSpec:
    """The agent at `position` in team `team_index`: the same person whatever the sizes or seed."""
    index = position * MAX_TEAMS + team_index
    rounds, slot = divmod(index, len(AGENT_FIRST_NAMES))
    first = AGENT_FIRST_NAMES[slot]
    last = AGENT_LAST_NAMES[(slot * 7 + rounds) % len(AGENT_LAST_NAMES)]
    suffix = str(rounds + 1) if rounds else ""
    profile = PROFILES_BY_POSITION[position] if position < len(PROFILES_BY_POSITION) else AVERAGE
    return AgentSpec(
        username=f"agent.{first.lower()}{suffix}",
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}{suffix}@{DEMO_EMAIL_DOMAIN}",
        team_index=team_index,
        profile=profile,
    )


def demo_email(first: str, last: str) -> str:
    return f"{first.lower()}.{last.lower()}@{DEMO_EMAIL_DOMAIN}"


def leader_username(spec: TeamSpec) -> str:
    return f"lead.{spec.slug}"


@dataclass
class DemoSummary:
    teams: int
    users: int
    tickets: int
    surveys: int
    date_from: dt.date
    date_to: dt.date


@dataclass
class _Agent:
    user: User
    spec: AgentSpec
    team: Team
    zone: ZoneInfo
    team_spec: TeamSpec
    handle_factor: float
    happy: float
    volume_factor: float
    days_off: frozenset[dt.date]


def _check_sizes(*, teams: int, agents_per_team: int, days: int) -> None:
    errors = []
    if not 1 <= teams <= MAX_TEAMS:
        errors.append(f"--teams must be between 1 and {MAX_TEAMS}.")
    if not 1 <= agents_per_team <= MAX_AGENTS_PER_TEAM:
        errors.append(f"--agents-per-team must be between 1 and {MAX_AGENTS_PER_TEAM}.")
    if not 1 <= days <= MAX_DAYS:
        errors.append(f"--days must be between 1 and {MAX_DAYS}.")
    if errors:
        raise ValueError(" ".join(errors))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; the means here are small (a day's tickets for one agent)."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _create_people(*, team_specs: tuple[TeamSpec, ...], agents_per_team: int) -> tuple[list[Team], list[_Agent]]:
    """Teams, leaders, HR, admin and agents; one password hash shared by every demo user."""
    teams = [Team(name=spec.name, slug=spec.slug, timezone=spec.timezone) for spec in team_specs]
    for team in teams:
        team.full_clean()
    Team.objects.bulk_create(teams)
    by_slug = {team.slug: team for team in Team.objects.filter(slug__in=[spec.slug for spec in team_specs])}
    teams = [by_slug[spec.slug] for spec in team_specs]

    password = make_password(DEMO_PASSWORD)
    users: list[User] = []

    def person(username: str, first: str, last: str, role: str, **extra) -> User:
        email = f"admin@{DEMO_EMAIL_DOMAIN}" if username == "admin" else demo_email(first, last)
        user = User(
            username=username, first_name=first, last_name=last, email=email, role=role, password=password, **extra
        )
        users.append(user)
        return user

    # The admin keeps the HR role: read-only everywhere in the app, everything in Django admin.
    person(*ADMIN_PERSON, Role.HR, is_staff=True, is_superuser=True)
    person(*HR_PERSON, Role.HR)
    ops = person(*OPS_LEADER, Role.LEADER)
    leaders = [person(leader_username(spec), *spec.leader, Role.LEADER) for spec in team_specs]
    agent_specs = [agent_spec(t, p) for t in range(len(team_specs)) for p in range(agents_per_team)]
    for spec in agent_specs:
        person(spec.username, spec.first_name, spec.last_name, Role.AGENT, team=teams[spec.team_index])
    for user in users:
        user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    by_username = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}

    memberships = [(by_username[leader.username], team) for leader, team in zip(leaders, teams, strict=True)]
    memberships += [(by_username[ops.username], team) for team in teams[:2]]
    Team.leaders.through.objects.bulk_create(
        [Team.leaders.through(team_id=team.pk, user_id=user.pk) for user, team in memberships]
    )
    agents = [
        _Agent(
            user=by_username[spec.username],
            spec=spec,
            team=teams[spec.team_index],
            zone=ZoneInfo(team_specs[spec.team_index].timezone),
            team_spec=team_specs[spec.team_index],
            handle_factor=spec.profile.handle_factor,
            happy=spec.profile.happy,
            volume_factor=spec.profile.volume_factor,
            days_off=frozenset(),
        )
        for spec in agent_specs
    ]
    return teams, agents


def _personalise(rng: random.Random, agents: list[_Agent], days: list[dt.date]) -> None:
    """Seeded variance around each profile, and a week off for most average agents."""
    for agent in agents:
        profile = agent.spec.profile
        if profile is AVERAGE:
            agent.handle_factor = _clip(rng.gauss(1.0, 0.09), 0.8, 1.25)
            agent.happy = _clip(rng.gauss(profile.happy, 0.035), 0.76, 0.93)
            agent.volume_factor = _clip(rng.gauss(1.0, 0.1), 0.75, 1.25)
            if len(days) >= 45 and rng.random() < 0.7:
                start = rng.randrange(len(days) - 7)
                agent.days_off = frozenset(days[start : start + 7])


def _local_moment(day: dt.date, seconds: float, zone: ZoneInfo) -> dt.datetime:
    return (dt.datetime.combine(day, dt.time.min, tzinfo=zone) + dt.timedelta(seconds=seconds)).astimezone(UTC)


def _created_seconds(rng: random.Random, channel: str) -> float:
    """Seconds after local midnight: live channels in opening hours, email and social round the clock."""
    if channel in (Channel.CHAT, Channel.PHONE):
        hours = rng.triangular(8.0, 20.0, 11.0)
    elif rng.random() < 0.8:
        hours = rng.triangular(7.0, 22.5, 10.0)
    else:
        hours = rng.uniform(0.0, 23.99)
    return hours * 3600


def _agent_replies(rng: random.Random, first_contact: float) -> int:
    if rng.random() < first_contact:
        return 1
    roll = rng.random()
    return 2 if roll < 0.6 else 3 if roll < 0.9 else rng.choice((4, 5))


def _score(rng: random.Random, kind: str, happy: bool) -> int:
    if kind == Kind.CSAT:
        return (5 if rng.random() < 0.65 else 4) if happy else rng.choices((1, 2, 3), (0.3, 0.3, 0.4))[0]
    if kind == Kind.NPS:
        if happy:
            return rng.choice((9, 10)) if rng.random() < 0.6 else rng.choice((7, 8))
        return rng.choice((0, 2, 3, 4, 5, 6, 6)) if rng.random() < 0.8 else rng.choice((7, 8))
    return (
        rng.choices((5, 6, 7), (0.25, 0.4, 0.35))[0] if happy else rng.choices((1, 2, 3, 4), (0.1, 0.25, 0.35, 0.3))[0]
    )


def _ticket_and_survey(
    rng: random.Random, agent: _Agent, day: dt.date, progress_ratio: float, cutoff: dt.datetime
) -> tuple[Ticket | None, tuple[str, int, str, dt.datetime] | None]:
    """One ticket of `agent` created on local `day`, and the survey answer it drew (if any)."""
    profile = agent.spec.profile
    channel = rng.choices(CHANNELS, agent.team_spec.channel_mix)[0]
    category = rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
    priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
    created_at = _local_moment(day, _created_seconds(rng, channel), agent.zone)
    if created_at >= cutoff:
        return None, None

    handle_factor, happy = agent.handle_factor, agent.happy
    if profile.improving:  # from the profile's level at the start to average at the end
        handle_factor += (AVERAGE.handle_factor - handle_factor) * progress_ratio
        happy += (AVERAGE.happy - happy) * progress_ratio

    low, high = FIRST_RESPONSE_BOUNDS[channel]
    first_response_seconds = _clip(
        _lognormal(rng, FIRST_RESPONSE_MEDIAN_SECONDS[channel], 0.55) * profile.first_response_factor, low, high
    )
    handle_seconds = round(
        _lognormal(rng, HANDLE_MEDIAN_SECONDS[channel], 0.35) * handle_factor * CATEGORY_EFFORT[category]
    )
    first_contact = profile.first_contact + {Channel.EMAIL: -0.08, Channel.SOCIAL: -0.03}.get(channel, 0.05)
    replies = _agent_replies(rng, first_contact)
    reopened = 1 if rng.random() < profile.reopen else 0

    # Time to solve: the contact itself, then the customer's answers between further replies.
    solve_seconds = first_response_seconds + handle_seconds + rng.uniform(30, 600)
    if channel == Channel.EMAIL:
        solve_seconds += _lognormal(rng, 1.5 * 3600, 0.8)
    for _ in range(replies - 1):
        solve_seconds += _lognormal(rng, 6 * 3600, 0.8)
    if reopened:
        solve_seconds += rng.uniform(1, 3) * 86400
        replies += 1
    stalled = rng.random() < 0.015  # waiting on the customer for good

    first_response_at = created_at + dt.timedelta(seconds=first_response_seconds)
    solved_at = created_at + dt.timedelta(seconds=solve_seconds)
    ticket = Ticket(
        channel=channel,
        category=category,
        priority=priority,
        agent=agent.user,
        team=agent.team,
        created_at=created_at,
        first_response_at=first_response_at,
        solved_at=solved_at,
        handle_time_seconds=handle_seconds,
        agent_replies=replies,
        reopened_count=reopened,
    )
    if first_response_at >= cutoff:
        ticket.status, ticket.first_response_at, ticket.solved_at = Status.NEW, None, None
        ticket.handle_time_seconds, ticket.agent_replies, ticket.reopened_count = None, 0, 0
        return ticket, None
    if solved_at >= cutoff or stalled:
        ticket.status = Status.PENDING if stalled or rng.random() < 0.4 else Status.OPEN
        ticket.solved_at, ticket.agent_replies, ticket.reopened_count = None, 1, 0
        return ticket, None
    ticket.status = Status.CLOSED if solved_at < cutoff - dt.timedelta(days=4) else Status.SOLVED

    survey = None
    roll, threshold = rng.random(), 0.0
    for kind, rate in SURVEY_RATES.items():
        threshold += rate * profile.survey_factor
        if roll < threshold:
            chance = happy + agent.team_spec.satisfaction_offset - 0.15 * reopened - 0.06 * (replies >= 3)
            if solve_seconds > 2 * 86400:
                chance -= 0.05
            is_happy = rng.random() < _clip(chance, 0.05, 0.99)
            score = _score(rng, kind, is_happy)
            comment = ""
            if rng.random() < 0.3:
                comment = rng.choice(POSITIVE_COMMENTS if is_happy else NEGATIVE_COMMENTS)
            delay = min(rng.expovariate(1 / (16 * 3600)), 5 * 86400 - 60)
            responded_at = solved_at + dt.timedelta(seconds=60 + delay)
            if responded_at < cutoff:
                survey = (kind, score, comment, responded_at)
            break
    return ticket, survey


def demo_cutoff(end_date: dt.date) -> dt.datetime:
    """The demo's "now": midnight UTC starting `end_date`; nothing happens at or after it."""
    return dt.datetime.combine(end_date, dt.time.min, tzinfo=UTC)


def demo_date_range(*, days: int, end_date: dt.date) -> tuple[dt.date, dt.date]:
    """The local days holding demo tickets: `days` days ending the day before `end_date`."""
    return end_date - dt.timedelta(days=days), end_date - dt.timedelta(days=1)


def demo_data_exists() -> bool:
    """Whether demo users or records are already in the database."""
    return (
        User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").exists()
        or Ticket.objects.filter(external_id__startswith=TICKET_ID_PREFIX).exists()
        or Team.objects.filter(slug__in=[spec.slug for spec in TEAM_SPECS]).exists()
    )


def demo_organisation_create(
    *,
    teams: int = 3,
    agents_per_team: int = 6,
    days: int = 120,
    end_date: dt.date,
    seed: int = 42,
    on_rows_written: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Create the demo teams, people, tickets and survey responses in one transaction.

    Deterministic for a given seed and sizes. Raises ValueError for bad sizes or when demo
    data is already present. Snapshots and targets are the caller's next steps.
    """
    _check_sizes(teams=teams, agents_per_team=agents_per_team, days=days)
    if demo_data_exists():
        raise ValueError("Demo data is already present (demo users, teams or DEMO- tickets); flush the database first.")
    rng = random.Random(seed)
    date_from, date_to = demo_date_range(days=days, end_date=end_date)
    cutoff = demo_cutoff(end_date)
    calendar = [date_from + dt.timedelta(days=offset) for offset in range(days)]

    with transaction.atomic():
        team_rows, agents = _create_people(team_specs=TEAM_SPECS[:teams], agents_per_team=agents_per_team)
        # Opening hours and holidays per team (accounts.schedules), so tickets get their business seconds.
        demo_schedules_create(teams=team_rows, date_from=date_from, date_to=date_to)
        _personalise(rng, agents, calendar)

        tickets: list[Ticket] = []
        survey_draws: list[tuple[int, tuple[str, int, str, dt.datetime]]] = []
        for offset, day in enumerate(calendar):
            progress_ratio = offset / max(days - 1, 1)
            weekday_factor = WEEKDAY_VOLUME[day.weekday()]
            for agent in agents:
                if day in agent.days_off:
                    continue
                count = _poisson(rng, TICKETS_PER_AGENT_WEEKDAY * weekday_factor * agent.volume_factor)
                for _ in range(count):
                    ticket, survey = _ticket_and_survey(rng, agent, day, progress_ratio, cutoff)
                    if ticket is None:
                        continue
                    ticket.external_id = f"{TICKET_ID_PREFIX}{len(tickets) + 1:06d}"
                    tickets.append(ticket)
                    if survey is not None:
                        survey_draws.append((len(tickets) - 1, survey))

        total, written = len(tickets) + len(survey_draws), 0

        def wrote(count: int) -> None:  # the command's progress bar: (rows written, rows in all)
            nonlocal written
            written += count
            if on_rows_written is not None:
                on_rows_written(written, total)

        for start in range(0, len(tickets), BATCH_SIZE):
            batch = tickets[start : start + BATCH_SIZE]
            tickets_business_seconds_fill(batch)
            Ticket.objects.bulk_create(batch)
            wrote(len(batch))
        if tickets and tickets[0].pk is None:  # a backend that does not return ids
            ids = dict(Ticket.objects.filter(external_id__startswith=TICKET_ID_PREFIX).values_list("external_id", "pk"))
            for ticket in tickets:
                ticket.pk = ids[ticket.external_id]
        surveys = []
        for number, (ticket_index, (kind, score, comment, responded_at)) in enumerate(survey_draws, start=1):
            ticket = tickets[ticket_index]
            surveys.append(
                SurveyResponse(
                    external_id=f"{SURVEY_ID_PREFIX}{number:06d}",
                    ticket=ticket,
                    agent_id=ticket.agent_id,
                    team_id=ticket.team_id,
                    kind=kind,
                    score=score,
                    comment=comment,
                    responded_at=responded_at,
                )
            )
        for start in range(0, len(surveys), BATCH_SIZE):
            batch = surveys[start : start + BATCH_SIZE]
            SurveyResponse.objects.bulk_create(batch)
            wrote(len(batch))

    return DemoSummary(
        teams=len(team_rows),
        users=User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").count(),
        tickets=len(tickets),
        surveys=len(surveys),
        date_from=date_from,
        date_to=date_to,
    )


# ---- coaching reviews ------------------------------------------------------------------------

# The reviewed period: the last four weeks of data (all of it when the demo is shorter).
REVIEW_PERIOD_DAYS = 28
GOAL_DUE_DAYS = 30


@dataclass(frozen=True)
class ReviewPlan:
    """The review a team leader writes for the agent at `position`, and how far it got."""

    position: int
    status: ReviewStatus
    goal_kpis: tuple[str, ...]
    strengths: tuple[str, ...]  # variants; the seed picks one
    improvement_areas: tuple[str, ...]
    acknowledgements: tuple[str, ...] = ()


REVIEW_PLANS: tuple[ReviewPlan, ...] = (
    ReviewPlan(
        0,
        ReviewStatus.ACKNOWLEDGED,
        ("csat", "fcr"),
        (
            "Customers single you out by name; most of your tickets are solved with one reply.",
            "Clear, friendly answers: your CSAT is the team's best and your first replies settle most questions.",
        ),
        (
            "Share how you write first replies with the newer agents in a team huddle.",
            "Keep the quality while taking a few more of the harder technical tickets.",
        ),
        (
            "Happy to run a huddle on first replies next month.",
            "Thanks — I will pick up more technical tickets and keep an eye on CSAT.",
        ),
    ),
    ReviewPlan(
        1,
        ReviewStatus.ACKNOWLEDGED,
        ("aht", "csat"),
        (
            "Thorough: customers rarely have to come back once you have solved their problem.",
            "Careful notes on every ticket, which makes hand-overs easy for the team.",
        ),
        (
            "Handling time is well above the team's: long pauses while looking up billing answers.",
            "Tickets take you much longer than the team; the billing macros would save most of that time.",
        ),
        (
            "Agreed. I will use the billing macros and ask sooner when I am stuck.",
            "Fair. I will shadow a colleague on billing tickets this week.",
        ),
    ),
    ReviewPlan(
        3,
        ReviewStatus.SHARED,
        ("aht", "fcr"),
        (
            "Steady progress since you joined: handling time comes down week after week.",
            "You ask for help early and learn fast; customers notice your patience.",
        ),
        (
            "Aim to solve more tickets on the first reply: check the knowledge base before answering.",
            "Keep bringing handling time down without rushing the customer.",
        ),
    ),
    ReviewPlan(
        2,
        ReviewStatus.DRAFT,
        ("csat", "aht"),
        (
            "Fast and accurate on shipping questions.",
            "Reliable on the busy Monday queue.",
        ),
        (
            "Few customers answer your surveys: remind them of the survey when you close a ticket.",
            "Your survey figures rest on few answers; ask customers for feedback when you solve their problem.",
        ),
    ),
)
GOAL_DESCRIPTIONS = {
    "csat": "Check the customer's problem is really gone before solving the ticket; ask for their feedback.",
    "fcr": "Read the whole ticket and the history before the first reply, so one answer settles it.",
    "aht": "Use the macros for the frequent questions and ask the team lead after five minutes stuck.",
}
# The leader's answer to each item of the pitfalls checklist (SPEC §6).
PITFALL_NOTES = {
    1: "Each goal is a bounded step from the agent's last 90 days, not the team's best figure.",
    2: "Goals pair a quality KPI with an efficiency one.",
    3: "The org targets each state their business objective; we went through them together.",
    4: "Goals point the same way as the team's targets; a gap to the target is closed step by step.",
    5: "Read the channel mix and the number of survey answers before drawing conclusions.",
}


def demo_review_period(*, date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period every demo review covers: the last four weeks of demo data."""
    return max(date_from, date_to - dt.timedelta(days=REVIEW_PERIOD_DAYS - 1)), date_to


def demo_reviews_create(*, teams: int, agents_per_team: int, date_from: dt.date, date_to: dt.date, seed: int) -> int:
    """Coaching reviews by each team's leader, through the review services (events, frozen summaries,
    notifications): acknowledged, shared and draft reviews with KPI goals and the pitfalls checklist
    answered. Run after the snapshots (goals step from the agent's baseline). Returns how many."""
    rng = random.Random(f"{seed}-reviews")  # its own stream: the tickets of a seed stay as they were
    period_start, period_end = demo_review_period(date_from=date_from, date_to=date_to)
    due_date = period_end + dt.timedelta(days=GOAL_DUE_DAYS)
    leaders = {u.username: u for u in User.objects.filter(username__in=[leader_username(s) for s in TEAM_SPECS])}
    created = 0
    for team_index, team_spec in enumerate(TEAM_SPECS[:teams]):
        leader = leaders[leader_username(team_spec)]
        for plan in REVIEW_PLANS:
            if plan.position >= agents_per_team:
                continue
            agent = User.objects.get(username=agent_spec(team_index, plan.position).username)
            review = review_services.review_create(
                author=leader, agent=agent, period_start=period_start, period_end=period_end
            )
            review_services.review_update(
                review=review,
                actor=leader,
                strengths=rng.choice(plan.strengths),
                improvement_areas=rng.choice(plan.improvement_areas),
            )
            figures = baselines(scope=Scope.AGENT, subject=agent, as_of=period_end + dt.timedelta(days=1))
            for code in plan.goal_kpis:
                value = suggest_target(kpi_code=code, baseline=figures[code]).value
                if value is not None:
                    review_services.goal_add(
                        review=review,
                        actor=leader,
                        kpi=code,
                        target_value=value,
                        due_date=due_date,
                        description=GOAL_DESCRIPTIONS[code],
                    )
            if plan.status == ReviewStatus.DRAFT:
                created += 1
                continue
            for number in PITFALL_NUMBERS:
                review_services.pitfall_confirm(
                    review=review, actor=leader, number=number, confirmed=True, note=PITFALL_NOTES[number]
                )
            review_services.review_share(review=review, actor=leader)
            if plan.status == ReviewStatus.ACKNOWLEDGED:
                review_services.review_acknowledge(
                    review=review, actor=agent, comment=rng.choice(plan.acknowledgements)
                )
            created += 1
    return created


# ---- demo logins ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    teams: str
    lands_on: str
    note: str


def _landing(url_name: str, spec_path: str, label: str) -> str:
    try:
        path = reverse(url_name)
    except NoReverseMatch:
        path = spec_path
    return f"{label} ({path})"


def demo_profiles_by_username() -> dict[str, Profile]:
    """The profile of every possible demo agent, by username (positions are seed-independent)."""
    return {
        spec.username: spec.profile
        for spec in (agent_spec(t, p) for t in range(MAX_TEAMS) for p in range(len(PROFILES_BY_POSITION)))
    }


def demo_logins_list() -> list[DemoLogin]:
    """The demo users (email @demo.pulse) with their role, teams and home page, admin first."""
    users = list(
        User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}")
        .select_related("team")
        .prefetch_related("led_teams")
        .order_by("username")
    )
    profiles = demo_profiles_by_username()
    rows: list[tuple[int, DemoLogin]] = []
    for user in users:
        if user.is_staff:
            order, role, teams = 0, "admin", "all"
            lands_on = _landing("teams", "/teams/", "all teams") + "; Django admin /admin/"
        elif user.role == Role.HR:
            order, role, teams, lands_on = 1, "hr", "all (read-only)", _landing("reviews", "/reviews/", "reviews")
        elif user.role == Role.LEADER:
            order, role = 2, "leader"
            led = sorted(team.name for team in user.led_teams.all())
            teams = ", ".join(led) or "none"
            url_name, args = home_page(user)
            lands_on = (
                f"{led[0]} dashboard ({reverse(url_name, args=args)})"
                if args
                else _landing("teams", "/teams/", "their teams")
            )
        else:
            order, role = 3, "agent"
            teams = user.team.name if user.team else "none"
            lands_on = _landing("me", "/me/", "own scorecard")
        profile = profiles.get(user.username)
        note = (profile or AVERAGE).label if role == "agent" else ""
        rows.append((order, DemoLogin(user.username, user.get_full_name(), role, teams, lands_on, note)))
    rows.sort(key=lambda row: (row[0], row[1].teams if row[0] == 3 else "", row[1].username))
    return [login for _, login in rows]
