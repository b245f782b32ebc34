"""The shell side of an import, shared by `import_tickets` and `import_surveys`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from config.errors import ApplicationError
from tickets.batch import MAX_BATCH_SIZE

from .profiles import BUILTIN_PROFILES, DEFAULT_PROFILE, profile_load
from .service import ImportReport, ImportStopped, rows_count, rows_import


class ImportCommand(BaseCommand):
    """Thin: parse options, call the import service, print a summary and every bad row."""

    kind: str = ""

    def add_arguments(self, parser) -> None:
        builtins = "|".join(p.name for p in BUILTIN_PROFILES.values() if p.kind == self.kind)
        parser.add_argument("file", help="The CSV export (UTF-8, with or without BOM).")
        parser.add_argument(
            "--profile",
            default=DEFAULT_PROFILE[self.kind],
            help=f"{builtins}, or the path of a JSON/TOML mapping file (default {DEFAULT_PROFILE[self.kind]}).",
        )
        parser.add_argument("--create-missing", action="store_true", help="Create unknown agents and teams.")
        parser.add_argument("--dry-run", action="store_true", help="Validate every row; write nothing.")
        parser.add_argument("--strict", action="store_true", help="Abort and write nothing at the first bad row.")
        parser.add_argument("--timezone", help="IANA time zone of naive timestamps (overrides the profile).")
        parser.add_argument("--errors-csv", help="Write every bad row (line, column, reason) to this CSV.")
        parser.add_argument(
            "--chunk-size", type=int, default=MAX_BATCH_SIZE, help=f"Rows per batch (1–{MAX_BATCH_SIZE})."
        )
        parser.add_argument(
            "--as-user",
            help="Import in this user's name and within their write scope (a leader: only the teams they lead). "
            "Without it the operator's shell writes for every team.",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if not 1 <= options["chunk_size"] <= MAX_BATCH_SIZE:
            raise CommandError(f"--chunk-size must be between 1 and {MAX_BATCH_SIZE}.")
        actor = None
        if options["as_user"]:
            actor = User.objects.filter(username=options["as_user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user “{options['as_user']}”.")
        try:
            profile = profile_load(name_or_path=options["profile"], kind=self.kind, timezone=options["timezone"])
            total = rows_count(path=path)
            # The bar writes to the command's stderr stream itself (OutputWrapper would add newlines).
            stream = getattr(self.stderr, "_out", self.stderr)
            bar = tqdm(
                total=total, unit="row", desc=f"Importing {self.kind}", file=stream, disable=options["verbosity"] == 0
            )
            with bar:

                def progress(report: ImportReport) -> None:
                    bar.update(report.rows_read - bar.n)

                report = rows_import(
                    path=path,
                    profile=profile,
                    create_missing=options["create_missing"],
                    dry_run=options["dry_run"],
                    strict=options["strict"],
                    chunk_size=options["chunk_size"],
                    errors_csv=options["errors_csv"],
                    progress=progress,
                    actor=actor,
                )
        except ImportStopped as stop:  # part of the file was read: show what it did, then why it stopped
            self._summary(stop.report, options)
            raise CommandError(stop.message) from stop
        except ApplicationError as error:
            details = "".join(f"\n  {key}: {message}" for key, messages in error.errors.items() for message in messages)
            raise CommandError(f"{error.message}{details}") from error
        self._summary(report, options)
        if report.aborted:
            first = report.errors[0]
            raise CommandError(
                f"--strict: aborted at {str(first).rstrip('.')}. Nothing was written: fix line {first.line} "
                "and import the file again."
            )

    def _summary(self, report: ImportReport, options: dict) -> None:
        for error in report.errors:
            self.stdout.write(str(error))
        if report.errors_total > len(report.errors):
            more = report.errors_total - len(report.errors)
            where = f" in {options['errors_csv']}" if options["errors_csv"] else "; use --errors-csv PATH for all"
            self.stdout.write(f"… and {more} more errors{where}.")
        prefix = "Dry run, nothing written: would have " if report.dry_run else ""
        self.stdout.write(
            f"{prefix}{report.rows_read} rows read: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.failed} failed."
        )
        extras = []
        if report.surveys_created or report.surveys_updated:
            extras.append(f"{report.surveys_created} CSAT responses created, {report.surveys_updated} updated")
        if report.teams_created or report.agents_created:
            extras.append(f"{report.teams_created} teams and {report.agents_created} agents created")
        if report.snapshots_refreshed:
            extras.append(f"{report.snapshots_refreshed} team-days of snapshots recomputed")
        if extras:
            self.stdout.write("; ".join(extras) + ".")
        if report.errors_total and options["errors_csv"]:
            self.stdout.write(f"Errors written to {options['errors_csv']}.")
