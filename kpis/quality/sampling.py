"""Fair sampling: which solved tickets of a team's week are reviewed, drawn at random from a recorded seed.

Per agent (in id order) the draw takes one ticket from each asked-for stratum that has one (low CSAT,
reopened, long handle time, in that order), then fills up to N at random from the agent's other solved
tickets. One `random.Random(seed)` drives the whole draw over tickets in id order, so the same seed and
the same data give the same tickets: `sample_draw` is what the recorded Assignment reproduces.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from accounts.models import Team
from kpis.days import utc_bounds
from surveys.models import Kind, SurveyResponse
from tickets.models import SOLVED_STATUSES, Ticket

from .models import OPTIONAL_STRATA, Stratum

# A CSAT response at or below this score marks a ticket "low CSAT" (1–5 scale: dissatisfied).
LOW_CSAT_MAX = 2
# "Long handle time": at or above this percentile (nearest rank) of the team's solved tickets that week.
LONG_HANDLE_PERCENTILE = 90


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class DrawnTicket:
    ticket_id: int
    agent_id: int
    stratum: str


@dataclass(frozen=True)
class Draw:
    items: list[DrawnTicket]
    parameters: dict


def _percentile_nearest_rank(values: list[int], percentile: int) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return ordered[rank - 1]


def week_population(team: Team, week_start: dt.date):
    """The team's solved tickets with an agent whose solve falls in the week (team's local days)."""
    start, end = utc_bounds(week_start, week_start + dt.timedelta(days=6), team.zone)
    low_csat = SurveyResponse.objects.filter(ticket=OuterRef("pk"), kind=Kind.CSAT, score__lte=LOW_CSAT_MAX)
    return (
        Ticket.objects.filter(
            team=team, agent__isnull=False, status__in=SOLVED_STATUSES, solved_at__gte=start, solved_at__lt=end
        )
        .annotate(low_csat=Exists(low_csat))
        .order_by("pk")
    )


def sample_draw(*, team: Team, week_start: dt.date, per_agent: int, strata: list[str], seed: int) -> Draw:
    """The tickets a draw with these parameters picks (read-only; the service records them)."""
    strata = [s for s in OPTIONAL_STRATA if s in strata]
    tickets = list(
        week_population(team, week_start).values("pk", "agent_id", "reopened_count", "handle_time_seconds", "low_csat")
    )
    long_handle = _percentile_nearest_rank(
        [t["handle_time_seconds"] for t in tickets if t["handle_time_seconds"] is not None], LONG_HANDLE_PERCENTILE
    )
    in_stratum = {
        Stratum.LOW_CSAT: lambda t: t["low_csat"],
        Stratum.REOPENED: lambda t: t["reopened_count"] > 0,
        Stratum.LONG_HANDLE_TIME: lambda t: (
            long_handle is not None and t["handle_time_seconds"] is not None and t["handle_time_seconds"] >= long_handle
        ),
    }
    by_agent: dict[int, list[dict]] = {}
    for ticket in tickets:
        by_agent.setdefault(ticket["agent_id"], []).append(ticket)
    rng = random.Random(seed)
    items: list[DrawnTicket] = []
    for agent_id in sorted(by_agent):
        population = by_agent[agent_id]
        chosen: list[tuple[dict, str]] = []
        taken: set[int] = set()
        for stratum in strata:
            eligible = [t for t in population if t["pk"] not in taken and in_stratum[stratum](t)]
            if eligible and len(chosen) < per_agent:
                pick = rng.choice(eligible)
                chosen.append((pick, stratum))
                taken.add(pick["pk"])
        rest = [t for t in population if t["pk"] not in taken]
        for pick in rng.sample(rest, min(per_agent - len(chosen), len(rest))):
            chosen.append((pick, Stratum.RANDOM))
        items.extend(DrawnTicket(ticket_id=t["pk"], agent_id=agent_id, stratum=s) for t, s in chosen)
    parameters = {
        "low_csat_max_score": LOW_CSAT_MAX,
        "long_handle_time_percentile": LONG_HANDLE_PERCENTILE,
        "long_handle_time_seconds": long_handle,
        "solved_tickets": len(tickets),
        "agents": len(by_agent),
    }
    return Draw(items=items, parameters=parameters)
