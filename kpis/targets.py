"""Which target is in force for a subject on a day (SPEC §4), and what status a value earns."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from .models import Scope, Target, TargetStatus
from .registry import KPIS, Direction


def targets_intersecting(date_from: dt.date, date_to: dt.date) -> list[Target]:
    """Every target in force on at least one day of [date_from, date_to], in one query."""
    return list(
        Target.objects.filter(effective_from__lte=date_to).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=date_from)
        )
    )


class TargetResolver:
    """Resolves the most specific target in force from an in-memory list of targets.

    Precedence: agent+channel, agent, team+channel, team, org+channel, org.
    """

    def __init__(self, targets: Iterable[Target]) -> None:
        self._by_key: dict[tuple, list[Target]] = defaultdict(list)
        for target in targets:
            subject = {Scope.AGENT: target.agent_id, Scope.TEAM: target.team_id, Scope.ORG: None}[target.scope]
            self._by_key[(target.kpi, target.scope, subject, target.channel)].append(target)

    def _in_force(self, key: tuple, day: dt.date) -> Target | None:
        for target in self._by_key.get(key, ()):
            if target.effective_from <= day and (target.effective_to is None or day <= target.effective_to):
                return target
        return None

    def resolve(
        self, *, kpi: str, day: dt.date, channel: str = "", agent_id: int | None = None, team_id: int | None = None
    ) -> Target | None:
        """The target in force for an agent (falling back to `team_id`), a team, or the org."""
        if not KPIS[kpi].has_target:
            return None
        candidates: list[tuple] = []
        if agent_id is not None:
            candidates += [(Scope.AGENT, agent_id)]
        if team_id is not None:
            candidates += [(Scope.TEAM, team_id)]
        candidates += [(Scope.ORG, None)]
        for scope, subject in candidates:
            channels = [channel, ""] if channel else [""]
            for each in channels:
                found = self._in_force((kpi, scope, subject, each), day)
                if found is not None:
                    return found
        return None


def target_status(kpi_code: str, value: float | None, target: Target | None) -> str:
    """met / excellent / missed / no_data (wins over no_target) / no_target."""
    return status_against(kpi_code, value, target.value if target else None, target.stretch if target else None)


def status_against(kpi_code: str, value: float | None, target_value: float | None, stretch: float | None) -> str:
    if value is None:
        return TargetStatus.NO_DATA
    kpi = KPIS[kpi_code]
    if target_value is None or kpi.direction == Direction.NONE:
        return TargetStatus.NO_TARGET
    if kpi.direction == Direction.HIGHER:
        if stretch is not None and value >= stretch:
            return TargetStatus.EXCELLENT
        return TargetStatus.MET if value >= target_value else TargetStatus.MISSED
    if stretch is not None and value <= stretch:
        return TargetStatus.EXCELLENT
    return TargetStatus.MET if value <= target_value else TargetStatus.MISSED
