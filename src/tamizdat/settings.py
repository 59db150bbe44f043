"""The one settings module. Every deployment difference comes from environment variables.

The defaults give a single-machine newsroom: SQLite in `TAMIZDAT_DATA_DIR`, a file cache shared by
all local processes, static files served by whitenoise. Setting `DATABASE_URL` and `REDIS_URL`
moves the same code onto PostgreSQL and Redis for several web and worker nodes.
"""

import datetime
import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from tamizdat.environment import (
    anymail,
    database,
    env_bool,
    env_int,
    env_list,
    front_caches,
    media_storage,
    metrics_token,
    newsletter_rate,
    search_backend,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent


DATA_DIR = Path(os.environ.get("TAMIZDAT_DATA_DIR", Path.cwd() / "var")).resolve()
DEBUG = env_bool("TAMIZDAT_DEBUG")
HTTPS = env_bool("TAMIZDAT_HTTPS")


SECRET_KEY = secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("TAMIZDAT_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
BASE_URL = os.environ.get("TAMIZDAT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "tamizdat",
    "tamizdat.news",
    "tamizdat.support",
    "tamizdat.payments",
    "tamizdat.prompts",
    "tamizdat.newsroom",
    "tamizdat.mirror",
    "tamizdat.archive",
    "tamizdat.newsletters",
    "anymail",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "tamizdat.web.logs.RequestIdMiddleware",
    "tamizdat.web.probes.ProbeMiddleware",
    "tamizdat.web.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tamizdat.web.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Readers on slow networks get compressed pages; whitenoise already serves static files
    # precompressed, and Django's gzip pads responses against BREACH on pages with tokens.
    "django.middleware.gzip.GZipMiddleware",
    "tamizdat.web.front_cache.FrontCacheMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "tamizdat.web.page_cache.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "tamizdat.web.admin_policy.AdminPolicyMiddleware",
    "tamizdat.prompts.middleware.CheckoutFormActionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "tamizdat.news.routing.PageRouteMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    # Innermost, so that a view's database error is answered in the reader's language.
    "tamizdat.web.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "tamizdat.urls"
WSGI_APPLICATION = "tamizdat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "tamizdat.news.context.site_context",
            ],
        },
    },
]

# SQLite in WAL mode lets readers and the one writer work side by side on a single machine.
# After a checkpoint the write-ahead log is cut back to 64 MiB; the planner's statistics are
# kept by the hourly upkeep (`tamizdat.maintenance`). Each thread keeps its connection between
# requests: opening one for every request, with its pragmas, was a third of a webhook
# delivery's cost (`bench/donations.py`: 470 -> 760 deliveries/s). A restore writes into the
# same file through SQLite's backup interface, so kept connections read the restored data.
DATABASES = {"default": database(DATA_DIR)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
            "PRAGMA journal_size_limit=67108864;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

# The cache holds rendered pages and must be shared by every process that can publish (web
# workers, the task worker, management commands): Redis when configured, else files on disk.
CACHES: dict[str, dict[str, Any]]
if redis_url := os.environ.get("REDIS_URL"):
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://.")
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "tamizdat",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": DATA_DIR / "cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# Image rendition lookups happen dozens of times per page; each process keeps them in memory.
# Short-lived, because another process may regenerate an image's renditions. The article cards
# of listings (each a picture of several renditions) and the "Read more" blocks are kept the same
# way, as HTML: in the file cache, writing each one listed the whole cache folder (how Django's
# file cache keeps its size), a cost that grew with the archive.
CACHES["renditions"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "TIMEOUT": 600,
    "OPTIONS": {"MAX_ENTRIES": 10_000},
}
# Fewer fragments than renditions: a fragment is kilobytes of HTML, and what a process serves
# again and again (the frame, the newest stories' cards) is a few hundred of them; a crawler or
# a static copy walking the whole archive filled ten thousand, about 70 MiB a process.
CACHES["fragments"] = {
    **CACHES["renditions"],
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 2_000},
}

# Background work (receipts, Wagtail's index updates) waits in the database for `tamizdat worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task running this long whose worker stopped beating (killed, its machine lost) runs again.
TASK_LEASE_SECONDS = env_int("TAMIZDAT_TASK_LEASE_SECONDS", 60)
# Finished task records are deleted after this many days (`tamizdat.maintenance`).
TASK_RESULTS_DAYS = env_int("TAMIZDAT_TASK_RESULTS_DAYS", 7)

# Staff sign-in: repeated wrong passwords lock the account and, separately, the address for a
# while (see `web.login_guard`); counted in the shared cache, so across every node.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env_int("TAMIZDAT_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("TAMIZDAT_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tamizdat.web.login_guard.client_ip"
AXES_LOCKOUT_CALLABLE = "tamizdat.web.login_guard.locked_out"
# No log line names who tried from where.
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    # One machine: the file cache may miss a failure when two come at the same instant, so a
    # lock can come an attempt or two late; several machines share Redis, which counts exactly.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Languages: the first one in TAMIZDAT_LANGUAGES is the default, served under its own prefix.
_LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "uk": "Українська", "be": "Беларуская"}
LANGUAGES = [
    (code, _LANGUAGE_NAMES.get(code, code)) for code in env_list("TAMIZDAT_LANGUAGES", "en,ru")
]
LANGUAGE_CODE = LANGUAGES[0][0]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["tamizdat.formats"]
USE_TZ = True
TIME_ZONE = os.environ.get("TAMIZDAT_TIME_ZONE", "UTC")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("TAMIZDAT_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded images and their renditions on this machine's disk, or in an S3-compatible bucket
# for several machines (`TAMIZDAT_MEDIA_STORAGE=s3`, see `environment.media_storage`).
MEDIA_STORAGE, MEDIA_URL, STORAGES["default"] = media_storage(MEDIA_URL, STORAGES["default"])

# Security headers. Reading pages carry no inline script or style, so no nonce is needed and a
# cached page stays valid for everyone.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("TAMIZDAT_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)
SELF = "'self'"


def _media_origin() -> list[str]:
    """The bucket's origin, where images come from when media are in an object store."""
    if MEDIA_URL.startswith("/"):
        return []
    scheme, rest = MEDIA_URL.split("://", 1)
    return [f"{scheme}://{rest.split('/', 1)[0]}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *_media_origin()],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}
# Anonymous reading pages: how long browsers and a CDN may keep them. Publishing purges them.
PAGE_CACHE_BROWSER_SECONDS = env_int("TAMIZDAT_BROWSER_CACHE_SECONDS", 60)
PAGE_CACHE_CDN_SECONDS = env_int("TAMIZDAT_CDN_CACHE_SECONDS", 300)
PAGE_CACHE_SERVER_SECONDS = env_int("TAMIZDAT_SERVER_CACHE_SECONDS", 3600)
# The shipped nginx keeps a page this long, then asks again with its ETag: a publish shows
# through nginx within this time on every node and for every encoding, with no purge to send.
PAGE_CACHE_FRONT_SECONDS = env_int("TAMIZDAT_FRONT_CACHE_SECONDS", 1)

# Every cache in front of readers, purged together through `tamizdat.web.purge`: the built-in
# page cache, the proxies of `TAMIZDAT_PURGE_LOCATIONS` and the CDN of `TAMIZDAT_CDN`. Wagtail's
# frontend-cache app is not installed: its own signal handlers would purge a second time.
WAGTAILFRONTENDCACHE = {
    "page_cache": {"BACKEND": "tamizdat.web.page_cache.PageCacheBackend"},
    **front_caches(BASE_URL),
}
WAGTAIL_SITE_NAME = os.environ.get("TAMIZDAT_SITE_NAME", "Tamizdat")
WAGTAILADMIN_BASE_URL = BASE_URL
WAGTAILIMAGES_IMAGE_MODEL = "news.Photo"
# Search: Wagtail's database backend (on SQLite with one ranked query, `news.search`), or an
# Elasticsearch or OpenSearch server for a newsroom that runs one (README, "Search").
WAGTAILSEARCH_BACKENDS = {"default": search_backend(DATABASES["default"]["ENGINE"])}
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "docx", "xlsx", "csv", "txt"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("en", "English"), ("ru", "Русский")]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

ONION_ADDRESS = os.environ.get("TAMIZDAT_ONION_ADDRESS", "")

# Mirrors (mirror/): the static copy of the site, the buckets it is pushed to, and where a
# copy's contribution form posts (the main site, a proxying mirror or the onion; none: no form).
# Not resolved: the copy's folder is a link to its current version (mirror/folders.py).
MIRROR_DIR = Path(os.path.abspath(os.environ.get("TAMIZDAT_MIRROR_DIR", DATA_DIR / "mirror")))
MIRROR_GIVING_URL = os.environ.get("TAMIZDAT_MIRROR_GIVING_URL", "").rstrip("/")
MIRROR_ZIP_URL = os.environ.get("TAMIZDAT_MIRROR_ZIP_URL", "")
MIRROR_DEBOUNCE_SECONDS = env_int("TAMIZDAT_MIRROR_DEBOUNCE_SECONDS", 60)
MIRROR_JOBS = env_int("TAMIZDAT_MIRROR_JOBS", os.cpu_count() or 1)


def _mirror_targets() -> list[Any]:
    from tamizdat.mirror.targets import TargetError, parse_targets

    try:
        return parse_targets(os.environ.get("TAMIZDAT_MIRROR_TARGETS", ""))
    except TargetError as error:
        raise ImproperlyConfigured(str(error)) from None


MIRROR_TARGETS = _mirror_targets()

# `/metrics` answers only requests that carry this as a bearer token; 404 while it is unset.
METRICS_TOKEN = metrics_token()

LOG_FORMAT = os.environ.get("TAMIZDAT_LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"TAMIZDAT_LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tamizdat.web.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "tamizdat.web.logs.PlainFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "tamizdat.web.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("TAMIZDAT_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django_tasks": {"level": "WARNING"},
    },
}

# Editors' e-mail addresses are not sent to an avatar service.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Reader revenue (support/ and payments/). A provider without its settings is not offered.
# The newsroom's postal address, on the receipts supporters keep ("Kastanienallee 1, Berlin").
NEWSROOM_ADDRESS = os.environ.get("TAMIZDAT_NEWSROOM_ADDRESS", "")
# A TrueType font with Latin and Cyrillic for PDF receipts (Debian: fonts-dejavu-core).
RECEIPT_FONT = os.environ.get(
    "TAMIZDAT_RECEIPT_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
)
SUPPORT_DEFAULT_CURRENCY = os.environ.get("TAMIZDAT_DEFAULT_CURRENCY", "USD").upper()
# "Add N to cover processing fees": this percentage of the gift, rounded up.
SUPPORT_FEE_PERCENT = os.environ.get("TAMIZDAT_FEE_PERCENT", "3")
STRIPE_SECRET_KEY = os.environ.get("TAMIZDAT_STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("TAMIZDAT_STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("TAMIZDAT_STRIPE_API_BASE", "https://api.stripe.com")
# The hosted checkout page's origin, allowed as a form target on pages with the contribution form.
STRIPE_CHECKOUT_ORIGIN = os.environ.get(
    "TAMIZDAT_STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com"
)
# A processor where no money moves (`tamizdat demo`'s own, or Stripe's test mode): the form says
# so beside the Card choice, with the test card to pay with.
STRIPE_DEMO = env_bool("TAMIZDAT_STRIPE_DEMO")
BANK_TRANSFER = {
    "account_holder": os.environ.get("TAMIZDAT_BANK_ACCOUNT_HOLDER", ""),
    "iban": os.environ.get("TAMIZDAT_BANK_IBAN", ""),
    "bic": os.environ.get("TAMIZDAT_BANK_BIC", ""),
    "bank_name": os.environ.get("TAMIZDAT_BANK_NAME", ""),
    "currencies": [c.upper() for c in env_list("TAMIZDAT_BANK_CURRENCIES", "EUR,USD,GBP")],
}
# Card-testing defence: proof-of-work difficulty and the burst detector's thresholds.
SUPPORT_POW_MAX_NUMBER = env_int("TAMIZDAT_POW_MAX_NUMBER", 50_000)
SUPPORT_BURST_REJECTS = env_int("TAMIZDAT_BURST_REJECTS", 30)
SUPPORT_BURST_STARTS = env_int("TAMIZDAT_BURST_STARTS", 60)
SUPPORT_BURST_WINDOW_SECONDS = env_int("TAMIZDAT_BURST_WINDOW_SECONDS", 600)
SUPPORT_GUARD_SECONDS = env_int("TAMIZDAT_GUARD_SECONDS", 3600)
# Behind nginx (deploy/nginx-site.conf) every connection comes from nginx itself; the rate
# limits then key on the address nginx passes in X-Real-IP.
SUPPORT_CLIENT_IP_HEADER = os.environ.get("TAMIZDAT_CLIENT_IP_HEADER", "")
SUPPORT_MANAGE_LINK_SECONDS = env_int("TAMIZDAT_MANAGE_LINK_SECONDS", 24 * 3600)
# Donor privacy: `tamizdat shred --lapsed` forgets supporters with no running plan who have
# not paid for this many days (amounts stay in the books, who gave them does not).
SUPPORT_RETENTION_DAYS = env_int("TAMIZDAT_RETENTION_DAYS", 730)

# Mail (receipts, magic links): an SMTP server when configured, else files in the data directory.
DEFAULT_FROM_EMAIL = os.environ.get("TAMIZDAT_FROM_EMAIL", "newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if smtp_url := os.environ.get("TAMIZDAT_SMTP_URL"):
    from urllib.parse import unquote, urlsplit

    # smtp://user:password@host:587 (STARTTLS; `?tls=off` for a local relay), smtps://…:465
    _smtp = urlsplit(smtp_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or (465 if _smtp.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = _smtp.scheme == "smtp" and "tls=off" not in _smtp.query
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

# An e-mail service through anymail (`environment.anymail`) instead of SMTP; its webhooks
# report bounces and complaints (`newsletters.esp`).
ESP, ANYMAIL = anymail()
if ESP:
    EMAIL_BACKEND = f"anymail.backends.{ESP}.EmailBackend"

# Newsletters go out at most this fast (`environment.newsletter_rate`): new ESP accounts are
# capped at about a hundred messages an hour.
NEWSLETTER_RATE = newsletter_rate()
