"""Settings shared by every environment; deployment values come from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

# GENERAL
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
TIME_ZONE = env("TIME_ZONE", default="UTC")
LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
SITE_NAME = "Pulse"

# DATABASES
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# The `make run` demo on SQLite serves a few people at once, and pages write too (sessions, audit, notifications
# read): a transaction takes the write lock when it begins (IMMEDIATE: two requests never both hold a read lock and
# fail upgrading it with "database is locked"), waits up to 20 s for it, and readers never block the writer (WAL).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
# The snapshot covering indexes INCLUDE the summed columns on PostgreSQL; SQLite (the `make run` demo) builds
# them without, which Django notes on every command (models.W040) — expected there, so not shown.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
# A PostgreSQL read replica for page and API reads (config/db_routers.py, docs/scaling.md). Unset: one
# database, no router. After a write the client reads the primary for DATABASE_REPLICA_PIN_SECONDS.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=15)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASE_ROUTERS = ["config.db_routers.ReplicaRouter"]
# PostgreSQL plans a query in parallel when its estimated cost exceeds the workers' setup cost. Starting them
# takes ~8 ms on a 2-core server, more than most page queries take alone: with the default (1000) a team
# dashboard's 5 ms read ran in 13 ms. At 3000 only reads long enough to gain go parallel (docs/performance.md).
PG_PARALLEL_SETUP_COST = env.int("PG_PARALLEL_SETUP_COST", default=3000)
for _database in DATABASES.values():
    if _database["ENGINE"].endswith("postgresql"):
        _database.setdefault("OPTIONS", {})["options"] = f"-c parallel_setup_cost={PG_PARALLEL_SETUP_COST}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# URLS
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# APPS
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
]
THIRD_PARTY_APPS = [
    "csp",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
LOCAL_APPS = [
    "accounts",
    "tickets",
    "surveys",
    "kpis",
    "kpis.reviews",
    "kpis.quality",
    "tickets.customers",
    "accounts.schedules",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# CLIENT ADDRESS
# How many reverse proxies stand in front of the web processes, each appending to X-Forwarded-For
# (docs/deploy.md). 0: the socket's peer is the client. The login lockout and every API throttle use it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 (no proxy) or the number of proxies in front of Pulse.")

# AUTHENTICATION
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Brute-force protection: locks a username+address out after repeated failures.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
# A lockout is per (username, address): one address guessing at one account. Per username alone would let
# anyone lock any colleague out; per address alone would lock a whole office behind one NAT after a few typos.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address is the one every throttle uses (TRUSTED_PROXY_COUNT above), never a client-sent header.
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Argon2id first (memory-hard, OWASP's first choice); PBKDF2 hashes from before are still accepted and rehashed
# with Argon2 at the user's next sign-in (docs/decisions.md, "Password hashing").
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# MIDDLEWARE
MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API responses compressed (static files are WhiteNoise's, served before this). Django's
    # GZipMiddleware pads each response at random against BREACH, and CSRF tokens are masked per request.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]
if DATABASE_REPLICA_URL:
    # Decides, per request, whether reads may go to the replica (before anything reads the session).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("config.request_id.RequestIdMiddleware") + 1, "config.db_routers.ReplicaReadsMiddleware"
    )

# STATIC
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

# TEMPLATES
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.access",
            ],
        },
    },
]

# SECURITY
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# Every page, script and style is served by Pulse itself: no inline scripts, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Swagger UI sets a few inline styles; scripts stay strictly same-origin.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# LOGGING
# Structured logs: JSON lines (LOG_FORMAT=json, the production default) or plain text, each with its request id.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(levelname)s %(asctime)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"level": env("LOG_LEVEL", default="INFO"), "handlers": ["console"]},
}

# REDIS, CACHE AND CELERY
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "IGNORE_EXCEPTIONS": True},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # Sessions read from Redis (a query saved on every request), written through to the database so a Redis
    # restart signs nobody out. Only with a shared cache: a per-process one would let a signed-out session
    # live on in the other processes.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # No broker configured: run tasks in-process so a fresh clone needs no server.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits stay well under Redis' one-hour visibility timeout.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that enqueues a task must not hang when the broker is down (dirty marks catch up).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
# Queues by kind, so each kind can get workers of its own (docs/deploy.md, docs/scaling.md): a long import
# or a helpdesk backfill never delays the refresh that keeps figures live. A worker started without -Q
# consumes every queue listed here. Routes match task names (first matching pattern wins, in this order).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name) for name in (CELERY_TASK_DEFAULT_QUEUE, "refresh", "import", "sync", "export")]
CELERY_TASK_ROUTES = {
    "kpis.ping": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    # Building cached pages after a refresh never delays the next refresh: the default queue, not "refresh".
    "kpis.warm_*": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    "kpis.quality.*": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    "kpis.reviews.*": {"queue": "export"},
    "kpis.export*": {"queue": "export"},
    "kpis.*": {"queue": "refresh"},
    "schedules.*": {"queue": "refresh"},
    "tickets.connectors.*": {"queue": "sync"},
    "tickets.*": {"queue": "import"},
}

# KPIs
# Below this many responses or tickets a figure is flagged low-confidence.
KPI_MIN_SAMPLE = env.int("KPI_MIN_SAMPLE", default=10)
# The daily recompute runs at this local hour (TIME_ZONE) over this many trailing days.
KPI_RECOMPUTE_HOUR = env.int("KPI_RECOMPUTE_HOUR", default=3)
KPI_RECOMPUTE_WINDOW_DAYS = env.int("KPI_RECOMPUTE_WINDOW_DAYS", default=7)
# A write's dirty (team, day) marks are refreshed this many seconds after it (a burst within it is one
# refresh); beat also refreshes every KPI_REFRESH_INTERVAL_SECONDS, to catch up after a broker outage.
KPI_REFRESH_DEBOUNCE_SECONDS = env.float("KPI_REFRESH_DEBOUNCE_SECONDS", default=1.0)
KPI_REFRESH_INTERVAL_SECONDS = env.int("KPI_REFRESH_INTERVAL_SECONDS", default=60)
# The figures a period page shows are cached this long, keyed by the snapshots' computation stamps and the
# period's targets, so a refresh or a target change shows at once (kpis/page_cache.py); 0 turns it off.
KPI_PAGE_CACHE_SECONDS = env.int("KPI_PAGE_CACHE_SECONDS", default=24 * 60 * 60)
# After a team's refresh (and the nightly recompute) the worker builds its dashboards' figures for the presets
# ending yesterday into that cache, so a leader's first read after new data is a cached one (kpis.tasks).
KPI_WARM_PAGES = env.bool("KPI_WARM_PAGES", default=True)
# How often beat checks that the cache still holds the warm-up's mark (kpis.tasks.warm_if_cache_emptied).
KPI_CACHE_WATCH_SECONDS = env.int("KPI_CACHE_WATCH_SECONDS", default=60)

# IMPORTS
# The imports page refuses bigger uploads (the shell commands have no limit); the proxy in front
# should cap request bodies a little above it (docs/deploy.md).
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
# Uploaded files, mapping files and error reports are deleted this many days after their run
# finished; the run rows (who imported what, counts) stay.
IMPORT_RETENTION_DAYS = env.int("IMPORT_RETENTION_DAYS", default=30)
if IMPORT_MAX_UPLOAD_BYTES < 1 or IMPORT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("IMPORT_MAX_UPLOAD_BYTES and IMPORT_RETENTION_DAYS must be positive.")

# HELPDESK CONNECTORS (tickets/connectors/)
# Fernet key(s) encrypting helpdesk credentials at rest, comma-separated, newest first (rotation).
PULSE_CONNECTOR_KEY = env("PULSE_CONNECTOR_KEY", default="")
# Beat enqueues a sync of every active connection this often; webhooks trigger one within seconds.
CONNECTOR_POLL_SECONDS = env.int("CONNECTOR_POLL_SECONDS", default=300)
CONNECTOR_CONNECT_TIMEOUT_SECONDS = env.float("CONNECTOR_CONNECT_TIMEOUT_SECONDS", default=10.0)
CONNECTOR_READ_TIMEOUT_SECONDS = env.float("CONNECTOR_READ_TIMEOUT_SECONDS", default=60.0)
# 5xx, network errors and 429s are retried this many times per request (backoff doubling from the base,
# or the helpdesk's Retry-After, capped), then the sync fails with its cursor at the last written page.
CONNECTOR_MAX_RETRIES = env.int("CONNECTOR_MAX_RETRIES", default=5)
CONNECTOR_RETRY_BACKOFF_SECONDS = env.float("CONNECTOR_RETRY_BACKOFF_SECONDS", default=2.0)
CONNECTOR_MAX_RETRY_AFTER_SECONDS = env.float("CONNECTOR_MAX_RETRY_AFTER_SECONDS", default=120.0)
# Ratings are re-read this far back each sync (a rating changed after it was given is caught).
CONNECTOR_RATINGS_LOOKBACK_DAYS = env.int("CONNECTOR_RATINGS_LOOKBACK_DAYS", default=7)
# One sync per connection: its lease is renewed every page and expires this long after a worker died
# (then the next sync takes the connection over and resumes at the cursor). Longer than any page takes.
CONNECTOR_LEASE_SECONDS = env.int("CONNECTOR_LEASE_SECONDS", default=10 * 60)
# A signed webhook older than this is refused (replay); webhook calls per client address per minute.
CONNECTOR_WEBHOOK_MAX_AGE_SECONDS = env.int("CONNECTOR_WEBHOOK_MAX_AGE_SECONDS", default=300)
CONNECTOR_WEBHOOK_RATE_PER_MINUTE = env.int("CONNECTOR_WEBHOOK_RATE_PER_MINUTE", default=120)

# DJANGO REST FRAMEWORK
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's three, the JSON one refusing numbers that overflow to infinity (config/api_parsers.py).
    "DEFAULT_PARSER_CLASSES": (
        "config.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ),
    "DEFAULT_FILTER_BACKENDS": ("django_filters.rest_framework.DjangoFilterBackend",),
    "DEFAULT_PAGINATION_CLASS": "config.api_pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "config.api_exceptions.exception_handler",
    "PAGE_SIZE": 50,
    # Keyed on config.client_ip; NUM_PROXIES keeps any stock DRF throttle on the same proxy count.
    "DEFAULT_THROTTLE_CLASSES": (
        "config.api_throttling.AnonRateThrottle",
        "config.api_throttling.UserRateThrottle",
    ),
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="5000/minute"),
        "token": env("API_THROTTLE_TOKEN", default="10/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pulse API",
    "DESCRIPTION": "Team-performance KPIs, targets and coaching reviews for customer-service teams.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# CELERY BEAT: exactly one beat process runs these.
CELERY_BEAT_SCHEDULE = {
    "kpis-daily-trailing-window": {
        "task": "kpis.compute_trailing_window",
        "schedule": crontab(minute=0, hour=KPI_RECOMPUTE_HOUR),
    },
    "kpis-refresh-dirty": {
        "task": "kpis.refresh_dirty_snapshots",
        "schedule": float(KPI_REFRESH_INTERVAL_SECONDS),
    },
    # An emptied cache (Redis restarted or flushed) gets every team's dashboards warmed again within a minute.
    "kpis-warm-if-cache-emptied": {
        "task": "kpis.warm_if_cache_emptied",
        "schedule": float(KPI_CACHE_WATCH_SECONDS),
    },
    # The 1st of each month: a partitioned snapshot table keeps 12 months ahead (no-op while it is one table).
    "kpis-snapshot-partitions-upkeep": {
        "task": "kpis.snapshot_partitions_upkeep",
        "schedule": crontab(minute=45, hour=KPI_RECOMPUTE_HOUR, day_of_month=1),
    },
    "tickets-connectors-poll": {
        "task": "tickets.connectors.poll",
        "schedule": float(CONNECTOR_POLL_SECONDS),
    },
    "tickets-import-files-purge": {
        "task": "tickets.import_files_purge",
        "schedule": crontab(minute=30, hour=KPI_RECOMPUTE_HOUR),
    },
    # Monday morning: each team's quality sample of last week's solved tickets (kpis/quality/sampling.py).
    "quality-weekly-assignments": {
        "task": "kpis.quality.draw_weekly_assignments",
        "schedule": crontab(minute=0, hour=(KPI_RECOMPUTE_HOUR + 1) % 24, day_of_week="mon"),
    },
}
# QUALITY REVIEWS: tickets drawn per agent each week by the scheduled draw (the draw page asks).
QUALITY_SAMPLE_PER_AGENT = env.int("QUALITY_SAMPLE_PER_AGENT", default=3)
