"""The streaming import: read a CSV export in chunks, validate every row with the API's rules,
upsert the good rows by `external_id`, and report each bad row with its line and column.

Memory stays flat whatever the file size: one chunk of rows (at most 1000, the batch limit of
the upsert services) is held at a time, plus the set of external ids already seen (to report a
duplicate row exactly). A chunk costs one lookup of the rows already stored, and at most two
upsert calls: when some records are refused, they are dropped and the rest is sent again.
"""

from __future__ import annotations

import contextlib
import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record
from config.errors import BatchValidationError
from kpis.services import snapshots_refresh_dirty
from surveys.models import Kind, SurveyResponse
from surveys.services import survey_responses_upsert
from tickets.batch import MAX_BATCH_SIZE
from tickets.models import Ticket
from tickets.services import TICKET_WRITE_FIELDS, tickets_upsert

from .directory import Directory
from .errors import ErrorCsvWriter, RowError
from .parsing import ImportFileError, ParsedRow, RowConverter
from .profiles import ImportKind, Profile

# The command's output and the run page show this many errors; the error CSV holds them all.
ERRORS_KEPT = 1000
SURVEY_COMPARED_FIELDS = ("ticket", "agent", "team", "kind", "score", "comment", "responded_at")
# Upsert error keys that name a different column than the field itself.
FIELD_ALIASES = {"ticket": "ticket_external_id"}


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    surveys_created: int = 0
    surveys_updated: int = 0
    teams_created: int = 0
    agents_created: int = 0
    snapshots_refreshed: int = 0
    dry_run: bool = False
    strict: bool = False
    aborted: bool = False
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


class StrictAbort(Exception):
    """--strict met a bad row: the whole file is rolled back."""


@dataclass
class _Item:
    line: int
    cells: list[str]
    row: ParsedRow
    record: dict[str, Any] = field(default_factory=dict)


def rows_import(
    *,
    path: Path | str,
    profile: Profile,
    create_missing: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    chunk_size: int = MAX_BATCH_SIZE,
    allowed_team_ids: list[int] | None = None,
    errors_csv: Path | str | None = None,
    progress: Callable[[ImportReport], None] | None = None,
    actor=None,
) -> ImportReport:
    """Import a ticket or survey CSV with `profile`; returns counts and the bad rows.

    Good rows are written chunk by chunk (each chunk atomic); `strict` rolls the whole file
    back at the first bad row; `dry_run` validates everything and writes nothing.
    `allowed_team_ids` (a leader's teams) turns rows of any other team into row errors.
    Affected (team, day) snapshots are recomputed at the end, and the import is recorded in the
    audit trail in the name of `actor` (None: the shell).
    """
    started = time.monotonic()
    report = ImportReport(dry_run=dry_run, strict=strict)
    directory = Directory(create_missing=create_missing, timezone=profile.timezone, allowed_team_ids=allowed_team_ids)
    writer = ErrorCsvWriter(errors_csv)
    line = 1
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                raise ImportFileError("The file is empty: it has no header row.", errors={"file": ["Empty."]}) from None
            converter = RowConverter(profile, header)
            chunk_importer = _ChunkImporter(profile, converter, directory, report, writer, dry_run, strict)
            outer = transaction.atomic() if strict else contextlib.nullcontext()
            with outer:
                for chunk in _chunks(reader, max(1, min(chunk_size, MAX_BATCH_SIZE))):
                    line = chunk[-1].line
                    chunk_importer.run(chunk)
                    if progress is not None:
                        progress(report)
                if strict and dry_run:
                    transaction.set_rollback(True)
    except StrictAbort:
        report.aborted = True
        report.created = report.updated = report.unchanged = 0
        report.surveys_created = report.surveys_updated = 0
        directory.teams_created = directory.agents_created = 0
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (a byte that cannot be read after line {line}). "
            "Save it as “CSV UTF-8” and import it again.",
            errors={"file": [str(error)]},
        ) from error
    except csv.Error as error:
        message = f"The CSV is malformed after line {line}: {error}."
        raise ImportFileError(message, errors={"file": [str(error)]}) from error
    finally:
        writer.close()
    report.teams_created, report.agents_created = directory.teams_created, directory.agents_created
    if not dry_run and not report.aborted and report.created + report.updated:
        report.snapshots_refreshed = snapshots_refresh_dirty()
    report.seconds = time.monotonic() - started
    audit_record(
        actor=actor,
        action=f"import.{profile.kind}",
        object_type="import",
        object_repr=f"{Path(path).name} ({profile.name})",
        after={
            "dry_run": dry_run,
            "strict": strict,
            "aborted": report.aborted,
            "rows_read": report.rows_read,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "failed": report.failed,
            "teams_created": report.teams_created,
            "agents_created": report.agents_created,
        },
    )
    return report


def rows_count(*, path: Path | str) -> int:
    """The number of data rows of a CSV file (a quick streaming pass, for progress bars)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        try:
            return sum(1 for cells in reader if any(cell.strip() for cell in cells))
        except (UnicodeDecodeError, csv.Error):
            return 0


def _chunks(reader, size: int) -> Iterator[list[_Item]]:
    chunk: list[_Item] = []
    while True:
        line = reader.line_num + 1  # a quoted cell may span lines: a row starts after the last one
        try:
            cells = next(reader)
        except StopIteration:
            break
        if not any(cell.strip() for cell in cells):
            continue
        chunk.append(_Item(line=line, cells=cells, row=ParsedRow()))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _ChunkImporter:
    def __init__(self, profile, converter, directory, report, writer, dry_run, strict) -> None:
        self.kind = profile.kind
        self.converter: RowConverter = converter
        self.directory: Directory = directory
        self.report: ImportReport = report
        self.writer: ErrorCsvWriter = writer
        self.dry_run = dry_run
        self.strict = strict
        self.seen: dict[str, int] = {}
        self.pending: list[tuple[int, list[RowError]]] = []

    # ---- one chunk ---------------------------------------------------------------------------

    def run(self, chunk: list[_Item]) -> None:
        for item in chunk:
            item.row = self.converter.convert(item.cells)
        self.report.rows_read += len(chunk)
        self._check_duplicates(chunk)
        values = [item.row.values for item in chunk]
        self.directory.prefetch(
            team_values={v["team"] for v in values if v.get("team")},
            agent_values={v["agent"] for v in values if v.get("agent")},
        )
        tickets = self._tickets_named(values) if self.kind == ImportKind.SURVEYS else {}
        with transaction.atomic():
            good = []
            for item in chunk:
                self._resolve(item, tickets)
                if item.row.errors:
                    self._fail(item, item.row.errors)
                else:
                    good.append(item)
            changed = self._changed(good)
            self.report.unchanged += len(good) - len(changed)
            written = self._upsert(changed)
            if self.kind == ImportKind.TICKETS:
                not_sent = {id(item) for item in good} - {id(item) for item in changed}
                stored_now = not_sent | {id(item) for item in written}
                self._satisfaction([item for item in good if id(item) in stored_now])
            if self.dry_run:
                transaction.set_rollback(True)
        self._flush()
        if self.dry_run:
            self.directory.forget_created()
        else:
            self.directory.keep_created()

    def _check_duplicates(self, chunk: list[_Item]) -> None:
        for item in chunk:
            external_id = str(item.row.values.get("external_id") or "")
            if not external_id:
                continue
            first = self.seen.setdefault(external_id, item.line)
            if first != item.line:
                item.row.add_error("external_id", f"Appears more than once in this file (first on line {first}).")

    # ---- references --------------------------------------------------------------------------

    def _tickets_named(self, values: list[dict]) -> dict[str, tuple[int, int | None, int]]:
        keys = {str(v["ticket_external_id"]) for v in values if v.get("ticket_external_id")}
        rows = Ticket.objects.filter(external_id__in=keys).values_list("external_id", "pk", "agent_id", "team_id")
        return {external_id: (pk, agent_id, team_id) for external_id, pk, agent_id, team_id in rows}

    def _resolve(self, item: _Item, tickets: dict) -> None:
        """Turn team / agent / ticket names into ids, the same way for tickets and surveys."""
        row = item.row
        values = row.values
        team = agent = None
        team_from = "team"
        if values.get("team"):
            try:
                team = self.directory.team(values["team"])
            except ValidationError as error:
                for message in error.messages:
                    row.add_error("team", message)
        if values.get("agent") and "team" not in row.errors:
            try:
                agent = self.directory.agent(values["agent"], team)
            except ValidationError as error:
                for message in error.messages:
                    row.add_error("agent", message)
        ticket_id = None
        team_id = team.pk if team else None
        agent_id = agent.pk if agent else None
        if self.kind == ImportKind.SURVEYS and values.get("ticket_external_id"):
            found = tickets.get(str(values["ticket_external_id"]))
            if found is None:
                row.add_error("ticket_external_id", f"No ticket “{values['ticket_external_id']}”.")
            else:
                ticket_id = found[0]
                if agent_id is None and "agent" not in row.errors:
                    agent_id = found[1]
                if team_id is None and "team" not in row.errors:
                    team_id, team_from = found[2], "ticket_external_id"
        if team_id is None and agent is not None:
            team_id, team_from = agent.team_id, "agent"
        if row.errors:
            return
        if team_id is None:
            row.add_error("team", "Give the team (a team or group column), or an agent who has one.")
            return
        if self.directory.allowed_team_ids is not None and team_id not in self.directory.allowed_team_ids:
            row.add_error("team", "outside the teams you lead")
            if team_from != "team":
                row.columns["team"] = self.converter.column_of(row, team_from)
            return
        item.record = self._record(values, ticket_id=ticket_id, agent_id=agent_id, team_id=team_id)

    def _record(self, values: dict, *, ticket_id, agent_id, team_id) -> dict[str, Any]:
        if self.kind == ImportKind.TICKETS:
            record = {name: values[name] for name in TICKET_WRITE_FIELDS if name in values}
        else:
            record = {name: values[name] for name in ("kind", "score", "comment", "responded_at") if name in values}
            record["ticket"] = ticket_id
        record.update(external_id=str(values["external_id"]), agent=agent_id, team=team_id)
        return record

    # ---- writes ------------------------------------------------------------------------------

    def _changed(self, items: list[_Item]) -> list[_Item]:
        """The items whose record differs from what is stored (a re-import changes nothing)."""
        if not items:
            return []
        if self.kind == ImportKind.TICKETS:
            model, fields = Ticket, TICKET_WRITE_FIELDS
        else:
            model, fields = SurveyResponse, SURVEY_COMPARED_FIELDS
        defaults = {name: model._meta.get_field(name).get_default() for name in fields}
        columns = [f"{name}_id" if name in ("agent", "team", "ticket") else name for name in fields]
        rows = model.objects.filter(external_id__in=[item.record["external_id"] for item in items])
        stored = {row[0]: row[1:] for row in rows.values_list("external_id", *columns)}
        changed = []
        for item in items:
            record = item.record
            wanted = tuple(record[name] if name in record else defaults[name] for name in fields)
            if stored.get(record["external_id"]) != wanted:
                changed.append(item)
        return changed

    def _upsert(self, items: list[_Item]) -> list[_Item]:
        upsert = tickets_upsert if self.kind == ImportKind.TICKETS else survey_responses_upsert
        while items:
            try:
                result = upsert(records=[item.record for item in items])
            except BatchValidationError as error:
                bad = {index for index in error.errors if index >= 0}
                for index in sorted(bad):
                    self._fail(items[index], error.errors[index])
                items = [item for index, item in enumerate(items) if index not in bad]
                continue
            self.report.created += result.created
            self.report.updated += result.updated
            return items
        return []

    def _satisfaction(self, items: list[_Item]) -> None:
        """Zendesk's satisfaction rating becomes a CSAT response (Good → 5, Bad → 1) on its ticket."""
        records = []
        for item in items:
            score = item.row.values.get("satisfaction")
            if score is None:
                continue
            ticket = item.record
            records.append(
                {
                    "external_id": f"{ticket['external_id']}-satisfaction",
                    "ticket_external_id": ticket["external_id"],
                    "kind": Kind.CSAT,
                    "score": score,
                    "responded_at": ticket.get("solved_at") or ticket["created_at"],
                }
            )
        if not records:
            return
        compared = ("ticket__external_id", "kind", "score", "responded_at")
        stored = SurveyResponse.objects.filter(external_id__in=[r["external_id"] for r in records])
        stored = {row[0]: row[1:] for row in stored.values_list("external_id", *compared)}
        changed = [
            r
            for r in records
            if stored.get(r["external_id"]) != (r["ticket_external_id"], r["kind"], r["score"], r["responded_at"])
        ]
        if changed:
            result = survey_responses_upsert(records=changed)
            self.report.surveys_created += result.created
            self.report.surveys_updated += result.updated

    # ---- errors ------------------------------------------------------------------------------

    def _fail(self, item: _Item, errors: dict[str, list[str]]) -> None:
        row_errors = []
        for name, messages in errors.items():
            name = FIELD_ALIASES.get(name, name)
            column = self.converter.column_of(item.row, name) if name in self.converter.mapped_columns else ""
            value = self.converter.cell(item.cells, column)
            row_errors.extend(
                RowError(line=item.line, column=column, field=name, message=message, value=value)
                for message in messages
            )
        self.pending.append((item.line, row_errors))

    def _flush(self) -> None:
        """Report a chunk's bad rows in file order; under --strict, the first one aborts the file."""
        self.pending.sort(key=lambda pending: pending[0])
        if self.strict and self.pending:
            self.pending = self.pending[:1]
        for _, row_errors in self.pending:
            self.report.failed += 1
            for error in row_errors:
                self.report.errors_total += 1
                if len(self.report.errors) < ERRORS_KEPT:
                    self.report.errors.append(error)
                self.writer.write(error)
        aborted = self.strict and bool(self.pending)
        self.pending = []
        if aborted:
            raise StrictAbort
