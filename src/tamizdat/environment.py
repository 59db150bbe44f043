"""Reading the environment for `settings`: typed values, the database address, the secret key,
the media storage, the search backend, the caches to purge and the metrics token, each refused
in one line naming its variable when it is malformed."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def database(data_dir: Path) -> dj_database_url.DBConfig:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{data_dir / 'tamizdat.sqlite3'}")
    try:
        return dj_database_url.parse(
            url, conn_max_age=env_int("TAMIZDAT_DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    except ValueError:
        # The URL may hold a password: it is not repeated.
        raise ImproperlyConfigured(
            "DATABASE_URL is not a database address such as postgres://user:pass@host/db."
        ) from None


def secret_key(data_dir: Path) -> str:
    """The secret key from the environment, or one kept in the data directory for a lone machine."""
    if key := os.environ.get("TAMIZDAT_SECRET_KEY"):
        return key
    from django.core.management.utils import get_random_secret_key

    key_file = data_dir / "secret_key"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def metrics_token() -> str:
    """The bearer token `/metrics` asks for, or "" to answer 404. It travels in a header, so
    it has no spaces, and it is long enough not to be guessed."""
    token = os.environ.get("TAMIZDAT_METRICS_TOKEN", "")
    if token and (len(token) < 16 or re.search(r"\s", token)):
        # The token is a secret: it is not repeated.
        raise ImproperlyConfigured(
            "TAMIZDAT_METRICS_TOKEN must be at least 16 characters, without spaces."
        )
    return token


def media_storage(local_url: str, local: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The media storage's kind, the address readers fetch media from and Django's storage:
    this machine's disk, or an S3-compatible bucket that every node reads and writes and whose
    public address pages name."""
    kind = os.environ.get("TAMIZDAT_MEDIA_STORAGE", "local")
    if kind == "local":
        return kind, local_url, local
    if kind != "s3":
        raise ImproperlyConfigured(f"TAMIZDAT_MEDIA_STORAGE must be local or s3, not {kind!r}.")
    required = ("TAMIZDAT_MEDIA_S3_BUCKET", "TAMIZDAT_MEDIA_S3_PUBLIC_URL")
    missing = [name for name in required if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(f"TAMIZDAT_MEDIA_STORAGE=s3 needs {', '.join(missing)}.")
    url = os.environ["TAMIZDAT_MEDIA_S3_PUBLIC_URL"].rstrip("/") + "/"
    scheme, address = url.split("://", 1)
    return (
        kind,
        url,
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ["TAMIZDAT_MEDIA_S3_BUCKET"],
                "endpoint_url": os.environ.get("TAMIZDAT_MEDIA_S3_ENDPOINT") or None,
                "region_name": os.environ.get("TAMIZDAT_MEDIA_S3_REGION") or None,
                "access_key": os.environ.get("TAMIZDAT_MEDIA_S3_ACCESS_KEY") or None,
                "secret_key": os.environ.get("TAMIZDAT_MEDIA_S3_SECRET_KEY") or None,
                # Readers fetch files by their public address: no signed, expiring URLs in
                # pages that caches keep, and nothing overwritten in place.
                "custom_domain": address.rstrip("/"),
                "url_protocol": scheme + ":",
                "querystring_auth": False,
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    )


SEARCH_ENGINES = {
    "elasticsearch8": "wagtail.search.backends.elasticsearch8",
    "elasticsearch9": "wagtail.search.backends.elasticsearch9",
    "opensearch2": "wagtail.search.backends.opensearch2",
    "opensearch3": "wagtail.search.backends.opensearch3",
}


def search_backend(database_engine: str) -> dict[str, Any]:
    """Wagtail's search backend: the database's own (`news.search.sqlite` or
    `news.search.postgres`), or an Elasticsearch or OpenSearch server
    (`TAMIZDAT_SEARCH_ENGINE`)."""
    engine = os.environ.get("TAMIZDAT_SEARCH_ENGINE", "database")
    if engine == "database":
        sqlite = database_engine.endswith("sqlite3")
        return {"BACKEND": f"tamizdat.news.search.{'sqlite' if sqlite else 'postgres'}"}
    if engine not in SEARCH_ENGINES:
        names = ", ".join(["database", *SEARCH_ENGINES])
        message = f"TAMIZDAT_SEARCH_ENGINE must be one of {names}, not {engine!r}."
        raise ImproperlyConfigured(message)
    return {
        "BACKEND": SEARCH_ENGINES[engine],
        "URLS": env_list("TAMIZDAT_SEARCH_URLS", "http://localhost:9200"),
        "INDEX": os.environ.get("TAMIZDAT_SEARCH_INDEX", "tamizdat"),
        "TIMEOUT": env_int("TAMIZDAT_SEARCH_TIMEOUT_SECONDS", 5),
    }


CDNS = ("cloudflare", "cloudfront", "fastly")


def _required(setting: str, names: tuple[str, ...]) -> None:
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(f"{setting} needs {', '.join(missing)}.")


def _matching(name: str, pattern: str, what: str) -> str:
    value = os.environ[name].strip()
    if not re.fullmatch(pattern, value):
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}.")
    return value


