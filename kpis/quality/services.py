"""Writes of conversation quality reviews: rubrics and versions, reviewer roles, reviews and their scores,
weekly assignments, calibration sessions and disputes.

Every function is keyword-only and atomic, validates with `full_clean()`, asks `accounts.scoping` who may
act (PermissionDenied otherwise; pages and the API look objects up through the scoped querysets first, so
they answer 404 before reaching here), raises ValidationError with field-level messages for a broken rule
and writes nothing then, and records the change in the audit trail (`accounts.audit`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import scoping
from accounts.audit import audit_record
from accounts.models import Team, User
from kpis.days import local_date
from kpis.formatting import format_date
from kpis.services import snapshot_days_mark_dirty
from tickets.models import SOLVED_STATUSES, Ticket

from .models import (
    OPTIONAL_STRATA,
    Assignment,
    AssignmentItem,
    CalibrationSession,
    Dispute,
    DisputeStatus,
    QualityReview,
    QualityReviewKind,
    QualityReviewStatus,
    QualityScore,
    RatingScale,
    ReviewerRole,
    Rubric,
    RubricCategory,
    RubricVersion,
    VersionStatus,
)
from .sampling import sample_draw, week_start_of
from .scoring import CategoryRating, review_points

NOT_APPLICABLE = None  # a category's rating in `scores`: an int, or None for "not applicable"
CATEGORY_FIELDS = ("name", "description", "weight", "scale", "allows_not_applicable", "is_critical")


@dataclass(frozen=True)
class ScoreInput:
    """A reviewer's answer for one category: a rating (None: not applicable) and a comment."""

    rating: int | None
    comment: str = ""


# ---- rubrics -------------------------------------------------------------------------------


def rubric_create(*, actor: User, name: str, team: Team | None) -> Rubric:
    """A new rubric (a team's for its leaders, org-wide for admins) with an empty draft version 1."""
    allowed = scoping.is_admin(actor) if team is None else scoping.can_manage_team(actor, team)
    if not allowed:
        raise PermissionDenied("Leaders write rubrics for the teams they lead; admins org-wide ones.")
    with transaction.atomic():
        rubric = Rubric(name=(name or "").strip(), team=team, created_by=actor)
        rubric.full_clean()
        rubric.save()
        RubricVersion.objects.create(rubric=rubric, number=1)
        audit_record(
            actor=actor, action="quality.rubric_created", target=rubric, after={"name": rubric.name, "team": team}
        )
    return rubric


def _draft_version(version: RubricVersion, actor: User) -> RubricVersion:
    version = RubricVersion.objects.select_for_update(of=("self",)).select_related("rubric__team").get(pk=version.pk)
    if not scoping.can_manage_rubric(actor, version.rubric):
        raise PermissionDenied("You may not edit this rubric.")
    if not version.is_draft:
        state = version.get_status_display().lower()
        message = f"Version {version.number} is {state}: it is not edited; start a new version."
        raise ValidationError({"version": message})
    return version


def category_add(*, version: RubricVersion, actor: User, **fields) -> RubricCategory:
    """Add a category to a draft version (name, weight, scale, N/A allowed, critical)."""
    unknown = set(fields) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be set."))
    with transaction.atomic():
        version = _draft_version(version, actor)
        position = (version.categories.aggregate(top=Max("position"))["top"] or 0) + 1
        category = RubricCategory(version=version, position=position, **fields)
        category.name = (category.name or "").strip()
        category.full_clean()
        category.save()
        audit_record(actor=actor, action="quality.category_added", target=version, after=fields)
    return category


def category_update(*, category: RubricCategory, actor: User, **fields) -> RubricCategory:
    unknown = set(fields) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be set."))
    with transaction.atomic():
        version = _draft_version(category.version, actor)
        category = RubricCategory.objects.select_for_update().get(pk=category.pk, version=version)
        before = {name: getattr(category, name) for name in fields}
        for name, value in fields.items():
            setattr(category, name, value.strip() if name == "name" else value)
        category.full_clean()
        category.save()
        audit_record(actor=actor, action="quality.category_updated", target=version, before=before, after=fields)
    return category


def category_remove(*, category: RubricCategory, actor: User) -> None:
    with transaction.atomic():
        version = _draft_version(category.version, actor)
        name = category.name
        RubricCategory.objects.filter(pk=category.pk, version=version).delete()
        audit_record(actor=actor, action="quality.category_removed", target=version, before={"name": name})


