"""Pages of the KPI engine: team dashboards, agent scorecards, drill-down, targets and pitfalls.

Views are thin: objects are looked up through `accounts.scoping` (out of scope is 404) and
every figure comes from `kpis.selectors`; templates only format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accounts import scoping
from accounts.models import User
from kpis.reviews.selectors import goals_for_agent, goals_for_team, reviews_for_agent
from tickets.models import Channel

from . import page_cache, pitfalls, selectors, services
from .decorators import period_page
from .exports import records_csv_response
from .formatting import format_value
from .forms import (
    PeriodForm,
    PitfallConfirmForm,
    RecordsForm,
    TargetForm,
    grid_statistic,
    statistic_links,
    statistic_query,
)
from .models import STATISTIC_PREFIXES, PitfallConfirmation, Scope, Statistic, Target
from .outcomes.views import outcome_panel, outcome_report
from .registry import KPIS, Source
from .targets import TargetResolver
from .templatetags.pulse import (
    agent_group_html,
    category_label,
    coaching_item_html,
    figure_row_html,
    without_record_links,
)

RECORDS_PER_PAGE = 50
NO_CATEGORY = selectors.NO_CATEGORY  # the breakdown's row name, read back by the drill-down


# ---- helpers -----------------------------------------------------------------------------


def _chart_data(
    datasets: dict[str, dict[str, list[selectors.SeriesPoint]]],
    figures,
    grain: selectors.Grain,
    statistic: str = Statistic.MEAN,
) -> dict:
    """Every KPI's trend per day, week or month, shaped for static/js/charts.js (read through json_script).

    Dates are ISO (the script adds the year where the range spans years); each point carries its
    value as the pages write it (`text`), its sample size `n` and whether it is low-confidence
    (fewer than KPI_MIN_SAMPLE records). A time KPI's trend is that of `statistic` (mean, median or p90), its
    name says which.
    """
    first = next(iter(next(iter(datasets.values())).values()))
    charts, has_low_confidence = [], False
    for code, kpi in KPIS.items():
        shown = statistic if kpi.has_distribution else Statistic.MEAN
        shown_datasets = []
        for label, series in datasets.items():
            points = series[code]
            # Each point's value, n and flag computed once (the value was read three times, n twice).
            values = [point.statistic_value(shown) for point in points]
            sizes = [point.sample_size for point in points]
            low = [kpi.low_confidence(n) for n in sizes]
            has_low_confidence = has_low_confidence or any(low)
            shown_datasets.append(
                {
                    "label": label,
                    "data": [None if value is None else round(value, 3) for value in values],
                    "text": [format_value(kpi, value) for value in values],
                    "n": sizes,
                    "low_confidence": low,
                }
            )
        charts.append(
            {
                "code": code,
                "name": kpi.name if shown == Statistic.MEAN else f"{kpi.name} ({STATISTIC_PREFIXES[shown]})",
                "unit": kpi.unit.value,
                "decimals": kpi.decimals,
                "records": kpi.denominator_text,
                "scale_min": kpi.lower_bound,
                "scale_max": kpi.upper_bound,
                "target": figures[code].target_value,
                "datasets": shown_datasets,
            }
        )
    return {
        "grain": grain.value,
        "min_sample": settings.KPI_MIN_SAMPLE,
        "labels": [point.date_from.isoformat() for point in first],
        "ends": [point.date_to.isoformat() for point in first],
        "has_low_confidence": has_low_confidence,
        "charts": charts,
    }


# An id no subject has: put where a subject's id goes in a reversed URL, then replaced by each subject's own.
# A grid links every cell, and a reverse costs more than the cell it links from.
_ID_SLOT = 2_147_483_647


def _link_maker(url_name: str, query: str, *args):
    """`link(pk)`: the URL `url_name` of the subject `pk` (then `args`), with `query`; one reverse in all."""
    before, after = reverse(url_name, args=[_ID_SLOT, *args]).split(str(_ID_SLOT))
    return lambda pk: f"{before}{pk}{after}?{query}"


def _drill_down_link(url_name: str, query: str):
    """`link(pk, code)`: the drill-down URL of one subject's KPI, with `query`; one reverse per KPI."""
    links = {code: _link_maker(url_name, query, code) for code in KPIS}
    return lambda pk, code: links[code](pk)


