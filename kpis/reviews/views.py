"""Coaching-review pages: the list (HR's home), start, the review page (editor while a draft),
goal editing, the checklist, share, acknowledge, amend, print, notifications and the export.

Views are thin: every review is looked up through `accounts.scoping.reviews_visible` (outside
the caller's scope it is a 404), every action is allowed by a `scoping.can_*` rule (else 404)
and performed by a service; a refused rule re-renders the page with its field errors (400).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import scoping

from . import services
from .export import EXPORT_FORMATS, reviews_export_response
from .forms import (
    AcknowledgeForm,
    AmendForm,
    GoalForm,
    PitfallsForm,
    ReviewFilterForm,
    ReviewStartForm,
    ReviewTextForm,
    default_period,
)
from .models import Goal, Review
from .selectors import (
    goals_progress,
    notifications_for,
    review_audit_for,
    review_checklist,
    review_history_for,
    review_summary,
    reviews_list,
)

PAGE_SIZE = 50


def _visible_review(request: HttpRequest, pk: int) -> Review:
    queryset = scoping.reviews_visible(request.user).select_related("agent", "team", "author")
    return get_object_or_404(queryset, pk=pk)


def _allowed(rule, request: HttpRequest, review: Review) -> None:
    if not rule(request.user, review):
        raise Http404


def _apply_errors(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: known fields inline, the rest on top."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """Reviews the user may read, filtered by team, agent, period and status; export links for HR/admin."""
    form = ReviewFilterForm(request.GET or None, user=request.user)
    # Filters with an error list nothing (and offer no export): the page never shows more than was asked for.
    invalid = form.is_bound and not form.is_valid()
    filters = form.filters() if form.is_bound and not invalid else {}
    reviews = reviews_list(user=request.user, **filters)
    page = Paginator(reviews.none() if invalid else reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_export": scoping.can_export_reviews(request.user) and not invalid,
        "filters_invalid": invalid,
        "start_form": ReviewStartForm(user=request.user) if scoping.review_agents_writable(request.user) else None,
    }
    return render(request, "reviews/review_list.html", context, status=400 if form.errors else 200)


@login_required
def review_new(request: HttpRequest) -> HttpResponse:
    """Start a draft review of one of the leader's agents for a period (GET ?agent=<id>)."""
    writable = scoping.review_agents_writable(request.user)
    if not writable.exists():
        raise Http404
    if request.method == "POST":
        form = ReviewStartForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                review = services.review_create(author=request.user, **form.start_fields())
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Draft started. Only you can see it until you share it.")
                return redirect("review_detail", pk=review.pk)
        return render(request, "reviews/review_new.html", {"form": form}, status=400)
    start, end = default_period()
    initial = {"period_start": start, "period_end": end}
    agent_id = request.GET.get("agent")
    if agent_id:
        if not agent_id.isdigit():
            raise Http404
        initial["agent"] = get_object_or_404(writable, pk=agent_id)
    form = ReviewStartForm(initial=initial, user=request.user)
    return render(request, "reviews/review_new.html", {"form": form, "agent": initial.get("agent")})


def _review_context(review: Review, user) -> dict:
    """What the review page and its print version both show (the history as `user` may read it)."""
    goals = list(review.goals.all())
    return {
        "review": review,
        "summary": review_summary(review),
        "checklist": review_checklist(review),
        "goals": goals_progress(goals) if not review.is_draft else [],
        "draft_goals": goals if review.is_draft else [],
        "amendments": review.amendments.select_related("author"),
        "events": review_history_for(user, review),
        "draft_history_hidden": not scoping.can_read_review_draft_history(user, review),
    }