def rubric_version_publish(*, version: RubricVersion, actor: User) -> RubricVersion:
    """Publish a draft version: it becomes the one reviews use and is never edited again; the version
    published before it is superseded (its scores keep pointing at it)."""
    with transaction.atomic():
        version = _draft_version(version, actor)
        if not version.categories.exists():
            raise ValidationError({"categories": "Add at least one category before publishing."})
        previous = RubricVersion.objects.select_for_update().filter(
            rubric=version.rubric, status=VersionStatus.PUBLISHED
        )
        superseded = [v.number for v in previous]
        previous.update(status=VersionStatus.SUPERSEDED)
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = actor
        version.full_clean()
        version.save()
        audit_record(
            actor=actor,
            action="quality.rubric_published",
            target=version,
            after={"number": version.number, "superseded": superseded},
        )
    return version


def rubric_version_start(*, rubric: Rubric, actor: User) -> RubricVersion:
    """Start the next version as a draft copy of the latest one (one draft at a time)."""
    if not scoping.can_manage_rubric(actor, rubric):
        raise PermissionDenied("You may not edit this rubric.")
    with transaction.atomic():
        Rubric.objects.select_for_update().get(pk=rubric.pk)
        if rubric.versions.filter(status=VersionStatus.DRAFT).exists():
            raise ValidationError({"version": "A draft version exists already: edit it, or publish it first."})
        latest = rubric.versions.order_by("-number").first()
        version = RubricVersion.objects.create(rubric=rubric, number=(latest.number if latest else 0) + 1)
        if latest is not None:
            RubricCategory.objects.bulk_create(
                [
                    RubricCategory(version=version, **{f: getattr(c, f) for f in ("position", *CATEGORY_FIELDS)})
                    for c in latest.categories.all()
                ]
            )
        audit_record(actor=actor, action="quality.version_started", target=version, after={"number": version.number})
    return version


def rubric_version_for_team(team: Team, rubric: Rubric | None = None) -> RubricVersion | None:
    """The published version reviews of `team` use: of `rubric` when given, else the team's own
    rubric (the first by name) or, failing that, an org-wide one."""
    versions = RubricVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("rubric")
    if rubric is not None:
        return versions.filter(rubric=rubric).first()
    return (
        versions.filter(rubric__team=team).order_by("rubric__name").first()
        or versions.filter(rubric__team__isnull=True).order_by("rubric__name").first()
    )


# ---- reviewer roles ------------------------------------------------------------------------


def reviewer_role_grant(*, team: Team, user: User, actor: User) -> ReviewerRole:
    """Let `user` review the tickets of `team` (leaders of the team, admins)."""
    if not scoping.can_grant_reviewer_role(actor, team):
        raise PermissionDenied("Only the team's leaders and admins grant the reviewer role.")
    if user.role == "hr" and not user.is_staff:
        raise ValidationError({"user": "HR partners read reviews; they do not score tickets."})
    with transaction.atomic():
        if ReviewerRole.objects.filter(team=team, user=user).exists():
            raise ValidationError({"user": f"{user} reviews {team} already."})
        role = ReviewerRole(team=team, user=user, granted_by=actor)
        role.full_clean()
        role.save()
        audit_record(actor=actor, action="quality.reviewer_granted", target=role, after={"user": user, "team": team})
    return role


def reviewer_role_revoke(*, role: ReviewerRole, actor: User) -> None:
    if not scoping.can_grant_reviewer_role(actor, role.team):
        raise PermissionDenied("Only the team's leaders and admins revoke the reviewer role.")
    with transaction.atomic():
        audit_record(
            actor=actor, action="quality.reviewer_revoked", target=role, before={"user": role.user, "team": role.team}
        )
        role.delete()


# ---- reviews -------------------------------------------------------------------------------


def _check_reviewable(ticket: Ticket, version: RubricVersion) -> None:
    errors = {}
    if ticket.status not in SOLVED_STATUSES or ticket.solved_at is None:
        errors["ticket"] = "Only solved tickets are reviewed."
    if version.rubric.team_id not in (None, ticket.team_id):
        errors["rubric_version"] = "This rubric belongs to another team."
    if errors:
        raise ValidationError(errors)


