"""Imports started from the page: an ImportRun row, a Celery task, and progress on the row."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.scoping import is_admin, teams_managed
from config.errors import ApplicationError
from tickets.models import ImportRun

from .profiles import profile_load
from .service import ImportReport, rows_count, rows_import

logger = logging.getLogger(__name__)


def import_run_create(
    *,
    created_by: User,
    kind: str,
    file: UploadedFile,
    profile: str = "",
    mapping_file: UploadedFile | None = None,
    create_missing: bool = False,
    dry_run: bool = False,
    timezone_name: str = "",
) -> ImportRun:
    """Store the uploaded file and options, and run the import in a Celery task after commit.

    Only admins may create missing teams and agents.
    """
    run = ImportRun(
        created_by=created_by,
        kind=kind,
        profile="" if mapping_file else profile,
        create_missing=create_missing and is_admin(created_by),
        dry_run=dry_run,
        timezone=timezone_name,
        original_name=Path(file.name).name[:255],
    )
    run.file.save(Path(file.name).name, file, save=False)
    if mapping_file is not None:
        run.mapping_file.save(Path(mapping_file.name).name, mapping_file, save=False)
    run.full_clean()
    run.save()
    from tickets.tasks import import_run_task

    transaction.on_commit(lambda: import_run_task.delay(run.pk))
    return run


def import_run_execute(*, import_run_id: int) -> ImportRun:
    """Run (or re-run, after a lost worker) an ImportRun; its row tracks progress and the result.

    Re-running is safe: rows are upserted by external_id, so a second run changes nothing more.
    """
    run = ImportRun.objects.select_related("created_by").get(pk=import_run_id)
    if run.is_finished:
        return run
    user = run.created_by
    if user is None:  # the uploader was deleted: nothing may be written in their name
        allowed: list[int] | None = []
    elif is_admin(user):
        allowed = None
    else:
        allowed = list(teams_managed(user).values_list("pk", flat=True))
    path = Path(run.file.path)
    errors_name = f"imports/errors/run-{run.pk}-errors.csv"
    errors_path = Path(run.file.storage.path(errors_name))
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.RunStatus.RUNNING,
        started_at=timezone.now(),
        rows_total=rows_count(path=path),
        rows_done=0,
        message="",
    )

    def progress(report: ImportReport) -> None:
        ImportRun.objects.filter(pk=run.pk).update(
            rows_done=report.rows_read,
            rows_created=report.created,
            rows_updated=report.updated,
            rows_unchanged=report.unchanged,
            rows_failed=report.failed,
        )

    try:
        profile = profile_load(
            name_or_path=run.mapping_file.path if run.mapping_file else run.profile,
            kind=run.kind,
            timezone=run.timezone or None,
        )
        report = rows_import(
            path=path,
            profile=profile,
            create_missing=run.create_missing,
            dry_run=run.dry_run,
            allowed_team_ids=allowed,
            errors_csv=errors_path,
            progress=progress,
            actor=user,
        )
    except ApplicationError as error:
        details = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in error.errors.items())
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.RunStatus.FAILED,
            message=f"{error.message} {details}".strip(),
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        return run
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.RunStatus.SUCCEEDED,
        rows_done=report.rows_read,
        rows_created=report.created,
        rows_updated=report.updated,
        rows_unchanged=report.unchanged,
        rows_failed=report.failed,
        errors_file=errors_name if errors_path.exists() and report.errors_total else "",
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def import_run_fail(*, import_run_id: int, message: str) -> None:
    """Mark a run failed as a whole (e.g. it hit the task's time limit)."""
    ImportRun.objects.filter(pk=import_run_id).update(
        status=ImportRun.RunStatus.FAILED, message=message, finished_at=timezone.now()
    )