@dataclass
class GridRow:
    """One line of a figures grid: its cells, details and missed targets built once in Python
    (kpis.templatetags.pulse.figure_row_html), not per cell by the template."""

    label: str
    cells: SafeString
    details: SafeString = field(default_factory=SafeString)
    # The targets missed, "; "-separated, for the needs-coaching list.
    missed_html: SafeString = field(default_factory=SafeString)
    # Which targets were missed, and how many of them on too few records to judge: the needs-coaching rule.
    misses: selectors.TargetMisses = field(default_factory=selectors.TargetMisses)
    url: str = ""
    agent: User | None = None
    # An agent's row in the grid of a team they have left: the figures of their days there, no coaching offered.
    former_member: bool = False

    @property
    def missed_count(self) -> int:
        return self.misses.count


def _grid_row(
    label: str,
    figures,
    kpis,
    *,
    link=None,
    pk=None,
    details: bool = True,
    statistic: str = Statistic.MEAN,
    sample_sizes: bool = False,
    **extra,
) -> GridRow:
    """A grid row of `figures`; with `link`, each cell links to its records (`link(pk, code)`); a time KPI's cell
    shows `statistic` (mean, median or p90); with `sample_sizes`, every cell shows its n (not only a low one's)."""
    link_for = (lambda code: link(pk, code)) if link else None
    html = figure_row_html(figures, kpis, link_for, details=details, statistic=statistic, sample_sizes=sample_sizes)
    missed = SafeString("; ".join(html.missed))  # each item escaped by figure_row_html
    return GridRow(
        label=label,
        cells=html.cells,
        details=html.details,
        missed_html=missed,
        misses=selectors.target_misses(figures, kpis),
        **extra,
    )


def _breakdown_rows(groups, kpis, *, link, pk: int, name: str) -> list[GridRow]:
    """A breakdown table's rows from (label, filter value, figures): each cell links to the records of its
    group (the period's query plus `name`=value)."""
    rows = []
    for label, value, figures in groups:
        filtered = urlencode({name: value})
        rows.append(
            _grid_row(
                label, figures, kpis, link=lambda pk, code, q=filtered: f"{link(pk, code)}&{q}", pk=pk, details=False
            )
        )
    return rows


def _channel_groups(breakdown: dict[str, dict[str, selectors.KpiFigure]]) -> list[tuple[str, str, dict]]:
    labels = dict(Channel.choices)
    return [(labels.get(channel, channel), channel, figures) for channel, figures in breakdown.items()]


def _org_row(figures, kpis, statistic: str = Statistic.MEAN) -> GridRow:
    return _grid_row("Organisation", figures, kpis, statistic=statistic)


def _grid_body(rows: list[GridRow], columns: int) -> SafeString:
    """The grid's agent groups, one <tbody> per agent (`agent_group_html`), in the rows' order."""
    # Every part escaped by agent_group_html or figure_row_html.
    return mark_safe("".join(agent_group_html(row, columns) for row in rows))


def _needs_coaching(rows: list[GridRow], *, can_review: bool) -> SafeString:
    """The needs-coaching list's items: agents who missed at least one target on enough records to judge, most misses
    first, with a link to start a review of each when the viewer may (`can_review`). Agents whose every miss rests on
    too few records are named apart (`_too_few_to_judge`): coaching on a handful of tickets is coaching on noise."""
    judged = (row for row in rows if row.misses.needs_coaching)
    missed = sorted(judged, key=lambda row: (-row.missed_count, row.label))
    review = reverse("review_new")
    # Every part escaped by coaching_item_html or figure_row_html.
    return mark_safe(
        "".join(coaching_item_html(row, f"{review}?agent={row.agent.pk}" if can_review else "") for row in missed)
    )


def _too_few_to_judge(rows: list[GridRow]) -> list[GridRow]:
    """The agents who missed targets only on low-confidence figures (fewer records than KPI_MIN_SAMPLE), by name."""
    return [row for row in rows if row.misses.too_few_to_judge]


# ---- teams -------------------------------------------------------------------------------


# The KPIs every team's line of the overview shows, targeted or not: satisfaction, first-contact resolution and
# handling time (quality and efficiency side by side). Volume comes first, every other KPI where a target judges it.
OVERVIEW_HEADLINE_KPIS = ("csat", "fcr", "aht")


def _overview_kpis(overview: list[selectors.TeamOverview]) -> list:
    """The teams overview's columns: volume, then the headline KPIs and every KPI a target judges for at least one of
    the teams shown, in the registry's order (a missed target always has its column; a team without a target on a
    column shows its value unjudged)."""
    judged = {
        code
        for line in overview
        for code, figure in line.figures.items()
        if figure.target is not None or figure.target_changes
    }
    shown = judged | set(OVERVIEW_HEADLINE_KPIS)
    return [KPIS["volume"], *(kpi for code, kpi in KPIS.items() if code in shown and code != "volume")]


