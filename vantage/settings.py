"""Settings, read from the environment (and a git-ignored ``.env``) with django-environ.

Every setting has a default that works on a fresh machine (SQLite, the ORM broker) except the two
keys, which are required outside DEBUG. A malformed value stops start-up with
``ImproperlyConfigured`` naming the variable. Every variable is documented in ``.env.example``.
"""

import re
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ENV_FILE = Path(environ.Env().str("VANTAGE_ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)


def _typed(name, cast, default):
    """Read one variable; a value that cannot be parsed names the variable in the error."""
    try:
        return cast(name, default=default)
    except ImproperlyConfigured:
        raise
    except Exception as exc:  # environ raises ValueError & co. without naming the variable
        raise ImproperlyConfigured(f"{name} is malformed: {exc.__class__.__name__}") from None


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _strict_bool(name, default):
    """django-environ reads any unknown word as False; a typo in DEBUG must not pass silently."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} is malformed: use true or false, not {raw!r}")


DEBUG = _strict_bool("DEBUG", False)


def _required_key(name):
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return ""
    raise ImproperlyConfigured(
        f"{name} is required when DEBUG is off. `make run` writes one into .env for development; "
        "in production set it in the environment."
    )


# DEBUG without a key (e.g. a bare `manage.py` run before `make run`): an ephemeral random one.
SECRET_KEY = _required_key("SECRET_KEY") or __import__("secrets").token_urlsafe(50)
FIELD_ENCRYPTION_KEY = _required_key("FIELD_ENCRYPTION_KEY")
if not FIELD_ENCRYPTION_KEY:
    # DEBUG without a key: an ephemeral key keeps the app starting, but stored secrets will not
    # decrypt after a restart. `make run` always writes a persistent key to .env.
    from cryptography.fernet import Fernet

    FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
else:
    from cryptography.fernet import Fernet

    try:
        Fernet(FIELD_ENCRYPTION_KEY.encode())
    except Exception:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is malformed: it must be a url-safe base64 Fernet key "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        ) from None

ALLOWED_HOSTS = _typed("ALLOWED_HOSTS", env.list, ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = _typed("CSRF_TRUSTED_ORIGINS", env.list, [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if urlparse(_origin).scheme not in ("http", "https"):
        raise ImproperlyConfigured(f"CSRF_TRUSTED_ORIGINS is malformed: {_origin!r} needs http:// or https://")

TIME_ZONE = _typed("TIME_ZONE", env.str, "UTC")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except Exception:
    raise ImproperlyConfigured(f"TIME_ZONE is malformed: {TIME_ZONE!r} is not a known time zone") from None
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = False
# One date format everywhere, the admin included ("1 Dec 2026"): vantage/lib/formats/en/formats.py.
# Numbers are formatted explicitly (vantage.lib.formatting); USE_THOUSAND_SEPARATOR stays off so ids
# rendered into URLs and form values are never grouped ("1,234").
FORMAT_MODULE_PATH = ["vantage.lib.formats"]

TWILIO_API_BASE_URL = _typed("TWILIO_API_BASE_URL", env.str, "https://api.twilio.com").rstrip("/")
if urlparse(TWILIO_API_BASE_URL).scheme not in ("http", "https") or not urlparse(TWILIO_API_BASE_URL).netloc:
    raise ImproperlyConfigured(f"TWILIO_API_BASE_URL is malformed: {TWILIO_API_BASE_URL!r} is not an http(s) URL")

try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
except Exception as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"].get("ENGINE") not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured("DATABASE_URL is malformed: use sqlite:///path or postgres://user@host:port/name")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server and the task worker write without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT off for the app's own connections, set when they open (no statement per query): a report's
    # grouped query pays more to compile than to run (vantage/lib/db.py). Other options in the URL stay.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off"]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# PostgreSQL only: the memory a report's aggregation may use for sorting and hashing (SET LOCAL work_mem,
# for that one query; see vantage/lib/db.py). Grouping by a virtual tag sorts or hashes every row first.
REPORT_WORK_MEM = _typed("REPORT_WORK_MEM", env.str, "32MB")
_work_mem = re.fullmatch(r"([1-9][0-9]{0,9})(kB|MB|GB)", REPORT_WORK_MEM)
if not _work_mem or not 64 <= int(_work_mem[1]) * {"kB": 1, "MB": 1024, "GB": 1024**2}[_work_mem[2]] <= 2147483647:
    raise ImproperlyConfigured(
        f"REPORT_WORK_MEM is malformed: {REPORT_WORK_MEM!r} (use e.g. 32MB, 512kB or 1GB; PostgreSQL takes 64kB to 2TB)"
    )

# Email (notifications): django-environ's EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.
# Default: printed to the console when DEBUG (`make run`), else an SMTP server on localhost:25.
try:
    _email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
except Exception:
    # the message names no part of the value: it may hold the SMTP password
    raise ImproperlyConfigured(
        "EMAIL_URL is malformed: use e.g. smtp+tls://user:password@host:587 or consolemail://"
    ) from None
if not _email.get("EMAIL_BACKEND"):
    raise ImproperlyConfigured("EMAIL_URL is malformed: its scheme is not smtp, smtp+tls, smtp+ssl or consolemail")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = 10  # seconds: a stuck SMTP server fails the attempt (retried later) instead of the worker
DEFAULT_FROM_EMAIL = _typed("DEFAULT_FROM_EMAIL", env.str, "Vantage <vantage@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Webhook targets allowed although they resolve to loopback/private addresses or use plain http
# (comma-separated host names or IPs), e.g. a receiver inside your own network.
NOTIFY_ALLOWED_HOSTS = [
    h.strip().lower().strip("[]") for h in _typed("NOTIFY_ALLOWED_HOSTS", env.list, []) if h.strip()
]

# The address people open Vantage at: links in emails and webhooks (report digests, cost alerts) start with it.
SITE_URL = _typed("SITE_URL", env.str, "http://127.0.0.1:8000").rstrip("/")
if urlparse(SITE_URL).scheme not in ("http", "https") or not urlparse(SITE_URL).netloc:
    raise ImproperlyConfigured(f"SITE_URL is malformed: {SITE_URL!r} is not an http(s) URL")

REDIS_URL = _typed("REDIS_URL", env.str, "")
if REDIS_URL and urlparse(REDIS_URL).scheme not in ("redis", "rediss", "unix"):
    raise ImproperlyConfigured(f"REDIS_URL is malformed: {REDIS_URL!r} needs redis://, rediss:// or unix://")

Q_WORKERS = _typed("Q_WORKERS", env.int, 2)
Q_CLUSTER = {
    "name": "vantage",
    "workers": Q_WORKERS,
    # A six-month import of a large account takes minutes; a task is retried only after it has
    # certainly timed out (timeout < retry), and the import resumes window by window.
    "timeout": 1800,
    "retry": 2100,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 500,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as static files: the API docs work offline
    "csp",
    "encrypted_model_fields",
    "django_q",
    "axes",
    "vantage",
    "vantage.notifications",
    "vantage.audit",
    "integrations",
    "costs",
    "costs.forecasts",
    "costs.budgets",
    "costs.alerting",
    "costs.anomalies",
    "tagging",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "vantage.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "vantage.middleware.LoginRequiredMiddleware",
    "vantage.middleware.CurrentWorkspaceMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a locked-out sign-in into the lockout page
]

ROOT_URLCONF = "vantage.urls"
WSGI_APPLICATION = "vantage.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vantage.context_processors.workspaces",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes) on the app's and the admin's sign-in: after LOGIN_FAILURE_LIMIT failures
# for one username, or from one IP address, that username or address is refused (429, a page saying why) for
# LOGIN_COOLOFF_MINUTES, even with the right password. Operators see attempts and lockouts in the admin and
# unlock with `manage.py axes_reset_username <name>` / `axes_reset_ip <ip>` / `axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username or address before checking
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = _typed("LOGIN_FAILURE_LIMIT", env.int, 10)
LOGIN_COOLOFF_MINUTES = _typed("LOGIN_COOLOFF_MINUTES", env.int, 15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES are malformed: use whole numbers >= 1")
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (the client's address is then the one they
# received the request from). 0: REMOTE_ADDR is the client (no proxy; the header is ignored, it can be forged).
TRUSTED_PROXY_COUNT = _typed("TRUSTED_PROXY_COUNT", env.int, 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is malformed: use 0 (no proxy) or the number of proxies")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = __import__("datetime").timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks: per user and per IP
AXES_RESET_ON_SUCCESS = True  # a successful sign-in forgets that username's earlier failures
AXES_LOCKOUT_CALLABLE = "vantage.views.locked_out"  # the page saying why (429), the app's and the admin's
AXES_CLIENT_IP_CALLABLE = "vantage.lib.clientip.client_ip"
AXES_VERBOSE = False  # axes logs each attempt itself; the audit log (vantage.audit) records them

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = _typed("STATIC_ROOT", env.str, str(BASE_DIR / "staticfiles"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the small hand-written JS reads it for POSTs
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4) on every response: scripts and styles only from our own static
# files, no inline <script>, <style> or style="..." (data reaches scripts through json_script, which is
# not executed), nothing third-party. The Redoc page alone relaxes style-src (vantage/api/docs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Permissions-Policy on every response (vantage.middleware.PermissionsPolicyMiddleware): the app uses
# none of these browser features, so no page (nor anything injected into one) may ask for them.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), "
    "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)
if not DEBUG:
    SECURE_SSL_REDIRECT = _strict_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _typed("SECURE_HSTS_SECONDS", env.int, 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

API_THROTTLE_RATE = _typed("API_THROTTLE_RATE", env.str, "600/min")
if not __import__("re").match(r"^\d+/(s|sec|m|min|h|hour|d|day)$", API_THROTTLE_RATE):
    raise ImproperlyConfigured(f"API_THROTTLE_RATE is malformed: {API_THROTTLE_RATE!r} (use e.g. 600/min)")
# Failed Bearer-token authentications allowed per client IP (429 with Retry-After beyond it): a flood of
# guessed tokens is refused from the cache before it reaches the database (vantage/api/throttling.py).
API_FAILED_AUTH_RATE = _typed("API_FAILED_AUTH_RATE", env.str, "20/min")
if not re.match(r"^[1-9]\d*/(s|sec|m|min|h|hour|d|day)$", API_FAILED_AUTH_RATE):
    raise ImproperlyConfigured(f"API_FAILED_AUTH_RATE is malformed: {API_FAILED_AUTH_RATE!r} (use e.g. 20/min)")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Bearer first: unauthenticated requests get 401 with WWW-Authenticate: Bearer.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "vantage.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["vantage.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_THROTTLE_RATE},
    "DEFAULT_PAGINATION_CLASS": "vantage.api.pagination.ApiPagination",
    "PAGE_SIZE": 100,
    # Throttles key on the client's address as vantage.lib.clientip reads it: REMOTE_ADDR, or X-Forwarded-For
    # read from the right past TRUSTED_PROXY_COUNT proxies. Unset, DRF would key on the whole header, which
    # the client writes: a changed header would be a fresh budget.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "vantage.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vantage for Twilio API",
    "DESCRIPTION": "Twilio cost and usage, integrations, cost reports and virtual tags. "
    "Authenticate with `Authorization: Bearer <token>` (create tokens under API tokens in the user menu).",
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and the docs need a signed-in user or a token, like the API itself.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # choice sets sharing a field name with another app's get an explicit component name
    # choice sets that share a field name across apps get names of their own (drf-spectacular's W001)
    "ENUM_NAME_OVERRIDES": {
        "AnomalyStatusEnum": "costs.anomalies.choices.AnomalyStatus",
        "AnomalyDirectionEnum": "costs.anomalies.choices.Direction",
        "CostAlertDirectionEnum": "costs.alerting.choices.Direction",
    },
}
CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _typed("LOG_LEVEL", env.str, "INFO")},
    "loggers": {"urllib3": {"level": "WARNING"}},
}
