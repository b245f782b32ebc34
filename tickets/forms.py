"""The imports page's upload form."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from accounts.scoping import is_admin, manages_customers
from config.errors import ApplicationError

from .importing.parsing import RowConverter
from .importing.profiles import BUILTIN_PROFILES, MAPPING_MAX_BYTES, ImportKind, Profile, profile_from_mapping_bytes
from .importing.uploads import upload_check

MAPPING = "mapping"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportKind.choices, initial=ImportKind.TICKETS)
    profile = forms.ChoiceField(
        label="Format",
        choices=[
            ("zendesk", "Zendesk ticket export"),
            ("freshdesk", "Freshdesk ticket export"),
            ("pulse", "Pulse survey CSV (external_id, ticket_external_id, agent_email, team, kind, score, …)"),
            ("customers", "Pulse customer CSV (external_id, name, segment, plan, mrr, mrr_effective_on, …)"),
            (MAPPING, "Another format, described by a mapping file"),
        ],
        initial="zendesk",
    )
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 (with or without BOM), comma-separated, first row the column names.",
    )
    mapping_file = forms.FileField(
        label="Mapping file",
        required=False,
        help_text="JSON or TOML: columns → fields, units, time zone, value maps. Only with “Another format”.",
    )
    timezone = forms.CharField(
        label="Time zone of timestamps without an offset",
        required=False,
        max_length=64,
        help_text="IANA name, e.g. Europe/Paris. Leave empty to use the format's own (UTC for the built-in ones).",
    )
    create_missing = forms.BooleanField(
        label="Create agents and teams the file names but Pulse does not know", required=False
    )
    strict = forms.BooleanField(
        label="All or nothing: if any row is refused, write none of the file",
        required=False,
        help_text="Otherwise the good rows are written and the bad ones listed, to fix and import again.",
    )
    dry_run = forms.BooleanField(label="Dry run: check every row, write nothing", required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not is_admin(user):
            del self.fields["create_missing"]
        if not manages_customers(user):  # customers are written by admins and customer writers only
            self.fields["kind"].choices = [c for c in ImportKind.choices if c[0] != ImportKind.CUSTOMERS]
        self.fields["file"].help_text += f" At most {filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)}."
        self.header: list[str] = []

    def clean_file(self):
        """Refuse what is too big or not a text CSV now, before a run (and a task) exists."""
        file = self.cleaned_data["file"]
        try:
            self.header = upload_check(file)
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from None
        return file

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        if value and value not in zoneinfo.available_timezones():
            raise forms.ValidationError(f"“{value}” is not an IANA time zone (for example Europe/Paris).")
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, profile, mapping_file = cleaned.get("kind"), cleaned.get("profile"), cleaned.get("mapping_file")
        chosen: Profile | None = None
        if profile == MAPPING:
            if not mapping_file:
                self.add_error("mapping_file", "Upload the mapping file that describes your columns.")
            elif kind:
                try:
                    # Read one byte past the limit at most: the parser refuses anything longer.
                    data = mapping_file.read(MAPPING_MAX_BYTES + 1)
                    chosen = profile_from_mapping_bytes(data=data, name=mapping_file.name, kind=kind)
                except ApplicationError as error:
                    details = [
                        f"{key}: {' '.join(messages)}"
                        for key, messages in error.errors.items()
                        if not all(message in error.message for message in messages)
                    ]
                    self.add_error("mapping_file", [error.message, *details])
                mapping_file.seek(0)
        elif profile and kind and BUILTIN_PROFILES[profile].kind != kind:
            self.add_error("profile", f"This format holds {BUILTIN_PROFILES[profile].kind}, not {kind}.")
        elif mapping_file:
            self.add_error("mapping_file", "Choose “Another format” to use a mapping file.")
        elif profile:
            chosen = BUILTIN_PROFILES[profile]
        if chosen is not None and self.header:
            try:  # the file must have the format's columns: a wrong export is refused now, not in the run
                RowConverter(chosen, self.header)
            except ApplicationError as error:
                self.add_error("file", error.message)
        return cleaned

    def run_options(self) -> dict:
        """The cleaned data as import_run_create's keyword arguments."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "file": data["file"],
            "profile": "" if data["profile"] == MAPPING else data["profile"],
            "mapping_file": data["mapping_file"] if data["profile"] == MAPPING else None,
            "create_missing": data.get("create_missing", False),
            "dry_run": data["dry_run"],
            "strict": data["strict"],
            "timezone_name": data["timezone"],
        }
