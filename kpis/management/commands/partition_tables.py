"""`partition_tables`: show (default) or carry out (--apply) the snapshot table's monthly partitioning."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kpis.partitions import DEFAULT_MONTHS_AHEAD, snapshot_partition_plan, snapshot_partitions_apply


class Command(BaseCommand):
    help = (
        "PostgreSQL: partition the KPI snapshot table by month (docs/scaling.md says when). Without --apply, "
        "print the plan. With --apply, convert it (once) and create the months still missing; safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Carry out the plan (one transaction).")
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=DEFAULT_MONTHS_AHEAD,
            help=f"Create partitions this many months past the current one (default {DEFAULT_MONTHS_AHEAD}).",
        )

    def handle(self, *args, apply=False, months_ahead=DEFAULT_MONTHS_AHEAD, **options):
        if months_ahead < 0:
            raise CommandError("--months-ahead cannot be negative.")
        today = timezone.localdate()
        try:
            if apply:
                plan = snapshot_partitions_apply(today=today, months_ahead=months_ahead)
            else:
                plan = snapshot_partition_plan(today=today, months_ahead=months_ahead)
        except ValueError as error:
            raise CommandError(str(error)) from error
        for line in plan.lines():
            self.stdout.write(line)
        if apply:
            self.stdout.write(
                self.style.SUCCESS(f"Done: {len(plan.months_to_create)} monthly partition(s) created.")
                if plan.has_work
                else "Nothing to do."
            )
        elif plan.has_work:
            self.stdout.write("Run with --apply to carry this out.")
