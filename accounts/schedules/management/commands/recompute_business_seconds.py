"""Backfill: recompute Pulse's business seconds of every ticket (or one team's) from the schedules."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from accounts.schedules.services import business_seconds_recompute


class Command(BaseCommand):
    help = (
        "Recompute the business-hours first response and resolution seconds of tickets from the teams' schedules "
        "(tickets carrying the helpdesk's own figures are left as they are); marks the changed days dirty."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", metavar="SLUG", help="Only this team's tickets.")

    def handle(self, *args, team=None, **options):
        teams = Team.objects.all()
        if team:
            teams = teams.filter(slug=team)
            if not teams.exists():
                raise CommandError(f"No team with slug “{team}”.")
        examined = changed = days = 0
        for row in teams:  # one transaction per team
            result = business_seconds_recompute(teams=[row])
            examined += result.examined
            changed += result.changed
            days += result.dirty_days
            self.stdout.write(f"{row.slug}: {result.changed} of {result.examined} tickets changed")
        self.stdout.write(
            self.style.SUCCESS(f"{changed} of {examined} tickets changed; {days} team-days marked for refresh.")
        )
