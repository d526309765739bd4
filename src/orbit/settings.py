"""Django settings for Orbit, built from ``ORBIT_*`` environment variables only.

See :mod:`orbit.config` for the variables and their defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from orbit import config

CONFIG = config.load()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = CONFIG.data_dir
SECRET_KEY = CONFIG.secret_key
ORBIT_AUDIT_KEY = CONFIG.audit_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
ORBIT_DATABASE_VENDOR = CONFIG.database.vendor
ORBIT_DATABASE_URL = CONFIG.database.url

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # Orbit's bounded contexts come last so their admin registrations replace the defaults.
    "orbit.core",
    "orbit.governance",
    "orbit.organisation",
    "orbit.results",
    "orbit.planning",
    "orbit.processes",
    "orbit.interop",
    "orbit.reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "orbit.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "orbit.core.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "orbit.urls"
WSGI_APPLICATION = "orbit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orbit.core.context_processors.orbit",
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database.settings}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The six official UN languages; English is the fallback for content and interface.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ru", "Русский"),
    ("zh-hans", "中文"),
    ("ar", "العربية"),
]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Orbit's additions to Django's number formats (thousands grouping for Chinese and Arabic).
FORMAT_MODULE_PATH = ["orbit.core.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "orbit.core.staticfiles.GzipManifestStaticFilesStorage"
        )
    },
}
if CONFIG.media_storage == "s3":
    # Any S3-compatible store (AWS S3, MinIO, Ceph…) through django-storages (`pip install "orbit[s3]"`);
    # credentials come from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables read by boto3.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CONFIG.s3_bucket,
            "endpoint_url": CONFIG.s3_endpoint_url or None,
            "region_name": CONFIG.s3_region or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
MEDIA_URL = "/media/"
MEDIA_ROOT = CONFIG.media_root
# Evidence uploads (orbit.planning.media): largest file per kind in MB, largest image in megapixels.
ORBIT_UPLOAD_MAX_PHOTO_MB = CONFIG.upload_max_photo_mb
ORBIT_UPLOAD_MAX_DOCUMENT_MB = CONFIG.upload_max_document_mb
ORBIT_UPLOAD_MAX_VIDEO_MB = CONFIG.upload_max_video_mb
ORBIT_UPLOAD_MAX_MEGAPIXELS = CONFIG.upload_max_megapixels
ORBIT_IATI_SCHEMA_DIR = CONFIG.iati_schema_dir
# The IATI publisher: defaults of the IATI export page, the API and `orbit iati export`.
ORBIT_IATI_PUBLISHER_PREFIX = CONFIG.iati_publisher_prefix
ORBIT_IATI_REPORTING_ORG_REF = CONFIG.iati_reporting_org_ref
ORBIT_IATI_REPORTING_ORG_NAME = CONFIG.iati_reporting_org_name
ORBIT_IATI_REPORTING_ORG_TYPE = CONFIG.iati_reporting_org_type
# Where the public reaches Orbit: published evidence (IATI document links) is served only when it is set.
ORBIT_PUBLIC_URL = CONFIG.public_url

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "orbit.core.api.pagination.OrbitPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "orbit.core.api.errors.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Orbit API",
    "DESCRIPTION": "Results-based management and digital transformation.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Choice sets whose field names recur across models get explicit component names.
    "ENUM_NAME_OVERRIDES": {
        "FrameworkKindEnum": "orbit.results.models.Framework.Kind",
        "FrameworkStatusEnum": "orbit.results.models.Framework.Status",
        "DimensionKindEnum": "orbit.results.models.Dimension.Kind",
        "ValueStatusEnum": "orbit.results.models.ActualValue.Status",
        "ResultStatusEnum": "orbit.results.rollup.STATUSES",
        # Background jobs (report runs, IATI exports and uploads) share one set of states.
        "JobStatusEnum": "orbit.reporting.models.ReportRun.Status",
        "IatiJobStatusEnum": "orbit.interop.models.IatiExport.Status",
        "IatiImportStatusEnum": "orbit.interop.models.ImportRun.Status",
    },
}

# Per-process caches.  "derived" holds large computed bodies (a framework's tree) keyed by the audit
# chain's head, so an entry is never served after a write; few entries, as each may be megabytes.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "orbit-default"},
    "derived": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "orbit-derived",
        "OPTIONS": {"MAX_ENTRIES": 16, "CULL_FREQUENCY": 2},
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if CONFIG.https:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ORBIT_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

ORBIT_LABEL = _("Orbit")