def _teams_overview(teams: list, period) -> list[selectors.TeamOverview]:
    """`selectors.teams_overview` of `teams`: its figures and agents' misses from the figures cache or built into it,
    under the versions of every one of them (a write to any shown team changes the key; one query) and the targets of
    the period; the coaching counted for each request, on the teams' current members. The entry holds figures and
    misses by team id; the teams themselves (names, leaders, agent counts, members) are the request's."""
    if not teams:
        return []
    resolver = selectors.period_targets(period)
    figures = page_cache.cached_figures(
        "teams_overview",
        version=selectors.teams_figures_version(teams=teams, period=period),
        resolver=resolver,
        using=selectors.snapshots_database(),
        parts=(tuple(team.pk for team in teams), period),
        build=lambda: {
            line.team.pk: (line.figures, line.agent_misses)
            for line in selectors.teams_overview_figures(teams=teams, period=period, resolver=resolver)
        },
    )
    overview = [selectors.TeamOverview(team, *figures[team.pk]) for team in teams]
    selectors.count_coaching(overview)
    return overview


@dataclass
class _OverviewLine:
    """One team of the teams overview as the template shows it."""

    team: object
    line: selectors.TeamOverview
    row: GridRow
    dashboard_url: str
    # The KPIs whose target the team missed: (name, whether on a low sample).
    missed: list[tuple[str, bool]]


@period_page
@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    """The teams the user may open (a leader's own teams; every team for HR and admins), each with its figures over a
    period against its targets and how many of its agents need coaching: one read of the snapshots for all of them."""
    if not scoping.sees_team_pages(request.user):
        raise Http404
    teams = list(
        scoping.teams_with_detail(request.user)
        .annotate(agent_count=Count("agents", filter=Q(agents__is_active=True, agents__role="agent")))
        .prefetch_related("leaders")
        .order_by("name")
    )
    period_form = PeriodForm(request.GET)
    period, preset = period_form.resolve()
    period_query = period_form.query()
    overview = _teams_overview(teams, period)
    kpis = _overview_kpis(overview)
    team_link = _drill_down_link("team_records", period_query)
    dashboard_link = _link_maker("team_dashboard", period_query)
    lines = []
    for line in overview:
        row = _grid_row(
            line.team.name, line.figures, kpis, link=team_link, pk=line.team.pk, details=False, sample_sizes=True
        )
        missed = [(KPIS[code].name, line.figures[code].low_confidence) for code in row.misses.codes]
        lines.append(_OverviewLine(line.team, line, row, dashboard_link(line.team.pk), missed))
    # Who needs attention first: the most agents to coach, then the most targets missed; then by name, the teams
    # without data in the period last.
    lines.sort(
        key=lambda item: (
            not item.line.has_data,
            -item.line.needs_coaching,
            -item.row.misses.count,
            item.team.name.casefold(),
        )
    )
    context = {
        "teams": teams,
        "lines": lines,
        "kpis": kpis,
        "period": period,
        "preset": preset,
        "period_form": period_form,
        "period_query": period_query,
        "has_targets": any(figure.target is not None for line in overview for figure in line.figures.values()),
    }
    return render(request, "kpis/team_list.html", context)


@dataclass(frozen=True)
class DashboardFigures:
    """Every figure of a team dashboard as shown, for one period: what `kpis.page_cache` keeps. The agents
    themselves (who they are, their names) are read for each request; their rows are keyed by id."""

    agent_rows: dict[int, GridRow]
    # The agents with snapshot rows in the period (an agent who left the team keeps their row).
    agents_with_data: list[int]
    team_row: GridRow
    channels: list[GridRow]
    categories: list[GridRow]
    chart_data: dict
    has_data: bool
    has_csat_target: bool


def _dashboard_figures(
    team, period, grain, resolver, period_query: str, kpis, read: dict, statistic: str = Statistic.MEAN
) -> DashboardFigures:
    """The dashboard's figures from the snapshots (3 queries: the sums, the agents, and the stretch sums only
    when a target changed inside the period); the agents it read go in `read["agents"]`, the org row (read in
    the same query, cached apart under the org's stamp) in `read["org_row"]`."""
    # The agents' medians and trend's are read where the grid or the charts show them, or a target judges them.
    shown = statistic != Statistic.MEAN
    dashboard = selectors.team_dashboard(
        team=team,
        period=period,
        grain=grain,
        resolver=resolver,
        agent_quantiles=shown or any(target.statistic != Statistic.MEAN for target in resolver.targets),
        series_quantiles=shown,
    )
    read["agents"] = [row.agent for row in dashboard.agents]
    read["org_row"] = _org_row(dashboard.org_figures, kpis, statistic)
    agent_link = _drill_down_link("agent_records", period_query)
    team_link = _drill_down_link("team_records", period_query)
    shown = {"statistic": statistic}  # the grid's time KPIs (breakdowns have no distributions: their means)
    return DashboardFigures(
        agent_rows={
            row.agent.pk: _grid_row("", row.figures, kpis, link=agent_link, pk=row.agent.pk, **shown)
            for row in dashboard.agents
        },
        agents_with_data=dashboard.agents_with_data,
        team_row=_grid_row(f"Team {team.name}", dashboard.team_figures, kpis, link=team_link, pk=team.pk, **shown),
        channels=_breakdown_rows(_channel_groups(dashboard.channels), kpis, link=team_link, pk=team.pk, name="channel"),
        categories=_breakdown_rows(
            [(category_label(category), category, figures) for category, figures in dashboard.categories],
            kpis,
            link=team_link,
            pk=team.pk,
            name="category",
        ),
        chart_data=_chart_data({team.name: dashboard.series}, dashboard.team_figures, grain, statistic),
        has_data=any(figure.sample_size for figure in dashboard.team_figures.values()),
        has_csat_target=dashboard.team_figures["csat"].target is not None,
    )


