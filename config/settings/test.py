"""Tests: the services named by DATABASE_URL / REDIS_URL, fast hashing, eager Celery by default."""

from .base import *  # noqa: F403
from .base import REDIS_URL, env

SECRET_KEY = env("SECRET_KEY", default="test-key-not-for-production-0123456789abcdef")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
# Tests log in with the test client (no request object); the lockout test turns axes on.
AXES_ENABLED = False
# Tests run tasks in-process; the real-worker tests switch this off explicitly, in the test process and, through
# the environment (tests/worker.py), in the worker, which then runs tasks as a production worker does.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "pulse-test"
# Sessions in the database with or without Redis, so query budgets are one number on both runs; the Redis-read
# sessions of production are tested on their own (tests/pages/test_page_cache.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/minute", "user": "100000/minute", "token": "10000/minute"}
# Helpdesk connectors: a fixed test key, and retries that wait milliseconds, not seconds.
PULSE_CONNECTOR_KEY = env("PULSE_CONNECTOR_KEY", default="PFrgUTH0xJCmmtv9TvkpSDo3UkILkgRJ5jg1Q0VCvqY=")
CONNECTOR_RETRY_BACKOFF_SECONDS = 0.01
CONNECTOR_MAX_RETRY_AFTER_SECONDS = 0.05
CONNECTOR_READ_TIMEOUT_SECONDS = 5.0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A second alias on the same PostgreSQL test database (Django's test MIRROR), so the replica router's tests
# can prove where each query goes (tests/config/test_db_routers.py). No router is installed here: nothing
# reads from it unless a test turns the router on.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["replica"] = {**DATABASES["default"], "ATOMIC_REQUESTS": False, "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = []
