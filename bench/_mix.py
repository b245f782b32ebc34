"""What the load test asks for, shared by bench/locustfile.py (the users) and bench/load.py (the
unloaded pass that measures each request alone)."""

from __future__ import annotations

import datetime as dt

# The periods people look at, and how often: a month mostly, a quarter, sometimes a year. A year is a
# custom range (the presets stop at 90 days), ending yesterday like the presets.
YESTERDAY = dt.date.today() - dt.timedelta(days=1)
PERIODS = {
    "30d": "period=30d",
    "90d": "period=90d",
    "365d": f"period=custom&date_from={YESTERDAY - dt.timedelta(days=364)}&date_to={YESTERDAY}",
}
PERIOD_WEIGHTS = {"30d": 6, "90d": 3, "365d": 2}
KPI_CODES = ["csat", "aht", "fcr", "frt"]
SNAPSHOTS_NAME = "/api/v1/snapshots/ (one team, one KPI, 30 days)"


def snapshots_query(team: int, kpi: str) -> str:
    """A reporting script's read: one team's agent rows of one KPI over the last 30 days."""
    date_from = YESTERDAY - dt.timedelta(days=29)
    return f"/api/v1/snapshots/?team={team}&scope=agent&kpi={kpi}&date_from={date_from}&date_to={YESTERDAY}"


def reads(*, team: int, agent: int) -> list[tuple[str, str, str]]:
    """(name, path, who) of every read in the mix, for one team and agent; who is leader, agent or token."""
    rows = [
        ("/teams/", "/teams/", "leader"),
        ("/teams/[id]/kpis/[kpi]/ 30d", f"/teams/{team}/kpis/csat/?period=30d", "leader"),
    ]
    for label, query in PERIODS.items():
        rows += [
            (f"/teams/[id]/ {label}", f"/teams/{team}/?{query}", "leader"),
            (f"/agents/[id]/ {label}", f"/agents/{agent}/?{query}", "leader"),
            (f"/me/ {label}", f"/me/?{query}", "agent"),
            (f"/api/v1/scorecards/agent/[id]/ {label}", f"/api/v1/scorecards/agent/{agent}/?{query}", "token"),
            (f"/api/v1/scorecards/team/[id]/ {label}", f"/api/v1/scorecards/team/{team}/?{query}", "token"),
        ]
    rows.append((SNAPSHOTS_NAME, snapshots_query(team, "csat"), "token"))
    rows.append(("/readyz", "/readyz", "anyone"))
    return rows
