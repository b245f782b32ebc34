"""The streaming import: read a CSV export in chunks, validate every row with the API's rules,
upsert the good rows by `external_id`, and report each bad row with its line and column.

Memory stays flat whatever the file size: one chunk of rows (at most 1000, the batch limit of
the upsert services) is held at a time, plus the set of external ids already seen (to report a
duplicate row exactly). A chunk costs one lookup of the rows already stored, and at most two
upsert calls: when some records are refused, they are dropped and the rest is sent again.

A file that stops being readable part-way (a byte that is not UTF-8, a NUL, broken quoting), or
a row the database refuses although it passed every check, stops the import at that exact
line: the rows before it are kept and counted, and `ImportStopped` says how to resume.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models.functions import Lower

from accounts.audit import audit_record
from accounts.scoping import customers_nameable, manages_customers, record_write_scope
from config.errors import BatchValidationError
from kpis.services import snapshots_refresh_dirty
from surveys.models import Kind, SurveyResponse
from surveys.services import survey_responses_upsert
from tickets.batch import CUSTOMER_KEY, MAX_BATCH_SIZE, NOT_A_WRITER
from tickets.customers.services import NOT_A_CUSTOMER_WRITER, customers_upsert
from tickets.models import BusinessSecondsSource, Ticket
from tickets.services import TICKET_HELPDESK_BUSINESS_FIELDS, TICKET_WRITE_FIELDS, tickets_upsert

from .directory import Directory
from .errors import ErrorCsvWriter, RowError
from .parsing import ImportFileError, ParsedRow, RowConverter, text_lines
from .profiles import ImportKind, Profile

# The command's output and the run page show this many errors; the error CSV holds them all.
ERRORS_KEPT = 1000
SURVEY_COMPARED_FIELDS = ("ticket", "agent", "team", "kind", "score", "comment", "responded_at")
# Upsert error keys that name a different column than the field itself.
FIELD_ALIASES = {"ticket": "ticket_external_id"}
# The counters a chunk moves before it commits; a chunk the database refuses puts them back.
CHUNK_COUNTERS = ("rows_read", "created", "updated", "unchanged", "surveys_created", "surveys_updated")
RESUME_HINT = (
    "Fix line {line} and import the whole file again: rows are matched by external_id, "
    "so the rows already imported are left as they are."
)

logger = logging.getLogger(__name__)


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
    last_line: int = 0  # the last line of the rows counted above (committed, unless dry run or strict)
    stopped_at_line: int | None = None
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


def _helpdesk_business_seconds(values: dict[str, Any]) -> dict[str, Any]:
    """The export's own business-hours durations, kept as given when it gives one for every duration the row
    has (the first reply when answered, the resolution when solved); otherwise none is kept and Pulse computes
    both from the team's schedule (one ticket's two figures never come from two calendars)."""
    found: dict[str, Any] = {}
    for name, moment in zip(TICKET_HELPDESK_BUSINESS_FIELDS, ("first_response_at", "solved_at"), strict=True):
        if values.get(moment) is None:
            found[name] = None
        elif isinstance(values.get(name), int) and values[name] >= 0:
            found[name] = values[name]
        else:
            return {}
    if all(value is None for value in found.values()):
        return {}
    return {**found, "business_seconds_source": BusinessSecondsSource.HELPDESK}


def _business_key(values: tuple) -> tuple:
    """What decides whether business-hours figures change: the helpdesk's own figures, or none of them."""
    first, resolution, source = values
    return (first, resolution) if source == BusinessSecondsSource.HELPDESK else ("not the helpdesk's",)


class StrictAbort(Exception):
    """--strict met a bad row: the whole file is rolled back."""


class ImportStopped(ImportFileError):
    """The import stopped at `line`; `report` counts what was done before it (kept unless dry run or strict)."""

    def __init__(self, message: str, *, line: int, report: ImportReport, reason: str) -> None:
        super().__init__(message, errors={"file": [reason]}, line=line)
        self.report = report