def _write_scores(review: QualityReview, scores: dict[int, ScoreInput], *, complete: bool) -> None:
    """Replace the review's scores with `scores` ({category id: ScoreInput}) and its points.

    A submitted review rates (or marks N/A) every category; a draft may leave some out.
    """
    categories = {c.pk: c for c in review.rubric_version.categories.all()}
    errors: dict[str, list[str]] = {}
    unknown = [pk for pk in scores if pk not in categories]
    if unknown:
        errors["scores"] = [f"Category {pk} is not part of {review.rubric_version}." for pk in unknown]
    rows = []
    for pk, category in categories.items():
        answer = scores.get(pk)
        if answer is None:
            if complete:
                errors[f"category_{pk}"] = [f"Rate “{category.name}” before submitting."]
            continue
        row = QualityScore(
            review=review, category=category, rating=answer.rating, comment=(answer.comment or "").strip()
        )
        try:
            row.clean_fields(exclude=["review"])
            row.clean()
        except ValidationError as error:
            errors[f"category_{pk}"] = error.messages
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    review.scores.all().delete()
    QualityScore.objects.bulk_create(rows)
    points = review_points(
        CategoryRating(
            weight=r.category.weight, points=r.category.points, critical=r.category.is_critical, rating=r.rating
        )
        for r in rows
    )
    review.points_earned, review.points_possible, review.auto_failed = (
        points.points_earned,
        points.points_possible,
        points.auto_failed,
    )
    if complete and not review.points_possible:
        raise ValidationError({"scores": "Every category is marked not applicable: there is nothing to score."})


def _mark_iqs_day_dirty(*reviews: QualityReview) -> None:
    """A write that changes what IQS counts (a submit, a re-score, a dispute raised or settled) marks the
    review's (team, work day) stale, like a ticket write: the live refresh recomputes its snapshots."""
    snapshot_days_mark_dirty(
        team_days=[(r.team_id, r.work_day) for r in reviews if r.kind == QualityReviewKind.REVIEW and not r.is_draft]
    )


def _audit_review(review: QualityReview, actor: User, action: str, before: dict | None = None) -> None:
    audit_record(
        actor=actor,
        action=f"quality.{action}",
        target=review,
        before=before,
        after={
            "status": review.status,
            "points_earned": review.points_earned,
            "points_possible": review.points_possible,
            "auto_failed": review.auto_failed,
            "scores": {s.category.name: s.rating for s in review.scores.select_related("category")},
        },
    )


