"""Development: `make run` on SQLite with eager Celery unless DATABASE_URL / REDIS_URL say otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "0.0.0.0"])
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Helpdesk credentials on a developer's machine; production reads its own key from the environment.
PULSE_CONNECTOR_KEY = env("PULSE_CONNECTOR_KEY", default="bG9jYWwtZGV2ZWxvcG1lbnQta2V5LW5vdC1wcm9kISE=")
