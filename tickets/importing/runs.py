"""Imports started from the page: an ImportRun row, a Celery task, and progress on the row."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.scoping import is_admin
from config.errors import ApplicationError
from tickets.models import ImportRun

from .profiles import profile_load
from .service import ImportReport, ImportStopped, rows_count, rows_import

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
    strict: bool = False,
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
        strict=strict,
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
    if user is None or not user.is_active:  # nothing is written in the name of a removed uploader
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.RunStatus.FAILED,
            message="The user who uploaded this file no longer exists or is inactive; nothing was imported.",
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        return run
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
            strict=run.strict,
            errors_csv=errors_path,
            progress=progress,
            actor=user,
        )
    except ImportStopped as stop:
        # Part of the file is in the database: the run says so, and where to pick up.
        kept = stop.report.imported and not (run.dry_run or stop.report.strict)
        status = ImportRun.RunStatus.PARTIAL if kept else ImportRun.RunStatus.FAILED
        _finish(run, stop.report, errors_name, errors_path, status=status, message=stop.message, line=stop.line)
    except ApplicationError as error:
        details = [
            f"{key}: {' '.join(messages)}"
            for key, messages in error.errors.items()
            if not all(message in error.message for message in messages)  # no sentence said twice
        ]
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.RunStatus.FAILED,
            message="; ".join([error.message, *details]),
            stopped_at_line=getattr(error, "line", None),
            finished_at=timezone.now(),
        )
    else:
        if report.aborted:  # all or nothing, and a row was refused: the file was rolled back
            first = report.errors[0]
            message = (
                f"All or nothing: line {first.line} was refused ({first.field}: {first.message}), so nothing was "
                f"written. Fix the rows listed below and import the file again."
            )
            _finish(run, report, errors_name, errors_path, status=ImportRun.RunStatus.FAILED, message=message)
        else:
            _finish(run, report, errors_name, errors_path, status=ImportRun.RunStatus.SUCCEEDED)
    run.refresh_from_db()
    return run


def _finish(run, report, errors_name, errors_path, *, status, message="", line=None) -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        status=status,
        message=message,
        stopped_at_line=line,
        rows_done=report.rows_read,
        rows_created=report.created,
        rows_updated=report.updated,
        rows_unchanged=report.unchanged,
        rows_failed=report.failed,
        errors_file=errors_name if errors_path.exists() and report.errors_total else "",
        finished_at=timezone.now(),
    )


def import_run_fail(*, import_run_id: int, message: str) -> None:
    """Mark a run that stopped outside the import's own checks (time limit, a crash); say what it kept."""
    run = ImportRun.objects.get(pk=import_run_id)
    # Progress is saved after each committed chunk, so the counts on the row are what is stored.
    kept = run.rows_imported > 0 and not run.dry_run
    if kept:
        message += (
            f" The first {run.rows_done} rows were processed and are kept ({run.rows_created} created, "
            f"{run.rows_updated} updated, {run.rows_unchanged} unchanged, {run.rows_failed} refused as bad rows). "
            "Import the whole file again to finish: rows are matched by external_id, so those are left as they are."
        )
    ImportRun.objects.filter(pk=import_run_id).update(
        status=ImportRun.RunStatus.PARTIAL if kept else ImportRun.RunStatus.FAILED,
        message=message,
        finished_at=timezone.now(),
    )


def import_files_purge(*, retention_days: int | None = None) -> int:
    """Delete the files of runs that ended more than the retention ago; the run rows stay. Returns the runs purged.

    A run still unfinished after the whole retention is dead (its worker was lost): it is marked
    failed, so no later re-run reads a file that is gone.
    """
    days = settings.IMPORT_RETENTION_DAYS if retention_days is None else retention_days
    now = timezone.now()
    cutoff = now - dt.timedelta(days=days)
    old = ImportRun.objects.filter(files_purged_at__isnull=True).filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    )
    purged = 0
    for run in old.iterator():
        for field in (run.file, run.mapping_file, run.errors_file):
            if field:
                field.storage.delete(field.name)  # a file already gone is no error
        changes = {"file": "", "mapping_file": "", "errors_file": "", "files_purged_at": now}
        if not run.is_finished:
            changes.update(
                status=ImportRun.RunStatus.FAILED,
                message=f"The import never finished; its files were deleted after {days} days.",
                finished_at=now,
            )
        ImportRun.objects.filter(pk=run.pk).update(**changes)
        purged += 1
    if purged:
        logger.info("Deleted the files of %s import runs older than %s days.", purged, days)
    return purged