def _new_review(
    *,
    actor: User,
    ticket: Ticket,
    version: RubricVersion,
    kind: str,
    scores: dict[int, ScoreInput],
    summary: str,
    submit: bool,
    calibration: CalibrationSession | None = None,
    assignment_item: AssignmentItem | None = None,
    replaces: QualityReview | None = None,
) -> QualityReview:
    _check_reviewable(ticket, version)
    review = QualityReview(
        kind=kind,
        ticket=ticket,
        agent_id=ticket.agent_id,
        team_id=ticket.team_id,
        reviewer=actor,
        rubric_version=version,
        work_day=local_date(ticket.solved_at, ticket.team.zone),
        summary=(summary or "").strip(),
        calibration=calibration,
        assignment_item=assignment_item,
        replaces=replaces,
        status=QualityReviewStatus.SUBMITTED if submit else QualityReviewStatus.DRAFT,
        submitted_at=timezone.now() if submit else None,
    )
    review.full_clean(exclude=["points_earned", "points_possible"], validate_constraints=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as error:
        raise ValidationError({"ticket": "You have a review of this ticket already: open it instead."}) from error
    _write_scores(review, scores, complete=submit)
    review.save(update_fields=["points_earned", "points_possible", "auto_failed", "updated_at"])
    return review


def quality_review_create(
    *,
    reviewer: User,
    ticket: Ticket,
    rubric_version: RubricVersion,
    scores: dict[int, ScoreInput],
    summary: str = "",
    submit: bool = False,
) -> QualityReview:
    """Score a ticket against a published rubric version: a draft (only the reviewer sees it) or submitted."""
    if not scoping.can_review_ticket(reviewer, ticket):
        raise PermissionDenied("You review the tickets of your teams' agents only, never your own.")
    if rubric_version.status != VersionStatus.PUBLISHED:
        raise ValidationError({"rubric_version": "Reviews use a published rubric version."})
    item = (
        AssignmentItem.objects.filter(ticket=ticket, reviews__isnull=True).order_by("-assignment__week_start").first()
    )
    with transaction.atomic():
        review = _new_review(
            actor=reviewer,
            ticket=ticket,
            version=rubric_version,
            kind=QualityReviewKind.REVIEW,
            scores=scores,
            summary=summary,
            submit=submit,
            assignment_item=item,
        )
        _audit_review(review, reviewer, "review_submitted" if submit else "review_drafted")
        _mark_iqs_day_dirty(review)
    return review


def quality_review_update(
    *, review: QualityReview, actor: User, scores: dict[int, ScoreInput], summary: str = "", submit: bool = False
) -> QualityReview:
    """Save a draft's scores again, and submit it when asked (drafts only, by their reviewer)."""
    with transaction.atomic():
        review = (
            QualityReview.objects.select_for_update(of=("self",))
            .select_related("ticket__team", "rubric_version")
            .get(pk=review.pk)
        )
        if not review.is_draft:
            raise ValidationError({"status": "This review is submitted: it is changed only through a dispute."})
        if not scoping.can_edit_quality_review(actor, review):
            raise PermissionDenied("Only the reviewer edits a draft.")
        _write_scores(review, scores, complete=submit)
        review.summary = (summary or "").strip()
        if submit:
            review.status = QualityReviewStatus.SUBMITTED
            review.submitted_at = timezone.now()
        review.save()
        _audit_review(review, actor, "review_submitted" if submit else "review_drafted")
        _mark_iqs_day_dirty(review)
    return review


def quality_review_delete_draft(*, review: QualityReview, actor: User) -> None:
    with transaction.atomic():
        review = QualityReview.objects.select_for_update().get(pk=review.pk)
        if not review.is_draft or review.reviewer_id != actor.pk:
            raise PermissionDenied("Only the reviewer discards their draft.")
        audit_record(actor=actor, action="quality.review_discarded", target=review)
        review.delete()


# ---- assignments ---------------------------------------------------------------------------


def assignment_draw(
    *,
    team: Team,
    week_start: dt.date,
    per_agent: int,
    strata: list[str] | tuple[str, ...] = (),
    seed: int | None = None,
    actor: User | None,
) -> Assignment:
    """Draw and record a team's weekly sample (`actor` None: the scheduled task). One draw per team-week:
    drawing again would let a reviewer pick the tickets they like."""
    if actor is not None and not scoping.can_draw_assignment(actor, team):
        raise PermissionDenied("Only the team's leaders and admins draw its sample.")
    errors = {}
    if week_start.weekday() != 0:
        errors["week_start"] = "A week starts on a Monday."
    if not 1 <= int(per_agent) <= 50:
        errors["per_agent"] = "Draw 1 to 50 tickets per agent."
    bad = [s for s in strata if s not in OPTIONAL_STRATA]
    if bad:
        errors["strata"] = f"Unknown strata: {', '.join(bad)}."
    if errors:
        raise ValidationError(errors)
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    strata = [s for s in OPTIONAL_STRATA if s in strata]
    with transaction.atomic():
        Team.objects.select_for_update().get(pk=team.pk)
        if Assignment.objects.filter(team=team, week_start=week_start).exists():
            raise ValidationError({"week_start": f"{team}'s week of {format_date(week_start)} is drawn already."})
        draw = sample_draw(team=team, week_start=week_start, per_agent=per_agent, strata=strata, seed=seed)
        assignment = Assignment(
            team=team,
            week_start=week_start,
            per_agent=per_agent,
            strata=strata,
            seed=seed,
            parameters=draw.parameters,
            created_by=actor,
        )
        assignment.full_clean()
        assignment.save()
        AssignmentItem.objects.bulk_create(
            [
                AssignmentItem(
                    assignment=assignment,
                    ticket_id=item.ticket_id,
                    agent_id=item.agent_id,
                    stratum=item.stratum,
                    position=n,
                )
                for n, item in enumerate(draw.items, start=1)
            ]
        )
        audit_record(
            actor=actor,
            action="quality.assignment_drawn",
            target=assignment,
            after={"seed": seed, "per_agent": per_agent, "strata": strata, "tickets": len(draw.items)},
        )
    return assignment


def assignments_draw_weekly(
    *, today: dt.date | None = None, per_agent: int, strata: tuple[str, ...] = ()
) -> list[Assignment]:
    """The scheduled job: draw last week's sample for every team not drawn yet (idempotent)."""
    created = []
    for team in Team.objects.order_by("pk"):
        team_today = today or local_date(timezone.now(), team.zone)
        week_start = week_start_of(team_today) - dt.timedelta(days=7)
        if Assignment.objects.filter(team=team, week_start=week_start).exists():
            continue
        created.append(
            assignment_draw(team=team, week_start=week_start, per_agent=per_agent, strata=strata, actor=None)
        )
    return created


# ---- calibration ---------------------------------------------------------------------------


def calibration_create(
    *, actor: User, team: Team, rubric_version: RubricVersion, title: str, tickets: list[Ticket], reviewers: list[User]
) -> CalibrationSession:
    """A leader picks tickets of their team and at least two reviewers to score them blind."""
    if not scoping.can_manage_team(actor, team):
        raise PermissionDenied("Only the team's leaders and admins run its calibration sessions.")
    errors = {}
    if rubric_version.status != VersionStatus.PUBLISHED:
        errors["rubric_version"] = "Calibrate against a published rubric version."
    elif rubric_version.rubric.team_id not in (None, team.pk):
        errors["rubric_version"] = "This rubric belongs to another team."
    if not tickets:
        errors["tickets"] = "Pick at least one ticket."
    foreign = [t for t in tickets if t.team_id != team.pk or t.status not in SOLVED_STATUSES or t.agent_id is None]
    if foreign:
        errors["tickets"] = "Pick solved tickets of this team's agents: " + ", ".join(t.external_id for t in foreign)
    if len(set(reviewers)) < 2:
        errors["reviewers"] = "Calibration needs at least two reviewers."
    cannot = [str(r) for r in reviewers if not (scoping.is_admin(r) or team.pk in scoping.reviewer_team_ids(r))]
    if cannot:
        errors["reviewers"] = f"Not a leader or reviewer of {team}: " + ", ".join(cannot)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = CalibrationSession(
            team=team, rubric_version=rubric_version, title=(title or "").strip(), created_by=actor
        )
        session.full_clean()
        session.save()
        session.tickets.set(tickets)
        session.reviewers.set(set(reviewers))
        audit_record(
            actor=actor,
            action="quality.calibration_created",
            target=session,
            after={"tickets": [t.pk for t in tickets], "reviewers": sorted(r.pk for r in reviewers)},
        )
    return session


def _session_ticket(session: CalibrationSession, ticket: Ticket) -> None:
    if not session.tickets.filter(pk=ticket.pk).exists():
        raise ValidationError({"ticket": "This ticket is not part of the session."})


def calibration_score_save(
    *, session: CalibrationSession, ticket: Ticket, actor: User, scores: dict[int, ScoreInput], submit: bool
) -> QualityReview:
    """A participant's blind score of a session ticket: a draft until submitted, then fixed."""
    if not scoping.can_score_calibration(actor, session):
        raise PermissionDenied("Only the session's reviewers score its tickets.")
    _session_ticket(session, ticket)
    with transaction.atomic():
        existing = (
            QualityReview.objects.select_for_update()
            .filter(calibration=session, ticket=ticket, reviewer=actor, kind=QualityReviewKind.CALIBRATION)
            .first()
        )
        if existing is None:
            review = _new_review(
                actor=actor,
                ticket=ticket,
                version=session.rubric_version,
                kind=QualityReviewKind.CALIBRATION,
                scores=scores,
                summary="",
                submit=submit,
                calibration=session,
            )
        else:
            if not existing.is_draft:
                raise ValidationError({"status": "Your score of this ticket is submitted already."})
            review = existing
            _write_scores(review, scores, complete=submit)
            if submit:
                review.status, review.submitted_at = QualityReviewStatus.SUBMITTED, timezone.now()
            review.save()
        _audit_review(review, actor, "calibration_submitted" if submit else "calibration_drafted")
    return review


def calibration_reference_settle(
    *, session: CalibrationSession, ticket: Ticket, actor: User, scores: dict[int, ScoreInput]
) -> QualityReview:
    """The leader settles the reference score of a session ticket (replacing an earlier reference)."""
    if not scoping.can_manage_calibration(actor, session):
        raise PermissionDenied("Only the team's leaders settle the reference score.")
    _session_ticket(session, ticket)
    with transaction.atomic():
        reference = (
            QualityReview.objects.select_for_update()
            .filter(calibration=session, ticket=ticket, kind=QualityReviewKind.REFERENCE)
            .first()
        )
        if reference is None:
            reference = _new_review(
                actor=actor,
                ticket=ticket,
                version=session.rubric_version,
                kind=QualityReviewKind.REFERENCE,
                scores=scores,
                summary="",
                submit=True,
                calibration=session,
            )
            _audit_review(reference, actor, "reference_settled")
        else:
            before = {"points_earned": reference.points_earned, "points_possible": reference.points_possible}
            _write_scores(reference, scores, complete=True)
            reference.reviewer, reference.submitted_at = actor, timezone.now()
            reference.save()
            _audit_review(reference, actor, "reference_settled", before=before)
    return reference


# ---- disputes ------------------------------------------------------------------------------


def dispute_raise(*, review: QualityReview, actor: User, reason: str) -> Dispute:
    """The reviewed agent disputes a submitted review with a reason; its figures show it as disputed."""
    reason = (reason or "").strip()
    with transaction.atomic():
        review = QualityReview.objects.select_for_update().get(pk=review.pk)
        if not scoping.can_dispute_quality_review(actor, review):
            raise PermissionDenied("You dispute your own submitted reviews, one dispute at a time.")
        if not reason:
            raise ValidationError({"reason": "Say what you see differently, and why."})
        dispute = Dispute(review=review, raised_by=actor, reason=reason)
        dispute.full_clean()
        dispute.save()
        review.under_dispute = True
        review.save(update_fields=["under_dispute", "updated_at"])
        _mark_iqs_day_dirty(review)
        audit_record(
            actor=actor, action="quality.dispute_raised", target=dispute, after={"review": review.pk, "reason": reason}
        )
    return dispute


def _locked_open_dispute(dispute: Dispute, actor: User) -> Dispute:
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("review__team", "review__ticket__team")
        .get(pk=dispute.pk)
    )
    if not dispute.is_open:
        raise ValidationError({"status": f"This dispute is {dispute.get_status_display().lower()} already."})
    if not scoping.can_settle_dispute(actor, dispute):
        raise PermissionDenied("A leader of the team other than the reviewer settles a dispute.")
    return dispute