@dataclass
class _DashboardEntries:
    """What a team dashboard reads from the figures cache (or builds into it) for one period and statistic."""

    resolver: TargetResolver
    kpis: list
    team_version: tuple | None
    figures: DashboardFigures
    org_row: GridRow
    # The agents and the org row when the figures were built by this read (else read apart).
    read: dict


def _dashboard_entries(team, period, period_query: str, statistic: str) -> _DashboardEntries:
    """The team's figures under the team's stamp and the org row under the org's, from the cache or built
    into it: a write to another team leaves this team's entry in place, and the org row is one more cached
    read. The page and the worker's warm-up (`warm_team_dashboards`) share it, so they share the keys."""
    grain = selectors.series_grain(period)
    resolver = selectors.period_targets(period)
    kpis = selectors.dashboard_kpis(resolver)
    read: dict = {}  # the agents and the org row, read with the figures (or alone when they come from the cache)
    team_version, org_version = selectors.figures_versions(team=team, period=period)
    figures = page_cache.cached_figures(
        "team_dashboard",
        version=team_version,
        resolver=resolver,
        using=selectors.snapshots_database(),
        parts=(team.pk, team.name, period, grain, period_query, statistic),
        build=lambda: _dashboard_figures(team, period, grain, resolver, period_query, kpis, read, statistic),
    )
    org_row = _cached_org_row(period, resolver, kpis, org_version, statistic, built=read.get("org_row"))
    return _DashboardEntries(resolver, kpis, team_version, figures, org_row, read)


def _cached_org_row(period, resolver, kpis, org_version, statistic: str, built: GridRow | None = None) -> GridRow:
    """The dashboards' org row, cached under the org's count (the same for every team): `built` when the team's
    figures read it in the same query, else its own scorecard read."""
    return page_cache.cached_figures(
        "org_row",
        version=org_version,
        resolver=resolver,
        using=selectors.snapshots_database(),
        parts=(period, statistic),
        build=lambda: (
            built
            or _org_row(
                selectors.scorecard(scope=Scope.ORG, subject=None, period=period, resolver=resolver), kpis, statistic
            )
        ),
    )


# The periods whose dashboards the worker builds after a team's refresh (`warm_team_dashboards`): the presets
# that end yesterday, the default first. "Today" and "this month" change with every live write: read on demand.
WARMED_PRESETS = ("30d", "7d", "90d")


def warm_team_dashboards(team) -> int:
    """Build a team's dashboard figures for the WARMED_PRESETS (the grid's default statistic) into the cache, as
    the page would on its first read; run by the worker after the team's refresh (`kpis.tasks.warm_team_pages`),
    so the first leader to open the dashboard after new data reads it from the cache. A period whose days the
    refresh did not touch is already cached under its key: a cache read. Returns the periods looked at (none with
    the cache off: what it built would be thrown away)."""
    if not settings.KPI_PAGE_CACHE_SECONDS:
        return 0
    for preset in WARMED_PRESETS:
        form = PeriodForm({selectors.PERIOD_PARAM: preset})
        period, _ = form.resolve()
        entries = _dashboard_entries(team, period, form.query(), Statistic.MEAN)
        # The outcomes panel's report too (the same for every viewer; who may read it is decided per request).
        outcome_report(period=period, team=team, resolver=entries.resolver, version=entries.team_version)
    return len(WARMED_PRESETS)


