"""Who may see and do what (SPEC §1): the one module every page, endpoint and export asks.

Lists are filtered by queryset; a single object outside the caller's scope is looked up
through the same querysets, so it is simply not found (404) and ids do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from surveys.models import SurveyResponse
from tickets.models import ImportRun, Ticket

from .models import Role, Team, User


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def sees_everything(user: User) -> bool:
    """Admins and HR read every team and agent (HR read-only)."""
    return is_admin(user) or (user.is_authenticated and user.role == Role.HR)


def led_team_ids(user: User) -> list[int]:
    if not user.is_authenticated or user.role != Role.LEADER:
        return []
    cached = getattr(user, "_led_team_ids", None)
    if cached is None:
        cached = list(user.led_teams.values_list("pk", flat=True))
        user._led_team_ids = cached
    return cached


# ---- teams -------------------------------------------------------------------------------


def teams_with_detail(user: User) -> QuerySet[Team]:
    """Teams whose per-agent figures the user may see (team dashboard, pitfalls)."""
    if sees_everything(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def teams_visible(user: User) -> QuerySet[Team]:
    """Teams the user may see at all: an agent sees their own team's aggregate only."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.role == Role.AGENT and not is_admin(user):
        return Team.objects.filter(pk=user.team_id)
    return teams_with_detail(user)


