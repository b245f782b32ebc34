"""`import_surveys FILE`: import survey responses from a CSV (Pulse layout or a mapping file)."""

from tickets.importing.command import ImportCommand
from tickets.importing.profiles import ImportKind


class Command(ImportCommand):
    help = "Import survey responses from a CSV, upserting by external_id; bad rows are reported, not written."
    kind = ImportKind.SURVEYS