def warm_org_rows() -> int:
    """Build the dashboards' org row for the WARMED_PRESETS into the cache; run by the worker after the org re-sum
    (`kpis.tasks.warm_org_pages`), whose new count the rows a team's warm-up built just before do not carry.
    Returns the periods looked at (none with the cache off)."""
    if not settings.KPI_PAGE_CACHE_SECONDS:
        return 0
    for preset in WARMED_PRESETS:
        period, _ = PeriodForm({selectors.PERIOD_PARAM: preset}).resolve()
        resolver = selectors.period_targets(period)
        version = selectors.figures_version(team=None, period=period)
        _cached_org_row(period, resolver, selectors.dashboard_kpis(resolver), version, Statistic.MEAN)
    return len(WARMED_PRESETS)


@period_page
@login_required
def team_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """Agents × KPIs of one team for a period, with team and org rows, charts and breakdowns."""
    team = get_object_or_404(scoping.teams_with_detail(request.user), pk=pk)
    period_form = PeriodForm(request.GET)
    period, preset = period_form.resolve()
    period_query = period_form.query()
    statistic = grid_statistic(request.GET)
    entries = _dashboard_entries(team, period, period_query, statistic)
    resolver, kpis, figures, read = entries.resolver, entries.kpis, entries.figures, entries.read
    agents = read.get("agents")
    if agents is None:
        agents = list(selectors.team_agents(team=team, with_data=figures.agents_with_data))
    agent_link = _drill_down_link("agent_records", period_query)
    scorecard_link = _link_maker("agent_scorecard", period_query)
    rows = []
    for agent in sorted(agents, key=lambda agent: str(agent).casefold()):
        row = figures.agent_rows.get(agent.pk)
        if row is None:  # joined the team since the figures were read: no data in the period
            empty = selectors.agent_figures_without_data(agent=agent, team=team, period=period, resolver=resolver)
            row = _grid_row("", empty, kpis, link=agent_link, pk=agent.pk, statistic=statistic)
        # An agent who moved keeps the figures of their days here; their scorecard is linked only to who may open it.
        if scoping.can_see_agent(request.user, agent):
            url = scorecard_link(agent.pk)
        else:  # nor their drill-downs: the team's own drill-down lists their records of the team's days
            url = ""
            row = replace(row, cells=without_record_links(row.cells), details=without_record_links(row.details))
        rows.append(replace(row, label=str(agent), agent=agent, url=url, former_member=agent.team_id != team.pk))
    columns = len(kpis) + 2  # agent, missed, a KPI each
    can_manage = scoping.can_manage_team(request.user, team)
    # Coaching is offered for the team's own agents: one who moved is their new leader's to coach.
    members = [row for row in rows if not row.former_member]
    context = {
        "team": team,
        "period": period,
        "preset": preset,
        "period_form": period_form,
        "period_query": period_query,
        "kpis": kpis,
        "statistic": statistic,
        "statistic_links": statistic_links(period_query, statistic),
        "statistic_query": statistic_query(statistic),
        "columns": columns,
        "rows": rows,
        "grid_body": _grid_body(rows, columns),
        "team_row": figures.team_row,
        "org_row": entries.org_row,
        "needs_coaching": _needs_coaching(members, can_review=can_manage),
        "too_few_to_judge": _too_few_to_judge(members),
        "has_data": figures.has_data,
        "has_csat_target": figures.has_csat_target,
        "channels": figures.channels,
        "categories": figures.categories,
        "chart_data": figures.chart_data,
        "goals": goals_for_team(team=team, viewer=request.user),
        "can_manage": can_manage,
        "outcomes": outcome_panel(
            user=request.user, period=period, team=team, resolver=resolver, version=entries.team_version
        ),
        "link_org_outcomes": scoping.sees_org_outcomes(request.user),
    }
    return render(request, "kpis/team_dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_pitfalls(request: HttpRequest, pk: int) -> HttpResponse:
    """The five KPI pitfalls evaluated for a team's targets and data now; leaders confirm each with a note."""
    team = get_object_or_404(scoping.teams_with_detail(request.user), pk=pk)
    can_confirm = scoping.can_manage_team(request.user, team)
    failed_form = None
    if request.method == "POST":
        if not can_confirm:
            raise Http404
        form = PitfallConfirmForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["number"]
            services.pitfall_confirm(team=team, number=number, note=form.cleaned_data["note"], user=request.user)
            messages.success(request, f"Pitfall {number} confirmed.")
            return redirect(f"{reverse('team_pitfalls', args=[team.pk])}#pitfall-{number}")
        failed_form = form
    confirmations = {c.number: c for c in PitfallConfirmation.objects.filter(team=team).select_related("confirmed_by")}
    items = []
    for check in pitfalls.team_pitfalls(team=team):
        form = PitfallConfirmForm(initial={"number": check.number})
        if failed_form is not None and failed_form.data.get("number") == str(check.number):
            form = failed_form
        items.append({"check": check, "confirmation": confirmations.get(check.number), "form": form})
    context = {"team": team, "items": items, "can_confirm": can_confirm}
    return render(request, "kpis/team_pitfalls.html", context)


# ---- agents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardFigures:
    """Every figure of an agent's scorecard as shown, for one period: what `kpis.page_cache` keeps (nothing in it
    depends on the viewer; the agent's and team's names label the chart and are part of the key)."""

    card: selectors.AgentScorecard
    channels: list[GridRow]
    chart_data: dict
    # When the rows behind these figures were computed ("figures updated N s ago"): they change with the key.
    updated_at: dt.datetime | None
    # The KPI table as HTML, rendered once per figure set (about half of a cached scorecard's rendering).
    kpi_table: str = ""


def _scorecard_figures(
    agent: User, period, grain, resolver, period_query: str, statistic: str = Statistic.MEAN
) -> ScorecardFigures:
    """The scorecard's figures from the snapshots (2 queries, 3 when a target changed inside the period)."""
    card = selectors.agent_scorecard(
        agent=agent, period=period, grain=grain, resolver=resolver, series_quantiles=statistic != Statistic.MEAN
    )
    series = {str(agent): card.series}
    if card.team_series is not None:
        series[f"{agent.team} (team)"] = card.team_series
    kpi_table = render_to_string(
        "kpis/_scorecard_kpis.html",
        {
            "agent": agent,
            "kpis": list(KPIS.values()),
            "figures": card.figures,
            "team_figures": card.team_figures,
            "period_query": period_query,
        },
    )
    return ScorecardFigures(
        kpi_table=kpi_table,
        card=card,
        channels=_breakdown_rows(
            _channel_groups(card.channels),
            list(KPIS.values()),
            link=_drill_down_link("agent_records", period_query),
            pk=agent.pk,
            name="channel",
        ),
        chart_data=_chart_data(series, card.figures, grain, statistic),
        updated_at=selectors.figures_updated_at(scope=Scope.AGENT, subject=agent, period=period),
    )


def _scorecard_page(request: HttpRequest, agent: User, *, own: bool) -> HttpResponse:
    period_form = PeriodForm(request.GET)
    period, preset = period_form.resolve()
    period_query = period_form.query()
    grain = selectors.series_grain(period)
    statistic = grid_statistic(request.GET)  # what the time KPIs' trends show
    resolver = selectors.period_targets(period)
    # Keyed by the stamps of the teams whose computations wrote the agent's rows (and of their team): a write to
    # another team leaves this entry in place.
    shown = page_cache.cached_figures(
        "scorecard",
        version=selectors.agent_figures_version(agent=agent, period=period),
        resolver=resolver,
        using=selectors.snapshots_database(),
        parts=(agent.pk, str(agent), agent.team_id, str(agent.team or ""), period, grain, period_query, statistic),
        build=lambda: _scorecard_figures(agent, period, grain, resolver, period_query, statistic),
    )
    card = shown.card
    figures = card.figures
    context = {
        "agent": agent,
        "own": own,
        "period": period,
        "preset": preset,
        "period_form": period_form,
        "period_query": period_form.query(),
        "statistic": statistic,
        "statistic_links": statistic_links(period_query, statistic),
        "statistic_query": statistic_query(statistic),
        "figures": figures,
        "kpi_table": shown.kpi_table,
        "updated_at": shown.updated_at,
        "team_figures": card.team_figures,
        "kpis": list(KPIS.values()),
        "has_data": any(figure.sample_size for figure in figures.values()),
        "channels": shown.channels,
        "chart_data": shown.chart_data,
        "goals": goals_for_agent(agent=agent, viewer=request.user),
        "reviews": reviews_for_agent(agent=agent, viewer=request.user),
        "can_review": scoping.can_write_review_for(request.user, agent),
        "can_see_team": agent.team_id is not None
        and scoping.teams_with_detail(request.user).filter(pk=agent.team_id).exists(),
    }
    return render(request, "kpis/scorecard.html", context)


@period_page
@login_required
def agent_scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    """One agent's scorecard: for their leaders, HR, admins and the agent themself."""
    agent = get_object_or_404(scoping.agents_visible(request.user).select_related("team"), pk=pk)
    return _scorecard_page(request, agent, own=agent.pk == request.user.pk)


@period_page
@login_required
def my_scorecard(request: HttpRequest) -> HttpResponse:
    """The signed-in agent's own scorecard (not found for users who are not agents)."""
    agent = get_object_or_404(scoping.agents_visible(request.user).select_related("team"), pk=request.user.pk)
    return _scorecard_page(request, agent, own=True)


# ---- drill-down --------------------------------------------------------------------------


def _filter_category(records: QuerySet, kpi_code: str, category: str) -> QuerySet:
    """Narrow a drill-down list to one ticket category (a survey takes its ticket's)."""
    field = "category" if KPIS[kpi_code].source == Source.TICKETS else "ticket__category"  # reviews: their ticket's
    if category == NO_CATEGORY:
        return records.filter(Q(**{field: ""}) | Q(**{f"{field}__isnull": True}))
    return records.filter(**{field: category})


def _records(request: HttpRequest, *, kpi_code: str, scope: str, subject) -> tuple[RecordsForm, QuerySet]:
    if kpi_code not in KPIS:
        raise Http404
    form = RecordsForm(request.GET)
    period, _ = form.resolve()
    channel = form.cleaned_data.get("channel", "") if form.is_valid() else ""
    category = form.cleaned_data.get("category", "") if form.is_valid() else ""
    records = selectors.kpi_records(
        user=request.user, kpi_code=kpi_code, scope=scope, subject=subject, period=period, channel=channel
    )
    if category:
        records = _filter_category(records, kpi_code, category)
    return form, records


def _records_page(
    request: HttpRequest, *, kpi_code: str, scope: str, subject, back_url: str, csv_url: str
) -> HttpResponse:
    form, records = _records(request, kpi_code=kpi_code, scope=scope, subject=subject)
    kpi = KPIS[kpi_code]
    channel = form.cleaned_data.get("channel", "") if form.is_valid() else ""
    category = form.cleaned_data.get("category", "") if form.is_valid() else ""
    figure = None
    if not category:
        figure = selectors.scorecard(scope=scope, subject=subject, period=form.period, channel=channel)[kpi_code]
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "kpi": kpi,
        "scope": scope,
        "subject": subject,
        "figure": figure,
        "form": form,
        "period": form.period,
        "query": form.query(),
        "channel_label": dict(Channel.choices).get(channel, ""),
        "category": category,
        "page": page,
        "is_tickets": kpi.source == Source.TICKETS,
        "is_reviews": kpi.source == Source.QUALITY_REVIEWS,
        "back_url": back_url,
        "csv_url": csv_url,
    }
    return render(request, "kpis/records.html", context)