def teams_managed(user: User) -> QuerySet[Team]:
    """Teams whose targets and reviews the user may write."""
    if is_admin(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def can_manage_team(user: User, team: Team) -> bool:
    return is_admin(user) or team.pk in led_team_ids(user)


# ---- people ------------------------------------------------------------------------------


def agents_visible(user: User) -> QuerySet[User]:
    """Agents whose individual scorecard the user may see."""
    agents = User.objects.filter(role=Role.AGENT)
    if not user.is_authenticated:
        return agents.none()
    if sees_everything(user):
        return agents
    if user.role == Role.LEADER:
        return agents.filter(team_id__in=led_team_ids(user))
    return agents.filter(pk=user.pk)


def can_see_agent(user: User, agent: User) -> bool:
    """Whether `agents_visible(user)` holds `agent`, without a query (the leader's teams are read once per request):
    a team dashboard links an agent's row to the scorecard only then. An agent who moved to another team keeps the
    rows of their days in their former team's grid, but their former leader no longer sees their scorecard."""
    if not user.is_authenticated or agent.role != Role.AGENT:
        return False
    if sees_everything(user):
        return True
    if user.role == Role.LEADER:
        return agent.team_id in led_team_ids(user)
    return agent.pk == user.pk


def users_visible(user: User) -> QuerySet[User]:
    """Users listed to the caller: visible agents, plus themselves and, for HR/admin, everyone."""
    if not user.is_authenticated:
        return User.objects.none()
    if sees_everything(user):
        return User.objects.all()
    return User.objects.filter(Q(pk__in=agents_visible(user).values("pk")) | Q(pk=user.pk))


def agents_managed(user: User) -> QuerySet[User]:
    """Agents the user may set targets for and write reviews about."""
    agents = User.objects.filter(role=Role.AGENT)
    if is_admin(user):
        return agents
    return agents.filter(team_id__in=led_team_ids(user))


def can_manage_agent(user: User, agent: User) -> bool:
    return agent.role == Role.AGENT and (is_admin(user) or agent.team_id in led_team_ids(user))


# ---- records -----------------------------------------------------------------------------


def tickets_visible(user: User) -> QuerySet[Ticket]:
    """Leaders see their teams' tickets, agents their own, HR and admins all."""
    if not user.is_authenticated:
        return Ticket.objects.none()
    if sees_everything(user):
        return Ticket.objects.all()
    if user.role == Role.LEADER:
        return Ticket.objects.filter(team_id__in=led_team_ids(user))
    return Ticket.objects.filter(agent=user)


def survey_responses_visible(user: User) -> QuerySet[SurveyResponse]:
    if not user.is_authenticated:
        return SurveyResponse.objects.none()
    if sees_everything(user):
        return SurveyResponse.objects.all()
    if user.role == Role.LEADER:
        return SurveyResponse.objects.filter(team_id__in=led_team_ids(user))
    return SurveyResponse.objects.filter(agent=user)


def manages_teams(user: User) -> bool:
    """Leaders and admins: they write tickets and survey responses, targets and coaching reviews at all
    (which ones: `record_write_scope`, `targets_writable`, `review_agents_writable`)."""
    return is_admin(user) or (user.is_authenticated and user.role == Role.LEADER)


def import_runs_visible(user: User) -> QuerySet[ImportRun]:
    """Import runs the user may see: an admin sees every run, a leader their own, anyone else none."""
    if not manages_teams(user):
        return ImportRun.objects.none()
    runs = ImportRun.objects.select_related("created_by")
    return runs if is_admin(user) else runs.filter(created_by=user)


def manages_connectors(user: User) -> bool:
    """Helpdesk connections (credentials, group → team rules for every team) are for admins only."""
    return is_admin(user)


def connections_visible(user: User):
    """Helpdesk connections the user may see and manage: all for admins, none (404) for anyone else."""
    from tickets.connectors.models import Connection

    return Connection.objects.all() if manages_connectors(user) else Connection.objects.none()


def can_export_reviews(user: User) -> bool:
    return is_admin(user) or (user.is_authenticated and user.role == Role.HR)


# ---- reviews -----------------------------------------------------------------------------
# Drafts are visible to their author only (and admins); HR reads every shared or acknowledged
# review; a leader reads the reviews of the agents of the teams they lead; an agent reads their
# own once shared. Writing is for the leaders of the agent's team (and admins).


def reviews_visible(user: User):
    """Coaching reviews the user may read (list, detail, print, goals, export)."""
    from kpis.reviews.models import Review, ReviewStatus

    reviews = Review.objects.all()
    if not user.is_authenticated:
        return reviews.none()
    if is_admin(user):
        return reviews
    not_draft = ~Q(status=ReviewStatus.DRAFT)
    if user.role == Role.HR:
        return reviews.filter(not_draft)
    if user.role == Role.LEADER:
        teams = led_team_ids(user)
        return reviews.filter(Q(team_id__in=teams) | Q(agent__team_id__in=teams)).filter(not_draft | Q(author=user))
    return reviews.filter(not_draft, agent=user)


def can_write_review_for(user: User, agent: User) -> bool:
    """May the user start (and write) a coaching review of this agent?"""
    return can_manage_agent(user, agent)


def review_agents_writable(user: User) -> QuerySet[User]:
    """The agents the user may start a review for."""
    return agents_managed(user)


def can_edit_review(user: User, review) -> bool:
    """Only a draft is edited, goals and checklist included, and only by its author (or an admin)
    who may still write for the agent."""
    if not review.is_draft or not user.is_authenticated:
        return False
    return is_admin(user) or (review.author_id == user.pk and can_write_review_for(user, review.agent))


def can_share_review(user: User, review) -> bool:
    return can_edit_review(user, review)


def can_acknowledge_review(user: User, review) -> bool:
    """The agent acknowledges their own review, once, while it is shared."""
    from kpis.reviews.models import ReviewStatus

    return user.is_authenticated and review.agent_id == user.pk and review.status == ReviewStatus.SHARED


def can_amend_review(user: User, review) -> bool:
    """A shared or acknowledged review is corrected by an amendment from a leader of the agent's team."""
    return not review.is_draft and user.is_authenticated and can_write_review_for(user, review.agent)


def can_read_review_draft_history(user: User, review) -> bool:
    """The draft stage of a review's history (edits, goals, answers before sharing) is read by its author
    and admins only, as the draft itself was; everyone else reads it from the share on."""
    return is_admin(user) or (user.is_authenticated and review.author_id == user.pk)


# ---- conversation quality reviews (kpis/quality) -------------------------------------------
# Reviewers of a team are its leaders and the users given a ReviewerRole for it (admins: every team);
# nobody reviews their own tickets. Rubrics: a team's are written by its leaders, org-wide ones by
# admins. An agent reads their own submitted reviews (never drafts, never calibration scores) and
# disputes them; a leader of the team who is not the reviewer settles a dispute. In a calibration a
# participant sees the other scores of a ticket only after submitting their own (blind).


def reviewer_team_ids(user: User) -> list[int]:
    """Teams whose tickets the user may review: led teams and ReviewerRole teams."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_reviewer_team_ids", None)
    if cached is None:
        from kpis.quality.models import ReviewerRole

        granted = ReviewerRole.objects.filter(user=user).values_list("team_id", flat=True)
        cached = sorted({*led_team_ids(user), *granted})
        user._reviewer_team_ids = cached
    return cached


def quality_teams_reviewable(user: User) -> QuerySet[Team]:
    if is_admin(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=reviewer_team_ids(user))


def reviews_quality(user: User) -> bool:
    """Does the user review tickets at all (the review queue, the reviewer pages)?"""
    return is_admin(user) or bool(reviewer_team_ids(user))


def quality_tickets_reviewable(user: User) -> QuerySet[Ticket]:
    """Tickets the user may score: an agent's tickets of a team they review, never their own."""
    tickets = Ticket.objects.filter(agent__isnull=False).exclude(agent_id=user.pk) if user.is_authenticated else None
    if tickets is None:
        return Ticket.objects.none()
    return tickets if is_admin(user) else tickets.filter(team_id__in=reviewer_team_ids(user))


def can_review_ticket(user: User, ticket: Ticket) -> bool:
    if not user.is_authenticated or ticket.agent_id is None or ticket.agent_id == user.pk:
        return False
    return is_admin(user) or ticket.team_id in reviewer_team_ids(user)


def quality_reviews_visible(user: User):
    """Quality reviews the user may read: their own (as reviewer); the submitted ones of led teams (leaders),
    of every team (HR); an agent their own submitted reviews (and re-scored ones) only."""
    from kpis.quality.models import QualityReview, QualityReviewKind, QualityReviewStatus

    reviews = QualityReview.objects.all()
    if not user.is_authenticated:
        return reviews.none()
    if is_admin(user):
        return reviews
    not_draft = ~Q(status=QualityReviewStatus.DRAFT)
    own_written = Q(reviewer=user)
    if user.role == Role.HR:
        return reviews.filter(own_written | not_draft)
    if user.role == Role.LEADER:
        return reviews.filter(own_written | (not_draft & Q(team_id__in=led_team_ids(user))))
    return reviews.filter(own_written | (not_draft & Q(agent=user, kind=QualityReviewKind.REVIEW)))


def can_edit_quality_review(user: User, review) -> bool:
    """A draft is edited by its reviewer while they may still review the ticket."""
    return review.is_draft and review.reviewer_id == user.pk and can_review_ticket(user, review.ticket)


def quality_agents_visible(user: User) -> QuerySet[User]:
    """Agents whose quality figures (IQS, pass rates) the user may see: as for scorecards."""
    return agents_visible(user)


def rubrics_visible(user: User):
    """Rubrics the user may read: org-wide ones and those of the teams they see or review."""
    from kpis.quality.models import Rubric

    rubrics = Rubric.objects.all()
    if not user.is_authenticated:
        return rubrics.none()
    if sees_everything(user):
        return rubrics
    team_ids = {*reviewer_team_ids(user), *teams_visible(user).values_list("pk", flat=True)}
    return rubrics.filter(Q(team__isnull=True) | Q(team_id__in=team_ids))


def rubric_teams_writable(user: User) -> QuerySet[Team]:
    """Teams the user may write rubrics for (admins also write org-wide rubrics)."""
    return teams_managed(user)


def can_manage_rubric(user: User, rubric) -> bool:
    if rubric.team_id is None:
        return is_admin(user)
    return can_manage_team(user, rubric.team)


def can_grant_reviewer_role(user: User, team: Team) -> bool:
    return can_manage_team(user, team)


def can_dispute_quality_review(user: User, review) -> bool:
    """The reviewed agent disputes a submitted review, while no dispute of it is open."""
    from kpis.quality.models import QualityReviewKind, QualityReviewStatus

    return (
        user.is_authenticated
        and review.agent_id == user.pk
        and review.kind == QualityReviewKind.REVIEW
        and review.status == QualityReviewStatus.SUBMITTED
        and not review.disputes.filter(status="open").exists()
    )


def can_settle_dispute(user: User, dispute) -> bool:
    """A leader of the review's team (or an admin) who is not the original reviewer."""
    return (
        dispute.is_open
        and user.is_authenticated
        and dispute.review.reviewer_id != user.pk
        and can_manage_team(user, dispute.review.team)
    )


def disputes_visible(user: User):
    from kpis.quality.models import Dispute

    disputes = Dispute.objects.all()
    if not user.is_authenticated:
        return disputes.none()
    if sees_everything(user):
        return disputes
    mine = Q(review__agent=user) | Q(review__reviewer=user)
    if user.role == Role.LEADER:
        return disputes.filter(mine | Q(review__team_id__in=led_team_ids(user)))
    return disputes.filter(mine)


def assignments_visible(user: User):
    """Weekly samples: leaders and reviewers of the team, HR and admins; never agents (it is the review queue)."""
    from kpis.quality.models import Assignment

    if sees_everything(user):
        return Assignment.objects.all()
    return Assignment.objects.filter(team_id__in=reviewer_team_ids(user))


def can_draw_assignment(user: User, team: Team) -> bool:
    return can_manage_team(user, team)


def calibrations_visible(user: User):
    """Calibration sessions: the team's leaders, the session's reviewers, HR and admins."""
    from kpis.quality.models import CalibrationSession

    sessions = CalibrationSession.objects.all()
    if not user.is_authenticated:
        return sessions.none()
    if sees_everything(user):
        return sessions
    return sessions.filter(Q(team_id__in=led_team_ids(user)) | Q(reviewers=user)).distinct()


def rubric_versions_visible(user: User):
    """Rubric versions the user may name (score a ticket with, calibrate against): those of the rubrics they read.
    Another team's version reads like a missing one."""
    from kpis.quality.models import RubricVersion

    return RubricVersion.objects.filter(rubric__in=rubrics_visible(user)).select_related("rubric")


def calibration_tickets_choosable(user: User) -> QuerySet[Ticket]:
    """Tickets a calibration session the user starts may hold: those of the teams they manage (the session's own
    team, solved, with an agent, is checked by `calibration_create`). Another team's reads like a missing one."""
    return Ticket.objects.filter(team__in=teams_managed(user))


def calibration_reviewers_choosable(user: User) -> QuerySet[User]:
    """Who a calibration session the user starts may invite: active leaders and reviewers of the teams they manage,
    and admins. Anyone else (another team's agent, HR) reads like a missing user, and is never named back."""
    teams = teams_managed(user)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(led_teams__in=teams) | Q(reviewer_roles__team__in=teams) | Q(is_staff=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def can_manage_calibration(user: User, session) -> bool:
    """Start a session, pick its tickets and reviewers, settle references: the team's leaders and admins."""
    return can_manage_team(user, session.team)


def can_score_calibration(user: User, session) -> bool:
    return user.is_authenticated and session.reviewers.filter(pk=user.pk).exists()


def can_see_calibration_scores(user: User, session, *, submitted_own: bool) -> bool:
    """Blind scoring: a participant sees a ticket's other scores once they submitted theirs; the
    managers who do not score (and HR) see them all along."""
    if can_score_calibration(user, session):
        return submitted_own
    return can_manage_calibration(user, session) or sees_everything(user)


# ---- API: records, targets, snapshots ------------------------------------------------------
# A leader writes tickets and survey responses for the teams they lead only (RecordWriteScope,
# applied inside the upsert services). Targets are read by
# everyone they apply to and written by the leaders of their team (admins: org-wide too).
# Org snapshot rows are an aggregate of the whole organisation, readable by every signed-in user.


@dataclass(frozen=True)
class RecordWriteScope:
    """Which tickets and survey responses a writer may create or change (`team_ids` None: every team).

    A leader writes a record only when its team before and after the write is a team they lead, its
    agent (if any) is in such a team, and a response's ticket is of such a team. Every entry point
    (API, import page and command, admin, connectors) writes through the upsert services, which
    apply this scope; a record, agent, team or ticket outside it is treated as not existing.
    """

    team_ids: frozenset[int] | None
    may_write: bool = True

    def allows_team(self, team_id: int | None) -> bool:
        return self.may_write and (self.team_ids is None or team_id in self.team_ids)

    def allows_agent(self, agent: User | None) -> bool:
        return agent is None or self.allows_team(agent.team_id)

    def allows_ticket(self, ticket: Ticket | None) -> bool:
        return ticket is None or self.allows_team(ticket.team_id)


SYSTEM_WRITE_SCOPE = RecordWriteScope(team_ids=None)


def record_write_scope(user: User | None) -> RecordWriteScope:
    """The write scope of `user`; None is the system itself (demo seed, operator's shell commands)."""
    if user is None or is_admin(user):
        return SYSTEM_WRITE_SCOPE
    if not manages_teams(user):
        return RecordWriteScope(team_ids=frozenset(), may_write=False)
    return RecordWriteScope(team_ids=frozenset(led_team_ids(user)))


def record_teams_writable(user: User) -> QuerySet[Team]:
    """Teams whose tickets and survey responses the user may create or update."""
    if not manages_teams(user):
        return Team.objects.none()
    return teams_managed(user)


def targets_visible(user: User):
    """Targets the user may read: HR/admin all; others the org's, their team's (or led teams') and agents' in scope."""
    from kpis.models import Scope, Target

    targets = Target.objects.all()
    if not user.is_authenticated:
        return targets.none()
    if sees_everything(user):
        return targets
    org = Q(scope=Scope.ORG)
    if user.role == Role.LEADER:
        teams = led_team_ids(user)
        return targets.filter(
            org | Q(scope=Scope.TEAM, team_id__in=teams) | Q(scope=Scope.AGENT, agent__team_id__in=teams)
        )
    return targets.filter(org | Q(scope=Scope.TEAM, team_id=user.team_id) | Q(scope=Scope.AGENT, agent=user))


def can_write_target(user: User, target) -> bool:
    """Leaders write targets for the teams they lead and those teams' agents; admins also org-wide."""
    from kpis.models import Scope

    if is_admin(user):
        return True
    if not user.is_authenticated or user.role != Role.LEADER:
        return False
    if target.scope == Scope.TEAM and target.team_id is not None:
        return target.team_id in led_team_ids(user)
    if target.scope == Scope.AGENT and target.agent_id is not None:
        return can_manage_agent(user, target.agent)
    return False


def snapshots_visible(user: User):
    """Snapshot rows the user may read: never another agent's individual row unless they lead its team."""
    from kpis.models import Scope, Snapshot

    snapshots = Snapshot.objects.all()
    if not user.is_authenticated:
        return snapshots.none()
    if sees_everything(user):
        return snapshots
    org = Q(scope=Scope.ORG)
    if user.role == Role.LEADER:
        teams = led_team_ids(user)
        return snapshots.filter(org | Q(scope__in=[Scope.TEAM, Scope.AGENT], team_id__in=teams))
    return snapshots.filter(org | Q(scope=Scope.TEAM, team_id=user.team_id) | Q(scope=Scope.AGENT, agent=user))


# ---- pages: team list, targets page --------------------------------------------------------
# Leaders, HR and admins use the team pages and the targets page; an agent's pages are their own
# scorecard (/me/) and reviews, so the team list and the targets page are not found for them.


@dataclass(frozen=True)
class PageAccess:
    """What the navigation and the pages offer a user (the pages check again on the server)."""

    own_pages_only: bool = False  # an agent: their scorecard and reviews
    team_pages: bool = False  # team list, dashboards, targets list
    imports: bool = False
    connectors: bool = False
    quality: bool = False  # the quality pages: an agent their own reviews, reviewers their queue
    admin: bool = False
    customers: bool = False  # the customers pages (who may see revenue: leaders, admins, customer writers)
    all_teams: bool = False  # HR and admins see every team
    read_only: bool = False  # HR reads everything, writes nothing
    role_label: str = ""


def page_access(user: User) -> PageAccess:
    """The links and actions templates show `user` (through the `access` context value)."""
    if not user.is_authenticated:
        return PageAccess()  # nothing
    return PageAccess(
        own_pages_only=user.role == Role.AGENT and not is_admin(user),
        team_pages=sees_team_pages(user),
        imports=manages_teams(user),
        connectors=manages_connectors(user),
        quality=True,  # every signed-in user has a quality page (what it shows: quality_* rules above)
        admin=is_admin(user),
        # The link, asked on every page, without the permission queries: admins and leaders. A customer writer who
        # is neither (a CRM sync account) uses the API or the pages' address; the pages check `sees_customer_pages`.
        customers=is_admin(user) or user.role == Role.LEADER,
        all_teams=sees_everything(user),
        read_only=sees_everything(user) and not is_admin(user),
        role_label="admin" if is_admin(user) else user.get_role_display(),
    )


def home_page(user: User) -> tuple[str, tuple[int, ...]]:
    """Where a signed-in user lands, as (URL name, arguments): admins their teams, HR the reviews, an
    agent /me/; a leader of exactly one team that team's dashboard, of several (or none) the team list."""
    if is_admin(user):
        return "teams", ()
    if user.role == Role.LEADER:
        teams = led_team_ids(user)
        return ("team_dashboard", (teams[0],)) if len(teams) == 1 else ("teams", ())
    return {Role.AGENT: "me", Role.HR: "reviews"}[user.role], ()


def sees_team_pages(user: User) -> bool:
    """May the user open the team list and the targets list (leaders, HR, admins)?"""
    return sees_everything(user) or (user.is_authenticated and user.role == Role.LEADER)


def targets_writable(user: User):
    """Targets the user may edit or delete: admins all; leaders their teams' and those teams' agents'."""
    from kpis.models import Scope, Target

    if is_admin(user):
        return Target.objects.all()
    teams = led_team_ids(user)
    if not teams:
        return Target.objects.none()
    return Target.objects.filter(
        Q(scope=Scope.TEAM, team_id__in=teams) | Q(scope=Scope.AGENT, agent__team_id__in=teams, agent__role=Role.AGENT)
    )


# ---- audit trail -------------------------------------------------------------------------


def can_read_review_audit(user: User) -> bool:
    """HR and admins read the audit trail of the reviews they can see."""
    return can_export_reviews(user)


# ---- schedules (business hours) ----------------------------------------------------------


def schedule_teams_visible(user: User) -> QuerySet[Team]:
    """Teams whose schedule page the user may open: admins and HR every team (HR read-only), a leader the teams
    they lead; agents none (their scorecard shows business-hours figures, not the schedule pages)."""
    if sees_everything(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def can_see_org_schedule(user: User) -> bool:
    """The org default schedule: admins and HR read it, leaders too (it applies to their teams unless they have
    their own); only admins edit it."""
    return sees_everything(user) or (user.is_authenticated and user.role == Role.LEADER)


def can_edit_schedule(user: User | None, team: Team | None) -> bool:
    """Admins edit the org default (team None) and every team's schedule; a leader the teams they lead."""
    if user is None:
        return True  # the system (seed_demo, management commands)
    if is_admin(user):
        return True
    return team is not None and team.pk in led_team_ids(user)


# ---- customers (issue 18): org-wide accounts and their revenue -------------------------------
# Customers are the organisation's accounts, not a team's: they are written (API bulk upsert, CSV
# import, admin) by admins and by users granted Django's "customers.change_customer" permission
# (a RevOps/CRM sync user), never by a leader as such. Read: admins (and those writers) every
# customer; a leader the customers a team they lead has served (a ticket of the team names the
# customer, at any time); an agent the customers of their own tickets, without any revenue figure;
# HR none. Revenue (MRR and its history) is for admins, customer writers and leaders. A customer
# outside the reader's scope is not found (404), as if it did not exist.


def manages_customers(user: User) -> bool:
    """May the user create and change customers and their MRR (every customer: they are org-wide)?"""
    return is_admin(user) or bool(user.is_authenticated and user.has_perm("customers.change_customer"))


def sees_revenue(user: User) -> bool:
    """May the user see MRR figures (a customer's MRR, its history, revenue outcomes)? Never agents or HR."""
    # Cheap answers first: a permission check costs two queries (the user's and their groups' permissions).
    return is_admin(user) or bool(user.is_authenticated and user.role == Role.LEADER) or manages_customers(user)


def customers_visible(user: User):
    """Customers the user may see: all (admins, customer writers), served by led teams (leaders),
    named by their own tickets (agents), none (HR, anyone else)."""
    from tickets.customers.models import Customer

    if not user.is_authenticated:
        return Customer.objects.none()
    if manages_customers(user):
        return Customer.objects.all()
    if user.role == Role.LEADER:
        served = Ticket.objects.filter(team_id__in=led_team_ids(user), customer__isnull=False)
    elif user.role == Role.AGENT:
        served = Ticket.objects.filter(agent=user, customer__isnull=False)
    else:
        return Customer.objects.none()
    return Customer.objects.filter(pk__in=served.values("customer_id"))


def customers_nameable(user: User | None):
    """Customers a writer's tickets and survey responses may name: any, for the system (None), admins and customer
    writers; for anyone else, the customers they already see (`customers_visible`). Naming another reads exactly
    like naming one that does not exist: a write never widens what its writer reads (a leader's ticket naming a
    customer their teams never served would have shown them that customer's MRR)."""
    from tickets.customers.models import Customer

    if user is None or manages_customers(user):
        return Customer.objects.all()
    return customers_visible(user)


def sees_customer_pages(user: User) -> bool:
    """The customers pages (list, detail) are for those who see revenue: leaders, admins, customer writers."""
    return sees_revenue(user)


# ---- business outcomes (issue 18): churn, retention and revenue of the customers teams served ----
# A leader reads the outcomes of the teams they lead (revenue included), an agent their own team's churn and
# retention without any revenue figure, HR none; the org's outcomes (every customer) are for admins.


def sees_team_outcomes(user: User, team: Team) -> bool:
    """May the user read the outcomes of the customers `team` served (revenue only where `sees_revenue`)? Asked
    without a query: the team dashboard asks it on every view."""
    if not user.is_authenticated or (user.role == Role.HR and not is_admin(user)):
        return False
    if is_admin(user):
        return True
    if user.role == Role.LEADER:
        return team.pk in led_team_ids(user)
    return user.role == Role.AGENT and team.pk == user.team_id


def sees_org_outcomes(user: User) -> bool:
    """May the user read the org's outcome figures (every customer's churn and the company's MRR)?"""
    return is_admin(user)
