"""Quality pages: the home (figures per team, the review queue), an agent's and a team's quality, rubrics,
scoring a ticket, a review with its dispute, weekly assignments, calibration sessions and the HR export.

Views are thin: objects are looked up through `accounts.scoping` (outside scope: 404), actions are allowed
by a `scoping` rule (else 404) and done by a service; a refused rule re-renders the form with its errors (400).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import scoping
from kpis.forms import PeriodForm

from . import services
from .export import quality_export_response
from .forms import (
    AcceptForm,
    AssignmentDrawForm,
    CalibrationForm,
    CategoryForm,
    DisputeForm,
    RejectForm,
    ReviewerGrantForm,
    ReviewStartForm,
    RubricForm,
    ScoreForm,
)
from .models import (
    Dispute,
    DisputeStatus,
    QualityReview,
    QualityReviewKind,
    ReviewerRole,
    RubricCategory,
    VersionStatus,
)
from .selectors import (
    agent_quality,
    calibration_results,
    iqs_for,
    quality_reviews_list,
    quality_vs_csat,
    review_detail_rows,
    review_queue,
    reviewer_drift,
    team_quality,
    with_open_dispute,
)


def _apply_errors(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: known fields inline, the rest on top."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            target = (
                name
                if name in form.fields
                else (f"rating_{name.split('_', 1)[1]}" if name.startswith("category_") else None)
            )
            form.add_error(target if target in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _created(request: HttpRequest, form, create, message) -> HttpResponse | None:
    """POST of a "start one" form: create through the service and go to it, or None with the errors on the form.

    `form` None means the user may not create here (404); `message` is a text or a function of the object."""
    if form is None:
        raise Http404
    if not form.is_valid():
        return None
    try:
        created = create(actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        _apply_errors(form, error)
        return None
    messages.success(request, message(created) if callable(message) else message)
    return redirect(created)


def _period(request: HttpRequest):
    form = PeriodForm(request.GET)
    period, _ = form.resolve()
    return form, period


# ---- home, agent, team ---------------------------------------------------------------------


@login_required
def quality_home(request: HttpRequest) -> HttpResponse:
    """Leaders, HR and admins: IQS per team and the org; reviewers: their queue; an agent: their own page."""
    user = request.user
    reviewer = scoping.reviews_quality(user)
    teams = list(scoping.teams_with_detail(user))
    if not teams and not reviewer:
        return redirect("quality:agent", pk=user.pk)
    period_form, period = _period(request)
    context = {
        "period_form": period_form,
        "period": period,
        "teams": [(team, iqs_for(period=period, team=team)) for team in teams],
        "org": iqs_for(period=period) if scoping.sees_everything(user) else None,
        "org_versus_csat": quality_vs_csat(team=None, period=period) if scoping.sees_everything(user) else None,
        "queue": list(review_queue(user)[:200]) if reviewer else None,
        "drafts": list(
            QualityReview.objects.filter(reviewer=user, status="draft", kind=QualityReviewKind.REVIEW).select_related(
                "ticket", "agent"
            )
        ),
        "open_disputes": scoping.disputes_visible(user).filter(status=DisputeStatus.OPEN).count(),
        "can_write_rubrics": scoping.rubric_teams_writable(user).exists() or scoping.is_admin(user),
        "is_agent": user.role == "agent",
    }
    return render(request, "quality/home.html", context)


@login_required
def agent_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent's quality: IQS with n and interval, per-category pass rates (where to coach), reviews."""
    agent = get_object_or_404(scoping.quality_agents_visible(request.user), pk=pk)
    period_form, period = _period(request)
    context = {
        "agent": agent,
        "period_form": period_form,
        "period": period,
        "quality": agent_quality(agent=agent, period=period),
        "reviews": quality_reviews_list(user=request.user, agent=agent, period=period),
        "is_self": agent.pk == request.user.pk,
    }
    return render(request, "quality/agent.html", context)


