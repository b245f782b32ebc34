"""The weekly draw as a Celery task and as a management command (thin wrappers over the service)."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from kpis.quality.models import Assignment
from kpis.quality.tasks import draw_weekly_assignments
from tests.factories import TicketFactory


def test_the_task_draws_last_week_once_per_team(team, other_team, settings):
    settings.QUALITY_SAMPLE_PER_AGENT = 2
    first = draw_weekly_assignments()
    assert len(first["assignments"]) == 2
    assert {a.per_agent for a in Assignment.objects.all()} == {2}
    assert draw_weekly_assignments() == {"assignments": []}


def test_the_command_reproduces_a_draw_from_its_seed(team, agent):
    for day in range(2, 8):
        TicketFactory(agent=agent, created_at=dt.datetime(2026, 3, day, 9, tzinfo=dt.UTC))
    out = io.StringIO()
    args = ["--team", team.slug, "--week", "2026-03-02", "--per-agent", "3", "--seed", "42"]
    call_command("draw_quality_samples", *args, stdout=out)
    assert "3 tickets, seed 42" in out.getvalue()
    drawn = list(Assignment.objects.get().items.values_list("ticket_id", flat=True))
    Assignment.objects.all().delete()
    call_command("draw_quality_samples", *args, stdout=io.StringIO())
    assert list(Assignment.objects.get().items.values_list("ticket_id", flat=True)) == drawn
    with pytest.raises(CommandError, match="drawn already"):
        call_command("draw_quality_samples", *args, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Monday"):
        call_command("draw_quality_samples", "--team", team.slug, "--week", "2026-03-03", stdout=io.StringIO())
