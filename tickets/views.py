"""The imports pages: upload a CSV, follow its run, read and download its bad rows; what each format
expects and a template per format."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.scoping import import_runs_visible, manages_teams

from .forms import MAPPING, ImportForm
from .importing.errors import error_csv_read
from .importing.help import builtin_profiles_help, profile_as_mapping, template_csv
from .importing.profiles import BUILTIN_PROFILES, DEFAULT_PROFILE, FIELD_TYPES, REQUIRED_FIELDS, ImportKind, Unit
from .importing.runs import import_run_create

ERRORS_SHOWN = 200


@login_required
def import_list(request):
    """Upload form and the runs the user may see (leaders and admins only)."""
    if not manages_teams(request.user):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        run = import_run_create(created_by=request.user, **form.run_options())
        return redirect("import_detail", pk=run.pk)
    runs = import_runs_visible(request.user)[:25]
    context = {"form": form, "runs": runs, **_help_context(form)}
    return render(request, "tickets/import_list.html", context, status=400 if form.errors else 200)


def _help_context(form: ImportForm) -> dict:
    """What each format expects, read from the profiles (the page's help section)."""
    titles = dict(form.fields["profile"].choices)
    return {
        "profiles_help": [(titles.get(item.name, item.name), item) for item in builtin_profiles_help()],
        "mapping_title": titles[MAPPING],
        "mapping_fields": [
            (ImportKind(kind).label, list(fields), REQUIRED_FIELDS[kind]) for kind, fields in FIELD_TYPES.items()
        ],
        "mapping_units": Unit.values,
        "mapping_example": json.dumps(
            profile_as_mapping(BUILTIN_PROFILES[DEFAULT_PROFILE[ImportKind.TICKETS]]), indent=2, ensure_ascii=False
        ),
    }


@login_required
def import_template(request, profile: str):
    """A format's CSV template: its header row and one example row (to those who may import)."""
    if not manages_teams(request.user) or profile not in BUILTIN_PROFILES:
        raise Http404
    chosen = BUILTIN_PROFILES[profile]
    response = HttpResponse(template_csv(chosen), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pulse-{chosen.name}-{chosen.kind}-template.csv"'
    return response


@login_required
def import_detail(request, pk: int):
    """A run's progress (refreshing itself while it runs) and, once done, its result and bad rows."""
    run = get_object_or_404(import_runs_visible(request.user), pk=pk)
    errors = error_csv_read(run.errors_file.path, limit=ERRORS_SHOWN) if run.errors_file else []
    return render(request, "tickets/import_detail.html", {"run": run, "errors": errors, "errors_shown": ERRORS_SHOWN})


@login_required
def import_errors_csv(request, pk: int):
    """Download every bad row of a run: line, column, field, value, message."""
    run = get_object_or_404(import_runs_visible(request.user), pk=pk)
    if not run.errors_file:
        raise Http404
    name = f"{Path(run.original_name).stem or 'import'}-errors.csv"
    return FileResponse(run.errors_file.open("rb"), as_attachment=True, filename=name, content_type="text/csv")
