"""Seed the realistic demo organisation, its benchmark targets, its snapshots and its coaching reviews."""

import datetime as dt
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from accounts.demo import demo_organisation_create, demo_reviews_create
from accounts.models import User
from config.progress import progress_bar
from kpis.outcomes.demo import demo_customers_create
from kpis.quality.demo import demo_quality_create
from kpis.services import snapshots_compute, snapshots_refresh_dirty
from surveys.models import SurveyResponse
from tickets.models import Ticket


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"“{value}” is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = (
        "Create a deterministic demo organisation: teams in several time zones, leaders, agents, HR, "
        "an admin, months of tickets and survey responses; then the benchmark targets, the snapshots and "
        "coaching reviews (acknowledged, shared and draft) by each team's leader."
    )

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=3, help="Number of teams (1–8; default 3).")
        parser.add_argument("--agents-per-team", type=int, default=6, help="Agents in each team (default 6).")
        parser.add_argument("--days", type=int, default=120, help="Days of history ending yesterday (default 120).")
        parser.add_argument(
            "--end-date", type=_date, default=None, help="The demo's today, YYYY-MM-DD (default: today in UTC)."
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same rows.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any user already exists.")

    def handle(self, *args, teams, agents_per_team, days, end_date, seed, if_empty, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("Users already exist; demo data not seeded (--if-empty).")
            return
        end_date = end_date or timezone.now().astimezone(dt.UTC).date()
        started = time.monotonic()
        stream = getattr(self.stderr, "_out", None)  # the raw stream: tqdm redraws its line in place
        on_terminal = bool(stream is not None and stream.isatty())
        try:
            with progress_bar(stream, desc="Writing demo rows", unit="row", enabled=on_terminal) as advance:
                summary = demo_organisation_create(
                    teams=teams,
                    agents_per_team=agents_per_team,
                    days=days,
                    end_date=end_date,
                    seed=seed,
                    on_rows_written=advance,
                )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Created {summary.teams} teams, {summary.users} users, {summary.tickets} tickets and "
            f"{summary.surveys} survey responses ({summary.date_from} to {summary.date_to}, seed {seed})."
        )
        customers = demo_customers_create(date_from=summary.date_from, date_to=summary.date_to, seed=seed)
        self.stdout.write(f"Created {customers} customers with their MRR history, named on the demo tickets.")
        if connection.vendor == "postgresql":
            # Planner statistics for the rows just written, before the snapshots read them: autovacuum may
            # not have come by yet, and on a never-analysed table the 730-day compute took over 9 minutes
            # instead of 48 s (bench/load.py's seed).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Ticket._meta.db_table}, {SurveyResponse._meta.db_table}")
        call_command("seed_targets", stdout=self.stdout._out, stderr=self.stderr._out)
        # Late surveys and solves of the last local day can fall on `end_date` in teams east of UTC.
        on_terminal = bool(stream is not None and stream.isatty())
        with progress_bar(stream, desc="Computing snapshots", unit="team", enabled=on_terminal) as advance:
            result = snapshots_compute(date_from=summary.date_from, date_to=end_date, on_team_done=advance)
        self.stdout.write(f"Computed {result.rows} snapshot rows.")
        # Reviews come last: their goals step from the agent's baseline, read from the snapshots.
        reviews = demo_reviews_create(
            teams=teams,
            agents_per_team=agents_per_team,
            date_from=summary.date_from,
            date_to=summary.date_to,
            seed=seed,
        )
        # Quality reviews last: a rubric, four weeks' samples reviewed, a calibration and an open dispute.
        quality = demo_quality_create(teams=teams, agents_per_team=agents_per_team, date_to=summary.date_to, seed=seed)
        # Their days were marked dirty: recompute them now so that IQS is on the pages when the command ends.
        snapshots_refresh_dirty()
        self.stdout.write(
            f"Created {quality['reviews']} quality reviews, {quality['calibrations']} calibration session(s) "
            f"and {quality['disputes']} open dispute(s)."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {reviews} coaching reviews; seeding, snapshots and reviews took "
                f"{time.monotonic() - started:.1f} s."
            )
        )
        call_command("demo_logins", stdout=self.stdout._out)