def _records_csv(request: HttpRequest, *, kpi_code: str, scope: str, subject, name: str) -> StreamingHttpResponse:
    form, records = _records(request, kpi_code=kpi_code, scope=scope, subject=subject)
    period = form.period
    services.records_export_audit(
        actor=request.user,
        kpi_code=kpi_code,
        scope=scope,
        subject=subject,
        date_from=period.date_from,
        date_to=period.date_to,
    )
    filename = f"{kpi_code}-{name}-{period.date_from.isoformat()}-{period.date_to.isoformat()}.csv"
    return records_csv_response(records, kpi_code=kpi_code, filename=filename)


@period_page
@login_required
def team_records(request: HttpRequest, pk: int, kpi: str) -> HttpResponse:
    """The tickets or survey responses behind a team figure."""
    team = get_object_or_404(scoping.teams_with_detail(request.user), pk=pk)
    back = reverse("team_dashboard", args=[team.pk])
    csv_url = reverse("team_records_csv", args=[team.pk, kpi])
    return _records_page(request, kpi_code=kpi, scope=Scope.TEAM, subject=team, back_url=back, csv_url=csv_url)


@period_page
@login_required
def team_records_csv(request: HttpRequest, pk: int, kpi: str) -> StreamingHttpResponse:
    """The per-record CSV of a team figure's drill-down list."""
    team = get_object_or_404(scoping.teams_with_detail(request.user), pk=pk)
    return _records_csv(request, kpi_code=kpi, scope=Scope.TEAM, subject=team, name=team.slug)