def _detail(request: HttpRequest, review: Review, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    context = _review_context(review, user) | {
        "can_edit": scoping.can_edit_review(user, review),
        "can_acknowledge": scoping.can_acknowledge_review(user, review),
        "can_amend": scoping.can_amend_review(user, review),
        "share_errors": forms.pop("share_errors", []),
        "audit_events": review_audit_for(user, review),
    }
    if context["can_edit"]:
        context["text_form"] = forms.get("text_form") or ReviewTextForm(instance=review, prefix="review")
        context["goal_form"] = forms.get("goal_form") or GoalForm()
        context["pitfalls_form"] = forms.get("pitfalls_form") or PitfallsForm(
            items=context["checklist"], prefix="pitfalls"
        )
    if context["can_acknowledge"]:
        context["acknowledge_form"] = forms.get("acknowledge_form") or AcknowledgeForm(prefix="ack")
    if context["can_amend"]:
        context["amend_form"] = forms.get("amend_form") or AmendForm(prefix="amend")
    return render(request, "reviews/review_detail.html", context, status=status)


def _submit(request: HttpRequest, review: Review, form, form_name: str, action, success: str, anchor: str = ""):
    """Run `action(cleaned_data)` for a valid form; back to the review on success, else the page with errors."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(review.get_absolute_url() + anchor)
    return _detail(request, review, status=400, **{form_name: form})


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The review: KPI summary, strengths, goals, checklist, history; the editor while a draft.
    Opening it marks the reader's notifications about it read."""
    review = _visible_review(request, pk)
    services.notifications_mark_read(user=request.user, review=review)
    return _detail(request, review)


@login_required
@require_POST
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a draft's period and texts."""
    review = _visible_review(request, pk)
    _allowed(scoping.can_edit_review, request, review)
    form = ReviewTextForm(request.POST, instance=Review.objects.get(pk=review.pk), prefix="review")

    def save(data):
        services.review_update(review=review, actor=request.user, **{name: data[name] for name in form.Meta.fields})

    return _submit(request, review, form, "text_form", save, "Draft saved.")


@login_required
@require_POST
def review_goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a SMART goal to a draft."""
    review = _visible_review(request, pk)
    _allowed(scoping.can_edit_review, request, review)
    form = GoalForm(request.POST, instance=Goal(review=review))

    def add(data):
        services.goal_add(review=review, actor=request.user, **data)

    return _submit(request, review, form, "goal_form", add, "Goal added.", "#goals")


@login_required
def review_goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    """Edit one goal of a draft."""
    review = _visible_review(request, pk)
    _allowed(scoping.can_edit_review, request, review)
    goal = get_object_or_404(review.goals, pk=goal_pk)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.goal_update(goal=goal, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Goal saved.")
                return redirect(f"{review.get_absolute_url()}#goals")
        return render(request, "reviews/goal_edit.html", {"review": review, "goal": goal, "form": form}, status=400)
    return render(request, "reviews/goal_edit.html", {"review": review, "goal": goal, "form": form})


@login_required
@require_POST
def review_goal_remove(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    """Remove a goal from a draft."""
    review = _visible_review(request, pk)
    _allowed(scoping.can_edit_review, request, review)
    goal = get_object_or_404(review.goals, pk=goal_pk)
    services.goal_remove(goal=goal, actor=request.user)
    messages.success(request, "Goal removed.")
    return redirect(f"{review.get_absolute_url()}#goals")


@login_required
@require_POST
def review_pitfalls(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the author's answers to the five pitfalls of a draft."""
    review = _visible_review(request, pk)
    _allowed(scoping.can_edit_review, request, review)
    form = PitfallsForm(request.POST, items=review_checklist(review), prefix="pitfalls")
    if form.is_valid():
        for number, confirmed, note in form.answers():
            services.pitfall_confirm(review=review, actor=request.user, number=number, confirmed=confirmed, note=note)
        messages.success(request, "Checklist saved.")
        return redirect(f"{review.get_absolute_url()}#pitfalls")
    return _detail(request, review, status=400, pitfalls_form=form)


@login_required
@require_POST
def review_share(request: HttpRequest, pk: int) -> HttpResponse:
    """Share a draft with the agent (freezes its summary and checklist)."""
    review = _visible_review(request, pk)
    _allowed(scoping.can_share_review, request, review)
    try:
        services.review_share(review=review, actor=request.user)
    except ValidationError as error:
        return _detail(request, review, status=400, share_errors=error.messages)
    messages.success(request, f"Review shared with {review.agent}.")
    return redirect("review_detail", pk=review.pk)


@login_required
@require_POST
def review_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent acknowledges their shared review with a comment."""
    review = _visible_review(request, pk)
    _allowed(scoping.can_acknowledge_review, request, review)
    form = AcknowledgeForm(request.POST, prefix="ack")

    def acknowledge(data):
        services.review_acknowledge(review=review, actor=request.user, comment=data["comment"])

    return _submit(request, review, form, "acknowledge_form", acknowledge, "Review acknowledged. Thank you.")


@login_required
@require_POST
def review_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a recorded amendment to a shared or acknowledged review."""
    review = _visible_review(request, pk)
    _allowed(scoping.can_amend_review, request, review)
    form = AmendForm(request.POST, prefix="amend")

    def amend(data):
        services.review_amend(review=review, actor=request.user, text=data["text"])

    return _submit(request, review, form, "amend_form", amend, "Amendment recorded.", "#amendments")


@login_required
def review_print(request: HttpRequest, pk: int) -> HttpResponse:
    """A print-friendly page of the review, without forms."""
    context = _review_context(_visible_review(request, pk), request.user)
    return render(request, "reviews/review_print.html", context)


@login_required
def review_notifications(request: HttpRequest) -> HttpResponse:
    """The user's in-app notifications about reviews, unread first."""
    return render(request, "reviews/notifications.html", {"notifications": notifications_for(request.user)})


@login_required
def reviews_export(request: HttpRequest) -> HttpResponse:
    """Download the filtered reviews as CSV or XLSX (HR and admins only; 404 for everyone else)."""
    if not scoping.can_export_reviews(request.user):
        raise Http404
    fmt = request.GET.get("format", "csv")
    form = ReviewFilterForm(request.GET, user=request.user)
    if fmt not in EXPORT_FORMATS or not form.is_valid():
        errors = form.errors.copy() if form.is_bound else {}
        if fmt not in EXPORT_FORMATS:
            errors["format"] = ["Choose csv or xlsx."]
        return render(request, "reviews/export_error.html", {"errors": errors}, status=400)
    filters = form.filters()
    return reviews_export_response(reviews_list(user=request.user, **filters), fmt, actor=request.user, filters=filters)