@login_required
def team_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's quality: its IQS (the exact roll-up of its agents'), each agent's, categories, versus CSAT,
    its reviewers and its weekly samples."""
    team = get_object_or_404(scoping.teams_with_detail(request.user), pk=pk)
    period_form, period = _period(request)
    can_grant = scoping.can_grant_reviewer_role(request.user, team)
    context = {
        "team": team,
        "period_form": period_form,
        "period": period,
        "quality": team_quality(team=team, period=period),
        "reviewer_roles": ReviewerRole.objects.filter(team=team).select_related("user"),
        "leaders": team.leaders.all(),
        "grant_form": ReviewerGrantForm(team=team, user=request.user) if can_grant else None,
        "assignments": scoping.assignments_visible(request.user).filter(team=team)[:10],
    }
    return render(request, "quality/team.html", context)


@login_required
@require_POST
def reviewer_grant(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(scoping.teams_with_detail(request.user), pk=pk)
    if not scoping.can_grant_reviewer_role(request.user, team):
        raise Http404
    form = ReviewerGrantForm(request.POST, team=team, user=request.user)
    if form.is_valid():
        try:
            services.reviewer_role_grant(team=team, user=form.cleaned_data["user"], actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{form.cleaned_data['user']} now reviews {team}'s tickets.")
    else:
        messages.error(request, "Choose someone to give the reviewer role to.")
    return redirect("quality:team", pk=team.pk)


@login_required
@require_POST
def reviewer_revoke(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    team = get_object_or_404(scoping.teams_with_detail(request.user), pk=pk)
    if not scoping.can_grant_reviewer_role(request.user, team):
        raise Http404
    role = get_object_or_404(ReviewerRole, pk=role_pk, team=team)
    services.reviewer_role_revoke(role=role, actor=request.user)
    messages.success(request, f"{role.user} no longer reviews {team}'s tickets.")
    return redirect("quality:team", pk=team.pk)


# ---- rubrics -------------------------------------------------------------------------------


@login_required
def rubric_list(request: HttpRequest) -> HttpResponse:
    """Rubrics the user may read; leaders and admins start one."""
    user = request.user
    writable = scoping.rubric_teams_writable(user).exists() or scoping.is_admin(user)
    form = RubricForm(request.POST or None, user=user) if writable else None
    if request.method == "POST":
        created = _created(
            request, form, services.rubric_create, "Rubric started: add its categories, then publish it."
        )
        if created:
            return created
    rubrics = scoping.rubrics_visible(user).select_related("team").prefetch_related("versions")
    return render(
        request,
        "quality/rubric_list.html",
        {"rubrics": rubrics, "form": form},
        status=400 if form and form.errors else 200,
    )


def _rubric_context(request, rubric, category_form=None) -> dict:
    versions = list(rubric.versions.prefetch_related("categories"))
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    can_manage = scoping.can_manage_rubric(request.user, rubric)
    return {
        "rubric": rubric,
        "versions": versions,
        "draft": draft,
        "can_manage": can_manage,
        "category_form": (category_form or CategoryForm()) if can_manage and draft else None,
    }


@login_required
def rubric_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rubric = get_object_or_404(scoping.rubrics_visible(request.user).select_related("team"), pk=pk)
    return render(request, "quality/rubric_detail.html", _rubric_context(request, rubric))


def _managed_rubric(request, pk):
    rubric = get_object_or_404(scoping.rubrics_visible(request.user).select_related("team"), pk=pk)
    if not scoping.can_manage_rubric(request.user, rubric):
        raise Http404
    return rubric


@login_required
@require_POST
def category_add(request: HttpRequest, pk: int) -> HttpResponse:
    rubric = _managed_rubric(request, pk)
    draft = rubric.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        raise Http404
    form = CategoryForm(request.POST, instance=RubricCategory(version=draft))
    if form.is_valid():
        try:
            services.category_add(
                version=draft, actor=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields}
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Category added.")
            return redirect(rubric)
    return render(request, "quality/rubric_detail.html", _rubric_context(request, rubric, form), status=400)


@login_required
@require_POST
def category_remove(request: HttpRequest, pk: int, category_pk: int) -> HttpResponse:
    rubric = _managed_rubric(request, pk)
    category = get_object_or_404(
        RubricCategory, pk=category_pk, version__rubric=rubric, version__status=VersionStatus.DRAFT
    )
    services.category_remove(category=category, actor=request.user)
    messages.success(request, "Category removed.")
    return redirect(rubric)


@login_required
@require_POST
def rubric_publish(request: HttpRequest, pk: int) -> HttpResponse:
    rubric = _managed_rubric(request, pk)
    draft = rubric.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        raise Http404
    try:
        services.rubric_version_publish(version=draft, actor=request.user)
    except ValidationError as error:
        context = _rubric_context(request, rubric) | {"publish_errors": error.messages}
        return render(request, "quality/rubric_detail.html", context, status=400)
    messages.success(request, f"Version {draft.number} published: reviews use it from now on.")
    return redirect(rubric)


@login_required
@require_POST
def rubric_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    rubric = _managed_rubric(request, pk)
    try:
        version = services.rubric_version_start(rubric=rubric, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Version {version.number} started as a copy of the latest one.")
    return redirect(rubric)


# ---- scoring a ticket, a review, disputes ----------------------------------------------------


def _ticket_facts(ticket) -> dict:
    csat = list(ticket.survey_responses.filter(kind="csat").values_list("score", flat=True))
    return {"ticket": ticket, "csat_scores": csat}


@login_required
def ticket_review(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    """Score a ticket: pick a published rubric (GET ?rubric_version=), rate each category, save a draft or submit."""
    ticket = get_object_or_404(
        scoping.quality_tickets_reviewable(request.user).select_related("agent", "team"), pk=ticket_pk
    )
    own = (
        QualityReview.objects.filter(ticket=ticket, reviewer=request.user, kind=QualityReviewKind.REVIEW)
        .exclude(status="superseded")
        .first()
    )
    if own is not None:
        return redirect(own)
    start = ReviewStartForm(request.GET or None, team=ticket.team)
    version = None
    if start.is_bound and start.is_valid():
        version = start.cleaned_data["rubric_version"]
    elif not start.is_bound:
        version = services.rubric_version_for_team(ticket.team)
        start = ReviewStartForm(initial={"rubric_version": version}, team=ticket.team)
    categories = list(version.categories.all()) if version else []
    form = ScoreForm(request.POST or None, categories=categories)
    status = 200
    if request.method == "POST" and version is not None:
        if form.is_valid():
            try:
                review = services.quality_review_create(
                    reviewer=request.user,
                    ticket=ticket,
                    rubric_version=version,
                    scores=form.scores(),
                    summary=form.cleaned_data.get("summary", ""),
                    submit="submit" in request.POST,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    "Review submitted: the agent can read it."
                    if review.status == "submitted"
                    else "Draft saved: only you see it.",
                )
                return redirect(review)
        status = 400
    context = _ticket_facts(ticket) | {"start_form": start, "version": version, "form": form}
    return render(request, "quality/ticket_review.html", context, status=status)


def _visible_review(request, pk) -> QualityReview:
    reviews = with_open_dispute(scoping.quality_reviews_visible(request.user)).select_related(
        "ticket", "agent", "team", "reviewer", "rubric_version__rubric", "replaces", "calibration"
    )
    return get_object_or_404(reviews, pk=pk)


def _review_page(request, review, *, status=200, **forms) -> HttpResponse:
    user = request.user
    can_edit = scoping.can_edit_quality_review(user, review)
    # A re-score shows the accepted dispute of the score it replaces: why the score changed.
    disputed = [review.pk, review.replaces_id] if review.replaces_id else [review.pk]
    disputes = list(Dispute.objects.filter(review__in=disputed).select_related("raised_by", "settled_by"))
    open_dispute = next((d for d in disputes if d.is_open), None)
    can_settle = open_dispute is not None and scoping.can_settle_dispute(user, open_dispute)
    categories = list(review.rubric_version.categories.all())
    scores = {s.category_id: s for s in review.scores.all()}
    context = _ticket_facts(review.ticket) | {
        "review": review,
        "rows": review_detail_rows(review),
        "can_edit": can_edit,
        "edit_form": forms.get("edit_form")
        or (
            ScoreForm(categories=categories, initial_scores=scores, initial={"summary": review.summary})
            if can_edit
            else None
        ),
        "disputes": disputes,
        "open_dispute": open_dispute,
        "dispute_form": forms.get("dispute_form")
        or (DisputeForm() if scoping.can_dispute_quality_review(user, review) else None),
        "accept_form": forms.get("accept_form")
        or (
            AcceptForm(categories=categories, initial_scores=scores, with_summary=False, prefix="accept")
            if can_settle
            else None
        ),
        "reject_form": forms.get("reject_form") or (RejectForm(prefix="reject") if can_settle else None),
        "replaced_by": getattr(review, "replaced_by", None) if review.status == "superseded" else None,
    }
    return render(request, "quality/review_detail.html", context, status=status)


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A review: the ticket's facts, each category's rating and comment; the draft editor for its reviewer;
    the dispute form for the agent; the settle forms for a leader who is not the reviewer."""
    review = _visible_review(request, pk)
    if request.method == "POST":
        if not scoping.can_edit_quality_review(request.user, review):
            raise Http404
        form = ScoreForm(request.POST, categories=list(review.rubric_version.categories.all()))
        if form.is_valid():
            try:
                review = services.quality_review_update(
                    review=review,
                    actor=request.user,
                    scores=form.scores(),
                    summary=form.cleaned_data.get("summary", ""),
                    submit="submit" in request.POST,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    "Review submitted: the agent can read it." if review.status == "submitted" else "Draft saved.",
                )
                return redirect(review)
        return _review_page(request, review, status=400, edit_form=form)
    return _review_page(request, review)