class _RowRefused(ImportFileError):
    """The database refused a row that passed every check; the chunk holding it was rolled back."""


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
    errors_csv: Path | str | None = None,
    progress: Callable[[ImportReport], None] | None = None,
    actor=None,
) -> ImportReport:
    """Import a ticket or survey CSV with `profile`; returns counts and the bad rows.

    Good rows are written chunk by chunk (each chunk atomic); `strict` rolls the whole file
    back at the first bad row; `dry_run` validates everything and writes nothing.
    `actor`'s write scope applies to every row: another team's team, agent or ticket reads as
    not found, and the upserts refuse another team's record.
    Affected (team, day) snapshots are recomputed at the end, and the import is recorded in the
    audit trail in the name of `actor` (None: the shell).
    """
    scope = record_write_scope(actor)
    if profile.kind == ImportKind.CUSTOMERS:  # org-wide accounts: admins and customer writers only
        if actor is not None and not manages_customers(actor):
            raise ImportFileError(NOT_A_CUSTOMER_WRITER, errors={"file": [NOT_A_CUSTOMER_WRITER]})
    elif not scope.may_write:  # an agent or HR user imports nothing
        raise ImportFileError(NOT_A_WRITER, errors={"file": [NOT_A_WRITER]})
    started = time.monotonic()
    report = ImportReport(dry_run=dry_run, strict=strict)
    directory = Directory(
        create_missing=create_missing,
        timezone=profile.timezone,
        allowed_team_ids=scope.team_ids,
    )
    writer = ErrorCsvWriter(errors_csv)
    stop: ImportFileError | None = None
    try:
        with open(path, "rb") as handle:
            reader = csv.reader(text_lines(handle))
            header = _header(reader)
            converter = RowConverter(profile, header)
            chunk_importer = _ChunkImporter(
                profile, converter, directory, report, writer, dry_run, strict, actor, scope
            )
            outer = transaction.atomic() if strict else contextlib.nullcontext()
            try:
                with outer:
                    for chunk in _chunks(reader, max(1, min(chunk_size, MAX_BATCH_SIZE))):
                        chunk_importer.run(chunk)
                        report.last_line = chunk[-1].line
                        if progress is not None:
                            progress(report)
                    if strict and dry_run:
                        transaction.set_rollback(True)
            except ImportFileError as error:  # a later line is unreadable or refused: keep what came before
                stop = error
                report.stopped_at_line = error.line
                if strict:
                    _nothing_kept(report, directory)
    except StrictAbort:
        report.aborted = True
        _nothing_kept(report, directory)
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
            "stopped_at_line": report.stopped_at_line,
        },
    )
    if stop is not None:
        raise ImportStopped(
            _stopped_message(stop, report), line=stop.line or report.last_line + 1, report=report, reason=stop.message
        ) from stop
    return report


def _nothing_kept(report: ImportReport, directory: Directory) -> None:
    """The whole file was rolled back (--strict): nothing it counted is in the database."""
    report.created = report.updated = report.unchanged = 0
    report.surveys_created = report.surveys_updated = 0
    directory.teams_created = directory.agents_created = 0


def _stopped_message(stop: ImportFileError, report: ImportReport) -> str:
    """What stopped the import, what of the file is kept, and how to finish it."""
    line = stop.line or report.last_line + 1
    if report.strict:
        kept = "Nothing was written: all or nothing (--strict) rolls the whole file back."
    elif report.dry_run:
        kept = f"Dry run: nothing was written; the {report.rows_read} rows before it were checked."
    elif not report.rows_read:
        kept = "No row was imported."
    else:
        kept = (
            f"The {report.rows_read} rows up to line {report.last_line} are imported and kept "
            f"({report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.failed} refused as bad rows); the rows from line {report.last_line + 1} on are not."
        )
    return f"{stop.message} {kept} {RESUME_HINT.format(line=line)}"  # every stop reason names its line


def _header(reader) -> list[str]:
    try:
        return next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty: it has no header row.", errors={"file": ["Empty."]}) from None
    except csv.Error as error:
        message = f"The first row (the column names) is not valid CSV: {error}."
        raise ImportFileError(message, errors={"file": [message]}, line=1) from None


def rows_count(*, path: Path | str) -> int:
    """The number of data rows of a CSV file, up to where it breaks (a quick streaming pass, for progress bars)."""
    count = 0
    with open(path, "rb") as handle:
        reader = csv.reader(text_lines(handle))
        try:
            next(reader, None)
            for cells in reader:
                count += any(cell.strip() for cell in cells)
        except (ImportFileError, csv.Error):  # the import itself reports where and why the file breaks
            pass
    return count


def _chunks(reader, size: int) -> Iterator[list[_Item]]:
    chunk: list[_Item] = []
    while True:
        line = reader.line_num + 1  # a quoted cell may span lines: a row starts after the last one
        try:
            cells = next(reader)
        except StopIteration:
            break
        except (ImportFileError, csv.Error) as error:
            if isinstance(error, csv.Error):
                message = f"The row that starts on line {line} is not valid CSV ({error})."
                error = ImportFileError(message, errors={"file": [message]}, line=line)
            if chunk:  # the rows read before the bad line are imported like any others
                yield chunk
            raise error from None
        if not any(cell.strip() for cell in cells):
            continue
        chunk.append(_Item(line=line, cells=cells, row=ParsedRow()))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _ChunkImporter:
    def __init__(self, profile, converter, directory, report, writer, dry_run, strict, actor, scope) -> None:
        self.kind = profile.kind
        self.actor = actor  # every upsert applies this writer's scope (None: the operator's shell)
        self.scope = scope
        self.converter: RowConverter = converter
        self.directory: Directory = directory
        self.report: ImportReport = report
        self.writer: ErrorCsvWriter = writer
        self.dry_run = dry_run
        self.strict = strict
        self.seen: dict[str, int] = {}
        self.pending: list[tuple[int, list[RowError]]] = []
        # A file with an organisation / company column names each row's customer (an empty cell: none).
        self.reads_customer = CUSTOMER_KEY in profile.defaults or any(
            name == CUSTOMER_KEY for name, _, _ in converter.plans
        )
        self.customer_keys: dict[str, str] = {}

    # ---- one chunk ---------------------------------------------------------------------------

    def run(self, chunk: list[_Item]) -> None:
        for item in chunk:
            item.row = self.converter.convert(item.cells)
        counters = self._counters()
        self.report.rows_read += len(chunk)
        self._check_duplicates(chunk)
        values = [item.row.values for item in chunk]
        self.directory.prefetch(
            team_values={v["team"] for v in values if v.get("team")},
            agent_values={v["agent"] for v in values if v.get("agent")},
        )
        tickets = self._tickets_named(values) if self.kind == ImportKind.SURVEYS else {}
        self.customer_keys = self._customers_named(values)
        good: list[_Item] = []
        try:
            with transaction.atomic():
                for item in chunk:
                    self._resolve(item, tickets)
                    if item.row.errors:
                        self._fail(item, item.row.errors)
                    else:
                        good.append(item)
                self._write(good)
                if self.dry_run:
                    transaction.set_rollback(True)
        except (IntegrityError, DataError) as error:
            # A database rule the row checks do not cover: the chunk is rolled back, so is its count.
            logger.warning("Import lines %s-%s refused by the database: %s", chunk[0].line, chunk[-1].line, error)
            self._restore(counters)
            self.directory.forget_created()
            raise self._refused(chunk, good) from None
        self._flush()
        if self.dry_run:
            self.directory.forget_created()
        else:
            self.directory.keep_created()

    def _write(self, good: list[_Item]) -> None:
        changed = self._changed(good)
        self.report.unchanged += len(good) - len(changed)
        written = self._upsert(changed)
        if self.kind == ImportKind.TICKETS:
            not_sent = {id(item) for item in good} - {id(item) for item in changed}
            stored_now = not_sent | {id(item) for item in written}
            self._satisfaction([item for item in good if id(item) in stored_now])

    def _counters(self) -> dict[str, int]:
        return {name: getattr(self.report, name) for name in CHUNK_COUNTERS}

    def _restore(self, counters: dict[str, int]) -> None:
        for name, value in counters.items():
            setattr(self.report, name, value)
        self.pending = []

    def _refused(self, chunk: list[_Item], good: list[_Item]) -> _RowRefused:
        """Find the row the database refuses by trying each alone, always rolled back; the error names it."""
        counters = self._counters()
        line = None
        for item in good:
            try:
                with transaction.atomic():
                    self._write([item])
                    transaction.set_rollback(True)
            except (IntegrityError, DataError):
                line = item.line
                break
            finally:
                self._restore(counters)
        if line is None:  # no row fails alone (or a created team or agent failed): name the chunk
            message = (
                f"Line {chunk[0].line}: the database refused a row among lines {chunk[0].line}–{chunk[-1].line} "
                "although each row passed the checks."
            )
            return _RowRefused(message, errors={"file": [message]}, line=chunk[0].line)
        message = (
            f"Line {line}: the database refused this row although it passed the checks "
            "(a value breaks a rule of the stored data)."
        )
        return _RowRefused(message, errors={"file": [message]}, line=line)

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
        rows = Ticket.objects.filter(external_id__in=keys)
        if self.scope.team_ids is not None:  # another team's ticket reads as no ticket at all
            rows = rows.filter(team_id__in=self.scope.team_ids)
        rows = rows.values_list("external_id", "pk", "agent_id", "team_id")
        return {external_id: (pk, agent_id, team_id) for external_id, pk, agent_id, team_id in rows}

    def _customers_named(self, values: list[dict]) -> dict[str, str]:
        """Each organisation cell → the external id of its customer: the customer with that external id, else
        the only customer with that name (any case); a name several customers share is kept as is (refused)."""
        cells = {str(v[CUSTOMER_KEY]).strip() for v in values if v.get(CUSTOMER_KEY)}
        if not cells:
            return {}
        # Among the customers the importer may name (a leader: their teams'), so that a name never reveals another
        # customer's external id, nor that several share it.
        customers = customers_nameable(self.actor)
        found = {key: key for key in customers.filter(external_id__in=cells).values_list("external_id", flat=True)}
        by_name: dict[str, list[str]] = {}
        named = customers.annotate(lowered=Lower("name")).filter(lowered__in={c.lower() for c in cells - set(found)})
        for name, external_id in named.values_list("lowered", "external_id"):
            by_name.setdefault(name, []).append(external_id)
        for cell in cells - set(found):
            matches = by_name.get(cell.lower(), [])
            if len(matches) == 1:
                found[cell] = matches[0]
            elif matches:
                found[cell] = ""  # ambiguous: the row says so
        return found

    def _resolve(self, item: _Item, tickets: dict) -> None:
        """Turn team / agent / ticket names into ids, the same way for tickets and surveys."""
        row = item.row
        values = row.values
        if self.kind == ImportKind.CUSTOMERS:  # no team, agent or ticket to resolve: the upsert checks the rest
            item.record = {**values, "external_id": str(values.get("external_id") or "")}
            return
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
        for name in TICKET_HELPDESK_BUSINESS_FIELDS:
            if isinstance(values.get(name), int) and values[name] < 0:
                row.add_error(name, "A business-hours duration cannot be negative.")
        cell = str(values.get(CUSTOMER_KEY) or "").strip()
        if cell and self.customer_keys.get(cell) == "":
            row.add_error(CUSTOMER_KEY, f"Several customers are named “{cell}”: give the customer's external id.")
        if row.errors:
            return
        if team_id is None:
            message = "Give the team (a team or group column), or an agent who has one."
            marks = [f"“{row.placeholders[name]}”" for name in ("team", "agent") if name in row.placeholders]
            if marks:  # "No Group" / "No Agent": say why the row has neither
                message = f"{' and '.join(marks)} {'mean' if len(marks) > 1 else 'means'} none in the export. {message}"
            row.add_error("team", message)
            return
        if not self.scope.allows_team(team_id):  # unreachable through scoped lookups; kept as the last guard
            row.add_error("team", "You may import rows only for the teams you lead.")
            if team_from != "team":
                row.columns["team"] = self.converter.column_of(row, team_from)
            return
        item.record = self._record(values, ticket_id=ticket_id, agent_id=agent_id, team_id=team_id)

    def _record(self, values: dict, *, ticket_id, agent_id, team_id) -> dict[str, Any]:
        if self.kind == ImportKind.TICKETS:
            record = {name: values[name] for name in TICKET_WRITE_FIELDS if name in values}
            record.update(_helpdesk_business_seconds(values))
        else:
            record = {name: values[name] for name in ("kind", "score", "comment", "responded_at") if name in values}
            record["ticket"] = ticket_id
        if self.reads_customer:
            cell = str(values.get(CUSTOMER_KEY) or "").strip()
            record[CUSTOMER_KEY] = (self.customer_keys.get(cell) or cell) if cell else None
        record.update(external_id=str(values["external_id"]), agent=agent_id, team=team_id)
        return record

    # ---- writes ------------------------------------------------------------------------------

    def _changed(self, items: list[_Item]) -> list[_Item]:
        """The items whose record differs from what is stored (a re-import changes nothing)."""
        if not items:
            return []
        if self.kind == ImportKind.CUSTOMERS:  # the customer upsert counts its own unchanged records
            return items
        if self.kind == ImportKind.TICKETS:
            model, fields = Ticket, TICKET_WRITE_FIELDS
        else:
            model, fields = SurveyResponse, SURVEY_COMPARED_FIELDS
        defaults = {name: model._meta.get_field(name).get_default() for name in fields}
        columns = [f"{name}_id" if name in ("agent", "team", "ticket") else name for name in fields]
        # Beyond the plain fields: the customer (when the file names it) and the helpdesk's business seconds.
        extra = ["customer__external_id"]
        if self.kind == ImportKind.TICKETS:
            extra += [*TICKET_HELPDESK_BUSINESS_FIELDS, "business_seconds_source"]
        rows = model.objects.filter(external_id__in=[item.record["external_id"] for item in items])
        if self.scope.team_ids is not None:  # another team's record is never "unchanged": the upsert refuses it
            rows = rows.filter(team_id__in=self.scope.team_ids)
        stored = {row[0]: row[1:] for row in rows.values_list("external_id", *columns, *extra)}
        changed = []
        for item in items:
            record = item.record
            wanted = tuple(record[name] if name in record else defaults[name] for name in fields)
            found = stored.get(record["external_id"])
            if found is None or found[: len(fields)] != wanted:
                changed.append(item)
                continue
            customer, business = found[len(fields)], found[len(fields) + 1 :]
            given = (
                *(record.get(name) for name in TICKET_HELPDESK_BUSINESS_FIELDS),
                record.get("business_seconds_source"),
            )
            customer_changed = CUSTOMER_KEY in record and customer != record[CUSTOMER_KEY]
            if customer_changed or (business and _business_key(business) != _business_key(given)):
                changed.append(item)
        return changed

    def _upsert(self, items: list[_Item]) -> list[_Item]:
        upsert = {
            ImportKind.TICKETS: tickets_upsert,
            ImportKind.SURVEYS: survey_responses_upsert,
            ImportKind.CUSTOMERS: customers_upsert,
        }[self.kind]
        while items:
            try:
                result = upsert(records=[item.record for item in items], actor=self.actor)
            except BatchValidationError as error:
                bad = {index for index in error.errors if index >= 0}
                if not bad:  # the batch as a whole was refused: no row can go through
                    raise
                for index in sorted(bad):
                    self._fail(items[index], error.errors[index])
                items = [item for index, item in enumerate(items) if index not in bad]
                continue
            self.report.created += result.created
            self.report.updated += result.updated
            self.report.unchanged += getattr(result, "unchanged", 0)  # customers: counted by the upsert
            return items
        return []

    def _satisfaction(self, items: list[_Item]) -> None:
        """Zendesk's satisfaction rating becomes a CSAT response (Good → 5, Bad → 1) on its ticket."""
        records, sources = [], []
        for item in items:
            score = item.row.values.get("satisfaction")
            if score is None:
                continue
            ticket = item.record
            sources.append(item)
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
        # A rating names no customer: it takes its ticket's, so a ticket's new customer rewrites it too.
        compared = ("ticket__external_id", "kind", "score", "responded_at", "customer_id")
        stored = SurveyResponse.objects.filter(external_id__in=[r["external_id"] for r in records])
        if self.scope.team_ids is not None:  # another team's response is never "unchanged": the upsert refuses it
            stored = stored.filter(team_id__in=self.scope.team_ids)
        stored = {row[0]: row[1:] for row in stored.values_list("external_id", *compared)}
        ticket_customers = dict(
            Ticket.objects.filter(external_id__in=[r["ticket_external_id"] for r in records]).values_list(
                "external_id", "customer_id"
            )
        )
        changed = [
            (item, r)
            for item, r in zip(sources, records, strict=True)
            if stored.get(r["external_id"])
            != (
                r["ticket_external_id"],
                r["kind"],
                r["score"],
                r["responded_at"],
                ticket_customers.get(r["ticket_external_id"]),
            )
        ]
        while changed:
            try:
                result = survey_responses_upsert(records=[r for _, r in changed], actor=self.actor)
            except BatchValidationError as error:  # reported on the ticket's row, the rest sent again
                bad = {index for index in error.errors if index >= 0}
                if not bad:
                    raise
                for index in sorted(bad):
                    messages = [m for field_messages in error.errors[index].values() for m in field_messages]
                    self._fail(changed[index][0], {"satisfaction": messages})
                changed = [pair for index, pair in enumerate(changed) if index not in bad]
                continue
            self.report.surveys_created += result.created
            self.report.surveys_updated += result.updated
            return

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
