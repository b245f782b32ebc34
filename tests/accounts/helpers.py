"""The demo seed at the SMALL size the seed_demo tests share (tests/accounts/test_seed_demo*.py)."""

import datetime as dt
import io

from django.core.management import call_command
from django.db.models import Q

from tickets.models import SOLVED_STATUSES

END_DATE = dt.date(2026, 3, 31)
FIRST_DAY, LAST_DAY = dt.date(2026, 3, 17), dt.date(2026, 3, 30)
SMALL = ["--teams", "2", "--agents-per-team", "3", "--days", "14", "--end-date", "2026-03-31"]
SOLVED = Q(solved_at__isnull=False, status__in=SOLVED_STATUSES)


def seed(*extra: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *SMALL, *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()
