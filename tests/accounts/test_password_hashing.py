"""Passwords are hashed with Argon2id in every deployed environment; older PBKDF2 hashes still sign in and are
rehashed with Argon2 at that sign-in (docs/decisions.md, "Password hashing")."""

from __future__ import annotations

import importlib

from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import Client, override_settings

from tests.factories import AgentFactory

DEPLOYED_HASHERS = importlib.import_module("config.settings.base").PASSWORD_HASHERS


def test_argon2_is_the_deployed_hasher_and_every_listed_hasher_has_its_package():
    with override_settings(PASSWORD_HASHERS=DEPLOYED_HASHERS):
        encoded = make_password("correct horse battery staple")
        assert encoded.startswith("argon2$argon2id$")
        assert check_password("correct horse battery staple", encoded)
        assert not check_password("correct horse battery stapler", encoded)
        assert identify_hasher(encoded).algorithm == "argon2"
    for path in DEPLOYED_HASHERS:  # each listed hasher's library is installed (a missing one raises here)
        module, name = path.rsplit(".", 1)
        hasher = getattr(importlib.import_module(module), name)()
        if hasher.library:
            hasher._load_library()


def test_a_pbkdf2_password_signs_in_and_is_rehashed_with_argon2(db):
    agent = AgentFactory(username="pat")
    with override_settings(PASSWORD_HASHERS=DEPLOYED_HASHERS[1:]):  # as stored before Argon2 came first
        agent.set_password("a-long-old-pass-9")
        agent.save(update_fields=["password"])
    assert agent.password.startswith("pbkdf2_sha256$")
    with override_settings(PASSWORD_HASHERS=DEPLOYED_HASHERS):
        assert Client().login(username="pat", password="a-long-old-pass-9")
        agent.refresh_from_db()
        assert agent.password.startswith("argon2$argon2id$")
        assert Client().login(username="pat", password="a-long-old-pass-9")
        assert not Client().login(username="pat", password="a-long-old-pass-0")
