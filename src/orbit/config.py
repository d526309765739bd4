"""Read Orbit's configuration from ``ORBIT_*`` environment variables.

Every setting has a working default for the embedded (SQLite) case.  A malformed
value raises :class:`ConfigError` whose message is one line naming the variable;
the ``orbit`` command prints it and exits without a traceback.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting is missing or malformed."""


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} is below the minimum of {minimum}")
    return value


def _secret_from_file(path: Path, nbytes: int) -> str:
    """Return the secret kept in ``path``, generating it once when absent."""
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise ConfigError(f"{path} is empty; delete it to generate a new secret")
        return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


@dataclass(frozen=True)
class DatabaseConfig:
    vendor: str  # "sqlite" or "postgresql"
    settings: dict[str, object]
    url: str


def parse_database_url(url: str, data_dir: Path) -> DatabaseConfig:
    name = "ORBIT_DATABASE_URL"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/or/absolute/path, sqlite:////abs/path
        raw_path = url.split("://", 1)[1]
        if raw_path.startswith("/"):
            raw_path = raw_path[1:]  # sqlite:///rel/path is relative, sqlite:////abs/path absolute
        if not raw_path:
            raise ConfigError(f"{name}={url!r} names no database file (sqlite:////path/to/orbit.sqlite3)")
        path = Path(raw_path)
        if not path.is_absolute():
            path = (Path.cwd() / path).resolve()
        return DatabaseConfig("sqlite", sqlite_settings(path), url)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        if not parts.path.strip("/"):
            raise ConfigError(f"{name}={url!r} names no database (postgres://user@host:5432/dbname)")
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"{name}={url!r} has a malformed port") from exc
        settings: dict[str, object] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.strip("/"),
            "USER": parts.username or "",
            "PASSWORD": parts.password or "",
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {},
        }
        return DatabaseConfig("postgresql", settings, url)
    raise ConfigError(f"{name}={url!r} has an unsupported scheme {scheme!r} (use sqlite:// or postgres://)")


def sqlite_settings(path: Path) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Persistent connections: the connection, its WAL setting and page cache are reused.
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # Writers take the lock when the transaction begins, so two writers never
            # deadlock on an upgrade from a read lock; others wait up to 20 s.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        },
        "TEST": {"NAME": None},
    }


@dataclass(frozen=True)
class OrbitConfig:
    data_dir: Path
    media_root: Path
    database: DatabaseConfig
    secret_key: str
    audit_key: str
    debug: bool
    allowed_hosts: list[str]
    https: bool
    # Evidence uploads: largest file per kind (MB of 1,048,576 bytes) and largest image (megapixels).
    upload_max_photo_mb: int = 20
    upload_max_document_mb: int = 50
    upload_max_video_mb: int = 500
    upload_max_megapixels: int = 40
    #: Where evidence files go: ``local`` (``media_root``) or ``s3`` (any S3-compatible store).
    media_storage: str = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    #: The official IATI 2.03 XSD folder (``iati-activities-schema.xsd`` and its includes), when configured.
    iati_schema_dir: Path | None = None
    #: The IATI publisher: identifier prefix of activities, and the reporting organisation (ref, name, type).
    iati_publisher_prefix: str = ""
    iati_reporting_org_ref: str = ""
    iati_reporting_org_name: str = ""
    iati_reporting_org_type: str = "40"
    #: The address at which the public reaches this Orbit (e.g. https://orbit.example.org). Unset: nothing is
    #: published outside sign-in, and IATI exports carry no document links.
    public_url: str = ""


def iati_publisher() -> tuple[str, str, str, str]:
    """(prefix, reporting-org ref, name, type) from ORBIT_IATI_PUBLISHER_PREFIX and ORBIT_IATI_REPORTING_ORG_*."""
    found: list[str] = []
    for name in ("ORBIT_IATI_PUBLISHER_PREFIX", "ORBIT_IATI_REPORTING_ORG_REF"):
        value = os.environ.get(name, "").strip()
        if any(c.isspace() or c in "/&|?" for c in value):
            raise ConfigError(f"{name}={value!r} is not an IATI identifier (no spaces, '/', '&', '|' or '?')")
        found.append(value)
    org_name = os.environ.get("ORBIT_IATI_REPORTING_ORG_NAME", "").strip()
    org_type = os.environ.get("ORBIT_IATI_REPORTING_ORG_TYPE", "40").strip() or "40"
    if not (org_type.isascii() and org_type.isdigit()):
        raise ConfigError(f"ORBIT_IATI_REPORTING_ORG_TYPE={org_type!r} is not an IATI organisation type code (e.g. 40)")
    return found[0], found[1], org_name, org_type


