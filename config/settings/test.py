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
# Tests run tasks in-process; the real-worker tests switch this off explicitly.
CELERY_TASK_ALWAYS_EAGER = True
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "pulse-test"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/minute", "user": "100000/minute", "token": "10000/minute"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
