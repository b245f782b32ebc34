"""Finding (or, when asked, creating) the teams and agents that an export names.

Teams are matched by name (case-insensitive), then by slug; agents by email, or by full name
when the export gives only a name (Zendesk's "Assignee", Freshdesk's "Agent"). A name that
matches no one, or several agents, is a row error — never a guess. Each distinct value is
looked up once per file, in one query per chunk.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower
from django.utils.text import slugify

from accounts.models import Role, Team, User


class Directory:
    """Per-file cache of team and agent lookups, with --create-missing creation."""

    def __init__(self, *, create_missing: bool, timezone: str, allowed_team_ids: Iterable[int] | None) -> None:
        self.create_missing = create_missing
        self.timezone = timezone
        self.allowed_team_ids = None if allowed_team_ids is None else set(allowed_team_ids)
        self._teams: dict[str, Team | None] = {}
        self._agents: dict[str, User | str | None] = {}  # a str is the reason it cannot be used
        self._created: list[tuple[str, str]] = []
        self.teams_created = 0
        self.agents_created = 0

    # ---- lookups ---------------------------------------------------------------------------

    def prefetch(self, *, team_values: set[str], agent_values: set[str]) -> None:
        """Load every not-yet-known team and agent of a chunk in at most three queries."""
        teams = {v.lower() for v in team_values} - set(self._teams)
        if teams:
            found = Team.objects.annotate(name_lower=Lower("name")).filter(Q(name_lower__in=teams) | Q(slug__in=teams))
            found = self._in_scope(found, "pk")
            by_name = {t.name_lower: t for t in found}
            by_slug = {t.slug: t for t in found}
            for key in teams:
                self._teams[key] = by_name.get(key) or by_slug.get(key)
        agents = {v.lower() for v in agent_values} - set(self._agents)
        emails = {a for a in agents if "@" in a}
        names = agents - emails
        if emails:
            users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
            users = self._in_scope(users, "team_id")
            by_email = {u.email_lower: u for u in users.select_related("team")}
            for key in emails:
                user = by_email.get(key)
                self._agents[key] = user if user is None or user.role == Role.AGENT else f"“{key}” is not an agent."
        if names:
            full_name = Lower(Concat("first_name", Value(" "), "last_name"))
            users = User.objects.filter(role=Role.AGENT).annotate(full_name=full_name).filter(full_name__in=names)
            users = self._in_scope(users, "team_id")
            matches: dict[str, list[User]] = {}
            for user in users.select_related("team"):
                matches.setdefault(user.full_name, []).append(user)
            for key in names:
                found = matches.get(key, [])
                if len(found) > 1:
                    self._agents[key] = f"{len(found)} agents are named “{key}”; give their emails instead."
                else:
                    self._agents[key] = found[0] if found else None

    def _in_scope(self, queryset, team_field: str):
        """A leader's lookups see their own teams and agents only: the rest reads as unknown."""
        if self.allowed_team_ids is None:
            return queryset
        return queryset.filter(**{f"{team_field}__in": self.allowed_team_ids})

    def team(self, value: str) -> Team:
        """The team named `value`; ValidationError if unknown (and not created) or out of scope."""
        key = value.lower()
        team = self._teams.get(key)
        if team is None:
            if not self.create_missing or self.allowed_team_ids is not None:
                raise ValidationError(f"No team “{value}”.")
            team = self._create_team(value)
            self._teams[key] = team
            self._created.append(("team", key))
        self.check_allowed(team, value)
        return team

    def agent(self, value: str, team: Team | None) -> User:
        """The agent named by email or full name; with --create-missing, created in `team`."""
        key = value.lower()
        agent = self._agents.get(key)
        if isinstance(agent, str):
            raise ValidationError(agent)
        if agent is None:
            if not self.create_missing:
                raise ValidationError(f"No agent “{value}”.")
            if team is None:
                raise ValidationError(f"No agent “{value}”, and no team to create them in.")
            agent = self._create_agent(value, team)
            self._agents[key] = agent
            self._created.append(("agent", key))
        return agent

    def check_allowed(self, team: Team, value: str) -> None:
        """Another team reads exactly like an unknown one (its existence is not the leader's to learn)."""
        if self.allowed_team_ids is not None and team.pk not in self.allowed_team_ids:
            raise ValidationError(f"No team “{value}”.")

    def forget_created(self) -> None:
        """Drop what this chunk created, after a rolled-back (dry-run) chunk."""
        for kind, key in self._created:
            (self._teams if kind == "team" else self._agents).pop(key, None)
        self._created.clear()

    def keep_created(self) -> None:
        """Count what this chunk created, once its transaction is kept."""
        self.teams_created += sum(1 for kind, _ in self._created if kind == "team")
        self.agents_created += sum(1 for kind, _ in self._created if kind == "agent")
        self._created.clear()

    # ---- creation --------------------------------------------------------------------------

    def _create_team(self, name: str) -> Team:
        base = slugify(name)[:90] or "team"
        taken = set(Team.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        team = Team(name=name[:100], slug=slug, timezone=self.timezone)
        team.full_clean()
        team.save()
        return team

    def _create_agent(self, value: str, team: Team) -> User:
        if "@" in value:
            email, first_name, last_name, base = value, "", "", value.lower()[:140]
        else:
            first_name, _, last_name = value.partition(" ")
            email, base = "", slugify(value)[:140] or "agent"
        taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
        username, n = base, 2
        while username in taken:
            username, n = f"{base}-{n}", n + 1
        agent = User(
            username=username,
            email=email,
            first_name=first_name[:150],
            last_name=last_name[:150],
            role=Role.AGENT,
            team=team,
            password=make_password(None),
        )
        agent.full_clean()
        agent.save()
        return agent
