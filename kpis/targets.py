"""Which target is in force for a subject on a day (SPEC §4), and what status a value earns."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from .formulas import status
from .models import TARGET_PRECEDENCE, Scope, Target, TargetStatus
from .registry import SNAPSHOT_KPIS, Direction


def targets_intersecting(date_from: dt.date, date_to: dt.date) -> list[Target]:
    """Every target in force on at least one day of [date_from, date_to], in one query."""
    return list(Target.objects.intersecting(date_from, date_to))


class TargetResolver:
    """Resolves the most specific target in force (TARGET_PRECEDENCE) from an in-memory list of targets."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self.targets = targets = list(targets)
        self._by_key: dict[tuple, list[Target]] = defaultdict(list)
        # Per KPI, the days on which some target starts or (the day after it) ends.
        self._changes: dict[str, set[dt.date]] = defaultdict(set)
        # Agents with a target of their own: every other agent resolves as their team does.
        self._agents_with_targets: set[int] = set()
        # `segments` answers, per question: a team of 100 asks the same one for each of its agents.
        self._segments: dict[tuple, list[tuple[dt.date, dt.date, Target | None]]] = {}
        for target in targets:
            if target.scope == Scope.AGENT:
                self._agents_with_targets.add(target.agent_id)
            self._changes[target.kpi].add(target.effective_from)
            if target.effective_to is not None:
                self._changes[target.kpi].add(target.effective_to + dt.timedelta(days=1))
            subject = {Scope.AGENT: target.agent_id, Scope.TEAM: target.team_id, Scope.ORG: None}[target.scope]
            self._by_key[(target.kpi, target.scope, subject, target.channel)].append(target)

    def _in_force(self, key: tuple, day: dt.date) -> Target | None:
        return next((target for target in self._by_key.get(key, ()) if target.in_force_on(day)), None)

    def resolve(
        self, *, kpi: str, day: dt.date, channel: str = "", agent_id: int | None = None, team_id: int | None = None
    ) -> Target | None:
        """The target in force for an agent (falling back to `team_id`), a team, or the org."""
        if not SNAPSHOT_KPIS[kpi].has_target:
            return None
        subjects = {Scope.AGENT: agent_id, Scope.TEAM: team_id, Scope.ORG: None}
        for scope, channel_specific in TARGET_PRECEDENCE:
            if (scope != Scope.ORG and subjects[scope] is None) or (channel_specific and not channel):
                continue
            found = self._in_force((kpi, scope, subjects[scope], channel if channel_specific else ""), day)
            if found is not None:
                return found
        return None

    def changes_within(self, date_from: dt.date, date_to: dt.date) -> bool:
        """Whether any target starts or ends strictly inside [date_from, date_to] (so figures need daily sums)."""
        return bool(self.change_days_within(date_from, date_to))

    def change_days_within(self, date_from: dt.date, date_to: dt.date) -> list[dt.date]:
        """The days strictly inside [date_from, date_to] on which a target of any KPI starts or ends, in
        order: every run of `segments` starts on one of them, whatever the KPI, subject or channel."""
        return sorted({day for days in self._changes.values() for day in days if date_from < day <= date_to})

    def segments(
        self,
        *,
        kpi: str,
        date_from: dt.date,
        date_to: dt.date,
        channel: str = "",
        agent_id: int | None = None,
        team_id: int | None = None,
    ) -> list[tuple[dt.date, dt.date, Target | None]]:
        """The runs of days of [date_from, date_to] that one target (or none) governs, in date order (a list
        shared by every caller asking the same: read it, never change it)."""
        if agent_id not in self._agents_with_targets:
            agent_id = None  # no agent-level target to find: the agent's runs are their team's
        key = (kpi, date_from, date_to, channel, agent_id, team_id)
        if key not in self._segments:
            self._segments[key] = self._runs(kpi, date_from, date_to, channel, agent_id, team_id)
        return self._segments[key]

    def _runs(
        self, kpi, date_from, date_to, channel, agent_id, team_id
    ) -> list[tuple[dt.date, dt.date, Target | None]]:
        starts = [date_from, *sorted(day for day in self._changes.get(kpi, ()) if date_from < day <= date_to)]
        runs: list[tuple[dt.date, dt.date, Target | None]] = []
        for index, start in enumerate(starts):
            end = starts[index + 1] - dt.timedelta(days=1) if index + 1 < len(starts) else date_to
            target = self.resolve(kpi=kpi, day=start, channel=channel, agent_id=agent_id, team_id=team_id)
            if runs and runs[-1][2] == target:
                runs[-1] = (runs[-1][0], end, target)
            else:
                runs.append((start, end, target))
        return runs


def target_status(kpi_code: str, value: float | None, target: Target | None) -> str:
    """met / excellent / missed / no_data (wins over no_target) / no_target."""
    return status_against(kpi_code, value, target.value if target else None, target.stretch if target else None)


def status_against(kpi_code: str, value: float | None, target_value: float | None, stretch: float | None) -> str:
    if value is None:
        return TargetStatus.NO_DATA
    kpi = SNAPSHOT_KPIS[kpi_code]
    if target_value is None or kpi.direction == Direction.NONE:
        return TargetStatus.NO_TARGET
    return TargetStatus(status(value, target_value, stretch, higher_is_better=kpi.direction == Direction.HIGHER))
