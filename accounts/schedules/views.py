"""The schedule pages: the list of teams and the schedule each follows, and one page per schedule to edit its
weekly hours and holidays. Thin: the forms parse, the services decide, `accounts.scoping` says who sees what."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts import scoping
from accounts.models import Team
from kpis.formatting import format_date

from . import selectors, services
from .forms import HolidayForm, HolidayImportForm, WeekForm, format_intervals
from .models import WEEKDAYS, Schedule


@login_required
def schedule_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scoping.can_see_org_schedule(user):
        raise Http404
    default, rows = selectors.schedule_list_rows(scoping.schedule_teams_visible(user))
    return render(
        request,
        "schedules/schedule_list.html",
        {
            "default": default,
            "default_hours": selectors.weekly_hours(default),
            "rows": rows,
            "can_edit_default": scoping.can_edit_schedule(user, None),
        },
    )


@login_required
def schedule_default(request: HttpRequest) -> HttpResponse:
    if not scoping.can_see_org_schedule(request.user):
        raise Http404
    return _schedule_page(request, None)


@login_required
def schedule_team(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(scoping.schedule_teams_visible(request.user), slug=slug)
    return _schedule_page(request, team)


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, texts in error.message_dict.items():
            form.add_error(name if name in form.fields else None, texts)
    else:
        form.add_error(None, error.messages)


def _schedule_page(request: HttpRequest, team: Team | None) -> HttpResponse:
    user = request.user
    can_edit = scoping.can_edit_schedule(user, team)
    own = (
        Schedule.objects.filter(team=team) if team is not None else Schedule.objects.filter(team__isnull=True)
    ).first()
    default = Schedule.objects.filter(team__isnull=True).first() if team is not None else None
    following = own or default
    week_form = WeekForm(week=selectors.week_of(following))
    holiday_form = HolidayForm()
    import_form = HolidayImportForm(
        initial={"country": own.holiday_country, "subdivision": own.holiday_subdivision} if own else None
    )
    if request.method == "POST":
        if not can_edit:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "week":
                week_form = WeekForm(request.POST)
                if week_form.is_valid():
                    services.schedule_save(actor=user, team=team, weekdays=week_form.weekdays())
                    messages.success(request, "Opening hours saved; business hours of the tickets recomputed.")
                    return redirect(request.path)
            elif action == "holiday_add" and own is not None:
                holiday_form = HolidayForm(request.POST)
                if holiday_form.is_valid():
                    services.holiday_add(actor=user, schedule=own, **holiday_form.cleaned_data)
                    messages.success(request, "Holiday added.")
                    return redirect(request.path)
            elif action == "holiday_remove" and own is not None:
                holiday = get_object_or_404(own.holidays, pk=request.POST.get("holiday"))
                services.holiday_remove(actor=user, holiday=holiday)
                messages.success(request, f"Holiday {format_date(holiday.date)} removed.")
                return redirect(request.path)
            elif action == "import" and own is not None:
                import_form = HolidayImportForm(request.POST)
                if import_form.is_valid():
                    added, removed = services.holidays_import(actor=user, schedule=own, **import_form.cleaned_data)
                    messages.success(request, f"Holidays imported: {added} added, {removed} removed.")
                    return redirect(request.path)
            elif action == "delete" and own is not None and team is not None:
                services.schedule_delete(actor=user, schedule=own)
                messages.success(request, "This team now follows the org default schedule.")
                return redirect(request.path)
            else:
                raise Http404
        except PermissionDenied as denied:
            raise Http404 from denied
        except ValidationError as error:
            form = {"week": week_form, "holiday_add": holiday_form, "import": import_form}[action]
            _apply_errors(form, error)
    has_errors = any(form.errors for form in (week_form, holiday_form, import_form))
    week = selectors.week_of(following)
    return render(
        request,
        "schedules/schedule_detail.html",
        {
            "team": team,
            "own": own,
            "following": following,
            "follows_default": team is not None and own is None and default is not None,
            "can_edit": can_edit,
            "week_rows": [(name, week_form[name.lower()]) for name in WEEKDAYS],
            "week": [(WEEKDAYS[day], format_intervals(week[day]) or "closed") for day in range(7)],
            "weekly_hours": selectors.weekly_hours(following),
            "holidays": list(following.holidays.all()) if following is not None else [],
            "week_form": week_form,
            "holiday_form": holiday_form,
            "import_form": import_form,
            "zone": team.timezone if team is not None else "each team's own time zone",
        },
        status=400 if has_errors else 200,
    )
