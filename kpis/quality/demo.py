"""Demo quality data for `seed_demo`: an org-wide rubric, each team's samples of the last four weeks reviewed by
its leader, a calibration session with two reviewers and a settled reference, and an open dispute. All through the
services, so the audit trail and the figures are as real use would leave them. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Min

from accounts.demo import TEAM_SPECS, agent_spec, leader_username
from accounts.models import User
from tickets.models import Ticket

from . import services
from .models import RatingScale, Stratum
from .sampling import week_start_of

# (name, weight, scale, N/A allowed, critical, description)
DEMO_CATEGORIES = (
    ("Greeting and tone", 1, RatingScale.BINARY, False, False, "Greets by name; friendly, professional tone."),
    ("Understood the problem", 2, RatingScale.FOUR, False, False, "Restates the issue; asks what is missing."),
    ("Correct and complete answer", 3, RatingScale.FIVE, False, True, "Right per policy and docs; nothing left out."),
    ("Security checks", 2, RatingScale.BINARY, True, True, "Identity verified before account changes (N/A: none)."),
    ("Next steps set", 1, RatingScale.THREE, True, False, "The customer knows what happens next."),
)
REVIEWS_PER_AGENT = 2
WEEKS_REVIEWED = 4


def _ratings(rng: random.Random, version, ticket) -> dict[int, services.ScoreInput]:
    """Plausible ratings: mostly the top or one below (IQS near 80 %, as support teams report), anywhere on
    the scale on a reopened or long ticket now and then, a rare slip to the lowest; N/A now and then."""
    rough = ticket.reopened_count > 0 or (ticket.handle_time_seconds or 0) > 1200
    scores = {}
    for category in version.categories.all():
        if category.allows_not_applicable and rng.random() < 0.3:
            scores[category.pk] = services.ScoreInput(rating=None)
            continue
        top = category.points
        if rough and rng.random() < 0.3:
            rating = rng.randint(1, top)
        elif rng.random() < 0.03:
            rating = 1
        else:  # on a yes/no scale one below the top is a "no": rarer there
            rating = top if rng.random() < (0.85 if top == 2 else 0.55) else top - 1
        comment = "" if rating >= top - 1 else "See the ticket thread: this is where it slipped."
        scores[category.pk] = services.ScoreInput(rating=rating, comment=comment)
    return scores


def _calibration_ratings(
    rng: random.Random, version, reference: dict[int, services.ScoreInput], *, slip: float, lenient: float
) -> dict[int, services.ScoreInput]:
    """A calibration participant's ratings: the reference's, one step off with probability `slip`
    (up with probability `lenient` of those slips). Reviewers mostly agree, as trained ones do, so the
    session shows agreement worth reading rather than noise."""
    scores = {}
    for category in version.categories.all():
        rating = reference[category.pk].rating
        if rating is not None and rng.random() < slip:
            step = 1 if rng.random() < lenient else -1
            rating = min(category.points, max(1, rating + step))
        scores[category.pk] = services.ScoreInput(rating=rating)
    return scores


def _weeks_with_data(date_to: dt.date) -> list[dt.date]:
    """The Mondays of the last WEEKS_REVIEWED complete weeks that have solved tickets, latest first."""
    latest = week_start_of(date_to + dt.timedelta(days=1)) - dt.timedelta(days=7)
    first_solved = Ticket.objects.filter(solved_at__isnull=False).aggregate(first=Min("solved_at"))["first"]
    if first_solved is None:
        return [latest]
    earliest = week_start_of(first_solved.date())
    weeks = [latest - dt.timedelta(days=7 * n) for n in range(WEEKS_REVIEWED)]
    return [week for week in weeks if week >= earliest] or [latest]


def demo_quality_create(*, teams: int, agents_per_team: int, date_to: dt.date, seed: int) -> dict[str, int]:
    """Create the demo quality data; returns what was created (reviews, calibrations, disputes)."""
    rng = random.Random(f"{seed}-quality")
    admin = User.objects.get(username="admin")
    rubric = services.rubric_create(actor=admin, name="Support quality", team=None)
    version = rubric.versions.get()
    for name, weight, scale, allows_na, critical, description in DEMO_CATEGORIES:
        services.category_add(
            version=version,
            actor=admin,
            name=name,
            weight=weight,
            scale=scale,
            allows_not_applicable=allows_na,
            is_critical=critical,
            description=description,
        )
    version = services.rubric_version_publish(version=version, actor=admin)
    weeks = _weeks_with_data(date_to)
    counts = {"reviews": 0, "calibrations": 0, "disputes": 0}
    disputed = None
    for team_index, spec in enumerate(TEAM_SPECS[:teams]):
        leader = User.objects.get(username=leader_username(spec))
        team = leader.led_teams.get(slug=spec.slug)
        assignments = []
        for week_index, week_start in enumerate(weeks):
            assignment = services.assignment_draw(
                team=team,
                week_start=week_start,
                per_agent=3,
                strata=[Stratum.LOW_CSAT, Stratum.REOPENED],
                seed=seed * 100 + team_index * 10 + week_index,
                actor=leader,
            )
            assignments.append(assignment)
            # Two of each agent's three drawn tickets are reviewed: the queue keeps one per agent.
            done: dict[int, int] = {}
            for item in assignment.items.select_related("ticket__team").order_by("position"):
                if done.get(item.agent_id, 0) >= REVIEWS_PER_AGENT:
                    continue
                review = services.quality_review_create(
                    reviewer=leader,
                    ticket=item.ticket,
                    rubric_version=version,
                    scores=_ratings(rng, version, item.ticket),
                    summary="Thanks for this one: the notes below say what to keep and what to change.",
                    submit=True,
                )
                done[item.agent_id] = done.get(item.agent_id, 0) + 1
                counts["reviews"] += 1
                if disputed is None:  # the first review of the latest week: its agent disputes it
                    disputed = review
        if team_index == 0 and agents_per_team >= 3:
            # A senior agent reviews alongside the leader; they calibrate on last week's tickets of others.
            senior = User.objects.get(username=agent_spec(0, 0).username)
            services.reviewer_role_grant(team=team, user=senior, actor=leader)
            senior = User.objects.get(pk=senior.pk)
            items = assignments[0].items.select_related("ticket").exclude(agent=senior).order_by("position")
            tickets = [item.ticket for item in items[:5]]
            if len(tickets) >= 2:
                session = services.calibration_create(
                    actor=leader,
                    team=team,
                    rubric_version=version,
                    title=f"Calibration, week of {weeks[0]:%d %b %Y}",
                    tickets=tickets,
                    reviewers=[leader, senior],
                )
                for ticket in tickets:
                    reference = _ratings(rng, version, ticket)
                    # The leader slips now and then either way; the newer reviewer more often, and leniently.
                    for reviewer, slip, lenient in ((leader, 0.1, 0.5), (senior, 0.3, 0.8)):
                        services.calibration_score_save(
                            session=session,
                            ticket=ticket,
                            actor=reviewer,
                            scores=_calibration_ratings(rng, version, reference, slip=slip, lenient=lenient),
                            submit=True,
                        )
                    services.calibration_reference_settle(
                        session=session, ticket=ticket, actor=leader, scores=reference
                    )
                counts["calibrations"] += 1
    if disputed is not None:
        services.dispute_raise(
            review=disputed,
            actor=disputed.agent,
            reason="I followed the macro the knowledge base gives for this case; please look at it again.",
        )
        counts["disputes"] += 1
    return counts
