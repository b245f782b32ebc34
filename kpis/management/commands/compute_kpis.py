"""Recompute KPI snapshots from the shell: a date range (backfill) or the pending dirty days."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from config.progress import progress_bar
from kpis.services import snapshots_compute, snapshots_refresh_dirty


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"“{value}” is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = "Compute daily KPI snapshots for a date range (--date-from/--date-to) or the dirty days (--dirty)."

    def add_arguments(self, parser):
        parser.add_argument("--date-from", type=_date)
        parser.add_argument("--date-to", type=_date)
        parser.add_argument("--team", action="append", default=None, help="Team slug; repeat for several.")
        parser.add_argument("--dirty", action="store_true", help="Refresh the days marked dirty by ingestion.")

    def handle(self, *args, date_from=None, date_to=None, team=None, dirty=False, **options):
        if dirty:
            cleared = snapshots_refresh_dirty()
            self.stdout.write(f"Refreshed {cleared} dirty team-day(s).")
            return
        if not date_from or not date_to:
            raise CommandError("Give --date-from and --date-to (YYYY-MM-DD), or --dirty.")
        if date_to < date_from:
            raise CommandError("--date-to is before --date-from.")
        team_ids = None
        if team:
            found = dict(Team.objects.filter(slug__in=team).values_list("slug", "pk"))
            missing = sorted(set(team) - set(found))
            if missing:
                raise CommandError(f"Unknown team slug(s): {', '.join(missing)}.")
            team_ids = list(found.values())
        stream = getattr(self.stderr, "_out", self.stderr)
        bar = progress_bar(stream, desc="Computing snapshots", unit="team", enabled=options["verbosity"] > 0)
        with bar as advance:
            result = snapshots_compute(date_from=date_from, date_to=date_to, team_ids=team_ids, on_team_done=advance)
        self.stdout.write(
            self.style.SUCCESS(
                f"Computed {result.rows} snapshot rows for {result.teams} team(s), {date_from} to {date_to}."
            )
        )
