"""`import_tickets FILE`: import a helpdesk's ticket CSV export (Zendesk, Freshdesk or a mapping)."""

from tickets.importing.command import ImportCommand
from tickets.importing.profiles import ImportKind


class Command(ImportCommand):
    help = "Import tickets from a CSV export, upserting by external_id; bad rows are reported, not written."
    kind = ImportKind.TICKETS