def _web_address(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an http:// or https:// address, not {value!r}.")
    return value


def front_caches(base_url: str) -> dict[str, dict[str, Any]]:
    """The caches in front of readers that a publish must tell over the network (Wagtail's
    frontend-cache settings, see `web.cdn`): each proxy of `TAMIZDAT_PURGE_LOCATIONS`, and the
    CDN of `TAMIZDAT_CDN`. Secrets are never repeated in an error."""
    caches: dict[str, dict[str, Any]] = {
        f"purge{index}": {
            "BACKEND": "tamizdat.web.cdn.ProxyBackend",
            "LOCATION": _web_address("TAMIZDAT_PURGE_LOCATIONS", location),
        }
        for index, location in enumerate(env_list("TAMIZDAT_PURGE_LOCATIONS", ""))
    }
    cdn = os.environ.get("TAMIZDAT_CDN", "")
    if not cdn:
        return caches
    if cdn not in CDNS:
        raise ImproperlyConfigured(f"TAMIZDAT_CDN must be one of {', '.join(CDNS)}, not {cdn!r}.")
    setting = f"TAMIZDAT_CDN={cdn}"
    if cdn == "cloudflare":
        _required(setting, ("TAMIZDAT_CLOUDFLARE_ZONE_ID", "TAMIZDAT_CLOUDFLARE_API_TOKEN"))
        api = os.environ.get("TAMIZDAT_CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4")
        caches["cdn"] = {
            "BACKEND": "tamizdat.web.cdn.CloudflareAPIBackend",
            "ZONEID": _matching("TAMIZDAT_CLOUDFLARE_ZONE_ID", "[0-9a-f]{32}", "32 hex digits"),
            "BEARER_TOKEN": os.environ["TAMIZDAT_CLOUDFLARE_API_TOKEN"],
            "API_URL": _web_address("TAMIZDAT_CLOUDFLARE_API_URL", api),
        }
    elif cdn == "cloudfront":
        _required(setting, ("TAMIZDAT_CLOUDFRONT_DISTRIBUTION_ID",))
        caches["cdn"] = {
            "BACKEND": "tamizdat.web.cdn.CloudFrontInvalidationBackend",
            "DISTRIBUTION_ID": _matching(
                "TAMIZDAT_CLOUDFRONT_DISTRIBUTION_ID", "[A-Z0-9]{8,20}", "a distribution's ID"
            ),
            "AWS_ACCESS_KEY_ID": os.environ.get("TAMIZDAT_CLOUDFRONT_ACCESS_KEY") or None,
            "AWS_SECRET_ACCESS_KEY": os.environ.get("TAMIZDAT_CLOUDFRONT_SECRET_KEY") or None,
        }
    else:
        # Fastly purges an address when its edge is sent PURGE for it: the site's own address.
        token = os.environ.get("TAMIZDAT_FASTLY_API_TOKEN")
        caches["cdn"] = {
            "BACKEND": "tamizdat.web.cdn.ProxyBackend",
            "LOCATION": base_url,
            "HEADERS": {"Fastly-Key": token} if token else {},
        }
    return caches


RATE_UNITS = {"s": "second", "h": "hour"}


def newsletter_rate(default: str = "10/s") -> dict[str, int]:
    """How fast newsletters go out (`TAMIZDAT_NEWSLETTER_RATE`): messages per second, per
    hour or both, as in `10/s`, `100/h` or `10/s,3000/h`."""
    value = os.environ.get("TAMIZDAT_NEWSLETTER_RATE", default)
    rate: dict[str, int] = {}
    for part in value.split(","):
        count, _, unit = part.strip().partition("/")
        if (
            not count.isdigit()
            or int(count) < 1
            or unit not in RATE_UNITS
            or RATE_UNITS[unit] in rate
        ):
            raise ImproperlyConfigured(
                "TAMIZDAT_NEWSLETTER_RATE must be messages per second and/or per hour, such as "
                f"10/s or 10/s,3000/h, not {value!r}."
            )
        rate[RATE_UNITS[unit]] = int(count)
    return rate


def anymail() -> tuple[str | None, dict[str, Any]]:
    """Mail through an e-mail service instead of SMTP: its anymail backend's name
    (`TAMIZDAT_ESP`, e.g. mailgun, amazon_ses, postmark, postal) and anymail's settings as a
    JSON object (`TAMIZDAT_ANYMAIL`: keys, webhook signing key, webhook secret)."""
    import json

    esp = os.environ.get("TAMIZDAT_ESP") or None
    text = os.environ.get("TAMIZDAT_ANYMAIL", "{}")
    try:
        options = json.loads(text)
    except ValueError:
        options = None
    if not isinstance(options, dict):
        # The value holds keys: it is not repeated.
        raise ImproperlyConfigured("TAMIZDAT_ANYMAIL must be a JSON object of anymail settings.")
    if esp is not None and not esp.replace("_", "").isalnum():
        raise ImproperlyConfigured(f"TAMIZDAT_ESP must name an anymail backend, not {esp!r}.")
    return esp, options
