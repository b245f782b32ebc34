"""Writes of the coaching-review workflow: draft → shared → acknowledged, goals, the pitfalls
checklist, amendments and notifications.

Every function is keyword-only and atomic, validates with `full_clean()`, and records a
`ReviewEvent` (who, when, from which status to which). Who may do what is asked of
`accounts.scoping`; a caller outside the rule gets `PermissionDenied` (pages and the API look
the review up through `reviews_visible` first, so they answer 404 before reaching here). A broken
workflow rule (editing a shared review, sharing with the checklist unconfirmed, acknowledging
twice) raises `ValidationError` with a field-level message and writes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import scoping
from accounts.audit import audit_record
from accounts.models import User
from kpis.pitfalls import TITLES, review_pitfalls

from .models import (
    PITFALL_NUMBERS,
    Goal,
    Notification,
    NotificationKind,
    Review,
    ReviewAction,
    ReviewAmendment,
    ReviewEvent,
    ReviewKpi,
    ReviewPitfall,
    ReviewStatus,
)
from .selectors import review_period, review_summary_live

EDITABLE_FIELDS = ("period_start", "period_end", "strengths", "improvement_areas", "notes")
GOAL_FIELDS = ("kpi", "target_value", "due_date", "description")


def _record(
    *,
    review: Review,
    actor: User,
    action: str,
    from_status: str,
    note: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> ReviewEvent:
    """Record a review event (shown on the review) and the matching audit-trail entry."""
    audit_record(
        actor=actor,
        action=f"review.{action}",
        target=review,
        before={"status": from_status, **(before or {})},
        after={"status": review.status, **(after or {}), **({"note": note} if note else {})},
    )
    return ReviewEvent.objects.create(
        review=review,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=review.status,
        at=timezone.now(),
        note=note,
    )


def _require_draft(review: Review, actor: User) -> None:
    if not scoping.can_edit_review(actor, review):
        if review.is_draft:
            raise PermissionDenied("Only the author of a draft edits it.")
        state = review.get_status_display().lower()
        raise ValidationError({"status": f"This review is {state}: it is no longer edited; add an amendment."})


def _locked(review: Review) -> Review:
    """Re-read the review under a row lock, so two concurrent transitions cannot both pass."""
    return Review.objects.select_for_update().select_related("agent", "team", "author").get(pk=review.pk)


def review_create(*, author: User, agent: User, period_start: dt.date, period_end: dt.date) -> Review:
    """Start a draft review of `agent` for [period_start, period_end], with the five pitfall items."""
    if not scoping.can_write_review_for(author, agent):
        raise PermissionDenied("You may review the agents of the teams you lead only.")
    with transaction.atomic():
        review = Review(
            author=author, agent=agent, team_id=agent.team_id, period_start=period_start, period_end=period_end
        )
        review.full_clean()
        review.save()
        ReviewPitfall.objects.bulk_create(
            [ReviewPitfall(review=review, number=number, title=TITLES[number]) for number in PITFALL_NUMBERS]
        )
        _record(review=review, actor=author, action=ReviewAction.CREATED, from_status=ReviewStatus.DRAFT)
    return review


def review_update(*, review: Review, actor: User, **fields) -> Review:
    """Edit a draft's period, strengths, improvement areas or notes (drafts only, by their author)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be edited."))
    with transaction.atomic():
        review = _locked(review)
        _require_draft(review, actor)
        changed = [name for name, value in fields.items() if getattr(review, name) != value]
        before = {name: getattr(review, name) for name in changed}
        for name in changed:
            setattr(review, name, fields[name])
        review.full_clean()
        if changed:
            goals_too_early = [g for g in review.goals.all() if g.due_date <= review.period_end]
            if goals_too_early:
                raise ValidationError({"period_end": "Some goals are due on or before this end date; move them first."})
            review.save()
            _record(
                review=review,
                actor=actor,
                action=ReviewAction.UPDATED,
                from_status=review.status,
                note=", ".join(changed),
                before=before,
                after={name: getattr(review, name) for name in changed},
            )
    return review


def goal_add(
    *,
    review: Review,
    actor: User,
    due_date: dt.date,
    description: str,
    kpi: str = "",
    target_value: float | None = None,
) -> Goal:
    """Add a SMART goal to a draft: KPI and target value (both or neither), due date, description."""
    with transaction.atomic():
        review = _locked(review)
        _require_draft(review, actor)
        goal = Goal(
            review=review, kpi=kpi or "", target_value=target_value, due_date=due_date, description=description.strip()
        )
        goal.full_clean()
        goal.save()
        _record(review=review, actor=actor, action=ReviewAction.GOAL_ADDED, from_status=review.status, note=str(goal))
    return goal


