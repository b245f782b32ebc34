"""The imports pages: upload a CSV, follow its run, read and download its bad rows."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts.scoping import import_runs_visible, manages_teams

from .forms import ImportForm
from .importing.errors import error_csv_read
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
    return render(request, "tickets/import_list.html", {"form": form, "runs": runs}, status=400 if form.errors else 200)


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
