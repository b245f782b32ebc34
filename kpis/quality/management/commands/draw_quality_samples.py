"""Draw the weekly quality-review samples: last week for every team (as the schedule does), or one team's week."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from kpis.quality import services
from kpis.quality.models import OPTIONAL_STRATA


class Command(BaseCommand):
    help = "Draw and record the weekly tickets to review per agent (seeded; the seed is recorded and printed)."

    def add_arguments(self, parser):
        parser.add_argument("--team", help="A team's slug; with --week, draw that team's week only.")
        parser.add_argument("--week", help="The Monday of the week to draw, YYYY-MM-DD (default: last week).")
        parser.add_argument("--per-agent", type=int, default=None, help="Tickets per agent (default: the setting).")
        parser.add_argument(
            "--strata", nargs="*", default=[], choices=list(OPTIONAL_STRATA), help="Strata drawn first."
        )
        parser.add_argument("--seed", type=int, default=None, help="Reproduce a recorded draw with its seed.")

    def handle(self, *args, team, week, per_agent, strata, seed, **options):
        per_agent = per_agent or settings.QUALITY_SAMPLE_PER_AGENT
        try:
            if team is None:
                if seed is not None or week is not None:
                    raise CommandError("--week and --seed need --team.")
                created = services.assignments_draw_weekly(per_agent=per_agent, strata=tuple(strata))
            else:
                team_row = Team.objects.filter(slug=team).first()
                if team_row is None:
                    raise CommandError(f"No team with slug “{team}”.")
                week_start = dt.date.fromisoformat(week) if week else None
                if week_start is None:
                    raise CommandError("Give --week (the Monday) with --team.")
                created = [
                    services.assignment_draw(
                        team=team_row, week_start=week_start, per_agent=per_agent, strata=strata, seed=seed, actor=None
                    )
                ]
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        for assignment in created:
            self.stdout.write(f"{assignment}: {assignment.items.count()} tickets, seed {assignment.seed}.")
        if not created:
            self.stdout.write("Every team's last week is drawn already.")
