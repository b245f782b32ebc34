"""Create the org-wide benchmark targets of SPEC §4 (idempotent)."""

import datetime as dt

from django.core.management.base import BaseCommand

from kpis.models import Scope, Target
from kpis.registry import BENCHMARKS, BUSINESS_HOURS_TWINS, KPIS
from kpis.services import target_save

RATIONALES = {
    "csat": "Customers who feel well served stay and buy again; 80 % is the industry benchmark.",
    "nps": "Loyalty drives referrals and renewals; a positive NPS means more promoters than detractors.",
    "ces": "Low-effort service reduces churn; 5 of 7 means most customers found it easy.",
    "aht": "Handling time sets staffing cost; 6 minutes keeps queues short without rushing customers.",
    "frt": "Customers expect chat and phone answered in seconds and email within the hour.",
    "resolution_time": "Problems solved within a day keep customers from chasing us on other channels.",
    "frt_business": "Within opening hours a first reply should come within the hour; nights and weekends do not count.",
    "resolution_time_business": "Solved within one business day (8 opening hours), counting only hours we are open.",
    "fcr": "Solving it the first time is the strongest driver of satisfaction and the cheapest contact.",
    "resolution_rate": "Most of what arrives each day should be solved, or the backlog grows.",
}
# Where one channel's target needs its own reason; keyed by (kpi, channel).
CHANNEL_RATIONALES = {
    ("frt", ""): "Across every channel, customers should hear from us within the hour on average; "
    "the per-channel targets say how fast each channel must be.",
}


class Command(BaseCommand):
    help = "Create the default org-wide targets from published industry benchmarks (skips existing ones)."

    def add_arguments(self, parser):
        parser.add_argument("--effective-from", type=dt.date.fromisoformat, default=dt.date(2000, 1, 1))
        parser.add_argument(
            "--business-hours",
            action="store_true",
            help="Also the business-hours FRT and resolution benchmarks (by default only their calendar twins).",
        )

    def handle(self, *args, effective_from, business_hours=False, **options):
        created = 0
        benchmarks = {
            key: figures for key, figures in BENCHMARKS.items() if business_hours or key[0] not in BUSINESS_HOURS_TWINS
        }
        for (kpi, channel), (value, stretch) in benchmarks.items():
            exists = Target.objects.filter(kpi=kpi, scope=Scope.ORG, channel=channel).exists()
            if exists:
                continue
            target_save(
                target=Target(
                    kpi=kpi,
                    scope=Scope.ORG,
                    channel=channel,
                    value=value,
                    stretch=stretch,
                    effective_from=effective_from,
                    rationale=CHANNEL_RATIONALES.get((kpi, channel), RATIONALES[kpi]),
                ),
                set_by=None,
            )
            created += 1
        self.stdout.write(f"{created} benchmark target(s) created; {len(benchmarks) - created} already present.")
        per_channel = {kpi for kpi, channel in benchmarks if channel}
        self.stdout.write(
            ", ".join(
                f"{KPIS[kpi].name} {channel or 'all channels'}" if kpi in per_channel else KPIS[kpi].name
                for kpi, channel in benchmarks
            )
        )