def public_url() -> str:
    """ORBIT_PUBLIC_URL: an absolute http(s) address without query or fragment, or unset ("")."""
    raw = os.environ.get("ORBIT_PUBLIC_URL", "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"ORBIT_PUBLIC_URL={raw!r} is not an absolute http(s) address such as https://orbit.example.org")
    return raw.rstrip("/")


def iati_schema_dir() -> Path | None:
    """ORBIT_IATI_SCHEMA_DIR: a folder holding the official IATI 2.03 schema, or unset."""
    raw = os.environ.get("ORBIT_IATI_SCHEMA_DIR", "").strip()
    if not raw:
        return None
    folder = Path(raw).expanduser()
    if not (folder / "iati-activities-schema.xsd").is_file():
        raise ConfigError(f"ORBIT_IATI_SCHEMA_DIR={raw!r} holds no iati-activities-schema.xsd")
    return folder


def media_storage_settings() -> tuple[str, str, str, str]:
    """(kind, bucket, endpoint URL, region) of the evidence store, from ORBIT_MEDIA_STORAGE and ORBIT_S3_*."""
    kind = os.environ.get("ORBIT_MEDIA_STORAGE", "local").strip().lower() or "local"
    if kind not in ("local", "s3"):
        raise ConfigError(f"ORBIT_MEDIA_STORAGE={kind!r} is not a storage Orbit knows (use local or s3)")
    bucket = os.environ.get("ORBIT_S3_BUCKET", "").strip()
    endpoint = os.environ.get("ORBIT_S3_ENDPOINT_URL", "").strip()
    region = os.environ.get("ORBIT_S3_REGION", "").strip()
    if kind == "s3" and not bucket:
        raise ConfigError("ORBIT_S3_BUCKET is required when ORBIT_MEDIA_STORAGE=s3")
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ConfigError(f"ORBIT_S3_ENDPOINT_URL={endpoint!r} is not an http(s) URL")
    return kind, bucket, endpoint, region


def load() -> OrbitConfig:
    data_dir = Path(os.environ.get("ORBIT_DATA_DIR", "./var")).expanduser()
    if not data_dir.is_absolute():
        data_dir = (Path.cwd() / data_dir).resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(f"ORBIT_DATA_DIR={str(data_dir)!r} exists and is not a directory")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"ORBIT_DATA_DIR={str(data_dir)!r} cannot be created: {exc.strerror}") from exc

    media_root = Path(os.environ.get("ORBIT_MEDIA_ROOT", str(data_dir / "media"))).expanduser()

    db_url = os.environ.get("ORBIT_DATABASE_URL", "").strip()
    if db_url:
        database = parse_database_url(db_url, data_dir)
    else:
        path = data_dir / "orbit.sqlite3"
        database = DatabaseConfig("sqlite", sqlite_settings(path), f"sqlite:///{path}")

    secret_key = os.environ.get("ORBIT_SECRET_KEY") or _secret_from_file(data_dir / "secret.key", 48)
    if len(secret_key) < 32:
        raise ConfigError("ORBIT_SECRET_KEY is shorter than 32 characters")
    audit_key = os.environ.get("ORBIT_AUDIT_KEY") or _secret_from_file(data_dir / "audit.key", 32)
    if len(audit_key) < 16:
        raise ConfigError("ORBIT_AUDIT_KEY is shorter than 16 characters")

    debug = env_bool("ORBIT_DEBUG", False)
    allowed_hosts = env_list("ORBIT_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    https = env_bool("ORBIT_HTTPS", False)
    media_storage, s3_bucket, s3_endpoint_url, s3_region = media_storage_settings()
    publisher = iati_publisher()
    return OrbitConfig(
        data_dir=data_dir,
        media_root=media_root,
        database=database,
        secret_key=secret_key,
        audit_key=audit_key,
        debug=debug,
        allowed_hosts=allowed_hosts,
        https=https,
        upload_max_photo_mb=env_int("ORBIT_UPLOAD_MAX_PHOTO_MB", 20),
        upload_max_document_mb=env_int("ORBIT_UPLOAD_MAX_DOCUMENT_MB", 50),
        upload_max_video_mb=env_int("ORBIT_UPLOAD_MAX_VIDEO_MB", 500),
        upload_max_megapixels=env_int("ORBIT_UPLOAD_MAX_MEGAPIXELS", 40),
        media_storage=media_storage,
        s3_bucket=s3_bucket,
        s3_endpoint_url=s3_endpoint_url,
        s3_region=s3_region,
        iati_schema_dir=iati_schema_dir(),
        iati_publisher_prefix=publisher[0],
        iati_reporting_org_ref=publisher[1],
        iati_reporting_org_name=publisher[2],
        iati_reporting_org_type=publisher[3],
        public_url=public_url(),
    )