@period_page
@login_required
def agent_records(request: HttpRequest, pk: int, kpi: str) -> HttpResponse:
    """The tickets or survey responses behind an agent figure."""
    agent = get_object_or_404(scoping.agents_visible(request.user).select_related("team"), pk=pk)
    back = reverse("me") if agent.pk == request.user.pk else reverse("agent_scorecard", args=[agent.pk])
    csv_url = reverse("agent_records_csv", args=[agent.pk, kpi])
    return _records_page(request, kpi_code=kpi, scope=Scope.AGENT, subject=agent, back_url=back, csv_url=csv_url)


@period_page
@login_required
def agent_records_csv(request: HttpRequest, pk: int, kpi: str) -> StreamingHttpResponse:
    """The per-record CSV of an agent figure's drill-down list."""
    agent = get_object_or_404(scoping.agents_visible(request.user), pk=pk)
    return _records_csv(request, kpi_code=kpi, scope=Scope.AGENT, subject=agent, name=agent.username)


# ---- targets -----------------------------------------------------------------------------


@login_required
def target_list(request: HttpRequest) -> HttpResponse:
    """Targets the user may read; edit links on those they may write (HR reads only)."""
    if not scoping.sees_team_pages(request.user):
        raise Http404
    targets = list(
        scoping.targets_visible(request.user)
        .select_related("team", "agent", "agent__team", "set_by")
        .order_by("scope", "team__name", "agent__first_name", "agent__username", "kpi", "channel", "-effective_from")
    )
    writable = set(scoping.targets_writable(request.user).values_list("pk", flat=True))
    today = timezone.localdate()
    groups = []
    for scope, label in Scope.choices:
        rows = [
            {
                "target": target,
                "kpi": KPIS[target.kpi],
                "can_edit": target.pk in writable,
                "in_force": target.in_force_on(today),
            }
            for target in targets
            if target.scope == scope
        ]
        if rows:
            groups.append((label, rows))
    context = {"groups": groups, "can_write": scoping.manages_teams(request.user)}
    return render(request, "kpis/target_list.html", context)


