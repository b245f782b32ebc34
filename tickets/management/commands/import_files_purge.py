"""`import_files_purge`: delete uploaded import files older than the retention (the beat task runs it daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tickets.importing.runs import import_files_purge


class Command(BaseCommand):
    help = "Delete the CSV, mapping and error files of import runs older than IMPORT_RETENTION_DAYS; keep the runs."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            help=f"Retention in days (default IMPORT_RETENTION_DAYS, {settings.IMPORT_RETENTION_DAYS}).",
        )

    def handle(self, *args, **options) -> None:
        if options["days"] is not None and options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        purged = import_files_purge(retention_days=options["days"])
        self.stdout.write(f"Deleted the files of {purged} import runs.")