@login_required
@require_POST
def review_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible_review(request, pk)
    if not scoping.can_dispute_quality_review(request.user, review):
        raise Http404
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            services.dispute_raise(review=review, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Dispute sent: a leader other than the reviewer will settle it.")
            return redirect(review)
    return _review_page(request, review, status=400, dispute_form=form)


def _settleable(request, pk) -> Dispute:
    dispute = get_object_or_404(scoping.disputes_visible(request.user).select_related("review__team"), pk=pk)
    if not scoping.can_settle_dispute(request.user, dispute):
        raise Http404
    return dispute


@login_required
@require_POST
def dispute_accept(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _settleable(request, pk)
    review = _visible_review(request, dispute.review_id)
    form = AcceptForm(
        request.POST, categories=list(review.rubric_version.categories.all()), with_summary=False, prefix="accept"
    )
    if form.is_valid():
        try:
            rescore = services.dispute_accept(
                dispute=dispute, actor=request.user, scores=form.scores(), resolution=form.cleaned_data["resolution"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Dispute accepted: the ticket is re-scored; the old score stays in the history.")
            return redirect(rescore)
    return _review_page(request, review, status=400, accept_form=form)


@login_required
@require_POST
def dispute_reject(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _settleable(request, pk)
    review = _visible_review(request, dispute.review_id)
    form = RejectForm(request.POST, prefix="reject")
    if form.is_valid():
        services.dispute_reject(dispute=dispute, actor=request.user, resolution=form.cleaned_data["resolution"])
        messages.success(request, "Dispute rejected: the score stands.")
        return redirect(review)
    return _review_page(request, review, status=400, reject_form=form)


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    disputes = scoping.disputes_visible(request.user).select_related(
        "review__agent", "review__reviewer", "review__ticket", "raised_by", "settled_by"
    )
    return render(request, "quality/dispute_list.html", {"disputes": disputes})


# ---- assignments ---------------------------------------------------------------------------


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    """The recorded weekly samples; leaders draw one on demand."""
    user = request.user
    can_draw = scoping.teams_managed(user).exists()
    if not can_draw and not scoping.assignments_visible(user).exists() and not scoping.reviews_quality(user):
        raise Http404
    form = AssignmentDrawForm(request.POST or None, user=user) if can_draw else None
    if request.method == "POST":
        created = _created(
            request,
            form,
            services.assignment_draw,
            lambda assignment: f"Drawn {assignment.items.count()} tickets with seed {assignment.seed}.",
        )
        if created:
            return created
    assignments = scoping.assignments_visible(user).select_related("team", "created_by")
    return render(
        request,
        "quality/assignment_list.html",
        {"assignments": assignments, "form": form},
        status=400 if form and form.errors else 200,
    )


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(scoping.assignments_visible(request.user).select_related("team"), pk=pk)
    reviewed = set(
        QualityReview.objects.filter(
            kind=QualityReviewKind.REVIEW, status="submitted", ticket__in=assignment.items.values("ticket")
        ).values_list("ticket_id", flat=True)
    )
    items = [(item, item.ticket_id in reviewed) for item in assignment.items.select_related("ticket", "agent")]
    reviewable = set(
        scoping.quality_tickets_reviewable(request.user)
        .filter(pk__in=[i.ticket_id for i, _ in items])
        .values_list("pk", flat=True)
    )
    return render(
        request, "quality/assignment_detail.html", {"assignment": assignment, "items": items, "reviewable": reviewable}
    )


# ---- calibration ---------------------------------------------------------------------------


@login_required
def calibration_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_start = scoping.teams_managed(user).exists()
    form = CalibrationForm(request.POST or None, user=user) if can_start else None
    if request.method == "POST":
        created = _created(
            request, form, services.calibration_create, "Session started: each reviewer scores the tickets blind."
        )
        if created:
            return created
    sessions = scoping.calibrations_visible(user).select_related("team", "rubric_version__rubric", "created_by")
    drift = reviewer_drift(sessions=scoping.calibrations_visible(user))
    return render(
        request,
        "quality/calibration_list.html",
        {"sessions": sessions, "form": form, "drift": drift},
        status=400 if form and form.errors else 200,
    )


def _visible_session(request, pk):
    sessions = scoping.calibrations_visible(request.user).select_related("team", "rubric_version__rubric", "created_by")
    return get_object_or_404(sessions, pk=pk)


@login_required
def calibration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Tickets × reviewers (blind until one submitted), per-category spread and alpha, references, drift."""
    session = _visible_session(request, pk)
    context = {
        "session": session,
        "result": calibration_results(session, request.user),
        "can_score": scoping.can_score_calibration(request.user, session),
        "can_manage": scoping.can_manage_calibration(request.user, session),
        "drift": reviewer_drift(sessions=scoping.calibrations_visible(request.user).filter(pk=session.pk)),
    }
    return render(request, "quality/calibration_detail.html", context)


def _session_ticket(session, ticket_pk):
    return get_object_or_404(session.tickets.select_related("agent", "team"), pk=ticket_pk)


@login_required
def calibration_score(request: HttpRequest, pk: int, ticket_pk: int) -> HttpResponse:
    """A participant scores one session ticket (blind: nobody else's scores are on this page)."""
    session = _visible_session(request, pk)
    if not scoping.can_score_calibration(request.user, session):
        raise Http404
    ticket = _session_ticket(session, ticket_pk)
    own = session.reviews.filter(ticket=ticket, reviewer=request.user, kind=QualityReviewKind.CALIBRATION).first()
    if own is not None and not own.is_draft:
        messages.info(request, "You have submitted your score of this ticket.")
        return redirect(session)
    categories = list(session.rubric_version.categories.all())
    initial = {s.category_id: s for s in own.scores.all()} if own else {}
    form = ScoreForm(request.POST or None, categories=categories, initial_scores=initial, with_summary=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.calibration_score_save(
                session=session,
                ticket=ticket,
                actor=request.user,
                scores=form.scores(),
                submit="submit" in request.POST,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Score submitted." if "submit" in request.POST else "Draft saved.")
            return redirect(session)
    context = _ticket_facts(ticket) | {"session": session, "form": form, "mode": "score"}
    return render(request, "quality/calibration_score.html", context, status=400 if form.errors else 200)


@login_required
def calibration_reference(request: HttpRequest, pk: int, ticket_pk: int) -> HttpResponse:
    """The leader settles a session ticket's reference score, with everyone's scores in view."""
    session = _visible_session(request, pk)
    if not scoping.can_manage_calibration(request.user, session):
        raise Http404
    ticket = _session_ticket(session, ticket_pk)
    reference = session.reviews.filter(ticket=ticket, kind=QualityReviewKind.REFERENCE).first()
    categories = list(session.rubric_version.categories.all())
    initial = {s.category_id: s for s in reference.scores.all()} if reference else {}
    form = ScoreForm(request.POST or None, categories=categories, initial_scores=initial, with_summary=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.calibration_reference_settle(
                session=session, ticket=ticket, actor=request.user, scores=form.scores()
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Reference score settled.")
            return redirect(session)
    result = calibration_results(session, request.user)
    row = next(r for r in result.rows if r.ticket.pk == ticket.pk)
    context = _ticket_facts(ticket) | {"session": session, "form": form, "mode": "reference", "row": row}
    return render(request, "quality/calibration_score.html", context, status=400 if form.errors else 200)


# ---- HR export -----------------------------------------------------------------------------


@login_required
def quality_export(request: HttpRequest) -> HttpResponse:
    """Submitted quality reviews (and re-scored ones) as CSV or XLSX for HR and admins; 404 for anyone else."""
    if not scoping.can_export_reviews(request.user):
        raise Http404
    fmt = request.GET.get("format", "csv")
    period_form, period = _period(request)
    if fmt not in ("csv", "xlsx") or period_form.errors:
        errors = dict(period_form.errors)
        if fmt not in ("csv", "xlsx"):
            errors["format"] = ["Choose csv or xlsx."]
        return render(request, "reviews/export_error.html", {"errors": errors}, status=400)
    return quality_export_response(user=request.user, period=period, fmt=fmt)