def _target_panel(form: TargetForm) -> dict | None:
    """Baseline, suggested next target and pitfall signals for the target as entered so far."""
    if not hasattr(form, "cleaned_data") or not form.cleaned_data.get("kpi"):
        return None
    subject = form.subject()
    if subject is None:
        return None
    scope, who = subject
    kpi_code = form.cleaned_data["kpi"]
    channel = form.cleaned_data.get("channel") or ""
    today = timezone.localdate()
    baseline = selectors.baselines(scope=scope, subject=who, as_of=today, channel=channel)[kpi_code]
    suggestion = selectors.suggest_target(kpi_code=kpi_code, baseline=baseline, channel=channel)
    draft = Target(
        kpi=kpi_code,
        scope=scope,
        team=who if scope == Scope.TEAM else None,
        agent=who if scope == Scope.AGENT else None,
        channel=channel,
        effective_from=form.cleaned_data.get("effective_from") or today,
        effective_to=form.cleaned_data.get("effective_to"),
        value=form.cleaned_data.get("value"),
        stretch=form.cleaned_data.get("stretch"),
        rationale=form.cleaned_data.get("rationale") or "",
    )
    if form.instance.pk:
        draft.pk = form.instance.pk
    return {
        "kpi": KPIS[kpi_code],
        "baseline": baseline,
        "baseline_period": selectors.baseline_period(today),
        "suggestion": suggestion,
        # The signals judge a value: until one on the KPI's scale is typed (an off-scale one is a
        # field error of the form), the panel shows the baseline and the suggestion alone.
        "checks": pitfalls.target_pitfalls(target=draft, as_of=today) if draft.value is not None else None,
    }


def _target_form_page(request: HttpRequest, target: Target | None) -> HttpResponse:
    if request.method == "POST":
        form = TargetForm(request.POST, instance=target or Target(), user=request.user)
        if form.is_valid() and "save" in request.POST:
            instance = form.save(commit=False)
            if not scoping.can_write_target(request.user, instance):
                raise Http404
            try:
                services.target_save(target=instance, set_by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Target saved: {instance}.")
                return redirect("targets")
    elif target is not None:
        # Editing: check the stored target at once, so its baseline and signals show before any change.
        data = {name: getattr(target, name) for name in TargetForm.Meta.fields if name not in ("team", "agent")}
        form = TargetForm(data | {"team": target.team_id, "agent": target.agent_id}, instance=target, user=request.user)
        form.is_valid()
    else:
        initial = {key: request.GET[key] for key in ("kpi", "scope", "team", "agent", "channel") if key in request.GET}
        initial.setdefault("effective_from", timezone.localdate().isoformat())
        form = TargetForm(initial=initial, user=request.user)
    context = {"form": form, "target": target, "panel": _target_panel(form) if form.is_bound else None}
    return render(request, "kpis/target_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def target_new(request: HttpRequest) -> HttpResponse:
    """Create a target: check its baseline, suggestion and pitfalls first, then save."""
    if not scoping.manages_teams(request.user):
        raise Http404
    return _target_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a target the user may write."""
    target = get_object_or_404(scoping.targets_writable(request.user), pk=pk)
    return _target_form_page(request, target)


@login_required
@require_POST
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a target the user may write."""
    target = get_object_or_404(scoping.targets_writable(request.user), pk=pk)
    label = str(target)
    services.target_delete(target=target, actor=request.user)
    messages.success(request, f"Target deleted: {label}.")
    return redirect("targets")