def dispute_accept(*, dispute: Dispute, actor: User, scores: dict[int, ScoreInput], resolution: str) -> QualityReview:
    """Accept a dispute: re-score the ticket against the same rubric version. The old review is kept,
    marked re-scored, and every change is in the audit trail."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": "Say why the score changes."})
    with transaction.atomic():
        dispute = _locked_open_dispute(dispute, actor)
        old = QualityReview.objects.select_for_update().get(pk=dispute.review_id)
        old.status = QualityReviewStatus.SUPERSEDED
        old.under_dispute = False
        old.save(update_fields=["status", "under_dispute", "updated_at"])
        rescore = _new_review(
            actor=actor,
            ticket=old.ticket,
            version=old.rubric_version,
            kind=QualityReviewKind.REVIEW,
            scores=scores,
            summary=old.summary,
            submit=True,
            assignment_item=old.assignment_item,
            replaces=old,
        )
        dispute.status = DisputeStatus.ACCEPTED
        dispute.settled_by, dispute.settled_at, dispute.resolution, dispute.rescore = (
            actor,
            timezone.now(),
            resolution,
            rescore,
        )
        dispute.full_clean()
        dispute.save()
        _mark_iqs_day_dirty(old, rescore)
        audit_record(
            actor=actor,
            action="quality.dispute_accepted",
            target=dispute,
            before={"review": old.pk, "points_earned": old.points_earned, "points_possible": old.points_possible},
            after={
                "review": rescore.pk,
                "points_earned": rescore.points_earned,
                "points_possible": rescore.points_possible,
                "resolution": resolution,
            },
        )
    return rescore


def dispute_reject(*, dispute: Dispute, actor: User, resolution: str) -> Dispute:
    """Reject a dispute with a reason; the score stands."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": "Say why the score stands."})
    with transaction.atomic():
        dispute = _locked_open_dispute(dispute, actor)
        dispute.status = DisputeStatus.REJECTED
        dispute.settled_by, dispute.settled_at, dispute.resolution = actor, timezone.now(), resolution
        dispute.full_clean()
        dispute.save()
        review = dispute.review
        review.under_dispute = False
        review.save(update_fields=["under_dispute", "updated_at"])
        _mark_iqs_day_dirty(review)
        audit_record(actor=actor, action="quality.dispute_rejected", target=dispute, after={"resolution": resolution})
    return dispute


__all__ = [
    "NOT_APPLICABLE",
    "RatingScale",
    "ScoreInput",
    "assignment_draw",
    "assignments_draw_weekly",
    "calibration_create",
    "calibration_reference_settle",
    "calibration_score_save",
    "category_add",
    "category_remove",
    "category_update",
    "dispute_accept",
    "dispute_raise",
    "dispute_reject",
    "quality_review_create",
    "quality_review_delete_draft",
    "quality_review_update",
    "reviewer_role_grant",
    "reviewer_role_revoke",
    "rubric_create",
    "rubric_version_for_team",
    "rubric_version_publish",
    "rubric_version_start",
]
