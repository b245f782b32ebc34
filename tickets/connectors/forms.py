"""The connection form: address, credentials (write-only), group → team rules, history."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django import forms

from accounts.models import Team

from .crypto import key_configured
from .models import Connection, HelpdeskKind

SAVED_HELP = "Saved — leave blank to keep it."
LOOPBACK_HOSTS = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ConnectionForm(forms.ModelForm):
    base_url = forms.URLField(
        assume_scheme="https", label="Helpdesk address", help_text="For example https://acme.zendesk.com."
    )
    email = forms.EmailField(
        required=False, label="Agent e-mail (Zendesk)", help_text="The admin or agent whose API token Pulse uses."
    )
    api_token = forms.CharField(
        required=False,
        label="API token (Zendesk) or API key (Freshdesk)",
        widget=forms.PasswordInput(render_value=False),
        strip=True,
    )
    webhook_secret = forms.CharField(
        required=False,
        label="Webhook signing secret (Zendesk)",
        widget=forms.PasswordInput(render_value=False),
        help_text="From the webhook's page in Zendesk Admin Center; lets Pulse accept that webhook's calls.",
        strip=True,
    )
    group_rules = forms.CharField(
        required=False,
        label="Group → team rules",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: helpdesk group = team slug (for example “Support EU = falcons”).",
    )

    class Meta:
        model = Connection
        fields = ["name", "kind", "base_url", "match_groups_by_name", "external_id_prefix", "history_days", "is_active"]
        labels = {"history_days": "Days of history to read first"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        saved = self.instance.pk is not None
        if saved and self.instance.has_credentials:
            self.fields["email"].help_text = SAVED_HELP
            self.fields["api_token"].help_text = SAVED_HELP
        if saved and self.instance.has_webhook_secret:
            self.fields["webhook_secret"].help_text = SAVED_HELP
        if saved and not self.is_bound:
            self.initial["group_rules"] = "\n".join(
                f"{group} = {slug}" for group, slug in self.instance.group_map.items()
            )

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"].rstrip("/")
        parts = urlsplit(url)
        if parts.path or parts.query or parts.fragment:
            raise forms.ValidationError("Give the address only, e.g. https://acme.zendesk.com (no path).")
        # Credentials never travel unencrypted; plain http only reaches this machine (a local test helpdesk).
        if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
            raise forms.ValidationError("Use an https:// address.")
        return url

    def clean_group_rules(self) -> dict[str, str]:
        rules: dict[str, str] = {}
        slugs = set(Team.objects.values_list("slug", flat=True))
        problems = []
        for number, line in enumerate(self.cleaned_data["group_rules"].splitlines(), start=1):
            if not line.strip():
                continue
            group, equals, slug = line.rpartition("=")
            group, slug = group.strip(), slug.strip()
            if not equals or not group or not slug:
                problems.append(f"Line {number}: write “helpdesk group = team slug”.")
            elif slug not in slugs:
                problems.append(f"Line {number}: no team with slug “{slug}”.")
            elif group.lower() in {g.lower() for g in rules}:
                problems.append(f"Line {number}: the group “{group}” is mapped twice.")
            else:
                rules[group] = slug
        if problems:
            raise forms.ValidationError(problems)
        return rules

    def clean(self):
        cleaned = super().clean()
        if not key_configured():
            raise forms.ValidationError(
                "Credentials cannot be saved: PULSE_CONNECTOR_KEY is not set on the server (docs/deploy.md)."
            )
        has_saved = self.instance.pk is not None and self.instance.has_credentials
        if not cleaned.get("api_token") and not has_saved:
            self.add_error("api_token", "Required: Pulse signs in to the helpdesk with it.")
        if cleaned.get("kind") == HelpdeskKind.ZENDESK and not cleaned.get("email") and not has_saved:
            self.add_error("email", "Required for Zendesk: the token belongs to this user.")
        return cleaned

    def connection(self) -> Connection:
        """The instance with the form's fields set, for `connection_save` (which encrypts and audits)."""
        connection = self.instance
        connection.group_map = self.cleaned_data["group_rules"]
        return connection
