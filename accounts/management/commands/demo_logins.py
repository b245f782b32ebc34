"""Print the demo logins (users with an @demo.pulse email) and their shared password."""

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, demo_logins_list


class Command(BaseCommand):
    help = "List the demo users: username, role, team(s), the page each lands on, and the password."

    def handle(self, *args, **options):
        logins = demo_logins_list()
        if not logins:
            self.stdout.write("No demo users; run `make run` or `manage.py seed_demo` to create them.")
            return
        header = ("username", "role", "team(s)", "lands on", "note")
        rows = [(login.username, login.role, login.teams, login.lands_on, login.note) for login in logins]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write(f"Demo logins — every demo user's password is: {DEMO_PASSWORD}")
        for row in [header, tuple("-" * width for width in widths), *rows]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        self.stdout.write("Sign in at /accounts/login/.")
