"""`import_customers FILE`: import customers (accounts, MRR, start and churn dates) from a CSV file."""

from tickets.importing.command import ImportCommand
from tickets.importing.profiles import ImportKind


class Command(ImportCommand):
    help = "Import customers from a CSV file, upserting by external_id; bad rows are reported, not written."
    kind = ImportKind.CUSTOMERS
