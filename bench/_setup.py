"""Shared set-up for benchmarks: Django on a dedicated PostgreSQL database, migrated and empty."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_on_database(default_name: str, *, fresh: bool = False) -> None:
    """Point Django at DATABASE_URL (default: a local PostgreSQL database of the bench's own) and migrate.

    `fresh` drops and recreates that database first.
    """
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_name}")
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