def goal_update(*, goal: Goal, actor: User, **fields) -> Goal:
    """Change a goal of a draft."""
    unknown = set(fields) - set(GOAL_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be edited."))
    with transaction.atomic():
        review = _locked(goal.review)
        _require_draft(review, actor)
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        goal.review = review
        for name, value in fields.items():
            if name == "description":
                value = value.strip()
            if name == "kpi":
                value = value or ""
            setattr(goal, name, value)
        goal.full_clean()
        goal.save()
        _record(review=review, actor=actor, action=ReviewAction.GOAL_UPDATED, from_status=review.status, note=str(goal))
    return goal


def goal_remove(*, goal: Goal, actor: User) -> None:
    """Delete a goal of a draft."""
    with transaction.atomic():
        review = _locked(goal.review)
        _require_draft(review, actor)
        label = str(goal)
        goal.delete()
        _record(review=review, actor=actor, action=ReviewAction.GOAL_REMOVED, from_status=review.status, note=label)


def pitfall_confirm(*, review: Review, actor: User, number: int, confirmed: bool, note: str = "") -> ReviewPitfall:
    """Record the author's answer to one pitfall of a draft: confirmed (checked) and a note."""
    if number not in PITFALL_NUMBERS:
        raise ValidationError({"number": "Pitfalls are numbered 1 to 5."})
    with transaction.atomic():
        review = _locked(review)
        _require_draft(review, actor)
        item = ReviewPitfall.objects.select_for_update().get(review=review, number=number)
        note = note.strip()
        if item.confirmed == bool(confirmed) and item.note == note:
            return item
        item.confirmed = bool(confirmed)
        item.note = note
        item.confirmed_by = actor if confirmed else None
        item.confirmed_at = timezone.now() if confirmed else None
        item.full_clean()
        item.save()
        state = "confirmed" if confirmed else "unconfirmed"
        _record(
            review=review,
            actor=actor,
            action=ReviewAction.PITFALL_CONFIRMED,
            from_status=review.status,
            note=f"{number}. {item.title}: {state}" + (f" — {note}" if note else ""),
        )
    return item


def _notify(*, recipient: User, review: Review, kind: str, message: str) -> Notification:
    notification = Notification(recipient=recipient, review=review, kind=kind, message=message[:300])
    notification.full_clean()
    notification.save()
    return notification


def review_share(*, review: Review, actor: User) -> Review:
    """Share a draft with the agent: freeze its KPI summary and pitfall signals, notify the agent.

    Every one of the five pitfalls must be confirmed first, and each pitfall whose automatic signal is
    raised needs a note (a `pitfalls` field error otherwise).
    """
    with transaction.atomic():
        review = _locked(review)
        _require_draft(review, actor)
        items = list(review.pitfalls.select_for_update().order_by("number"))
        missing = [item.number for item in items if not item.confirmed]
        if missing:
            listed = ", ".join(str(n) for n in missing)
            raise ValidationError(
                {"pitfalls": f"Confirm every item of the pitfalls checklist before sharing (still open: {listed})."}
            )
        goals = [(goal.kpi, goal.target_value) for goal in review.goals.all()]
        checks = {
            check.number: check
            for check in review_pitfalls(agent=review.agent, period=review_period(review), goals=goals)
        }
        unexplained = [item.number for item in items if checks[item.number].triggered and not item.note]
        if unexplained:
            listed = ", ".join(str(n) for n in unexplained)
            message = f"The automatic signal is raised for pitfall {listed}: add a note on how you addressed it."
            raise ValidationError({"pitfalls": message})
        for item in items:
            check = checks[item.number]
            item.triggered, item.evidence, item.advice = check.triggered, list(check.evidence), check.advice
        ReviewPitfall.objects.bulk_update(items, ["triggered", "evidence", "advice"])
        ReviewKpi.objects.bulk_create(review_summary_live(review))
        review.status = ReviewStatus.SHARED
        review.shared_at = timezone.now()
        review.full_clean()
        review.save(update_fields=["status", "shared_at", "updated_at"])
        _record(review=review, actor=actor, action=ReviewAction.SHARED, from_status=ReviewStatus.DRAFT)
        _notify(
            recipient=review.agent,
            review=review,
            kind=NotificationKind.REVIEW_SHARED,
            message=f"{review.author} shared your coaching review for {review_period(review)}.",
        )
    return review


def review_acknowledge(*, review: Review, actor: User, comment: str) -> Review:
    """The agent acknowledges their shared review with a comment (required); the author is notified."""
    comment = (comment or "").strip()
    with transaction.atomic():
        review = _locked(review)
        if review.agent_id != actor.pk:
            raise PermissionDenied("Only the reviewed agent acknowledges a review.")
        if review.status != ReviewStatus.SHARED:
            state = review.get_status_display().lower()
            raise ValidationError({"status": f"This review is {state}; only a shared review is acknowledged."})
        if not comment:
            raise ValidationError({"comment": "Write a comment: what you take from this review."})
        review.status = ReviewStatus.ACKNOWLEDGED
        review.acknowledged_at = timezone.now()
        review.acknowledgement_comment = comment
        review.full_clean()
        review.save(update_fields=["status", "acknowledged_at", "acknowledgement_comment", "updated_at"])
        _record(
            review=review, actor=actor, action=ReviewAction.ACKNOWLEDGED, from_status=ReviewStatus.SHARED, note=comment
        )
        _notify(
            recipient=review.author,
            review=review,
            kind=NotificationKind.REVIEW_ACKNOWLEDGED,
            message=f"{review.agent} acknowledged the review for {review_period(review)}.",
        )
    return review


def review_amend(*, review: Review, actor: User, text: str) -> ReviewAmendment:
    """Record a correction to a shared or acknowledged review; the original is left as it was shared."""
    text = (text or "").strip()
    with transaction.atomic():
        review = _locked(review)
        if review.is_draft:
            raise ValidationError({"status": "A draft is edited directly; amendments are for shared reviews."})
        if not scoping.can_amend_review(actor, review):
            raise PermissionDenied("Only a leader of the agent's team amends a review.")
        if not text:
            raise ValidationError({"text": "Write the correction."})
        amendment = ReviewAmendment(review=review, author=actor, text=text)
        amendment.full_clean()
        amendment.save()
        _record(review=review, actor=actor, action=ReviewAction.AMENDED, from_status=review.status, note=text)
        _notify(
            recipient=review.agent,
            review=review,
            kind=NotificationKind.REVIEW_AMENDED,
            message=f"{actor} added an amendment to your review for {review_period(review)}.",
        )
    return amendment


def notifications_mark_read(*, user: User, review: Review) -> int:
    """Mark the user's unread notifications about `review` read (opening the review does it)."""
    return Notification.objects.filter(recipient=user, review=review, read_at__isnull=True).update(
        read_at=timezone.now()
    )
